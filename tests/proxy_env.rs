//! `OpenRouterCore::from_env()` and the proxy variables, read as curl reads them. One test in a
//! binary of its own: it changes the environment, which no other test here reads.

mod common;
mod proxy_common;

use common::TestServer;
use openrouter::funcs::generations_get_generation;
use openrouter::models::GetGenerationRequest;
use openrouter::{Error, OpenRouterCore};
use proxy_common::{header, Proxy};

const VARS: [&str; 9] = [
    "https_proxy",
    "HTTPS_PROXY",
    "http_proxy",
    "HTTP_PROXY",
    "all_proxy",
    "ALL_PROXY",
    "no_proxy",
    "NO_PROXY",
    "OPENROUTER_BASE_URL",
];

async fn call() -> Result<(), Error> {
    let core = OpenRouterCore::from_env()?;
    generations_get_generation(&core, GetGenerationRequest::new("gen-1")).await.map(drop)
}

#[tokio::test]
async fn from_env_honours_the_proxy_variables_as_curl_does() {
    for var in VARS {
        std::env::remove_var(var);
    }
    std::env::set_var("OPENROUTER_API_KEY", "sk-or-v1-env-test-0123456789");

    // HTTPS_PROXY for the https API, credentials from its user info. The proxy answers 502 (it
    // is not asked to reach the host; the call fails at the tunnel, nothing is looked up).
    let upper = Proxy::start(None, true).await;
    std::env::set_var("OPENROUTER_BASE_URL", "https://api.example.invalid/api/v1");
    std::env::set_var("HTTPS_PROXY", format!("http://u:p@127.0.0.1:{}", upper.port));
    let e = call().await.unwrap_err();
    assert!(e.is_connect() && !e.to_string().contains("u:p"), "{e}");
    // (A refused tunnel is a connection error: retried, so the proxy sees each attempt.)
    let heads = upper.heads();
    assert_eq!(heads.len() as u32, e.attempts());
    assert!(heads[0].starts_with("CONNECT api.example.invalid:443 HTTP/1.1\r\n"), "{heads:?}");
    assert_eq!(header(&heads[0], "proxy-authorization"), Some("Basic dTpw"));

    // The lower-case name wins.
    let lower = Proxy::start(None, true).await;
    std::env::set_var("https_proxy", lower.url());
    let e = call().await.unwrap_err();
    assert_eq!((upper.heads().len(), lower.heads().len() as u32), (heads.len(), e.attempts()));

    // ALL_PROXY serves an http:// base URL (here the loopback test server) through a tunnel.
    for var in VARS {
        std::env::remove_var(var);
    }
    let server = TestServer::start(Vec::new()).await;
    std::env::set_var("OPENROUTER_BASE_URL", server.base_url());
    let all = Proxy::start(None, false).await;
    std::env::set_var("ALL_PROXY", all.url());
    call().await.unwrap();
    assert!(all.heads()[0].starts_with(&format!("CONNECT 127.0.0.1:{} HTTP/1.1\r\n", server.port())));
    assert_eq!(server.request_count(), 1);

    // NO_PROXY: the host is reached directly; the lower-case no_proxy wins over it.
    std::env::set_var("NO_PROXY", "127.0.0.1");
    call().await.unwrap();
    assert_eq!((all.heads().len(), server.request_count()), (1, 2));
    std::env::set_var("no_proxy", "example.com");
    call().await.unwrap();
    assert_eq!((all.heads().len(), server.request_count()), (2, 3));

    // For http:// destinations only the lower-case http_proxy counts (as for curl: HTTP_PROXY
    // can come from a CGI request's `Proxy:` header).
    for var in ["ALL_PROXY", "no_proxy", "NO_PROXY"] {
        std::env::remove_var(var);
    }
    let ignored = Proxy::start(None, false).await;
    std::env::set_var("HTTP_PROXY", ignored.url());
    call().await.unwrap();
    assert!(ignored.heads().is_empty());
    std::env::set_var("http_proxy", all.url());
    call().await.unwrap();
    assert_eq!((all.heads().len(), server.request_count()), (3, 5));

    // A proxy variable that is not an http:// URL is a clear error, without its credentials.
    std::env::set_var("http_proxy", "socks5://u:hunter2@127.0.0.1:1080");
    let e = call().await.unwrap_err();
    assert!(e.is_invalid_request() && e.to_string().contains("only http://"), "{e}");
    assert!(!e.to_string().contains("hunter2"));
}
