//! `tracing` (the feature of that name): one span per operation call, an event per retry and
//! one when an event stream ends. Never the key, the headers or a body: the span has the
//! operation id, method, path (without the query), attempts, status, duration, the
//! `X-Generation-Id` response header and the error's text (which never shows the key).

use std::time::Instant;

use http::header::HeaderValue;
use http::HeaderMap;
use tracing::field::Empty;

use super::body::RawResponse;
use super::hooks::operation_id;
use super::request::HttpRequest;
use crate::Error;

/// The span of one call, from its start to its answer (for a stream: its response head).
pub(super) struct Call {
    pub(super) span: tracing::Span,
    started: Instant,
}

impl Call {
    pub(super) fn start(req: &HttpRequest) -> Call {
        let span = tracing::info_span!(
            target: "openrouter",
            "openrouter.call",
            operation_id = operation_id(&req.method, &req.path),
            method = req.method.as_str(),
            path = req.path.split('?').next().unwrap_or_default(),
            attempts = Empty,
            status = Empty,
            duration_ms = Empty,
            generation_id = Empty,
            error = Empty,
        );
        Call { span, started: Instant::now() }
    }

    pub(super) fn finish(self, result: &Result<(RawResponse, HeaderValue), Error>, attempts: u32) {
        let span = &self.span;
        span.record("attempts", attempts);
        span.record("duration_ms", self.started.elapsed().as_millis() as u64);
        let (status, headers) = match result {
            Ok((r, _)) => (Some(r.status()), Some(r.headers())),
            Err(e) => {
                span.record("error", tracing::field::display(e));
                (e.status(), e.headers())
            }
        };
        if let Some(status) = status {
            span.record("status", status);
        }
        if let Some(id) = headers.and_then(generation_id) {
            span.record("generation_id", id);
        }
    }
}

fn generation_id(headers: &HeaderMap) -> Option<&str> {
    headers.get("x-generation-id").and_then(|v| v.to_str().ok())
}

/// An event for a retry (inside the call's span).
pub(super) fn retry(attempt: u32, wait: std::time::Duration, result: &Result<RawResponse, Error>) {
    let (reason, status) = match result {
        Ok(r) => ("status", Some(r.status())),
        Err(e) if e.is_timeout() => ("timeout", None),
        Err(_) => ("connect", None),
    };
    tracing::info!(
        target: "openrouter",
        attempt,
        wait_ms = wait.as_millis() as u64,
        reason,
        status,
        "openrouter.retry"
    );
}

/// An event when an event stream ends: `outcome` is `done` (`[DONE]` or the end of the body),
/// `error` (an error item), `cut` (the connection closed inside an event) or `idle_timeout`.
pub(crate) fn stream_end(operation_id: &'static str, events: u64, outcome: &'static str) {
    tracing::info!(target: "openrouter", operation_id, events, outcome, "openrouter.stream_end");
}
