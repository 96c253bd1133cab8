//! Hooks: code of the program's own that the send path calls at each step of a call (see
//! [`Hook`]).
//!
//! What a program that registers no hook pays: one test of an `Option` per call. The retry loop
//! is generic over its hook points ([`Points`]): the copy a call without hooks runs has points
//! that do nothing and compile away; the copy that calls the hooks is made inside the trait
//! object that `.hook(..)` creates ([`Dispatch::execute`]), so a program that never calls
//! `.hook(..)` links neither it nor the list, the panic guard or the operation table.

use std::fmt;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use http::header::HeaderValue;
use http::{HeaderMap, Method, Uri};

use super::body::RawResponse;
use super::operations::OPERATIONS;
use super::request::HttpRequest;
use super::request::SuccessBody;
use crate::Error;

/// Code called at each step of every call: before each attempt is sent, on each response head,
/// on each error, and on each retry decision. Register one with
/// [`OpenRouterCoreBuilder::hook`](crate::OpenRouterCoreBuilder::hook) (every call) or
/// [`RequestOptions::hook`](crate::RequestOptions::hook) (the calls of one view); every method
/// has a default that does nothing, so a hook implements only what it needs.
///
/// - **Order**: the builder's hooks run first, then each view's, in the order they were
///   registered, at every step; a hook sees the headers the hooks before it changed.
/// - **The API key is never shown**: `Authorization` is added after
///   [`before_request`](Hook::before_request), and an `Authorization` a hook sets is replaced
///   by the core's (use [`api_key_provider`](crate::OpenRouterCoreBuilder::api_key_provider) to
///   choose the key per request). Proxy credentials travel only in the proxy's `CONNECT`.
/// - **A panic is an error, not a crash**: a hook that panics makes the call fail with an
///   [`Error`] for which [`Error::is_hook`] is true (nothing more is sent). This needs
///   unwinding: a program built with `panic = "abort"` aborts on a panic anywhere, a hook's too.
/// - Hooks run on the task that awaits the call, outside the per-attempt timeout: a slow hook
///   slows the call.
///
/// ```
/// use openrouter::core::{Hook, HookRequest, HookResponse};
///
/// struct Tag;
///
/// impl Hook for Tag {
///     fn before_request(&self, request: &mut HookRequest<'_>) -> Result<(), openrouter::Error> {
///         request.headers_mut().insert("x-request-source", "batch-job".parse().unwrap());
///         Ok(())
///     }
///     fn on_response(&self, response: &HookResponse<'_>) {
///         eprintln!("{} -> {} in {:?}", response.operation_id(), response.status(), response.elapsed());
///     }
/// }
///
/// # fn build() -> Result<(), openrouter::Error> {
/// let core = openrouter::OpenRouterCore::builder().api_key("sk-or-…").hook(Tag).build()?;
/// # let _ = core; Ok(()) }
/// ```
pub trait Hook: Send + Sync + 'static {
    /// Before each attempt is sent: it may read and change the headers (`Authorization` is not
    /// among them), or refuse the request by returning an error (for example
    /// [`Error::hook`]), which the call then returns; nothing is sent.
    fn before_request(&self, request: &mut HookRequest<'_>) -> Result<(), Error> {
        let _ = request;
        Ok(())
    }

    /// On each response (every attempt's, error statuses included): its status and headers, and
    /// how long it took ([`HookResponse::elapsed`]).
    fn on_response(&self, response: &HookResponse<'_>) {
        let _ = response;
    }

    /// On each error: an attempt that failed without a response (connection, timeout, a body
    /// cut short), retried or not, and the error an error status becomes when the call returns
    /// it.
    fn on_error(&self, error: &HookError<'_>) {
        let _ = error;
    }

    /// When the call decides to try again, before it waits.
    fn on_retry(&self, retry: &HookRetry<'_>) {
        let _ = retry;
    }
}

/// What each hook argument holds about the attempt.
struct Site<'a> {
    operation_id: &'static str,
    attempt: u32,
    method: &'a Method,
    url: &'a Uri,
}

impl<'a> Site<'a> {
    fn of(req: &'a HttpRequest, url: &'a Uri, attempt: u32) -> Site<'a> {
        Site { operation_id: operation_id(&req.method, &req.path), attempt, method: &req.method, url }
    }
}

/// The accessors every hook argument has.
macro_rules! site_accessors {
    ($($t:ident),*) => {$(
        impl $t<'_> {
            /// The spec's operation id (`getGeneration`, `sendChatCompletionRequest`); empty for a
            /// request the pinned spec does not describe.
            pub fn operation_id(&self) -> &'static str {
                self.site.operation_id
            }
            /// The attempt, counted from 1.
            pub fn attempt(&self) -> u32 {
                self.site.attempt
            }
            /// The request's method.
            pub fn method(&self) -> &Method {
                self.site.method
            }
            /// The request's full URL.
            pub fn url(&self) -> &Uri {
                self.site.url
            }
        }
    )*};
}

/// One attempt about to be sent (see [`Hook::before_request`]).
pub struct HookRequest<'a> {
    site: Site<'a>,
    headers: &'a mut HeaderMap,
}

impl HookRequest<'_> {
    /// The headers to be sent, without `Authorization`.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The headers to be sent, to change (an `Authorization` set here is replaced).
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        self.headers
    }
}

/// The head of a response (see [`Hook::on_response`]).
pub struct HookResponse<'a> {
    site: Site<'a>,
    status: u16,
    headers: &'a HeaderMap,
    elapsed: Duration,
}

impl HookResponse<'_> {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        self.headers
    }

    /// The time from the start of the attempt to the response in hand: to its head for streams
    /// and downloads (whose body the caller reads), to its end for a JSON answer or an error
    /// status (read whole within the attempt).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }
}

/// An error of a call (see [`Hook::on_error`]).
pub struct HookError<'a> {
    site: Site<'a>,
    error: &'a Error,
}

impl HookError<'_> {
    /// The error (its `Display` never shows the key).
    pub fn error(&self) -> &Error {
        self.error
    }
}

/// A decision to try again (see [`Hook::on_retry`]); [`attempt`](Self::attempt) is the one that
/// failed.
pub struct HookRetry<'a> {
    site: Site<'a>,
    wait: Duration,
    reason: RetryReason,
}

impl HookRetry<'_> {
    /// How long the call waits before the next attempt.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// Why the attempt is tried again.
    pub fn reason(&self) -> RetryReason {
        self.reason
    }
}

site_accessors!(HookRequest, HookResponse, HookError, HookRetry);

/// Why an attempt is tried again.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RetryReason {
    /// The response had a retry status (429, 5xx, or the configured codes).
    Status(u16),
    /// The connection could not be made or broke.
    Connect,
    /// The attempt timed out.
    Timeout,
}

impl RetryReason {
    /// The reason as a short word: `"status"`, `"connect"` or `"timeout"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            RetryReason::Status(_) => "status",
            RetryReason::Connect => "connect",
            RetryReason::Timeout => "timeout",
        }
    }
}

impl fmt::Debug for HookRequest<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.keys().map(|n| n.as_str()).collect();
        f.debug_struct("HookRequest")
            .field("operation_id", &self.operation_id())
            .field("attempt", &self.attempt())
            .field("method", self.method())
            .field("url", self.url())
            .field("headers", &names)
            .finish()
    }
}

impl fmt::Debug for HookResponse<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookResponse")
            .field("operation_id", &self.operation_id())
            .field("attempt", &self.attempt())
            .field("status", &self.status)
            .field("elapsed", &self.elapsed)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for HookError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookError")
            .field("operation_id", &self.operation_id())
            .field("attempt", &self.attempt())
            .field("error", self.error)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for HookRetry<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookRetry")
            .field("operation_id", &self.operation_id())
            .field("attempt", &self.attempt())
            .field("wait", &self.wait)
            .field("reason", &self.reason)
            .finish_non_exhaustive()
    }
}

/// The registered hooks, as the send path sees them: a trait object, so that the code behind it
/// is linked only by a program that registers a hook (see the module docs).
pub(crate) type Hooks<C> = Arc<dyn Dispatch<C>>;

pub(crate) type Sent<'a> = Pin<Box<dyn Future<Output = Result<(RawResponse, HeaderValue), Error>> + Send + 'a>>;

/// The core's retry loop, run with a list of hooks at its points (implemented by the core in
/// `send.rs`, so that this module does not depend on the core's type). Called statically from
/// `HookList`'s `Dispatch`, so the hook-calling copy of the loop is linked only where a hook
/// list is made (`.hook(..)`).
pub(crate) trait RetryLoop: Sync {
    fn run_with_hooks<'a>(
        &'a self,
        req: HttpRequest,
        success: SuccessBody,
        attempts: &'a mut u32,
        hooks: &'a HookList,
    ) -> Sent<'a>;
}

/// The registered hooks as the core holds them.
pub(crate) trait Dispatch<C>: Send + Sync {
    /// The retry loop with these hooks at its points.
    fn execute<'a>(&'a self, core: &'a C, req: HttpRequest, success: SuccessBody, attempts: &'a mut u32) -> Sent<'a>;
    /// These hooks run after those of `before`: the list of both.
    fn after(&self, before: &Hooks<C>) -> Hooks<C>;
    fn list(&self) -> &[Arc<dyn Hook>];
}

/// The hook points of the retry loop: before an attempt, after it, and the error an error
/// status becomes. A refusal or a panic becomes the call's error by replacing what the loop
/// holds, so that the loop has no branch of its own for them.
pub(crate) trait Points: Sync {
    /// When the attempt was sent (for [`HookResponse::elapsed`]); nothing without hooks.
    type Clock: Copy + Send;
    fn now() -> Self::Clock;
    /// `Some(error)`: the request is refused (or a hook panicked); nothing is sent.
    fn before_request(&self, req: &HttpRequest, url: &Uri, attempt: u32, headers: &mut HeaderMap) -> Option<Error>;
    /// Tells the attempt's response or error, then the retry (when `retry` is a wait); a panic
    /// replaces `result` and cancels the retry.
    #[allow(clippy::too_many_arguments)]
    fn after_attempt(
        &self,
        req: &HttpRequest,
        url: &Uri,
        attempt: u32,
        sent: Self::Clock,
        result: &mut Result<RawResponse, Error>,
        retry: &mut Option<Duration>,
    );
    /// Tells the error the call returns for an error status; a panic replaces it.
    fn on_final_error(&self, req: &HttpRequest, url: &Uri, attempt: u32, error: &mut Error);
}

/// The points of a core without hooks: nothing, inlined away.
pub(crate) struct NoHooks;

impl Points for NoHooks {
    type Clock = ();
    #[inline(always)]
    fn now() {}
    #[inline(always)]
    fn before_request(&self, _: &HttpRequest, _: &Uri, _: u32, _: &mut HeaderMap) -> Option<Error> {
        None
    }
    #[inline(always)]
    fn after_attempt(
        &self,
        _: &HttpRequest,
        _: &Uri,
        _: u32,
        _: (),
        _: &mut Result<RawResponse, Error>,
        _: &mut Option<Duration>,
    ) {
    }
    #[inline(always)]
    fn on_final_error(&self, _: &HttpRequest, _: &Uri, _: u32, _: &mut Error) {}
}

/// `prev`'s hooks and then `hook` (what `.hook(..)` does).
pub(crate) fn push<C: RetryLoop>(prev: Option<Hooks<C>>, hook: Arc<dyn Hook>) -> Hooks<C> {
    let mut list = prev.map(|p| p.list().to_vec()).unwrap_or_default();
    list.push(hook);
    Arc::new(HookList(list))
}

pub(crate) struct HookList(Vec<Arc<dyn Hook>>);

impl HookList {
    /// Calls `f` on each hook in order; a panic becomes the call's error.
    fn each(&self, mut f: impl FnMut(&dyn Hook) -> Result<(), Error>) -> Result<(), Error> {
        for hook in &self.0 {
            match catch_unwind(AssertUnwindSafe(|| f(&**hook))) {
                Ok(result) => result?,
                Err(payload) => {
                    let text = payload
                        .downcast_ref::<&str>()
                        .copied()
                        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
                        .unwrap_or("a non-text payload");
                    return Err(Error::hook_panicked(text));
                }
            }
        }
        Ok(())
    }
}

impl<C: RetryLoop> Dispatch<C> for HookList {
    fn execute<'a>(&'a self, core: &'a C, req: HttpRequest, success: SuccessBody, attempts: &'a mut u32) -> Sent<'a> {
        core.run_with_hooks(req, success, attempts, self)
    }

    fn after(&self, before: &Hooks<C>) -> Hooks<C> {
        Arc::new(HookList(before.list().iter().chain(&self.0).cloned().collect()))
    }

    fn list(&self) -> &[Arc<dyn Hook>] {
        &self.0
    }
}

impl Points for HookList {
    type Clock = Instant;

    fn now() -> Instant {
        Instant::now()
    }

    fn before_request(&self, req: &HttpRequest, url: &Uri, attempt: u32, headers: &mut HeaderMap) -> Option<Error> {
        self.each(|h| h.before_request(&mut HookRequest { site: Site::of(req, url, attempt), headers })).err()
    }

    fn after_attempt(
        &self,
        req: &HttpRequest,
        url: &Uri,
        attempt: u32,
        sent: Instant,
        result: &mut Result<RawResponse, Error>,
        retry: &mut Option<Duration>,
    ) {
        let site = || Site::of(req, url, attempt);
        let mut outcome = match &*result {
            Ok(r) => {
                let response =
                    HookResponse { site: site(), status: r.status(), headers: r.headers(), elapsed: sent.elapsed() };
                self.each(|h| {
                    h.on_response(&response);
                    Ok(())
                })
            }
            // A refusal is the hook's own: not told back.
            Err(error) if error.is_hook() => Ok(()),
            Err(error) => {
                let error = HookError { site: site(), error };
                self.each(|h| {
                    h.on_error(&error);
                    Ok(())
                })
            }
        };
        if let (Ok(()), Some(wait)) = (&outcome, *retry) {
            let reason = match &*result {
                Ok(r) => RetryReason::Status(r.status()),
                Err(e) if e.is_timeout() => RetryReason::Timeout,
                Err(_) => RetryReason::Connect,
            };
            let retry = HookRetry { site: site(), wait, reason };
            outcome = self.each(|h| {
                h.on_retry(&retry);
                Ok(())
            });
        }
        if let Err(e) = outcome {
            *result = Err(e);
            *retry = None;
        }
    }

    fn on_final_error(&self, req: &HttpRequest, url: &Uri, attempt: u32, error: &mut Error) {
        let told = HookError { site: Site::of(req, url, attempt), error };
        if let Err(e) = self.each(|h| {
            h.on_error(&told);
            Ok(())
        }) {
            *error = e;
        }
    }
}

/// The spec's operation id of a request (`path` relative to the base URL, or to its origin for
/// an operation served there), or `""`. A template segment `{name}` matches any one segment; a
/// literal segment wins over a parameter (`/models/count` over `/models/{id}`).
pub(crate) fn operation_id(method: &Method, path: &str) -> &'static str {
    let path = path.split('?').next().unwrap_or_default();
    let mut best: Option<(usize, &'static str)> = None;
    for &(m, template, id) in OPERATIONS {
        if m != method.as_str() {
            continue;
        }
        let (mut segments, mut parts) = (template.split('/'), path.split('/'));
        let mut literals = 0;
        let matched = loop {
            match (segments.next(), parts.next()) {
                (None, None) => break true,
                (Some(t), Some(p)) if t.starts_with('{') && t.ends_with('}') && !p.is_empty() => {}
                (Some(t), Some(p)) if t == p => literals += 1,
                _ => break false,
            }
        };
        if matched && best.is_none_or(|(l, _)| literals > l) {
            best = Some((literals, id));
        }
    }
    best.map_or("", |(_, id)| id)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table is the spec's: every method and path of `spec/openrouter.openapi.json` and
    /// nothing else (rewrite it with `python3 scripts/operation-table.py`).
    #[test]
    fn operation_table_matches_the_spec() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/spec/openrouter.openapi.json");
        let spec: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        let mut expected = Vec::new();
        for (path, item) in spec["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                if let Some(id) = op.get("operationId").and_then(|v| v.as_str()) {
                    expected.push((method.to_ascii_uppercase(), path.clone(), id.to_owned()));
                }
            }
        }
        expected.sort();
        let mut table: Vec<_> =
            OPERATIONS.iter().map(|&(m, p, i)| (m.to_owned(), p.to_owned(), i.to_owned())).collect();
        table.sort();
        assert_eq!(table, expected, "src/core/operations.rs is out of date: python3 scripts/operation-table.py");
        // Each template, with its parameters filled in, resolves to its own operation.
        for &(m, template, id) in OPERATIONS {
            let filled: Vec<&str> =
                template.split('/').map(|s| if s.starts_with('{') { "x-1%2F2" } else { s }).collect();
            let method = Method::from_bytes(m.as_bytes()).unwrap();
            assert_eq!(operation_id(&method, &filled.join("/")), id, "{m} {template}");
        }
    }

    #[test]
    fn operation_ids_of_concrete_paths() {
        assert_eq!(operation_id(&Method::GET, "/generation?id=gen-1"), "getGeneration");
        assert_eq!(operation_id(&Method::POST, "/chat/completions"), "sendChatCompletionRequest");
        assert_eq!(operation_id(&Method::GET, "/nowhere"), "");
        assert_eq!(operation_id(&Method::DELETE, "/generation"), "");
    }
}
