//! Request and response bodies.

use std::fmt;
use std::future::Future as _;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::HeaderValue;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use hyper::body::Incoming;
use tokio::io::{AsyncRead, ReadBuf};

use crate::Error;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body: a buffer, or a multipart form whose files are read as it is sent.
/// Cloned for each attempt; a form holding a one-shot reader cannot be replayed.
#[derive(Default)]
pub(crate) struct ReqBody {
    segments: Arc<[Segment]>,
    content_type: Option<HeaderValue>,
    /// Where the current attempt is: the segment index and an open file or reader.
    next: usize,
    open: Option<OpenSource>,
}

#[derive(Clone)]
enum Segment {
    Bytes(Bytes),
    File(Source),
}

type Reader = Box<dyn AsyncRead + Send + Sync + Unpin>;
type OpenFuture = Pin<Box<dyn std::future::Future<Output = std::io::Result<Reader>> + Send + Sync>>;

enum OpenSource {
    Opening(OpenFuture),
    Reading(Reader),
}

/// A clone starts from the beginning: each attempt sends the whole body.
impl Clone for ReqBody {
    fn clone(&self) -> Self {
        ReqBody { segments: self.segments.clone(), content_type: self.content_type.clone(), next: 0, open: None }
    }
}

impl ReqBody {
    pub(crate) fn empty() -> Self {
        ReqBody::default()
    }

    pub(crate) fn json(bytes: Vec<u8>) -> Self {
        Self::bytes(bytes, "application/json")
    }

    /// A replayable body of these bytes.
    pub(crate) fn bytes(bytes: Vec<u8>, content_type: &'static str) -> Self {
        ReqBody {
            segments: Arc::new([Segment::Bytes(Bytes::from(bytes))]),
            content_type: Some(HeaderValue::from_static(content_type)),
            next: 0,
            open: None,
        }
    }

    pub(crate) fn content_type(&self) -> Option<HeaderValue> {
        self.content_type.clone()
    }

    /// Whether the body can be sent again for a retry (a one-shot reader cannot).
    pub(crate) fn is_replayable(&self) -> bool {
        !self.segments.iter().any(|s| matches!(s, Segment::File(Source::Reader(_))))
    }
}

impl Body for ReqBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        loop {
            match &mut this.open {
                Some(OpenSource::Opening(fut)) => match std::future::Future::poll(fut.as_mut(), cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(Ok(reader)) => this.open = Some(OpenSource::Reading(reader)),
                    Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(Box::new(e)))),
                },
                Some(OpenSource::Reading(reader)) => {
                    let mut buf = vec![0u8; UPLOAD_CHUNK];
                    let mut read = ReadBuf::new(&mut buf);
                    match Pin::new(&mut **reader).poll_read(cx, &mut read) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(Err(e)) => return Poll::Ready(Some(Err(Box::new(e)))),
                        Poll::Ready(Ok(())) if read.filled().is_empty() => this.open = None,
                        Poll::Ready(Ok(())) => {
                            let n = read.filled().len();
                            buf.truncate(n);
                            return Poll::Ready(Some(Ok(Frame::data(Bytes::from(buf)))));
                        }
                    }
                }
                None => {
                    let Some(segment) = this.segments.get(this.next) else { return Poll::Ready(None) };
                    this.next += 1;
                    match segment {
                        Segment::Bytes(b) => return Poll::Ready(Some(Ok(Frame::data(b.clone())))),
                        Segment::File(Source::Bytes(b)) => return Poll::Ready(Some(Ok(Frame::data(b.clone())))),
                        Segment::File(Source::Path(p, open)) => this.open = Some(OpenSource::Opening(open(p.clone()))),
                        Segment::File(Source::Reader(slot)) => {
                            let reader = slot.lock().unwrap_or_else(|p| p.into_inner()).take();
                            match reader {
                                Some(r) => this.open = Some(OpenSource::Reading(r)),
                                None => {
                                    return Poll::Ready(Some(Err("the upload's reader was already consumed".into())))
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.open.is_none() && self.next >= self.segments.len()
    }

    fn size_hint(&self) -> SizeHint {
        let mut total = 0u64;
        for s in &self.segments[self.next.min(self.segments.len())..] {
            match s {
                Segment::Bytes(b) | Segment::File(Source::Bytes(b)) => total += b.len() as u64,
                Segment::File(_) => return SizeHint::default(),
            }
        }
        if self.open.is_some() {
            return SizeHint::default();
        }
        SizeHint::with_exact(total)
    }
}

const UPLOAD_CHUNK: usize = 64 * 1024;

/// A file sent as one part of a multipart form: from bytes, from a path (streamed
/// from disk as the request is sent, never read whole into memory), or from any
/// [`AsyncRead`] (sent once: a request with a reader is not retried).
///
/// Without [`content_type`](Self::content_type), the part's type is guessed from
/// the file name's extension (`application/octet-stream` when unknown).
#[derive(Clone)]
pub struct FileUpload {
    source: Source,
    /// The file name sent with the part.
    pub filename: Option<String>,
    /// The part's content type.
    pub content_type: Option<String>,
}

#[derive(Clone)]
enum Source {
    Bytes(Bytes),
    /// The path and the function that opens it: referenced only from `from_path`, so a
    /// program that never uploads from a path does not link tokio's file code.
    Path(PathBuf, fn(PathBuf) -> OpenFuture),
    Reader(Arc<Mutex<Option<Reader>>>),
}

fn open_file(path: PathBuf) -> OpenFuture {
    Box::pin(async move { Ok(Box::new(tokio::fs::File::open(path).await?) as Reader) })
}

impl FileUpload {
    /// A file with these bytes.
    pub fn new(bytes: impl Into<Bytes>) -> Self {
        FileUpload { source: Source::Bytes(bytes.into()), filename: None, content_type: None }
    }

    /// A file read from `path` while the request is sent; its name is the path's file name.
    pub fn from_path(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        let filename = path.file_name().map(|n| n.to_string_lossy().into_owned());
        FileUpload { source: Source::Path(path, open_file), filename, content_type: None }
    }

    /// A file read from `reader` while the request is sent (once: no retry).
    pub fn from_reader(reader: impl AsyncRead + Send + Sync + Unpin + 'static) -> Self {
        FileUpload {
            source: Source::Reader(Arc::new(Mutex::new(Some(Box::new(reader))))),
            filename: None,
            content_type: None,
        }
    }

    /// Sets the file name sent with the part.
    pub fn filename(mut self, filename: impl Into<String>) -> Self {
        self.filename = Some(filename.into());
        self
    }

    /// Sets the part's content type.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// The bytes, when the file was given as bytes.
    pub fn bytes(&self) -> Option<&Bytes> {
        match &self.source {
            Source::Bytes(b) => Some(b),
            _ => None,
        }
    }
}

impl PartialEq for FileUpload {
    fn eq(&self, other: &Self) -> bool {
        let same = match (&self.source, &other.source) {
            (Source::Bytes(a), Source::Bytes(b)) => a == b,
            (Source::Path(a, _), Source::Path(b, _)) => a == b,
            (Source::Reader(a), Source::Reader(b)) => Arc::ptr_eq(a, b),
            _ => false,
        };
        same && self.filename == other.filename && self.content_type == other.content_type
    }
}

impl Default for FileUpload {
    fn default() -> Self {
        FileUpload::new(Bytes::new())
    }
}

impl fmt::Debug for FileUpload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("FileUpload");
        match &self.source {
            Source::Bytes(b) => d.field("bytes", &b.len()),
            Source::Path(p, _) => d.field("path", p),
            Source::Reader(_) => d.field("reader", &"<AsyncRead>"),
        };
        d.field("filename", &self.filename).field("content_type", &self.content_type).finish()
    }
}

/// The content type for a file name's extension (the common upload types).
pub(crate) fn guess_content_type(filename: &str) -> &'static str {
    let ext = filename.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "pdf" => "application/pdf",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "txt" => "text/plain",
        "md" | "markdown" => "text/markdown",
        "csv" => "text/csv",
        "html" | "htm" => "text/html",
        "json" => "application/json",
        "jsonl" | "ndjson" => "application/x-ndjson",
        "xml" => "application/xml",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx" => "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "mp3" | "mpga" | "mpeg" => "audio/mpeg",
        "wav" => "audio/wav",
        "flac" => "audio/flac",
        "ogg" | "oga" => "audio/ogg",
        "opus" => "audio/opus",
        "m4a" => "audio/mp4",
        "aac" => "audio/aac",
        "webm" => "audio/webm",
        "mp4" => "video/mp4",
        _ => "application/octet-stream",
    }
}

/// A `multipart/form-data` body under construction.
pub(crate) struct Multipart {
    boundary: String,
    buf: Vec<u8>,
    segments: Vec<Segment>,
}

impl Multipart {
    pub(crate) fn new() -> Self {
        let boundary = format!("openrouter-{:016x}", super::retry::random_u64());
        Multipart { boundary, buf: Vec::new(), segments: Vec::new() }
    }

    fn head(&mut self, name: &str, filename: Option<&str>, content_type: Option<&str>) {
        self.buf.extend_from_slice(b"--");
        self.buf.extend_from_slice(self.boundary.as_bytes());
        self.buf.extend_from_slice(b"\r\nContent-Disposition: form-data; name=\"");
        escape_quoted(&mut self.buf, name);
        self.buf.push(b'"');
        if let Some(f) = filename {
            self.buf.extend_from_slice(b"; filename=\"");
            escape_quoted(&mut self.buf, f);
            self.buf.push(b'"');
        }
        self.buf.extend_from_slice(b"\r\n");
        if let Some(ct) = content_type {
            self.buf.extend_from_slice(b"Content-Type: ");
            escape_quoted(&mut self.buf, ct);
            self.buf.extend_from_slice(b"\r\n");
        }
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A text field.
    pub(crate) fn text(&mut self, name: &str, value: String) {
        self.head(name, None, None);
        self.buf.extend_from_slice(value.as_bytes());
        self.buf.extend_from_slice(b"\r\n");
    }

    /// A file field; its content is read when the body is sent.
    pub(crate) fn file_upload(&mut self, name: &str, file: FileUpload) {
        let filename = file.filename.as_deref().unwrap_or("file");
        let ct = file.content_type.as_deref().unwrap_or_else(|| guess_content_type(filename));
        self.head(name, Some(filename), Some(ct));
        if !self.buf.is_empty() {
            self.segments.push(Segment::Bytes(Bytes::from(std::mem::take(&mut self.buf))));
        }
        self.segments.push(Segment::File(file.source));
        self.buf.extend_from_slice(b"\r\n");
    }

    pub(crate) fn into_body(mut self) -> ReqBody {
        self.buf.extend_from_slice(b"--");
        self.buf.extend_from_slice(self.boundary.as_bytes());
        self.buf.extend_from_slice(b"--\r\n");
        self.segments.push(Segment::Bytes(Bytes::from(self.buf)));
        let ct = HeaderValue::try_from(format!("multipart/form-data; boundary={}", self.boundary))
            .expect("the boundary is ASCII");
        ReqBody { segments: self.segments.into(), content_type: Some(ct), next: 0, open: None }
    }
}

/// Quoted-string content as browsers write it: `"`, CR and LF percent-encoded.
fn escape_quoted(out: &mut Vec<u8>, s: &str) {
    for &b in s.as_bytes() {
        match b {
            b'"' => out.extend_from_slice(b"%22"),
            b'\r' => out.extend_from_slice(b"%0D"),
            b'\n' => out.extend_from_slice(b"%0A"),
            _ => out.push(b),
        }
    }
}

/// Reads a whole body, refusing more than `limit` bytes (no time limit of its own: the
/// attempt's timeout covers it).
pub(crate) async fn read_limited(mut body: Incoming, limit: usize) -> Result<Bytes, Error> {
    use http_body_util::BodyExt;
    if body.size_hint().exact().is_some_and(|n| n > limit as u64) {
        return Err(Error::body_too_large(limit));
    }
    let mut all = Collect::default();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(body_error)?;
        if let Ok(data) = frame.into_data() {
            all.push(data, limit)?;
        }
    }
    Ok(all.finish())
}

/// A body gathered piece by piece: the first piece kept as it is, later ones copied after it.
#[derive(Default)]
struct Collect {
    first: Option<Bytes>,
    rest: Vec<u8>,
}

impl Collect {
    fn push(&mut self, data: Bytes, limit: usize) -> Result<(), Error> {
        let have = self.first.as_ref().map_or(0, Bytes::len) + self.rest.len();
        if have + data.len() > limit {
            return Err(Error::body_too_large(limit));
        }
        match &self.first {
            None => self.first = Some(data),
            Some(f) => {
                if self.rest.is_empty() {
                    self.rest.reserve(f.len() + data.len());
                    self.rest.extend_from_slice(f);
                }
                self.rest.extend_from_slice(&data);
            }
        }
        Ok(())
    }

    fn finish(self) -> Bytes {
        if self.rest.is_empty() {
            self.first.unwrap_or_default()
        } else {
            Bytes::from(self.rest)
        }
    }
}

#[cold]
pub(crate) fn body_error(e: hyper::Error) -> Error {
    Error::body_read("reading the response body failed", Some(Box::new(e)))
}

/// A success response whose body has not been read: binary downloads and event streams.
///
/// Reading the body is bounded in time: by the core's per-attempt timeout, whose deadline
/// (counted from the start of the attempt) covers the body to its end; without one, by the idle
/// timeout ([`OpenRouterCoreBuilder::stream_idle_timeout`](crate::OpenRouterCoreBuilder::stream_idle_timeout),
/// default 5 minutes) between bytes. [`RawResponse::idle_timeout`] trades the deadline for an
/// idle timeout, for a download that may take long as long as it keeps moving. Either ends in
/// an error for which [`Error::is_timeout`] is true.
///
/// The body is handed back as the server sent it: the SDK does not ask for a compressed body,
/// and a `Content-Encoding` the server used anyway is not decoded (it is in [`headers`](Self::headers)).
pub struct RawResponse {
    status: u16,
    headers: HeaderMap,
    body: RawBody,
    limit: usize,
    timer: Timer,
    /// When the attempt that got it started (for the deadline).
    started: Option<tokio::time::Instant>,
    /// How many attempts the call made (for the errors of the body).
    attempts: u32,
}

enum RawBody {
    Incoming(Incoming),
    Buffered(Option<Bytes>),
}

/// The time limit on reading a body.
pub(crate) enum Timer {
    None,
    /// The attempt's deadline, and the timeout it came from (for the message).
    Deadline(Pin<Box<tokio::time::Sleep>>, std::time::Duration),
    /// The longest gap between bytes; the sleep is made at the first wait.
    Idle(std::time::Duration, Option<Pin<Box<tokio::time::Sleep>>>),
}

impl Timer {
    /// Polls the limit while the body waits: the error once it has passed.
    fn poll_expired(&mut self, cx: &mut Context<'_>) -> Option<Error> {
        match self {
            Timer::None => None,
            Timer::Deadline(sleep, after) => sleep.as_mut().poll(cx).is_ready().then(|| Error::timeout(*after)),
            Timer::Idle(idle, sleep) => {
                let sleep = sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(*idle)));
                sleep.as_mut().poll(cx).is_ready().then(|| Error::idle_timeout(*idle))
            }
        }
    }

    fn on_data(&mut self) {
        if let Timer::Idle(idle, Some(sleep)) = self {
            sleep.as_mut().reset(tokio::time::Instant::now() + *idle);
        }
    }
}

impl RawResponse {
    pub(crate) fn streaming(
        status: u16,
        headers: HeaderMap,
        body: Incoming,
        limit: usize,
        started: tokio::time::Instant,
    ) -> Self {
        RawResponse {
            status,
            headers,
            body: RawBody::Incoming(body),
            limit,
            timer: Timer::None,
            started: Some(started),
            attempts: 0,
        }
    }

    pub(crate) fn buffered(status: u16, headers: HeaderMap, body: Bytes) -> Self {
        RawResponse {
            status,
            headers,
            body: RawBody::Buffered(Some(body)),
            limit: usize::MAX,
            timer: Timer::None,
            started: None,
            attempts: 0,
        }
    }

    pub(crate) fn started(&self) -> Option<tokio::time::Instant> {
        self.started
    }

    /// Whether the body was read whole already (an error status, or a call that buffers).
    pub(crate) fn is_complete(&self) -> bool {
        matches!(self.body, RawBody::Buffered(_))
    }

    pub(crate) fn attempts(&self) -> u32 {
        self.attempts
    }

    pub(crate) fn set_attempts(&mut self, attempts: u32) {
        self.attempts = attempts;
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The `Content-Type` the server sent.
    pub fn content_type(&self) -> Option<&str> {
        self.headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok())
    }

    /// Replaces the time limit on the rest of the body with an idle timeout: the body may take
    /// as long as it needs, so long as no gap between bytes is longer than `idle` (zero: no
    /// limit at all). A timeout ends the body with an error ([`Error::is_timeout`]).
    pub fn idle_timeout(mut self, idle: std::time::Duration) -> Self {
        self.timer = if idle.is_zero() { Timer::None } else { Timer::Idle(idle, None) };
        self
    }

    pub(crate) fn set_timer(&mut self, timer: Timer) {
        self.timer = timer;
    }

    /// The next piece of the body, or `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await.transpose()
    }

    /// Polls for the next non-empty piece of the body.
    pub(crate) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        let result = match &mut self.body {
            RawBody::Buffered(b) => return Poll::Ready(b.take().filter(|b| !b.is_empty()).map(Ok)),
            RawBody::Incoming(body) => loop {
                match Pin::new(&mut *body).poll_frame(cx) {
                    Poll::Pending => match self.timer.poll_expired(cx) {
                        Some(e) => break Err(e),
                        None => return Poll::Pending,
                    },
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Ready(Some(Err(e))) => break Err(body_error(e)),
                    Poll::Ready(Some(Ok(frame))) => {
                        if let Ok(data) = frame.into_data() {
                            if !data.is_empty() {
                                self.timer.on_data();
                                return Poll::Ready(Some(Ok(data)));
                            }
                        }
                    }
                }
            },
        };
        // After an error the body is over (dropping it closes the connection).
        self.body = RawBody::Buffered(None);
        self.timer = Timer::None;
        Poll::Ready(Some(result.map_err(|e| e.set_attempts(self.attempts))))
    }

    /// Writes the body to `out` as it arrives, never holding all of it in memory;
    /// returns the number of bytes written.
    pub async fn write_to<W: tokio::io::AsyncWrite + Unpin>(mut self, out: &mut W) -> Result<u64, Error> {
        use tokio::io::AsyncWriteExt;
        let attempts = self.attempts;
        let failed =
            |e: std::io::Error| Error::body_read("writing the body failed", Some(Box::new(e))).set_attempts(attempts);
        let mut written = 0u64;
        while let Some(chunk) = self.chunk().await? {
            out.write_all(&chunk).await.map_err(failed)?;
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(failed)?;
        Ok(written)
    }

    /// The whole body in memory, up to the core's body size limit (and within the time limit
    /// described on [`RawResponse`]).
    pub async fn bytes(self) -> Result<Bytes, Error> {
        let limit = self.limit;
        self.bytes_timed(limit).await
    }

    /// Reads the whole body, refusing more than `limit` bytes, within the timer.
    pub(crate) async fn bytes_timed(mut self, limit: usize) -> Result<Bytes, Error> {
        if let RawBody::Incoming(body) = &self.body {
            if body.size_hint().exact().is_some_and(|n| n > limit as u64) {
                return Err(Error::body_too_large(limit).set_attempts(self.attempts));
            }
        }
        let mut all = Collect::default();
        while let Some(data) = self.chunk().await? {
            all.push(data, limit).map_err(|e| e.set_attempts(self.attempts))?;
        }
        Ok(all.finish())
    }

    /// Status, headers and the whole body, read without a time limit of its own (a caller's
    /// timeout covers it); at once when it [`is_complete`](Self::is_complete).
    pub(crate) async fn into_parts(self, limit: usize) -> Result<(u16, HeaderMap, Bytes), Error> {
        let body = match self.body {
            RawBody::Buffered(b) => b.unwrap_or_default(),
            RawBody::Incoming(body) => read_limited(body, limit).await.map_err(|e| e.set_attempts(self.attempts))?,
        };
        Ok((self.status, self.headers, body))
    }
}

/// The body as a stream of byte chunks.
impl futures_core::Stream for RawResponse {
    type Item = Result<Bytes, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_chunk(cx)
    }
}

impl fmt::Debug for RawResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("content_type", &self.content_type())
            .finish_non_exhaustive()
    }
}
