//! A recording HTTP/1.1 test server on 127.0.0.1 for the integration tests.
//!
//! Use it from any test file with `mod common;`:
//!
//! ```ignore
//! mod common;
//! use common::{Reply, TestServer};
//!
//! let server = TestServer::start(vec![Reply::api_error(503, "down"), Reply::generation()]).await;
//! // point the core at `server.base_url()` (`http://127.0.0.1:<port>/api/v1`), call, then:
//! assert_eq!(server.request_count(), 2);
//! assert_eq!(server.requests()[0].path, "/api/v1/generation");
//! ```
//!
//! The server answers each request with the next [`Reply`] of its script; once the script is used
//! up it repeats the last reply for ever (so `vec![Reply::api_error(500, "x")]` is "500 forever").
//! An empty script answers every request with the spec's example generation.
//!
//! Every request is recorded (method, raw path and query, headers, body, arrival time, which
//! connection it came on), and accepted TCP connections are counted, so keep-alive can be
//! checked. A reply can wait before answering, reset the connection (a real TCP RST) instead of
//! answering, send a body that never ends, or stall half way through its body.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;
use tokio::time::Sleep;

/// The spec's own example for `GET /generation` (from
/// `/work/shared/conformance/wire/getGeneration.json`). It lacks `data.workspace_id`, which the
/// schema requires, so it also proves that a missing field does not break decoding.
pub const GENERATION_EXAMPLE: &str = r#"{
  "data": {
    "api_type": "completions",
    "app_id": 12345,
    "cache_discount": null,
    "cancelled": false,
    "created_at": "2024-07-15T23:33:19.433273+00:00",
    "data_region": "global",
    "external_user": "user-123",
    "finish_reason": "stop",
    "generation_time": 1200,
    "http_referer": "https://openrouter.ai/",
    "id": "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG",
    "is_byok": false,
    "latency": 1250,
    "model": "sao10k/l3-stheno-8b",
    "moderation_latency": 50,
    "native_finish_reason": "stop",
    "native_tokens_cached": 3,
    "native_tokens_completion": 25,
    "native_tokens_completion_images": 0,
    "native_tokens_prompt": 10,
    "native_tokens_reasoning": 5,
    "num_fetches": 0,
    "num_input_audio_prompt": 0,
    "num_media_completion": 0,
    "num_media_prompt": 1,
    "num_search_results": 5,
    "origin": "https://openrouter.ai/",
    "preset_id": "a9e8d400-592a-494f-908c-375efa66cafd",
    "provider_name": "Infermatic",
    "provider_responses": null,
    "request_id": "req-1727282430-aBcDeFgHiJkLmNoPqRsT",
    "router": "openrouter/auto",
    "service_tier": "priority",
    "session_id": null,
    "streamed": true,
    "tokens_completion": 25,
    "tokens_prompt": 10,
    "total_cost": 0.0015,
    "upstream_id": "chatcmpl-791bcf62-080e-4568-87d0-94c72e3b4946",
    "upstream_inference_cost": 0.0012,
    "usage": 0.0015,
    "user_agent": "Mozilla/5.0",
    "web_search_engine": "exa"
  }
}"#;

/// The id in [`GENERATION_EXAMPLE`].
pub const GENERATION_EXAMPLE_ID: &str = "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG";

/// What a reply sends as its body.
#[derive(Clone, Debug)]
pub enum ReplyBody {
    /// A complete body, sent with a `Content-Length`.
    Full(Bytes),
    /// `prefix`, then `chunk` again and again for ever (chunked encoding, no length).
    Endless { prefix: Bytes, chunk: Bytes },
    /// `first`, then a pause, then `rest` (chunked encoding): a server that stalls mid-body.
    Stalled { first: Bytes, pause: Duration, rest: Bytes },
}

/// One canned answer of the script.
#[derive(Clone, Debug)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: ReplyBody,
    /// Wait this long after reading the request before answering (or resetting).
    pub delay: Option<Duration>,
    /// Answer nothing: reset the TCP connection (RST) instead.
    pub reset: bool,
}

impl Reply {
    /// A reply with this status, no headers and an empty body.
    pub fn status(status: u16) -> Self {
        Reply { status, headers: Vec::new(), body: ReplyBody::Full(Bytes::new()), delay: None, reset: false }
    }

    /// A reply with `Content-Type: application/json` and this body (sent as is, valid or not).
    pub fn json(status: u16, body: impl Into<String>) -> Self {
        Reply::status(status).header("content-type", "application/json").body(body.into())
    }

    /// A reply with this content type and body.
    pub fn text(status: u16, content_type: &str, body: impl Into<String>) -> Self {
        Reply::status(status).header("content-type", content_type).body(body.into())
    }

    /// 200 with the spec's example generation ([`GENERATION_EXAMPLE`]).
    pub fn generation() -> Self {
        Reply::json(200, GENERATION_EXAMPLE)
    }

    /// `{"error":{"code":<status>,"message":<message>}}` with this status.
    pub fn api_error(status: u16, message: &str) -> Self {
        Reply::json(status, api_error_body(i64::from(status), message))
    }

    /// Reset the connection instead of answering.
    pub fn reset() -> Self {
        let mut reply = Reply::status(200);
        reply.reset = true;
        reply
    }

    /// 200 JSON whose body starts with `prefix` and then never ends.
    pub fn endless(prefix: &str) -> Self {
        let mut reply = Reply::status(200).header("content-type", "application/json");
        reply.body = ReplyBody::Endless {
            prefix: Bytes::copy_from_slice(prefix.as_bytes()),
            chunk: Bytes::from(vec![b'a'; 64 * 1024]),
        };
        reply
    }

    /// Add a response header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Replace the body with a complete one.
    pub fn body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = ReplyBody::Full(body.into());
        self
    }

    /// Send the headers and the first `split` bytes of the body at once, then stall for `pause`
    /// before sending the rest.
    pub fn stall_body_after(mut self, split: usize, pause: Duration) -> Self {
        let full = match &self.body {
            ReplyBody::Full(bytes) => bytes.clone(),
            _ => panic!("stall_body_after needs a complete body"),
        };
        let split = split.min(full.len());
        self.body = ReplyBody::Stalled { first: full.slice(..split), pause, rest: full.slice(split..) };
        self
    }

    /// Wait before answering.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = Some(delay);
        self
    }
}

/// `{"error":{"code":..,"message":..}}`, the API's error body.
pub fn api_error_body(code: i64, message: &str) -> String {
    serde_json::json!({ "error": { "code": code, "message": message } }).to_string()
}

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// The request target exactly as sent: raw path and query, still percent-encoded.
    pub target: String,
    /// The raw path (still percent-encoded).
    pub path: String,
    /// The raw query, without `?` (still percent-encoded), if any.
    pub query: Option<String>,
    pub headers: HeaderMap,
    pub body: Bytes,
    /// When the request head and body had been read.
    pub at: Instant,
    /// Which accepted connection it came on (0, 1, ...).
    pub connection: usize,
}

impl Recorded {
    /// The first value of a header, as text.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers.get(name).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    }

    /// Every value of a header, as text.
    pub fn header_all(&self, name: &str) -> Vec<String> {
        self.headers.get_all(name).iter().map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned()).collect()
    }

    /// The query decoded as a browser form would be (`+` is a space, `%XX` a byte), in order.
    pub fn query_pairs(&self) -> Vec<(String, String)> {
        let Some(query) = &self.query else {
            return Vec::new();
        };
        query
            .split('&')
            .filter(|part| !part.is_empty())
            .map(|part| match part.split_once('=') {
                Some((k, v)) => (form_decode(k), form_decode(v)),
                None => (form_decode(part), String::new()),
            })
            .collect()
    }
}

/// Decode one `application/x-www-form-urlencoded` component: `+` is a space, `%XX` a byte.
/// A `%` not followed by two hex digits is kept as is.
pub fn form_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b'%' if i + 2 < bytes.len() && hex(bytes[i + 1]).is_some() && hex(bytes[i + 2]).is_some() => {
                out.push(hex(bytes[i + 1]).unwrap() * 16 + hex(bytes[i + 2]).unwrap());
                i += 3;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// A port on 127.0.0.1 where nothing listens (bound, then released): connecting is refused.
pub fn refused_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    let port = listener.local_addr().expect("local addr").port();
    drop(listener);
    port
}

struct State {
    script: Mutex<VecDeque<Reply>>,
    last: Mutex<Option<Reply>>,
    requests: Mutex<Vec<Recorded>>,
    connections: AtomicUsize,
    body_bytes_sent: Arc<AtomicU64>,
    tasks: Mutex<Vec<AbortHandle>>,
}

impl State {
    fn next_reply(&self) -> Reply {
        let mut script = self.script.lock().unwrap();
        let mut last = self.last.lock().unwrap();
        match script.pop_front() {
            Some(reply) => {
                *last = Some(reply.clone());
                reply
            }
            None => last.clone().unwrap_or_else(Reply::generation),
        }
    }
}

/// The recording server. Dropping it stops it and closes its connections.
pub struct TestServer {
    addr: SocketAddr,
    state: Arc<State>,
}

impl TestServer {
    /// Start on a free port of 127.0.0.1 with this script.
    pub async fn start(script: Vec<Reply>) -> TestServer {
        TestServer::start_on(0, script).await
    }

    /// Start on this port of 127.0.0.1 (0: any free port) with this script.
    pub async fn start_on(port: u16, script: Vec<Reply>) -> TestServer {
        let listener = TcpListener::bind(("127.0.0.1", port)).await.expect("bind the test server");
        let addr = listener.local_addr().expect("local addr");
        let state = Arc::new(State {
            script: Mutex::new(script.into()),
            last: Mutex::new(None),
            requests: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            body_bytes_sent: Arc::new(AtomicU64::new(0)),
            tasks: Mutex::new(Vec::new()),
        });
        let accept_state = state.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    continue;
                };
                let id = accept_state.connections.fetch_add(1, Ordering::SeqCst);
                let conn_state = accept_state.clone();
                let task = tokio::spawn(serve_connection(conn_state, stream, id));
                accept_state.tasks.lock().unwrap().push(task.abort_handle());
            }
        });
        state.tasks.lock().unwrap().push(accept.abort_handle());
        TestServer { addr, state }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `http://127.0.0.1:<port>`
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/api/v1`, shaped like the real base URL.
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    /// Append replies to the script.
    pub fn push(&self, reply: Reply) {
        self.state.script.lock().unwrap().push_back(reply);
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state.requests.lock().unwrap().clone()
    }

    /// The only request received; panics unless exactly one arrived.
    pub fn single_request(&self) -> Recorded {
        let requests = self.requests();
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, the server saw {}: {:#?}",
            requests.len(),
            requests.iter().map(|r| &r.target).collect::<Vec<_>>()
        );
        requests.into_iter().next().unwrap()
    }

    pub fn request_count(&self) -> usize {
        self.state.requests.lock().unwrap().len()
    }

    /// TCP connections accepted so far.
    pub fn connection_count(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// Body bytes handed to the connection so far (for endless bodies: how much the client made
    /// the server produce).
    pub fn body_bytes_sent(&self) -> u64 {
        self.state.body_bytes_sent.load(Ordering::SeqCst)
    }

    /// Time between the arrival of request `i` and request `i + 1`.
    pub fn gap(&self, i: usize) -> Duration {
        let requests = self.requests();
        requests[i + 1].at.duration_since(requests[i].at)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        for task in self.state.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }
}

async fn serve_connection(state: Arc<State>, stream: TcpStream, id: usize) {
    // Keep a second handle on the socket so that a scripted reset can set SO_LINGER to zero
    // (close sends RST) while hyper owns the stream.
    let Ok(std_stream) = stream.into_std() else {
        return;
    };
    let dup = std_stream.try_clone().ok();
    let Ok(stream) = TcpStream::from_std(std_stream) else {
        return;
    };
    let (reset_tx, mut reset_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let svc_state = state.clone();
    let service = service_fn(move |req: Request<Incoming>| {
        let state = svc_state.clone();
        let reset_tx = reset_tx.clone();
        async move { handle(state, id, reset_tx, req).await }
    });
    let conn = http1::Builder::new().keep_alive(true).serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    tokio::select! {
        _ = &mut conn => {}
        Some(()) = reset_rx.recv() => {
            if let Some(dup) = dup {
                if let Ok(dup) = TcpStream::from_std(dup) {
                    #[allow(deprecated)]
                    let _ = dup.set_linger(Some(Duration::ZERO));
                    drop(dup);
                }
            }
            // `conn` (and with it the last handle on the socket) is dropped here: RST.
        }
    }
}

async fn handle(
    state: Arc<State>,
    connection: usize,
    reset_tx: tokio::sync::mpsc::UnboundedSender<()>,
    req: Request<Incoming>,
) -> Result<Response<TestBody>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|collected| collected.to_bytes()).unwrap_or_default();
    let target = parts.uri.path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_else(|| parts.uri.to_string());
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
        None => (target.clone(), None),
    };
    state.requests.lock().unwrap().push(Recorded {
        method: parts.method.to_string(),
        target,
        path,
        query,
        headers: parts.headers,
        body,
        at: Instant::now(),
        connection,
    });

    let reply = state.next_reply();
    if let Some(delay) = reply.delay {
        tokio::time::sleep(delay).await;
    }
    if reply.reset {
        let _ = reset_tx.send(());
        std::future::pending::<()>().await;
    }

    let mut response = Response::new(TestBody::new(reply.body, state.body_bytes_sent.clone()));
    *response.status_mut() = StatusCode::from_u16(reply.status).expect("valid status");
    for (name, value) in &reply.headers {
        response.headers_mut().append(
            HeaderName::from_bytes(name.as_bytes()).expect("valid header name"),
            HeaderValue::from_str(value).expect("valid header value"),
        );
    }
    Ok(response)
}

/// The response body type of the test server.
pub struct TestBody {
    state: BodyState,
    sent: Arc<AtomicU64>,
}

enum BodyState {
    Full(Option<Bytes>),
    Endless { prefix: Option<Bytes>, chunk: Bytes },
    Stalled { first: Option<Bytes>, sleep: Option<Pin<Box<Sleep>>>, pause: Duration, rest: Option<Bytes> },
}

impl TestBody {
    fn new(body: ReplyBody, sent: Arc<AtomicU64>) -> Self {
        let state = match body {
            ReplyBody::Full(bytes) => BodyState::Full(Some(bytes).filter(|b| !b.is_empty())),
            ReplyBody::Endless { prefix, chunk } => BodyState::Endless { prefix: Some(prefix), chunk },
            ReplyBody::Stalled { first, pause, rest } => {
                BodyState::Stalled { first: Some(first), sleep: None, pause, rest: Some(rest) }
            }
        };
        TestBody { state, sent }
    }

    fn emit(&self, bytes: Bytes) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.sent.fetch_add(bytes.len() as u64, Ordering::SeqCst);
        Poll::Ready(Some(Ok(Frame::data(bytes))))
    }
}

impl http_body::Body for TestBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let this = &mut *self;
        match &mut this.state {
            BodyState::Full(bytes) => match bytes.take() {
                Some(bytes) => this.emit(bytes),
                None => Poll::Ready(None),
            },
            BodyState::Endless { prefix, chunk } => {
                let next = prefix.take().unwrap_or_else(|| chunk.clone());
                this.emit(next)
            }
            BodyState::Stalled { first, sleep, pause, rest } => {
                if let Some(first) = first.take() {
                    *sleep = Some(Box::pin(tokio::time::sleep(*pause)));
                    return this.emit(first);
                }
                if let Some(timer) = sleep {
                    if timer.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *sleep = None;
                }
                match rest.take() {
                    Some(rest) => this.emit(rest),
                    None => Poll::Ready(None),
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.state, BodyState::Full(None))
    }

    fn size_hint(&self) -> SizeHint {
        match &self.state {
            BodyState::Full(bytes) => SizeHint::with_exact(bytes.as_ref().map_or(0, |b| b.len() as u64)),
            _ => SizeHint::default(),
        }
    }
}
