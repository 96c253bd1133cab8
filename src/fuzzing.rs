//! Entry points for the fuzz targets in `fuzz/`; compiled only under `cargo fuzz` (which sets
//! `--cfg fuzzing`), never part of the API. Each states the property it checks by panicking.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};

use crate::sse::{SseDecoder, SseError, SseEvent};

/// Decodes `data` as an event stream whole, and again fed in the pieces `cuts` marks (offsets,
/// any order, any size; a small event size limit too): both must give the same events, and the
/// same partial event at the end.
pub fn sse(data: &[u8], cuts: &[usize], small_limit: bool) {
    let limit = if small_limit { 64 } else { crate::sse::DEFAULT_MAX_EVENT_SIZE };
    let whole = decode_all(SseDecoder::with_max_event_size(limit), &[data]);
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (data.len() + 1)).collect();
    points.sort_unstable();
    let mut pieces = Vec::new();
    let mut at = 0;
    for p in points {
        pieces.push(&data[at..p]);
        at = p;
    }
    pieces.push(&data[at..]);
    let chunked = decode_all(SseDecoder::with_max_event_size(limit), &pieces);
    assert_eq!(whole, chunked, "chunking changed the events");
}

type Decoded = (Vec<Result<SseEvent, SseError>>, bool, Option<Result<SseEvent, SseError>>);

fn decode_all(mut d: SseDecoder, pieces: &[&[u8]]) -> Decoded {
    let mut events = Vec::new();
    for piece in pieces {
        d.feed(piece);
        while let Some(e) = d.next_event() {
            events.push(e.map(|e| e.into_owned()));
        }
    }
    let partial = d.has_partial_event();
    let last = d.finish().map(|e| e.map(|e| e.into_owned()));
    (events, partial, last)
}

/// The `Retry-After` family: `retry-after-ms` when `ms`, else `Retry-After`. A wait is never
/// negative and never above the cap the parser applies.
pub fn retry_after(value: &[u8], ms: bool) -> Option<Duration> {
    let Ok(v) = HeaderValue::from_bytes(value) else { return None };
    let mut h = HeaderMap::new();
    h.insert(if ms { "retry-after-ms" } else { "retry-after" }, v);
    let wait = crate::headers::retry_after(&h);
    if let Some(w) = wait {
        assert!(w <= Duration::from_secs(1_000_000_000), "an uncapped wait: {w:?}");
        // The policy caps it again, whatever it is.
        let policy = crate::RetryConfig::backoff();
        assert!(policy.next_delay(1, Duration::ZERO, Some(w)).is_none_or(|d| d <= Duration::from_secs(60)));
    }
    wait
}

/// An error answer (`status`, `body`, maybe compressed), for a request that carried `secret`:
/// parsing never panics, and `Display`, `Debug` and the parsed API error never show the secret
/// (a token of at least 8 letters, digits, `-` or `_`), while `body()` is the bytes as received.
/// The body also goes through the in-band and in-stream error checks.
pub fn error_body(status: u16, body: &[u8], secret: &[u8], compressed: bool) {
    let mut headers = HeaderMap::new();
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    if compressed {
        headers.insert(http::header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
    }
    let status = 100 + status % 500;
    let e = crate::Error::api(status, headers, Bytes::copy_from_slice(body), secret);
    // `Debug` escapes control characters, and an escape can spell the secret where the body
    // does not hold it (a NUL then "HHH…" reads `\0HHH…`): the escapes are blanked out first.
    let shown = format!("{e} {}", without_escapes(&format!("{e:?} {e:#?} {:?}", e.api_error())));
    assert_eq!(e.body(), Some(body), "body() changed");
    let checked = secret.len() >= 8
        && secret.iter().all(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
        && !b"[redacted]".windows(secret.len()).any(|w| w == secret);
    if checked {
        let secret = std::str::from_utf8(secret).expect("ASCII");
        assert!(!shown.contains(secret), "the secret is shown: {shown}");
    }
    let _ = crate::errors::in_band_error(body);
    if let Some(api) = crate::stream::stream_error(body) {
        let e = crate::Error::api_in_stream(api, Bytes::copy_from_slice(body), secret);
        let shown = format!("{e} {}", without_escapes(&format!("{e:?}")));
        if checked {
            assert!(!shown.contains(std::str::from_utf8(secret).expect("ASCII")), "the secret is shown: {shown}");
        }
    }
}

/// `Debug` text with each escape (`\0`, `\n`, `\"`, `\\`, `\u{…}`, …) replaced by a space.
fn without_escapes(debug: &str) -> String {
    let mut out = String::with_capacity(debug.len());
    let mut chars = debug.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        if chars.next() == Some('u') {
            for c in chars.by_ref() {
                if c == '}' {
                    break;
                }
            }
        }
        out.push(' ');
    }
    out
}

/// The typed decode the operation functions use (the in-band error check, one UTF-8 check,
/// then serde), with a content type of `event_stream` or JSON; the error, if any, must display.
pub fn decode<T: serde::de::DeserializeOwned>(body: &[u8], event_stream: bool) -> Result<T, crate::Error> {
    let mut headers = HeaderMap::new();
    let ct = if event_stream { "text/event-stream" } else { "application/json" };
    headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static(ct));
    let response = crate::core::HttpResponse {
        status: 200,
        headers,
        body: Bytes::copy_from_slice(body),
        auth: HeaderValue::from_static("Bearer sk-or-v1-fuzz"),
        attempts: 1,
    };
    let result = response.json::<T>();
    if let Err(e) = &result {
        let _ = format!("{e} {e:?}");
    }
    result
}
