//! Per-request client cost: `generations_get_generation` against the floor (`benches/floor`,
//! the same GET written directly on hyper-util + rustls + serde_json) in the same run, against
//! the same in-process loopback server.
//!
//! `[BENCH_ROUNDS=N BENCH_REQUESTS=N] cargo bench --bench client [-- criterion options]`
//! (harness = false; prints figures, is not a timed test; a criterion filter matching nothing,
//! e.g. `-- summary`, runs the summary alone).
//!
//! Set-up: the server (`benches/support`) runs on its own OS thread with its own current-thread
//! runtime and answers every `GET /api/v1/generation` with `target/bench-fixtures/generation.json`
//! (HTTP/1.1, keep-alive, content-length). The client runs on the bench's main thread in a
//! current-thread tokio runtime, so everything the client does (the SDK or the floor, hyper's
//! connection tasks, the timer) runs on that one thread, and that thread's CPU time
//! (`clock_gettime(CLOCK_THREAD_CPUTIME_ID)`, the accounting of `getrusage(RUSAGE_THREAD)`) is
//! the client's CPU cost. Both clients connect to `127.0.0.1` by IP (no resolver thread).
//!
//! Two parts:
//! 1. criterion: wall time of `sdk/sequential`, `floor/sequential` (one request at a time over a
//!    kept-alive connection) and `sdk/concurrent64`, `floor/concurrent64` (64 tasks, each issuing
//!    requests back to back, so 64 are in flight; one criterion iteration = 64 requests);
//! 2. a summary: `BENCH_ROUNDS` rounds (default 9) alternating SDK and floor, `BENCH_REQUESTS` requests
//!    per case per round (default 2000 sequential; 64 x 64 concurrent), best round of each:
//!    wall µs/request, requests/s, client-thread CPU µs/request, and the ratios SDK/floor.
//!    Alternating keeps the ratio fair when other processes load the machine.

#[path = "floor/src/lib.rs"]
mod floor;
#[path = "support/mod.rs"]
mod support;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use openrouter::funcs::generations_get_generation;
use openrouter::models::GetGenerationRequest;
use openrouter::OpenRouterCore;
use support::{record, thread_cpu, ChatMode, Routes, Server};

const ID: &str = "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG";
const KEY: &str = "sk-or-bench-key";
const CONCURRENCY: usize = 64;

#[derive(Clone, Copy, PartialEq)]
enum Who {
    Sdk,
    Floor,
}

struct Clients {
    rt: tokio::runtime::Runtime,
    core: OpenRouterCore,
    floor: floor::Client,
    base: String,
}

async fn sdk_once(core: &OpenRouterCore) {
    let g = generations_get_generation(core, GetGenerationRequest::new(ID)).await.expect("sdk get_generation");
    black_box(g);
}

async fn floor_once(client: &floor::Client, base: &str) {
    let g = floor::get_generation(client, base, KEY, ID).await.expect("floor get_generation");
    black_box(g);
}

impl Clients {
    /// `per_task` requests on each of `tasks` tasks (1 task: sequential on the runtime's thread).
    /// Returns (wall, client-thread CPU).
    fn run(&self, who: Who, tasks: usize, per_task: u64) -> (Duration, Duration) {
        let cpu0 = thread_cpu();
        let t0 = Instant::now();
        self.rt.block_on(async {
            if tasks == 1 {
                for _ in 0..per_task {
                    match who {
                        Who::Sdk => sdk_once(&self.core).await,
                        Who::Floor => floor_once(&self.floor, &self.base).await,
                    }
                }
                return;
            }
            let mut set = tokio::task::JoinSet::new();
            for _ in 0..tasks {
                match who {
                    Who::Sdk => {
                        let core = self.core.clone();
                        set.spawn(async move {
                            for _ in 0..per_task {
                                sdk_once(&core).await;
                            }
                        });
                    }
                    Who::Floor => {
                        let (client, base) = (self.floor.clone(), self.base.clone());
                        set.spawn(async move {
                            for _ in 0..per_task {
                                floor_once(&client, &base).await;
                            }
                        });
                    }
                }
            }
            while let Some(r) = set.join_next().await {
                r.expect("task");
            }
        });
        (t0.elapsed(), thread_cpu() - cpu0)
    }
}

fn main() {
    let rounds: usize = support::env_num("BENCH_ROUNDS", 9);
    let requests: u64 = support::env_num("BENCH_REQUESTS", 2000);

    let generation = support::fixture("generation.json");
    let server = Server::start(Routes {
        generation: generation.clone(),
        chat: ChatMode::Replay { body: bytes::Bytes::new(), chunk: 16 * 1024 },
    });
    let base = server.base_url();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    // The SDK as a user builds it: defaults (retry policy, timeout, body cap) plus key and base URL.
    let core = OpenRouterCore::builder().api_key(KEY).base_url(&base).build().expect("core");
    let floor = rt.block_on(async { floor::client() });
    let clients = Clients { rt, core, floor, base };
    // Warm-up: open the pooled connections (64 for the concurrent cases), fill caches.
    for who in [Who::Sdk, Who::Floor] {
        clients.run(who, 1, 200);
        clients.run(who, CONCURRENCY, 20);
    }
    println!(
        "client: GET /generation ({} B JSON) over loopback HTTP/1.1 keep-alive; server on its own thread; \
         {} cores, load {}",
        generation.len(),
        std::thread::available_parallelism().map_or(0, |n| n.get()),
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().split(' ').take(3).collect::<Vec<_>>().join(" ")
    );

    // 1. criterion (wall time).
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("client");
        g.throughput(Throughput::Elements(1));
        for (name, who) in [("sdk/sequential", Who::Sdk), ("floor/sequential", Who::Floor)] {
            g.bench_function(name, |b| b.iter_custom(|iters| clients.run(who, 1, iters).0));
        }
        g.throughput(Throughput::Elements(CONCURRENCY as u64));
        for (name, who) in [("sdk/concurrent64", Who::Sdk), ("floor/concurrent64", Who::Floor)] {
            g.bench_function(name, |b| b.iter_custom(|iters| clients.run(who, CONCURRENCY, iters).0));
        }
        g.finish();
    }
    c.final_summary();

    // 2. alternating rounds, best of each: wall and client-thread CPU per request.
    let per_task_conc = (requests / CONCURRENCY as u64).max(1);
    for _ in 0..rounds {
        for who in [Who::Sdk, Who::Floor] {
            let tag = if who == Who::Sdk { "sdk" } else { "floor" };
            let (wall, cpu) = clients.run(who, 1, requests);
            record(&format!("{tag}/seq/wall"), wall, requests);
            record(&format!("{tag}/seq/cpu"), cpu, requests);
            let n = per_task_conc * CONCURRENCY as u64;
            let (wall, cpu) = clients.run(who, CONCURRENCY, per_task_conc);
            record(&format!("{tag}/c64/wall"), wall, n);
            record(&format!("{tag}/c64/cpu"), cpu, n);
        }
    }
    let us = |k: &str| support::best(k).unwrap() * 1e6;
    println!(
        "\nclient summary: best of {rounds} alternating rounds ({requests} sequential requests, {} concurrent, per case per round)",
        per_task_conc * CONCURRENCY as u64
    );
    println!("  case                  wall µs/req     req/s   client CPU µs/req");
    for (label, key) in [("sequential", "seq"), ("64 concurrent", "c64")] {
        for tag in ["sdk", "floor"] {
            let wall = us(&format!("{tag}/{key}/wall"));
            let cpu = us(&format!("{tag}/{key}/cpu"));
            println!("  {tag:<5} {label:<15} {wall:>11.1} {:>9.0} {cpu:>19.1}", 1e6 / wall);
        }
        println!(
            "  ratio sdk/floor {label:<15} wall {:.3}x   client CPU {:.3}x (target <= 1.05x)",
            us(&format!("sdk/{key}/wall")) / us(&format!("floor/{key}/wall")),
            us(&format!("sdk/{key}/cpu")) / us(&format!("floor/{key}/cpu")),
        );
    }
}
