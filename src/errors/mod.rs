//! The one error type of the crate.
//!
//! Every operation fails the same ways, so there is a single opaque [`Error`]
//! with accessors ([`Error::status`], [`Error::headers`], [`Error::api_error`],
//! [`Error::body`]) and predicates ([`Error::is_timeout`], [`Error::is_api`], …)
//! instead of one error enum per operation. Causes are reachable through
//! [`std::error::Error::source`]; no dependency's type appears in the API.
//!
//! An `Error` never holds the API key: request headers are not kept, and text that came from
//! the server (the API's message and metadata, body text, decode messages) is shown by
//! `Display` and `Debug`, and kept in [`Error::api_error`], with the key replaced: the key the
//! request carried, anything shaped like an OpenRouter key (`sk-or-…`), and bearer tokens.
//! [`Error::body`] still returns the bytes as received.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use http::HeaderMap;
use serde::{Deserialize, Serialize};

use crate::headers::content_encoding;

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// An error from building, sending or decoding a request.
///
/// Cheap to move: everything lives behind one box. It never holds the API key, and text that
/// came from the server is shown by `Display` and `Debug` with the key redacted (see
/// [`Error::api_error`]); [`Error::body`] is the bytes as received.
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
    /// The server's text shown by `Display` when there is no API error object (redacted).
    detail: Option<String>,
    /// Whether any byte of the response had arrived (connection and timeout errors).
    response_started: bool,
    /// How many attempts the call made (see [`Error::attempts`]).
    attempts: u32,
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
    /// The response was not valid HTTP (a malformed or oversized head, a bad `Content-Length`).
    Protocol,
    /// A hook refused the request, or panicked.
    Hook,
    /// The agent loop could not go on (feature `agent`); the source is its `AgentError`.
    #[cfg(feature = "agent")]
    Agent,
}

/// The error object the API sends: `{"error": {"code", "message", "metadata"}}`, normalised the
/// same way whether it came as an error body or inside a stream.
///
/// The API's `code` is usually the HTTP status as a number (`429`), sometimes a numeric string
/// (`"429"`), sometimes a symbolic code (`"rate_limit_exceeded"`, `"server_error"`). The number is
/// in [`code`](Self::code); a symbolic code is kept as sent in [`code_text`](Self::code_text).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "WireError")]
pub struct ApiError {
    /// The numeric error code: the API's own number (`401`, `401.0` and `"401"` all read 401);
    /// when it sent none or a symbolic one, the HTTP status of the answer (0 for an error
    /// reported inside a stream, which has no status of its own).
    pub code: i64,
    /// The code as the API sent it when it is not a number: `Some("rate_limit_exceeded")` for
    /// `"code": "rate_limit_exceeded"`; `None` for a numeric code or none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_text: Option<String>,
    /// The API's human-readable message.
    #[serde(default)]
    pub message: String,
    /// Extra details (provider name, raw provider error, moderation reasons, …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// The API's error object as sent, before [`WireError::normalise`]: every field optional, the
/// code of any JSON type. The JSON path and the stream path both read it.
#[derive(Deserialize)]
pub(crate) struct WireError {
    #[serde(default)]
    pub(crate) code: Option<serde_json::Value>,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) metadata: Option<serde_json::Map<String, serde_json::Value>>,
    /// Only in what [`ApiError`]'s own `Serialize` wrote, so that it round-trips.
    #[serde(default)]
    code_text: Option<String>,
}

impl WireError {
    pub(crate) fn new(code: Option<serde_json::Value>, message: Option<String>) -> Self {
        WireError { code, message, metadata: None, code_text: None }
    }

    /// The one normaliser of the API's error object. `status` fills in the numeric code when
    /// the API sent none or a symbolic one (0: there is no status, as inside a stream).
    /// `401`, `401.0` and `"401"` are 401; a non-numeric string is kept in `code_text`;
    /// any other JSON value counts as no code.
    pub(crate) fn normalise(self, status: u16) -> ApiError {
        let (numeric, text) = match self.code {
            Some(serde_json::Value::Number(n)) => (n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)), None),
            Some(serde_json::Value::String(s)) => match s.trim().parse::<i64>() {
                Ok(n) => (Some(n), None),
                Err(_) if s.trim().is_empty() => (None, None),
                Err(_) => (None, Some(s)),
            },
            _ => (None, None),
        };
        let code = numeric.filter(|c| *c != 0).unwrap_or(i64::from(status));
        ApiError {
            code,
            code_text: text.or(self.code_text),
            message: self.message.unwrap_or_default(),
            metadata: self.metadata,
        }
    }
}

impl From<WireError> for ApiError {
    fn from(wire: WireError) -> Self {
        wire.normalise(0)
    }
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
                detail: None,
                response_started: false,
                attempts: 0,
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

    /// A connection that broke: before any byte of the response (`received` 0), or after
    /// `received` bytes of a response head that never completed (`u64::MAX`: some).
    pub(crate) fn connection_lost(received: u64, source: impl Into<Source>) -> Self {
        let message: Cow<'static, str> = match received {
            0 => "connection failed before any response".into(),
            u64::MAX => "connection failed after the response started".into(),
            n => format!("connection failed after {n} bytes of the response").into(),
        };
        let mut e = Error::new(Kind::Connect, message).with_source(source);
        e.inner.response_started = received > 0;
        e
    }

    /// The agent loop's own failure (an empty final turn, a stream cut before its end, …);
    /// `source` is the typed reason, read back with `Error::agent_error`.
    #[cfg(feature = "agent")]
    pub(crate) fn agent(message: String, source: impl Into<Source>) -> Self {
        Error::new(Kind::Agent, message).with_source(source)
    }

    /// A response that is not valid HTTP; `what` says what was wrong.
    pub(crate) fn protocol(what: String, source: impl Into<Source>) -> Self {
        let mut e = Error::new(Kind::Protocol, what).with_source(source);
        e.inner.response_started = true;
        e
    }

    /// A 2xx answer in a `Content-Encoding` this SDK neither asks for nor decodes.
    pub(crate) fn content_encoding(status: u16, headers: HeaderMap, body: Bytes, secret: &[u8]) -> Self {
        let encoding = redact(&one_line(content_encoding(&headers).unwrap_or(""), 60), secret).into_owned();
        let mut e = Error::new(
            Kind::Decode,
            format!(
                "the response (status {status}) is in Content-Encoding `{encoding}`, which this SDK does not ask \
                 for and does not decode"
            ),
        );
        e.inner.status = Some(status);
        e.inner.headers = Some(headers);
        e.inner.body = Some(body);
        e.inner.response_started = true;
        e
    }

    /// Marks whether any byte of the response had arrived.
    pub(crate) fn set_response_started(mut self, started: bool) -> Self {
        self.inner.response_started = started;
        self
    }

    /// Records how many attempts the call made; the send path sets it on every error it returns.
    pub(crate) fn set_attempts(mut self, attempts: u32) -> Self {
        self.inner.attempts = attempts;
        self
    }

    /// Whether any byte of the response had arrived when this error happened.
    pub(crate) fn response_started(&self) -> bool {
        self.inner.response_started
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

    /// A decode failure of a response body; the body and status are kept. serde's message
    /// may quote the body, so it is kept redacted (`secret`: the key the request carried).
    pub(crate) fn decode(
        source: serde_json::Error,
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        secret: &[u8],
    ) -> Self {
        let cause = redact(&source.to_string(), secret).into_owned();
        let mut e = Error::new(Kind::Decode, format!("could not decode the response body (status {status}): {cause}"));
        e.inner.status = Some(status);
        e.inner.headers = Some(headers);
        e.inner.body = Some(body);
        e.with_source(ServerText(cause))
    }

    /// A decode failure of data that is not a whole HTTP body (a stream event).
    pub(crate) fn decode_data(source: serde_json::Error, data: Bytes, secret: &[u8]) -> Self {
        let cause = redact(&source.to_string(), secret).into_owned();
        let mut e = Error::new(Kind::Decode, format!("could not decode event data: {cause}"));
        e.inner.body = Some(data);
        e.with_source(ServerText(cause))
    }

    /// A decode failure of text the caller asked to read as JSON (`what`: "the reply's text",
    /// "the arguments of tool call `get_weather`"); the text is kept as the body.
    pub(crate) fn decode_text(what: String, source: serde_json::Error, text: &str) -> Self {
        let cause = redact(&source.to_string(), b"").into_owned();
        let message = redact(&format!("could not decode {what} as JSON: {cause}"), b"").into_owned();
        let mut e = Error::new(Kind::Decode, message);
        e.inner.body = Some(Bytes::copy_from_slice(text.as_bytes()));
        e.with_source(ServerText(cause))
    }

    /// An event of a stream that could not be framed (invalid UTF-8, too large).
    pub(crate) fn stream_malformed(message: &'static str, raw: Bytes) -> Self {
        let mut e = Error::new(Kind::Decode, message);
        e.inner.body = Some(raw);
        e
    }

    /// A 2xx answer with a content type the operation does not produce.
    pub(crate) fn unexpected_content(
        status: u16,
        headers: HeaderMap,
        body: Bytes,
        expected: &str,
        secret: &[u8],
    ) -> Self {
        let got = headers.get(http::header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("none");
        let got = redact(&one_line(got, 100), secret).into_owned();
        let mut e =
            Error::new(Kind::Decode, format!("expected a `{expected}` response, got `{got}` (status {status})"));
        e.inner.status = Some(status);
        e.inner.headers = Some(headers);
        e.inner.body = Some(body);
        e
    }

    /// An error answer of the server: a 4xx/5xx status, or a 2xx with an `{"error": ...}` body.
    /// `secret` is the key the request carried: it is redacted from what is shown.
    pub(crate) fn api(status: u16, headers: HeaderMap, body: Bytes, secret: &[u8]) -> Self {
        let mut e = Error::new(Kind::Api, "");
        match content_encoding(&headers) {
            Some(enc) => {
                let enc = redact(&one_line(enc, 60), secret).into_owned();
                e.inner.detail = Some(format!("(a body in Content-Encoding `{enc}`, not decoded)"))
            }
            None => {
                e.inner.api = parse_api_error(&body, status).map(|api| api.redacted(secret));
                if e.inner.api.is_none() {
                    let text = String::from_utf8_lossy(&body);
                    if !text.trim().is_empty() {
                        e.inner.detail = Some(redact(&one_line(&text, 300), secret).into_owned());
                    }
                }
            }
        }
        e.inner.status = Some(status);
        e.inner.headers = Some(headers);
        e.inner.body = Some(body);
        e
    }

    /// The error a [`Hook`](crate::core::Hook) returns to refuse a request: the call fails with
    /// it and nothing is sent; [`Error::is_hook`] is true for it.
    pub fn hook(message: impl Into<String>) -> Self {
        Error::new(Kind::Hook, message.into())
    }

    /// A hook panicked: the call fails with this instead of unwinding through the caller.
    #[cold]
    pub(crate) fn hook_panicked(payload: &str) -> Self {
        Error::new(Kind::Hook, format!("a hook panicked: {}", one_line(payload, 300)))
    }

    /// An error reported inside a stream (an SSE event with an `error` object).
    pub(crate) fn api_in_stream(api: ApiError, data: Bytes, secret: &[u8]) -> Self {
        let mut e = Error::new(Kind::Api, "");
        e.inner.body = Some(data);
        e.inner.api = Some(api.redacted(secret));
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

    /// The parsed `{"error": {code, message, metadata}}` body, if the server sent one, with
    /// the API key redacted from its text: the key the request carried, anything shaped like
    /// an OpenRouter key (`sk-or-…`) and bearer tokens read `[redacted]` ([`Error::body`] has
    /// the bytes as received).
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
        self.headers().and_then(crate::headers::retry_after)
    }

    /// How many attempts the call made: 1 for a call that failed at once, more when it was
    /// retried (the last attempt's error is this one); 0 when nothing was sent (the request was
    /// refused before sending, or the key provider failed). An error read from a body or a
    /// stream after the call returned counts the attempts of that call.
    pub fn attempts(&self) -> u32 {
        self.inner.attempts
    }

    /// The server answered with an error (status, or an error body in a 2xx or a stream).
    pub fn is_api(&self) -> bool {
        self.inner.kind == Kind::Api
    }

    /// An attempt timed out (connect, headers, body, or the idle time of a stream).
    pub fn is_timeout(&self) -> bool {
        self.inner.kind == Kind::Timeout
    }

    /// The connection could not be made, or broke before a complete response head arrived.
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

    /// The server's response was not valid HTTP: a malformed head, too many or too large
    /// headers, a bad `Content-Length`. The message says which; it is never retried.
    pub fn is_protocol(&self) -> bool {
        self.inner.kind == Kind::Protocol
    }

    /// A hook refused the request ([`Error::hook`]) or panicked; never retried.
    pub fn is_hook(&self) -> bool {
        self.inner.kind == Kind::Hook
    }

    /// The agent loop could not go on (feature `agent`): the model's last turn was empty or
    /// asked only for tools, its stream ended without `response.completed`, a resumed state
    /// is of an unknown version or names a call that is not pending. The reason is
    /// `agent_error()`.
    #[cfg(feature = "agent")]
    pub fn is_agent(&self) -> bool {
        self.inner.kind == Kind::Agent
    }

    /// Whether trying the same request again may succeed: connection errors,
    /// timeouts, 429 and 5xx statuses, and an error reported inside a stream whose code is 408,
    /// 429 or 5xx (the stream's status was a success; a new request may go to another provider).
    /// (Whether it is safe is another matter: the retry loop sends a POST again only when no
    /// byte of its response had arrived; see [`RetryConfig`](crate::RetryConfig).)
    pub fn is_retryable(&self) -> bool {
        match self.inner.kind {
            Kind::Connect | Kind::Timeout => true,
            Kind::Api => match self.inner.status {
                Some(status) => matches!(status, 429 | 500..=599),
                // Inside a stream: the API's code says what happened.
                None => self.inner.api.as_ref().is_some_and(|a| matches!(a.code, 408 | 429 | 500..=599)),
            },
            _ => false,
        }
    }
}

/// Parses `{"error": {...}}`; the code falls back to the HTTP status.
fn parse_api_error(body: &[u8], status: u16) -> Option<ApiError> {
    Some(envelope(body)?.normalise(status))
}

/// `{"error": {...}}` with the types [`WireError`] takes, read through a `serde_json::Value`:
/// every program links that decoder already (for the fields a model does not know), so an
/// error body costs no decoder of its own.
fn envelope(body: &[u8]) -> Option<WireError> {
    use serde_json::Value;
    let Value::Object(mut top) = serde_json::from_slice(body).ok()? else { return None };
    let Value::Object(mut error) = top.remove("error")? else { return None };
    let mut text = |key: &str| match error.remove(key) {
        None | Some(Value::Null) => Some(None),
        Some(Value::String(s)) => Some(Some(s)),
        Some(_) => None,
    };
    let (message, code_text) = (text("message")?, text("code_text")?);
    let metadata = match error.remove("metadata") {
        None | Some(Value::Null) => None,
        Some(Value::Object(m)) => Some(m),
        Some(_) => return None,
    };
    Some(WireError { code: error.remove("code"), message, metadata, code_text })
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
    matches!(after, Some(a) if a.starts_with(b"\"error\"")) && envelope(body).is_some()
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
                } else if let Some(detail) = &i.detail {
                    write!(f, ": {detail}")?;
                }
                Ok(())
            }
            Kind::Connect | Kind::Cancelled | Kind::Body => {
                f.write_str(&i.message)?;
                if let Some(src) = &i.source {
                    write!(f, ": {}", cause_chain(&**src))?;
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
            // The chain's text, not its `Debug`: the causes' own fields are of no use to a reader.
            d.field("source", &cause_chain(&**src));
        }
        d.finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner.source.as_deref().map(|s| s as &(dyn std::error::Error + 'static))
    }
}

/// The messages of an error and its sources, joined with `: `; hyper-util's wrapper
/// ("client error (SendRequest)") says nothing and is skipped.
pub(crate) fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut out = String::new();
    let mut next = Some(e);
    while let Some(e) = next {
        let text = e.to_string();
        let wrapper = text.starts_with("client error (") && e.source().is_some();
        if !wrapper && !out.ends_with(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
        next = e.source();
    }
    one_line(&out, 300)
}

/// Server text kept as the source of a decode error, already redacted.
struct ServerText(String);

impl fmt::Display for ServerText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for ServerText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for ServerText {}

const REDACTED: &str = "[redacted]";

/// `text` with the key replaced: `secret` (the key a request carried, when it is at least 8
/// bytes of UTF-8), anything shaped like an OpenRouter key (`sk-or-` and what follows), and the
/// token after `Bearer `. One pass, without a substring searcher (they cost binary size).
pub(crate) fn redact<'a>(text: &'a str, secret: &[u8]) -> Cow<'a, str> {
    let secret = std::str::from_utf8(secret).unwrap_or("").trim().as_bytes();
    let secret = if secret.len() >= 8 { secret } else { b"" };
    let token = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'+' | b'/' | b'=');
    let bytes = text.as_bytes();
    let mut out: Option<String> = None;
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        let rest = &bytes[i..];
        let start = if !secret.is_empty() && rest.starts_with(secret) {
            i
        } else if rest.starts_with(b"sk-or-") {
            i + 6
        } else if rest.len() >= 7 && rest[..7].eq_ignore_ascii_case(b"bearer ") {
            i + 7
        } else {
            i += 1;
            continue;
        };
        let end =
            if start == i { i + secret.len() } else { start + bytes[start..].iter().take_while(|b| token(b)).count() };
        // Both ends are character boundaries: the patterns are ASCII, and the secret is UTF-8.
        if end > start && !bytes[start..].starts_with(REDACTED.as_bytes()) {
            let o = out.get_or_insert_with(|| String::with_capacity(text.len()));
            o.push_str(&text[copied..start]);
            o.push_str(REDACTED);
            copied = end;
        }
        i = end.max(i + 1);
    }
    match out {
        None => Cow::Borrowed(text),
        Some(mut o) => {
            o.push_str(&text[copied..]);
            Cow::Owned(o)
        }
    }
}

fn redact_value(v: &mut serde_json::Value, secret: &[u8]) {
    match v {
        serde_json::Value::String(s) => {
            if let Cow::Owned(r) = redact(s, secret) {
                *s = r;
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(|v| redact_value(v, secret)),
        serde_json::Value::Object(m) => m.values_mut().for_each(|v| redact_value(v, secret)),
        _ => {}
    }
}

impl ApiError {
    /// The error with the key redacted from its message and metadata.
    pub(crate) fn redacted(mut self, secret: &[u8]) -> ApiError {
        if let Cow::Owned(r) = redact(&self.message, secret) {
            self.message = r;
        }
        if let Some(m) = &mut self.metadata {
            m.values_mut().for_each(|v| redact_value(v, secret));
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn keys_are_redacted() {
        let key = b"sk-or-v1-0123456789abcdef";
        assert_eq!(
            redact("Invalid credentials: Bearer sk-or-v1-0123456789abcdef", key),
            "Invalid credentials: Bearer [redacted]"
        );
        assert_eq!(redact("key sk-or-v1-ffff!", b""), "key sk-or-[redacted]!");
        assert_eq!(redact("my-custom-key-42 was refused", b"my-custom-key-42"), "[redacted] was refused");
        assert_eq!(redact("short k", b"k"), "short k");
        assert_eq!(redact("BEARER abc.def", b""), "BEARER [redacted]");
        assert_eq!(redact("nothing here", key), "nothing here");
        assert_eq!(redact("sk-or-", b""), "sk-or-");
        assert_eq!(redact("ünïcode sk-or-é", b""), "ünïcode sk-or-é");
    }
}
