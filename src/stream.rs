//! Typed server-sent event streams.
//!
//! [`EventStream<T>`] turns the body of a `text/event-stream` response into a
//! [`Stream`](futures_core::Stream) of `Result<T, Error>`:
//!
//! - `data: [DONE]` ends it (and closes the connection);
//! - an error reported inside the stream — an `error` object in the event, a
//!   `finish_reason` of `"error"`, an `error` or `response.failed` event — is an
//!   `Err` item carrying the API's code and message, and the stream ends after it;
//! - a connection cut mid-stream is an `Err` item, never a silent end;
//! - an event whose data does not decode is an `Err` item holding the raw data;
//! - no bytes for longer than the idle timeout (default 5 minutes; OpenRouter
//!   sends keep-alive comments while a model works) is an `Err` item
//!   ([`Error::is_timeout`]).
//!
//! Dropping the stream closes the connection at once.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use serde::de::DeserializeOwned;
use serde::Deserialize;

use crate::core::{HttpRequest, RawResponse, SuccessBody};
use crate::errors::{in_band_error, WireError};
use crate::headers::{bearer_key, content_encoding, is_content_type};
use crate::sse::SseDecoder;
use crate::{ApiError, Error, OpenRouterCore};

pub use crate::core::DEFAULT_IDLE_TIMEOUT;

impl OpenRouterCore {
    /// Sends a request that answers with server-sent events and returns the typed stream.
    /// A JSON answer is an API error when it is one, otherwise a decode error; so is a stream in
    /// a `Content-Encoding` (it would be read as garbage, or not at all).
    pub(crate) async fn send_stream<T: StreamEvent>(&self, req: HttpRequest) -> Result<EventStream<T>, Error> {
        let idle = self.idle_timeout();
        #[cfg(feature = "tracing")]
        let operation_id = crate::core::operation_id(&req.method, &req.path);
        let (raw, auth) = self.execute(req, SuccessBody::Unread).await?;
        let attempts = raw.attempts();
        if content_encoding(raw.headers()).is_some() {
            let (status, headers) = (raw.status(), raw.headers().clone());
            let e = Error::content_encoding(status, headers, Bytes::new(), bearer_key(&auth));
            return Err(e.set_attempts(attempts));
        }
        if !is_content_type(raw.headers(), "text/event-stream") {
            let raw = raw.idle_timeout(idle.unwrap_or(Duration::ZERO));
            return Err(not_a_stream(raw, self.max_body_size(), &auth).await.set_attempts(attempts));
        }
        #[allow(unused_mut)]
        let mut stream = EventStream::new(raw, idle, auth, T::error_hint);
        #[cfg(feature = "tracing")]
        {
            stream.operation_id = operation_id;
        }
        Ok(stream)
    }
}

/// The error for a streaming request answered without an event stream.
#[cold]
async fn not_a_stream(raw: RawResponse, limit: usize, auth: &http::HeaderValue) -> Error {
    let status = raw.status();
    let headers = raw.headers().clone();
    match raw.bytes_timed(limit).await {
        Err(e) => e,
        Ok(body) if in_band_error(&body) => Error::api(status, headers, body, bearer_key(auth)),
        Ok(body) => Error::unexpected_content(status, headers, body, "text/event-stream", bearer_key(auth)),
    }
}

/// A typed stream of server-sent events; see the [module docs](self).
pub struct EventStream<T> {
    response: RawResponse,
    decoder: SseDecoder,
    idle: Option<Duration>,
    sleep: Option<Pin<Box<tokio::time::Sleep>>>,
    finished: bool,
    /// What a decoded event says about an in-stream error report (the event type's
    /// [`StreamEvent::error_hint`]).
    error_hint: fn(&T) -> ErrorHint,
    /// Looks for `error` in the data of an event whose type cannot tell, built once per stream.
    error_finder: memchr::memmem::Finder<'static>,
    /// The `Authorization` value the request carried: its key is redacted from errors.
    auth: http::HeaderValue,
    /// How many attempts the call made (for the errors of the stream).
    attempts: u32,
    /// For the `tracing` event at the end: the operation, and the events decoded so far.
    #[cfg(feature = "tracing")]
    operation_id: &'static str,
    #[cfg(feature = "tracing")]
    events: u64,
    _event: PhantomData<fn() -> T>,
}

impl<T> EventStream<T> {
    pub(crate) fn new(
        response: RawResponse,
        idle: Option<Duration>,
        auth: http::HeaderValue,
        error_hint: fn(&T) -> ErrorHint,
    ) -> Self {
        EventStream {
            attempts: response.attempts(),
            response,
            decoder: SseDecoder::new(),
            idle,
            sleep: None,
            finished: false,
            error_hint,
            error_finder: memchr::memmem::Finder::new(b"error"),
            auth,
            #[cfg(feature = "tracing")]
            operation_id: "",
            #[cfg(feature = "tracing")]
            events: 0,
            _event: PhantomData,
        }
    }

    /// The HTTP status of the response.
    pub fn status(&self) -> u16 {
        self.response.status()
    }

    /// The response headers (for example `X-Generation-Id`).
    pub fn headers(&self) -> &http::HeaderMap {
        self.response.headers()
    }
}

impl<T: DeserializeOwned> EventStream<T> {
    /// The next event, or `None` at the end of the stream.
    pub async fn next_event(&mut self) -> Option<Result<T, Error>> {
        std::future::poll_fn(|cx| self.poll_event(cx)).await
    }

    fn poll_event(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error>>> {
        match self.poll_item(cx) {
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.set_attempts(self.attempts)))),
            other => other,
        }
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, Error>>> {
        loop {
            if self.finished {
                return Poll::Ready(None);
            }
            if let Some(event) = self.decoder.next_event() {
                let item = match event {
                    Ok(e) if e.is_done() => None,
                    Ok(e) => Some(decode_event(e.data, self.error_hint, &self.error_finder, bearer_key(&self.auth))),
                    Err(e) => Some(Err(Error::stream_malformed(
                        "an event is not valid UTF-8 or too large",
                        Bytes::copy_from_slice(e.raw()),
                    ))),
                };
                match item {
                    None => {
                        self.finish("done");
                        return Poll::Ready(None);
                    }
                    Some(Ok(value)) => {
                        #[cfg(feature = "tracing")]
                        {
                            self.events += 1;
                        }
                        return Poll::Ready(Some(Ok(value)));
                    }
                    Some(Err(e)) => {
                        self.finish("error");
                        return Poll::Ready(Some(Err(e)));
                    }
                }
            }
            match self.response.poll_chunk(cx) {
                Poll::Ready(Some(Ok(bytes))) => {
                    self.decoder.feed(&bytes);
                    if let (Some(idle), Some(sleep)) = (self.idle, self.sleep.as_mut()) {
                        sleep.as_mut().reset(tokio::time::Instant::now() + idle);
                    }
                }
                Poll::Ready(Some(Err(e))) => {
                    self.finish("error");
                    return Poll::Ready(Some(Err(e)));
                }
                Poll::Ready(None) => {
                    let cut = self.decoder.has_partial_event();
                    self.finish(if cut { "cut" } else { "done" });
                    return Poll::Ready(
                        cut.then(|| Err(Error::body_read("the connection closed in the middle of an event", None))),
                    );
                }
                Poll::Pending => {
                    let Some(idle) = self.idle else { return Poll::Pending };
                    let sleep = self.sleep.get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                    if sleep.as_mut().poll(cx).is_ready() {
                        self.finish("idle_timeout");
                        return Poll::Ready(Some(Err(Error::idle_timeout(idle))));
                    }
                    return Poll::Pending;
                }
            }
        }
    }

    /// Ends the stream; `outcome` is what the `tracing` event says (`done`, `error`, `cut`,
    /// `idle_timeout`).
    fn finish(&mut self, outcome: &'static str) {
        #[cfg(feature = "tracing")]
        crate::core::stream_end(self.operation_id, self.events, outcome);
        #[cfg(not(feature = "tracing"))]
        let _ = outcome;
        self.finished = true;
        // Dropping the body closes the connection rather than reading it to its end.
        self.response = RawResponse::buffered(self.response.status(), http::HeaderMap::new(), Bytes::new());
        self.sleep = None;
    }
}

impl<T: DeserializeOwned> futures_core::Stream for EventStream<T> {
    type Item = Result<T, Error>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_event(cx)
    }
}

impl<T> fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EventStream").field("status", &self.status()).field("finished", &self.finished).finish()
    }
}

/// What a decoded event says about an error reported inside the stream ([`stream_error`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum ErrorHint {
    /// The event reports no error.
    Clear,
    /// The event may report one: its data is probed.
    Probe,
    /// Its type cannot tell: the data is probed if its text holds `error`.
    Unknown,
}

/// An event type of a typed stream: how a decoded event shows an in-stream error report.
pub(crate) trait StreamEvent: DeserializeOwned {
    /// By default the type cannot tell, and the event's text is searched.
    fn error_hint(&self) -> ErrorHint {
        ErrorHint::Unknown
    }
}

/// A chat chunk shows an error report in its own fields: an `error` object, a choice that finished
/// with `"error"`, or a `type` key (not a chunk's, an error event's). Reading them costs less than
/// searching each chunk's text for `error`, and a delta that merely mentions the word is not
/// parsed a second time.
#[cfg(feature = "chat")]
impl StreamEvent for crate::models::ChatStreamChunk {
    fn error_hint(&self) -> ErrorHint {
        use crate::models::ChatFinishReasonEnum;
        let error = self.error.is_some()
            || self.choices.iter().any(|c| c.finish_reason == Some(ChatFinishReasonEnum::Error))
            || self.extra.contains_key("type");
        if error {
            ErrorHint::Probe
        } else {
            ErrorHint::Clear
        }
    }
}

#[cfg(feature = "responses")]
impl StreamEvent for crate::models::StreamEvents {}

#[cfg(feature = "messages")]
impl StreamEvent for crate::models::MessagesStreamEvents {}

#[cfg(feature = "images")]
impl StreamEvent for crate::models::ImageStreamingResponseData {}

/// Decodes one event's data, turning an in-stream error report into an `Err`. The data is probed
/// when the decoded event's hint says it may report one, or, when the hint cannot tell or the data
/// does not decode as `T`, when its text holds `error`.
fn decode_event<T: DeserializeOwned>(
    data: &str,
    error_hint: fn(&T) -> ErrorHint,
    error_finder: &memchr::memmem::Finder<'_>,
    secret: &[u8],
) -> Result<T, Error> {
    let says_error = || error_finder.find(data.as_bytes()).is_some();
    // The data is already checked UTF-8: `from_str` does not validate it again.
    let decoded = crate::json::from_str::<T>(data);
    let probe = match &decoded {
        Ok(value) => match error_hint(value) {
            ErrorHint::Clear => false,
            ErrorHint::Probe => true,
            ErrorHint::Unknown => says_error(),
        },
        Err(_) => says_error(),
    };
    if probe {
        if let Some(api) = stream_error(data.as_bytes()) {
            return Err(Error::api_in_stream(api, Bytes::copy_from_slice(data.as_bytes()), secret));
        }
    }
    decoded.map_err(|e| Error::decode_data(e, Bytes::copy_from_slice(data.as_bytes()), secret))
}

#[derive(Deserialize)]
struct Probe<'a> {
    #[serde(default)]
    error: Option<WireError>,
    #[serde(default, rename = "type", borrow)]
    kind: Option<Cow<'a, str>>,
    #[serde(default)]
    code: Option<serde_json::Value>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    response: Option<ProbeResponse>,
    #[serde(default)]
    choices: Vec<ProbeChoice<'a>>,
}

#[derive(Deserialize)]
struct ProbeResponse {
    #[serde(default)]
    error: Option<WireError>,
}

#[derive(Deserialize)]
struct ProbeChoice<'a> {
    #[serde(default, borrow)]
    finish_reason: Option<Cow<'a, str>>,
}

/// The error an event reports, if it reports one: an `error` object, an `error`
/// or `response.failed` event, or a choice that finished with `"error"`. Its code is normalised
/// as an error body's is ([`WireError::normalise`]), with no status to fall back to.
pub(crate) fn stream_error(data: &[u8]) -> Option<ApiError> {
    let probe: Probe<'_> = serde_json::from_slice(data).ok()?;
    let wire = if let Some(e) = probe.error {
        e
    } else {
        match probe.kind.as_deref() {
            Some("error") => WireError::new(probe.code, probe.message),
            Some("response.failed") => probe
                .response
                .and_then(|r| r.error)
                .unwrap_or_else(|| WireError::new(None, Some("response failed".into()))),
            _ if probe.choices.iter().any(|c| c.finish_reason.as_deref() == Some("error")) => {
                WireError::new(None, Some("the generation stopped with finish_reason \"error\"".into()))
            }
            _ => return None,
        }
    };
    Some(wire.normalise(0))
}

#[cfg(test)]
mod tests {
    use super::stream_error;

    #[test]
    fn in_stream_errors_are_recognised() {
        let e = stream_error(
            br#"{"id":"x","error":{"code":502,"message":"upstream died"},"choices":[{"finish_reason":"error"}]}"#,
        )
        .unwrap();
        assert_eq!((e.code, e.message.as_str()), (502, "upstream died"));
        let e =
            stream_error(br#"{"type":"error","code":"rate_limit_exceeded","message":"slow down","sequence_number":3}"#)
                .unwrap();
        assert_eq!(e.message, "slow down");
        assert_eq!((e.code, e.code_text.as_deref()), (0, Some("rate_limit_exceeded")));
        let e =
            stream_error(br#"{"type":"response.failed","response":{"error":{"code":"server_error","message":"bad"}}}"#)
                .unwrap();
        assert_eq!(e.message, "bad");
        assert!(stream_error(br#"{"choices":[{"finish_reason":"error","delta":{}}]}"#).is_some());
        assert!(stream_error(br#"{"choices":[{"delta":{"content":"an error occurred"}}]}"#).is_none());
        assert!(stream_error(br#"{"type":"response.output_text.delta","delta":"error"}"#).is_none());
    }
}

#[cfg(feature = "chat")]
pub use chat::{collect_chat, ChatAccumulator};

/// The chat stream's collector lives with the other chat helpers (src/ext/chat.rs).
#[cfg(feature = "chat")]
mod chat {
    pub use crate::ext::chat::{collect_chat, ChatAccumulator};
}
