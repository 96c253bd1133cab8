//! SSE framing throughput on a realistic OpenRouter chat stream.
//!
//! `cargo bench --bench sse` (a plain program: `harness = false`, prints its
//! figures; not a timed test). The stream: 10,000 `chat.completion.chunk`
//! events with a small delta, a `: OPENROUTER PROCESSING` keep-alive every 50
//! events and a final `data: [DONE]` (~2.9 MB), fed in 16 KiB chunks.
//! "framing" = feed + pull every event as `&str` (line splitting, field
//! parsing, UTF-8 validation); the baseline is a bare memchr line counter
//! over the same chunks, run alongside so the ratio survives a noisy machine.
//!
//! Options: `--runs N` (default 300), `--chunk BYTES` (default 16384).

#[allow(dead_code)]
#[path = "../src/sse.rs"]
mod sse;

use std::hint::black_box;
use std::time::{Duration, Instant};

const EVENTS: usize = 10_000;

/// A chat stream shaped like OpenRouter's (same field order and sizes).
fn chat_stream() -> Vec<u8> {
    const WORDS: [&str; 12] =
        [" the", " model", " answers", " with", " small", " deltas", ",", " token", " by", " token", ".", "\\n\\n"];
    let mut s = String::with_capacity(3 << 20);
    s.push_str(": OPENROUTER PROCESSING\n\n");
    let mut x: u64 = 0x2545_F491_4F6C_DD1D;
    for i in 0..EVENTS {
        if i % 50 == 49 {
            s.push_str(": OPENROUTER PROCESSING\n\n");
        }
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let word = WORDS[(x % WORDS.len() as u64) as usize];
        let role = if i == 0 { "\"role\":\"assistant\"," } else { "" };
        s.push_str(&format!(
            "data: {{\"id\":\"gen-1740000000-kZ4rT9xQ2mV8nB3wL6pY\",\"provider\":\"OpenAI\",\
             \"model\":\"openai/gpt-4o\",\"object\":\"chat.completion.chunk\",\
             \"created\":1740000000,\"choices\":[{{\"index\":0,\"delta\":{{{role}\"content\":\"{word}\"}},\
             \"finish_reason\":null,\"native_finish_reason\":null}}],\
             \"system_fingerprint\":\"fp_f9f4fb6dbf\"}}\n\n"
        ));
    }
    s.push_str("data: [DONE]\n\n");
    s.into_bytes()
}

fn frame(chunks: &[&[u8]]) -> (usize, usize) {
    let mut dec = sse::SseDecoder::new();
    let (mut events, mut bytes) = (0, 0);
    for chunk in chunks {
        dec.feed(chunk);
        while let Some(ev) = dec.next_event() {
            let ev = ev.expect("valid stream");
            events += 1;
            bytes += black_box(ev.data).len();
        }
    }
    // The fixture ends with a blank line: nothing is left for the end of the body.
    assert!(!dec.has_partial_event());
    (events, bytes)
}

/// Baseline 1: count the LFs (no buffering, no line assembly).
fn memchr_count(chunks: &[&[u8]]) -> (usize, usize) {
    let mut lines = 0;
    for chunk in chunks {
        lines += memchr::memchr_iter(b'\n', chunk).count();
    }
    (lines, 0)
}

/// Baseline 2: a plain buffered LF line splitter (what a minimal incremental
/// framer must at least do: append, cut lines, keep the unfinished tail).
fn memchr_lines(chunks: &[&[u8]]) -> (usize, usize) {
    let mut buf: Vec<u8> = Vec::new();
    let (mut lines, mut bytes) = (0, 0);
    for chunk in chunks {
        buf.extend_from_slice(chunk);
        let mut start = 0;
        while let Some(i) = memchr::memchr(b'\n', &buf[start..]) {
            let line = black_box(&buf[start..start + i]);
            lines += 1;
            bytes += line.len();
            start += i + 1;
        }
        buf.drain(..start);
    }
    (lines, bytes)
}

fn best_of(runs: usize, f: impl Fn() -> (usize, usize)) -> (Duration, Duration, (usize, usize)) {
    let out = f();
    let mut times: Vec<Duration> = (0..runs)
        .map(|_| {
            let t = Instant::now();
            black_box(f());
            t.elapsed()
        })
        .collect();
    times.sort();
    (times[0], times[runs / 2], out)
}

fn main() {
    let mut runs = 300;
    let mut chunk = 16 * 1024;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--runs" => runs = args.next().and_then(|v| v.parse().ok()).expect("--runs N"),
            "--chunk" => chunk = args.next().and_then(|v| v.parse().ok()).expect("--chunk BYTES"),
            _ => {} // `cargo bench` passes `--bench`
        }
    }
    let input = chat_stream();
    let chunks: Vec<&[u8]> = input.chunks(chunk).collect();
    let mb = input.len() as f64 / 1e6;
    println!(
        "sse: {} bytes ({mb:.2} MB), {} events, {} chunks of {chunk} B, best of {runs} runs (median in brackets)",
        input.len(),
        EVENTS + 1,
        chunks.len()
    );

    let (best, median, (events, _)) = best_of(runs, || frame(&chunks));
    assert_eq!(events, EVENTS + 1);
    let rate = |d: Duration| mb / d.as_secs_f64();
    println!(
        "  framing (SseDecoder)       {:>8.0} MB/s [{:>6.0}]  {:>6.2} M events/s  {:>7.1} ns/event",
        rate(best),
        rate(median),
        events as f64 / best.as_secs_f64() / 1e6,
        best.as_nanos() as f64 / events as f64
    );
    for (name, f) in [
        ("baseline: LF count       ", memchr_count as fn(&[&[u8]]) -> (usize, usize)),
        ("baseline: LF line split  ", memchr_lines),
    ] {
        let (lbest, lmedian, _) = best_of(runs, || f(&chunks));
        println!(
            "  {name} {:>8.0} MB/s [{:>6.0}]  SseDecoder at {:.2}x of it",
            rate(lbest),
            rate(lmedian),
            lbest.as_secs_f64() / best.as_secs_f64()
        );
    }
}
