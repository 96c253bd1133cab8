//! Configuration: the [`OpenRouterCore`] value, its builder, the per-call [`RequestOptions`], and
//! their resolution into the [`Config`] a call is sent with.
//!
//! Each setting is defined once, in [`Settings`]: the builder and the options share it (the
//! setters both have are written once, by `shared_setters!`), one function ([`Config::apply`])
//! validates it and lays it over the values before it, and the send path reads the result.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use http::header::{HeaderName, HeaderValue};
use http::HeaderMap;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::body::ReqBody;
use super::conn;
use super::hooks::{self, Hook, Hooks};
use super::retry::{RetryCodes, RetryConfig};
use crate::Error;

/// The default base URL of the API.
pub const DEFAULT_BASE_URL: &str = "https://openrouter.ai/api/v1";
/// The default cap on a buffered response body: 32 MiB.
pub const DEFAULT_MAX_BODY_SIZE: usize = 32 << 20;
/// The default longest wait for the next bytes of a stream (or of a body without a timeout).
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(300);
const DEFAULT_USER_AGENT: &str = concat!("openrouter-rust/", env!("CARGO_PKG_VERSION"));
pub(crate) const NO_KEY: &str = "no API key: set OPENROUTER_API_KEY or call OpenRouterCore::builder().api_key(..)";

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
    pub(super) shared: Arc<Shared>,
    /// The settings calls on this value are sent with (the builder's, with the overrides of
    /// [`OpenRouterCore::with_options`] laid over them).
    pub(super) config: Arc<Config>,
}

/// What every view of one core shares: the connection pool and the settings no call overrides.
pub(super) struct Shared {
    pub(super) client: Client<conn::Connector, ReqBody>,
    pub(super) auth: Auth,
    pub(super) user_agent: HeaderValue,
    pub(super) max_body_size: usize,
}

pub(super) enum Auth {
    None,
    Static(HeaderValue),
    Provider(KeyProvider),
}

impl OpenRouterCore {
    /// A builder with the defaults: base URL `https://openrouter.ai/api/v1`, no
    /// timeout, [`RetryConfig::backoff`] on 429 and 5xx, 32 MiB body cap.
    pub fn builder() -> OpenRouterCoreBuilder {
        OpenRouterCoreBuilder::default()
    }

    /// A core configured from the environment: `OPENROUTER_API_KEY` (required),
    /// `OPENROUTER_BASE_URL`, `OPENROUTER_HTTP_REFERER`, `OPENROUTER_APP_TITLE`,
    /// `OPENROUTER_APP_CATEGORIES` (empty values count as unset). With the `proxy` feature
    /// (default), also the proxy as curl reads it: `https_proxy` / `HTTPS_PROXY`, `all_proxy` /
    /// `ALL_PROXY`, `http_proxy` (lower-case only, for an `http://` base URL) and `no_proxy` /
    /// `NO_PROXY`, the lower-case name first.
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
        #[cfg(feature = "proxy")]
        {
            b.proxy = super::proxy::ProxySettings::from_env(|name| std::env::var(name).ok());
        }
        b.build()
    }

    /// A view of this core with per-call overrides; it shares the connection pool.
    /// Invalid values (a header with CR/LF, a bad base URL) make every call on
    /// the view fail before anything is sent.
    pub fn with_options(&self, options: RequestOptions) -> OpenRouterCore {
        let mut config = (*self.config).clone();
        config.overridden = true;
        if let Err(e) = config.apply(&options.settings, Layer::Call) {
            config.invalid.get_or_insert(e.to_string());
        }
        OpenRouterCore { shared: self.shared.clone(), config: Arc::new(config) }
    }
    /// The origin (scheme, host, port) of the base URL in effect, without its path.
    pub(crate) fn origin(&self) -> &str {
        &self.config.base.origin
    }
}

impl fmt::Debug for OpenRouterCore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.config;
        f.debug_struct("OpenRouterCore")
            .field("base_url", &format_args!("{}{}", c.base.origin, c.base.prefix))
            .field(
                "api_key",
                &match self.shared.auth {
                    Auth::None => "<none>",
                    Auth::Static(_) => "<redacted>",
                    Auth::Provider(_) => "<provider>",
                },
            )
            .field("timeout", &c.timeout)
            .field("retry", &c.retry)
            .field("has_overrides", &c.overridden)
            .finish_non_exhaustive()
    }
}

/// Builds an [`OpenRouterCore`] (see [`OpenRouterCore::builder`]), or, with `T` =
/// [`OpenRouter`](crate::OpenRouter), a client (see [`OpenRouter::builder`](crate::OpenRouter::builder)):
/// the same settings either way.
pub struct OpenRouterCoreBuilder<T = OpenRouterCore> {
    settings: Settings,
    api_key: Option<String>,
    key_provider: Option<KeyProvider>,
    user_agent: Option<String>,
    max_body_size: Option<usize>,
    allow_insecure_http: bool,
    /// Roots added with `add_root_certificate`, parsed there (so that a program which never
    /// adds one does not link the certificate parser), or the first parse error.
    extra_roots: Vec<rustls::pki_types::TrustAnchor<'static>>,
    extra_roots_error: Option<String>,
    #[cfg(feature = "proxy")]
    proxy: super::proxy::ProxySettings,
    /// What [`build`](Self::build) makes.
    built: PhantomData<fn() -> T>,
}

impl<T> Default for OpenRouterCoreBuilder<T> {
    fn default() -> Self {
        OpenRouterCoreBuilder {
            settings: Settings::default(),
            api_key: None,
            key_provider: None,
            user_agent: None,
            max_body_size: None,
            allow_insecure_http: false,
            extra_roots: Vec::new(),
            extra_roots_error: None,
            #[cfg(feature = "proxy")]
            proxy: Default::default(),
            built: PhantomData,
        }
    }
}

/// Per-call overrides, applied with [`OpenRouterCore::with_options`].
#[derive(Clone, Default)]
pub struct RequestOptions {
    settings: Settings,
}

/// The settings both the builder and [`RequestOptions`] have, as given (validated by
/// [`Config::apply`]); `None` leaves the value before it in place.
#[derive(Clone, Default)]
struct Settings {
    base_url: Option<String>,
    timeout: Option<Duration>,
    stream_idle_timeout: Option<Duration>,
    retry: Option<RetryConfig>,
    retry_codes: Option<Vec<String>>,
    retry_unanswered_post: Option<bool>,
    /// The builder's default headers, or the options' per-call headers.
    headers: Vec<(String, String)>,
    http_referer: Option<String>,
    app_title: Option<String>,
    app_categories: Option<String>,
    /// The hooks registered here, in order (the builder's, or one view's).
    hooks: Option<Hooks<OpenRouterCore>>,
}

/// Writes each setter the builder and the options share once: `[builder name, options name]`,
/// the parameters, and what it does to the [`Settings`] (named by the first identifier).
macro_rules! shared_setters {
    ($(
        $(#[$doc:meta])*
        [$builder:ident, $options:ident] $(<$($g:ident),+>)? ($($arg:ident: $ty:ty),*)
        $(where {$($w:tt)*})? => |$s:ident| $set:expr;
    )*) => {
        impl<T> OpenRouterCoreBuilder<T> {
            $(
                $(#[$doc])*
                pub fn $builder $(<$($g),+>)? (mut self, $($arg: $ty),*) -> Self $(where $($w)*)? {
                    let $s = &mut self.settings;
                    $set;
                    self
                }
            )*
        }
        impl RequestOptions {
            $(
                $(#[$doc])*
                pub fn $options $(<$($g),+>)? (mut self, $($arg: $ty),*) -> Self $(where $($w)*)? {
                    let $s = &mut self.settings;
                    $set;
                    self
                }
            )*
        }
    };
}

shared_setters! {
    /// A timeout for each attempt, covering connect, headers and body, binary bodies read
    /// after the call returned included (default: none). Streams use it up to their first
    /// byte, then an idle timeout between events; a binary body can trade it for an idle
    /// timeout ([`RawResponse::idle_timeout`](crate::RawResponse::idle_timeout)). Without it, a
    /// body still ends in a timeout error when no byte arrives for the idle timeout
    /// (`stream_idle_timeout`).
    [timeout, timeout](timeout: Duration) => |s| s.timeout = Some(timeout);

    /// The longest wait for the next bytes of an event stream (default 5 minutes;
    /// zero turns it off). Streams have no total timeout: long generations are fine.
    /// Without a per-attempt `timeout`, it also bounds the wait between the bytes of any other
    /// body (JSON, binary).
    [stream_idle_timeout, stream_idle_timeout](timeout: Duration) => |s| s.stream_idle_timeout = Some(timeout);

    /// The retry policy (default [`RetryConfig::backoff`]).
    [retry, retries](retry: RetryConfig) => |s| s.retry = Some(retry);

    /// The statuses that are retried: exact codes (`"503"`) or families (`"5XX"`).
    /// Default: `["429", "5XX"]`.
    [retry_codes, retry_codes]<I, S>(codes: I) where { I: IntoIterator<Item = S>, S: Into<String> } =>
        |s| s.retry_codes = Some(codes.into_iter().map(Into::into).collect());

    /// Allows calls that are POST or PATCH to be sent again after an attempt timed out before
    /// any byte of its response arrived (default: not; see [`RetryConfig`]). The server may
    /// have received the request and acted on it (a chat completion would be billed twice):
    /// allow it only for calls that are safe to repeat.
    [retry_unanswered_post, retry_unanswered_post](allow: bool) => |s| s.retry_unanswered_post = Some(allow);

    /// `HTTP-Referer`: your app's URL, for OpenRouter's app attribution (a per-call value
    /// wins).
    [http_referer, http_referer](value: impl Into<String>) => |s| s.http_referer = Some(value.into());

    /// `X-OpenRouter-Title`: your app's display name (a per-call value wins).
    [app_title, app_title](value: impl Into<String>) => |s| s.app_title = Some(value.into());

    /// `X-OpenRouter-Categories`: comma-separated app categories (`cli-agent,cloud-agent`; a
    /// per-call value wins).
    [app_categories, app_categories](value: impl Into<String>) => |s| s.app_categories = Some(value.into());

    /// Registers a [`Hook`]: it is called before each attempt, on each response head, error
    /// and retry decision. The builder's hooks run first, then each view's, in the order they
    /// were registered.
    [hook, hook]<H>(hook: H) where { H: Hook } => |s| s.hooks = Some(hooks::push(s.hooks.take(), Arc::new(hook)));
}

impl<T> OpenRouterCoreBuilder<T> {
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
    // (`&str` here, `impl Into<String>` in `RequestOptions`: both signatures are older than the
    // shared setters.)
    pub fn base_url(mut self, url: &str) -> Self {
        self.settings.base_url = Some(url.to_owned());
        self
    }

    /// A header sent with every request (per-call headers win).
    pub fn default_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.headers.push((name.into(), value.into()));
        self
    }

    /// The `User-Agent` header (default `openrouter-rust/<version>`).
    pub fn user_agent(mut self, value: impl Into<String>) -> Self {
        self.user_agent = Some(value.into());
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

    /// Sends every request through this `http://` proxy (`http://host:port`, or
    /// `http://user:password@host:port`; the `proxy` feature): a `CONNECT` tunnel to the API's
    /// host, so TLS runs end to end and the proxy sees neither the key nor the bodies. Credentials
    /// in the URL (percent-encoded) are sent to the proxy as `Proxy-Authorization: Basic …` and
    /// never printed. A URL that is not `http://` (`https://`, `socks5://`) is a build error.
    #[cfg(feature = "proxy")]
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        let url = url.into();
        self.proxy.https = Some(url.clone());
        self.proxy.http = Some(url);
        self.proxy.make = Some(super::proxy::route);
        self
    }

    /// The hosts reached without the proxy, as `NO_PROXY` lists them: comma-separated host
    /// names (each also matching its subdomains), IP addresses, networks (`10.0.0.0/8`), or `*`.
    #[cfg(feature = "proxy")]
    pub fn no_proxy(mut self, hosts: impl Into<String>) -> Self {
        self.proxy.no = Some(hosts.into());
        self.proxy.make = Some(super::proxy::route);
        self
    }

    /// Allows a plain `http://` base URL on a host that is not loopback (default: refused,
    /// since the key would travel in clear text).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// Validates the configuration and creates the connection pool.
    pub fn build(self) -> Result<T, Error>
    where
        T: From<OpenRouterCore>,
    {
        // One copy of the work for every `T`: the settings move into the core's builder.
        let core = OpenRouterCoreBuilder::<OpenRouterCore> {
            settings: self.settings,
            api_key: self.api_key,
            key_provider: self.key_provider,
            user_agent: self.user_agent,
            max_body_size: self.max_body_size,
            allow_insecure_http: self.allow_insecure_http,
            extra_roots: self.extra_roots,
            extra_roots_error: self.extra_roots_error,
            #[cfg(feature = "proxy")]
            proxy: self.proxy,
            built: PhantomData,
        };
        core.build_core().map(T::from)
    }
}

impl OpenRouterCoreBuilder {
    fn build_core(self) -> Result<OpenRouterCore, Error> {
        let mut config = Config::defaults(self.allow_insecure_http)?;
        config.apply(&self.settings, Layer::Client)?;
        let auth = match (self.key_provider, self.api_key) {
            (Some(p), _) => Auth::Provider(p),
            (None, Some(k)) if !k.trim().is_empty() => Auth::Static(bearer(&k)?),
            (None, _) => Auth::None,
        };
        let user_agent = match self.user_agent {
            Some(ua) => header_value(&ua, "User-Agent")?,
            None => HeaderValue::from_static(DEFAULT_USER_AGENT),
        };
        if let Some(e) = self.extra_roots_error {
            return Err(Error::invalid_request(e));
        }
        let https = config.base.origin.starts_with("https:");
        #[cfg(not(feature = "proxy"))]
        let connector = conn::tls(https, self.extra_roots)?;
        #[cfg(feature = "proxy")]
        let route = match self.proxy.make {
            Some(make) => make(&self.proxy)?,
            None => None,
        };
        #[cfg(feature = "proxy")]
        let connector = conn::tls(https, self.extra_roots, route)?;
        let client = Client::builder(TokioExecutor::new())
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(Duration::from_secs(90))
            .build(conn::Counting(connector));
        let max_body_size = self.max_body_size.unwrap_or(DEFAULT_MAX_BODY_SIZE);
        Ok(OpenRouterCore {
            shared: Arc::new(Shared { client, auth, user_agent, max_body_size }),
            config: Arc::new(config),
        })
    }
}

impl<T> fmt::Debug for OpenRouterCoreBuilder<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        let mut d = f.debug_struct("OpenRouterCoreBuilder");
        d.field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .field("api_key_provider", &self.key_provider.as_ref().map(|_| "<provider>"))
            .field("base_url", &s.base_url)
            .field("http_referer", &s.http_referer)
            .field("app_title", &s.app_title)
            .field("app_categories", &s.app_categories)
            .field("timeout", &s.timeout)
            .field("retry", &s.retry)
            .field("hooks", &s.hooks.as_ref().map_or(0, |h| h.list().len()));
        #[cfg(feature = "proxy")]
        d.field("proxy", &self.proxy);
        d.finish_non_exhaustive()
    }
}

impl RequestOptions {
    /// No overrides.
    pub fn new() -> Self {
        Self::default()
    }

    /// Another base URL for these calls.
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.settings.base_url = Some(url.into());
        self
    }

    /// An extra header (it wins over every other source of the same header).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.settings.headers.push((name.into(), value.into()));
        self
    }
}

impl fmt::Debug for RequestOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.settings;
        let names: Vec<&str> = s.headers.iter().map(|(n, _)| n.as_str()).collect();
        f.debug_struct("RequestOptions")
            .field("timeout", &s.timeout)
            .field("stream_idle_timeout", &s.stream_idle_timeout)
            .field("retries", &s.retry)
            .field("retry_codes", &s.retry_codes)
            .field("retry_unanswered_post", &s.retry_unanswered_post)
            .field("headers", &names)
            .field("base_url", &s.base_url)
            .field("http_referer", &s.http_referer)
            .field("app_title", &s.app_title)
            .field("app_categories", &s.app_categories)
            .field("hooks", &s.hooks.as_ref().map_or(0, |h| h.list().len()))
            .finish()
    }
}

/// Where [`Settings`] come from: the builder's are the client's defaults, the options' win.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layer {
    Client,
    Call,
}

/// The resolved settings a call is sent with: the defaults, the builder's settings, then the
/// per-call options of each [`OpenRouterCore::with_options`], each laid over the one before.
#[derive(Clone)]
pub(super) struct Config {
    pub(super) base: BaseUrl,
    /// Zero means none.
    pub(super) timeout: Option<Duration>,
    /// `None`: the default; zero turns it off.
    pub(super) stream_idle_timeout: Option<Duration>,
    pub(super) retry: RetryConfig,
    pub(super) retry_codes: RetryCodes,
    pub(super) retry_unanswered_post: bool,
    /// Sent with every request; the operation's own headers win over them.
    pub(super) default_headers: HeaderMap,
    /// Per-call headers: they win over every other source.
    pub(super) call_headers: HeaderMap,
    pub(super) http_referer: Option<HeaderValue>,
    pub(super) app_title: Option<HeaderValue>,
    pub(super) app_categories: Option<HeaderValue>,
    /// The builder's hooks, then each view's; `None` when there are none.
    pub(super) hooks: Option<Hooks<OpenRouterCore>>,
    /// The first invalid per-call setting: every call on the view fails with it.
    pub(super) invalid: Option<String>,
    /// Whether per-call options were applied (shown by `Debug`).
    overridden: bool,
}

impl Config {
    fn defaults(allow_insecure: bool) -> Result<Config, Error> {
        Ok(Config {
            base: BaseUrl::parse(DEFAULT_BASE_URL, allow_insecure)?,
            timeout: None,
            stream_idle_timeout: None,
            retry: RetryConfig::default(),
            retry_codes: RetryCodes::default(),
            retry_unanswered_post: false,
            default_headers: HeaderMap::new(),
            call_headers: HeaderMap::new(),
            http_referer: None,
            app_title: None,
            app_categories: None,
            hooks: None,
            invalid: None,
            overridden: false,
        })
    }

    /// Validates `s` and lays it over these settings: the one resolution of each setting.
    fn apply(&mut self, s: &Settings, layer: Layer) -> Result<(), Error> {
        if let Some(url) = &s.base_url {
            self.base = BaseUrl::parse(url, self.base.allow_insecure)?;
        }
        for (slot, value, name) in [
            (&mut self.http_referer, &s.http_referer, "HTTP-Referer"),
            (&mut self.app_title, &s.app_title, "X-OpenRouter-Title"),
            (&mut self.app_categories, &s.app_categories, "X-OpenRouter-Categories"),
        ] {
            if let Some(v) = value {
                *slot = Some(header_value(v, name)?);
            }
        }
        for (name, value) in &s.headers {
            let (n, v) = header_pair(name, value).map_err(Error::invalid_request)?;
            match layer {
                // Default headers may repeat; a per-call header replaces.
                Layer::Client => {
                    self.default_headers.append(n, v);
                }
                Layer::Call => {
                    self.call_headers.insert(n, v);
                }
            }
        }
        if let Some(codes) = &s.retry_codes {
            self.retry_codes = RetryCodes::parse(codes).map_err(Error::invalid_request)?;
        }
        self.timeout = s.timeout.or(self.timeout);
        self.stream_idle_timeout = s.stream_idle_timeout.or(self.stream_idle_timeout);
        if let Some(r) = &s.retry {
            self.retry = r.clone();
        }
        self.retry_unanswered_post = s.retry_unanswered_post.unwrap_or(self.retry_unanswered_post);
        if let Some(more) = &s.hooks {
            self.hooks = Some(match (&self.hooks, layer) {
                (Some(before), Layer::Call) => more.after(before),
                _ => more.clone(),
            });
        }
        Ok(())
    }

    /// The per-attempt timeout, if any.
    pub(super) fn timeout(&self) -> Option<Duration> {
        self.timeout.filter(|t| !t.is_zero())
    }

    /// The idle timeout of streams and of bodies without a per-attempt timeout (`None`: off).
    pub(crate) fn idle_timeout(&self) -> Option<Duration> {
        let idle = self.stream_idle_timeout.unwrap_or(DEFAULT_IDLE_TIMEOUT);
        (!idle.is_zero()).then_some(idle)
    }
}

/// A parsed base URL: `scheme://authority` and a path prefix without a trailing slash.
#[derive(Clone, Debug)]
pub(super) struct BaseUrl {
    pub(super) origin: String,
    pub(super) prefix: String,
    /// Whether plain http:// to a non-loopback host was allowed (kept for per-call base URLs).
    allow_insecure: bool,
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
}

/// `Authorization: Bearer <key>`, marked sensitive; the key never appears in the error.
pub(super) fn bearer(key: &str) -> Result<HeaderValue, Error> {
    let key = key.trim();
    // `get`, not indexing: a key with a multi-byte character in its first 7 bytes is no panic.
    let key = match (key.get(..7), key.get(7..)) {
        (Some(prefix), Some(rest)) if prefix.eq_ignore_ascii_case("bearer ") && !rest.trim().is_empty() => {
            rest.trim_start()
        }
        _ => key,
    };
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

pub(super) fn header_pair(name: &str, value: &str) -> Result<(HeaderName, HeaderValue), String> {
    let n = HeaderName::from_bytes(name.as_bytes()).map_err(|_| format!("`{name}` is not a valid header name"))?;
    let v = HeaderValue::from_str(value)
        .map_err(|_| format!("the value of header `{name}` contains CR, LF or another forbidden character"))?;
    Ok((n, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_url_rules() {
        let b = BaseUrl::parse("https://openrouter.ai/api/v1/", false).unwrap();
        assert_eq!((b.origin.as_str(), b.prefix.as_str()), ("https://openrouter.ai", "/api/v1"));
        assert!(BaseUrl::parse("ftp://x", false).is_err());
        assert!(BaseUrl::parse("http://example.com", false).is_err());
        assert!(BaseUrl::parse("http://example.com", true).unwrap().allow_insecure);
        assert!(BaseUrl::parse("http://[::1]:8080/v1", false).is_ok());
        assert!(BaseUrl::parse("http://localhost:1", false).is_ok());
        assert!(BaseUrl::parse("http://127.0.0.2", false).is_ok());
        assert!(BaseUrl::parse("https://u:p@x.com", false).is_err());
        assert!(BaseUrl::parse("not a url", false).is_err());
    }

    #[test]
    fn bearer_is_not_doubled() {
        assert_eq!(bearer("sk-1").unwrap(), "Bearer sk-1");
        assert_eq!(bearer("Bearer sk-1").unwrap(), "Bearer sk-1");
        assert_eq!(bearer("bearer  sk-1").unwrap(), "Bearer sk-1");
        assert!(bearer("sk\r\n1").is_err());
        assert!(!format!("{:?}", bearer("sk\n1").unwrap_err()).contains("sk"));
    }

    #[test]
    fn per_call_settings_lay_over_the_client_ones() {
        let mut c = Config::defaults(false).unwrap();
        let client =
            Settings { timeout: Some(Duration::from_secs(5)), app_title: Some("a".into()), ..Settings::default() };
        c.apply(&client, Layer::Client).unwrap();
        let call = Settings { app_title: Some("b".into()), ..Settings::default() };
        c.apply(&call, Layer::Call).unwrap();
        assert_eq!(
            (c.timeout(), c.app_title.as_ref().map(|v| v.to_str().unwrap())),
            (Some(Duration::from_secs(5)), Some("b"))
        );
        let bad = Settings { http_referer: Some("x\ny".into()), ..Settings::default() };
        assert!(c.apply(&bad, Layer::Call).unwrap_err().is_invalid_request());
    }
}
