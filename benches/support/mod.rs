//! Shared by the benches (`#[path = "support/mod.rs"] mod support;`) and by
//! `examples/mem_streams.rs`: the fixtures, an in-process loopback HTTP/1.1 server on its own
//! thread and runtime, per-thread CPU time, and best-of-N bookkeeping for the printed summaries.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;

// ---------------------------------------------------------------------------------------------
// Fixtures (scripts/bench-fixtures.sh writes them to target/bench-fixtures/).
// ---------------------------------------------------------------------------------------------

pub fn fixtures_dir() -> PathBuf {
    match std::env::var_os("BENCH_FIXTURES_DIR") {
        Some(d) => PathBuf::from(d),
        None => PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-fixtures"),
    }
}

/// The bytes of a fixture; exits with a clear message when the fixtures were not generated.
pub fn fixture(name: &str) -> Bytes {
    let path = fixtures_dir().join(name);
    match std::fs::read(&path) {
        Ok(b) => Bytes::from(b),
        Err(e) => {
            eprintln!("{}: {e}; run scripts/bench-fixtures.sh first (or set BENCH_FIXTURES_DIR)", path.display());
            std::process::exit(2);
        }
    }
}

/// A number from the environment (`BENCH_ROUNDS`, ...); criterion owns the command line.
pub fn env_num<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

// ---------------------------------------------------------------------------------------------
// CPU time of the calling thread.
// ---------------------------------------------------------------------------------------------

/// CPU time (user + system) consumed so far by the calling thread: `clock_gettime
/// (CLOCK_THREAD_CPUTIME_ID)`, the same per-thread scheduler accounting as `getrusage
/// (RUSAGE_THREAD)`, with nanosecond resolution.
pub fn thread_cpu() -> Duration {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: a valid pointer to a timespec; the clock id is a constant Linux supports.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    assert_eq!(rc, 0, "clock_gettime(CLOCK_THREAD_CPUTIME_ID)");
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

// ---------------------------------------------------------------------------------------------
// Best-of-N bookkeeping: each measured run reports (elapsed, units); the summary keeps the best.
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
pub struct Best {
    /// Seconds per unit (per request, per byte, ...), the smallest seen.
    pub best: f64,
    pub runs: usize,
}

static RESULTS: Mutex<BTreeMap<String, Best>> = Mutex::new(BTreeMap::new());

/// Records one run of `units` units (requests, bytes, events) that took `elapsed`.
pub fn record(name: &str, elapsed: Duration, units: u64) {
    if units == 0 {
        return;
    }
    let per = elapsed.as_secs_f64() / units as f64;
    let mut m = RESULTS.lock().unwrap();
    let e = m.entry(name.to_owned()).or_insert(Best { best: f64::INFINITY, runs: 0 });
    e.best = e.best.min(per);
    e.runs += 1;
}

/// The best seconds-per-unit recorded under `name`.
pub fn best(name: &str) -> Option<f64> {
    RESULTS.lock().unwrap().get(name).map(|b| b.best)
}

pub fn runs(name: &str) -> usize {
    RESULTS.lock().unwrap().get(name).map_or(0, |b| b.runs)
}

// ---------------------------------------------------------------------------------------------
// The loopback server.
// ---------------------------------------------------------------------------------------------

/// What `POST .../chat/completions` answers.
#[derive(Clone)]
pub enum ChatMode {
    /// The whole SSE fixture, written in frames of `chunk` bytes.
    Replay { body: Bytes, chunk: usize },
    /// One event, then a `: OPENROUTER PROCESSING` comment every `every`, never ending
    /// (the memory test: streams held open).
    Hold { first: Bytes, every: Duration },
}

/// Routes: `GET .../generation` answers `generation` (application/json);
/// `POST .../chat/completions` answers per [`ChatMode`] (text/event-stream); anything else 404.
#[derive(Clone)]
pub struct Routes {
    pub generation: Bytes,
    pub chat: ChatMode,
}

/// An HTTP/1.1 keep-alive server on 127.0.0.1 running on its own OS thread with its own
/// current-thread runtime, so the client under test has its thread (and ideally its core) to itself.
pub struct Server {
    pub addr: SocketAddr,
}

impl Server {
    pub fn start(routes: Routes) -> Server {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::Builder::new()
            .name("loopback-server".into())
            .spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
                rt.block_on(serve(routes, tx));
            })
            .unwrap();
        Server { addr: rx.recv().expect("server started") }
    }

    /// `http://127.0.0.1:PORT/api/v1`
    pub fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }
}

/// Accepts for ever (sending the bound address first); also used by `mem_streams --serve`.
pub async fn serve(routes: Routes, bound: std::sync::mpsc::Sender<SocketAddr>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    bound.send(listener.local_addr().unwrap()).unwrap();
    loop {
        let (stream, _) = match listener.accept().await {
            Ok(s) => s,
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(10)).await; // EMFILE and the like
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let routes = routes.clone();
        tokio::spawn(async move {
            let svc = service_fn(move |req: Request<Incoming>| {
                let routes = routes.clone();
                async move { Ok::<_, Infallible>(answer(&routes, req)) }
            });
            let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
        });
    }
}

fn answer(routes: &Routes, req: Request<Incoming>) -> Response<ServerBody> {
    // The request body (a chat request) is not needed; hyper drains it.
    let path = req.uri().path();
    let (ct, body) = if path.ends_with("/generation") {
        ("application/json", ServerBody::Full(Some(routes.generation.clone())))
    } else if path.ends_with("/chat/completions") {
        let body = match &routes.chat {
            ChatMode::Replay { body, chunk } => ServerBody::Chunks { body: body.clone(), chunk: *chunk },
            ChatMode::Hold { first, every } => ServerBody::Hold {
                first: Some(first.clone()),
                every: *every,
                sleep: Box::pin(tokio::time::sleep(*every)),
            },
        };
        ("text/event-stream", body)
    } else {
        return Response::builder().status(404).body(ServerBody::Full(Some(Bytes::from_static(b"{}")))).unwrap();
    };
    Response::builder().header("content-type", ct).body(body).unwrap()
}

pub enum ServerBody {
    Full(Option<Bytes>),
    Chunks { body: Bytes, chunk: usize },
    Hold { first: Option<Bytes>, every: Duration, sleep: Pin<Box<tokio::time::Sleep>> },
}

impl Body for ServerBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match self.get_mut() {
            ServerBody::Full(b) => Poll::Ready(b.take().map(|b| Ok(Frame::data(b)))),
            ServerBody::Chunks { body, chunk } => {
                if body.is_empty() {
                    return Poll::Ready(None);
                }
                let n = (*chunk).min(body.len());
                Poll::Ready(Some(Ok(Frame::data(body.split_to(n)))))
            }
            ServerBody::Hold { first, every, sleep } => {
                if let Some(f) = first.take() {
                    return Poll::Ready(Some(Ok(Frame::data(f))));
                }
                match sleep.as_mut().poll(cx) {
                    Poll::Pending => Poll::Pending,
                    Poll::Ready(()) => {
                        let next = tokio::time::Instant::now() + *every;
                        sleep.as_mut().reset(next);
                        Poll::Ready(Some(Ok(Frame::data(Bytes::from_static(b": OPENROUTER PROCESSING\n\n")))))
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        matches!(self, ServerBody::Full(None)) || matches!(self, ServerBody::Chunks { body, .. } if body.is_empty())
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match self {
            ServerBody::Full(Some(b)) => http_body::SizeHint::with_exact(b.len() as u64),
            ServerBody::Full(None) => http_body::SizeHint::with_exact(0),
            // Unknown length: chunked transfer encoding, as a real event stream.
            ServerBody::Chunks { .. } | ServerBody::Hold { .. } => http_body::SizeHint::default(),
        }
    }
}
