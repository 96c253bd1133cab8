//! Load with faults: 1,000 concurrent chat streams and 1,000 concurrent JSON chat calls against a
//! loopback server that, in 10% of exchanges (at random), resets the connection before answering,
//! stalls before the head, stalls in the middle of the body, truncates the body, or answers a
//! complete 503. Not a timed test: it checks that every call ends (a success or a typed error)
//! within its timeouts, and that none is lost or duplicated, and prints the counts and the peak
//! RSS. It exits non-zero when a check fails.
//!
//! `[LOAD_CALLS=N LOAD_SEED=N] cargo bench --bench faults_load`
//!
//! Every call carries an `x-call` header; the server logs, per call, what it did with each request
//! it read. The checks, per call:
//! - the call ended within its bound: attempts × (timeout + longest backoff) + slack;
//! - the server saw it at least once (none lost);
//! - a request came again only after a reset before any byte or a complete 503, never after the
//!   response had started or after a silent stall (no duplicate of a POST the server may have
//!   acted on), and at most `ATTEMPTS` times;
//! - the client's outcome is what the server's last action calls for: success → every event or
//!   the whole result; a reset or 503 on the last attempt → that error; a stall → a timeout; a
//!   truncation → a body error.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use openrouter::funcs::{chat_send, chat_send_stream};
use openrouter::models::{ChatRequest, SendChatCompletionRequest};
use openrouter::{Error, OpenRouterCore, RequestOptions, RetryConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const TIMEOUT: Duration = Duration::from_secs(2);
const ATTEMPTS: u32 = 4;
const MAX_BACKOFF: Duration = Duration::from_millis(50);
const EVENTS: usize = 10;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Action {
    Ok,
    ResetBeforeByte,
    StallBeforeHead,
    StallInBody,
    Truncate,
    Unavailable,
}

impl Action {
    /// A request may come again after this (nothing was done, or the server said so).
    fn retryable(self) -> bool {
        matches!(self, Action::ResetBeforeByte | Action::Unavailable)
    }
}

type Log = Arc<Mutex<HashMap<u64, Vec<Action>>>>;

/// xorshift64*: the server's dice, seeded per run.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn action(&mut self) -> Action {
        match self.next() % 50 {
            0 => Action::ResetBeforeByte,
            1 => Action::StallBeforeHead,
            2 => Action::StallInBody,
            3 => Action::Truncate,
            4 => Action::Unavailable,
            _ => Action::Ok,
        }
    }
}

const CHAT_JSON: &str = r#"{"id":"gen-1","object":"chat.completion","created":1700000000,"model":"openai/gpt-4","choices":[{"index":0,"finish_reason":"stop","message":{"role":"assistant","content":"hello there"}}]}"#;

fn sse_body() -> String {
    let mut s = String::new();
    for i in 0..EVENTS {
        s.push_str(&format!(
            "data: {{\"id\":\"gen-1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"openai/gpt-4\",\"choices\":[{{\"index\":0,\"delta\":{{\"content\":\"w{i} \"}},\"finish_reason\":null}}]}}\n\n"
        ));
    }
    s.push_str("data: [DONE]\n\n");
    s
}

async fn serve(mut stream: TcpStream, log: Log, seed: Arc<AtomicU64>) {
    let mut buf = Vec::new();
    let sse = sse_body();
    loop {
        // One request: head, then its Content-Length body.
        let head_end = loop {
            if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_ascii_lowercase();
        let value = |name: &str| {
            head.lines().find_map(|l| l.strip_prefix(name)).map(|v| v.trim().to_owned()).unwrap_or_default()
        };
        let length: usize = value("content-length:").parse().unwrap_or(0);
        let call: u64 = value("x-call:").parse().unwrap_or(u64::MAX);
        while buf.len() < head_end + length {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let is_stream = memchr(&buf[head_end..head_end + length], b"\"stream\":true");
        buf.drain(..head_end + length);

        let action = {
            let mut dice = Dice(seed.fetch_add(0x9E37_79B9_7F4A_7C15, Ordering::Relaxed) | 1);
            dice.next();
            dice.action()
        };
        log.lock().unwrap().entry(call).or_default().push(action);
        let (ct, body) =
            if is_stream { ("text/event-stream", sse.as_bytes()) } else { ("application/json", CHAT_JSON.as_bytes()) };
        let head = format!("HTTP/1.1 200 OK\r\ncontent-type: {ct}\r\ncontent-length: {}\r\n\r\n", body.len());
        match action {
            Action::Ok => {
                if stream.write_all(head.as_bytes()).await.is_err() || stream.write_all(body).await.is_err() {
                    return;
                }
            }
            Action::ResetBeforeByte => {
                let _ = stream.set_zero_linger();
                return;
            }
            Action::StallBeforeHead | Action::StallInBody => {
                if action == Action::StallInBody {
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&body[..body.len() / 2]).await;
                }
                // Until the client gives up and closes.
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
            Action::Truncate => {
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body[..body.len() / 2]).await;
                return;
            }
            Action::Unavailable => {
                let e = r#"{"error":{"code":503,"message":"overloaded"}}"#;
                let r = format!(
                    "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{e}",
                    e.len()
                );
                if stream.write_all(r.as_bytes()).await.is_err() {
                    return;
                }
            }
        }
    }
}

fn memchr(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

/// What a call ended in, client side.
#[derive(Debug)]
enum Outcome {
    /// Success: the events (streams) or 1 (JSON).
    Ok(usize),
    Err(Error),
    /// The call did not end within its bound.
    Hung,
}

fn chat_request() -> SendChatCompletionRequest {
    let body: ChatRequest = serde_json::from_value(
        serde_json::json!({"model": "openai/gpt-4", "messages": [{"role": "user", "content": "hi"}]}),
    )
    .expect("a valid ChatRequest");
    SendChatCompletionRequest::new(body)
}

async fn call(core: OpenRouterCore, id: u64, stream: bool) -> (Outcome, Duration) {
    let core = core.with_options(RequestOptions::new().header("x-call", id.to_string()));
    let bound = (TIMEOUT + MAX_BACKOFF) * ATTEMPTS + TIMEOUT + Duration::from_secs(5);
    let started = Instant::now();
    let work = async {
        if stream {
            let mut s = chat_send_stream(&core, chat_request()).await?;
            let mut n = 0;
            while let Some(e) = s.next_event().await {
                e?;
                n += 1;
            }
            Ok::<usize, Error>(n)
        } else {
            chat_send(&core, chat_request()).await.map(|_| 1)
        }
    };
    let outcome = match tokio::time::timeout(bound, work).await {
        Ok(Ok(n)) => Outcome::Ok(n),
        Ok(Err(e)) => Outcome::Err(e),
        Err(_) => Outcome::Hung,
    };
    (outcome, started.elapsed())
}

/// Whether the client's outcome is what the server's last action calls for.
fn consistent(last: Action, tries: usize, stream: bool, outcome: &Outcome) -> bool {
    match (last, outcome) {
        (Action::Ok, Outcome::Ok(n)) => *n == if stream { EVENTS } else { 1 },
        (Action::ResetBeforeByte, Outcome::Err(e)) => e.is_connect() && tries == ATTEMPTS as usize,
        (Action::Unavailable, Outcome::Err(e)) => e.status() == Some(503) && tries == ATTEMPTS as usize,
        (Action::StallBeforeHead | Action::StallInBody, Outcome::Err(e)) => e.is_timeout(),
        (Action::Truncate, Outcome::Err(e)) => e.is_body(),
        _ => false,
    }
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

fn main() {
    // `cargo bench` passes `--bench`; nothing to filter.
    let per_kind: u64 = std::env::var("LOAD_CALLS").ok().and_then(|v| v.parse().ok()).unwrap_or(1000);
    let seed: u64 = std::env::var("LOAD_SEED").ok().and_then(|v| v.parse().ok()).unwrap_or(0x5EED_F00D);
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");
    let ok = runtime.block_on(async move {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().unwrap();
        let log: Log = Arc::default();
        let dice = Arc::new(AtomicU64::new(seed));
        let server_log = log.clone();
        tokio::spawn(async move {
            loop {
                let Ok((s, _)) = listener.accept().await else { continue };
                tokio::spawn(serve(s, server_log.clone(), dice.clone()));
            }
        });
        let core = OpenRouterCore::builder()
            .api_key("sk-or-v1-load")
            .base_url(&format!("http://{addr}/api/v1"))
            .timeout(TIMEOUT)
            .stream_idle_timeout(TIMEOUT)
            .retry(
                RetryConfig::backoff()
                    .initial_interval(Duration::from_millis(10))
                    .max_interval(MAX_BACKOFF)
                    .max_attempts(ATTEMPTS),
            )
            .build()
            .expect("core");

        let started = Instant::now();
        let mut tasks = Vec::new();
        for id in 0..2 * per_kind {
            let stream = id < per_kind;
            tasks.push(tokio::spawn(call(core.clone(), id, stream)));
        }
        let mut outcomes = Vec::new();
        for t in tasks {
            outcomes.push(t.await.expect("a call task panicked"));
        }
        let wall = started.elapsed();
        // Let the server log the last stalls' closes.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let log = log.lock().unwrap().clone();

        let mut counts: HashMap<String, usize> = HashMap::new();
        let (mut lost, mut duplicated, mut inconsistent, mut hung) = (0, 0, 0, 0);
        let mut requests = 0;
        let mut slowest = Duration::ZERO;
        for (id, (outcome, took)) in outcomes.iter().enumerate() {
            let stream = (id as u64) < per_kind;
            slowest = slowest.max(*took);
            let kind = if stream { "stream" } else { "json" };
            let label = match outcome {
                Outcome::Ok(_) => "ok".to_owned(),
                Outcome::Hung => "HUNG".to_owned(),
                Outcome::Err(e) if e.is_connect() => "connect error".to_owned(),
                Outcome::Err(e) if e.is_timeout() => "timeout".to_owned(),
                Outcome::Err(e) if e.is_body() => "body error".to_owned(),
                Outcome::Err(e) if e.is_api() => format!("API error {}", e.status().unwrap_or(0)),
                Outcome::Err(e) => format!("other error: {e}"),
            };
            *counts.entry(format!("{kind}: {label}")).or_default() += 1;
            if matches!(outcome, Outcome::Hung) {
                hung += 1;
            }
            let Some(actions) = log.get(&(id as u64)) else {
                lost += 1;
                eprintln!("call {id} ({kind}): the server never saw it; outcome {outcome:?}");
                continue;
            };
            requests += actions.len();
            let resent_wrongly = actions[..actions.len() - 1].iter().any(|a| !a.retryable());
            if resent_wrongly || actions.len() > ATTEMPTS as usize {
                duplicated += 1;
                eprintln!("call {id} ({kind}): sent again wrongly: {actions:?}");
            }
            let last = *actions.last().unwrap();
            if !consistent(last, actions.len(), stream, outcome) {
                inconsistent += 1;
                eprintln!("call {id} ({kind}): server did {actions:?}, client got {outcome:?}");
            }
        }
        let mut actions: HashMap<Action, usize> = HashMap::new();
        for a in log.values().flatten() {
            *actions.entry(*a).or_default() += 1;
        }
        let faults: usize = actions.iter().filter(|(a, _)| **a != Action::Ok).map(|(_, n)| n).sum();

        println!(
            "faults_load: {} streams + {} JSON calls, concurrent, in {:.2} s",
            per_kind,
            per_kind,
            wall.as_secs_f64()
        );
        println!(
            "server: {requests} requests read, {faults} faulted ({:.1}%): {:?}",
            100.0 * faults as f64 / requests.max(1) as f64,
            {
                let mut v: Vec<_> = actions.into_iter().collect();
                v.sort_by_key(|(a, _)| format!("{a:?}"));
                v
            }
        );
        let mut v: Vec<_> = counts.into_iter().collect();
        v.sort();
        for (label, n) in v {
            println!("client: {label}: {n}");
        }
        println!("slowest call: {:.2} s", slowest.as_secs_f64());
        println!("lost: {lost}, duplicated: {duplicated}, inconsistent: {inconsistent}, hung: {hung}");
        match peak_rss_kib() {
            Some(kib) => println!("peak RSS: {:.1} MiB", kib as f64 / 1024.0),
            None => println!("peak RSS: unknown (no /proc/self/status)"),
        }
        lost + duplicated + inconsistent + hung == 0
    });
    if !ok {
        eprintln!("faults_load: FAILED");
        std::process::exit(1);
    }
}
