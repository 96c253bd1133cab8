//! What particular operations of the 2026-10-30 spec need beyond the common path: an operation
//! with its own server, a form body, a 204 answer, a documented redirect that is not followed.

mod common;

use common::{Reply, TestServer};
use openrouter::funcs::{alpha_decisions_create, oauth_create_oauth_token, tools_get_tool, vault_delete_vault_secret};
use openrouter::models::{
    CreateApiAlphaDecisionsRequest, CreateOauthTokenRequest, DecisionsRequest, DeleteVaultSecretRequest,
    GetToolRequest, TokenExchangeRequest, TokenExchangeRequestScope,
};
use openrouter::{OpenRouterCore, RetryConfig};

fn core_for(base_url: &str) -> OpenRouterCore {
    OpenRouterCore::builder()
        .api_key("sk-or-test-key")
        .base_url(base_url)
        .retry(RetryConfig::none())
        .build()
        .expect("core")
}

/// `createApiAlphaDecisions` is served from `https://openrouter.ai/api/alpha/decisions`: it goes to
/// the base URL's origin, whatever path prefix the base URL has (a gateway's, here).
#[tokio::test]
async fn own_server_operation_goes_to_the_base_urls_origin() {
    let answer = r#"{"answers":{},"id":"gen-dec-1","model":"typesafe/jev-1.13","provider":"TypeSafe","usage":{"cost":0.0001,"input_tokens":1,"output_tokens":2}}"#;
    let server = TestServer::start(vec![Reply::json(200, answer)]).await;
    let core = core_for(&format!("{}/gateway/openrouter/api/v1", server.origin()));
    let body: DecisionsRequest =
        serde_json::from_value(serde_json::json!({"model": "typesafe/jev-1.13", "questions": {}, "state": {}}))
            .expect("body");
    let result = alpha_decisions_create(&core, CreateApiAlphaDecisionsRequest::new(body)).await.expect("decisions");
    assert_eq!(result.id.as_deref(), Some("gen-dec-1"));
    let seen = server.single_request();
    assert_eq!(seen.method, "POST");
    assert_eq!(seen.target, "/api/alpha/decisions");
    assert_eq!(seen.header("authorization").as_deref(), Some("Bearer sk-or-test-key"));
}

/// `createOauthToken` sends an `application/x-www-form-urlencoded` body: every set field once,
/// percent-encoded, nothing for unset fields.
#[tokio::test]
async fn form_body_is_url_encoded() {
    let answer = r#"{"access_token":"tok","expires_in":900,"issued_token_type":"urn:ietf:params:oauth:token-type:access_token","scope":"inference","token_type":"Bearer"}"#;
    let server = TestServer::start(vec![Reply::json(200, answer)]).await;
    let core = core_for(&server.base_url());
    let body = TokenExchangeRequest {
        federation_policy_id: "policy 1&2".into(),
        subject_token: "aGVs+bG8=.e30/.c2ln".into(),
        scope: Some(TokenExchangeRequestScope::Inference),
        ..Default::default()
    };
    let token = oauth_create_oauth_token(&core, CreateOauthTokenRequest::new(body)).await.expect("token");
    assert_eq!(token.access_token, "tok");
    let seen = server.single_request();
    assert_eq!(seen.target, "/api/v1/oauth/token");
    assert_eq!(seen.header("content-type").as_deref(), Some("application/x-www-form-urlencoded"));
    let mut pairs: Vec<(String, String)> = std::str::from_utf8(&seen.body)
        .expect("utf-8 form")
        .split('&')
        .map(|p| {
            let (k, v) = p.split_once('=').expect("name=value");
            assert!(!v.contains(['&', '=', '+', '/', ' ']), "{v} is not fully percent-encoded");
            (common::form_decode(k), common::form_decode(v))
        })
        .collect();
    pairs.sort();
    let want = [
        ("federation_policy_id", "policy 1&2"),
        ("grant_type", "urn:ietf:params:oauth:grant-type:token-exchange"),
        ("scope", "inference"),
        ("subject_token", "aGVs+bG8=.e30/.c2ln"),
        ("subject_token_type", "urn:ietf:params:oauth:token-type:jwt"),
    ];
    let want: Vec<(String, String)> = want.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    assert_eq!(pairs, want);
}

/// A 204 without a body (and without a content type) is a success.
#[tokio::test]
async fn no_content_answer_is_ok() {
    let server = TestServer::start(vec![Reply::status(204)]).await;
    let core = core_for(&server.base_url());
    vault_delete_vault_secret(&core, DeleteVaultSecretRequest::new("github_token")).await.expect("deleted");
    let seen = server.single_request();
    assert_eq!((seen.method.as_str(), seen.target.as_str()), ("DELETE", "/api/v1/vault/secrets/github_token"));
}

/// `getTool` documents a 308 to the canonical name. It is not followed: the key does not travel to
/// another URL without the caller's say; the caller gets the status and the `Location`.
#[tokio::test]
async fn redirect_is_returned_not_followed() {
    let elsewhere = TestServer::start(vec![Reply::json(200, "{}")]).await;
    let location = format!("{}/api/v1/tools/openrouter:web_search", elsewhere.origin());
    let server = TestServer::start(vec![Reply::status(308).header("location", &location)]).await;
    let core = core_for(&server.base_url());
    let err = tools_get_tool(&core, GetToolRequest::new("web_search")).await.expect_err("a 308 is not a tool");
    assert_eq!(err.status(), Some(308));
    assert_eq!(err.headers().and_then(|h| h.get("location")).and_then(|v| v.to_str().ok()), Some(location.as_str()));
    assert!(!err.is_retryable());
    assert_eq!(server.single_request().target, "/api/v1/tools/web_search");
    assert_eq!(elsewhere.request_count(), 0, "the redirect was followed");
}

/// Path parameters keep `:` (a canonical tool name) and cannot climb to another resource.
#[tokio::test]
async fn path_segments_keep_colons_and_escape_dot_segments() {
    let server = TestServer::start(vec![Reply::json(200, "{}"), Reply::json(200, "{}")]).await;
    let core = core_for(&server.base_url());
    let _ = tools_get_tool(&core, GetToolRequest::new("openrouter:web_search")).await;
    let _ = tools_get_tool(&core, GetToolRequest::new("..")).await;
    let targets: Vec<String> = server.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(targets, ["/api/v1/tools/openrouter:web_search", "/api/v1/tools/%2E%2E"]);
}
