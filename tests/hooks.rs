//! Hooks (`openrouter::core::Hook`) against an in-process recording server on 127.0.0.1: each
//! hook point, what it is told, the order of several hooks, a hook that refuses a request, a
//! hook that panics, and that no hook ever sees the API key.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{refused_port, Reply, TestServer};
use openrouter::core::{Hook, HookError, HookRequest, HookResponse, HookRetry, RetryReason};
use openrouter::funcs::{chat_send, generations_get_generation};
use openrouter::models::{ChatMessages, ChatRequest, GenerationResponse, GetGenerationRequest};
use openrouter::{Error, OpenRouterCore, RequestOptions, RetryConfig};

const KEY: &str = "sk-or-v1-hooks-secret-0123456789";

type Log = Arc<Mutex<Vec<String>>>;

/// Writes one line per hook point it is called at, prefixed with its name.
struct Recorder {
    name: &'static str,
    log: Log,
}

impl Recorder {
    fn new(name: &'static str, log: &Log) -> Recorder {
        Recorder { name, log: log.clone() }
    }

    fn push(&self, line: String) {
        self.log.lock().unwrap().push(format!("{}:{line}", self.name));
    }
}

impl Hook for Recorder {
    fn before_request(&self, r: &mut HookRequest<'_>) -> Result<(), Error> {
        let mut names: Vec<&str> = r.headers().keys().map(|n| n.as_str()).collect();
        names.sort();
        self.push(format!(
            "before {} #{} {} {} [{}]",
            r.operation_id(),
            r.attempt(),
            r.method(),
            r.url(),
            names.join(",")
        ));
        Ok(())
    }
    fn on_response(&self, r: &HookResponse<'_>) {
        let generation = r.headers().get("x-generation-id").map(|v| v.to_str().unwrap().to_owned());
        self.push(format!("response {} #{} {} {:?}", r.operation_id(), r.attempt(), r.status(), generation));
    }
    fn on_error(&self, e: &HookError<'_>) {
        let kind = if e.error().is_connect() {
            "connect"
        } else if e.error().is_timeout() {
            "timeout"
        } else if e.error().is_api() {
            "api"
        } else {
            "other"
        };
        self.push(format!("error {} #{} {kind} {:?}", e.operation_id(), e.attempt(), e.error().status()));
    }
    fn on_retry(&self, r: &HookRetry<'_>) {
        self.push(format!("retry {} #{} {:?} {}", r.operation_id(), r.attempt(), r.reason(), r.wait() < ms(50)));
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

fn fast_retry() -> RetryConfig {
    RetryConfig::backoff().initial_interval(ms(1)).max_interval(ms(5))
}

fn lines(log: &Log) -> Vec<String> {
    log.lock().unwrap().clone()
}

async fn get(core: &OpenRouterCore) -> Result<GenerationResponse, Error> {
    generations_get_generation(core, GetGenerationRequest::new("gen-1")).await
}

fn builder(server: &TestServer) -> openrouter::OpenRouterCoreBuilder {
    OpenRouterCore::builder().api_key(KEY).base_url(server.base_url().as_str()).retry(RetryConfig::none())
}

/// Adds a header, changes one, and tries to set `Authorization`.
struct Editor;

impl Hook for Editor {
    fn before_request(&self, r: &mut HookRequest<'_>) -> Result<(), Error> {
        assert!(r.headers().get("authorization").is_none(), "a hook saw Authorization");
        let trace = format!("attempt-{}", r.attempt());
        let h = r.headers_mut();
        h.insert("x-trace", trace.parse().unwrap());
        h.insert("user-agent", "edited-by-hook".parse().unwrap());
        h.insert("authorization", "Bearer hook-chosen".parse().unwrap());
        Ok(())
    }
}

#[tokio::test]
async fn before_request_sees_the_attempt_and_its_changes_are_sent_but_never_the_key() {
    let server = TestServer::start(vec![Reply::generation().header("x-generation-id", "gen-1")]).await;
    let log = Log::default();
    let core = builder(&server).hook(Recorder::new("a", &log)).hook(Editor).build().unwrap();
    get(&core).await.unwrap();

    let url = format!("{}/generation?id=gen-1", server.base_url());
    assert_eq!(
        lines(&log),
        [
            format!("a:before getGeneration #1 GET {url} [accept,user-agent]"),
            "a:response getGeneration #1 200 Some(\"gen-1\")".to_owned(),
        ]
    );
    let sent = server.single_request();
    assert_eq!(sent.header("x-trace").as_deref(), Some("attempt-1"));
    assert_eq!(sent.header("user-agent").as_deref(), Some("edited-by-hook"));
    // The hook's Authorization was replaced by the core's, sent once.
    assert_eq!(sent.header_all("authorization"), [format!("Bearer {KEY}")]);
}

#[tokio::test]
async fn retries_are_told_with_their_reason_and_each_attempt_is_seen() {
    let server = TestServer::start(vec![Reply::api_error(503, "busy"), Reply::reset(), Reply::generation()]).await;
    let log = Log::default();
    let core = builder(&server).retry(fast_retry()).hook(Recorder::new("a", &log)).build().unwrap();
    get(&core).await.unwrap();
    let got = lines(&log);
    let url = format!("{}/generation?id=gen-1", server.base_url());
    assert_eq!(
        got,
        [
            format!("a:before getGeneration #1 GET {url} [accept,user-agent]"),
            "a:response getGeneration #1 503 None".to_owned(),
            "a:retry getGeneration #1 Status(503) true".to_owned(),
            format!("a:before getGeneration #2 GET {url} [accept,user-agent]"),
            "a:error getGeneration #2 connect None".to_owned(),
            "a:retry getGeneration #2 Connect true".to_owned(),
            format!("a:before getGeneration #3 GET {url} [accept,user-agent]"),
            "a:response getGeneration #3 200 None".to_owned(),
        ]
    );
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn errors_are_told_a_refused_connection_a_timeout_and_an_error_status() {
    let log = Log::default();
    let refused = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(&format!("http://127.0.0.1:{}/api/v1", refused_port()))
        .retry(RetryConfig::none())
        .hook(Recorder::new("a", &log))
        .build()
        .unwrap();
    assert!(get(&refused).await.unwrap_err().is_connect());
    assert_eq!(lines(&log).last().unwrap(), "a:error getGeneration #1 connect None");

    let server = TestServer::start(vec![Reply::generation().delay(ms(300)), Reply::api_error(404, "no such")]).await;
    let log = Log::default();
    let core = builder(&server).timeout(ms(50)).hook(Recorder::new("a", &log)).build().unwrap();
    assert!(get(&core).await.unwrap_err().is_timeout());
    assert_eq!(lines(&log).last().unwrap(), "a:error getGeneration #1 timeout None");
    let e = get(&core).await.unwrap_err();
    assert_eq!(e.status(), Some(404));
    let got = lines(&log);
    assert_eq!(
        got[got.len() - 2..],
        ["a:response getGeneration #1 404 None", "a:error getGeneration #1 api Some(404)"]
    );
}

#[tokio::test]
async fn timeouts_retried_are_told_as_timeouts() {
    let server = TestServer::start(vec![Reply::generation().delay(ms(300)), Reply::generation()]).await;
    let log = Log::default();
    let core = builder(&server).timeout(ms(50)).retry(fast_retry()).hook(Recorder::new("a", &log)).build().unwrap();
    get(&core).await.unwrap();
    let got = lines(&log);
    assert_eq!(got[1..3], ["a:error getGeneration #1 timeout None", "a:retry getGeneration #1 Timeout true"]);
    assert_eq!(got.last().unwrap(), "a:response getGeneration #2 200 None");
}

/// Adds `x-order: <name>` to what the hooks before it added.
struct Appender(&'static str);

impl Hook for Appender {
    fn before_request(&self, r: &mut HookRequest<'_>) -> Result<(), Error> {
        let before = r.headers().get("x-order").map(|v| v.to_str().unwrap().to_owned());
        let now = match before {
            Some(b) => format!("{b},{}", self.0),
            None => self.0.to_owned(),
        };
        r.headers_mut().insert("x-order", now.parse().unwrap());
        Ok(())
    }
}

#[tokio::test]
async fn several_hooks_run_in_order_builder_first_then_each_view() {
    let server = TestServer::start(vec![Reply::generation(), Reply::generation()]).await;
    let log = Log::default();
    let core =
        builder(&server).hook(Appender("b1")).hook(Recorder::new("b2", &log)).hook(Appender("b3")).build().unwrap();
    let view = core
        .with_options(RequestOptions::new().hook(Appender("v1")).hook(Recorder::new("v2", &log)))
        .with_options(RequestOptions::new().hook(Appender("w1")));
    get(&view).await.unwrap();
    assert_eq!(server.requests()[0].header("x-order").as_deref(), Some("b1,b3,v1,w1"));
    let got: Vec<String> = lines(&log).iter().map(|l| l.split(' ').next().unwrap().to_owned()).collect();
    assert_eq!(got, ["b2:before", "v2:before", "b2:response", "v2:response"]);

    // The view's hooks are the view's only: the core itself still has the builder's.
    log.lock().unwrap().clear();
    get(&core).await.unwrap();
    assert_eq!(server.requests()[1].header("x-order").as_deref(), Some("b1,b3"));
    assert_eq!(lines(&log).len(), 2);
    assert!(format!("{:?}", RequestOptions::new().hook(Appender("x"))).contains("hooks: 1"));
}

struct Refuse;

impl Hook for Refuse {
    fn before_request(&self, r: &mut HookRequest<'_>) -> Result<(), Error> {
        Err(Error::hook(format!("{} is not allowed in this job", r.operation_id())))
    }
}

#[tokio::test]
async fn a_hook_that_refuses_stops_the_call_and_nothing_is_sent() {
    let server = TestServer::start(vec![Reply::generation()]).await;
    let log = Log::default();
    // The refusal ends the call: the hooks after it are not called either.
    let core = builder(&server).retry(fast_retry()).hook(Refuse).hook(Recorder::new("after", &log)).build().unwrap();
    let e = get(&core).await.unwrap_err();
    assert!(e.is_hook() && !e.is_retryable(), "{e:?}");
    assert_eq!(e.to_string(), "getGeneration is not allowed in this job");
    assert_eq!(e.attempts(), 0);
    assert_eq!(server.request_count(), 0);
    assert!(lines(&log).is_empty());
}

/// Panics at one hook point.
struct Panics(&'static str);

impl Hook for Panics {
    fn before_request(&self, _: &mut HookRequest<'_>) -> Result<(), Error> {
        if self.0 == "before" {
            panic!("boom before {}", 42);
        }
        Ok(())
    }
    fn on_response(&self, _: &HookResponse<'_>) {
        if self.0 == "response" {
            panic!("boom on response");
        }
    }
    fn on_retry(&self, _: &HookRetry<'_>) {
        if self.0 == "retry" {
            panic!("boom on retry");
        }
    }
}

#[tokio::test]
async fn a_panicking_hook_fails_the_call_with_an_error_instead_of_unwinding() {
    let server = TestServer::start(vec![Reply::generation(), Reply::api_error(503, "busy"), Reply::generation()]).await;
    let before = builder(&server).hook(Panics("before")).build().unwrap();
    let e = get(&before).await.unwrap_err();
    assert!(e.is_hook(), "{e:?}");
    assert_eq!(e.to_string(), "a hook panicked: boom before 42");
    assert_eq!(server.request_count(), 0, "a request was sent after the hook panicked");

    let on_response = builder(&server).hook(Panics("response")).build().unwrap();
    let e = get(&on_response).await.unwrap_err();
    assert_eq!(e.to_string(), "a hook panicked: boom on response");
    assert_eq!(server.request_count(), 1);

    // A panic when the call decides to retry: no second attempt.
    let on_retry = builder(&server).retry(fast_retry()).hook(Panics("retry")).build().unwrap();
    let e = get(&on_retry).await.unwrap_err();
    assert_eq!(e.to_string(), "a hook panicked: boom on retry");
    assert_eq!(server.request_count(), 2);

    // The core is still usable.
    get(&builder(&server).build().unwrap()).await.unwrap();
}

#[tokio::test]
async fn a_post_is_told_its_operation_id_and_a_view_with_a_bad_option_still_refuses_first() {
    let body = r#"{"id":"c1","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hi"}}]}"#;
    let server = TestServer::start(vec![Reply::json(200, body)]).await;
    let log = Log::default();
    let core = builder(&server).hook(Recorder::new("a", &log)).build().unwrap();
    chat_send(&core, ChatRequest::new(vec![ChatMessages::user("hi")])).await.unwrap();
    let first = &lines(&log)[0];
    assert!(first.starts_with("a:before sendChatCompletionRequest #1 POST "), "{first}");
    assert!(first.ends_with("[accept,content-type,user-agent]"), "{first}");

    // An invalid per-call option is refused before any hook runs.
    let bad = core.with_options(RequestOptions::new().header("x-bad", "a\nb"));
    assert!(chat_send(&bad, ChatRequest::new(vec![])).await.unwrap_err().is_invalid_request());
    assert_eq!(lines(&log).len(), 2);
}

#[test]
fn debug_shows_how_many_hooks_and_never_the_key() {
    let b = OpenRouterCore::builder().api_key(KEY).hook(Refuse).hook(Editor);
    let text = format!("{b:?}");
    assert!(text.contains("hooks: 2") && !text.contains(KEY), "{text}");
    assert_eq!(RetryReason::Status(503).as_str(), "status");
}
