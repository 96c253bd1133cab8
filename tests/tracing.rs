//! The `tracing` feature, with a capturing subscriber written here: one span per operation call
//! with its fields, an event per retry and one per stream end, and never the key or a body.
//!
//! `cargo test --features tracing --test tracing`

mod common;

use std::collections::BTreeMap;
use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use common::{Reply, TestServer};
use openrouter::funcs::{chat_send_stream, generations_get_generation};
use openrouter::models::{ChatMessages, ChatRequest, GetGenerationRequest};
use openrouter::{OpenRouterCore, RetryConfig};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

const KEY: &str = "sk-or-v1-tracing-secret-0123456789";

/// A span or an event as the subscriber saw it: its name and fields (as text).
#[derive(Clone, Debug, Default)]
struct Captured {
    name: String,
    fields: BTreeMap<String, String>,
    /// For an event: the name of the span it happened in.
    parent: Option<String>,
}

#[derive(Default)]
struct Capture {
    next: AtomicU64,
    spans: Mutex<BTreeMap<u64, Captured>>,
    events: Mutex<Vec<Captured>>,
    /// The spans entered, innermost last (the tests run on one thread).
    stack: Mutex<Vec<u64>>,
}

struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }
}

#[derive(Clone)]
struct Shared(Arc<Capture>);

impl Subscriber for Shared {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.target().starts_with("openrouter")
    }
    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.0.next.fetch_add(1, Ordering::Relaxed) + 1;
        let mut captured = Captured { name: span.metadata().name().to_owned(), ..Captured::default() };
        span.record(&mut Fields(&mut captured.fields));
        self.0.spans.lock().unwrap().insert(id, captured);
        Id::from_u64(id)
    }
    fn record(&self, span: &Id, values: &Record<'_>) {
        if let Some(s) = self.0.spans.lock().unwrap().get_mut(&span.into_u64()) {
            values.record(&mut Fields(&mut s.fields));
        }
    }
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut captured = Captured { name: event.metadata().name().to_owned(), ..Captured::default() };
        event.record(&mut Fields(&mut captured.fields));
        let current = self.0.stack.lock().unwrap().last().copied();
        captured.parent = current.and_then(|id| self.0.spans.lock().unwrap().get(&id).map(|s| s.name.clone()));
        self.0.events.lock().unwrap().push(captured);
    }
    fn enter(&self, span: &Id) {
        self.0.stack.lock().unwrap().push(span.into_u64());
    }
    fn exit(&self, span: &Id) {
        let mut stack = self.0.stack.lock().unwrap();
        if let Some(p) = stack.iter().rposition(|s| *s == span.into_u64()) {
            stack.remove(p);
        }
    }
}

impl Capture {
    fn spans(&self) -> Vec<Captured> {
        self.spans.lock().unwrap().values().cloned().collect()
    }
    fn events(&self) -> Vec<Captured> {
        self.events.lock().unwrap().clone()
    }
    /// Everything captured, as one text (to look for what must never be there).
    fn all_text(&self) -> String {
        format!("{:?} {:?}", self.spans(), self.events())
    }
}

fn capture() -> (Arc<Capture>, tracing::subscriber::DefaultGuard) {
    let capture = Arc::new(Capture::default());
    let guard = tracing::subscriber::set_default(Shared(capture.clone()));
    (capture, guard)
}

fn core(server: &TestServer) -> OpenRouterCore {
    let retry = RetryConfig::backoff().initial_interval(std::time::Duration::from_millis(1));
    OpenRouterCore::builder().api_key(KEY).base_url(server.base_url().as_str()).retry(retry).build().unwrap()
}

fn field<'a>(c: &'a Captured, name: &str) -> Option<&'a str> {
    c.fields.get(name).map(String::as_str)
}

#[tokio::test]
async fn a_call_is_one_span_with_its_fields_and_each_retry_an_event_in_it() {
    let (capture, _guard) = capture();
    let server =
        TestServer::start(vec![Reply::api_error(503, "busy"), Reply::generation().header("x-generation-id", "gen-42")])
            .await;
    generations_get_generation(&core(&server), GetGenerationRequest::new("gen-1")).await.unwrap();

    let spans = capture.spans();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let span = &spans[0];
    assert_eq!(span.name, "openrouter.call");
    assert_eq!(field(span, "operation_id"), Some("getGeneration"));
    assert_eq!(field(span, "method"), Some("GET"));
    assert_eq!(field(span, "path"), Some("/generation"), "the path, without the query");
    assert_eq!(field(span, "attempts"), Some("2"));
    assert_eq!(field(span, "status"), Some("200"));
    assert_eq!(field(span, "generation_id"), Some("gen-42"));
    assert!(field(span, "duration_ms").is_some_and(|d| d.parse::<u64>().is_ok()), "{span:?}");
    assert_eq!(field(span, "error"), None);

    let events = capture.events();
    assert_eq!(events.len(), 1, "{events:?}");
    let retry = &events[0];
    assert_eq!(field(retry, "message"), Some("openrouter.retry"));
    assert_eq!(
        (field(retry, "attempt"), field(retry, "reason"), field(retry, "status")),
        (Some("1"), Some("status"), Some("503"))
    );
    assert!(field(retry, "wait_ms").is_some());
    assert_eq!(retry.parent.as_deref(), Some("openrouter.call"), "the retry event is inside the call's span");
    assert!(!capture.all_text().contains(KEY));
}

#[tokio::test]
async fn a_failed_call_records_status_and_error_but_never_the_key_or_the_body() {
    let (capture, _guard) = capture();
    let echo = format!("invalid key {KEY} (body-marker)");
    let server = TestServer::start(vec![Reply::api_error(401, &echo)]).await;
    let e = generations_get_generation(&core(&server), GetGenerationRequest::new("gen-1")).await.unwrap_err();
    assert_eq!(e.status(), Some(401));

    let span = &capture.spans()[0];
    assert_eq!((field(span, "status"), field(span, "attempts")), (Some("401"), Some("1")));
    assert!(field(span, "error").is_some_and(|t| t.contains("HTTP 401") && t.contains("[redacted]")), "{span:?}");
    let all = capture.all_text();
    assert!(!all.contains(KEY), "the key was traced: {all}");
    assert!(!all.contains("\"code\""), "the body was traced: {all}");
}

#[tokio::test]
async fn a_stream_end_is_an_event_with_its_operation_events_and_outcome() {
    let (capture, _guard) = capture();
    let chunk = |text: &str| {
        serde_json::json!({"id": "gen-s", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": null}]})
        .to_string()
    };
    let body = format!("data: {}\n\ndata: {}\n\ndata: [DONE]\n\n", chunk("Hel"), chunk("lo"));
    let server = TestServer::start(vec![Reply::text(200, "text/event-stream", body)]).await;
    let request = ChatRequest::new(vec![ChatMessages::user("hi")]).model("m");
    let mut stream = chat_send_stream(&core(&server), request).await.unwrap();
    while let Some(chunk) = stream.next_event().await {
        chunk.unwrap();
    }

    let span = &capture.spans()[0];
    assert_eq!((field(span, "operation_id"), field(span, "method")), (Some("sendChatCompletionRequest"), Some("POST")));
    assert_eq!(field(span, "status"), Some("200"));
    let events = capture.events();
    let end = events.iter().find(|e| field(e, "message") == Some("openrouter.stream_end")).expect("a stream end event");
    assert_eq!(
        (field(end, "operation_id"), field(end, "events"), field(end, "outcome")),
        (Some("sendChatCompletionRequest"), Some("2"), Some("done"))
    );
    assert!(!capture.all_text().contains("Hel"), "a body was traced");
}
