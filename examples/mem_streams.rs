//! Memory of many open chat streams: peak RSS of a client holding 1,000 concurrent
//! `chat_send_stream` calls open.
//!
//! ```text
//! cargo run --release --example mem_streams [-- [--streams N] [--hold SECS] [--floor]]
//! ```
//!
//! The program re-runs itself as a child process (`--serve`) that is the loopback server, so the
//! figures are the client's alone. The server answers every `POST /api/v1/chat/completions` with
//! `text/event-stream`: one `chat.completion.chunk` event, then a `: OPENROUTER PROCESSING`
//! keep-alive comment every second, never ending (what OpenRouter sends while a model works).
//!
//! The client (a multi-thread tokio runtime, as `#[tokio::main]` builds) spawns one task per
//! stream: `chat_send_stream`, read the first event, then wait on `next_event()` (the keep-alives
//! arrive and are consumed by the decoder; no event comes) until told to stop. With all streams
//! open it waits `--hold` seconds (default 3), then prints VmHWM (peak RSS) and VmRSS from
//! /proc/self/status, before (runtime and core built, nothing sent) and after, and the growth per
//! stream. Target (issue 6): 1,000 streams in < 50 MB.
//!
//! `--floor` does the same with the floor's bare hyper-util client (benches/floor) holding the
//! raw response bodies (no SDK, no SSE decoding): what the connections alone cost.

#[path = "../benches/floor/src/lib.rs"]
mod floor;
#[path = "../benches/support/mod.rs"]
mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::BodyExt;
use openrouter::funcs::chat_send_stream;
use openrouter::models::{ChatRequest, SendChatCompletionRequest};
use openrouter::OpenRouterCore;
use support::{ChatMode, Routes};

const FIRST_EVENT: &str = "data: {\"id\":\"gen-1740000000-kZ4rT9xQ2mV8nB3wL6pY\",\"provider\":\"OpenAI\",\
\"model\":\"openai/gpt-4o\",\"object\":\"chat.completion.chunk\",\"created\":1740000000,\"choices\":[{\"index\":0,\
\"delta\":{\"role\":\"assistant\",\"content\":\"Hello\"},\"finish_reason\":null,\"native_finish_reason\":null}],\
\"system_fingerprint\":\"fp_f9f4fb6dbf\"}\n\n";

/// (VmHWM, VmRSS) in bytes (/proc's "kB" are KiB).
fn rss() -> (u64, u64) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let field = |name: &str| {
        status
            .lines()
            .find(|l| l.starts_with(name))
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(0)
            * 1024
    };
    (field("VmHWM:"), field("VmRSS:"))
}

fn serve() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let (tx, rx) = std::sync::mpsc::channel();
        let routes = Routes {
            generation: Bytes::from_static(b"{}"),
            chat: ChatMode::Hold { first: Bytes::from_static(FIRST_EVENT.as_bytes()), every: Duration::from_secs(1) },
        };
        let server = tokio::spawn(support::serve(routes, tx));
        let addr = tokio::task::spawn_blocking(move || rx.recv().unwrap()).await.unwrap();
        println!("{addr}");
        server.await.unwrap();
    });
}

fn main() {
    let mut streams = 1000usize;
    let mut hold = 3u64;
    let mut use_floor = false;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--serve" => return serve(),
            "--streams" => streams = args.next().and_then(|v| v.parse().ok()).expect("--streams N"),
            "--hold" => hold = args.next().and_then(|v| v.parse().ok()).expect("--hold SECS"),
            "--floor" => use_floor = true,
            other => panic!("unknown argument {other}"),
        }
    }

    let mut child = Command::new(std::env::current_exe().unwrap())
        .arg("--serve")
        .stdout(Stdio::piped())
        .spawn()
        .expect("start the server process");
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).expect("server address");
    let base = format!("http://{}/api/v1", line.trim());

    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    let core = OpenRouterCore::builder().api_key("sk-or-bench-key").base_url(&base).build().expect("core");
    let floor_client = rt.block_on(async { floor::client() });
    let before = rss();

    let stop = Arc::new(tokio::sync::Notify::new());
    let (opened_tx, mut opened_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    let t0 = Instant::now();
    let tasks: Vec<_> = (0..streams)
        .map(|_| {
            let (core, floor_client, base) = (core.clone(), floor_client.clone(), base.clone());
            let (stop, opened) = (stop.clone(), opened_tx.clone());
            rt.spawn(async move {
                let stopped = stop.notified();
                if use_floor {
                    let req = hyper::Request::post(format!("{base}/chat/completions"))
                        .header("authorization", "Bearer sk-or-bench-key")
                        .body(http_body_util::Empty::<Bytes>::new())
                        .unwrap();
                    let mut body = floor_client.request(req).await.expect("request").into_body();
                    body.frame().await.expect("first frame").expect("frame");
                    opened.send(()).unwrap();
                    tokio::select! {
                        _ = stopped => {}
                        _ = async { while let Some(f) = body.frame().await { f.expect("frame"); } } => panic!("stream ended"),
                    }
                } else {
                    let body: ChatRequest = serde_json::from_value(serde_json::json!({
                        "model": "openai/gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]
                    }))
                    .unwrap();
                    let mut stream =
                        chat_send_stream(&core, SendChatCompletionRequest::new(body)).await.expect("chat_send_stream");
                    stream.next_event().await.expect("first event").expect("typed first event");
                    opened.send(()).unwrap();
                    tokio::select! {
                        _ = stopped => {}
                        ev = stream.next_event() => panic!("unexpected event: {:?}", ev.map(|e| e.map(|_| ()))),
                    }
                }
            })
        })
        .collect();
    rt.block_on(async {
        for _ in 0..streams {
            opened_rx.recv().await.unwrap();
        }
    });
    let open_time = t0.elapsed();
    std::thread::sleep(Duration::from_secs(hold));
    let after = rss();
    stop.notify_waiters();
    rt.block_on(async {
        for t in tasks {
            t.await.unwrap();
        }
    });
    let _ = child.kill();
    let _ = child.wait();

    let what = if use_floor { "floor (bare hyper-util client, raw bodies)" } else { "sdk chat_send_stream" };
    println!("mem_streams: {streams} streams held open {hold} s, {what}; opened in {:.2} s", open_time.as_secs_f64());
    let mb = |b: u64| b as f64 / 1e6;
    println!("  before: peak RSS (VmHWM) {:>7.1} MB   RSS {:>7.1} MB", mb(before.0), mb(before.1));
    println!("  after:  peak RSS (VmHWM) {:>7.1} MB   RSS {:>7.1} MB", mb(after.0), mb(after.1));
    println!(
        "  growth: {:.1} MB peak, {:.1} kB per stream; peak RSS {:.1} MB for {streams} streams (target < 50 MB: {})",
        mb(after.0 - before.0),
        (after.0 - before.0) as f64 / 1e3 / streams as f64,
        mb(after.0),
        if after.0 < 50_000_000 { "met" } else { "MISSED" }
    );
}
