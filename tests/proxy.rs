//! `.proxy(url)` and `.no_proxy(hosts)` against an in-process `CONNECT` proxy and an https server
//! on 127.0.0.1: the request goes through the tunnel, the proxy gets its credentials and never
//! the API key, `NO_PROXY` hosts are reached directly, and proxy credentials never print.

mod proxy_common;

use std::sync::{Arc, Mutex};

use openrouter::core::{Hook, HookRequest};
use openrouter::funcs::generations_get_generation;
use openrouter::models::{GenerationResponse, GetGenerationRequest};
use openrouter::{Error, OpenRouterCore, RetryConfig};
use proxy_common::{header, https_server, Proxy};

const KEY: &str = "sk-or-v1-proxy-test-key-0123456789";
/// `user:pa@ss`, as the proxy URL carries it (percent-encoded) and as Basic credentials.
const USERINFO: &str = "user:pa%40ss";
const BASIC: &str = "Basic dXNlcjpwYUBzcw==";

fn builder(port: u16, cert: Vec<u8>) -> openrouter::OpenRouterCoreBuilder {
    OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(&format!("https://localhost:{port}/api/v1"))
        .add_root_certificate(cert)
        .retry(RetryConfig::none())
}

fn with_userinfo(proxy: &Proxy) -> String {
    format!("http://{USERINFO}@127.0.0.1:{}", proxy.port)
}

async fn get(core: &OpenRouterCore) -> Result<GenerationResponse, Error> {
    generations_get_generation(core, GetGenerationRequest::new("gen-1")).await
}

/// Records the header names each attempt is sent with.
struct Names(Arc<Mutex<Vec<String>>>);

impl Hook for Names {
    fn before_request(&self, r: &mut HookRequest<'_>) -> Result<(), Error> {
        self.0.lock().unwrap().extend(r.headers().keys().map(|n| n.to_string()));
        Ok(())
    }
}

#[tokio::test]
async fn requests_go_through_the_tunnel_and_the_proxy_never_sees_the_key() {
    let (port, cert, authorizations) = https_server().await;
    let proxy = Proxy::start(Some(BASIC), false).await;
    let names = Arc::new(Mutex::new(Vec::new()));
    let core = builder(port, cert).proxy(with_userinfo(&proxy)).hook(Names(names.clone())).build().unwrap();
    assert_eq!(get(&core).await.unwrap().data.id, "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG");
    get(&core).await.unwrap();

    // One tunnel (the pooled connection is reused), to the API's host, with the credentials.
    let heads = proxy.heads();
    assert_eq!(heads.len(), 1, "{heads:?}");
    assert!(heads[0].starts_with(&format!("CONNECT localhost:{port} HTTP/1.1\r\n")), "{}", heads[0]);
    assert_eq!(header(&heads[0], "proxy-authorization"), Some(BASIC));
    assert!(header(&heads[0], "authorization").is_none());
    // Through the tunnel: TLS only (a handshake record first), never the key or the request.
    let relayed = proxy.tunneled();
    assert_eq!(relayed.first(), Some(&0x16), "the tunnel does not start with a TLS handshake");
    let text = String::from_utf8_lossy(&relayed);
    assert!(!text.contains(KEY) && !text.contains("Bearer") && !text.contains("/generation"));
    // The server behind it got the key, twice.
    assert_eq!(*authorizations.lock().unwrap(), [format!("Bearer {KEY}"), format!("Bearer {KEY}")]);
    // Hooks never see the proxy's credentials.
    assert!(!names.lock().unwrap().iter().any(|n| n.contains("authorization")));
}

#[tokio::test]
async fn a_proxy_that_refuses_the_credentials_is_a_connect_error_that_shows_none_of_them() {
    let (port, cert, authorizations) = https_server().await;
    let proxy = Proxy::start(Some("Basic b3RoZXI6b3RoZXI="), false).await;
    let core = builder(port, cert).proxy(with_userinfo(&proxy)).build().unwrap();
    let e = get(&core).await.unwrap_err();
    assert!(e.is_connect(), "{e:?}");
    let shown = format!("{e} {e:?}");
    assert!(shown.contains("proxy authorization required"), "{shown}");
    for secret in ["pa@ss", "pa%40ss", "dXNlcjpwYUBzcw", KEY] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
    assert!(authorizations.lock().unwrap().is_empty());

    // A proxy that cannot reach the host: a connect error too, and nothing reached the server.
    let refusing = Proxy::start(None, true).await;
    let (port, cert, authorizations) = https_server().await;
    let e = get(&builder(port, cert).proxy(refusing.url()).build().unwrap()).await.unwrap_err();
    assert!(e.is_connect() && e.to_string().contains("tunnel"), "{e}");
    assert_eq!(refusing.heads().len(), 1);
    assert!(authorizations.lock().unwrap().is_empty());
}

#[tokio::test]
async fn no_proxy_hosts_are_reached_directly() {
    let (port, cert, authorizations) = https_server().await;
    let proxy = Proxy::start(None, false).await;
    for list in ["localhost", "example.com, .localhost", "*"] {
        let core = builder(port, cert.clone()).proxy(proxy.url()).no_proxy(list).build().unwrap();
        get(&core).await.unwrap();
        assert!(proxy.heads().is_empty(), "{list}: the proxy was used");
    }
    // A list that does not name the host: through the proxy.
    let core = builder(port, cert).proxy(proxy.url()).no_proxy("example.com,127.0.0.2").build().unwrap();
    get(&core).await.unwrap();
    assert_eq!(proxy.heads().len(), 1);
    assert_eq!(authorizations.lock().unwrap().len(), 4);
}

#[test]
fn proxy_urls_are_checked_and_their_credentials_never_print() {
    let b = OpenRouterCore::builder().api_key(KEY).proxy("http://alice:s3cr3t-pw@proxy.internal:3128");
    let debug = format!("{b:?}");
    assert!(debug.contains("http://[redacted]@proxy.internal:3128") && !debug.contains("s3cr3t"), "{debug}");
    assert!(b.build().is_ok());

    for url in ["socks5://alice:s3cr3t-pw@proxy:1080", "https://alice:s3cr3t-pw@proxy:443", "http://alice:s3cr3t-pw@"] {
        let e = OpenRouterCore::builder().api_key(KEY).proxy(url).build().unwrap_err();
        assert!(e.is_invalid_request(), "{url}: {e:?}");
        let shown = format!("{e} {e:?}");
        assert!(shown.contains("proxy URL") && !shown.contains("s3cr3t"), "{shown}");
    }
}
