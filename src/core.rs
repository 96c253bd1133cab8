//! [`OpenRouterCore`]: the transport every operation function is given, and the one send path.
//!
//! The generated functions describe a request as a plain `HttpRequest` (no
//! generics) and hand it to the core's one send path; only the final decode is
//! generic. Everything a call needs — base URL, auth, app headers, user agent,
//! timeout, retries with backoff and `Retry-After`, the body size cap — lives here.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue, ACCEPT, AUTHORIZATION, CONTENT_TYPE, USER_AGENT};
use http::{HeaderMap, Method};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::de::DeserializeOwned;

use crate::Error;

mod body;
mod conn;
#[cfg(fuzzing)]
#[doc(hidden)]
pub mod fuzzing;
mod retry;

pub use body::{FileUpload, RawResponse};
pub(crate) use body::{Multipart, ReqBody};
pub use retry::RetryConfig;
pub(crate) use retry::{retry_after, RetryCodes};

/// The default base URL of the API.
pub const DEFAULT_BASE_URL: &str = "https://openrouter.ai/api/v1";
/// The default cap on a buffered response body: 32 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 32 << 20;
const DEFAULT_USER_AGENT: &str = concat!("openrouter-rust/", env!("CARGO_PKG_VERSION"));
const NO_KEY: &str = "no API key: set OPENROUTER_API_KEY or call OpenRouterCore::builder().api_key(..)";

type Connector = conn::Counting<hyper_rustls::HttpsConnector<HttpConnector>>;
type KeyFuture = Pin<Box<dyn Future<Output = Result<String, Error>> + Send>>;
type KeyProvider = Arc<dyn Fn() -> KeyFuture + Send + Sync>;

/// The transport: create it once, share it (it is cheap to clone), and pass it
/// to the operation functions in [`crate::funcs`].
///
/// ```no_run
/// # async fn run() -> Result<(), openrouter::Error> {
/// use openrouter::{funcs::generations_get_generation, models::GetGenerationRequest, OpenRouterCore};
///
/// let core = OpenRouterCore::from_env()?;
/// let generation = generations_get_generation(&core, GetGenerationRequest::new("gen-123")).await?;
/// println!("{} cost {:?}", generation.data.model, generation.data.total_cost);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct OpenRouterCore {
    shared: Arc<Shared>,
    /// Per-call overrides (from [`OpenRouterCore::with_options`]).
    options: Option<Arc<Overrides>>,
}

struct Shared {
    client: Client<Connector, ReqBody>,
    auth: Auth,
    base: BaseUrl,
    app: AppHeaders,
    user_agent: HeaderValue,
    default_headers: HeaderMap,
    timeout: Option<Duration>,
    retry: RetryConfig,
    retry_codes: RetryCodes,
    max_body_size: usize,
    stream_idle_timeout: Option<Duration>,
}

enum Auth {
    None,
    Static(HeaderValue),
    Provider(KeyProvider),
}

#[derive(Clone, Default)]
struct AppHeaders {
    http_referer: Option<HeaderValue>,
    app_title: Option<HeaderValue>,
    app_categories: Option<HeaderValue>,
}

/// A parsed base URL: `scheme://authority` and a path prefix without a trailing slash.
#[derive(Clone, Debug)]
struct BaseUrl {
    origin: String,
    prefix: String,
    /// Whether plain http:// to a non-loopback host was allowed (kept for per-call base URLs).
    allow_insecure: bool,
}

/// Per-call overrides resolved into ready-to-send values (or the error to report).
#[derive(Default)]
struct Overrides {
    timeout: Option<Duration>,
    stream_idle_timeout: Option<Duration>,
    retry: Option<RetryConfig>,
    retry_codes: Option<RetryCodes>,
    retry_unanswered_post: Option<bool>,
    headers: HeaderMap,
    base: Option<BaseUrl>,
    app: AppHeaders,
    invalid: Option<String>,
}

impl OpenRouterCore {
    /// A builder with the defaults: base URL `https://openrouter.ai/api/v1`, no
    /// timeout, [`RetryConfig::backoff`] on 429 and 5xx, 32 MiB body cap.
    pub fn builder() -> OpenRouterCoreBuilder {
        OpenRouterCoreBuilder::default()
    }

    /// A core configured from the environment: `OPENROUTER_API_KEY` (required),
    /// `OPENROUTER_BASE_URL`, `OPENROUTER_HTTP_REFERER`, `OPENROUTER_APP_TITLE`,
    /// `OPENROUTER_APP_CATEGORIES` (empty values count as unset).
    pub fn from_env() -> Result<OpenRouterCore, Error> {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let key = var("OPENROUTER_API_KEY").ok_or_else(|| Error::invalid_request(NO_KEY))?;
        let mut b = OpenRouterCore::builder().api_key(key);
        if let Some(url) = var("OPENROUTER_BASE_URL") {
            b = b.base_url(&url);
        }
        if let Some(v) = var("OPENROUTER_HTTP_REFERER") {
            b = b.http_referer(v);
        }
        if let Some(v) = var("OPENROUTER_APP_TITLE") {
            b = b.app_title(v);
        }
        if let Some(v) = var("OPENROUTER_APP_CATEGORIES") {
            b = b.app_categories(v);
        }
        b.build()
    }

    /// A view of this core with per-call overrides; it shares the connection pool.
    /// Invalid values (a header with CR/LF, a bad base URL) make every call on
    /// the view fail before anything is sent.
    pub fn with_options(&self, options: RequestOptions) -> OpenRouterCore {
        let mut o = match &self.options {
            Some(prev) => Overrides {
                timeout: prev.timeout,
                stream_idle_timeout: prev.stream_idle_timeout,
                retry: prev.retry.clone(),
                retry_codes: prev.retry_codes.clone(),
                retry_unanswered_post: prev.retry_unanswered_post,
                headers: prev.headers.clone(),
                base: prev.base.clone(),
                app: prev.app.clone(),
                invalid: prev.invalid.clone(),
            },
            None => Overrides::default(),
        };
        let mut fail = |msg: String| {
            o.invalid.get_or_insert(msg);
        };
        if let Some(t) = options.timeout {
            o.timeout = Some(t);
        }
        if let Some(t) = options.stream_idle_timeout {
            o.stream_idle_timeout = Some(t);
        }
        if let Some(r) = options.retries {
            o.retry = Some(r);
        }
        if let Some(allow) = options.retry_unanswered_post {
            o.retry_unanswered_post = Some(allow);
        }
        if let Some(codes) = options.retry_codes {
            match RetryCodes::parse(&codes) {
                Ok(c) => o.retry_codes = Some(c),
                Err(e) => fail(e),
            }
        }
        for (name, value) in options.headers {
            match header_pair(&name, &value) {
                Ok((n, v)) => {
                    o.headers.insert(n, v);
                }
                Err(e) => fail(e),
            }
        }
        if let Some(url) = options.base_url {
            match BaseUrl::parse(&url, self.shared.base.allows_insecure()) {
                Ok(b) => o.base = Some(b),
                Err(e) => fail(e.to_string()),
            }
        }
        for (slot, value, name) in [
            (&mut o.app.http_referer, options.http_referer, "HTTP-Referer"),
            (&mut o.app.app_title, options.app_title, "X-OpenRouter-Title"),
            (&mut o.app.app_categories, options.app_categories, "X-OpenRouter-Categories"),
        ] {
            if let Some(v) = value {
                match header_value(&v, name) {
                    Ok(v) => *slot = Some(v),
                    Err(e) => {
                        o.invalid.get_or_insert(e.to_string());
                    }
                }
            }
        }
        OpenRouterCore { shared: self.shared.clone(), options: Some(Arc::new(o)) }
    }

    /// Sends a request and buffers the body; any status outside 2xx is an `Err`, and so is a
    /// body in a `Content-Encoding` other than `identity`.
    pub(crate) async fn send(&self, req: HttpRequest) -> Result<HttpResponse, Error> {
        let (exchange, auth) = self.execute(req, Want::Buffered).await?;
        let (status, headers, body) = match exchange {
            Exchange::Buffered(status, headers, body) => (status, headers, body),
            // Not produced when buffering is asked for; read it whole all the same.
            Exchange::Streaming(r) => {
                let (status, headers) = (r.status(), r.headers().clone());
                (status, headers, r.bytes_within(self.shared.max_body_size).await?)
            }
        };
        if crate::errors::content_encoding(&headers).is_some() {
            return Err(Error::content_encoding(status, headers, body, auth_key(&auth)));
        }
        Ok(HttpResponse { status, headers, body, auth })
    }

    /// Sends a request and hands back the success response with its body unread
    /// (binary downloads); any status outside 2xx is an `Err`.
    pub(crate) async fn send_raw(&self, req: HttpRequest) -> Result<RawResponse, Error> {
        let (exchange, _) = self.execute(req, Want::Raw).await?;
        let mut raw = into_raw(exchange);
        // The body keeps the attempt's deadline; without a timeout, the idle timeout.
        let timeout = self.options.as_deref().and_then(|o| o.timeout).or(self.shared.timeout).filter(|t| !t.is_zero());
        raw.set_timer(match (timeout, raw.started()) {
            (Some(t), Some(at)) => body::Timer::Deadline(Box::pin(tokio::time::sleep_until(at + t)), t),
            _ => self.idle_timeout().map_or(body::Timer::None, |d| body::Timer::Idle(d, None)),
        });
        Ok(raw)
    }

    /// Sends a request that answers with server-sent events and returns the typed stream.
    /// A JSON answer is an API error when it is one, otherwise a decode error; so is a stream in
    /// a `Content-Encoding` (it would be read as garbage, or not at all).
    pub(crate) async fn send_stream<T>(&self, req: HttpRequest) -> Result<crate::stream::EventStream<T>, Error> {
        let idle = self.idle_timeout();
        let (exchange, auth) = self.execute(req, Want::Stream).await?;
        let raw = into_raw(exchange);
        if crate::errors::content_encoding(raw.headers()).is_some() {
            let (status, headers) = (raw.status(), raw.headers().clone());
            return Err(Error::content_encoding(status, headers, Bytes::new(), auth_key(&auth)));
        }
        let is_sse =
            raw.content_type().is_some_and(|ct| ct.trim_start().to_ascii_lowercase().starts_with("text/event-stream"));
        if !is_sse {
            let raw = raw.with_timer(idle.map_or(body::Timer::None, |d| body::Timer::Idle(d, None)));
            return Err(not_a_stream(raw, self.shared.max_body_size, &auth).await);
        }
        Ok(crate::stream::EventStream::new(raw, idle, auth))
    }

    /// The idle timeout of streams and of bodies without a per-attempt timeout (`None`: off).
    fn idle_timeout(&self) -> Option<Duration> {
        let idle = self
            .options
            .as_deref()
            .and_then(|o| o.stream_idle_timeout)
            .unwrap_or(self.shared.stream_idle_timeout.unwrap_or(crate::stream::DEFAULT_IDLE_TIMEOUT));
        (!idle.is_zero()).then_some(idle)
    }

    /// The send path: validation, headers, the retry loop with per-attempt timeouts.
    /// Also returns the `Authorization` value sent (to redact the key from errors).
    async fn execute(&self, req: HttpRequest, want: Want) -> Result<(Exchange, HeaderValue), Error> {
        let s = &*self.shared;
        let o = self.options.as_deref();
        if let Some(msg) = o.and_then(|o| o.invalid.as_ref()) {
            return Err(Error::invalid_request(msg.clone()));
        }
        let base = o.and_then(|o| o.base.as_ref()).unwrap_or(&s.base);
        let timeout = o.and_then(|o| o.timeout).or(s.timeout).filter(|t| !t.is_zero());
        let retry = o.and_then(|o| o.retry.as_ref()).unwrap_or(&s.retry);
        let codes = o.and_then(|o| o.retry_codes.as_ref()).unwrap_or(&s.retry_codes);
        let unanswered_post = o.and_then(|o| o.retry_unanswered_post).unwrap_or(false);

        let mut uri =
            String::with_capacity(base.origin.len() + base.prefix.len() + req.path.len() + req.query.len() + 1);
        uri.push_str(&base.origin);
        if !req.on_origin {
            uri.push_str(&base.prefix);
        }
        uri.push_str(&req.path);
        if !req.query.is_empty() {
            uri.push('?');
            uri.push_str(&req.query);
        }
        let uri = http::Uri::try_from(uri).map_err(|e| Error::invalid_request(format!("invalid request URL: {e}")))?;

        let mut headers = HeaderMap::with_capacity(8 + s.default_headers.len() + req.headers.len());
        for (name, value) in &s.default_headers {
            headers.insert(name, value.clone());
        }
        headers.insert(ACCEPT, HeaderValue::from_static(req.accept));
        headers.insert(USER_AGENT, s.user_agent.clone());
        if let Some(ct) = req.body.content_type() {
            headers.insert(CONTENT_TYPE, ct);
        }
        let per_call = o.map(|o| &o.app);
        for (name, client, call) in [
            ("http-referer", &s.app.http_referer, per_call.and_then(|a| a.http_referer.as_ref())),
            ("x-openrouter-title", &s.app.app_title, per_call.and_then(|a| a.app_title.as_ref())),
            ("x-openrouter-categories", &s.app.app_categories, per_call.and_then(|a| a.app_categories.as_ref())),
        ] {
            if let Some(v) = call.or(client.as_ref()) {
                headers.insert(HeaderName::from_static(name), v.clone());
            }
        }
        for (name, value) in &req.headers {
            let (n, v) = header_pair(name, value).map_err(Error::invalid_request)?;
            headers.insert(n, v);
        }
        if let Some(o) = o {
            for (name, value) in &o.headers {
                headers.insert(name, value.clone());
            }
        }

        // POST and PATCH may have been acted on once their request was sent: they are retried
        // only when no byte of the response arrived, or on a complete retryable status.
        let idempotent = !matches!(req.method, Method::POST | Method::PATCH | Method::CONNECT);
        let replayable = req.body.is_replayable();
        let started = Instant::now();
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            let auth = match &s.auth {
                Auth::Static(v) => v.clone(),
                Auth::Provider(f) => bearer(&f().await?)?,
                Auth::None => return Err(Error::invalid_request(NO_KEY)),
            };
            let mut request = http::Request::new(req.body.clone());
            *request.method_mut() = req.method.clone();
            *request.uri_mut() = uri.clone();
            *request.headers_mut() = headers.clone();
            request.headers_mut().insert(AUTHORIZATION, auth.clone());
            let capture = hyper_util::client::legacy::connect::capture_connection(&mut request);

            let exchange = self.attempt(request, want == Want::Buffered, &capture);
            let result = match timeout {
                Some(t) => tokio::time::timeout(t, exchange).await.unwrap_or_else(|_| {
                    Err(Error::timeout(t).set_response_started(conn::response_bytes(&capture) > 0))
                }),
                None => exchange.await,
            };

            let retryable = match &result {
                // A complete response: its status decides (a stream's body is unread, so only
                // an idempotent request is sent again).
                Ok(Exchange::Buffered(status, ..)) => codes.matches(*status),
                Ok(Exchange::Streaming(r)) => codes.matches(r.status()) && idempotent,
                Err(e) => {
                    let silent = !e.response_started();
                    retry.retries_connection_errors()
                        && ((e.is_connect() && (idempotent || silent))
                            || (e.is_timeout() && (idempotent || (silent && unanswered_post))))
                }
            } && replayable;
            if retryable {
                let hint = match &result {
                    Ok(Exchange::Buffered(_, h, _)) => retry_after(h),
                    Ok(Exchange::Streaming(r)) => retry_after(r.headers()),
                    Err(_) => None,
                };
                if let Some(delay) = retry.next_delay(attempt, started.elapsed(), hint) {
                    drop(result);
                    tokio::time::sleep(delay).await;
                    continue;
                }
            }
            let exchange = match result? {
                Exchange::Buffered(status, headers, body) if !(200..300).contains(&status) => {
                    return Err(Error::api(status, headers, body, auth_key(&auth)));
                }
                Exchange::Streaming(r) if !(200..300).contains(&r.status()) => {
                    let status = r.status();
                    let headers = r.headers().clone();
                    let body = r.bytes_within(s.max_body_size).await?;
                    return Err(Error::api(status, headers, body, auth_key(&auth)));
                }
                ok => ok,
            };
            return Ok((exchange, auth));
        }
    }

    /// One attempt: send, then read the body when asked to (or when it is an error).
    async fn attempt(
        &self,
        request: http::Request<ReqBody>,
        buffer: bool,
        capture: &hyper_util::client::legacy::connect::CaptureConnection,
    ) -> Result<Exchange, Error> {
        let started = tokio::time::Instant::now();
        let limit = self.shared.max_body_size;
        let response = self.shared.client.request(request).await.map_err(|e| map_client_error(e, capture))?;
        let (parts, body) = response.into_parts();
        let status = parts.status.as_u16();
        if buffer || !(200..300).contains(&status) {
            let body = body::read_limited(body, limit).await.map_err(|e| e.set_response_started(true))?;
            Ok(Exchange::Buffered(status, parts.headers, body))
        } else {
            Ok(Exchange::Streaming(RawResponse::streaming(status, parts.headers, body, limit, started)))
        }
    }
}

/// The key in an `Authorization: Bearer <key>` value.
fn auth_key(auth: &HeaderValue) -> &[u8] {
    auth.as_bytes().get(7..).unwrap_or_default()
}

fn into_raw(exchange: Exchange) -> RawResponse {
    match exchange {
        Exchange::Streaming(r) => r,
        Exchange::Buffered(status, headers, body) => RawResponse::buffered(status, headers, body),
    }
}

/// What the caller does with a success body.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Want {
    /// Read it whole (JSON).
    Buffered,
    /// Read it itself (binary), within the attempt's deadline.
    Raw,
    /// Read it as events, with an idle timeout.
    Stream,
}

/// The error for a streaming request answered without an event stream.
#[cold]
async fn not_a_stream(raw: RawResponse, limit: usize, auth: &HeaderValue) -> Error {
    let status = raw.status();
    let headers = raw.headers().clone();
    match raw.bytes_timed(limit).await {
        Err(e) => e,
        Ok(body) if crate::errors::in_band_error(&body) => Error::api(status, headers, body, auth_key(auth)),
        Ok(body) => Error::unexpected_content(status, headers, body, "text/event-stream", auth_key(auth)),
    }
}

enum Exchange {
    Buffered(u16, HeaderMap, Bytes),
    Streaming(RawResponse),
}

/// The error of a failed exchange, saying what went wrong: a connection that could not be made,
/// one that broke (before or after the response started: `capture` tells), or a response that
/// is not valid HTTP.
#[cold]
fn map_client_error(
    e: hyper_util::client::legacy::Error,
    capture: &hyper_util::client::legacy::connect::CaptureConnection,
) -> Error {
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

impl fmt::Debug for OpenRouterCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.shared;
        f.debug_struct("OpenRouterCore")
            .field("base_url", &format_args!("{}{}", s.base.origin, s.base.prefix))
            .field(
                "api_key",
                &match s.auth {
                    Auth::None => "<none>",
                    Auth::Static(_) => "<redacted>",
                    Auth::Provider(_) => "<provider>",
                },
            )
            .field("timeout", &s.timeout)
            .field("retry", &s.retry)
            .field("has_overrides", &self.options.is_some())
            .finish_non_exhaustive()
    }
}

/// Builds an [`OpenRouterCore`]; see [`OpenRouterCore::builder`].
#[derive(Default)]
pub struct OpenRouterCoreBuilder {
    api_key: Option<String>,
    key_provider: Option<KeyProvider>,
    base_url: Option<String>,
    http_referer: Option<String>,
    app_title: Option<String>,
    app_categories: Option<String>,
    user_agent: Option<String>,
    timeout: Option<Duration>,
    retry: Option<RetryConfig>,
    retry_codes: Option<Vec<String>>,
    default_headers: Vec<(String, String)>,
    max_body_size: Option<usize>,
    stream_idle_timeout: Option<Duration>,
    allow_insecure_http: bool,
    /// Roots added with `add_root_certificate`, parsed there (so that a program which never
    /// adds one does not link the certificate parser), or the first parse error.
    extra_roots: Vec<rustls::pki_types::TrustAnchor<'static>>,
    extra_roots_error: Option<String>,
}

impl OpenRouterCoreBuilder {
    /// The API key, sent as `Authorization: Bearer <key>` (a `Bearer ` prefix is not doubled).
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// A function called for every request attempt that returns the key
    /// (for key rotation); it replaces [`api_key`](Self::api_key).
    pub fn api_key_provider<F, Fut>(mut self, provider: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<String, Error>> + Send + 'static,
    {
        self.key_provider = Some(Arc::new(move || Box::pin(provider()) as KeyFuture));
        self
    }

    /// The API's base URL, including its path prefix (default `https://openrouter.ai/api/v1`).
    pub fn base_url(mut self, url: &str) -> Self {
        self.base_url = Some(url.to_owned());
        self
    }

    /// `HTTP-Referer`: your app's URL, for OpenRouter's app attribution.
    pub fn http_referer(mut self, value: impl Into<String>) -> Self {
        self.http_referer = Some(value.into());
        self
    }

    /// `X-OpenRouter-Title`: your app's display name.
    pub fn app_title(mut self, value: impl Into<String>) -> Self {
        self.app_title = Some(value.into());
        self
    }

    /// `X-OpenRouter-Categories`: comma-separated app categories (`cli-agent,cloud-agent`).
    pub fn app_categories(mut self, value: impl Into<String>) -> Self {
        self.app_categories = Some(value.into());
        self
    }

    /// The `User-Agent` header (default `openrouter-rust/<version>`).
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = Some(value.into());
        self
    }

    /// A timeout for each attempt, covering connect, headers and body, binary bodies read
    /// after the call returned included (default: none). Streams use it up to their first
    /// byte, then an idle timeout between events; a binary body can trade it for an idle
    /// timeout ([`RawResponse::idle_timeout`]). Without it, a body still ends in a timeout error
    /// when no byte arrives for the idle timeout ([`stream_idle_timeout`](Self::stream_idle_timeout)).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The retry policy (default [`RetryConfig::backoff`]).
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = Some(retry);
        self
    }

    /// The statuses that are retried: exact codes (`"503"`) or families (`"5XX"`).
    /// Default: `["429", "5XX"]`.
    pub fn retry_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.retry_codes = Some(codes.into_iter().map(Into::into).collect());
        self
    }

    /// A header sent with every request (per-call headers win).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.default_headers.push((name.into(), value.into()));
        self
    }

    /// The longest wait for the next bytes of an event stream (default 5 minutes;
    /// zero turns it off). Streams have no total timeout: long generations are fine.
    /// Without a per-attempt [`timeout`](Self::timeout), it also bounds the wait between the
    /// bytes of any other body (JSON, binary).
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = Some(timeout);
        self
    }

    /// The largest response body read into memory (default 32 MiB).
    pub fn max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = Some(bytes);
        self
    }

    /// Trusts one more certificate authority (DER bytes) besides the feature's roots: for a
    /// gateway or proxy with its own CA. With neither root feature, the only trusted roots.
    pub fn add_root_certificate(mut self, der: impl Into<Vec<u8>>) -> Self {
        let mut store = rustls::RootCertStore::empty();
        match store.add(rustls::pki_types::CertificateDer::from(der.into())) {
            Ok(()) => self.extra_roots.extend(store.roots),
            Err(e) => {
                self.extra_roots_error.get_or_insert(format!("a root certificate could not be used: {e}"));
            }
        }
        self
    }

    /// Allows a plain `http://` base URL on a host that is not loopback (default: refused,
    /// since the key would travel in clear text).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates the configuration and creates the connection pool.
    pub fn build(self) -> Result<OpenRouterCore, Error> {
        let base = BaseUrl::parse(self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL), self.allow_insecure_http)?;
        let auth = match (self.key_provider, self.api_key) {
            (Some(p), _) => Auth::Provider(p),
            (None, Some(k)) if !k.trim().is_empty() => Auth::Static(bearer(&k)?),
            (None, _) => Auth::None,
        };
        let app = AppHeaders {
            http_referer: self.http_referer.map(|v| header_value(&v, "HTTP-Referer")).transpose()?,
            app_title: self.app_title.map(|v| header_value(&v, "X-OpenRouter-Title")).transpose()?,
            app_categories: self.app_categories.map(|v| header_value(&v, "X-OpenRouter-Categories")).transpose()?,
        };
        let user_agent = match self.user_agent {
            Some(ua) => header_value(&ua, "User-Agent")?,
            None => HeaderValue::from_static(DEFAULT_USER_AGENT),
        };
        let mut default_headers = HeaderMap::new();
        for (name, value) in &self.default_headers {
            let (n, v) = header_pair(name, value).map_err(Error::invalid_request)?;
            default_headers.append(n, v);
        }
        let retry_codes = match self.retry_codes {
            Some(codes) => RetryCodes::parse(&codes).map_err(Error::invalid_request)?,
            None => RetryCodes::default(),
        };
        if let Some(e) = self.extra_roots_error {
            return Err(Error::invalid_request(e));
        }
        let connector = connector(base.origin.starts_with("https:"), self.extra_roots)?;
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(conn::Counting(connector));
        Ok(OpenRouterCore {
            shared: Arc::new(Shared {
                client,
                auth,
                base,
                app,
                user_agent,
                default_headers,
                timeout: self.timeout,
                retry: self.retry.unwrap_or_default(),
                retry_codes,
                max_body_size: self.max_body_size.unwrap_or(DEFAULT_MAX_BODY_SIZE),
                stream_idle_timeout: self.stream_idle_timeout,
            }),
            options: None,
        })
    }
}

impl fmt::Debug for OpenRouterCoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OpenRouterCoreBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("api_key_provider", &self.key_provider.as_ref().map(|_| "<provider>"))
            .field("base_url", &self.base_url)
            .field("http_referer", &self.http_referer)
            .field("app_title", &self.app_title)
            .field("app_categories", &self.app_categories)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

/// The TLS connector: rustls with the ring provider and the roots of the enabled feature.
fn connector(
    needs_roots: bool,
    extra_roots: Vec<rustls::pki_types::TrustAnchor<'static>>,
) -> Result<hyper_rustls::HttpsConnector<HttpConnector>, Error> {
    let mut roots = rustls::RootCertStore { roots: extra_roots };
    #[cfg(feature = "webpki-roots")]
    roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
    #[cfg(feature = "native-roots")]
    {
        let native = rustls_native_certs::load_native_certs();
        roots.add_parsable_certificates(native.certs);
    }
    if needs_roots && roots.is_empty() {
        return Err(Error::invalid_request(
            "no TLS trust roots: enable the `webpki-roots` or `native-roots` feature (or the system has no certificates)",
        ));
    }
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::invalid_request(format!("TLS configuration: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    let builder = hyper_rustls::HttpsConnectorBuilder::new().with_tls_config(config).https_or_http();
    #[cfg(feature = "http2")]
    let builder = builder.enable_all_versions();
    #[cfg(not(feature = "http2"))]
    let builder = builder.enable_http1();
    Ok(builder.build())
}

impl BaseUrl {
    fn parse(url: &str, allow_insecure: bool) -> Result<BaseUrl, Error> {
        let bad = |why: &str| Error::invalid_request(format!("invalid base URL `{url}`: {why}"));
        let uri: http::Uri = url.trim().parse().map_err(|_| bad("not a URL"))?;
        let scheme =
            uri.scheme_str().map(str::to_ascii_lowercase).ok_or_else(|| bad("it needs http:// or https://"))?;
        if scheme != "https" && scheme != "http" {
            return Err(bad("only http:// and https:// are supported"));
        }
        let authority = uri.authority().ok_or_else(|| bad("it has no host"))?;
        if authority.as_str().contains('@') {
            return Err(bad("credentials in the URL are not supported; use .api_key(..)"));
        }
        if uri.query().is_some() || url.contains('#') {
            return Err(bad("it must not have a query or a fragment"));
        }
        let host = authority.host().trim_start_matches('[').trim_end_matches(']');
        let loopback =
            host.eq_ignore_ascii_case("localhost") || host.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
        if scheme == "http" && !loopback && !allow_insecure {
            return Err(bad("plain http:// to a host that is not loopback would send the API key in clear text; \
                 use https:// or .allow_insecure_http(true)"));
        }
        let prefix = uri.path().trim_end_matches('/').to_owned();
        let origin = format!("{scheme}://{}", authority.as_str().to_ascii_lowercase());
        Ok(BaseUrl { origin, prefix, allow_insecure })
    }

    fn allows_insecure(&self) -> bool {
        self.allow_insecure
    }
}

/// Per-call overrides, applied with [`OpenRouterCore::with_options`].
#[derive(Clone, Default)]
pub struct RequestOptions {
    timeout: Option<Duration>,
    stream_idle_timeout: Option<Duration>,
    retries: Option<RetryConfig>,
    retry_codes: Option<Vec<String>>,
    retry_unanswered_post: Option<bool>,
    headers: Vec<(String, String)>,
    base_url: Option<String>,
    http_referer: Option<String>,
    app_title: Option<String>,
    app_categories: Option<String>,
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// The per-attempt timeout for these calls.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The longest wait for the next bytes of an event stream, for these calls.
    pub fn stream_idle_timeout(mut self, timeout: Duration) -> Self {
        self.stream_idle_timeout = Some(timeout);
        self
    }

    /// The retry policy for these calls.
    pub fn retries(mut self, retries: RetryConfig) -> Self {
        self.retries = Some(retries);
        self
    }

    /// Allows these calls, when they are POST or PATCH, to be sent again after an attempt
    /// timed out before any byte of its response arrived (default: not; see
    /// [`RetryConfig`]). The server may have received the request and acted on it (a chat
    /// completion would be billed twice): allow it only for calls that are safe to repeat.
    pub fn retry_unanswered_post(mut self, allow: bool) -> Self {
        self.retry_unanswered_post = Some(allow);
        self
    }

    /// The statuses retried for these calls (`"429"`, `"5XX"`, …).
    pub fn retry_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.retry_codes = Some(codes.into_iter().map(Into::into).collect());
        self
    }

    /// An extra header (it wins over every other source of the same header).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Another base URL for these calls.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self
    }

    /// `HTTP-Referer` for these calls.
    pub fn http_referer(mut self, value: impl Into<String>) -> Self {
        self.http_referer = Some(value.into());
        self
    }

    /// `X-OpenRouter-Title` for these calls.
    pub fn app_title(mut self, value: impl Into<String>) -> Self {
        self.app_title = Some(value.into());
        self
    }

    /// `X-OpenRouter-Categories` for these calls.
    pub fn app_categories(mut self, value: impl Into<String>) -> Self {
        self.app_categories = Some(value.into());
        self
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("RequestOptions")
            .field("timeout", &self.timeout)
            .field("stream_idle_timeout", &self.stream_idle_timeout)
            .field("retries", &self.retries)
            .field("retry_codes", &self.retry_codes)
            .field("retry_unanswered_post", &self.retry_unanswered_post)
            .field("headers", &names)
            .field("base_url", &self.base_url)
            .field("http_referer", &self.http_referer)
            .field("app_title", &self.app_title)
            .field("app_categories", &self.app_categories)
            .finish()
    }
}

/// `Authorization: Bearer <key>`, marked sensitive; the key never appears in the error.
fn bearer(key: &str) -> Result<HeaderValue, Error> {
    let key = key.trim();
    let has_prefix = key.len() > 7 && key[..7].eq_ignore_ascii_case("bearer ");
    let key = if has_prefix { key[7..].trim_start() } else { key };
    if key.is_empty() {
        return Err(Error::invalid_request(NO_KEY));
    }
    let mut v = HeaderValue::try_from(format!("Bearer {key}"))
        .map_err(|_| Error::invalid_request("the API key contains characters not allowed in a header"))?;
    v.set_sensitive(true);
    Ok(v)
}

fn header_value(value: &str, name: &str) -> Result<HeaderValue, Error> {
    HeaderValue::from_str(value).map_err(|_| {
        Error::invalid_request(format!("the value of header `{name}` contains CR, LF or another forbidden character"))
    })
}

fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), String> {
    let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("`{name}` is not a valid header name"))?;
    let v = HeaderValue::from_str(value)
        .map_err(|_| format!("the value of header `{name}` contains CR, LF or another forbidden character"))?;
    Ok((n, v))
}

/// One request, described without generics by a generated function.
pub(crate) struct HttpRequest {
    pub(crate) method: Method,
    /// Relative to the base URL, starting with `/`, already percent-encoded.
    pub(crate) path: String,
    /// `name=value&…`, already percent-encoded, without `?`.
    pub(crate) query: String,
    /// The operation's header parameters.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: ReqBody,
    pub(crate) accept: &'static str,
    /// `path` is relative to the base URL's origin, not to its path prefix (an operation the
    /// spec serves from its own server, such as `/api/alpha/decisions`).
    pub(crate) on_origin: bool,
}

impl HttpRequest {
    pub(crate) fn new(method: Method, path: String, accept: &'static str) -> Self {
        HttpRequest {
            method,
            path,
            query: String::new(),
            headers: Vec::new(),
            body: ReqBody::empty(),
            accept,
            on_origin: false,
        }
    }

    /// A request whose path is relative to the base URL's origin.
    pub(crate) fn on_origin(method: Method, path: String, accept: &'static str) -> Self {
        HttpRequest { on_origin: true, ..Self::new(method, path, accept) }
    }

    /// Appends one query pair, percent-encoding name and value.
    pub(crate) fn query(&mut self, name: &str, value: &str) {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        encode_component(&mut self.query, name);
        self.query.push('=');
        encode_component(&mut self.query, value);
    }

    /// An operation header parameter (CR/LF is refused when sending).
    pub(crate) fn header(&mut self, name: &'static str, value: String) {
        self.headers.push((name, value));
    }

    /// A JSON body (`Content-Type: application/json`).
    pub(crate) fn json_body<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid_request(format!("the request body could not be encoded as JSON: {e}")))?;
        self.body = ReqBody::json(bytes);
        Ok(())
    }

    /// An `application/x-www-form-urlencoded` body: the top-level fields of `body` as
    /// `name=value` pairs (strings as they are, numbers and booleans as JSON text, arrays as
    /// one pair per element; null fields are left out).
    pub(crate) fn form_body<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Error> {
        let invalid =
            |what: &str| Error::invalid_request(format!("the request body could not be encoded as a form: {what}"));
        let value = serde_json::to_value(body).map_err(|e| invalid(&e.to_string()))?;
        let serde_json::Value::Object(fields) = value else { return Err(invalid("it is not an object")) };
        let mut form = String::new();
        let mut pair = |name: &str, value: &serde_json::Value| -> Result<(), Error> {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => value.to_string(),
                _ => return Err(invalid(&format!("field `{name}` is not a string, number or boolean"))),
            };
            if !form.is_empty() {
                form.push('&');
            }
            encode_component(&mut form, name);
            form.push('=');
            encode_component(&mut form, &text);
            Ok(())
        };
        for (name, value) in &fields {
            match value {
                serde_json::Value::Null => {}
                serde_json::Value::Array(items) => items.iter().try_for_each(|item| pair(name, item))?,
                _ => pair(name, value)?,
            }
        }
        self.body = ReqBody::bytes(form.into_bytes(), "application/x-www-form-urlencoded");
        Ok(())
    }

    /// A `multipart/form-data` body.
    pub(crate) fn multipart(&mut self, form: Multipart) {
        self.body = form.into_body();
    }
}

/// A buffered success response.
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The `Authorization` value the request carried: its key is redacted from errors.
    pub(crate) auth: HeaderValue,
}

impl HttpResponse {
    /// Decodes the JSON body; a 2xx carrying `{"error": {...}}` is an API error.
    pub(crate) fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        if crate::errors::in_band_error(&self.body) {
            return Err(Error::api(self.status, self.headers, self.body, auth_key(&self.auth)));
        }
        // One UTF-8 check of the whole body, then `from_str`, is faster than `from_slice`
        // checking each string as it goes.
        // (One decoder per type: `from_slice` as a fallback would double the code of each.)
        let decoded = match std::str::from_utf8(&self.body) {
            Ok(text) => serde_json::from_str(text),
            Err(_) => Err(serde::de::Error::custom("the body is not valid UTF-8")),
        };
        decoded.map_err(|e| self.decode_error(e))
    }

    /// Whether the `Content-Type` is `text/event-stream`.
    fn is_event_stream(&self) -> bool {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.trim_start().get(..17).is_some_and(|p| p.eq_ignore_ascii_case("text/event-stream")))
    }

    /// For operations without a JSON success body.
    pub(crate) fn empty(self) -> Result<(), Error> {
        if crate::errors::in_band_error(&self.body) {
            return Err(Error::api(self.status, self.headers, self.body, auth_key(&self.auth)));
        }
        Ok(())
    }

    #[cold]
    fn decode_error(self, e: serde_json::Error) -> Error {
        if self.is_event_stream() {
            // Embeddings and rerank may answer in SSE; this call expects one JSON value.
            return Error::unexpected_content(
                self.status,
                self.headers,
                self.body,
                "application/json",
                auth_key(&self.auth),
            );
        }
        let auth = self.auth;
        Error::decode(e, self.status, self.headers, self.body, auth_key(&auth))
    }
}

impl OpenRouterCore {
    /// The origin (scheme, host, port) of the base URL in effect, without its path.
    pub(crate) fn origin(&self) -> &str {
        let o = self.options.as_deref();
        &o.and_then(|o| o.base.as_ref()).unwrap_or(&self.shared.base).origin
    }
}

/// A query value for a URL the SDK builds but does not send (the OAuth authorization URL).
pub(crate) fn encode_query_value(out: &mut String, s: &str) {
    encode_component(out, s);
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn encode_component(out: &mut String, s: &str) {
    encode_keeping(out, s, b"");
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `keep`.
fn encode_keeping(out: &mut String, s: &str, keep: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// One path segment, percent-encoded so that `/`, `?`, `#`, `%` and spaces stay inside it.
/// `:` and `@` are kept as they are, as RFC 3986 allows in a segment (`openrouter:web_search`).
/// A segment that is all dots (`.`, `..`) is encoded as `%2E`s, so that it is not read as a
/// relative reference to this or the parent resource.
pub(crate) fn encode_path_segment(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b == b'.') {
        return "%2E".repeat(s.len());
    }
    let mut out = String::with_capacity(s.len());
    encode_keeping(&mut out, s, b":@");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_values_whole() {
        assert_eq!(encode_path_segment("a/b?c#d&e%f g"), "a%2Fb%3Fc%23d%26e%25f%20g");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment("openrouter:web_search@v1"), "openrouter:web_search@v1");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
        assert_eq!(encode_path_segment("."), "%2E");
        assert_eq!(encode_path_segment("a..b"), "a..b");
        let mut r = HttpRequest::new(Method::GET, "/x".into(), "application/json");
        r.query("id", "a&b=c");
        r.query("n", "1");
        assert_eq!(r.query, "id=a%26b%3Dc&n=1");
    }

    #[test]
    fn base_url_rules() {
        let b = BaseUrl::parse("https://openrouter.ai/api/v1/", false).unwrap();
        assert_eq!((b.origin.as_str(), b.prefix.as_str()), ("https://openrouter.ai", "/api/v1"));
        assert!(BaseUrl::parse("ftp://x", false).is_err());
        assert!(BaseUrl::parse("http://example.com", false).is_err());
        assert!(BaseUrl::parse("http://example.com", true).unwrap().allows_insecure());
        assert!(BaseUrl::parse("http://[::1]:8080/v1", false).is_ok());
        assert!(BaseUrl::parse("http://localhost:1", false).is_ok());
        assert!(BaseUrl::parse("http://127.0.0.2", false).is_ok());
        assert!(BaseUrl::parse("https://u:p@x.com", false).is_err());
        assert!(BaseUrl::parse("not a url", false).is_err());
    }

    #[test]
    fn bodies_that_are_not_utf8_or_not_json_are_decode_errors_keeping_the_body() {
        let response = |body: &'static [u8]| HttpResponse {
            status: 200,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body),
            auth: HeaderValue::from_static("Bearer sk-test"),
        };
        let e = response(b"{\"a\": \"\xff\"}").json::<serde_json::Value>().unwrap_err();
        assert!(e.is_decode() && e.to_string().contains("UTF-8"), "{e}");
        assert_eq!(e.body(), Some(&b"{\"a\": \"\xff\"}"[..]));
        let e = response(b"{oops").json::<serde_json::Value>().unwrap_err();
        assert!(e.is_decode() && e.status() == Some(200));
        assert_eq!(response(b" {\"a\": 1} ").json::<serde_json::Value>().unwrap()["a"], 1);
    }

    #[test]
    fn bearer_is_not_doubled() {
        assert_eq!(bearer("sk-1").unwrap(), "Bearer sk-1");
        assert_eq!(bearer("Bearer sk-1").unwrap(), "Bearer sk-1");
        assert_eq!(bearer("bearer  sk-1").unwrap(), "Bearer sk-1");
        assert!(bearer("sk\r\n1").is_err());
        assert!(!format!("{:?}", bearer("sk\n1").unwrap_err()).contains("sk"));
    }
}
