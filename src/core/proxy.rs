//! Proxies (the `proxy` feature): `http://` proxies, reached with a `CONNECT` tunnel for every
//! destination, so that TLS to the API runs end to end through the proxy and the proxy sees
//! only the destination's host and port. The tunnel and the `NO_PROXY` rules are hyper-util's
//! (`Tunnel`, `Matcher`); this file chooses the proxy, checks what it was given, and keeps its
//! credentials out of everything that prints.
//!
//! A program that enables the feature but sets no proxy (never calls `.proxy(..)`,
//! `.no_proxy(..)` or `from_env()`) does not link the tunnel or the matcher: they are reached
//! through a [`Route`] trait object, made by a function that only those setters name.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tower_service::Service;

use crate::Error;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// The proxy settings as given: by `.proxy(..)` / `.no_proxy(..)` or the environment.
#[derive(Clone, Default)]
pub(crate) struct ProxySettings {
    /// Set by each setter (and `from_env`): makes the route from these settings.
    pub(crate) make: Option<MakeRoute>,
    /// For `https://` destinations (`.proxy(..)`, `https_proxy`, `all_proxy`).
    pub(crate) https: Option<String>,
    /// For `http://` destinations (`.proxy(..)`, `http_proxy`, `all_proxy`).
    pub(crate) http: Option<String>,
    /// The hosts that are reached directly (`NO_PROXY` syntax).
    pub(crate) no: Option<String>,
}

impl ProxySettings {
    /// What curl reads: `https_proxy` / `HTTPS_PROXY` for https, only the lower-case
    /// `http_proxy` for http (the upper-case one can be set by a CGI request's `Proxy:` header),
    /// `all_proxy` / `ALL_PROXY` for both, `no_proxy` / `NO_PROXY`; the lower-case name wins,
    /// and an empty value counts as unset.
    pub(crate) fn from_env(var: impl Fn(&str) -> Option<String>) -> ProxySettings {
        let first = |names: &[&str]| names.iter().find_map(|n| var(n).filter(|v| !v.trim().is_empty()));
        let all = first(&["all_proxy", "ALL_PROXY"]);
        ProxySettings {
            make: Some(route),
            https: first(&["https_proxy", "HTTPS_PROXY"]).or_else(|| all.clone()),
            http: first(&["http_proxy"]).or(all),
            no: first(&["no_proxy", "NO_PROXY"]),
        }
    }

    /// The matcher, or `None` when no proxy is set; a proxy URL that is not `http://host[:port]`
    /// is an error that shows it without its credentials.
    pub(crate) fn matcher(&self) -> Result<Option<Matcher>, Error> {
        if self.https.is_none() && self.http.is_none() {
            return Ok(None);
        }
        let mut b = Matcher::builder();
        if let Some(url) = &self.https {
            b = b.https(check(url)?);
        }
        if let Some(url) = &self.http {
            b = b.http(check(url)?);
        }
        if let Some(no) = &self.no {
            b = b.no(no.as_str());
        }
        Ok(Some(b.build()))
    }
}

/// What [`ProxySettings::make`] holds.
pub(crate) type MakeRoute = fn(&ProxySettings) -> Result<Option<Arc<dyn Route>>, Error>;

/// The route of these settings: through the proxies they name, or `None` (every host directly).
pub(crate) fn route(settings: &ProxySettings) -> Result<Option<Arc<dyn Route>>, Error> {
    Ok(settings.matcher()?.map(|m| Arc::new(Proxied(m)) as Arc<dyn Route>))
}

/// How to reach a destination when a proxy is set.
pub(crate) trait Route: Send + Sync {
    /// The tunnel to `dst` through its proxy, or `None` to connect directly (`NO_PROXY`).
    fn tunnel(&self, http: &HttpConnector, dst: &http::Uri) -> Option<Connecting>;
}

type Connecting = Pin<Box<dyn Future<Output = Result<TokioIo<TcpStream>, BoxError>> + Send>>;

/// Through the proxy the matcher names for each destination.
struct Proxied(Matcher);

impl Route for Proxied {
    fn tunnel(&self, http: &HttpConnector, dst: &http::Uri) -> Option<Connecting> {
        let proxy = self.0.intercept(dst)?;
        let mut tunnel = Tunnel::new(proxy.uri().clone(), http.clone());
        if let Some(auth) = proxy.basic_auth() {
            tunnel = tunnel.with_auth(auth.clone());
        }
        // The tunnel takes a destination without a port for 443: give http's its 80.
        let dst = match (dst.port(), dst.scheme_str(), dst.host()) {
            (None, Some("http"), Some(host)) => format!("http://{host}:80/").parse().unwrap_or_else(|_| dst.clone()),
            _ => dst.clone(),
        };
        Some(Box::pin(async move { tunnel.call(dst).await.map_err(Into::into) }))
    }
}

/// `url` if it is an `http://` proxy URL (a URL without a scheme is one, as for curl).
fn check(url: &str) -> Result<&str, Error> {
    let bad = |why: &str| Error::invalid_request(format!("invalid proxy URL `{}`: {why}", without_userinfo(url)));
    let uri: http::Uri = url.trim().parse().map_err(|_| bad("not a URL"))?;
    match uri.scheme_str().map(str::to_ascii_lowercase).as_deref() {
        None | Some("http") => {}
        Some(_) => return Err(bad("only http:// proxies are supported")),
    }
    let host = uri.authority().map(|a| a.host()).unwrap_or_default();
    if host.is_empty() {
        return Err(bad("it has no host"));
    }
    Ok(url.trim())
}

/// The URL with its user info (`user:password@`) replaced, for `Debug` and errors.
pub(crate) fn without_userinfo(url: &str) -> String {
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find(['/', '?', '#']).map_or(url.len(), |i| start + i);
    match url[start..end].rfind('@') {
        Some(at) => format!("{}[redacted]@{}", &url[..start], &url[start + at + 1..]),
        None => url.to_owned(),
    }
}

impl std::fmt::Debug for ProxySettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let shown = |v: &Option<String>| v.as_deref().map(without_userinfo);
        f.debug_struct("Proxy")
            .field("https", &shown(&self.https))
            .field("http", &shown(&self.http))
            .field("no_proxy", &self.no)
            .finish()
    }
}

/// The connector under TLS: straight to the destination, or through a `CONNECT` tunnel when
/// the route names a proxy for it.
#[derive(Clone)]
pub(crate) struct Via {
    pub(crate) http: HttpConnector,
    pub(crate) route: Option<Arc<dyn Route>>,
}

impl Service<http::Uri> for Via {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Connecting;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        self.http.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, dst: http::Uri) -> Self::Future {
        if let Some(tunnel) = self.route.as_ref().and_then(|r| r.tunnel(&self.http, &dst)) {
            return tunnel;
        }
        let direct = self.http.call(dst);
        Box::pin(async move { direct.await.map_err(Into::into) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| vars.iter().find(|(n, _)| *n == name).map(|(_, v)| v.to_string())
    }

    #[test]
    fn environment_is_read_as_curl_does() {
        let s = ProxySettings::from_env(env(&[("HTTPS_PROXY", "http://upper:1"), ("https_proxy", "http://lower:1")]));
        assert_eq!(s.https.as_deref(), Some("http://lower:1"));
        assert_eq!(s.http, None);
        let s = ProxySettings::from_env(env(&[("ALL_PROXY", "http://all:1"), ("HTTP_PROXY", "http://cgi:1")]));
        assert_eq!((s.https.as_deref(), s.http.as_deref()), (Some("http://all:1"), Some("http://all:1")));
        let s = ProxySettings::from_env(env(&[("https_proxy", " "), ("all_proxy", "p:3128"), ("NO_PROXY", "a.b")]));
        assert_eq!((s.https.as_deref(), s.no.as_deref()), (Some("p:3128"), Some("a.b")));
        assert!(ProxySettings::from_env(env(&[])).matcher().unwrap().is_none());
    }

    #[test]
    fn no_proxy_hosts_are_reached_directly() {
        let s = ProxySettings {
            https: Some("http://u:p@proxy.local:3128".into()),
            no: Some("internal.example, 10.0.0.0/8".into()),
            ..ProxySettings::default()
        };
        let m = s.matcher().unwrap().unwrap();
        let via = |url: &str| m.intercept(&url.parse().unwrap()).map(|i| i.uri().to_string());
        assert_eq!(via("https://openrouter.ai/api/v1").as_deref(), Some("http://proxy.local:3128/"));
        assert_eq!(via("https://api.internal.example/"), None);
        assert_eq!(via("https://10.1.2.3/"), None);
        assert_eq!(via("http://openrouter.ai/"), None, "no proxy was set for http");
    }

    #[test]
    fn bad_proxy_urls_are_refused_without_showing_credentials() {
        for (url, why) in [
            ("socks5://user:hunter2@p:1080", "only http://"),
            ("https://user:hunter2@p:443", "only http://"),
            ("http://user:hunter2@", "not a URL"),
            ("http://user:hunter2@bad host", "not a URL"),
        ] {
            let s = ProxySettings { https: Some(url.into()), ..ProxySettings::default() };
            let e = s.matcher().unwrap_err().to_string();
            assert!(e.contains(why) && !e.contains("hunter2"), "{url}: {e}");
        }
        assert_eq!(without_userinfo("http://u:p@h:1/x@y"), "http://[redacted]@h:1/x@y");
        assert_eq!(without_userinfo("h:1"), "h:1");
    }
}
