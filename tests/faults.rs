//! The fault matrix: scripted raw-TCP servers on 127.0.0.1 that break HTTP the ways a broken or
//! hostile server or proxy does (refusal, resets, cut and malformed heads, stalled and trickling
//! bodies, truncation, error statuses, a `Content-Encoding` nobody asked for, an error message that
//! echoes the key), each against five kinds of operation: a GET (`generations_get_generation`), a
//! JSON POST (`chat_send`), a stream (`chat_send_stream`), a binary download (`files_download`)
//! and a multipart upload (`files_upload`).
//!
//! Every cell asserts the outcome (success, or which predicate the error satisfies), what the
//! message says where it matters, and the number of attempts: the requests the server read whole,
//! and the attempts the client made (its key provider is called once per attempt). Every cell
//! runs in its own task under a timeout, so a panic or a hang is caught, counted and reported
//! together with every other failing cell.

mod common;

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use openrouter::funcs::{chat_send, chat_send_stream, files_download, files_upload, generations_get_generation};
use openrouter::models::{
    ChatRequest, DownloadFileContentRequest, FileResponse, GetGenerationRequest, SendChatCompletionRequest,
    UploadFileRequest, UploadFileRequestBody,
};
use openrouter::{Error, FileUpload, OpenRouterCore, RequestOptions, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The key the client sends; not shaped like an OpenRouter key, so only redaction of the
/// configured key itself can hide it.
const KEY: &str = "test-key-7d1e0c5a9b3f";
/// An OpenRouter-shaped key that a hostile server puts in its message.
const OTHER_KEY: &str = "sk-or-v1-0badc0ffee0badc0ffee";

/// The per-attempt timeout, and the stream idle timeout, of every cell.
const TIMEOUT: Duration = Duration::from_millis(400);
/// The most attempts of every cell.
const ATTEMPTS: usize = 3;

// ---------------------------------------------------------------------------------------------
// The scripted server

/// What the server does after it has read a request.
#[derive(Clone)]
enum Step {
    /// Writes these bytes.
    Write(Vec<u8>),
    /// Writes these bytes one at a time, with this pause after each.
    Trickle(Vec<u8>, Duration),
    /// Resets the connection (TCP RST).
    Reset,
    /// Closes the connection (FIN).
    Close,
    /// Keeps the connection open and says nothing more, for a minute.
    Hold,
}

type Script = Arc<dyn Fn(usize) -> Vec<Step> + Send + Sync>;

struct Server {
    addr: SocketAddr,
    /// Requests read whole (head and body).
    requests: Arc<AtomicUsize>,
    task: tokio::task::AbortHandle,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    /// A server answering request `n` (0, 1, …, over all connections) with `script(n)`; after
    /// the steps, the connection stays open for the next request unless a step closed it.
    async fn start(script: Script) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind 127.0.0.1");
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            let mut conns = tokio::task::JoinSet::new();
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                conns.spawn(serve(stream, script.clone(), counter.clone()));
            }
        });
        Server { addr, requests, task: task.abort_handle() }
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: TcpStream, script: Script, requests: Arc<AtomicUsize>) {
    let mut buf = Vec::new();
    loop {
        if !read_request(&mut stream, &mut buf).await {
            return;
        }
        let n = requests.fetch_add(1, Ordering::SeqCst);
        for step in script(n) {
            match step {
                Step::Write(bytes) => {
                    if stream.write_all(&bytes).await.is_err() {
                        return;
                    }
                }
                Step::Trickle(bytes, pause) => {
                    for b in bytes {
                        if stream.write_all(&[b]).await.is_err() {
                            return;
                        }
                        tokio::time::sleep(pause).await;
                    }
                }
                Step::Reset => {
                    let _ = stream.set_zero_linger();
                    return;
                }
                Step::Close => return,
                Step::Hold => {
                    tokio::time::sleep(Duration::from_secs(60)).await;
                    return;
                }
            }
        }
    }
}

/// Reads one request (head, then a `Content-Length` or chunked body); false at EOF or error.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let head_end = loop {
        if let Some(p) = find(buf, b"\r\n\r\n") {
            break p + 4;
        }
        if !fill(stream, buf).await {
            return false;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse::<usize>().ok())
        .unwrap_or(0);
    if head.contains("transfer-encoding: chunked") {
        loop {
            if let Some(p) = find(&buf[head_end..], b"0\r\n\r\n") {
                buf.drain(..head_end + p + 5);
                return true;
            }
            if !fill(stream, buf).await {
                return false;
            }
        }
    }
    while buf.len() < head_end + length {
        if !fill(stream, buf).await {
            return false;
        }
    }
    buf.drain(..head_end + length);
    true
}

async fn fill(stream: &mut TcpStream, buf: &mut Vec<u8>) -> bool {
    let mut chunk = [0u8; 16 * 1024];
    match stream.read(&mut chunk).await {
        Ok(0) | Err(_) => false,
        Ok(n) => {
            buf.extend_from_slice(&chunk[..n]);
            true
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

// ---------------------------------------------------------------------------------------------
// Responses

const CHAT_JSON: &str = r#"{"id":"gen-1","object":"chat.completion","created":1700000000,"model":"openai/gpt-4","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hi"}}]}"#;
const FILE_JSON: &str = r#"{"_shape":"openrouter","created_at":"2025-01-01T00:00:00Z","downloadable":false,"filename":"a.txt","id":"file-1","mime_type":"text/plain","size_bytes":5,"type":"file"}"#;
const SSE_BODY: &str = "data: {\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"openai/gpt-4\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":null}]}\n\ndata: [DONE]\n\n";
const FILE_BYTES: &[u8] = b"\x00\x01binary file content\xff";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Get,
    Post,
    Stream,
    Download,
    Upload,
}

const OPS: [Op; 5] = [Op::Get, Op::Post, Op::Stream, Op::Download, Op::Upload];

impl Op {
    /// Sent again after its response started? (POST is not.)
    fn idempotent(self) -> bool {
        matches!(self, Op::Get | Op::Download)
    }

    fn content_type(self) -> &'static str {
        match self {
            Op::Stream => "text/event-stream",
            Op::Download => "application/octet-stream",
            _ => "application/json",
        }
    }

    fn body(self) -> Vec<u8> {
        match self {
            Op::Get => common::GENERATION_EXAMPLE.as_bytes().to_vec(),
            Op::Post => CHAT_JSON.as_bytes().to_vec(),
            Op::Stream => SSE_BODY.as_bytes().to_vec(),
            Op::Download => FILE_BYTES.to_vec(),
            Op::Upload => FILE_JSON.as_bytes().to_vec(),
        }
    }

    /// A head for this operation's success answer, with these extra header lines.
    fn head(self, status: &str, length: usize, extra: &str) -> Vec<u8> {
        format!("HTTP/1.1 {status}\r\ncontent-type: {}\r\ncontent-length: {length}\r\n{extra}\r\n", self.content_type())
            .into_bytes()
    }

    /// The complete success answer.
    fn ok(self) -> Vec<u8> {
        let body = self.body();
        let mut out = self.head("200 OK", body.len(), "");
        out.extend_from_slice(&body);
        out
    }
}

fn error_response(status: &str, body: &str) -> Vec<u8> {
    format!("HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len())
        .into_bytes()
}

// ---------------------------------------------------------------------------------------------
// Running one operation

/// What a call ended in.
enum Outcome {
    Ok(Vec<u8>),
    Err(Error),
}

fn chat_request() -> SendChatCompletionRequest {
    let body: ChatRequest = serde_json::from_value(
        serde_json::json!({"model": "openai/gpt-4", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .expect("a valid ChatRequest");
    SendChatCompletionRequest::new(body)
}

/// Calls `op` (and reads its body or stream to the end).
async fn run(op: Op, core: &OpenRouterCore, download_idle: Option<Duration>) -> Outcome {
    let result: Result<Vec<u8>, Error> = async {
        Ok(match op {
            Op::Get => {
                let g = generations_get_generation(core, GetGenerationRequest::new("gen-1")).await?;
                g.data.id.into_bytes()
            }
            Op::Post => chat_send(core, chat_request()).await?.id.into_bytes(),
            Op::Stream => {
                let mut stream = chat_send_stream(core, chat_request()).await?;
                let mut ids = Vec::new();
                while let Some(chunk) = stream.next_event().await {
                    ids.extend_from_slice(chunk?.id.as_bytes());
                }
                ids
            }
            Op::Download => {
                let mut raw = files_download(core, DownloadFileContentRequest::new("file-1")).await?;
                if let Some(idle) = download_idle {
                    raw = raw.idle_timeout(idle);
                }
                raw.bytes().await?.to_vec()
            }
            Op::Upload => {
                let file = FileUpload::new(&b"hello"[..]).filename("a.txt");
                let uploaded = files_upload(core, UploadFileRequest::new(UploadFileRequestBody::new(file))).await?;
                match uploaded {
                    FileResponse::Openrouter(f) => f.id.into_bytes(),
                    other => format!("{other:?}").into_bytes(),
                }
            }
        })
    }
    .await;
    match result {
        Ok(v) => Outcome::Ok(v),
        Err(e) => Outcome::Err(e),
    }
}

// ---------------------------------------------------------------------------------------------
// Cells

/// What a cell expects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Expect {
    /// Success, with the operation's normal result.
    Ok,
    /// Success, with exactly the bytes sent (a binary download).
    OkBytes,
    Connect,
    Timeout,
    Protocol,
    Body,
    Decode,
    TooLarge,
    Api(u16),
}

impl Expect {
    fn check(self, op: Op, outcome: &Outcome) -> Result<(), String> {
        let e = match (self, outcome) {
            (Expect::Ok, Outcome::Ok(v)) => {
                let want: &[u8] = match op {
                    Op::Get => common::GENERATION_EXAMPLE_ID.as_bytes(),
                    Op::Post | Op::Stream => b"gen-1",
                    Op::Download => FILE_BYTES,
                    Op::Upload => b"file-1",
                };
                return if v == want {
                    Ok(())
                } else {
                    Err(format!("succeeded with {:?}", String::from_utf8_lossy(v)))
                };
            }
            (Expect::OkBytes, Outcome::Ok(_)) => return Ok(()),
            (_, Outcome::Ok(v)) => return Err(format!("succeeded ({} bytes), expected {self:?}", v.len())),
            (_, Outcome::Err(e)) => e,
        };
        let holds = match self {
            Expect::Ok | Expect::OkBytes => false,
            Expect::Connect => e.is_connect(),
            Expect::Timeout => e.is_timeout(),
            Expect::Protocol => e.is_protocol() && !e.is_retryable(),
            Expect::Body => e.is_body(),
            Expect::Decode => e.is_decode(),
            Expect::TooLarge => e.is_body_too_large(),
            Expect::Api(s) => e.is_api() && e.status() == Some(s),
        };
        if holds {
            Ok(())
        } else {
            Err(format!("expected {self:?}, got: {e} / {e:?}"))
        }
    }
}

type ErrorCheck = fn(&Error) -> Result<(), String>;

struct Cell {
    name: String,
    op: Op,
    script: Script,
    /// No server at all (a refused connection).
    refused: bool,
    /// How many times the operation is called, one after the other; the last call is checked.
    calls: usize,
    expect: Expect,
    /// Requests the server reads whole, over all calls.
    requests: usize,
    /// Attempts the client makes, over all calls.
    attempts: usize,
    /// The error message contains this (case-insensitive).
    says: Option<&'static str>,
    options: Option<RequestOptions>,
    download_idle: Option<Duration>,
    /// Extra checks on the error.
    check: Option<ErrorCheck>,
}

impl Cell {
    fn new(name: &str, op: Op, script: Script, expect: Expect, attempts: usize) -> Cell {
        Cell {
            name: format!("{name} × {op:?}"),
            op,
            script,
            refused: false,
            calls: 1,
            expect,
            requests: attempts,
            attempts,
            says: None,
            options: None,
            download_idle: None,
            check: None,
        }
    }

    fn says(mut self, text: &'static str) -> Cell {
        self.says = Some(text);
        self
    }
}

fn script(f: impl Fn(Op, usize) -> Vec<Step> + Send + Sync + 'static, op: Op) -> Script {
    Arc::new(move |n| f(op, n))
}

/// Runs one cell; the description of what went wrong, if anything did.
async fn run_cell(cell: Cell) -> Result<(), String> {
    let server = Server::start(cell.script.clone()).await;
    let addr = if cell.refused {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let a = l.local_addr().unwrap();
        drop(l);
        a
    } else {
        server.addr
    };
    let attempts = Arc::new(AtomicUsize::new(0));
    let counter = attempts.clone();
    let mut core = OpenRouterCore::builder()
        .base_url(&format!("http://{addr}/api/v1"))
        .api_key_provider(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { Ok(KEY.to_owned()) }
        })
        .retry(
            RetryConfig::backoff()
                .initial_interval(Duration::from_millis(1))
                .max_interval(Duration::from_millis(5))
                .max_attempts(ATTEMPTS as u32),
        )
        .timeout(TIMEOUT)
        .stream_idle_timeout(TIMEOUT)
        .build()
        .map_err(|e| format!("build: {e}"))?;
    if let Some(options) = cell.options.clone() {
        core = core.with_options(options);
    }
    let mut outcome = None;
    for _ in 0..cell.calls {
        outcome = Some(run(cell.op, &core, cell.download_idle).await);
    }
    let outcome = outcome.expect("at least one call");
    let mut problems = String::new();
    if let Err(p) = cell.expect.check(cell.op, &outcome) {
        problems.push_str(&p);
    }
    if let Outcome::Err(e) = &outcome {
        let text = e.to_string();
        if let Some(says) = cell.says {
            if !text.to_lowercase().contains(says) {
                let _ = write!(problems, "; the message does not say {says:?}: {text}");
            }
        }
        if let Some(check) = cell.check {
            if let Err(p) = check(e) {
                let _ = write!(problems, "; {p}");
            }
        }
    }
    // The server counts a request once it has read it whole: give it a moment.
    tokio::time::sleep(Duration::from_millis(20)).await;
    let expected_requests = if cell.refused { 0 } else { cell.requests };
    if server.requests() != expected_requests {
        let _ = write!(problems, "; the server read {} requests, expected {expected_requests}", server.requests());
    }
    let made = attempts.load(Ordering::SeqCst);
    if made != cell.attempts {
        let _ = write!(problems, "; the client made {made} attempts, expected {}", cell.attempts);
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.trim_start_matches("; ").to_owned())
    }
}

/// The cells: every fault class × every operation.
fn cells() -> Vec<Cell> {
    let mut cells = Vec::new();
    let started_retries = |op: Op| if op.idempotent() { ATTEMPTS } else { 1 };

    for op in OPS {
        // Refused: nothing listens. Retried (nothing was sent).
        let mut c = Cell::new("refused", op, script(|_, _| vec![], op), Expect::Connect, ATTEMPTS);
        c.refused = true;
        cells.push(c);

        // Reset or closed before any byte of the response: retried, POST too.
        cells.push(
            Cell::new("reset before any byte", op, script(|_, _| vec![Step::Reset], op), Expect::Connect, ATTEMPTS)
                .says("before any response"),
        );
        cells.push(
            Cell::new("closed before any byte", op, script(|_, _| vec![Step::Close], op), Expect::Connect, ATTEMPTS)
                .says("before any response"),
        );

        // A head cut after some bytes (closed, or reset): the response had started. A POST is
        // not sent again.
        let cut = |_: Op, _| vec![Step::Write(b"HTTP/1.1 200 OK\r\nContent-Le".to_vec()), Step::Close];
        cells.push(
            Cell::new("head cut (closed)", op, script(cut, op), Expect::Connect, started_retries(op))
                .says("bytes of the response"),
        );
        let cut_reset = |_: Op, _| {
            vec![
                Step::Write(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n".to_vec()),
                Step::Trickle(vec![b'x'], Duration::from_millis(30)),
                Step::Reset,
            ]
        };
        cells.push(
            Cell::new("head cut (reset)", op, script(cut_reset, op), Expect::Connect, started_retries(op))
                .says("bytes of the response"),
        );

        // A head cut after more than the 16 KiB the connection counts exactly (reads past them
        // go uncounted, straight into hyper's buffer): still "started", a POST still not resent.
        let long_cut = |_: Op, _| {
            let mut head = b"HTTP/1.1 200 OK\r\nx-pad: ".to_vec();
            head.resize(head.len() + 40_000, b'a');
            vec![Step::Write(head), Step::Close]
        };
        cells.push(
            Cell::new("long head cut (closed)", op, script(long_cut, op), Expect::Connect, started_retries(op))
                .says("after the response started"),
        );

        // Malformed heads: the cause is named, nothing is retried.
        let many_headers = |op: Op, _| {
            let mut extra = String::new();
            for i in 0..10_000 {
                let _ = write!(extra, "x-h{i}: v\r\n");
            }
            vec![Step::Write(op.head("200 OK", 0, &extra)), Step::Close]
        };
        cells.push(Cell::new("10,000 headers", op, script(many_headers, op), Expect::Protocol, 1).says("too large"));
        let huge_line = |op: Op, _| {
            let extra = format!("x-big: {}\r\n", "a".repeat(1 << 20));
            vec![Step::Write(op.head("200 OK", 0, &extra)), Step::Close]
        };
        cells.push(Cell::new("a 1 MB header line", op, script(huge_line, op), Expect::Protocol, 1).says("too large"));
        let conflicting = |op: Op, _| {
            let body = op.body();
            let mut out = op.head("200 OK", body.len(), &format!("content-length: {}\r\n", body.len() + 1));
            out.extend_from_slice(&body);
            vec![Step::Write(out), Step::Close]
        };
        cells.push(
            Cell::new("conflicting Content-Length", op, script(conflicting, op), Expect::Protocol, 1)
                .says("content-length"),
        );
        let negative = |op: Op, _| {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-type: {}\r\ncontent-length: -1\r\n\r\n", op.content_type());
            vec![Step::Write(head.into_bytes()), Step::Close]
        };
        cells.push(
            Cell::new("negative Content-Length", op, script(negative, op), Expect::Protocol, 1).says("content-length"),
        );
        let garbage =
            |_: Op, _| vec![Step::Write(b"SSH-2.0-OpenSSH_9.6\r\n\x00\x01\x02garbage\r\n\r\n".to_vec()), Step::Close];
        cells.push(
            Cell::new("garbage instead of HTTP", op, script(garbage, op), Expect::Protocol, 1).says("not valid http"),
        );

        // No answer at all: a timeout. A POST is not sent again (the server may be working on
        // it), unless the call allows it.
        let silent = |_: Op, _| vec![Step::Hold];
        cells.push(Cell::new("no answer", op, script(silent, op), Expect::Timeout, started_retries(op)));
        if !op.idempotent() {
            let mut c =
                Cell::new("no answer, retry_unanswered_post", op, script(silent, op), Expect::Timeout, ATTEMPTS);
            c.options = Some(RequestOptions::new().retry_unanswered_post(true));
            cells.push(c);
        }

        // The body stalls after a 200 head: a timeout, never a hang. A stream's idle timeout.
        let stalled = |op: Op, _| {
            let body = op.body();
            let mut out = op.head("200 OK", body.len() + 100, "");
            out.extend_from_slice(&body[..body.len() / 2]);
            vec![Step::Write(out), Step::Hold]
        };
        // (A download's body is read after the call returned: it is not retried.)
        let body_retries = if op == Op::Download { 1 } else { started_retries(op) };
        cells.push(Cell::new("body stalls after the head", op, script(stalled, op), Expect::Timeout, body_retries));

        // The body trickles, one byte every 100 ms for longer than the timeout: the per-attempt
        // timeout covers the body (a stream has no total timeout: it gets there).
        let trickle = |op: Op, _| {
            let body = op.body();
            let (first, rest) = body.split_at(body.len().saturating_sub(12));
            let mut out = op.head("200 OK", body.len(), "");
            out.extend_from_slice(first);
            vec![Step::Write(out), Step::Trickle(rest.to_vec(), Duration::from_millis(100))]
        };
        let expect = if op == Op::Stream { Expect::Ok } else { Expect::Timeout };
        let attempts = if op == Op::Stream { 1 } else { body_retries };
        cells.push(Cell::new("body trickles", op, script(trickle, op), expect, attempts));
        if op == Op::Download {
            let mut c = Cell::new("body trickles, idle timeout", op, script(trickle, op), Expect::Ok, 1);
            c.download_idle = Some(Duration::from_millis(300));
            cells.push(c);
            let mut c = Cell::new("body stalls, idle timeout", op, script(stalled, op), Expect::Timeout, 1);
            c.download_idle = Some(Duration::from_millis(300));
            cells.push(c);
        }

        // A complete 503 and 429: retried, POST too (the server said it did not do it).
        let unavailable = |_: Op, _| {
            vec![Step::Write(error_response("503 Service Unavailable", &common::api_error_body(503, "down")))]
        };
        cells.push(Cell::new("complete 503", op, script(unavailable, op), Expect::Api(503), ATTEMPTS));
        let limited = |_: Op, _| {
            let body = common::api_error_body(429, "slow down");
            let resp = format!(
                "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\nretry-after: 0\r\ncontent-length: {}\r\n\r\n{body}",
                body.len()
            );
            vec![Step::Write(resp.into_bytes())]
        };
        cells.push(Cell::new("complete 429", op, script(limited, op), Expect::Api(429), ATTEMPTS));
        // A 503 whose body is cut: not a complete answer, not retried.
        let cut_503 = |_: Op, _| {
            vec![
                Step::Write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 100\r\n\r\n{\"error\":".to_vec()),
                Step::Close,
            ]
        };
        cells.push(Cell::new("503 with its body cut", op, script(cut_503, op), Expect::Body, 1));
        // A 503 whose body stalls: a POST is not retried.
        let stalled_503 = |_: Op, _| {
            vec![
                Step::Write(b"HTTP/1.1 503 Service Unavailable\r\ncontent-length: 100\r\n\r\n{\"error\":".to_vec()),
                Step::Hold,
            ]
        };
        cells.push(Cell::new(
            "503 with its body stalled",
            op,
            script(stalled_503, op),
            Expect::Timeout,
            started_retries(op),
        ));

        // A 200 body cut short: an error, never a silent short result.
        let truncated = |op: Op, _| {
            let body = op.body();
            let mut out = op.head("200 OK", body.len() + 50, "");
            out.extend_from_slice(&body[..body.len() - 3]);
            vec![Step::Write(out), Step::Close]
        };
        cells.push(Cell::new("200 body truncated", op, script(truncated, op), Expect::Body, 1));

        // Content-Encoding the SDK never asked for: an error naming it (a download hands back
        // the bytes with the header).
        let gzip = |op: Op, _| {
            let body = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03garbage".to_vec();
            let mut out = op.head("200 OK", body.len(), "content-encoding: gzip\r\n");
            out.extend_from_slice(&body);
            vec![Step::Write(out)]
        };
        let expect = if op == Op::Download { Expect::OkBytes } else { Expect::Decode };
        let mut c = Cell::new("Content-Encoding: gzip", op, script(gzip, op), expect, 1);
        if op != Op::Download {
            c = c.says("gzip");
        }
        cells.push(c);
        let br_stream = |op: Op, _| {
            let body = op.body();
            let mut out = op.head("200 OK", body.len(), "content-encoding: br\r\n");
            out.extend_from_slice(&body);
            vec![Step::Write(out)]
        };
        if op != Op::Download {
            cells.push(Cell::new("Content-Encoding: br", op, script(br_stream, op), Expect::Decode, 1).says("`br`"));
        }

        // A 401 whose message echoes the credentials: shown redacted, body() untouched.
        let echo = |_: Op, _| {
            let body =
                serde_json::json!({"error": {"code": 401, "message": format!("Invalid credentials: Bearer {KEY}"),
                "metadata": {"raw": format!("key {OTHER_KEY} and {KEY} rejected"), "nested": [{"k": KEY}]}}})
                .to_string();
            vec![Step::Write(error_response("401 Unauthorized", &body))]
        };
        let mut c = Cell::new("401 echoing the key", op, script(echo, op), Expect::Api(401), 1);
        c.check = Some(|e| {
            let shown = format!("{e} {e:?} {e:#?} {:?}", e.api_error());
            for secret in [KEY, &OTHER_KEY[6..]] {
                if shown.contains(secret) {
                    return Err(format!("the key is shown: {shown}"));
                }
            }
            if !e.to_string().contains("Invalid credentials") {
                return Err(format!("the message is lost: {e}"));
            }
            let body = e.body_text().unwrap_or_default();
            if !(body.contains(KEY) && body.contains(OTHER_KEY)) {
                return Err(format!("body() is not the bytes as received: {body}"));
            }
            Ok(())
        });
        cells.push(c);

        // On a reused keep-alive connection: a reset before any byte is retried (POST too), a
        // head cut after some bytes is not (for a POST).
        let reused_reset = |op: Op, n| match n {
            0 | 2 => vec![Step::Write(op.ok())],
            _ => vec![Step::Reset],
        };
        let mut c = Cell::new("reused connection reset before any byte", op, script(reused_reset, op), Expect::Ok, 3);
        c.calls = 2;
        cells.push(c);
        let reused_cut = |op: Op, n| match n {
            1 => vec![Step::Write(b"HTTP/1.1 200 OK\r\ncontent-type: appl".to_vec()), Step::Close],
            _ => vec![Step::Write(op.ok())],
        };
        let (expect, total) = if op.idempotent() { (Expect::Ok, 3) } else { (Expect::Connect, 2) };
        let mut c = Cell::new("reused connection head cut", op, script(reused_cut, op), expect, total);
        c.calls = 2;
        cells.push(c);

        // The classes that held before this matrix was written, kept so that they go on holding.
        // A body larger than the limit (32 MiB by default), declared up front: refused unread (a
        // stream reads as it goes, and ends at its `[DONE]`).
        let oversized = |op: Op, _| {
            let mut out = op.head("200 OK", 64 << 20, "");
            out.extend_from_slice(&op.body());
            vec![Step::Write(out), Step::Close]
        };
        let expect = if op == Op::Stream { Expect::Ok } else { Expect::TooLarge };
        cells.push(Cell::new("oversized body", op, script(oversized, op), expect, 1));
        // Bad JSON in a 200 (a stream: in an event): a decode error; a download is just bytes.
        let bad_json = |op: Op, _| {
            let body: &[u8] = if op == Op::Stream { b"data: {oops\n\n" } else { b"{oops" };
            let mut out = op.head("200 OK", body.len(), "");
            out.extend_from_slice(body);
            vec![Step::Write(out)]
        };
        let expect = if op == Op::Download { Expect::OkBytes } else { Expect::Decode };
        cells.push(Cell::new("bad JSON", op, script(bad_json, op), expect, 1));
        // `100 Continue` before the answer: ignored.
        let continued = |op: Op, _| {
            let mut out = b"HTTP/1.1 100 Continue\r\n\r\n".to_vec();
            out.extend_from_slice(&op.ok());
            vec![Step::Write(out)]
        };
        cells.push(Cell::new("100 Continue first", op, script(continued, op), Expect::Ok, 1));
        // A redirect is not followed (the key would go with it): the 307 is the answer.
        let redirect = |_: Op, _| {
            vec![Step::Write(
                b"HTTP/1.1 307 Temporary Redirect\r\nlocation: http://127.0.0.1:9/elsewhere\r\ncontent-length: 0\r\n\r\n"
                    .to_vec(),
            )]
        };
        cells.push(Cell::new("redirect", op, script(redirect, op), Expect::Api(307), 1));

        // And the plain success, for reference.
        cells.push(Cell::new("success", op, script(|op, _| vec![Step::Write(op.ok())], op), Expect::Ok, 1));
    }
    cells
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_cell_holds() {
    let cells = cells();
    let total = cells.len();
    // A few at a time: the timing cells (100 ms trickles against a 400 ms timeout) stay clear
    // of a loaded machine's scheduling noise.
    let gate = Arc::new(tokio::sync::Semaphore::new(6));
    let mut tasks = Vec::new();
    for cell in cells {
        let name = cell.name.clone();
        let gate = gate.clone();
        let task = tokio::spawn(async move {
            let _permit = gate.acquire_owned().await.expect("semaphore");
            match tokio::time::timeout(Duration::from_secs(20), run_cell(cell)).await {
                Ok(r) => r,
                Err(_) => Err("did not finish within 20 s (a hang)".to_owned()),
            }
        });
        tasks.push((name, task));
    }
    let mut failures = Vec::new();
    for (name, task) in tasks {
        match task.await {
            Ok(Ok(())) => {}
            Ok(Err(why)) => failures.push(format!("{name}: {why}")),
            Err(panic) => failures.push(format!("{name}: panicked: {panic}")),
        }
    }
    println!("{} of {total} fault cells hold", total - failures.len());
    assert!(failures.is_empty(), "{} of {total} fault cells failed:\n{}", failures.len(), failures.join("\n"));
}
