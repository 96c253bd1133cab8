//! The `*_pages` streams: page after page, stopping on the last page and on the first error.

mod common;

use common::{Reply, TestServer};
use openrouter::funcs::{batch_list_pages, byok_list_pages, files_list_pages};
use openrouter::models::{ListBYOKKeysRequest, ListBatchesRequest, ListFilesRequest};
use openrouter::{OpenRouterCore, RetryConfig};
use serde_json::json;

fn core_at(server: &TestServer) -> OpenRouterCore {
    OpenRouterCore::builder()
        .api_key("sk-or-test")
        .base_url(&server.base_url())
        .retry(RetryConfig::none())
        .build()
        .unwrap()
}

/// A BYOK list page with `n` keys.
fn keys_page(n: usize) -> Reply {
    let key = json!({
        "allowed_api_key_hashes": null, "allowed_models": null, "allowed_user_ids": null,
        "created_at": "2025-08-24T10:30:00Z", "disabled": false, "id": "11111111-2222-3333-4444-555555555555",
        "is_fallback": false, "is_required": false, "is_byok_only": false, "declared_zdr": null, "declared_region": null,
        "label": "sk-...AbCd", "name": "Key", "provider": "openai", "sort_order": 0,
        "workspace_id": "550e8400-e29b-41d4-a716-446655440000"
    });
    Reply::json(200, json!({ "data": vec![key; n], "total_count": 107 }).to_string())
}

fn query(server: &TestServer, i: usize, name: &str) -> Option<String> {
    server.requests()[i].query_pairs().into_iter().find(|(k, _)| k == name).map(|(_, v)| v)
}

#[tokio::test]
async fn offset_pages_advance_by_the_items_received_and_stop_on_a_short_page() {
    let server = TestServer::start(vec![keys_page(50), keys_page(50), keys_page(7), keys_page(50)]).await;
    let mut pages = byok_list_pages(&core_at(&server), ListBYOKKeysRequest::new());
    let mut sizes = Vec::new();
    while let Some(page) = pages.next_page().await {
        sizes.push(page.unwrap().data.len());
    }
    assert_eq!(sizes, [50, 50, 7], "three pages, the short one last");
    assert_eq!(server.request_count(), 3, "no request after the short page");
    let offsets: Vec<Option<String>> = (0..3).map(|i| query(&server, i, "offset")).collect();
    assert_eq!(offsets, [Some("0".into()), Some("50".into()), Some("100".into())]);
}

#[tokio::test]
async fn offset_pages_start_at_the_request_offset_and_use_its_limit() {
    let server = TestServer::start(vec![keys_page(10), keys_page(10), keys_page(0)]).await;
    let request = ListBYOKKeysRequest::new().offset(20).limit(10);
    let mut pages = byok_list_pages(&core_at(&server), request);
    let mut count = 0;
    while let Some(page) = pages.next_page().await {
        page.unwrap();
        count += 1;
    }
    assert_eq!(count, 3, "full pages continue; the empty page is the last");
    let offsets: Vec<Option<String>> = (0..3).map(|i| query(&server, i, "offset")).collect();
    assert_eq!(offsets, [Some("20".into()), Some("30".into()), Some("40".into())]);
    assert!((0..3).all(|i| query(&server, i, "limit").as_deref() == Some("10")));
}

#[tokio::test]
async fn pages_stop_on_the_first_error() {
    let server = TestServer::start(vec![keys_page(50), Reply::api_error(500, "boom"), keys_page(50)]).await;
    let mut pages = byok_list_pages(&core_at(&server), ListBYOKKeysRequest::new());
    assert_eq!(pages.next_page().await.unwrap().unwrap().data.len(), 50);
    let err = pages.next_page().await.unwrap().unwrap_err();
    assert_eq!(err.status(), Some(500));
    assert!(pages.next_page().await.is_none(), "nothing after an error");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn pages_are_a_futures_stream() {
    let server = TestServer::start(vec![keys_page(3)]).await;
    let mut pages = byok_list_pages(&core_at(&server), ListBYOKKeysRequest::new().limit(5));
    let mut pages = std::pin::Pin::new(&mut pages);
    let first = std::future::poll_fn(|cx| futures_core::Stream::poll_next(pages.as_mut(), cx)).await;
    assert_eq!(first.unwrap().unwrap().data.len(), 3);
    assert!(std::future::poll_fn(|cx| futures_core::Stream::poll_next(pages.as_mut(), cx)).await.is_none());
}

/// A files page with a next cursor (or none).
fn files_page(cursor: Option<&str>) -> Reply {
    Reply::json(
        200,
        json!({
            "cursor": cursor,
            "data": [{"created_at": "2025-01-01T00:00:00Z", "downloadable": false, "filename": "a.pdf",
                      "id": "or_file_1", "mime_type": "application/pdf", "size_bytes": 10, "type": "file"}],
            "first_id": "or_file_1", "has_more": cursor.is_some(), "last_id": "or_file_1"
        })
        .to_string(),
    )
}

#[tokio::test]
async fn cursor_pages_follow_the_cursor_until_there_is_none() {
    let server = TestServer::start(vec![files_page(Some("c-2")), files_page(Some("c-3")), files_page(None)]).await;
    let mut pages = files_list_pages(&core_at(&server), ListFilesRequest::new());
    let mut count = 0;
    while let Some(page) = pages.next_page().await {
        page.unwrap();
        count += 1;
    }
    assert_eq!(count, 3);
    let cursors: Vec<Option<String>> = (0..3).map(|i| query(&server, i, "cursor")).collect();
    assert_eq!(cursors, [None, Some("c-2".into()), Some("c-3".into())]);
}

#[tokio::test]
async fn a_blank_cursor_ends_the_pages() {
    let server = TestServer::start(vec![files_page(Some("  ")), files_page(Some("never"))]).await;
    let mut pages = files_list_pages(&core_at(&server), ListFilesRequest::new());
    assert!(pages.next_page().await.unwrap().is_ok());
    assert!(pages.next_page().await.is_none());
    assert_eq!(server.request_count(), 1);
}

/// A batch list page (OpenAI style): `last_id` names the last batch even on the last page;
/// `has_more` says whether another page follows.
fn batches_page(ids: &[&str], has_more: bool) -> Reply {
    let data: Vec<serde_json::Value> = ids
        .iter()
        .map(|id| {
            json!({
                "id": id, "object": "batch", "endpoint": "/v1/chat/completions", "model": "openai/gpt-4o-mini",
                "completion_window": "24h", "status": "completed", "created_at": 1, "finalized_at": 2,
                "provider": "OpenAI", "expires_at": null, "request_counts": {"total": 1, "completed": 1, "failed": 0},
                "usage": null, "error": null, "results": null
            })
        })
        .collect();
    let last = ids.last().map(|s| s.to_string());
    Reply::json(
        200,
        json!({"object": "list", "data": data, "first_id": ids.first(), "last_id": last, "has_more": has_more})
            .to_string(),
    )
}

#[tokio::test]
async fn batch_pages_follow_last_id_while_has_more() {
    let server = TestServer::start(vec![
        batches_page(&["batch_1", "batch_2"], true),
        batches_page(&["batch_3"], false),
        batches_page(&["batch_4"], false),
    ])
    .await;
    let mut pages = batch_list_pages(&core_at(&server), ListBatchesRequest::new().limit(2));
    let mut ids = Vec::new();
    while let Some(page) = pages.next_page().await {
        ids.extend(page.unwrap().data.into_iter().map(|b| b.id));
    }
    assert_eq!(ids, ["batch_1", "batch_2", "batch_3"]);
    assert_eq!(server.request_count(), 2, "no request after a page whose has_more is false");
    assert_eq!(query(&server, 0, "after"), None);
    assert_eq!(query(&server, 1, "after").as_deref(), Some("batch_2"));
    assert_eq!(query(&server, 1, "limit").as_deref(), Some("2"));
}
