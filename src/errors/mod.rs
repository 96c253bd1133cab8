//! The one error type of the crate.
//!
//! Every operation fails the same ways, so there is a single opaque [`Error`]
//! with accessors ([`Error::status`], [`Error::headers`], [`Error::api_error`],
//! [`Error::body`]) and predicates ([`Error::is_timeout`], [`Error::is_api`], …)
//! instead of one error enum per operation. Causes are reachable through
//! [`std::error::Error::source`]; no dependency's type appears in the API.
//!
//! An `Error` never holds the API key: request headers are not kept.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error from building, sending or decoding a request.
///
/// Cheap to move: everything lives behind one box.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    message: Cow<'static, str>,
    status: Option<u16>,
    headers: Option<HeaderMap>,
    body: Option<Bytes>,
    api: Option<ApiError>,
    source: Option<Source>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The request was refused before anything was sent (bad input or configuration).
    InvalidRequest,
    /// The connection could not be made or broke before a response arrived.
    Connect,
    /// An attempt took longer than its timeout.
    Timeout,
    /// The request was cancelled (the runtime or the connection went away).
    Cancelled,
    /// The server answered with an error status, or a 2xx carrying an `{"error": ...}` body.
    Api,
    /// The body could not be decoded into the expected type.
    Decode,
    /// The body was larger than the configured limit.
    BodyTooLarge,
    /// Reading the body (or a stream) failed after the response started.
    Body,
}

/// The error object the API sends: `{"error": {"code", "message", "metadata"}}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ApiError {
    /// The error code; the API uses the HTTP status (a status is filled in when the body lacks one).
    #[serde(default, deserialize_with = "lenient_code")]
    pub code: i64,
    /// The API's human-readable message.
    #[serde(default)]
    pub message: String,
    /// Extra details (provider name, raw provider error, moderation reasons, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Accepts `401`, `401.0` or `"401"`; anything else becomes 0 (and is then replaced by the status).
fn lenient_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)).unwrap_or(0),
        serde_json::Value::String(s) => s.trim().parse().unwrap_or(0),
        _ => 0,
    })
}

#[derive(Deserialize)]
struct ErrorEnvelope {
    error: ApiError,
}

impl Error {
    fn new(kind: Kind, message: impl Into<Cow<'static, str>>) -> Self {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                headers: None,
                body: None,
                api: None,
                source: None,
            }),
        }
    }

    fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.inner.source = Some(source.into());
        self
    }

    /// A request refused before sending: bad input, bad configuration.
    pub fn invalid_request(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(Kind::InvalidRequest, message)
    }

    pub(crate) fn connect(source: impl Into<Source>) -> Self {
        Error::new(Kind::Connect, "connection failed").with_source(source)
    }

    pub(crate) fn timeout(after: Duration) -> Self {
        Error::new(Kind::Timeout, format!("request timed out after {}", fmt_duration(after)))
    }

    pub(crate) fn idle_timeout(after: Duration) -> Self {
        Error::new(Kind::Timeout, format!("no data from the server for {}", fmt_duration(after)))
    }

    pub(crate) fn cancelled(source: impl Into<Source>) -> Self {
        Error::new(Kind::Cancelled, "request cancelled").with_source(source)
    }

    pub(crate) fn body_read(message: &'static str, source: Option<Source>) -> Self {
        let mut e = Error::new(Kind::Body, message);
        e.inner.source = source;
        e
    }

    pub(crate) fn body_too_large(limit: usize) -> Self {
        Error::new(Kind::BodyTooLarge, format!("response body exceeds the limit of {limit} bytes"))
    }

    /// A decode failure of a response body; the body and status are kept.
    pub(crate) fn decode(source: serde_json::Error, status: u16, headers: HeaderMap, body: Bytes) -> Self {
        let mut e = Error::new(Kind::Decode, format!("could not decode the response body (status {status}): {source}"));
        e.inner.status = Some(status);
        e.inner.headers = Some(headers);
        e.inner.body = Some(body);
        e.with_source(source)
    }

    /// A decode failure of data that is not a whole HTTP body (a stream event).
    pub(crate) fn decode_data(source: serde_json::Error, data: Bytes) -> Self {
        let mut e = Error::new(Kind::Decode, format!("could not decode event data: {source}"));
        e.inner.body = Some(data);
        e.with_source(source)
    }

    /// An event of a stream that could not be framed (invalid UTF-8, too large).
    pub(crate) fn stream_malformed(message: &'static str, raw: Bytes) -> Self {
        let mut e = Error::new(Kind::Decode, message);
        e.inner.body = Some(raw);
        e
    }

    /// A 2xx answer with a content type the operation does not produce.
    pub(crate) fn unexpected_content(status: u16, headers: HeaderMap, body: Bytes, expected: &str) -> Self {
        let got = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("none").to_owned();
        let mut e =
            Error::new(Kind::Decode, format!("expected a `{expected}` response, got `{got}` (status {status})"));
        e.inner.status = Some(status);
        e.inner.headers = Some(headers);
        e.inner.body = Some(body);
        e
    }

    /// An error answer of the server: a 4xx/5xx status, or a 2xx with an `{"error": ...}` body.
    pub(crate) fn api(status: u16, headers: HeaderMap, body: Bytes) -> Self {
        let api = parse_api_error(&body, status);
        let mut e = Error::new(Kind::Api, "");
        e.inner.status = Some(status);
        e.inner.headers = Some(headers);
        e.inner.body = Some(body);
        e.inner.api = api;
        e
    }

    /// An error reported inside a stream (an SSE event with an `error` object).
    pub(crate) fn api_in_stream(api: ApiError, data: Bytes) -> Self {
        let mut e = Error::new(Kind::Api, "");
        e.inner.body = Some(data);
        e.inner.api = Some(api);
        e
    }

    /// The HTTP status of the response that caused this error, if there was one.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The response headers, if a response was received.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.inner.headers.as_ref()
    }

    /// The parsed `{"error": {code, message, metadata}}` body, if the server sent one.
    pub fn api_error(&self) -> Option<&ApiError> {
        self.inner.api.as_ref()
    }

    /// The raw body the server sent (for API and decode errors), unchanged.
    pub fn body(&self) -> Option<&[u8]> {
        self.inner.body.as_deref()
    }

    /// The raw body as text (invalid UTF-8 replaced).
    pub fn body_text(&self) -> Option<Cow<'_, str>> {
        self.body().map(String::from_utf8_lossy)
    }

    /// The value of the `Retry-After` family of headers, as the server sent it.
    pub fn retry_after(&self) -> Option<Duration> {
        self.headers().and_then(crate::core::retry_after)
    }

    /// The server answered with an error (status, or an error body in a 2xx or a stream).
    pub fn is_api(&self) -> bool {
        self.inner.kind == Kind::Api
    }

    /// An attempt timed out (connect, headers, body, or the idle time of a stream).
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == Kind::Timeout
    }

    /// The connection could not be made or broke before a response.
    pub fn is_connect(&self) -> bool {
        self.inner.kind == Kind::Connect
    }

    /// The response body did not match the expected type; [`Error::body`] has it.
    pub fn is_decode(&self) -> bool {
        self.inner.kind == Kind::Decode
    }

    /// The request was cancelled before it completed.
    pub fn is_cancelled(&self) -> bool {
        self.inner.kind == Kind::Cancelled
    }

    /// Refused before anything was sent: invalid input or configuration.
    pub fn is_invalid_request(&self) -> bool {
        self.inner.kind == Kind::InvalidRequest
    }

    /// The response body was larger than the configured limit.
    pub fn is_body_too_large(&self) -> bool {
        self.inner.kind == Kind::BodyTooLarge
    }

    /// Reading the body or a stream failed after the response had started.
    pub fn is_body(&self) -> bool {
        self.inner.kind == Kind::Body
    }

    /// Whether trying the same request again may succeed: connection errors,
    /// timeouts, 429 and 5xx statuses.
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            Kind::Connect | Kind::Timeout => true,
            Kind::Api => matches!(self.inner.status, Some(429) | Some(500..=599)),
            _ => false,
        }
    }
}

/// Parses `{"error": {...}}`; the code falls back to the HTTP status.
fn parse_api_error(body: &[u8], status: u16) -> Option<ApiError> {
    let mut api = serde_json::from_slice::<ErrorEnvelope>(body).ok()?.error;
    if api.code == 0 {
        api.code = i64::from(status);
    }
    Some(api)
}

/// `true` when a 2xx body is an error object (`{"error": {...}}` with nothing else that matters).
/// Checked before decoding, in O(1) unless the body starts that way.
pub(crate) fn in_band_error(body: &[u8]) -> bool {
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).unwrap_or(body.len());
    let rest = &body[start..];
    if !rest.starts_with(b"{") {
        return false;
    }
    let after = rest[1..].iter().position(|b| !b.is_ascii_whitespace()).map(|p| &rest[1 + p..]);
    matches!(after, Some(a) if a.starts_with(b"\"error\"")) && serde_json::from_slice::<ErrorEnvelope>(body).is_ok()
}

fn fmt_duration(d: Duration) -> String {
    if d.as_secs() >= 1 && d.subsec_millis() == 0 {
        format!("{} s", d.as_secs())
    } else {
        format!("{} ms", d.as_millis() as u64)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        match i.kind {
            Kind::Api => {
                match i.status {
                    Some(s) => write!(f, "API error (HTTP {s})")?,
                    None => f.write_str("API error in stream")?,
                }
                if let Some(api) = &i.api {
                    if !api.message.is_empty() {
                        write!(f, ": {}", one_line(&api.message, 500))?;
                    }
                    if let Some(raw) = api.metadata.as_ref().and_then(|m| m.get("raw")).and_then(|r| r.as_str()) {
                        write!(f, " ({})", one_line(raw, 300))?;
                    }
                } else if let Some(body) = &i.body {
                    let text = String::from_utf8_lossy(body);
                    if !text.trim().is_empty() {
                        write!(f, ": {}", one_line(&text, 300))?;
                    }
                }
                Ok(())
            }
            Kind::Connect | Kind::Cancelled | Kind::Body => {
                f.write_str(&i.message)?;
                if let Some(src) = &i.source {
                    write!(f, ": {}", one_line(&src.to_string(), 300))?;
                }
                Ok(())
            }
            _ => f.write_str(&i.message),
        }
    }
}

/// The text on one line, cut at `max` characters.
fn one_line(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max + 3));
    for (n, c) in s.split_whitespace().flat_map(|w| w.chars().chain(std::iter::once(' '))).enumerate() {
        if n == max {
            out.push('…');
            return out;
        }
        out.push(c);
    }
    out.truncate(out.trim_end().len());
    out
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("message", &self.to_string());
        if let Some(s) = i.status {
            d.field("status", &s);
        }
        if let Some(src) = &i.source {
            d.field("source", src);
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}
