//! The API key never shows up in `Debug` or `Display` of anything a user might print or log: the
//! builder, the core (and its clones and per-call views), request options, and errors of every
//! kind, including errors of requests that carried the key.

mod common;

use std::time::Duration;

use common::{api_error_body, refused_port, Reply, TestServer};
use openrouter::funcs::generations_get_generation;
use openrouter::models::GetGenerationRequest;
use openrouter::{Error, OpenRouterCore, RequestOptions, RetryConfig};

/// The distinctive middle of the key: no redaction may print it, even partly redacted keys
/// (`sk-or-v1-…0000`) must not contain it.
const SECRET: &str = "c0ffee5ecret9d1e8b7a6f";

fn key() -> String {
    format!("sk-or-v1-{SECRET}0000")
}

fn assert_hidden(what: &str, text: &str) {
    assert!(!text.contains(SECRET), "{what} leaks the API key: {text}");
}

/// Debug (plain and pretty) and Display of an error and of every error in its `source()` chain.
fn assert_error_hidden(what: &str, err: &Error) {
    assert_hidden(&format!("{what}: Display"), &err.to_string());
    assert_hidden(&format!("{what}: Debug"), &format!("{err:?}"));
    assert_hidden(&format!("{what}: pretty Debug"), &format!("{err:#?}"));
    if let Some(body) = err.body_text() {
        assert_hidden(&format!("{what}: body"), &body);
    }
    let mut source = std::error::Error::source(err);
    while let Some(cause) = source {
        assert_hidden(&format!("{what}: source Display"), &cause.to_string());
        assert_hidden(&format!("{what}: source Debug"), &format!("{cause:?}"));
        source = cause.source();
    }
}

async fn call(core: &OpenRouterCore) -> Result<openrouter::models::GenerationResponse, Error> {
    generations_get_generation(core, GetGenerationRequest::new("gen-1")).await
}

#[test]
fn builder_debug_hides_the_key() {
    let builder = OpenRouterCore::builder()
        .api_key(key())
        .base_url("https://openrouter.ai/api/v1")
        .app_title("Title")
        .http_referer("https://example.com/");
    assert_hidden("builder Debug", &format!("{builder:?}"));
    assert_hidden("builder pretty Debug", &format!("{builder:#?}"));

    let bearer = OpenRouterCore::builder().api_key(format!("Bearer {}", key()));
    assert_hidden("builder Debug (Bearer key)", &format!("{bearer:?}"));
}

#[test]
fn core_clone_and_view_debug_hide_the_key() {
    let core = OpenRouterCore::builder().api_key(key()).build().expect("build");
    assert_hidden("core Debug", &format!("{core:?}"));
    assert_hidden("core pretty Debug", &format!("{core:#?}"));
    let clone = core.clone();
    assert_hidden("clone Debug", &format!("{clone:?}"));
    let view = core.with_options(RequestOptions::new().timeout(Duration::from_secs(1)).app_title("View"));
    assert_hidden("with_options view Debug", &format!("{view:#?}"));

    let bearer = OpenRouterCore::builder().api_key(format!("Bearer {}", key())).build().expect("build");
    assert_hidden("core Debug (Bearer key)", &format!("{bearer:#?}"));
}

#[test]
fn an_authorization_header_in_options_or_defaults_is_hidden() {
    let auth = format!("Bearer {}", key());
    let options = RequestOptions::new().header("Authorization", auth.as_str());
    assert_hidden("RequestOptions Debug", &format!("{options:?}"));
    assert_hidden("RequestOptions pretty Debug", &format!("{options:#?}"));

    let builder = OpenRouterCore::builder().api_key("sk-or-other").default_header("authorization", auth.as_str());
    assert_hidden("builder Debug with an authorization default header", &format!("{builder:?}"));
    let core = builder.build().expect("build");
    assert_hidden("core Debug with an authorization default header", &format!("{core:#?}"));
    let view = core.with_options(RequestOptions::new().header("Authorization", auth.as_str()));
    assert_hidden("view Debug with a per-call authorization header", &format!("{view:#?}"));
}

#[tokio::test]
async fn a_provided_key_is_hidden() {
    let server = TestServer::start(vec![]).await;
    let core = OpenRouterCore::builder()
        .base_url(server.base_url().as_str())
        .api_key_provider(|| async { Ok::<String, Error>(key()) })
        .build()
        .expect("build");
    call(&core).await.expect("call");
    assert_eq!(
        server.single_request().header("authorization"),
        Some(format!("Bearer {}", key())),
        "the provided key is sent"
    );
    assert_hidden("core Debug after a provided key was used", &format!("{core:#?}"));
}

/// A 401 for a request that carried the key: its error must not carry the key.
#[tokio::test]
async fn a_401_error_for_a_request_with_the_key_hides_it() {
    let server =
        TestServer::start(vec![Reply::api_error(401, "User not found.").header("www-authenticate", "Bearer")]).await;
    let core = OpenRouterCore::builder()
        .api_key(key())
        .base_url(server.base_url().as_str())
        .retry(RetryConfig::none())
        .build()
        .expect("build");
    let err = call(&core).await.expect_err("401");
    assert_eq!(
        server.single_request().header("authorization"),
        Some(format!("Bearer {}", key())),
        "the request carried the key"
    );
    assert_eq!(err.status(), Some(401));
    assert_error_hidden("401 error", &err);
    if let Some(headers) = err.headers() {
        assert_hidden("401 error headers", &format!("{headers:?}"));
    }
}

/// Errors of every other kind, from a core holding the key.
#[tokio::test]
async fn errors_of_every_kind_hide_the_key() {
    let server = TestServer::start(vec![
        Reply::api_error(500, "boom"),
        Reply::json(200, "{not json"),
        Reply::json(200, api_error_body(500, "boom in a 200")),
        Reply::generation().delay(Duration::from_secs(5)),
    ])
    .await;
    let core = OpenRouterCore::builder()
        .api_key(key())
        .base_url(server.base_url().as_str())
        .retry(RetryConfig::none())
        .timeout(Duration::from_millis(300))
        .build()
        .expect("build");
    for what in ["500", "decode", "error in a 200", "timeout"] {
        let err = call(&core).await.expect_err(what);
        assert_error_hidden(what, &err);
    }

    let refused = OpenRouterCore::builder()
        .api_key(key())
        .base_url(format!("http://127.0.0.1:{}/api/v1", refused_port()).as_str())
        .retry(RetryConfig::none())
        .build()
        .expect("build");
    let err = call(&refused).await.expect_err("refused");
    assert_error_hidden("connection refused", &err);

    let err = generations_get_generation(&core, GetGenerationRequest::new("")).await.expect_err("empty id");
    assert_error_hidden("empty id", &err);
}

/// A key rejected for containing CR/LF is not echoed in the error.
#[tokio::test]
async fn an_invalid_key_is_not_echoed_in_its_error() {
    let server = TestServer::start(vec![]).await;
    let built = OpenRouterCore::builder()
        .api_key(format!("{}\r\nX-Evil: 1", key()))
        .base_url(server.base_url().as_str())
        .build();
    let err = match built {
        Err(e) => e,
        Ok(core) => call(&core).await.expect_err("a key with CR/LF must be refused"),
    };
    assert_error_hidden("invalid key error", &err);
    assert_eq!(server.request_count(), 0);
}
