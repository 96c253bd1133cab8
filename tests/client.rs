//! The client object: `client.<group>().<method>(..)` sends exactly what the free function
//! sends, returns what it returns, and shows no key.

mod common;

use common::{Reply, TestServer};
use openrouter::funcs::{chat_send, credits_get_credits, generations_get_generation, models_list};
use openrouter::models::{
    ChatRequest, GetCreditsRequest, GetGenerationRequest, GetModelsRequest, SendChatCompletionRequest,
};
use openrouter::{OpenRouter, OpenRouterCore, RetryConfig};
use serde_json::json;

const KEY: &str = "sk-or-v1-client-object-secret";

fn client_for(server: &TestServer) -> OpenRouter {
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(&server.base_url())
        .retry(RetryConfig::none())
        .build()
        .expect("core");
    OpenRouter::from(core)
}

const CHAT_ANSWER: &str = r#"{"id":"gen-1","object":"chat.completion","created":1,"model":"openai/gpt-4o",
  "choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"Paris."}}]}"#;

fn chat_request() -> SendChatCompletionRequest {
    let body: ChatRequest = serde_json::from_value(json!({
        "model": "openai/gpt-4o",
        "messages": [{"role": "user", "content": "Capital of France?"}]
    }))
    .unwrap();
    SendChatCompletionRequest::new(body)
}

/// The parts of a request a server acts on.
fn seen(r: &common::Recorded) -> (String, String, Option<String>, Option<String>, Vec<u8>) {
    (r.method.clone(), r.target.clone(), r.header("authorization"), r.header("content-type"), r.body.to_vec())
}

#[tokio::test]
async fn each_method_sends_what_its_free_function_sends_and_returns_the_same_value() {
    let credits = r#"{"data":{"total_credits":10.5,"total_usage":2.25}}"#;
    let models = r#"{"data":[]}"#;
    let replies =
        [Reply::generation(), Reply::json(200, credits), Reply::json(200, CHAT_ANSWER), Reply::json(200, models)];
    // Free functions first, then the same calls through the client, on one server.
    let server = TestServer::start(replies.iter().chain(replies.iter()).cloned().collect()).await;
    let client = client_for(&server);
    let core = client.core();

    let g1 = generations_get_generation(core, GetGenerationRequest::new("gen-123")).await.unwrap();
    let c1 = credits_get_credits(core, GetCreditsRequest::new()).await.unwrap();
    let r1 = chat_send(core, chat_request()).await.unwrap();
    let m1 = models_list(core, GetModelsRequest::new()).await.unwrap();

    let g2 = client.generations().get_generation(GetGenerationRequest::new("gen-123")).await.unwrap();
    let c2 = client.credits().get_credits().await.unwrap();
    let r2 = client.chat().send(chat_request()).await.unwrap();
    let m2 = client.models().list(GetModelsRequest::new()).await.unwrap();

    assert_eq!(g1, g2);
    assert_eq!(c1, c2);
    assert_eq!(c2.data.total_credits, 10.5);
    assert_eq!(r1, r2);
    assert_eq!(r2.model, "openai/gpt-4o");
    assert_eq!(m1, m2);

    let requests = server.requests();
    assert_eq!(requests.len(), 8);
    for (free, method) in requests[..4].iter().zip(&requests[4..]) {
        assert_eq!(seen(free), seen(method), "{} vs {}", free.target, method.target);
    }
    assert_eq!(requests[4].target, "/api/v1/generation?id=gen-123");
    assert_eq!(requests[5].target, "/api/v1/credits");
    assert_eq!(requests[6].method, "POST");
    let body: serde_json::Value = serde_json::from_slice(&requests[6].body).unwrap();
    assert_eq!(
        body,
        json!({"model": "openai/gpt-4o", "messages": [{"role": "user", "content": "Capital of France?"}]})
    );
}

#[tokio::test]
async fn streams_and_pages_through_the_client() {
    let sse = concat!(
        "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",",
        "\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"Par\"}}]}\n\n",
        "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",",
        "\"choices\":[{\"index\":0,\"delta\":{\"content\":\"is.\"},\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n"
    );
    let server =
        TestServer::start(vec![Reply::text(200, "text/event-stream", sse), Reply::json(200, r#"{"data":[]}"#)]).await;
    let client = client_for(&server);

    let mut stream = client.chat().send_stream(chat_request()).await.unwrap();
    let mut text = String::new();
    while let Some(chunk) = stream.next_event().await {
        let chunk = chunk.unwrap();
        if let Some(t) = chunk.choices.first().and_then(|c| c.delta.content.as_deref()) {
            text.push_str(t);
        }
    }
    assert_eq!(text, "Paris.");

    let mut pages = client.models().list_pages(GetModelsRequest::new());
    let page = pages.next_page().await.expect("one page").unwrap();
    assert!(page.data.is_empty());
    assert!(pages.next_page().await.is_none(), "an empty page is the last");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let body: serde_json::Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(body["stream"], json!(true), "the _stream method asks for a stream");
    assert_eq!(requests[0].header("accept").as_deref(), Some("text/event-stream"));
    assert_eq!(requests[1].target, "/api/v1/models?offset=0", "pages start at offset 0");
}

#[tokio::test]
async fn the_client_is_cheap_to_share_and_never_shows_its_key() {
    fn shareable<T: Clone + Send + Sync + 'static>() {}
    shareable::<OpenRouter>();

    let server = TestServer::start(vec![Reply::generation(), Reply::generation()]).await;
    let client = client_for(&server);
    let debug = format!("{client:?} {:?}", client.generations());
    assert!(!debug.contains(KEY), "{debug}");
    assert!(!debug.contains("client-object-secret"), "{debug}");
    assert!(debug.contains("redacted"), "{debug}");

    // Clones share the connection pool: two calls, one connection.
    let other = client.clone();
    client.generations().get_generation(GetGenerationRequest::new("a")).await.unwrap();
    other.generations().get_generation(GetGenerationRequest::new("b")).await.unwrap();
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.connection_count(), 1);
}

#[tokio::test]
async fn the_builder_makes_a_client_with_the_cores_settings() {
    let server = TestServer::start(vec![Reply::generation()]).await;
    let builder = OpenRouter::builder()
        .api_key(KEY)
        .base_url(&server.base_url())
        .app_title("Client test")
        .retry(RetryConfig::none());
    let debug = format!("{builder:?}");
    assert!(!debug.contains("client-object-secret"), "{debug}");
    let client: OpenRouter = builder.build().unwrap();
    client.generations().get_generation(GetGenerationRequest::new("gen-9")).await.unwrap();
    let request = server.single_request();
    assert_eq!(request.header("authorization"), Some(format!("Bearer {KEY}")));
    assert_eq!(request.header("x-openrouter-title").as_deref(), Some("Client test"));
    // a bad setting is an error from build(), as for the core
    let err = OpenRouter::builder().base_url("not a url").build().unwrap_err();
    assert!(err.is_invalid_request(), "{err:?}");
}

#[test]
fn keys_with_any_characters_are_a_result_never_a_panic() {
    // Multi-byte characters where a `Bearer ` prefix would end used to panic on slicing.
    for key in ["sk-or-…", "ключ-ключ", "Bearer é", "bearer  sk-or-v1-x", "Bearer ", "sk\u{0}x", "🔑🔑🔑"]
    {
        let built = OpenRouter::builder().api_key(key).build();
        if let Err(e) = &built {
            assert!(e.is_invalid_request(), "{key:?}: {e:?}");
            assert!(!e.to_string().contains(key.trim()) || key.trim().is_empty(), "the key is not echoed: {e}");
        }
    }
    let ok = OpenRouter::builder().api_key("Bearer sk-or-v1-abc").build();
    assert!(ok.is_ok(), "a Bearer prefix is accepted");
}

#[test]
fn from_env_without_a_key_is_a_clear_error() {
    // Only this test in this binary touches the environment.
    std::env::remove_var("OPENROUTER_API_KEY");
    let err = OpenRouter::from_env().unwrap_err();
    assert!(err.to_string().contains("OPENROUTER_API_KEY"), "{err}");
}
