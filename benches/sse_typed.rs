//! SSE: framing, and framing + typed decode of every chunk into `ChatStreamChunk`, on the chat
//! stream fixture (`target/bench-fixtures/chat_stream.sse`: 10,000 `chat.completion.chunk`
//! events, 202 keep-alive comments, `[DONE]`; 2.87 MB), side by side with the
//! `eventsource-stream` crate + serde_json on the same bytes; and the same in memory for the
//! Responses stream fixture (`responses_stream.sse`: 5,000 events into `StreamEvents`, each
//! checked to be a known variant; 0.85 MB).
//!
//! `[BENCH_ROUNDS=N] cargo bench --bench sse_typed [-- criterion options]` (harness = false;
//! prints figures; a criterion filter matching nothing, e.g. `-- summary`, runs the summary alone;
//! `BENCH_PROFILE=<case number>` (0 to 9, in the order of `CASES`), after the one pass of every
//! case that checks the event counts, runs that case alone `BENCH_ROUNDS` times, to profile it).
//! MB = 10^6 bytes; events/s counts the 10,000 data events.
//!
//! In memory, the fixture cut into 16 KiB chunks:
//! - `sdk decoder`: the SDK's own decoder, `src/sse.rs` compiled into this bench by `#[path]`
//!   (it is crate-private), fed chunk by chunk; "typed" adds what `EventStream::decode_event`
//!   does per event: `serde_json::from_str` on the already UTF-8-checked data, then the
//!   in-stream error check (a chat chunk's fields say whether it may report an error; a
//!   Responses event's text is searched for `error` with one `memmem::Finder` built per stream,
//!   and the events whose text holds it are probed).
//! - `eventsource-stream`: `chunks.eventsource()` polled to the end (it is async: polled inside
//!   one `block_on`); "typed" adds `serde_json::from_str::<ChatStreamChunk>` per event (the SDK's
//!   own type, so only the framing differs), "Value" decodes into `serde_json::Value` instead.
//!
//! Over loopback HTTP/1.1 (server on its own thread writing 16 KiB chunked frames):
//! - `loopback sdk`: the public API end to end, `funcs::chat_send_stream` + `next_event()`
//!   (request, response head, chunked body, `EventStream` framing, typed decode);
//! - `loopback hyper+eventsource-stream`: the floor's hyper-util client, the body as
//!   `BodyDataStream`, `eventsource-stream` + `serde_json::from_str::<ChatStreamChunk>`.

#[path = "floor/src/lib.rs"]
mod floor;
#[allow(dead_code)]
#[path = "../src/sse.rs"]
mod sse;
#[path = "support/mod.rs"]
mod support;

use std::convert::Infallible;
use std::hint::black_box;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use criterion::{Criterion, Throughput};
use eventsource_stream::Eventsource;
use futures_core::Stream;
use openrouter::funcs::chat_send_stream;
use openrouter::models::{ChatFinishReasonEnum, ChatRequest, ChatStreamChunk, SendChatCompletionRequest, StreamEvents};
use openrouter::OpenRouterCore;
use serde::de::DeserializeOwned;
use support::{ChatMode, Routes, Server};

const CHUNK: usize = 16 * 1024;
const KEY: &str = "sk-or-bench-key";

// ---------------------------------------------------------------------------------------------
// In memory: the SDK's decoder.
// ---------------------------------------------------------------------------------------------

/// Feeds every chunk and pulls every event; returns (data events, data bytes).
fn sdk_framing(chunks: &[Bytes]) -> (u64, u64) {
    let mut dec = sse::SseDecoder::new();
    let (mut events, mut bytes) = (0, 0);
    for chunk in chunks {
        dec.feed(chunk);
        while let Some(ev) = dec.next_event() {
            let ev = ev.expect("valid stream");
            if ev.is_done() {
                continue;
            }
            events += 1;
            bytes += black_box(ev.data).len() as u64;
        }
    }
    (events, bytes)
}

/// As `EventStream::poll_event` + `decode_event` do for each event (`src/stream.rs`), decoding
/// into `T`; `weight` reads something of each event so that the decode is not optimised away.
/// `fields_tell` is the chat chunk's error hint (its fields say whether it reports an error);
/// without it, as for the other event types, an event whose text holds `error` is probed.
fn sdk_typed<T: DeserializeOwned>(
    chunks: &[Bytes],
    weight: fn(&T) -> u64,
    fields_tell: Option<fn(&T) -> bool>,
) -> (u64, u64) {
    let finder = memchr::memmem::Finder::new(b"error"); // one per stream, as EventStream keeps it
    let mut dec = sse::SseDecoder::new();
    let (mut events, mut bytes) = (0, 0);
    for chunk in chunks {
        dec.feed(chunk);
        while let Some(ev) = dec.next_event() {
            let ev = ev.expect("valid stream");
            if ev.is_done() {
                continue;
            }
            // The data is already checked UTF-8: `from_str`, as decode_event.
            let event: T = serde_json::from_str(ev.data).expect("typed event");
            let probe = match fields_tell {
                Some(reports_error) => reports_error(&event),
                None => finder.find(ev.data.as_bytes()).is_some(),
            };
            if probe {
                // Events that may report an error (for Responses events, those whose text says
                // "error": deltas, `"error": null`): `stream_error` probes those.
                assert_not_an_error(ev.data.as_bytes());
            }
            bytes += weight(black_box(&event));
            events += 1;
        }
    }
    (events, bytes)
}

/// What `stream_error` decides, on its probe: the event reports no error.
fn assert_not_an_error(data: &[u8]) {
    let probe: Probe<'_> = serde_json::from_slice(data).expect("probe");
    assert!(probe.error.is_none() && probe.code.is_none() && probe.message.is_none());
    assert!(!matches!(probe.kind.as_deref(), Some("error" | "response.failed")));
    assert!(probe.response.is_none_or(|r| r.error.is_none()));
    assert!(probe.choices.iter().all(|c| c.finish_reason.as_deref() != Some("error")));
}

fn chunk_weight(chunk: &ChatStreamChunk) -> u64 {
    chunk.choices.len() as u64
}

/// `ErrorHint` for a chat chunk (`src/stream.rs`): whether its fields say it may report an error.
fn chunk_reports_error(chunk: &ChatStreamChunk) -> bool {
    chunk.error.is_some()
        || chunk.choices.iter().any(|c| c.finish_reason == Some(ChatFinishReasonEnum::Error))
        || chunk.extra.contains_key("type")
}

fn event_weight(event: &StreamEvents) -> u64 {
    assert!(!matches!(event, StreamEvents::Unknown(_)), "an event of the fixture decodes as Unknown: {event:?}");
    1
}

// A copy of `src/stream.rs`'s in-stream error probe (crate-private), run on events whose data
// contains "error", as `EventStream` does.
#[derive(serde::Deserialize)]
struct Probe<'a> {
    #[serde(default)]
    error: Option<LooseError>,
    #[serde(default, rename = "type", borrow)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    response: Option<ProbeResponse>,
    #[serde(default, borrow)]
    choices: Vec<ProbeChoice<'a>>,
}

#[derive(serde::Deserialize)]
struct ProbeResponse {
    #[serde(default)]
    error: Option<LooseError>,
}

#[derive(serde::Deserialize)]
struct ProbeChoice<'a> {
    #[serde(default, borrow)]
    finish_reason: Option<std::borrow::Cow<'a, str>>,
}

#[allow(dead_code)]
#[derive(serde::Deserialize)]
struct LooseError {
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

// ---------------------------------------------------------------------------------------------
// In memory: eventsource-stream.
// ---------------------------------------------------------------------------------------------

struct Chunks {
    chunks: Vec<Bytes>,
    next: usize,
}

impl Stream for Chunks {
    type Item = Result<Bytes, Infallible>;
    fn poll_next(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let i = self.next;
        self.next += 1;
        Poll::Ready(self.chunks.get(i).cloned().map(Ok))
    }
}

async fn next<S: Stream + ?Sized>(mut s: Pin<&mut S>) -> Option<S::Item> {
    std::future::poll_fn(|cx| s.as_mut().poll_next(cx)).await
}

#[derive(Clone, Copy)]
enum Decode<T> {
    Framing,
    Typed(fn(&T) -> u64),
    Value,
}

/// Drains an eventsource-stream over `body`, decoding each data event per `decode`.
async fn esrc_drain<S, E, T: DeserializeOwned>(body: S, decode: Decode<T>) -> (u64, u64)
where
    S: Stream<Item = Result<Bytes, E>>,
    E: std::fmt::Debug,
{
    let mut es = std::pin::pin!(body.eventsource());
    let (mut events, mut bytes) = (0, 0);
    while let Some(ev) = next(es.as_mut()).await {
        let ev = ev.expect("valid stream");
        if ev.data == "[DONE]" {
            continue;
        }
        events += 1;
        bytes += match decode {
            Decode::Framing => black_box(&ev.data).len() as u64,
            Decode::Typed(weight) => weight(black_box(&serde_json::from_str::<T>(&ev.data).expect("typed"))),
            Decode::Value => {
                black_box(serde_json::from_str::<serde_json::Value>(&ev.data).expect("json")).is_object() as u64
            }
        };
    }
    (events, bytes)
}

// ---------------------------------------------------------------------------------------------
// Loopback.
// ---------------------------------------------------------------------------------------------

fn chat_request() -> SendChatCompletionRequest {
    let body: ChatRequest = serde_json::from_value(serde_json::json!({
        "model": "openai/gpt-4o", "stream": true, "messages": [{"role": "user", "content": "hi"}]
    }))
    .expect("ChatRequest");
    SendChatCompletionRequest::new(body)
}

async fn loopback_sdk(core: &OpenRouterCore) -> (u64, u64) {
    let mut stream = chat_send_stream(core, chat_request()).await.expect("chat_send_stream");
    let (mut events, mut n) = (0, 0);
    while let Some(ev) = stream.next_event().await {
        n += chunk_weight(black_box(&ev.expect("typed event")));
        events += 1;
    }
    (events, n)
}

async fn loopback_esrc(client: &floor::Client, url: &str) -> (u64, u64) {
    let req = hyper::Request::post(url)
        .header("authorization", format!("Bearer {KEY}"))
        .header("accept", "text/event-stream")
        .body(http_body_util::Empty::new())
        .unwrap();
    let res = client.request(req).await.expect("request");
    assert!(res.status().is_success());
    esrc_drain(http_body_util::BodyDataStream::new(res.into_body()), Decode::Typed(chunk_weight)).await
}

// ---------------------------------------------------------------------------------------------

struct Bench {
    rt: tokio::runtime::Runtime,
    chunks: Vec<Bytes>,
    responses: Vec<Bytes>,
    core: OpenRouterCore,
    floor: floor::Client,
    url: String,
}

const CASES: [&str; 10] = [
    "sdk decoder: framing",
    "sdk decoder: typed ChatStreamChunk",
    "eventsource-stream: framing",
    "eventsource-stream: typed ChatStreamChunk",
    "eventsource-stream: serde_json::Value",
    "loopback sdk: chat_send_stream (typed)",
    "loopback hyper + eventsource-stream (typed)",
    "responses, sdk decoder: typed StreamEvents",
    "responses, eventsource-stream: typed StreamEvents",
    "responses, eventsource-stream: serde_json::Value",
];

/// The cases on the Responses stream fixture.
const RESPONSES: std::ops::Range<usize> = 7..10;

impl Bench {
    fn run(&self, case: usize) -> (u64, u64) {
        let chunks = &self.chunks;
        let mem = || Chunks { chunks: chunks.clone(), next: 0 };
        let responses = || Chunks { chunks: self.responses.clone(), next: 0 };
        match case {
            0 => sdk_framing(chunks),
            1 => sdk_typed(chunks, chunk_weight, Some(chunk_reports_error)),
            2 => self.rt.block_on(esrc_drain(mem(), Decode::<ChatStreamChunk>::Framing)),
            3 => self.rt.block_on(esrc_drain(mem(), Decode::Typed(chunk_weight))),
            4 => self.rt.block_on(esrc_drain(mem(), Decode::<ChatStreamChunk>::Value)),
            5 => self.rt.block_on(loopback_sdk(&self.core)),
            6 => self.rt.block_on(loopback_esrc(&self.floor, &self.url)),
            7 => sdk_typed(&self.responses, event_weight, None),
            8 => self.rt.block_on(esrc_drain(responses(), Decode::Typed(event_weight))),
            9 => self.rt.block_on(esrc_drain(responses(), Decode::<StreamEvents>::Value)),
            _ => unreachable!(),
        }
    }
}

fn main() {
    let rounds: usize = support::env_num("BENCH_ROUNDS", 15);
    let input = support::fixture("chat_stream.sse");
    let chunks: Vec<Bytes> = input.chunks(CHUNK).map(|c| input.slice_ref(c)).collect();
    let responses_input = support::fixture("responses_stream.sse");
    let responses: Vec<Bytes> = responses_input.chunks(CHUNK).map(|c| responses_input.slice_ref(c)).collect();
    let server = Server::start(Routes {
        generation: Bytes::from_static(b"{}"),
        chat: ChatMode::Replay { body: input.clone(), chunk: CHUNK },
    });
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let core = OpenRouterCore::builder().api_key(KEY).base_url(&server.base_url()).build().expect("core");
    let floor = rt.block_on(async { floor::client() });
    let url = format!("{}/chat/completions", server.base_url());
    let bench = Bench { rt, chunks, responses, core, floor, url };
    let (mut expected, mut expected_responses) = (None, None);
    for (case, name) in CASES.iter().enumerate() {
        let (events, _) = bench.run(case);
        let expected = if RESPONSES.contains(&case) { &mut expected_responses } else { &mut expected };
        assert_eq!(*expected.get_or_insert(events), events, "{name}: event count");
    }

    let events = expected.unwrap();
    let responses_events = expected_responses.unwrap();
    let mb = input.len() as f64 / 1e6;
    let responses_mb = responses_input.len() as f64 / 1e6;
    println!(
        "sse: chat_stream.sse {} bytes ({mb:.2} MB), {events} data events, {} chunks of {CHUNK} B",
        input.len(),
        bench.chunks.len()
    );
    println!(
        "sse: responses_stream.sse {} bytes ({responses_mb:.2} MB), {responses_events} data events, {} chunks",
        responses_input.len(),
        bench.responses.len()
    );

    // `BENCH_PROFILE=<case number>`: that case alone, `BENCH_ROUNDS` times, for a profiler.
    if let Ok(case) = std::env::var("BENCH_PROFILE") {
        let Some(case) = case.parse::<usize>().ok().filter(|c| *c < CASES.len()) else {
            eprintln!("BENCH_PROFILE={case}: not a case number (0 to {})", CASES.len() - 1);
            std::process::exit(2);
        };
        for _ in 0..rounds {
            black_box(bench.run(case));
        }
        println!("sse: ran {} {rounds} times", CASES[case]);
        return;
    }

    let mut crit = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    {
        let mut g = crit.benchmark_group("sse");
        g.throughput(Throughput::BytesDecimal(input.len() as u64));
        for (case, name) in CASES.iter().enumerate().filter(|(case, _)| !RESPONSES.contains(case)) {
            g.bench_function(*name, |b| b.iter(|| bench.run(case)));
        }
        g.finish();
        let mut g = crit.benchmark_group("sse responses");
        g.throughput(Throughput::BytesDecimal(responses_input.len() as u64));
        for case in RESPONSES {
            g.bench_function(CASES[case], |b| b.iter(|| bench.run(case)));
        }
        g.finish();
    }
    crit.final_summary();

    for _ in 0..rounds {
        for (case, name) in CASES.iter().enumerate() {
            let t = Instant::now();
            black_box(bench.run(case));
            support::record(name, t.elapsed(), 1);
        }
    }
    println!("\nsse summary: best of {rounds} rounds; MB = 10^6 bytes");
    println!("  {:<50} {:>9} {:>12} {:>10}", "case", "MB/s", "k events/s", "ns/event");
    for (case, name) in CASES.iter().enumerate() {
        let s = support::best(name).unwrap();
        let (mb, events) = if RESPONSES.contains(&case) { (responses_mb, responses_events) } else { (mb, events) };
        println!("  {name:<50} {:>9.0} {:>12.0} {:>10.0}", mb / s, events as f64 / s / 1e3, s * 1e9 / events as f64);
    }
    let b = |i: usize| support::best(CASES[i]).unwrap();
    println!(
        "  sdk framing / eventsource-stream framing: {:.2}x;  sdk framing {:.2} GB/s (target >= 3 GB/s)",
        b(2) / b(0),
        mb / b(0) / 1e3
    );
    println!(
        "  sdk typed / eventsource-stream + serde_json typed: {:.2}x in memory (target >= 2x), {:.2}x over loopback;  \
         vs eventsource-stream + Value: {:.2}x",
        b(3) / b(1),
        b(6) / b(5),
        b(4) / b(1)
    );
    println!(
        "  responses: sdk typed / eventsource-stream + serde_json typed: {:.2}x (target >= 2x);  \
         vs eventsource-stream + Value: {:.2}x",
        b(8) / b(7),
        b(9) / b(7)
    );
}
