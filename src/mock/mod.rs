//! A mock OpenRouter server for your own tests (feature `mock`).
//!
//! [`MockServer::start`] listens on a free port of 127.0.0.1 and answers every operation of the
//! API with the spec's example (an operation whose spec has no example gets the smallest body
//! its schema accepts); a streaming call (`chat_send_stream`, `responses_send_stream`,
//! `messages_create_stream`, `images_generate_stream`, the presets' three) gets the spec's
//! example event as server-sent events, then `data: [DONE]`. A test scripts the answers it
//! needs per operation, and reads back every request the server received.
//!
//! ```
//! use openrouter::mock::{MockResponse, MockServer};
//! use openrouter::models::{ChatMessages, ChatRequest};
//! use serde_json::json;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let server = MockServer::start().await?;
//! let client = server.client(); // an `OpenRouter` pointed at the server, with a test key
//!
//! // Unscripted: the spec's example answer.
//! let answer = client.chat().send(ChatRequest::new(vec![ChatMessages::user("Hi")])).await?;
//! assert!(!answer.text().is_empty());
//!
//! // Scripted: the next call fails with a 402, and the request is there to look at.
//! server.on("chat_send")?.respond_once(MockResponse::error(402, "Insufficient credits"));
//! let error = client.chat().send(ChatRequest::new(vec![ChatMessages::user("Hi")])).await.unwrap_err();
//! assert_eq!(error.status(), Some(402));
//! let sent = server.requests().pop().expect("one more request");
//! assert_eq!(sent.path(), "/api/v1/chat/completions");
//! assert_eq!(sent.json().expect("a JSON body")["messages"][0]["content"], json!("Hi"));
//! # Ok(()) }
//! ```
//!
//! Operations are named by their spec operation id (`sendChatCompletionRequest`) or their Rust
//! function (`chat_send`; `chat_send_stream` names the same operation). A path no operation has
//! is answered 404 with an OpenRouter-shaped error naming the method and path. The server stops
//! when the [`MockServer`] is dropped.

use std::collections::{HashMap, VecDeque};
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use serde_json::{json, Value};
use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};

use crate::{Error, OpenRouter, OpenRouterCore, OpenRouterCoreBuilder};

mod routes;

/// One operation of the route table (`routes.rs`, generated from the spec).
#[derive(Debug)]
struct Route {
    operation_id: &'static str,
    function: &'static str,
    method: &'static str,
    /// The path the SDK sends the operation to, `{name}` for each path parameter.
    path: &'static str,
    status: u16,
    /// Empty when the success answer has no body.
    content_type: &'static str,
    body: &'static str,
    /// The answer to a streaming request (`"stream": true` or `Accept: text/event-stream`).
    stream: Option<&'static str>,
}

impl Route {
    /// The number of path parameters when `path` is this route's, else `None`.
    fn matches(&self, method: &str, path: &str) -> Option<usize> {
        if self.method != method {
            return None;
        }
        let (mut ours, mut theirs) = (self.path.split('/'), path.split('/'));
        let mut params = 0;
        loop {
            match (ours.next(), theirs.next()) {
                (None, None) => return Some(params),
                (Some(a), Some(b)) if a.starts_with('{') && !b.is_empty() => params += 1,
                (Some(a), Some(b)) if a == b => {}
                _ => return None,
            }
        }
    }

    /// What the route answers when nothing is scripted.
    fn example(&self, request: &MockRequest) -> MockResponse {
        let wants_stream = request.header("accept").is_some_and(|a| a.contains("text/event-stream"))
            || request.json().is_some_and(|body| body["stream"] == Value::Bool(true));
        match self.stream {
            Some(events) if wants_stream => MockResponse::raw(200, "text/event-stream", events),
            _ if self.content_type.is_empty() => MockResponse::status(self.status),
            _ => MockResponse::raw(self.status, self.content_type, self.body),
        }
    }
}

/// The route for an operation id or a Rust function name (a `_stream` or `_pages` form too).
fn route_named(name: &str) -> Option<&'static Route> {
    let base = name.strip_suffix("_stream").or_else(|| name.strip_suffix("_pages")).unwrap_or(name);
    routes::ROUTES.iter().find(|r| r.operation_id == name || r.function == name || r.function == base)
}

/// The route for a request: the one that matches with the fewest path parameters (so that
/// `/models/user` is not taken for `/models/{author}`).
fn route_for(method: &str, path: &str) -> Option<&'static Route> {
    routes::ROUTES
        .iter()
        .filter_map(|r| r.matches(method, path).map(|p| (p, r)))
        .min_by_key(|(p, _)| *p)
        .map(|(_, r)| r)
}

type Responder = Arc<dyn Fn(&MockRequest) -> MockResponse + Send + Sync>;

/// The scripted answers of one operation: one-shot answers first, in order, then the standing one.
#[derive(Default)]
struct Script {
    once: VecDeque<Responder>,
    always: Option<Responder>,
}

#[derive(Default)]
struct State {
    scripts: Mutex<HashMap<&'static str, Script>>,
    requests: Mutex<Vec<MockRequest>>,
}

/// A poisoned lock (a responder that panicked) still holds usable data.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// A mock OpenRouter API on 127.0.0.1; see the [module docs](self).
pub struct MockServer {
    addr: SocketAddr,
    state: Arc<State>,
    task: JoinHandle<()>,
}

impl MockServer {
    /// The API key of [`core`](Self::core) and [`client`](Self::client).
    pub const API_KEY: &'static str = "sk-or-v1-mock-server-test-key";

    /// Starts the server on a free port of 127.0.0.1 (on the current tokio runtime).
    pub async fn start() -> std::io::Result<MockServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(State::default());
        let task = tokio::spawn(serve(listener, state.clone()));
        Ok(MockServer { addr, state, task })
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The base URL to configure a core with: `http://127.0.0.1:<port>/api/v1`.
    pub fn url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// A core builder with the server's [`url`](Self::url) and [`API_KEY`](Self::API_KEY), for
    /// tests that set more (retries, timeouts, app headers) before `.build()`.
    pub fn builder(&self) -> OpenRouterCoreBuilder {
        OpenRouterCore::builder().api_key(Self::API_KEY).base_url(&self.url())
    }

    /// A core pointed at the server, with [`API_KEY`](Self::API_KEY) and the default options.
    pub fn core(&self) -> OpenRouterCore {
        // A loopback http URL and a fixed key always pass the builder's checks.
        self.builder().build().expect("the mock server's core configuration is valid")
    }

    /// A client object over [`core`](Self::core).
    pub fn client(&self) -> OpenRouter {
        OpenRouter::from(self.core())
    }

    /// The script of one operation, by spec operation id (`sendChatCompletionRequest`) or Rust
    /// function name (`chat_send`, `chat_send_stream`); an unknown name is an
    /// [`is_invalid_request`](Error::is_invalid_request) error.
    pub fn on(&self, operation: &str) -> Result<MockOperation<'_>, Error> {
        let route = route_named(operation).ok_or_else(|| {
            Error::invalid_request(format!(
                "the mock server has no operation `{operation}` (use a spec operation id such as \
                 `sendChatCompletionRequest` or a function name such as `chat_send`)"
            ))
        })?;
        Ok(MockOperation { server: self, operation_id: route.operation_id })
    }

    /// Every request received since the start (or the last [`reset`](Self::reset)), in order.
    pub fn requests(&self) -> Vec<MockRequest> {
        lock(&self.state.requests).clone()
    }

    /// Forgets every scripted answer and every recorded request: each operation answers with
    /// its example again.
    pub fn reset(&self) {
        lock(&self.state.scripts).clear();
        lock(&self.state.requests).clear();
    }

    fn script(&self, operation_id: &'static str, once: bool, responder: Responder) {
        let mut scripts = lock(&self.state.scripts);
        let script = scripts.entry(operation_id).or_default();
        if once {
            script.once.push_back(responder);
        } else {
            script.always = Some(responder);
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        // Ends the accept loop; its `JoinSet` of connections goes with it.
        self.task.abort();
    }
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("url", &self.url())
            .field("requests", &lock(&self.state.requests).len())
            .finish_non_exhaustive()
    }
}

/// The scripted answers of one operation, from [`MockServer::on`].
pub struct MockOperation<'a> {
    server: &'a MockServer,
    operation_id: &'static str,
}

impl MockOperation<'_> {
    /// Answers every later call with `response` (until [`MockServer::reset`] or another `respond`).
    pub fn respond(self, response: MockResponse) -> Self {
        self.server.script(self.operation_id, false, Arc::new(move |_| response.clone()));
        self
    }

    /// Answers the next call with `response`, before the standing answer; one-shot answers are
    /// used in the order they were given (a 429, then a 200: a retry).
    pub fn respond_once(self, response: MockResponse) -> Self {
        self.server.script(self.operation_id, true, Arc::new(move |_| response.clone()));
        self
    }

    /// Answers every later call with what `responder` makes of the request.
    pub fn respond_with<F>(self, responder: F) -> Self
    where
        F: Fn(&MockRequest) -> MockResponse + Send + Sync + 'static,
    {
        self.server.script(self.operation_id, false, Arc::new(responder));
        self
    }
}

impl fmt::Debug for MockOperation<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockOperation").field("operation_id", &self.operation_id).finish()
    }
}

/// An answer of the mock server: status, headers, body, and a delay before it is sent.
#[derive(Clone)]
pub struct MockResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Bytes,
    delay: Duration,
}

impl MockResponse {
    /// `status` with `body` as JSON.
    pub fn json(status: u16, body: Value) -> Self {
        Self::raw(status, "application/json", body.to_string())
    }

    /// A 200 stream of server-sent events, one per value (`event: <type>` first when the value
    /// has a string `type`, as the Responses API sends), then `data: [DONE]`.
    pub fn sse(events: impl IntoIterator<Item = Value>) -> Self {
        let mut text = String::new();
        for event in events {
            if let Some(name) = event.get("type").and_then(Value::as_str) {
                text.push_str(&format!("event: {name}\n"));
            }
            text.push_str(&format!("data: {event}\n\n"));
        }
        text.push_str("data: [DONE]\n\n");
        Self::raw(200, "text/event-stream", text)
    }

    /// An API error as OpenRouter sends it: `{"error": {"code": status, "message": message}}`.
    pub fn error(status: u16, message: impl Into<String>) -> Self {
        Self::json(status, json!({"error": {"code": status, "message": message.into()}}))
    }

    /// `status` with no body.
    pub fn status(status: u16) -> Self {
        MockResponse { status, headers: Vec::new(), body: Bytes::new(), delay: Duration::ZERO }
    }

    /// `status` with `body` as it is, of type `content_type` (a download, a broken stream).
    pub fn raw(status: u16, content_type: &str, body: impl Into<Bytes>) -> Self {
        Self::status(status).header("content-type", content_type).body(body)
    }

    /// Adds a response header (a `content-type` replaces the one set before).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        let name = name.into();
        if name.eq_ignore_ascii_case("content-type") {
            self.headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
        }
        self.headers.push((name, value.into()));
        self
    }

    /// Replaces the body.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// Waits this long before sending the response (to exercise timeouts).
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// The hyper response; a status or header hyper refuses becomes a 500 that says which.
    fn into_http(self) -> Response<Full<Bytes>> {
        let mut builder = Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(name.as_str(), value.as_str());
        }
        builder.body(Full::new(self.body)).unwrap_or_else(|e| {
            let message = format!("mock server: the scripted response is not valid HTTP: {e}");
            let body = json!({"error": {"code": 500, "message": message}}).to_string();
            let mut response = Response::new(Full::new(Bytes::from(body)));
            *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            response
                .headers_mut()
                .insert(http::header::CONTENT_TYPE, http::HeaderValue::from_static("application/json"));
            response
        })
    }
}

impl fmt::Debug for MockResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockResponse")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("delay", &self.delay)
            .finish()
    }
}

/// A request the mock server received.
#[derive(Clone)]
pub struct MockRequest {
    operation_id: Option<&'static str>,
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Bytes,
}

impl MockRequest {
    /// The spec operation id of the route it matched (`None` for an unknown path).
    pub fn operation_id(&self) -> Option<&'static str> {
        self.operation_id
    }

    /// `GET`, `POST`, …
    pub fn method(&self) -> &str {
        &self.method
    }

    /// The path, without the query: `/api/v1/chat/completions`.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The query string, without `?`, if there was one.
    pub fn query(&self) -> Option<&str> {
        self.query.as_deref()
    }

    /// The request headers, as received (`Debug` of the request hides the credentials).
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// One header as text (the first, if repeated).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body, as received.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<Value> {
        serde_json::from_slice(&self.body).ok()
    }
}

/// Headers whose values are credentials.
fn is_secret(name: &str) -> bool {
    ["authorization", "proxy-authorization", "x-api-key", "cookie"].iter().any(|s| name.eq_ignore_ascii_case(s))
}

impl fmt::Debug for MockRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        struct Headers<'a>(&'a HeaderMap);
        impl fmt::Debug for Headers<'_> {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                let mut map = f.debug_map();
                for (name, value) in self.0 {
                    let shown = if is_secret(name.as_str()) {
                        "[redacted]".into()
                    } else {
                        String::from_utf8_lossy(value.as_bytes())
                    };
                    map.entry(&name.as_str(), &shown);
                }
                map.finish()
            }
        }
        f.debug_struct("MockRequest")
            .field("operation_id", &self.operation_id)
            .field("method", &self.method)
            .field("path", &self.path)
            .field("query", &self.query)
            .field("headers", &Headers(&self.headers))
            .field("body", &String::from_utf8_lossy(&self.body))
            .finish()
    }
}

/// Accepts connections until the server is dropped (the task is aborted, and with it the
/// connections in `connections`).
async fn serve(listener: TcpListener, state: Arc<State>) {
    let mut connections = JoinSet::new();
    loop {
        while connections.try_join_next().is_some() {}
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            Err(_) => {
                // Out of file descriptors, or a connection reset before it was accepted.
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            }
        };
        let state = state.clone();
        connections.spawn(async move {
            let service = hyper::service::service_fn(move |request| {
                let state = state.clone();
                async move { Ok::<_, Infallible>(answer(&state, request).await) }
            });
            let _ = hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
        });
    }
}

/// Records the request and answers it: the operation's scripted answer, else its example.
async fn answer(state: &State, request: Request<Incoming>) -> Response<Full<Bytes>> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) => {
            return MockResponse::error(400, format!("mock server: reading the request body failed: {e}")).into_http()
        }
    };
    let route = route_for(parts.method.as_str(), parts.uri.path());
    let request = MockRequest {
        operation_id: route.map(|r| r.operation_id),
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts.headers,
        body,
    };
    lock(&state.requests).push(request.clone());
    let response = match route {
        None => {
            MockResponse::error(404, format!("mock server: no operation answers {} {}", request.method, request.path))
        }
        Some(route) => {
            let scripted = {
                let mut scripts = lock(&state.scripts);
                scripts.get_mut(route.operation_id).and_then(|s| s.once.pop_front().or_else(|| s.always.clone()))
            };
            match scripted {
                Some(responder) => responder(&request),
                None => route.example(&request),
            }
        }
    };
    if !response.delay.is_zero() {
        tokio::time::sleep(response.delay).await;
    }
    response.into_http()
}
