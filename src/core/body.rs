//! Request and response bodies.

use std::fmt;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::HeaderValue;
use http::HeaderMap;
use http_body::{Body, Frame, SizeHint};
use http_body_util::BodyExt;
use hyper::body::Incoming;

use crate::Error;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// A request body: empty or a buffer (cloned cheaply for each retry).
#[derive(Clone, Default)]
pub(crate) struct ReqBody {
    data: Option<Bytes>,
    content_type: Option<HeaderValue>,
}

impl ReqBody {
    pub(crate) fn empty() -> Self {
        ReqBody::default()
    }

    pub(crate) fn json(bytes: Vec<u8>) -> Self {
        ReqBody { data: Some(Bytes::from(bytes)), content_type: Some(HeaderValue::from_static("application/json")) }
    }

    pub(crate) fn content_type(&self) -> Option<HeaderValue> {
        self.content_type.clone()
    }
}

impl Body for ReqBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Poll::Ready(self.get_mut().data.take().map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.as_ref().map_or(0, |d| d.len() as u64))
    }
}

/// A `multipart/form-data` body under construction.
pub(crate) struct Multipart {
    boundary: String,
    buf: Vec<u8>,
}

impl Multipart {
    pub(crate) fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_usize(&h as *const _ as usize);
        Multipart { boundary: format!("openrouter-{:016x}", h.finish()), buf: Vec::new() }
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

    /// A file field.
    pub(crate) fn file(&mut self, name: &str, filename: Option<String>, content_type: Option<String>, bytes: Bytes) {
        let ct = content_type.unwrap_or_else(|| "application/octet-stream".to_owned());
        self.head(name, Some(filename.as_deref().unwrap_or("file")), Some(&ct));
        self.buf.extend_from_slice(&bytes);
        self.buf.extend_from_slice(b"\r\n");
    }

    pub(crate) fn into_body(mut self) -> ReqBody {
        self.buf.extend_from_slice(b"--");
        self.buf.extend_from_slice(self.boundary.as_bytes());
        self.buf.extend_from_slice(b"--\r\n");
        let ct = HeaderValue::try_from(format!("multipart/form-data; boundary={}", self.boundary))
            .expect("the boundary is ASCII");
        ReqBody { data: Some(Bytes::from(self.buf)), content_type: Some(ct) }
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

/// Reads a whole body, refusing more than `limit` bytes.
pub(crate) async fn read_limited(mut body: Incoming, limit: usize) -> Result<Bytes, Error> {
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    if let Some(n) = body.size_hint().exact() {
        if n > limit as u64 {
            return Err(Error::body_too_large(limit));
        }
    }
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(body_error)?;
        let Ok(data) = frame.into_data() else { continue };
        let have = first.as_ref().map_or(0, Bytes::len) + rest.len();
        if have + data.len() > limit {
            return Err(Error::body_too_large(limit));
        }
        match &first {
            None => first = Some(data),
            Some(f) => {
                if rest.is_empty() {
                    rest.reserve(f.len() + data.len());
                    rest.extend_from_slice(f);
                }
                rest.extend_from_slice(&data);
            }
        }
    }
    Ok(if rest.is_empty() { first.unwrap_or_default() } else { Bytes::from(rest) })
}

#[cold]
pub(crate) fn body_error(e: hyper::Error) -> Error {
    Error::body_read("reading the response body failed", Some(Box::new(e)))
}

/// A success response whose body has not been read: binary downloads and event streams.
pub struct RawResponse {
    status: u16,
    headers: HeaderMap,
    body: RawBody,
    limit: usize,
}

enum RawBody {
    Incoming(Incoming),
    Buffered(Option<Bytes>),
}

impl RawResponse {
    pub(crate) fn streaming(status: u16, headers: HeaderMap, body: Incoming, limit: usize) -> Self {
        RawResponse { status, headers, body: RawBody::Incoming(body), limit }
    }

    pub(crate) fn buffered(status: u16, headers: HeaderMap, body: Bytes) -> Self {
        RawResponse { status, headers, body: RawBody::Buffered(Some(body)), limit: usize::MAX }
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

    /// The next piece of the body, or `None` at its end.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        std::future::poll_fn(|cx| self.poll_chunk(cx)).await.transpose()
    }

    /// Polls for the next non-empty piece of the body.
    pub(crate) fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Error>>> {
        match &mut self.body {
            RawBody::Buffered(b) => Poll::Ready(b.take().filter(|b| !b.is_empty()).map(Ok)),
            RawBody::Incoming(body) => loop {
                match Pin::new(&mut *body).poll_frame(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(None) => return Poll::Ready(None),
                    Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(body_error(e)))),
                    Poll::Ready(Some(Ok(frame))) => {
                        if let Ok(data) = frame.into_data() {
                            if !data.is_empty() {
                                return Poll::Ready(Some(Ok(data)));
                            }
                        }
                    }
                }
            },
        }
    }

    /// Writes the body to `out` as it arrives, never holding all of it in memory;
    /// returns the number of bytes written.
    pub async fn write_to<W: tokio::io::AsyncWrite + Unpin>(mut self, out: &mut W) -> Result<u64, Error> {
        use tokio::io::AsyncWriteExt;
        let mut written = 0u64;
        while let Some(chunk) = self.chunk().await? {
            out.write_all(&chunk).await.map_err(|e| Error::body_read("writing the body failed", Some(Box::new(e))))?;
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(|e| Error::body_read("writing the body failed", Some(Box::new(e))))?;
        Ok(written)
    }

    /// The whole body in memory, up to the core's body size limit.
    pub async fn bytes(self) -> Result<Bytes, Error> {
        let limit = self.limit;
        self.bytes_within(limit).await
    }

    pub(crate) async fn bytes_within(self, limit: usize) -> Result<Bytes, Error> {
        match self.body {
            RawBody::Buffered(b) => Ok(b.unwrap_or_default()),
            RawBody::Incoming(body) => read_limited(body, limit).await,
        }
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
