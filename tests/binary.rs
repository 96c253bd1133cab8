//! Binary downloads and streamed multipart uploads end to end: `files_download`,
//! `video_generation_get_video_content`, `tts_create_speech`, `files_upload` with
//! `FileUpload::{new, from_path, from_reader}`.
//!
//! Memory is measured with a counting global allocator in this test binary: the peak of live heap
//! bytes while a 100 MB download or a 20 MB upload runs must stay far below the payload size. The
//! servers here never hold a whole payload either (they generate or verify a repeating pattern on
//! the fly), and the tests of this file run one at a time so that they do not count each other.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use common::{Reply, TestServer};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use openrouter::funcs::{files_download, files_upload, tts_create_speech, video_generation_get_video_content};
use openrouter::models::{
    CreateAudioSpeechRequest, DownloadFileContentRequest, ListVideosContentRequest, SpeechRequest, UploadFileRequest,
    UploadFileRequestBody,
};
use openrouter::{Error, FileUpload, OpenRouterCore, RawResponse, RetryConfig};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

const KEY: &str = "sk-or-test";
const MB: usize = 1024 * 1024;

// ---------------------------------------------------------------------------------------------
// A counting allocator: live heap bytes and their peak.
// ---------------------------------------------------------------------------------------------

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(n: usize) {
    let now = CURRENT.fetch_add(n, Ordering::Relaxed) + n;
    PEAK.fetch_max(now, Ordering::Relaxed);
}

fn shrank(n: usize) {
    CURRENT.fetch_sub(n, Ordering::Relaxed);
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc_zeroed(layout);
        if !p.is_null() {
            grew(layout.size());
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        System.dealloc(ptr, layout);
        shrank(layout.size());
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = System.realloc(ptr, layout, new_size);
        if !p.is_null() {
            if new_size >= layout.size() {
                grew(new_size - layout.size());
            } else {
                shrank(layout.size() - new_size);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Starts a measurement: the peak is reset to the current live bytes, which are returned.
fn heap_baseline() -> usize {
    let now = CURRENT.load(Ordering::SeqCst);
    PEAK.store(now, Ordering::SeqCst);
    now
}

/// How far the live heap rose above `baseline` since [`heap_baseline`].
fn heap_growth(baseline: usize) -> usize {
    PEAK.load(Ordering::SeqCst).saturating_sub(baseline)
}

/// The tests of this file run one at a time: each holds this lock, so that no other test's
/// allocations land in a measurement.
static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// ---------------------------------------------------------------------------------------------
// The payload: a repeating pattern with a prime period, so that a dropped, repeated or reordered
// 64 KiB block is noticed. Any window of up to CHUNK bytes is a slice of `pattern()`.
// ---------------------------------------------------------------------------------------------

const PERIOD: usize = 65_521;
const CHUNK: usize = 64 * 1024;

fn pattern() -> Arc<Vec<u8>> {
    Arc::new(
        (0..PERIOD + CHUNK)
            .map(|i| {
                let j = i % PERIOD;
                (j.wrapping_mul(31) ^ (j >> 8)) as u8
            })
            .collect(),
    )
}

/// Whether `data` is the pattern's bytes at `offset`.
fn matches_pattern(pattern: &[u8], offset: u64, data: &[u8]) -> bool {
    let mut off = offset;
    for piece in data.chunks(CHUNK) {
        let start = (off % PERIOD as u64) as usize;
        if piece != &pattern[start..start + piece.len()] {
            return false;
        }
        off += piece.len() as u64;
    }
    true
}

/// A writer that checks everything written against the pattern and counts it.
struct PatternSink {
    pattern: Arc<Vec<u8>>,
    written: u64,
    first_mismatch: Option<u64>,
    max_write: usize,
}

impl PatternSink {
    fn new(pattern: Arc<Vec<u8>>) -> Self {
        PatternSink { pattern, written: 0, first_mismatch: None, max_write: 0 }
    }

    fn take(&mut self, data: &[u8]) {
        if self.first_mismatch.is_none() && !matches_pattern(&self.pattern, self.written, data) {
            self.first_mismatch = Some(self.written);
        }
        self.written += data.len() as u64;
        self.max_write = self.max_write.max(data.len());
    }
}

impl AsyncWrite for PatternSink {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let this = self.get_mut();
        this.take(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn core_at(base_url: &str) -> OpenRouterCore {
    OpenRouterCore::builder().api_key(KEY).base_url(base_url).retry(RetryConfig::none()).build().expect("core")
}

// ---------------------------------------------------------------------------------------------
// A raw download server: reads the request head, answers with `total` pattern bytes in 64 KiB
// writes (Content-Length or chunked), reusing one buffer.
// ---------------------------------------------------------------------------------------------

struct DownloadServer {
    addr: SocketAddr,
    heads: Arc<Mutex<Vec<String>>>,
    tasks: Vec<AbortHandle>,
}

impl DownloadServer {
    async fn start(total: u64, content_type: &'static str, chunked: bool, pattern: Arc<Vec<u8>>) -> DownloadServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let heads = Arc::new(Mutex::new(Vec::new()));
        let heads2 = heads.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else { continue };
                let (pattern, heads) = (pattern.clone(), heads2.clone());
                tokio::spawn(async move {
                    let _ = serve_download(sock, total, content_type, chunked, pattern, heads).await;
                });
            }
        });
        DownloadServer { addr, heads, tasks: vec![accept.abort_handle()] }
    }

    fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    fn heads(&self) -> Vec<String> {
        self.heads.lock().unwrap().clone()
    }
}

impl Drop for DownloadServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn serve_download(
    mut sock: TcpStream,
    total: u64,
    content_type: &str,
    chunked: bool,
    pattern: Arc<Vec<u8>>,
    heads: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(4096);
    let mut tmp = [0u8; 1024];
    loop {
        if buf.windows(4).any(|w| w == b"\r\n\r\n") {
            break;
        }
        let n = sock.read(&mut tmp).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&tmp[..n]);
    }
    heads.lock().unwrap().push(String::from_utf8_lossy(&buf).into_owned());
    let length = if chunked { "transfer-encoding: chunked".to_owned() } else { format!("content-length: {total}") };
    let head = format!("HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\n{length}\r\nconnection: close\r\n\r\n");
    sock.write_all(head.as_bytes()).await?;
    let mut sent = 0u64;
    while sent < total {
        let n = (total - sent).min(CHUNK as u64) as usize;
        let start = (sent % PERIOD as u64) as usize;
        let piece = &pattern[start..start + n];
        if chunked {
            sock.write_all(format!("{n:x}\r\n").as_bytes()).await?;
            sock.write_all(piece).await?;
            sock.write_all(b"\r\n").await?;
        } else {
            sock.write_all(piece).await?;
        }
        sent += n as u64;
    }
    if chunked {
        sock.write_all(b"0\r\n\r\n").await?;
    }
    sock.flush().await?;
    Ok(())
}

async fn download(core: &OpenRouterCore) -> RawResponse {
    match tokio::time::timeout(Duration::from_secs(30), files_download(core, DownloadFileContentRequest::new("file-1")))
        .await
    {
        Err(_) => panic!("files_download did not return its response within 30 s"),
        Ok(Err(e)) => panic!("files_download failed: {e} / {e:?}"),
        Ok(Ok(r)) => r,
    }
}

const HUNDRED_MB: u64 = 100 * MB as u64;

// ---------------------------------------------------------------------------------------------
// 13. A 100 MB download with a small heap.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_100_mb_download_written_to_a_writer_keeps_the_heap_small() {
    let _serial = SERIAL.lock().await;
    let pattern = pattern();
    let server = DownloadServer::start(HUNDRED_MB, "application/pdf", false, pattern.clone()).await;
    let core = core_at(&server.base_url());
    let mut sink = PatternSink::new(pattern.clone());

    let baseline = heap_baseline();
    let response = download(&core).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_type(), Some("application/pdf"), "the server's content type");
    assert_eq!(
        response.headers().get("content-length").map(|v| v.to_str().unwrap().to_owned()),
        Some(HUNDRED_MB.to_string())
    );
    let written = tokio::time::timeout(Duration::from_secs(60), response.write_to(&mut sink))
        .await
        .expect("write_to did not finish within 60 s")
        .unwrap_or_else(|e| panic!("write_to failed: {e} / {e:?}"));
    let growth = heap_growth(baseline);
    eprintln!("100 MB download via write_to: peak heap growth {:.2} MB", growth as f64 / MB as f64);

    assert_eq!(written, HUNDRED_MB, "write_to's count");
    assert_eq!(sink.written, HUNDRED_MB, "bytes the writer received");
    assert_eq!(sink.first_mismatch, None, "the bytes differ from the server's from this offset on");
    assert!(growth < 16 * MB, "peak heap growth during a 100 MB download: {:.1} MB", growth as f64 / MB as f64);

    let heads = server.heads();
    assert_eq!(heads.len(), 1);
    assert!(heads[0].starts_with("GET /api/v1/files/file-1/content "), "{}", heads[0]);
}

#[tokio::test]
async fn a_100_mb_chunked_download_read_chunk_by_chunk_keeps_the_heap_small() {
    let _serial = SERIAL.lock().await;
    let pattern = pattern();
    let server = DownloadServer::start(HUNDRED_MB, "application/octet-stream", true, pattern.clone()).await;
    let core = core_at(&server.base_url());
    let mut check = PatternSink::new(pattern.clone());

    let baseline = heap_baseline();
    let mut response = download(&core).await;
    assert_eq!(response.content_type(), Some("application/octet-stream"));
    let reading = async {
        while let Some(chunk) = response.chunk().await? {
            assert!(!chunk.is_empty(), "chunk() yields no empty pieces");
            check.take(&chunk);
        }
        // The end is sticky.
        assert!(response.chunk().await?.is_none());
        Ok::<(), Error>(())
    };
    tokio::time::timeout(Duration::from_secs(60), reading)
        .await
        .expect("reading did not finish within 60 s")
        .unwrap_or_else(|e| panic!("chunk() failed: {e} / {e:?}"));
    let growth = heap_growth(baseline);
    eprintln!("100 MB chunked download via chunk(): peak heap growth {:.2} MB", growth as f64 / MB as f64);

    assert_eq!(check.written, HUNDRED_MB, "total bytes");
    assert_eq!(check.first_mismatch, None, "the bytes differ from the server's from this offset on");
    assert!(growth < 16 * MB, "peak heap growth during a 100 MB download: {:.1} MB", growth as f64 / MB as f64);
}

#[tokio::test]
async fn a_download_is_a_futures_stream_of_bytes_and_collects_with_bytes() {
    use futures_core::Stream;
    let _serial = SERIAL.lock().await;
    let pattern = pattern();
    let total = 3 * MB as u64 + 12_345;
    let server = DownloadServer::start(total, "video/mp4", true, pattern.clone()).await;
    let core = core_at(&server.base_url());

    // As a `Stream`.
    let response = match video_generation_get_video_content(&core, ListVideosContentRequest::new("job-1")).await {
        Ok(r) => r,
        Err(e) => panic!("{e:?}"),
    };
    assert_eq!(response.content_type(), Some("video/mp4"));
    let mut response = Box::pin(response);
    let mut check = PatternSink::new(pattern.clone());
    while let Some(item) =
        tokio::time::timeout(Duration::from_secs(10), std::future::poll_fn(|cx| response.as_mut().poll_next(cx)))
            .await
            .expect("the byte stream hung")
    {
        check.take(&item.unwrap_or_else(|e| panic!("{e:?}")));
    }
    assert_eq!(check.written, total);
    assert_eq!(check.first_mismatch, None);
    assert!(server.heads()[0].starts_with("GET /api/v1/videos/job-1/content "), "{}", server.heads()[0]);

    // Collected whole.
    let bytes = download(&core).await.bytes().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(bytes.len() as u64, total);
    assert!(matches_pattern(&pattern, 0, &bytes));
}

#[tokio::test]
async fn a_download_error_status_is_an_api_error() {
    let _serial = SERIAL.lock().await;
    let server = TestServer::start(vec![Reply::api_error(400, "Uploaded files cannot be downloaded")]).await;
    let core = core_at(&server.base_url());
    let err = files_download(&core, DownloadFileContentRequest::new("file-1")).await.expect_err("an error");
    assert!(err.is_api(), "{err:?}");
    assert_eq!(err.status(), Some(400));
    assert_eq!(err.api_error().map(|a| a.message.as_str()), Some("Uploaded files cannot be downloaded"));
}

// ---------------------------------------------------------------------------------------------
// 14. Uploads. The server verifies the multipart body as it arrives, without keeping it.
// ---------------------------------------------------------------------------------------------

/// What the upload server saw in one request.
#[derive(Clone, Debug, Default)]
struct Seen {
    target: String,
    content_type: String,
    /// The file part's header lines.
    part_head: String,
    /// Bytes of file content (between the part head and the closing boundary).
    content_len: u64,
    /// The content equals the pattern from offset 0.
    content_matches: bool,
    /// The body ended with exactly `\r\n--boundary--\r\n`.
    closed_properly: bool,
    problem: Option<String>,
}

struct MultipartCheck {
    pattern: Arc<Vec<u8>>,
    boundary: Vec<u8>,
    head: Option<Vec<u8>>,
    pending: Vec<u8>,
    seen: Seen,
}

impl MultipartCheck {
    fn new(pattern: Arc<Vec<u8>>, content_type: &str) -> Self {
        let boundary = content_type.split("boundary=").nth(1).unwrap_or("").trim_matches('"').as_bytes().to_vec();
        let seen = Seen { content_matches: true, content_type: content_type.to_owned(), ..Seen::default() };
        MultipartCheck { pattern, boundary, head: Some(Vec::new()), pending: Vec::new(), seen }
    }

    fn trailer(&self) -> Vec<u8> {
        [b"\r\n--".as_slice(), &self.boundary, b"--\r\n"].concat()
    }

    fn feed(&mut self, mut data: &[u8]) {
        if let Some(head) = &mut self.head {
            head.extend_from_slice(data);
            let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
                if head.len() > 64 * 1024 {
                    self.seen.problem = Some("no part head in the first 64 KiB".into());
                }
                return;
            };
            let head = self.head.take().unwrap();
            let opening = [b"--".as_slice(), &self.boundary, b"\r\n"].concat();
            if !head.starts_with(&opening) {
                self.seen.problem = Some(format!(
                    "the body does not open with the boundary: {:?}",
                    String::from_utf8_lossy(&head[..end.min(200)])
                ));
            }
            self.seen.part_head = String::from_utf8_lossy(&head[opening.len().min(end)..end]).into_owned();
            self.pending.extend_from_slice(&head[end + 4..]);
            data = &[];
        }
        self.pending.extend_from_slice(data);
        let keep = self.trailer().len();
        if self.pending.len() > keep {
            let n = self.pending.len() - keep;
            if self.seen.content_matches && !matches_pattern(&self.pattern, self.seen.content_len, &self.pending[..n]) {
                self.seen.content_matches = false;
            }
            self.seen.content_len += n as u64;
            self.pending.drain(..n);
        }
    }

    fn finish(mut self) -> Seen {
        if self.head.is_some() {
            self.seen.problem.get_or_insert_with(|| "the body ended before the part head".into());
        }
        self.seen.closed_properly = self.pending == self.trailer();
        self.seen
    }
}

struct UploadServer {
    addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    tasks: Vec<AbortHandle>,
}

impl UploadServer {
    /// Answers the n-th request with `statuses[n]` (the last one repeats); 200 is a file object.
    async fn start(statuses: Vec<u16>, pattern: Arc<Vec<u8>>) -> UploadServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let statuses = Arc::new(Mutex::new(VecDeque::from(statuses)));
        let seen2 = seen.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((sock, _)) = listener.accept().await else { continue };
                let (seen, statuses, pattern) = (seen2.clone(), statuses.clone(), pattern.clone());
                tokio::spawn(async move {
                    let service = service_fn(move |req: Request<Incoming>| {
                        let (seen, statuses, pattern) = (seen.clone(), statuses.clone(), pattern.clone());
                        async move { Ok::<_, Infallible>(handle_upload(req, seen, statuses, pattern).await) }
                    });
                    let _ = http1::Builder::new().serve_connection(TokioIo::new(sock), service).await;
                });
            }
        });
        UploadServer { addr, seen, tasks: vec![accept.abort_handle()] }
    }

    fn base_url(&self) -> String {
        format!("http://{}/api/v1", self.addr)
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for UploadServer {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

async fn handle_upload(
    req: Request<Incoming>,
    seen: Arc<Mutex<Vec<Seen>>>,
    statuses: Arc<Mutex<VecDeque<u16>>>,
    pattern: Arc<Vec<u8>>,
) -> Response<Full<Bytes>> {
    let target = req.uri().path_and_query().map(|p| p.as_str().to_owned()).unwrap_or_default();
    let ct = req.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
    let mut check = MultipartCheck::new(pattern, &ct);
    let mut body = req.into_body();
    let mut read_error = None;
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    check.feed(&data);
                }
            }
            Err(e) => {
                read_error = Some(e.to_string());
                break;
            }
        }
    }
    let mut s = check.finish();
    s.target = target;
    if let Some(e) = read_error {
        s.problem.get_or_insert(format!("reading the body failed: {e}"));
    }
    let (filename, size) = (
        s.part_head.split("filename=\"").nth(1).and_then(|r| r.split('"').next()).unwrap_or("").to_owned(),
        s.content_len,
    );
    seen.lock().unwrap().push(s);
    let status = {
        let mut q = statuses.lock().unwrap();
        if q.len() > 1 {
            q.pop_front().unwrap()
        } else {
            *q.front().unwrap_or(&200)
        }
    };
    let body = if status == 200 {
        json!({"_shape": "openrouter", "created_at": "2025-01-01T00:00:00Z", "downloadable": false,
               "filename": filename, "id": "file-1", "mime_type": "application/pdf", "size_bytes": size, "type": "file"})
        .to_string()
    } else {
        common::api_error_body(i64::from(status), "Service unavailable")
    };
    Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Full::new(Bytes::from(body)))
        .unwrap()
}

fn upload_request(file: FileUpload) -> UploadFileRequest {
    UploadFileRequest::new(UploadFileRequestBody::new(file))
}

async fn upload(core: &OpenRouterCore, file: FileUpload) -> Result<Value, Error> {
    let result = tokio::time::timeout(Duration::from_secs(60), files_upload(core, upload_request(file)))
        .await
        .expect("files_upload did not finish within 60 s")?;
    Ok(serde_json::to_value(&result).unwrap())
}

/// A temporary file removed on drop.
struct TempFile(PathBuf);

impl TempFile {
    /// Writes `len` pattern bytes, 64 KiB at a time.
    fn with_pattern(name: &str, len: usize, pattern: &[u8]) -> TempFile {
        use std::io::Write;
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos();
        let dir = std::env::temp_dir().join(format!("openrouter-binary-test-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(name);
        let mut f = std::io::BufWriter::new(std::fs::File::create(&path).unwrap());
        let mut written = 0usize;
        while written < len {
            let n = (len - written).min(CHUNK);
            let start = written % PERIOD;
            f.write_all(&pattern[start..start + n]).unwrap();
            written += n;
        }
        f.flush().unwrap();
        TempFile(path)
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
        if let Some(dir) = self.0.parent() {
            let _ = std::fs::remove_dir(dir);
        }
    }
}

fn assert_part(s: &Seen, filename: &str, content_type: &str, len: u64) {
    assert_eq!(s.problem, None, "{s:#?}");
    assert!(s.target.starts_with("/api/v1/files"), "{s:#?}");
    assert!(s.content_type.starts_with("multipart/form-data; boundary="), "{s:#?}");
    let disposition = format!("Content-Disposition: form-data; name=\"file\"; filename=\"{filename}\"");
    assert!(
        s.part_head.lines().any(|l| l.eq_ignore_ascii_case(&disposition)),
        "part head lacks `{disposition}`: {:?}",
        s.part_head
    );
    let ct_line = format!("content-type: {content_type}");
    assert!(
        s.part_head.lines().any(|l| l.eq_ignore_ascii_case(&ct_line)),
        "part head lacks `{ct_line}`: {:?}",
        s.part_head
    );
    assert_eq!(s.content_len, len, "file part length");
    assert!(s.content_matches, "the file part's bytes differ from the file's");
    assert!(s.closed_properly, "the body does not end with the closing boundary");
}

#[tokio::test]
async fn an_upload_from_a_path_is_streamed_from_disk() {
    let _serial = SERIAL.lock().await;
    let pattern = pattern();
    let len = 20 * MB;
    let file = TempFile::with_pattern("quarterly-report.pdf", len, &pattern);
    let server = UploadServer::start(vec![200], pattern.clone()).await;
    let core = core_at(&server.base_url());

    let baseline = heap_baseline();
    let result = upload(&core, FileUpload::from_path(&file.0)).await;
    let growth = heap_growth(baseline);
    eprintln!("20 MB upload from a path: peak heap growth {:.2} MB", growth as f64 / MB as f64);

    let result = result.unwrap_or_else(|e| panic!("files_upload failed: {e} / {e:?}"));
    assert_eq!(result["id"], "file-1");
    let seen = server.seen();
    assert_eq!(seen.len(), 1);
    assert_part(&seen[0], "quarterly-report.pdf", "application/pdf", len as u64);
    assert!(growth < 8 * MB, "peak heap growth during a 20 MB upload from a path: {:.1} MB", growth as f64 / MB as f64);
}

#[tokio::test]
async fn an_upload_from_a_path_keeps_a_given_name_and_content_type() {
    let _serial = SERIAL.lock().await;
    let pattern = pattern();
    let file = TempFile::with_pattern("raw.bin", 300_000, &pattern);
    let server = UploadServer::start(vec![200], pattern.clone()).await;
    let core = core_at(&server.base_url());
    let upload_file = FileUpload::from_path(&file.0).filename("scan.png").content_type("image/png");
    upload(&core, upload_file).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_part(&server.seen()[0], "scan.png", "image/png", 300_000);

    // An unknown extension: application/octet-stream.
    let server = UploadServer::start(vec![200], pattern.clone()).await;
    let core = core_at(&server.base_url());
    upload(&core, FileUpload::from_path(&file.0)).await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_part(&server.seen()[0], "raw.bin", "application/octet-stream", 300_000);
}

#[tokio::test]
async fn uploads_from_bytes_and_from_a_reader_arrive_exactly() {
    let _serial = SERIAL.lock().await;
    let pattern = pattern();
    let server = UploadServer::start(vec![200], pattern.clone()).await;
    let core = core_at(&server.base_url());

    let bytes: Vec<u8> = (0..200_000).map(|i| pattern[i % PERIOD]).collect();
    upload(&core, FileUpload::new(bytes.clone()).filename("notes.txt")).await.unwrap_or_else(|e| panic!("{e:?}"));
    let len = 1_500_000usize;
    let reader_data: Vec<u8> = (0..len).map(|i| pattern[i % PERIOD]).collect();
    let reader = std::io::Cursor::new(reader_data);
    upload(&core, FileUpload::from_reader(reader).filename("table.csv")).await.unwrap_or_else(|e| panic!("{e:?}"));

    let seen = server.seen();
    assert_eq!(seen.len(), 2);
    assert_part(&seen[0], "notes.txt", "text/plain", 200_000);
    assert_part(&seen[1], "table.csv", "text/csv", len as u64);
}

fn retrying_core(base_url: &str) -> OpenRouterCore {
    OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(base_url)
        .retry(RetryConfig::backoff().initial_interval(Duration::from_millis(10)))
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_reader_upload_is_not_retried_but_bytes_and_path_uploads_are() {
    let _serial = SERIAL.lock().await;
    let pattern = pattern();
    let data: Vec<u8> = (0..100_000).map(|i| pattern[i % PERIOD]).collect();

    // A reader can be read once: a 503 is the answer, after one attempt.
    let server = UploadServer::start(vec![503, 200], pattern.clone()).await;
    let core = retrying_core(&server.base_url());
    let err = upload(&core, FileUpload::from_reader(std::io::Cursor::new(data.clone())).filename("a.txt"))
        .await
        .expect_err("a 503 for a reader upload is the result");
    assert_eq!(err.status(), Some(503), "{err:?}");
    assert_eq!(server.seen().len(), 1, "a reader upload must not be retried");
    assert_part(&server.seen()[0], "a.txt", "text/plain", 100_000);

    // Bytes can be sent again: 503, then 200.
    let server = UploadServer::start(vec![503, 200], pattern.clone()).await;
    let core = retrying_core(&server.base_url());
    upload(&core, FileUpload::new(data.clone()).filename("b.txt"))
        .await
        .unwrap_or_else(|e| panic!("the retry of a bytes upload failed: {e:?}"));
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "a bytes upload is retried once after a 503");
    for s in &seen {
        assert_part(s, "b.txt", "text/plain", 100_000);
    }

    // A path is read again from the start on the retry.
    let file = TempFile::with_pattern("c.pdf", 100_000, &pattern);
    let server = UploadServer::start(vec![503, 200], pattern.clone()).await;
    let core = retrying_core(&server.base_url());
    upload(&core, FileUpload::from_path(&file.0))
        .await
        .unwrap_or_else(|e| panic!("the retry of a path upload failed: {e:?}"));
    let seen = server.seen();
    assert_eq!(seen.len(), 2, "a path upload is retried once after a 503");
    for s in &seen {
        assert_part(s, "c.pdf", "application/pdf", 100_000);
    }
}

#[tokio::test]
async fn an_upload_from_a_missing_path_is_an_error_not_a_panic() {
    let _serial = SERIAL.lock().await;
    let pattern = pattern();
    let server = UploadServer::start(vec![200], pattern).await;
    let core = core_at(&server.base_url());
    let missing = std::env::temp_dir().join("openrouter-binary-test-does-not-exist/nothing.pdf");
    let result = upload(&core, FileUpload::from_path(missing)).await;
    assert!(result.is_err(), "uploading a missing file must fail, got {result:?}");
}

// ---------------------------------------------------------------------------------------------
// 15. Text to speech.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn tts_returns_the_audio_bytes_and_content_type() {
    let _serial = SERIAL.lock().await;
    // Not UTF-8, with NULs: an MP3 frame header and then noise.
    let mut audio = vec![0xFF, 0xFB, 0x90, 0x64, 0x00, 0x00];
    audio.extend((0..50_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8));
    let server =
        TestServer::start(vec![Reply::status(200).header("content-type", "audio/mpeg").body(audio.clone())]).await;
    let core = core_at(&server.base_url());
    let body =
        json!({"model": "openai/gpt-4o-mini-tts", "input": "Hello there", "voice": "alloy", "response_format": "mp3"});
    let speech: SpeechRequest = serde_json::from_value(body.clone()).expect("a valid SpeechRequest");
    let response = tts_create_speech(&core, CreateAudioSpeechRequest::new(speech))
        .await
        .unwrap_or_else(|e| panic!("tts_create_speech failed: {e} / {e:?}"));
    assert_eq!(response.status(), 200);
    assert_eq!(response.content_type(), Some("audio/mpeg"));
    let bytes = response.bytes().await.unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(bytes.as_ref(), audio.as_slice());

    let req = server.single_request();
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/api/v1/audio/speech");
    let sent: Value = serde_json::from_slice(&req.body).unwrap();
    assert_eq!(sent, body);
}
