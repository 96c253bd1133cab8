//! The one send path, in the order a call takes it: [`OpenRouterCore::send`] (and its binary
//! form, [`OpenRouterCore::send_raw`]; streams start in `crate::stream`) → `execute` (URL,
//! headers, the retry loop) → `attempt` (one exchange with a per-attempt timeout) → back to the
//! retry decision → the answer, or the error of the last attempt.

use std::time::{Duration, Instant};

use http::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method};
use hyper_util::client::legacy::connect::{capture_connection, CaptureConnection};

use super::body::{self, RawResponse, ReqBody};
use super::config::{bearer, header_pair, Auth, BaseUrl, NO_KEY};
use super::conn;
use super::hooks::{HookList, NoHooks, Points, RetryLoop, Sent};
use super::request::{HttpRequest, HttpResponse, SuccessBody};
use super::OpenRouterCore;
use crate::headers::{bearer_key, content_encoding, retry_after};
use crate::Error;

impl RetryLoop for OpenRouterCore {
    fn run_with_hooks<'a>(
        &'a self,
        req: HttpRequest,
        success: SuccessBody,
        attempts: &'a mut u32,
        hooks: &'a HookList,
    ) -> Sent<'a> {
        Box::pin(self.retry_loop(req, success, attempts, hooks))
    }
}

impl OpenRouterCore {
    /// Sends a request and buffers the body; any status outside 2xx is an `Err`, and so is a
    /// body in a `Content-Encoding` other than `identity`.
    pub(crate) async fn send(&self, req: HttpRequest) -> Result<HttpResponse, Error> {
        let (response, auth) = self.execute(req, SuccessBody::Read).await?;
        let attempts = response.attempts();
        // Read whole already: this does not wait.
        let (status, headers, body) = response.into_parts(self.shared.max_body_size).await?;
        if content_encoding(&headers).is_some() {
            return Err(Error::content_encoding(status, headers, body, bearer_key(&auth)).set_attempts(attempts));
        }
        Ok(HttpResponse { status, headers, body, auth, attempts })
    }

    /// Sends a request and hands back the success response with its body unread
    /// (binary downloads); any status outside 2xx is an `Err`.
    pub(crate) async fn send_raw(&self, req: HttpRequest) -> Result<RawResponse, Error> {
        let (mut response, _) = self.execute(req, SuccessBody::Unread).await?;
        // The body keeps the attempt's deadline; without a timeout, the idle timeout.
        response.set_timer(match (self.config.timeout(), response.started()) {
            (Some(t), Some(at)) => body::Timer::Deadline(Box::pin(tokio::time::sleep_until(at + t)), t),
            _ => self.idle_timeout().map_or(body::Timer::None, |d| body::Timer::Idle(d, None)),
        });
        Ok(response)
    }

    /// The send path: validation, headers, the retry loop with per-attempt timeouts. Returns
    /// the 2xx response and the `Authorization` value sent (to redact the key from errors);
    /// every error carries the number of attempts made.
    pub(crate) async fn execute(
        &self,
        req: HttpRequest,
        success: SuccessBody,
    ) -> Result<(RawResponse, HeaderValue), Error> {
        let mut attempts = 0;
        #[cfg(feature = "tracing")]
        let call = super::trace::Call::start(&req);
        // With hooks, a copy of the loop that calls them, reached through their trait object:
        // a program that registers none links only this branch (see `hooks`).
        let hooks = self.config.hooks.as_deref();
        #[cfg(not(feature = "tracing"))]
        let result = match hooks {
            None => self.retry_loop(req, success, &mut attempts, &NoHooks).await,
            Some(hooks) => hooks.execute(self, req, success, &mut attempts).await,
        };
        #[cfg(feature = "tracing")]
        let result = tracing::Instrument::instrument(
            async {
                match hooks {
                    None => self.retry_loop(req, success, &mut attempts, &NoHooks).await,
                    Some(hooks) => hooks.execute(self, req, success, &mut attempts).await,
                }
            },
            call.span.clone(),
        )
        .await;
        #[cfg(feature = "tracing")]
        call.finish(&result, attempts);
        result.map_err(|e| e.set_attempts(attempts))
    }

    /// The attempts, with the hook points `P` (none, or the registered hooks).
    pub(super) async fn retry_loop<P: Points>(
        &self,
        req: HttpRequest,
        success: SuccessBody,
        attempts: &mut u32,
        hooks: &P,
    ) -> Result<(RawResponse, HeaderValue), Error> {
        let c = &*self.config;
        if let Some(msg) = &c.invalid {
            return Err(Error::invalid_request(msg.clone()));
        }
        let uri = request_uri(&c.base, &req)?;
        let headers = self.request_headers(&req)?;

        // POST and PATCH may have been acted on once their request was sent: they are retried
        // only when no byte of the response arrived, or on a complete retryable status.
        let idempotent = !matches!(req.method, Method::POST | Method::PATCH | Method::CONNECT);
        let replayable = req.body.is_replayable();
        let started = Instant::now();
        loop {
            let auth = self.authorization().await?;
            let mut request = http::Request::new(req.body.clone());
            *request.method_mut() = req.method.clone();
            *request.uri_mut() = uri.clone();
            *request.headers_mut() = headers.clone();
            let refused = hooks.before_request(&req, &uri, *attempts + 1, request.headers_mut());
            // After the hooks: they never see the key, and cannot replace it.
            request.headers_mut().insert(AUTHORIZATION, auth.clone());

            let sent = P::now();
            let mut result = match refused {
                Some(e) => Err(e),
                None => {
                    *attempts += 1;
                    let capture = capture_connection(&mut request);
                    let exchange = self.attempt(request, success, &capture);
                    match c.timeout() {
                        Some(t) => tokio::time::timeout(t, exchange).await.unwrap_or_else(|_| {
                            Err(Error::timeout(t).set_response_started(conn::response_bytes(&capture) > 0))
                        }),
                        None => exchange.await,
                    }
                }
            };

            let mut retry = None;
            if replayable && self.may_retry(&result, idempotent) {
                let hint = result.as_ref().ok().and_then(|r| retry_after(r.headers()));
                retry = c.retry.next_delay(*attempts, started.elapsed(), hint);
            }
            hooks.after_attempt(&req, &uri, *attempts, sent, &mut result, &mut retry);
            if let Some(delay) = retry {
                #[cfg(feature = "tracing")]
                super::trace::retry(*attempts, delay, &result);
                drop(result);
                tokio::time::sleep(delay).await;
                continue;
            }
            let mut response = result?;
            if !(200..300).contains(&response.status()) {
                // An error status's body was read whole by the attempt: this does not wait.
                let (status, headers, body) = response.into_parts(self.shared.max_body_size).await?;
                let mut e = Error::api(status, headers, body, bearer_key(&auth));
                hooks.on_final_error(&req, &uri, *attempts, &mut e);
                return Err(e);
            }
            response.set_attempts(*attempts);
            return Ok((response, auth));
        }
    }

    /// The `Authorization` value of the next attempt (a key provider is called for each).
    async fn authorization(&self) -> Result<HeaderValue, Error> {
        match &self.shared.auth {
            Auth::Static(v) => Ok(v.clone()),
            Auth::Provider(f) => bearer(&f().await?),
            Auth::None => Err(Error::invalid_request(NO_KEY)),
        }
    }

    /// Every header but `Authorization`, each source winning over the one before: default
    /// headers, `Accept`, `User-Agent`, `Content-Type`, the app headers, the operation's header
    /// parameters, the per-call headers.
    fn request_headers(&self, req: &HttpRequest) -> Result<HeaderMap, Error> {
        let c = &*self.config;
        let mut headers = HeaderMap::with_capacity(8 + c.default_headers.len() + req.headers.len());
        for (name, value) in &c.default_headers {
            headers.insert(name, value.clone());
        }
        headers.insert(ACCEPT, HeaderValue::from_static(req.accept));
        headers.insert(USER_AGENT, self.shared.user_agent.clone());
        if let Some(ct) = req.body.content_type() {
            headers.insert(CONTENT_TYPE, ct);
        }
        for (name, value) in [
            ("http-referer", &c.http_referer),
            ("x-openrouter-title", &c.app_title),
            ("x-openrouter-categories", &c.app_categories),
        ] {
            if let Some(v) = value {
                headers.insert(HeaderName::from_static(name), v.clone());
            }
        }
        for (name, value) in &req.headers {
            let (n, v) = header_pair(name, value).map_err(Error::invalid_request)?;
            headers.insert(n, v);
        }
        for (name, value) in &c.call_headers {
            headers.insert(name, value.clone());
        }
        Ok(headers)
    }

    /// One attempt: send, then read the body when asked to (or when it is an error).
    async fn attempt(
        &self,
        request: http::Request<ReqBody>,
        success: SuccessBody,
        capture: &CaptureConnection,
    ) -> Result<RawResponse, Error> {
        let started = tokio::time::Instant::now();
        let limit = self.shared.max_body_size;
        let response = self.shared.client.request(request).await.map_err(|e| map_client_error(e, capture))?;
        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        if success == SuccessBody::Read || !(200..300).contains(&status) {
            let body = body::read_limited(body, limit).await.map_err(|e| e.set_response_started(true))?;
            Ok(RawResponse::buffered(status, parts.headers, body))
        } else {
            Ok(RawResponse::streaming(status, parts.headers, body, limit, started))
        }
    }

    /// Whether the outcome of an attempt is one to try again (the policy then says when).
    fn may_retry(&self, result: &Result<RawResponse, Error>, idempotent: bool) -> bool {
        let c = &*self.config;
        match result {
            // A response: its status decides; one whose body is unread (a stream, a download)
            // is sent again only when the request is idempotent.
            Ok(r) => c.retry_codes.matches(r.status()) && (idempotent || r.is_complete()),
            Err(e) => {
                let silent = !e.response_started();
                c.retry.retries_connection_errors()
                    && ((e.is_connect() && (idempotent || silent))
                        || (e.is_timeout() && (idempotent || (silent && c.retry_unanswered_post))))
            }
        }
    }

    /// The idle timeout of streams and of bodies without a per-attempt timeout (`None`: off).
    pub(crate) fn idle_timeout(&self) -> Option<Duration> {
        self.config.idle_timeout()
    }

    /// The cap on a body read into memory.
    pub(crate) fn max_body_size(&self) -> usize {
        self.shared.max_body_size
    }
}

/// The URL of a request: the base URL's origin, its path prefix (unless the operation is
/// served from the origin), the path and the query.
fn request_uri(base: &BaseUrl, req: &HttpRequest) -> Result<http::Uri, Error> {
    let mut uri = String::with_capacity(base.origin.len() + base.prefix.len() + req.path.len() + req.query.len() + 1);
    uri.push_str(&base.origin);
    if !req.on_origin {
        uri.push_str(&base.prefix);
    }
    uri.push_str(&req.path);
    if !req.query.is_empty() {
        uri.push('?');
        uri.push_str(&req.query);
    }
    http::Uri::try_from(uri).map_err(|e| Error::invalid_request(format!("invalid request URL: {e}")))
}

/// The error of a failed exchange, saying what went wrong: a connection that could not be made,
/// one that broke (before or after the response started: `capture` tells), or a response that
/// is not valid HTTP.
#[cold]
fn map_client_error(e: hyper_util::client::legacy::Error, capture: &CaptureConnection) -> Error {
    use std::error::Error as _;
    if e.is_connect() {
        return Error::connect(e);
    }
    let hyper_error = e.source().and_then(|s| s.downcast_ref::<hyper::Error>());
    match hyper_error {
        Some(h) if h.is_canceled() => Error::cancelled(e),
        Some(h) if h.is_user() => Error::body_read("sending the request body failed", Some(Box::new(e))),
        // hyper's account of it: "message head is too large" (over 100 headers, or too long),
        // "invalid content-length parsed", "invalid HTTP version parsed", …
        Some(h) if h.is_parse() => Error::protocol(format!("the response is not valid HTTP: {h}"), e),
        _ => Error::connection_lost(conn::response_bytes(capture), e),
    }
}
