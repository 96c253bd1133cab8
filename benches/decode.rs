//! Typed decode throughput of the fixtures into the SDK's models, the way the SDK decodes a JSON
//! body (`HttpResponse::json`: one `std::str::from_utf8` of the whole body, then
//! `serde_json::from_str::<T>`; the generated types decode through their hand-written visitor,
//! unknown fields kept in `extra`), with `serde_json::Value` (the parse alone, no schema, same
//! UTF-8 check + `from_str`) alongside for reference.
//!
//! `[BENCH_ROUNDS=N] cargo bench --bench decode [-- criterion options]` (harness = false; prints
//! figures; a criterion filter matching nothing, e.g. `-- summary`, runs the summary alone).
//! MB = 10^6 bytes. Fixtures from `scripts/bench-fixtures.sh` (target/bench-fixtures/):
//!   models.json            -> ModelsListResponse   (GET /models, 420 models)
//!   chat_completion.json   -> ChatResult           (POST /chat/completions, non-streaming)
//!   responses_result.json  -> OpenResponsesResult  (POST /responses, non-streaming)
//!   generation.json        -> GenerationResponse   (GET /generation), and the floor's own
//!                             struct (benches/floor: `#[derive(Deserialize)]`, unknown fields
//!                             dropped, no `extra`) for contrast
//!
//! criterion measures each; then a summary of `BENCH_ROUNDS` rounds (default 15; each round decodes
//! each fixture for ~50 ms) prints the best MB/s of each, typed and Value, and typed/Value.

#[path = "floor/src/lib.rs"]
mod floor;
#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use openrouter::models::{ChatResult, GenerationResponse, ModelsListResponse, OpenResponsesResult};
use serde::de::DeserializeOwned;

#[derive(serde::Deserialize)]
struct FloorGenerationResponse {
    #[allow(dead_code)]
    data: floor::Generation,
}

struct Case {
    fixture: &'static str,
    ty: &'static str,
    bytes: bytes::Bytes,
    typed: fn(&[u8]),
}

/// What `HttpResponse::json` does with a 2xx body (less its in-band error check, a look at the
/// first non-blank bytes): one UTF-8 check of the whole body, then `from_str`.
fn typed<T: DeserializeOwned>(b: &[u8]) {
    let text = std::str::from_utf8(b).expect("fixture is UTF-8");
    black_box(serde_json::from_str::<T>(text).expect("fixture decodes"));
}

fn value(b: &[u8]) {
    let text = std::str::from_utf8(b).expect("fixture is UTF-8");
    black_box(serde_json::from_str::<serde_json::Value>(text).expect("fixture parses"));
}

/// Runs `f` on `bytes` for about `budget`; returns (elapsed, bytes decoded).
fn timed(f: fn(&[u8]), bytes: &[u8], budget: Duration) -> (Duration, u64) {
    let t0 = Instant::now();
    let mut n = 0u64;
    while t0.elapsed() < budget {
        for _ in 0..8 {
            f(bytes);
        }
        n += 8;
    }
    (t0.elapsed(), n * bytes.len() as u64)
}

fn main() {
    let rounds: usize = support::env_num("BENCH_ROUNDS", 15);
    let cases = [
        Case {
            fixture: "models.json",
            ty: "ModelsListResponse",
            bytes: support::fixture("models.json"),
            typed: typed::<ModelsListResponse>,
        },
        Case {
            fixture: "chat_completion.json",
            ty: "ChatResult",
            bytes: support::fixture("chat_completion.json"),
            typed: typed::<ChatResult>,
        },
        Case {
            fixture: "responses_result.json",
            ty: "OpenResponsesResult",
            bytes: support::fixture("responses_result.json"),
            typed: typed::<OpenResponsesResult>,
        },
        Case {
            fixture: "generation.json",
            ty: "GenerationResponse",
            bytes: support::fixture("generation.json"),
            typed: typed::<GenerationResponse>,
        },
        Case {
            fixture: "generation.json",
            ty: "floor::Generation (derive)",
            bytes: support::fixture("generation.json"),
            typed: typed::<FloorGenerationResponse>,
        },
    ];
    for c in &cases {
        (c.typed)(&c.bytes); // panics here if a fixture does not decode
    }

    let mut crit = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    {
        let mut g = crit.benchmark_group("decode");
        for c in &cases {
            g.throughput(Throughput::BytesDecimal(c.bytes.len() as u64));
            g.bench_function(format!("{}/typed {}", c.fixture, c.ty), |b| b.iter(|| (c.typed)(&c.bytes)));
            if !c.ty.starts_with("floor") {
                g.bench_function(format!("{}/Value", c.fixture), |b| b.iter(|| value(&c.bytes)));
            }
        }
        g.finish();
    }
    crit.final_summary();

    let budget = Duration::from_millis(50);
    for _ in 0..rounds {
        for c in &cases {
            let (t, n) = timed(c.typed, &c.bytes, budget);
            support::record(&format!("{}/{}", c.fixture, c.ty), t, n);
            let (t, n) = timed(value, &c.bytes, budget);
            support::record(&format!("{}/Value", c.fixture), t, n);
        }
    }
    println!("\ndecode summary: best of {rounds} rounds of ~50 ms each, MB = 10^6 bytes");
    println!("  fixture                 bytes  type                            typed MB/s  Value MB/s  typed/Value");
    for c in &cases {
        let t = 1e-6 / support::best(&format!("{}/{}", c.fixture, c.ty)).unwrap();
        let v = 1e-6 / support::best(&format!("{}/Value", c.fixture)).unwrap();
        println!("  {:<22} {:>6}  {:<30} {:>11.1} {:>11.1}  {:>10.2}", c.fixture, c.bytes.len(), c.ty, t, v, t / v);
    }
}
