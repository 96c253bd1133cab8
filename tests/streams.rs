//! Streaming calls end to end: `chat_send_stream`, `responses_send_stream`, `collect_chat`,
//! against the shared recording server (`tests/common/mod.rs`) and, where a test needs control
//! over the bytes on the socket (chunk sizes, delays, a cut connection, noticing that the client
//! went away), a small raw HTTP/1.1 server on a tokio `TcpListener` defined here.
//!
//! Every test asserts what a user of the SDK would notice: the items the stream yields, in which
//! order, when it ends, how errors look, what went on the wire.

mod common;

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{api_error_body, Reply, TestServer};
use openrouter::funcs::{chat_send, chat_send_stream, messages_create_stream, responses_send_stream};
use openrouter::models::{
    ChatRequest, CreateMessagesRequest, CreateResponsesRequest, MessagesRequest, MessagesStreamEvents,
    ResponsesRequest, SendChatCompletionRequest, StreamEvents,
};
use openrouter::{Error, EventStream, OpenRouterCore, RequestOptions, RetryConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

const KEY: &str = "sk-or-test";

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

// ---------------------------------------------------------------------------------------------
// Helpers: requests, cores, reading streams without hanging.
// ---------------------------------------------------------------------------------------------

fn chat_json() -> Value {
    json!({"model": "openai/gpt-4", "messages": [{"role": "user", "content": "hi"}]})
}

fn chat_request_from(body: Value) -> SendChatCompletionRequest {
    let body: ChatRequest = serde_json::from_value(body).expect("a valid ChatRequest");
    SendChatCompletionRequest::new(body)
}

fn chat_request() -> SendChatCompletionRequest {
    chat_request_from(chat_json())
}

fn core_at(base_url: &str) -> OpenRouterCore {
    OpenRouterCore::builder().api_key(KEY).base_url(base_url).retry(RetryConfig::none()).build().expect("core")
}

/// Opens a chat stream; panics (with the error) if the call fails.
async fn open_chat(core: &OpenRouterCore) -> EventStream<openrouter::models::ChatStreamChunk> {
    match tokio::time::timeout(Duration::from_secs(10), chat_send_stream(core, chat_request())).await {
        Err(_) => panic!("chat_send_stream did not return within 10 s"),
        Ok(Err(e)) => panic!("chat_send_stream failed: {e} / {e:?}"),
        Ok(Ok(stream)) => stream,
    }
}

/// The next item, failing the test instead of hanging.
async fn next_within<T: serde::de::DeserializeOwned>(
    stream: &mut EventStream<T>,
    limit: Duration,
) -> Option<Result<T, Error>> {
    match tokio::time::timeout(limit, stream.next_event()).await {
        Ok(item) => item,
        Err(_) => panic!("the stream produced nothing (not even its end) within {limit:?}"),
    }
}

async fn next_ok<T: serde::de::DeserializeOwned>(stream: &mut EventStream<T>, what: &str) -> T {
    match next_within(stream, Duration::from_secs(5)).await {
        Some(Ok(item)) => item,
        Some(Err(e)) => panic!("{what}: expected an event, got Err: {e} / {e:?}"),
        None => panic!("{what}: expected an event, the stream ended"),
    }
}

async fn next_err<T: serde::de::DeserializeOwned + std::fmt::Debug>(stream: &mut EventStream<T>, what: &str) -> Error {
    match next_within(stream, Duration::from_secs(5)).await {
        Some(Err(e)) => e,
        Some(Ok(item)) => panic!("{what}: expected an Err item, got Ok: {item:?}"),
        None => panic!("{what}: expected an Err item, the stream ended silently (None)"),
    }
}

async fn expect_end<T: serde::de::DeserializeOwned + std::fmt::Debug>(stream: &mut EventStream<T>, what: &str) {
    match next_within(stream, Duration::from_secs(5)).await {
        None => {}
        Some(Ok(item)) => panic!("{what}: expected the end of the stream, got Ok: {item:?}"),
        Some(Err(e)) => panic!("{what}: expected the end of the stream, got Err: {e} / {e:?}"),
    }
}

/// The content of choice 0 of a chunk (`None` when the delta has none).
fn content(chunk: &openrouter::models::ChatStreamChunk) -> Option<String> {
    chunk.choices.first().and_then(|c| c.delta.content.clone())
}

/// One chat chunk's JSON.
fn chunk_data(id: &str, content: &str) -> String {
    json!({
        "id": id,
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": "openai/gpt-4",
        "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]
    })
    .to_string()
}

/// `data: ...\n\n` for each event, then `data: [DONE]\n\n`.
fn sse_body(events: &[String]) -> String {
    let mut out = String::new();
    for e in events {
        out.push_str("data: ");
        out.push_str(e);
        out.push_str("\n\n");
    }
    out.push_str("data: [DONE]\n\n");
    out
}

fn sse_reply(body: impl Into<String>) -> Reply {
    Reply::text(200, "text/event-stream", body)
}

// ---------------------------------------------------------------------------------------------
// A raw HTTP/1.1 server: reads one request per connection, then hands the socket to a handler
// that writes whatever bytes it likes, when it likes.
// ---------------------------------------------------------------------------------------------

type Handler = Arc<dyn Fn(TcpStream) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send + Sync>;

struct RawServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
    tasks: Arc<Mutex<Vec<AbortHandle>>>,
}

impl RawServer {
    async fn start<F, Fut>(handler: F) -> RawServer
    where
        F: Fn(TcpStream) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let handler: Handler = Arc::new(move |s| Box::pin(handler(s)));
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let tasks: Arc<Mutex<Vec<AbortHandle>>> = Arc::new(Mutex::new(Vec::new()));
        let (req2, tasks2) = (requests.clone(), tasks.clone());
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else { continue };
                let _ = sock.set_nodelay(true);
                let (handler, requests) = (handler.clone(), req2.clone());
                let task = tokio::spawn(async move {
                    let Ok(request) = read_request(&mut sock).await else { return };
                    requests.lock().unwrap().push(request);
                    handler(sock).await;
                });
                tasks2.lock().unwrap().push(task.abort_handle());
            }
        });
        tasks.lock().unwrap().push(accept.abort_handle());
        RawServer { addr, requests, tasks }
    }

    fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

impl Drop for RawServer {
    fn drop(&mut self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

/// Reads a request head and its `Content-Length` body.
async fn read_request(sock: &mut TcpStream) -> std::io::Result<Vec<u8>> {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap_or(0))
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    Ok(buf)
}

const SSE_HEAD: &[u8] =
    b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncache-control: no-cache\r\ntransfer-encoding: chunked\r\n\r\n";

/// Writes `data` as one HTTP chunk and flushes.
async fn write_chunk(sock: &mut (impl AsyncWriteExt + Unpin), data: &[u8]) -> std::io::Result<()> {
    assert!(!data.is_empty(), "an empty chunk would end the body");
    let mut frame = format!("{:x}\r\n", data.len()).into_bytes();
    frame.extend_from_slice(data);
    frame.extend_from_slice(b"\r\n");
    sock.write_all(&frame).await?;
    sock.flush().await
}

async fn end_chunks(sock: &mut (impl AsyncWriteExt + Unpin)) -> std::io::Result<()> {
    sock.write_all(b"0\r\n\r\n").await?;
    sock.flush().await
}

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    /// Uniform in `1..=max`.
    fn upto(&mut self, max: u64) -> u64 {
        1 + self.next() % max
    }
}

// ---------------------------------------------------------------------------------------------
// 1. 10,000 events in random chunk sizes.
// ---------------------------------------------------------------------------------------------

const MANY: usize = 10_000;

fn many_content(i: usize) -> String {
    // Multi-byte UTF-8 (2, 3 and 4 bytes) so that random splits cut characters in half.
    format!("t{i} é☃🦀\u{2028}\"\\ ")
}

#[tokio::test]
async fn ten_thousand_events_in_random_chunks_decode_exactly() {
    let mut body = String::with_capacity(MANY * 200);
    for i in 0..MANY {
        if i % 50 == 25 {
            body.push_str(": OPENROUTER PROCESSING\n\n");
        }
        let mut v: Value = serde_json::from_str(&chunk_data("gen-many", &many_content(i))).unwrap();
        v["choices"][0]["index"] = json!(0);
        if i == 0 {
            v["choices"][0]["delta"]["role"] = json!("assistant");
        }
        if i == MANY - 1 {
            v["choices"][0]["finish_reason"] = json!("stop");
        }
        v["seq"] = json!(i);
        body.push_str("data: ");
        body.push_str(&v.to_string());
        body.push_str("\n\n");
    }
    body.push_str("data: [DONE]\n\n");
    let body = Arc::new(body.into_bytes());

    let served = body.clone();
    let server = RawServer::start(move |mut sock| {
        let body = served.clone();
        async move {
            let mut rng = XorShift(0x9E37_79B9_7F4A_7C15);
            if sock.write_all(SSE_HEAD).await.is_err() {
                return;
            }
            let mut at = 0usize;
            while at < body.len() {
                // Mix tiny, small and large pieces: boundaries land everywhere.
                let max = match rng.next() % 3 {
                    0 => 16,
                    1 => 512,
                    _ => 16_384,
                };
                let n = (rng.upto(max) as usize).min(body.len() - at);
                if write_chunk(&mut sock, &body[at..at + n]).await.is_err() {
                    return;
                }
                at += n;
            }
            let _ = end_chunks(&mut sock).await;
        }
    })
    .await;

    let core = core_at(&server.base_url());
    let started = Instant::now();
    let mut stream = open_chat(&core).await;
    assert_eq!(stream.status(), 200);
    for i in 0..MANY {
        let chunk = match next_within(&mut stream, Duration::from_secs(10)).await {
            Some(Ok(chunk)) => chunk,
            Some(Err(e)) => panic!("event {i}: expected Ok, got Err: {e} / {e:?}"),
            None => panic!("the stream ended after {i} of {MANY} events"),
        };
        assert_eq!(chunk.id, "gen-many", "event {i}");
        assert_eq!(chunk.extra.get("seq"), Some(&json!(i)), "event {i} out of order");
        assert_eq!(content(&chunk).as_deref(), Some(many_content(i).as_str()), "event {i} content");
        let finish = chunk.choices[0].finish_reason.as_ref().map(|f| f.as_str().to_owned());
        assert_eq!(finish.as_deref(), if i == MANY - 1 { Some("stop") } else { None }, "event {i} finish_reason");
    }
    expect_end(&mut stream, "after 10,000 events and [DONE]").await;
    expect_end(&mut stream, "polled again after the end").await;
    assert!(started.elapsed() < Duration::from_secs(15), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_4_mb_event_in_small_chunks_decodes_quickly() {
    // Image models send base64 images inside one delta: one event of several MB, arriving in
    // small reads. Decoding must not rescan the buffer for every read (quadratic time).
    let big: String = (0..4 * 1024 * 1024).map(|i| (b'A' + (i % 26) as u8) as char).collect();
    let body = Arc::new(sse_body(&[chunk_data("gen-big", &big), chunk_data("gen-big", "after")]).into_bytes());
    let served = body.clone();
    let server = RawServer::start(move |mut sock| {
        let body = served.clone();
        async move {
            let mut rng = XorShift(0x2545_F491_4F6C_DD1D);
            let _ = sock.write_all(SSE_HEAD).await;
            let mut at = 0;
            while at < body.len() {
                let n = (rng.upto(4096) as usize).min(body.len() - at);
                if write_chunk(&mut sock, &body[at..at + n]).await.is_err() {
                    return;
                }
                at += n;
            }
            let _ = end_chunks(&mut sock).await;
        }
    })
    .await;
    let core = core_at(&server.base_url());
    let started = Instant::now();
    let mut stream = open_chat(&core).await;
    let first = match next_within(&mut stream, Duration::from_secs(15)).await {
        Some(Ok(chunk)) => chunk,
        other => panic!("expected the 4 MB event, got {:?}", other.map(|r| r.map(|_| "an event"))),
    };
    assert!(content(&first).as_deref() == Some(big.as_str()), "the 4 MB content differs");
    assert_eq!(content(&next_ok(&mut stream, "after the big event").await).as_deref(), Some("after"));
    expect_end(&mut stream, "big event stream").await;
    let took = started.elapsed();
    assert!(took < Duration::from_secs(5), "a 4 MB event in ~2,000 reads took {took:?}");
}

#[tokio::test]
async fn the_stream_ends_at_done_even_if_the_body_does_not() {
    // A server that sends [DONE] but keeps the response open: the stream ends at [DONE], at once,
    // without waiting for the body's end or an idle timeout.
    let server = RawServer::start(|mut sock| async move {
        let _ = sock.write_all(SSE_HEAD).await;
        let events = sse_body(&[chunk_data("gen-done", "only")]);
        let _ = write_chunk(&mut sock, events.as_bytes()).await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    assert_eq!(content(&next_ok(&mut stream, "the event").await).as_deref(), Some("only"));
    let t0 = Instant::now();
    match next_within(&mut stream, Duration::from_secs(5)).await {
        None => {}
        Some(other) => panic!("expected the end after [DONE], got {:?}", other.map(|_| "an event")),
    }
    assert!(t0.elapsed() < Duration::from_secs(1), "the end after [DONE] took {:?}", t0.elapsed());
}

// ---------------------------------------------------------------------------------------------
// 2. Keep-alive comments and line endings.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn keep_alive_comments_produce_no_items_and_crlf_works() {
    let events: Vec<String> = (0..4).map(|i| chunk_data("gen-ka", &format!("part{i}"))).collect();
    // LF stream with comments before, between and after events (and several in a row).
    let mut lf = String::from(": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\n");
    for e in &events {
        lf.push_str(&format!("data: {e}\n\n: OPENROUTER PROCESSING\n\n"));
    }
    lf.push_str(": OPENROUTER PROCESSING\n\ndata: [DONE]\n\n");
    // The same with CRLF everywhere.
    let crlf = lf.replace('\n', "\r\n");
    // Bare CR, and a mix of the three, with one event's data split over two `data:` lines
    // (joined with "\n", which is JSON whitespace).
    let cr = lf.replace('\n', "\r");
    let mut mixed = String::from(": OPENROUTER PROCESSING\r\n\r\n");
    mixed.push_str(&format!("data: {}\r\r", events[0]));
    mixed.push_str(": OPENROUTER PROCESSING\n\n");
    let (a, b) = events[1].split_at(events[1].find("\"object\"").unwrap());
    mixed.push_str(&format!("data: {a}\r\ndata: {b}\n\r\n"));
    mixed.push_str(&format!("data: {}\n\r", events[2]));
    mixed.push_str(&format!(":comment\rdata: {}\r\n\n", events[3]));
    mixed.push_str("data: [DONE]\r\n\r\n");

    for (name, body) in [("LF", lf), ("CRLF", crlf), ("CR", cr), ("mixed", mixed)] {
        let server = TestServer::start(vec![sse_reply(body)]).await;
        let core = core_at(&server.base_url());
        let mut stream = open_chat(&core).await;
        for i in 0..4 {
            let chunk = next_ok(&mut stream, &format!("{name}: event {i}")).await;
            assert_eq!(content(&chunk), Some(format!("part{i}")), "{name}: event {i}");
        }
        expect_end(&mut stream, name).await;
    }

    // Only keep-alive comments, then [DONE]: no items at all.
    let server =
        TestServer::start(vec![sse_reply(": OPENROUTER PROCESSING\n\n".repeat(20) + "data: [DONE]\n\n")]).await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    expect_end(&mut stream, "comments only").await;
}

// ---------------------------------------------------------------------------------------------
// 3. An error event in the middle of the stream.
// ---------------------------------------------------------------------------------------------

const MID_STREAM_ERROR: &str = r#"{"id":"gen-err","object":"chat.completion.chunk","created":1700000000,"model":"openai/gpt-4","error":{"code":502,"message":"Provider disconnected"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}"#;

#[tokio::test]
async fn mid_stream_error_event_is_an_err_item_then_the_end() {
    let events = vec![
        chunk_data("gen-err", "Hello"),
        chunk_data("gen-err", " wor"),
        MID_STREAM_ERROR.to_owned(),
        // Whatever follows an error must not be delivered.
        chunk_data("gen-err", "ld"),
    ];
    let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    assert_eq!(content(&next_ok(&mut stream, "event 0").await).as_deref(), Some("Hello"));
    assert_eq!(content(&next_ok(&mut stream, "event 1").await).as_deref(), Some(" wor"));
    let err = next_err(&mut stream, "the error event").await;
    assert!(err.is_api(), "expected is_api(), got {err} / {err:?}");
    let api = err.api_error().unwrap_or_else(|| panic!("expected api_error(), got {err:?}"));
    assert_eq!(api.code, 502);
    assert_eq!(api.message, "Provider disconnected");
    assert!(err.to_string().contains("Provider disconnected"), "Display lacks the message: {err}");
    expect_end(&mut stream, "after the error event").await;
}

/// An error inside a stream reports the API's code: 408, 429 and 5xx are retryable (a new request
/// may succeed); the status stays the HTTP one's (there is none of the error's own); a symbolic
/// code is kept as text; the stream's errors count the attempts of the call that opened it.
#[tokio::test]
async fn in_stream_error_codes_decide_is_retryable_and_symbolic_codes_are_kept() {
    let error = |code: &str| format!(r#"{{"error":{{"code":{code},"message":"stopped"}}}}"#);
    for (code, retryable) in
        [("502", true), ("429", true), ("408", true), ("500", true), ("400", false), ("403", false)]
    {
        let events = vec![chunk_data("gen-r", "Hi"), error(code)];
        let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
        let core = core_at(&server.base_url());
        let mut stream = open_chat(&core).await;
        next_ok(&mut stream, "event 0").await;
        let err = next_err(&mut stream, "the error event").await;
        assert!(err.is_api(), "{code}: {err:?}");
        assert_eq!(err.api_error().map(|a| a.code.to_string()), Some(code.to_owned()), "{code}");
        assert_eq!(err.is_retryable(), retryable, "{code}: is_retryable");
        assert_eq!(err.status(), None, "{code}: the status is not the in-stream code");
        assert_eq!(err.attempts(), 1, "{code}");
    }
    let events = vec![error(r#""rate_limit_exceeded""#)];
    let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    let err = next_err(&mut stream, "the error event").await;
    let api = err.api_error().expect("api_error");
    assert_eq!((api.code, api.code_text.as_deref()), (0, Some("rate_limit_exceeded")), "{api:?}");
    assert!(!err.is_retryable(), "no numeric code: not known to be retryable");

    // A stream opened on the second attempt.
    let server = TestServer::start(vec![Reply::api_error(503, "busy"), sse_reply(sse_body(&[error("502")]))]).await;
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(&server.base_url())
        .retry(RetryConfig::backoff().initial_interval(ms(1)).max_interval(ms(5)))
        .build()
        .expect("core");
    let mut stream = open_chat(&core).await;
    let err = next_err(&mut stream, "the error event").await;
    assert_eq!(err.attempts(), 2, "{err:?}");
}

#[tokio::test]
async fn a_finish_reason_error_without_an_error_object_is_an_err_item() {
    let bare = r#"{"id":"gen-err","object":"chat.completion.chunk","created":1700000000,"model":"openai/gpt-4","choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}"#;
    let events = vec![chunk_data("gen-err", "Hello"), bare.to_owned(), chunk_data("gen-err", "more")];
    let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    assert_eq!(content(&next_ok(&mut stream, "event 0").await).as_deref(), Some("Hello"));
    let err = next_err(&mut stream, "finish_reason error").await;
    assert!(err.is_api(), "expected is_api(), got {err} / {err:?}");
    expect_end(&mut stream, "after finish_reason error").await;
}

/// A chat chunk's own fields say whether it reports an error: text that mentions one (in the
/// content, a null `error`, an unknown key) is an ordinary chunk; a chunk that also carries a
/// `type` of `"error"` is the error it reports.
#[tokio::test]
async fn a_chunk_that_mentions_an_error_is_not_one_but_an_error_type_is() {
    let mentions = json!({
        "id": "gen-e", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "m",
        "error": null, "native_finish_reason": "error", "error_note": "error",
        "choices": [{"index": 0, "delta": {"content": "an error occurred"}, "finish_reason": null}]
    });
    let typed = json!({
        "id": "gen-e", "object": "chat.completion.chunk", "created": 1_700_000_000, "model": "m",
        "type": "error", "code": 503, "message": "overloaded", "choices": []
    });
    let events = vec![chunk_data("gen-e", "error"), mentions.to_string(), typed.to_string(), chunk_data("gen-e", "x")];
    let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    assert_eq!(content(&next_ok(&mut stream, "event 0").await).as_deref(), Some("error"));
    let chunk = next_ok(&mut stream, "event 1").await;
    assert_eq!(content(&chunk).as_deref(), Some("an error occurred"));
    assert_eq!(chunk.extra.get("native_finish_reason"), Some(&json!("error")));
    let err = next_err(&mut stream, "the error-typed chunk").await;
    let api = err.api_error().unwrap_or_else(|| panic!("expected api_error(), got {err:?}"));
    assert_eq!((api.code, api.message.as_str()), (503, "overloaded"));
    expect_end(&mut stream, "after the error").await;
}

// ---------------------------------------------------------------------------------------------
// 4. The connection is cut mid-stream.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Cut {
    /// Chunked body, socket closed in the middle of an event.
    ChunkedMidEvent,
    /// Chunked body, socket closed between two events (the body never finished).
    ChunkedBetweenEvents,
    /// `Content-Length` body, socket closed before the announced length, mid-event.
    LengthMidEvent,
    /// The body ends cleanly (terminating chunk) but in the middle of an event.
    CleanEndMidEvent,
}

#[tokio::test]
async fn a_cut_connection_is_an_err_item_not_a_silent_end() {
    for cut in [Cut::ChunkedMidEvent, Cut::ChunkedBetweenEvents, Cut::LengthMidEvent, Cut::CleanEndMidEvent] {
        let server = RawServer::start(move |mut sock| async move {
            let mut body = String::new();
            for i in 0..3 {
                body.push_str(&format!("data: {}\n\n", chunk_data("gen-cut", &format!("c{i}"))));
            }
            let partial = format!("data: {}", &chunk_data("gen-cut", "c3")[..40]);
            match cut {
                Cut::LengthMidEvent => {
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ncontent-length: {}\r\n\r\n",
                        body.len() + 10_000
                    );
                    let _ = sock.write_all(head.as_bytes()).await;
                    let _ = sock.write_all(body.as_bytes()).await;
                    let _ = sock.write_all(partial.as_bytes()).await;
                }
                _ => {
                    let _ = sock.write_all(SSE_HEAD).await;
                    let _ = write_chunk(&mut sock, body.as_bytes()).await;
                    match cut {
                        Cut::ChunkedMidEvent => {
                            let _ = write_chunk(&mut sock, partial.as_bytes()).await;
                        }
                        Cut::CleanEndMidEvent => {
                            let _ = write_chunk(&mut sock, partial.as_bytes()).await;
                            let _ = end_chunks(&mut sock).await;
                            tokio::time::sleep(ms(100)).await;
                        }
                        _ => {}
                    }
                }
            }
            let _ = sock.flush().await;
            tokio::time::sleep(ms(50)).await;
            let _ = sock.shutdown().await;
            // Dropping the socket closes it.
        })
        .await;
        let core = core_at(&server.base_url());
        let mut stream = open_chat(&core).await;
        for i in 0..3 {
            let chunk = next_ok(&mut stream, &format!("{cut:?}: event {i}")).await;
            assert_eq!(content(&chunk), Some(format!("c{i}")), "{cut:?}: event {i}");
        }
        let err = next_err(&mut stream, &format!("{cut:?}: after the cut")).await;
        assert!(!err.is_api(), "{cut:?}: a cut is not an API error: {err:?}");
        expect_end(&mut stream, &format!("{cut:?}: after the cut error")).await;
    }
}

// ---------------------------------------------------------------------------------------------
// 5. Idle timeout.
// ---------------------------------------------------------------------------------------------

/// One event, then silence for 30 s (the socket stays open).
async fn one_event_then_stall(mut sock: TcpStream) {
    let _ = sock.write_all(SSE_HEAD).await;
    let _ = write_chunk(&mut sock, format!("data: {}\n\n", chunk_data("gen-idle", "first")).as_bytes()).await;
    tokio::time::sleep(Duration::from_secs(30)).await;
}

async fn assert_idle_timeout(mut stream: EventStream<openrouter::models::ChatStreamChunk>, what: &str) {
    assert_eq!(content(&next_ok(&mut stream, what).await).as_deref(), Some("first"), "{what}");
    let t0 = Instant::now();
    let err = next_err(&mut stream, &format!("{what}: the stall")).await;
    let waited = t0.elapsed();
    assert!(err.is_timeout(), "{what}: expected is_timeout(), got {err} / {err:?}");
    assert!(waited >= ms(250), "{what}: the idle timeout (300 ms) fired after only {waited:?}");
    assert!(waited < Duration::from_secs(2), "{what}: the idle timeout (300 ms) fired after {waited:?}");
    expect_end(&mut stream, &format!("{what}: after the timeout")).await;
}

#[tokio::test]
async fn idle_timeout_from_the_builder_ends_a_stalled_stream_with_a_timeout_error() {
    let server = RawServer::start(one_event_then_stall).await;
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(&server.base_url())
        .retry(RetryConfig::none())
        .stream_idle_timeout(ms(300))
        .build()
        .unwrap();
    let stream = open_chat(&core).await;
    assert_idle_timeout(stream, "builder idle timeout").await;
}

#[tokio::test]
async fn idle_timeout_per_call_ends_a_stalled_stream_with_a_timeout_error() {
    let server = RawServer::start(one_event_then_stall).await;
    let core = core_at(&server.base_url()); // default idle timeout (minutes)
    let per_call = core.with_options(RequestOptions::new().stream_idle_timeout(ms(300)));
    let stream = open_chat(&per_call).await;
    assert_idle_timeout(stream, "per-call idle timeout").await;
}

#[tokio::test]
async fn idle_timeout_applies_before_the_first_event() {
    // The response head arrives, then nothing at all.
    let server = RawServer::start(|mut sock| async move {
        let _ = sock.write_all(SSE_HEAD).await;
        let _ = sock.flush().await;
        tokio::time::sleep(Duration::from_secs(30)).await;
    })
    .await;
    let core = core_at(&server.base_url()).with_options(RequestOptions::new().stream_idle_timeout(ms(300)));
    let mut stream = open_chat(&core).await;
    let t0 = Instant::now();
    let err = next_err(&mut stream, "silent stream").await;
    assert!(err.is_timeout(), "expected is_timeout(), got {err} / {err:?}");
    assert!(t0.elapsed() < Duration::from_secs(2), "the idle timeout fired after {:?}", t0.elapsed());
    expect_end(&mut stream, "after the timeout").await;
}

#[tokio::test]
async fn keep_alive_comments_prevent_the_idle_timeout() {
    let server = RawServer::start(|mut sock| async move {
        let _ = sock.write_all(SSE_HEAD).await;
        let _ = write_chunk(&mut sock, format!("data: {}\n\n", chunk_data("gen-ka", "before")).as_bytes()).await;
        for _ in 0..10 {
            tokio::time::sleep(ms(100)).await;
            let _ = write_chunk(&mut sock, b": OPENROUTER PROCESSING\n\n").await;
        }
        let tail = format!("data: {}\n\ndata: [DONE]\n\n", chunk_data("gen-ka", "after"));
        let _ = write_chunk(&mut sock, tail.as_bytes()).await;
        let _ = end_chunks(&mut sock).await;
    })
    .await;
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(&server.base_url())
        .retry(RetryConfig::none())
        .stream_idle_timeout(ms(300))
        .build()
        .unwrap();
    let mut stream = open_chat(&core).await;
    let t0 = Instant::now();
    assert_eq!(content(&next_ok(&mut stream, "before the stall").await).as_deref(), Some("before"));
    assert_eq!(content(&next_ok(&mut stream, "after 1 s of keep-alives").await).as_deref(), Some("after"));
    assert!(t0.elapsed() >= ms(900), "the server should have stalled ~1 s, took {:?}", t0.elapsed());
    expect_end(&mut stream, "keep-alive stream").await;
}

#[tokio::test]
async fn the_request_timeout_does_not_cut_a_long_stream() {
    // A 400 ms request timeout bounds the wait for the response head, not a generation that
    // keeps sending events for longer than that.
    let server = RawServer::start(|mut sock| async move {
        let _ = sock.write_all(SSE_HEAD).await;
        for i in 0..12 {
            let _ =
                write_chunk(&mut sock, format!("data: {}\n\n", chunk_data("gen-long", &format!("e{i}"))).as_bytes())
                    .await;
            tokio::time::sleep(ms(100)).await;
        }
        let _ = write_chunk(&mut sock, b"data: [DONE]\n\n").await;
        let _ = end_chunks(&mut sock).await;
    })
    .await;
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(&server.base_url())
        .retry(RetryConfig::none())
        .timeout(ms(400))
        .build()
        .unwrap();
    let mut stream = open_chat(&core).await;
    for i in 0..12 {
        assert_eq!(content(&next_ok(&mut stream, &format!("event {i}")).await), Some(format!("e{i}")));
    }
    expect_end(&mut stream, "long stream").await;
}

// ---------------------------------------------------------------------------------------------
// 6. Dropping the stream closes the connection.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn dropping_the_stream_closes_the_connection() {
    let (seen_tx, mut seen_rx) = tokio::sync::mpsc::unbounded_channel::<(Instant, &'static str)>();
    let server = RawServer::start(move |sock| {
        let seen = seen_tx.clone();
        async move {
            let (mut rd, mut wr) = sock.into_split();
            let seen_read = seen.clone();
            // The client sends nothing more: a read returns only when it closes (0) or resets.
            let reader = tokio::spawn(async move {
                let mut b = [0u8; 64];
                loop {
                    match rd.read(&mut b).await {
                        Ok(0) => {
                            let _ = seen_read.send((Instant::now(), "read returned 0 (FIN)"));
                            return;
                        }
                        Err(_) => {
                            let _ = seen_read.send((Instant::now(), "read failed (reset)"));
                            return;
                        }
                        Ok(_) => {}
                    }
                }
            });
            if wr.write_all(SSE_HEAD).await.is_err() {
                return;
            }
            // An endless, slow stream.
            for i in 0u64.. {
                let event = format!("data: {}\n\n", chunk_data("gen-drop", &format!("e{i}")));
                if write_chunk(&mut wr, event.as_bytes()).await.is_err() {
                    let _ = seen.send((Instant::now(), "write failed"));
                    break;
                }
                tokio::time::sleep(ms(20)).await;
            }
            let _ = reader.await;
        }
    })
    .await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    for i in 0..3 {
        assert_eq!(content(&next_ok(&mut stream, &format!("event {i}")).await), Some(format!("e{i}")));
    }
    let dropped = Instant::now();
    drop(stream);
    // `core` (and its connection pool) stays alive: only the drop may close the connection.
    let (at, how) = match tokio::time::timeout(Duration::from_secs(3), seen_rx.recv()).await {
        Ok(Some(seen)) => seen,
        _ => panic!("the server did not see the connection close within 3 s of dropping the stream"),
    };
    let after = at.saturating_duration_since(dropped);
    assert!(after < Duration::from_secs(1), "the server saw the close ({how}) only {after:?} after the drop");
    assert_eq!(server.request_count(), 1);
    drop(core);
}

// ---------------------------------------------------------------------------------------------
// 7. An error status before the stream starts.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_error_status_before_the_stream_is_the_same_error_as_without_streaming() {
    let cases = vec![
        ("429 JSON", Reply::api_error(429, "Rate limit exceeded").header("retry-after", "7")),
        ("500 JSON", Reply::json(500, api_error_body(500, "Internal Server Error"))),
        ("502 HTML", Reply::text(502, "text/html", "<html><body>Bad gateway</body></html>")),
    ];
    for (name, reply) in cases {
        let server = TestServer::start(vec![reply]).await;
        let core = core_at(&server.base_url());
        let streamed =
            match tokio::time::timeout(Duration::from_secs(10), chat_send_stream(&core, chat_request())).await {
                Err(_) => panic!("{name}: chat_send_stream hung"),
                Ok(Ok(_)) => panic!("{name}: expected Err, got a stream"),
                Ok(Err(e)) => e,
            };
        let plain = match chat_send(&core, chat_request()).await {
            Ok(_) => panic!("{name}: chat_send: expected Err, got Ok"),
            Err(e) => e,
        };
        assert_eq!(server.request_count(), 2, "{name}: one attempt each (retries are off)");
        assert!(streamed.is_api(), "{name}: expected is_api(), got {streamed:?}");
        assert_eq!(streamed.status(), plain.status(), "{name}: status");
        assert_eq!(streamed.api_error(), plain.api_error(), "{name}: api_error");
        assert_eq!(streamed.body(), plain.body(), "{name}: body");
        assert_eq!(streamed.retry_after(), plain.retry_after(), "{name}: retry_after");
        assert_eq!(streamed.is_retryable(), plain.is_retryable(), "{name}: is_retryable");
        assert_eq!(streamed.to_string(), plain.to_string(), "{name}: Display");
    }
    // And the values themselves, for the 429.
    let server = TestServer::start(vec![Reply::api_error(429, "Rate limit exceeded").header("retry-after", "7")]).await;
    let err = chat_send_stream(&core_at(&server.base_url()), chat_request()).await.expect_err("an error");
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.api_error().map(|a| (a.code, a.message.as_str())), Some((429, "Rate limit exceeded")));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
    assert_eq!(err.body(), Some(api_error_body(429, "Rate limit exceeded").as_bytes()));
}

// ---------------------------------------------------------------------------------------------
// 8. A malformed event.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_malformed_event_is_a_decode_error_with_the_raw_data() {
    let events = vec![chunk_data("gen-bad", "ok"), "{not json}".to_owned(), chunk_data("gen-bad", "later")];
    let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    assert_eq!(content(&next_ok(&mut stream, "event 0").await).as_deref(), Some("ok"));
    let err = next_err(&mut stream, "the malformed event").await;
    assert!(err.is_decode(), "expected is_decode(), got {err} / {err:?}");
    assert_eq!(err.body_text().as_deref(), Some("{not json}"), "the raw event data");

    // Valid JSON of the wrong shape is a decode error too, with its data.
    let wrong = r#"{"id":"gen-bad","choices":"not a list"}"#;
    let server = TestServer::start(vec![sse_reply(sse_body(&[wrong.to_owned()]))]).await;
    let core = core_at(&server.base_url());
    let mut stream = open_chat(&core).await;
    let err = next_err(&mut stream, "the wrongly shaped event").await;
    assert!(err.is_decode(), "expected is_decode(), got {err} / {err:?}");
    assert_eq!(err.body_text().as_deref(), Some(wrong));
}

// ---------------------------------------------------------------------------------------------
// 9. What goes on the wire.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_request_says_stream_true_and_accepts_event_stream() {
    let caller = json!({
        "model": "openai/gpt-4",
        "messages": [
            {"role": "system", "content": "You are terse."},
            {"role": "user", "content": "hi"}
        ],
        "temperature": 0.25,
        "max_tokens": 42,
        "user": "user-7"
    });
    let reply = sse_reply(sse_body(&[chunk_data("gen-wire", "x")])).header("x-generation-id", "gen-wire");
    let server = TestServer::start(vec![reply]).await;
    let core = core_at(&server.base_url());
    let mut stream = match chat_send_stream(&core, chat_request_from(caller.clone())).await {
        Ok(s) => s,
        Err(e) => panic!("{e:?}"),
    };
    assert_eq!(stream.status(), 200);
    assert_eq!(stream.headers().get("x-generation-id").map(|v| v.to_str().unwrap()), Some("gen-wire"));
    assert_eq!(content(&next_ok(&mut stream, "event").await).as_deref(), Some("x"));
    expect_end(&mut stream, "wire").await;

    let req = server.single_request();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/api/v1/chat/completions");
    assert_eq!(req.header("accept").as_deref(), Some("text/event-stream"));
    assert!(
        req.header("content-type").is_some_and(|ct| ct.starts_with("application/json")),
        "content-type: {:?}",
        req.header("content-type")
    );
    assert_eq!(req.header("authorization").as_deref(), Some("Bearer sk-or-test"));
    let sent: Value = serde_json::from_slice(&req.body).expect("a JSON body");
    let mut expected = caller;
    expected["stream"] = json!(true);
    assert_eq!(sent, expected, "the body is the caller's plus \"stream\": true, nothing else");
}

#[tokio::test]
async fn a_callers_stream_false_is_overridden_by_the_streaming_function() {
    let server = TestServer::start(vec![sse_reply(sse_body(&[chunk_data("gen-f", "x")]))]).await;
    let core = core_at(&server.base_url());
    let mut caller = chat_json();
    caller["stream"] = json!(false);
    let mut stream = chat_send_stream(&core, chat_request_from(caller)).await.expect("a stream");
    assert_eq!(content(&next_ok(&mut stream, "event").await).as_deref(), Some("x"));
    let sent: Value = serde_json::from_slice(&server.single_request().body).unwrap();
    assert_eq!(sent["stream"], json!(true), "sent body: {sent}");
}

// ---------------------------------------------------------------------------------------------
// 10. collect_chat.
// ---------------------------------------------------------------------------------------------

fn raw_chunk(choices: Value, usage: Option<Value>) -> String {
    let mut v = json!({
        "id": "gen-collect",
        "object": "chat.completion.chunk",
        "created": 1_700_000_123,
        "model": "openai/gpt-4",
        "choices": choices,
    });
    if let Some(u) = usage {
        v["usage"] = u;
    }
    v.to_string()
}

#[tokio::test]
async fn collect_chat_joins_content_and_tool_calls_and_keeps_usage() {
    let d = |delta: Value, finish: Value| json!([{"index": 0, "delta": delta, "finish_reason": finish}]);
    let usage = json!({"prompt_tokens": 11, "completion_tokens": 7, "total_tokens": 18, "cost": 0.00042});
    let events = vec![
        raw_chunk(d(json!({"role": "assistant", "content": ""}), Value::Null), None),
        raw_chunk(d(json!({"content": "The weather "}), Value::Null), None),
        raw_chunk(d(json!({"content": "in Paris:"}), Value::Null), None),
        raw_chunk(
            d(
                json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": ""}}]}),
                Value::Null,
            ),
            None,
        ),
        raw_chunk(d(json!({"tool_calls": [{"index": 0, "function": {"arguments": "{\"ci"}}]}), Value::Null), None),
        raw_chunk(d(json!({"tool_calls": [{"index": 0, "function": {"arguments": "ty\":\"Par"}}]}), Value::Null), None),
        raw_chunk(d(json!({"tool_calls": [{"index": 0, "function": {"arguments": "is\"}"}}]}), Value::Null), None),
        raw_chunk(d(json!({}), json!("tool_calls")), None),
        // The final usage chunk has no choices.
        raw_chunk(json!([]), Some(usage)),
    ];
    let mut body = String::from(": OPENROUTER PROCESSING\n\n");
    body.push_str(&sse_body(&events));
    let server = TestServer::start(vec![sse_reply(body)]).await;
    let core = core_at(&server.base_url());
    let stream = open_chat(&core).await;
    let result = match tokio::time::timeout(Duration::from_secs(10), openrouter::stream::collect_chat(stream)).await {
        Err(_) => panic!("collect_chat hung"),
        Ok(Err(e)) => panic!("collect_chat failed: {e} / {e:?}"),
        Ok(Ok(r)) => r,
    };
    let v = serde_json::to_value(&result).unwrap();
    assert_eq!(v["id"], "gen-collect", "{v:#}");
    assert_eq!(v["model"], "openai/gpt-4", "{v:#}");
    assert_eq!(v["created"], 1_700_000_123, "{v:#}");
    assert_eq!(v["object"], "chat.completion", "{v:#}");
    let choices = v["choices"].as_array().expect("choices");
    assert_eq!(choices.len(), 1, "{v:#}");
    let choice = &choices[0];
    assert_eq!(choice["index"], 0);
    assert_eq!(choice["finish_reason"], "tool_calls", "{v:#}");
    assert_eq!(choice["message"]["role"], "assistant", "{v:#}");
    assert_eq!(choice["message"]["content"], "The weather in Paris:", "{v:#}");
    let calls = choice["message"]["tool_calls"].as_array().unwrap_or_else(|| panic!("no tool_calls: {v:#}"));
    assert_eq!(calls.len(), 1, "one tool call, merged by index: {v:#}");
    assert_eq!(calls[0]["id"], "call_1");
    assert_eq!(calls[0]["type"], "function");
    assert_eq!(calls[0]["function"]["name"], "get_weather");
    assert_eq!(calls[0]["function"]["arguments"], "{\"city\":\"Paris\"}");
    let usage = result.usage.as_ref().unwrap_or_else(|| panic!("usage lost: {v:#}"));
    assert_eq!((usage.prompt_tokens, usage.completion_tokens, usage.total_tokens), (11, 7, 18));
    assert_eq!(usage.cost, Some(0.00042));
}

#[tokio::test]
async fn collect_chat_merges_two_choices_and_parallel_tool_calls_by_index() {
    let c = |index: i64, delta: Value, finish: Value| json!({"index": index, "delta": delta, "finish_reason": finish});
    let events = vec![
        raw_chunk(
            json!([
                c(0, json!({"role": "assistant", "reasoning": "Let me "}), Value::Null),
                c(1, json!({"role": "assistant", "content": "B1"}), Value::Null)
            ]),
            None,
        ),
        raw_chunk(json!([c(0, json!({"reasoning": "think"}), Value::Null)]), None),
        raw_chunk(
            json!([c(
                0,
                json!({"tool_calls": [
                    {"index": 0, "id": "call_a", "type": "function", "function": {"name": "f_a", "arguments": "{\"x\":"}},
                    {"index": 1, "id": "call_b", "type": "function", "function": {"name": "f_b", "arguments": "{\"y\":"}}
                ]}),
                Value::Null
            )]),
            None,
        ),
        raw_chunk(json!([c(1, json!({"content": "-B2"}), json!("stop"))]), None),
        raw_chunk(
            json!([c(0, json!({"tool_calls": [{"index": 1, "function": {"arguments": "2}"}}]}), Value::Null)]),
            None,
        ),
        raw_chunk(
            json!([c(0, json!({"tool_calls": [{"index": 0, "function": {"arguments": "1}"}}]}), json!("tool_calls"))]),
            None,
        ),
        raw_chunk(json!([]), Some(json!({"prompt_tokens": 3, "completion_tokens": 4, "total_tokens": 7}))),
    ];
    let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
    let core = core_at(&server.base_url());
    let stream = open_chat(&core).await;
    let result = tokio::time::timeout(Duration::from_secs(10), openrouter::stream::collect_chat(stream))
        .await
        .expect("collect_chat hung")
        .unwrap_or_else(|e| panic!("collect_chat failed: {e:?}"));
    let v = serde_json::to_value(&result).unwrap();
    let choices = v["choices"].as_array().expect("choices");
    assert_eq!(choices.len(), 2, "{v:#}");
    let by_index = |i: i64| choices.iter().find(|c| c["index"] == i).unwrap_or_else(|| panic!("no choice {i}: {v:#}"));
    let (c0, c1) = (by_index(0), by_index(1));
    assert_eq!(c0["message"]["reasoning"], "Let me think", "{v:#}");
    assert_eq!(c0["finish_reason"], "tool_calls", "{v:#}");
    let calls = c0["message"]["tool_calls"].as_array().unwrap_or_else(|| panic!("no tool_calls: {v:#}"));
    assert_eq!(calls.len(), 2, "{v:#}");
    let call = |id: &str| calls.iter().find(|t| t["id"] == id).unwrap_or_else(|| panic!("no call {id}: {v:#}"));
    assert_eq!(call("call_a")["function"]["name"], "f_a");
    assert_eq!(call("call_a")["function"]["arguments"], "{\"x\":1}", "{v:#}");
    assert_eq!(call("call_b")["function"]["name"], "f_b");
    assert_eq!(call("call_b")["function"]["arguments"], "{\"y\":2}", "{v:#}");
    assert_eq!(calls[0]["id"], "call_a", "tool calls in index order: {v:#}");
    assert_eq!(c1["message"]["content"], "B1-B2", "{v:#}");
    assert_eq!(c1["finish_reason"], "stop", "{v:#}");
    assert_eq!(v["usage"]["total_tokens"], 7, "{v:#}");
}

#[tokio::test]
async fn collect_chat_returns_the_in_stream_error() {
    let events = vec![chunk_data("gen-err", "partial"), MID_STREAM_ERROR.to_owned()];
    let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
    let core = core_at(&server.base_url());
    let stream = open_chat(&core).await;
    let result = tokio::time::timeout(Duration::from_secs(10), openrouter::stream::collect_chat(stream))
        .await
        .expect("collect_chat hung");
    let err = result.expect_err("collect_chat over a failed stream must be Err");
    assert!(err.is_api(), "{err:?}");
    assert_eq!(err.api_error().map(|a| a.code), Some(502));
}

// ---------------------------------------------------------------------------------------------
// 11. The responses stream.
// ---------------------------------------------------------------------------------------------

fn responses_request() -> CreateResponsesRequest {
    let body: ResponsesRequest =
        serde_json::from_value(json!({"model": "openai/gpt-4o", "input": "hi"})).expect("a valid ResponsesRequest");
    CreateResponsesRequest::new(body)
}

fn response_object(status: &str, error: Value) -> Value {
    json!({
        "completed_at": null,
        "created_at": 1_704_067_200,
        "error": error,
        "frequency_penalty": null,
        "id": "resp-abc123",
        "incomplete_details": null,
        "instructions": null,
        "max_output_tokens": null,
        "metadata": null,
        "model": "gpt-4",
        "object": "response",
        "output": [],
        "parallel_tool_calls": true,
        "presence_penalty": null,
        "status": status,
        "temperature": null,
        "tool_choice": "auto",
        "tools": [],
        "top_p": null
    })
}

/// Events with an `event:` line naming the type, as the API sends them.
fn typed_sse(events: &[Value]) -> String {
    let mut out = String::new();
    for e in events {
        out.push_str(&format!("event: {}\ndata: {}\n\n", e["type"].as_str().unwrap(), e));
        out.push_str(": OPENROUTER PROCESSING\n\n");
    }
    out.push_str("data: [DONE]\n\n");
    out
}

async fn open_responses(server: &TestServer) -> EventStream<StreamEvents> {
    let core = core_at(&server.base_url());
    match tokio::time::timeout(Duration::from_secs(10), responses_send_stream(&core, responses_request())).await {
        Err(_) => panic!("responses_send_stream hung"),
        Ok(Err(e)) => panic!("responses_send_stream failed: {e} / {e:?}"),
        Ok(Ok(s)) => s,
    }
}

#[tokio::test]
async fn responses_stream_decodes_typed_events_and_unknown_ones() {
    let events = vec![
        json!({"type": "response.created", "sequence_number": 0, "response": response_object("in_progress", Value::Null)}),
        json!({"type": "response.output_text.delta", "sequence_number": 1, "item_id": "item-1", "output_index": 0,
               "content_index": 0, "delta": "Hello", "logprobs": []}),
        json!({"type": "response.hologram.delta", "sequence_number": 2, "hologram": {"x": 1}}),
        json!({"type": "response.output_text.delta", "sequence_number": 3, "item_id": "item-1", "output_index": 0,
               "content_index": 0, "delta": " there", "logprobs": []}),
        json!({"type": "response.completed", "sequence_number": 4, "response": response_object("completed", Value::Null)}),
    ];
    let server = TestServer::start(vec![sse_reply(typed_sse(&events))]).await;
    let mut stream = open_responses(&server).await;

    match next_ok(&mut stream, "response.created").await {
        StreamEvents::ResponseCreated(e) => assert_eq!(e.response.id, "resp-abc123"),
        other => panic!("expected ResponseCreated, got {other:?}"),
    }
    match next_ok(&mut stream, "delta 1").await {
        StreamEvents::ResponseOutputTextDelta(e) => assert_eq!(e.delta, "Hello"),
        other => panic!("expected ResponseOutputTextDelta, got {other:?}"),
    }
    match next_ok(&mut stream, "unknown event").await {
        StreamEvents::Unknown(raw) => {
            assert_eq!(raw["type"], "response.hologram.delta");
            assert_eq!(raw["hologram"]["x"], 1);
        }
        other => panic!("expected the Unknown fallback, got {other:?}"),
    }
    match next_ok(&mut stream, "delta 2").await {
        StreamEvents::ResponseOutputTextDelta(e) => assert_eq!(e.delta, " there"),
        other => panic!("expected ResponseOutputTextDelta, got {other:?}"),
    }
    match next_ok(&mut stream, "response.completed").await {
        StreamEvents::ResponseCompleted(e) => assert_eq!(e.response.id, "resp-abc123"),
        other => panic!("expected ResponseCompleted, got {other:?}"),
    }
    expect_end(&mut stream, "responses stream").await;

    let req = server.single_request();
    assert_eq!(req.path, "/api/v1/responses");
    assert_eq!(req.header("accept").as_deref(), Some("text/event-stream"));
    let sent: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(sent, json!({"model": "openai/gpt-4o", "input": "hi", "stream": true}));
}

#[tokio::test]
async fn responses_stream_failed_and_error_events_are_err_items() {
    let created = json!({"type": "response.created", "sequence_number": 0, "response": response_object("in_progress", Value::Null)});
    let failed = json!({"type": "response.failed", "sequence_number": 1,
        "response": response_object("failed", json!({"code": "server_error", "message": "The model crashed"}))});
    let server = TestServer::start(vec![sse_reply(typed_sse(&[created.clone(), failed]))]).await;
    let mut stream = open_responses(&server).await;
    assert!(matches!(next_ok(&mut stream, "created").await, StreamEvents::ResponseCreated(_)));
    let err = next_err(&mut stream, "response.failed").await;
    assert!(err.is_api(), "{err:?}");
    assert_eq!(err.api_error().map(|a| a.message.as_str()), Some("The model crashed"), "{err:?}");
    expect_end(&mut stream, "after response.failed").await;

    let error = json!({"type": "error", "sequence_number": 1, "code": "rate_limit_exceeded",
        "message": "Rate limit exceeded. Please try again later.", "param": null});
    let server = TestServer::start(vec![sse_reply(typed_sse(&[created, error]))]).await;
    let mut stream = open_responses(&server).await;
    assert!(matches!(next_ok(&mut stream, "created").await, StreamEvents::ResponseCreated(_)));
    let err = next_err(&mut stream, "error event").await;
    assert!(err.is_api(), "{err:?}");
    assert_eq!(
        err.api_error().map(|a| a.message.as_str()),
        Some("Rate limit exceeded. Please try again later."),
        "{err:?}"
    );
    expect_end(&mut stream, "after the error event").await;
}

// ---------------------------------------------------------------------------------------------
// The messages (Anthropic-style) stream.
// ---------------------------------------------------------------------------------------------

async fn open_messages(server: &TestServer) -> EventStream<MessagesStreamEvents> {
    let core = core_at(&server.base_url());
    let body: MessagesRequest = serde_json::from_value(json!({
        "model": "anthropic/claude-sonnet-4",
        "max_tokens": 100,
        "messages": [{"role": "user", "content": "hi"}]
    }))
    .expect("a valid MessagesRequest");
    match tokio::time::timeout(Duration::from_secs(10), messages_create_stream(&core, CreateMessagesRequest::new(body)))
        .await
    {
        Err(_) => panic!("messages_create_stream hung"),
        Ok(Err(e)) => panic!("messages_create_stream failed: {e} / {e:?}"),
        Ok(Ok(s)) => s,
    }
}

#[tokio::test]
async fn messages_stream_decodes_typed_and_unknown_events_and_ends_on_an_error_event() {
    let events = [
        json!({"type": "ping"}),
        json!({"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hi"}}),
        json!({"type": "hologram_delta", "index": 0}),
        json!({"type": "message_stop"}),
    ];
    // Anthropic-style streams name each event and need no [DONE].
    let mut body = String::new();
    for e in &events {
        body.push_str(&format!("event: {}\ndata: {}\n\n", e["type"].as_str().unwrap(), e));
    }
    let server = TestServer::start(vec![sse_reply(body)]).await;
    let mut stream = open_messages(&server).await;
    assert!(matches!(next_ok(&mut stream, "ping").await, MessagesStreamEvents::Ping(_)));
    match next_ok(&mut stream, "content_block_delta").await {
        MessagesStreamEvents::ContentBlockDelta(e) => {
            assert_eq!(serde_json::to_value(&e).unwrap()["delta"]["text"], "Hi")
        }
        other => panic!("expected ContentBlockDelta, got {other:?}"),
    }
    match next_ok(&mut stream, "unknown event").await {
        MessagesStreamEvents::Unknown(raw) => assert_eq!(raw["type"], "hologram_delta"),
        other => panic!("expected the Unknown fallback, got {other:?}"),
    }
    assert!(matches!(next_ok(&mut stream, "message_stop").await, MessagesStreamEvents::MessageStop(_)));
    expect_end(&mut stream, "messages stream").await;
    let req = server.single_request();
    assert_eq!(req.path, "/api/v1/messages");
    assert_eq!(req.header("accept").as_deref(), Some("text/event-stream"));
    let sent: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(sent["stream"], json!(true), "{sent}");

    let body = "event: ping\ndata: {\"type\":\"ping\"}\n\nevent: error\ndata: {\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Overloaded\"}}\n\n";
    let server = TestServer::start(vec![sse_reply(body)]).await;
    let mut stream = open_messages(&server).await;
    assert!(matches!(next_ok(&mut stream, "ping").await, MessagesStreamEvents::Ping(_)));
    let err = next_err(&mut stream, "error event").await;
    assert!(err.is_api(), "{err:?}");
    assert_eq!(err.api_error().map(|a| a.message.as_str()), Some("Overloaded"), "{err:?}");
    expect_end(&mut stream, "after the error event").await;
}

// ---------------------------------------------------------------------------------------------
// 12. A JSON answer to a streaming call.
// ---------------------------------------------------------------------------------------------

const CHAT_COMPLETION_JSON: &str = r#"{"id":"gen-json","object":"chat.completion","created":1700000000,"model":"openai/gpt-4","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hi"}}]}"#;

#[tokio::test]
async fn a_json_answer_to_a_streaming_call_is_a_clear_error() {
    // A whole completion instead of a stream.
    let server = TestServer::start(vec![Reply::json(200, CHAT_COMPLETION_JSON)]).await;
    let core = core_at(&server.base_url());
    let err = match tokio::time::timeout(Duration::from_secs(10), chat_send_stream(&core, chat_request())).await {
        Err(_) => panic!("chat_send_stream hung on a JSON answer"),
        Ok(Ok(mut s)) => match next_within(&mut s, Duration::from_secs(5)).await {
            Some(Err(e)) => e,
            other => panic!("expected an error for a JSON answer, got a stream yielding {other:?}"),
        },
        Ok(Err(e)) => e,
    };
    // Not an error object: a decode error (an `{"error": ..}` body is an API error, below).
    assert!(err.is_decode() && !err.is_api(), "expected is_decode, got {err} / {err:?}");
    assert_eq!(err.status(), Some(200), "{err:?}");
    assert_eq!(err.body_text().as_deref(), Some(CHAT_COMPLETION_JSON), "the body is kept");

    // An error object with status 200 (the request failed after processing began).
    let body = api_error_body(502, "Provider returned error");
    let server = TestServer::start(vec![Reply::json(200, body.clone())]).await;
    let core = core_at(&server.base_url());
    let err = match tokio::time::timeout(Duration::from_secs(10), chat_send_stream(&core, chat_request())).await {
        Err(_) => panic!("chat_send_stream hung on a JSON error answer"),
        Ok(Ok(mut s)) => match next_within(&mut s, Duration::from_secs(5)).await {
            Some(Err(e)) => e,
            other => panic!("expected an error for a JSON error answer, got a stream yielding {other:?}"),
        },
        Ok(Err(e)) => e,
    };
    assert!(err.is_api(), "expected is_api, got {err} / {err:?}");
    assert_eq!(err.api_error().map(|a| (a.code, a.message.as_str())), Some((502, "Provider returned error")));
    assert_eq!(err.body_text().as_deref(), Some(body.as_str()));
}

/// `EventStream` is a `futures_core::Stream` as well.
#[tokio::test]
async fn event_stream_implements_futures_stream() {
    use futures_core::Stream;
    let events: Vec<String> = (0..3).map(|i| chunk_data("gen-s", &format!("s{i}"))).collect();
    let server = TestServer::start(vec![sse_reply(sse_body(&events))]).await;
    let core = core_at(&server.base_url());
    let mut stream = Box::pin(open_chat(&core).await);
    let mut got = Vec::new();
    loop {
        let item =
            tokio::time::timeout(Duration::from_secs(5), std::future::poll_fn(|cx| stream.as_mut().poll_next(cx)))
                .await
                .expect("the stream hung");
        match item {
            None => break,
            Some(Ok(chunk)) => got.push(content(&chunk).unwrap_or_default()),
            Some(Err(e)) => panic!("{e:?}"),
        }
    }
    assert_eq!(got, ["s0", "s1", "s2"]);
}
