//! Transport behaviour of `OpenRouterCore` and `generations_get_generation`, end to end against an
//! in-process recording HTTP server on 127.0.0.1 (see `tests/common/mod.rs`).
//!
//! Every test asserts something a user of the SDK would notice: what goes on the wire, what comes
//! back as `Ok` or `Err`, how many attempts were made and how long the SDK waited.

mod common;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use common::{api_error_body, refused_port, Reply, TestServer, GENERATION_EXAMPLE, GENERATION_EXAMPLE_ID};
use openrouter::funcs::generations_get_generation;
use openrouter::models::{GenerationResponse, GetGenerationRequest};
use openrouter::{Error, OpenRouterCore, RequestOptions, RetryConfig};

const KEY: &str = "sk-or-test";
const VERSION: &str = env!("CARGO_PKG_VERSION");

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Backoff with tiny sleeps, so retry tests run in milliseconds.
fn fast_retry() -> RetryConfig {
    RetryConfig::backoff().initial_interval(ms(1)).max_interval(ms(20))
}

/// A builder pointed at the test server, with the test key and retries off.
macro_rules! builder {
    ($server:expr) => {
        OpenRouterCore::builder().api_key(KEY).base_url($server.base_url().as_str()).retry(RetryConfig::none())
    };
}

async fn get(core: &OpenRouterCore, id: &str) -> Result<GenerationResponse, Error> {
    generations_get_generation(core, GetGenerationRequest::new(id)).await
}

async fn get_ok(core: &OpenRouterCore) -> GenerationResponse {
    match get(core, "gen-1").await {
        Ok(response) => response,
        Err(e) => panic!("expected Ok, got Err: {e} / {e:?}"),
    }
}

async fn get_err(core: &OpenRouterCore) -> Error {
    match get(core, "gen-1").await {
        Ok(response) => panic!("expected Err, got Ok: {:?}", response.data.id),
        Err(e) => e,
    }
}

/// The call (or the build) fails, and the server never saw a request.
async fn rejected_before_sending(server: &TestServer, built: Result<OpenRouterCore, Error>, id: &str) -> Error {
    let err = match built {
        Err(e) => e,
        Ok(core) => match get(&core, id).await {
            Ok(_) => panic!("expected an error before sending, got Ok"),
            Err(e) => e,
        },
    };
    // Give a stray request time to arrive before counting.
    tokio::time::sleep(ms(50)).await;
    assert_eq!(server.request_count(), 0, "nothing may be sent; error was: {err}");
    err
}

/// An HTTP date (IMF-fixdate, as in `Retry-After`), e.g. `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).expect("after 1970").as_secs();
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let month_name =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][(month - 1) as usize];
    format!("{weekday}, {day:02} {month_name} {year} {hh:02}:{mm:02}:{ss:02} GMT")
}

/// Process environment is shared by all tests of this binary: tests that set or depend on
/// `OPENROUTER_*` variables hold this lock (an async mutex: it is held across awaits).
static ENV_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

// Field types the brief leaves open (required or optional in the model): compare through these.
trait OptF64 {
    fn opt_f64(&self) -> Option<f64>;
}
impl OptF64 for f64 {
    fn opt_f64(&self) -> Option<f64> {
        Some(*self)
    }
}
impl OptF64 for Option<f64> {
    fn opt_f64(&self) -> Option<f64> {
        *self
    }
}
trait OptStr {
    fn opt_str(&self) -> Option<&str>;
}
impl OptStr for String {
    fn opt_str(&self) -> Option<&str> {
        Some(self)
    }
}
impl OptStr for Option<String> {
    fn opt_str(&self) -> Option<&str> {
        self.as_deref()
    }
}
trait OptI64 {
    fn opt_i64(&self) -> Option<i64>;
}
impl OptI64 for i64 {
    fn opt_i64(&self) -> Option<i64> {
        Some(*self)
    }
}
impl OptI64 for Option<i64> {
    fn opt_i64(&self) -> Option<i64> {
        *self
    }
}

fn header_of(err: &Error, name: &str) -> Option<String> {
    err.headers().and_then(|h| h.get(name)).map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
}

// ---------------------------------------------------------------------------------------------
// Requests: what goes on the wire
// ---------------------------------------------------------------------------------------------

/// The conformance case `getGeneration.json`: exact method, path, query and headers, and the
/// spec's example (which lacks `data.workspace_id`) decodes.
#[tokio::test]
async fn sends_the_conformance_request_and_decodes_the_spec_example() {
    let server = TestServer::start(vec![Reply::generation()]).await;
    let core = OpenRouterCore::builder()
        .api_key("sk-or-test")
        .base_url(server.base_url().as_str())
        .http_referer("https://harness.example.com/")
        .app_title("Wire Vector Harness")
        .app_categories("cli-agent,cloud-agent")
        .build()
        .expect("build");
    let response = get(&core, "gen-1234567890").await.expect("the spec example must decode");

    let req = server.single_request();
    assert_eq!(req.method, "GET");
    assert_eq!(req.path, "/api/v1/generation");
    assert_eq!(req.query_pairs(), vec![("id".to_owned(), "gen-1234567890".to_owned())]);
    assert_eq!(req.header_all("authorization"), vec!["Bearer sk-or-test"]);
    assert_eq!(req.header_all("accept"), vec!["application/json"]);
    assert_eq!(req.header_all("http-referer"), vec!["https://harness.example.com/"]);
    assert_eq!(req.header_all("x-openrouter-title"), vec!["Wire Vector Harness"]);
    assert_eq!(req.header_all("x-openrouter-categories"), vec!["cli-agent,cloud-agent"]);
    assert!(req.body.is_empty(), "a GET sends no body");

    assert_eq!(response.data.id, GENERATION_EXAMPLE_ID);
    assert_eq!(response.data.total_cost.opt_f64(), Some(0.0015));
    assert_eq!(response.data.model.opt_str(), Some("sao10k/l3-stheno-8b"));
}

#[tokio::test]
async fn a_key_that_already_starts_with_bearer_is_not_doubled() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).api_key("Bearer sk-or-abc").build().unwrap();
    get_ok(&core).await;
    assert_eq!(server.single_request().header_all("authorization"), vec!["Bearer sk-or-abc"]);
}

#[tokio::test]
async fn app_headers_are_absent_when_not_set() {
    let _env = ENV_LOCK.lock().await;
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).build().unwrap();
    get_ok(&core).await;
    let req = server.single_request();
    for name in ["http-referer", "x-openrouter-title", "x-openrouter-categories"] {
        assert_eq!(req.header(name), None, "{name} must not be sent when not set");
    }
}

#[tokio::test]
async fn per_call_app_headers_win_over_client_values() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server)
        .http_referer("https://client.example/")
        .app_title("Client Title")
        .app_categories("client-cat")
        .build()
        .unwrap();
    let per_call = core.with_options(
        RequestOptions::new().http_referer("https://call.example/").app_title("Call Title").app_categories("call-cat"),
    );
    get_ok(&per_call).await;
    let req = server.single_request();
    assert_eq!(req.header_all("http-referer"), vec!["https://call.example/"]);
    assert_eq!(req.header_all("x-openrouter-title"), vec!["Call Title"]);
    assert_eq!(req.header_all("x-openrouter-categories"), vec!["call-cat"]);
}

#[tokio::test]
async fn user_agent_names_the_sdk_and_its_version() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).build().unwrap();
    get_ok(&core).await;
    let ua = server.single_request().header("user-agent").expect("a user agent is sent");
    let expected = format!("openrouter-rust/{VERSION}");
    assert!(ua.starts_with(&expected), "user-agent {ua:?} must start with {expected:?}");
}

#[tokio::test]
async fn a_custom_user_agent_is_sent() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).user_agent("my-app/2.5").build().unwrap();
    get_ok(&core).await;
    let ua = server.single_request().header_all("user-agent");
    assert_eq!(ua.len(), 1, "one user-agent header, got {ua:?}");
    assert!(ua[0].contains("my-app/2.5"), "user-agent {:?} must carry the custom value", ua[0]);
}

#[tokio::test]
async fn default_and_per_call_headers_are_sent_and_per_call_wins() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server)
        .default_header("x-client", "from-client")
        .default_header("x-shared", "client-value")
        .build()
        .unwrap();
    let per_call =
        core.with_options(RequestOptions::new().header("x-call", "from-call").header("x-shared", "call-value"));
    get_ok(&per_call).await;
    let req = server.single_request();
    assert_eq!(req.header_all("x-client"), vec!["from-client"]);
    assert_eq!(req.header_all("x-call"), vec!["from-call"]);
    assert_eq!(req.header_all("x-shared"), vec!["call-value"], "the per-call value replaces the client's");
}

#[tokio::test]
async fn with_options_leaves_the_original_core_unchanged() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).app_title("Client Title").build().unwrap();
    let per_call = core.with_options(RequestOptions::new().header("x-call", "1").app_title("Call Title"));
    get_ok(&per_call).await;
    get_ok(&core).await;
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].header("x-call").as_deref(), Some("1"));
    assert_eq!(requests[1].header("x-call"), None, "per-call headers must not leak into the core");
    assert_eq!(requests[1].header("x-openrouter-title").as_deref(), Some("Client Title"));
}

#[tokio::test]
async fn base_url_path_prefix_is_kept_and_a_trailing_slash_is_tolerated() {
    let server = TestServer::start(vec![]).await;
    for base in [server.base_url(), format!("{}/", server.base_url())] {
        let core = OpenRouterCore::builder().api_key(KEY).base_url(base.as_str()).build().unwrap();
        get_ok(&core).await;
    }
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    for req in requests {
        assert_eq!(req.path, "/api/v1/generation", "base URL {:?}", req.target);
    }
}

#[tokio::test]
async fn per_call_base_url_overrides_the_client_base_url() {
    let client_server = TestServer::start(vec![]).await;
    let call_server = TestServer::start(vec![]).await;
    let core = builder!(client_server).build().unwrap();
    let per_call = core.with_options(RequestOptions::new().base_url(call_server.base_url().as_str()));
    get_ok(&per_call).await;
    assert_eq!(client_server.request_count(), 0);
    assert_eq!(call_server.single_request().path, "/api/v1/generation");
}

/// An id with reserved characters arrives, after URL-decoding, as exactly the one `id` value:
/// never as a different path, a fragment, or extra parameters.
#[tokio::test]
async fn an_id_with_reserved_characters_arrives_as_the_single_id_value() {
    let ids = ["a/b?c#d&e=f%20g h+i", "../../keys?x=1", "100%", "gen 1&id=gen-2", "é/ü;=,@:$!'()*~", "#"];
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).build().unwrap();
    for id in ids {
        get(&core, id).await.unwrap_or_else(|e| panic!("id {id:?}: {e}"));
    }
    let requests = server.requests();
    assert_eq!(requests.len(), ids.len());
    for (req, id) in requests.iter().zip(ids) {
        assert_eq!(req.path, "/api/v1/generation", "id {id:?} sent as {:?}", req.target);
        assert_eq!(req.query_pairs(), vec![("id".to_owned(), id.to_owned())], "id {id:?} sent as {:?}", req.target);
        let raw = req.query.as_deref().unwrap_or("");
        assert!(!raw.contains(' ') && !raw.contains('#'), "raw query {raw:?} is not encoded");
    }
}

#[tokio::test]
async fn a_localhost_base_url_works() {
    let server = TestServer::start(vec![]).await;
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(format!("http://localhost:{}/api/v1", server.port()).as_str())
        .build()
        .expect("plain http to localhost is allowed");
    get_ok(&core).await;
    assert_eq!(server.single_request().path, "/api/v1/generation");
}

// ---------------------------------------------------------------------------------------------
// Validation before sending
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn crlf_in_the_app_title_is_rejected_before_sending() {
    let server = TestServer::start(vec![]).await;
    for bad in ["Title\r\nX-Evil: 1", "Title\nX-Evil: 1", "Title\rX"] {
        let built = builder!(server).app_title(bad).build();
        let err = rejected_before_sending(&server, built, "gen-1").await;
        assert!(err.is_invalid_request(), "app title {bad:?}: {err}");
    }
}

#[tokio::test]
async fn crlf_in_the_api_key_is_rejected_before_sending() {
    let server = TestServer::start(vec![]).await;
    let built = builder!(server).api_key("sk-or-x\r\nX-Evil: 1").build();
    let err = rejected_before_sending(&server, built, "gen-1").await;
    assert!(err.is_invalid_request(), "{err}");
}

#[tokio::test]
async fn crlf_in_a_default_header_is_rejected_before_sending() {
    let server = TestServer::start(vec![]).await;
    let built = builder!(server).default_header("x-client", "a\r\nX-Evil: 1").build();
    let err = rejected_before_sending(&server, built, "gen-1").await;
    assert!(err.is_invalid_request(), "{err}");
}

#[tokio::test]
async fn crlf_in_per_call_headers_is_rejected_before_sending() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).build().unwrap();
    let cases = [
        RequestOptions::new().header("x-call", "a\r\nX-Evil: 1"),
        RequestOptions::new().header("x-call", "a\nb"),
        RequestOptions::new().header("bad name", "value"),
        RequestOptions::new().app_title("Call\r\nX-Evil: 1"),
        RequestOptions::new().http_referer("https://x.example/\r\nX-Evil: 1"),
        RequestOptions::new().app_categories("a\r\nb"),
    ];
    for (i, options) in cases.into_iter().enumerate() {
        let err = rejected_before_sending(&server, Ok(core.with_options(options)), "gen-1").await;
        assert!(err.is_invalid_request(), "case {i}: {err}");
    }
}

#[tokio::test]
async fn crlf_in_a_provided_key_is_rejected_before_sending() {
    let server = TestServer::start(vec![]).await;
    let built =
        builder!(server).api_key_provider(|| async { Ok::<String, Error>("sk-or-x\r\nX-Evil: 1".to_owned()) }).build();
    let err = rejected_before_sending(&server, built, "gen-1").await;
    assert!(err.is_invalid_request(), "{err}");
}

#[tokio::test]
async fn an_empty_generation_id_is_rejected_before_sending() {
    let server = TestServer::start(vec![]).await;
    let built = builder!(server).build();
    let err = rejected_before_sending(&server, built, "").await;
    assert!(err.is_invalid_request(), "{err}");
    assert!(!err.is_retryable());
    assert_eq!(err.status(), None);
}

#[tokio::test]
async fn a_base_url_that_is_not_http_is_a_build_error() {
    for base in ["ftp://x", "ftp://example.com/api/v1", "file:///etc/passwd", "not a url", ""] {
        match OpenRouterCore::builder().api_key(KEY).base_url(base).build() {
            Ok(_) => panic!("base URL {base:?} must be rejected"),
            Err(e) => assert!(e.is_invalid_request(), "base URL {base:?}: {e}"),
        }
    }
}

#[tokio::test]
async fn plain_http_to_a_remote_host_needs_an_explicit_opt_in() {
    let built = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url("http://example.com/api/v1")
        .retry(RetryConfig::none())
        .timeout(ms(2000))
        .build();
    let err = match built {
        Err(e) => e,
        Ok(core) => get_err(&core).await,
    };
    assert!(err.is_invalid_request(), "plain http to example.com must be refused before sending: {err}");

    OpenRouterCore::builder()
        .api_key(KEY)
        .base_url("http://example.com/api/v1")
        .allow_insecure_http(true)
        .build()
        .expect("allow_insecure_http(true) permits plain http");
    OpenRouterCore::builder()
        .api_key(KEY)
        .base_url("https://example.com/api/v1")
        .build()
        .expect("https to any host is fine");
}

#[tokio::test]
async fn plain_http_to_loopback_is_allowed() {
    for base in ["http://127.0.0.1:9/api/v1", "http://localhost:9/api/v1", "http://[::1]:9/api/v1"] {
        if let Err(e) = OpenRouterCore::builder().api_key(KEY).base_url(base).build() {
            panic!("{base} must be allowed: {e}");
        }
    }
}

#[tokio::test]
async fn a_per_call_plain_http_base_url_to_a_remote_host_is_rejected() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).timeout(ms(2000)).build().unwrap();
    let per_call = core.with_options(RequestOptions::new().base_url("http://example.com/api/v1"));
    let err = get_err(&per_call).await;
    assert!(err.is_invalid_request(), "{err}");
    let per_call = core.with_options(RequestOptions::new().base_url("ftp://x"));
    let err = get_err(&per_call).await;
    assert!(err.is_invalid_request(), "{err}");
}

#[tokio::test]
async fn a_missing_api_key_is_a_clear_error_naming_the_variable() {
    let _env = ENV_LOCK.lock().await;
    let server = TestServer::start(vec![]).await;
    let built = OpenRouterCore::builder().base_url(server.base_url().as_str()).build();
    let err = rejected_before_sending(&server, built, "gen-1").await;
    assert!(err.to_string().contains("OPENROUTER_API_KEY"), "message: {err}");
    assert!(err.is_invalid_request(), "{err}");
}

#[tokio::test]
async fn from_env_reads_the_key_base_url_and_app_headers() {
    let _env = ENV_LOCK.lock().await;
    let server = TestServer::start(vec![]).await;
    std::env::set_var("OPENROUTER_API_KEY", "sk-or-from-env");
    std::env::set_var("OPENROUTER_BASE_URL", server.base_url());
    std::env::set_var("OPENROUTER_HTTP_REFERER", "https://env.example/");
    std::env::set_var("OPENROUTER_APP_TITLE", "Env Title");
    std::env::set_var("OPENROUTER_APP_CATEGORIES", "env-cat");
    let built = OpenRouterCore::from_env();
    for name in [
        "OPENROUTER_API_KEY",
        "OPENROUTER_BASE_URL",
        "OPENROUTER_HTTP_REFERER",
        "OPENROUTER_APP_TITLE",
        "OPENROUTER_APP_CATEGORIES",
    ] {
        std::env::remove_var(name);
    }
    let core = built.expect("from_env");
    get_ok(&core).await;
    let req = server.single_request();
    assert_eq!(req.path, "/api/v1/generation");
    assert_eq!(req.header_all("authorization"), vec!["Bearer sk-or-from-env"]);
    assert_eq!(req.header_all("http-referer"), vec!["https://env.example/"]);
    assert_eq!(req.header_all("x-openrouter-title"), vec!["Env Title"]);
    assert_eq!(req.header_all("x-openrouter-categories"), vec!["env-cat"]);
}

#[tokio::test]
async fn from_env_without_a_key_names_the_variable() {
    let _env = ENV_LOCK.lock().await;
    let server = TestServer::start(vec![]).await;
    std::env::remove_var("OPENROUTER_API_KEY");
    std::env::set_var("OPENROUTER_BASE_URL", server.base_url());
    let built = OpenRouterCore::from_env();
    std::env::remove_var("OPENROUTER_BASE_URL");
    let err = rejected_before_sending(&server, built, "gen-1").await;
    assert!(err.to_string().contains("OPENROUTER_API_KEY"), "message: {err}");
}

// ---------------------------------------------------------------------------------------------
// API key provider
// ---------------------------------------------------------------------------------------------

fn counting_provider_core(server: &TestServer, retry: RetryConfig) -> (OpenRouterCore, Arc<AtomicUsize>) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counter = calls.clone();
    let core = OpenRouterCore::builder()
        .base_url(server.base_url().as_str())
        .retry(retry)
        .api_key_provider(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst) + 1;
            async move { Ok::<String, Error>(format!("key-{n}")) }
        })
        .build()
        .expect("build with a key provider");
    (core, calls)
}

#[tokio::test]
async fn the_key_provider_is_called_for_every_request() {
    let server = TestServer::start(vec![]).await;
    let (core, calls) = counting_provider_core(&server, RetryConfig::none());
    get_ok(&core).await;
    get_ok(&core).await;
    let keys: Vec<_> = server.requests().iter().map(|r| r.header("authorization")).collect();
    assert_eq!(keys, vec![Some("Bearer key-1".to_owned()), Some("Bearer key-2".to_owned())]);
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn the_key_provider_is_called_for_every_attempt() {
    let server = TestServer::start(vec![Reply::api_error(503, "down"), Reply::generation()]).await;
    let (core, _calls) = counting_provider_core(&server, fast_retry());
    get_ok(&core).await;
    let keys: Vec<_> = server.requests().iter().map(|r| r.header("authorization")).collect();
    assert_eq!(keys, vec![Some("Bearer key-1".to_owned()), Some("Bearer key-2".to_owned())]);
}

#[tokio::test]
async fn a_failing_key_provider_fails_the_call_before_sending() {
    let server = TestServer::start(vec![]).await;
    let built = builder!(server)
        .api_key_provider(|| async { Err::<String, Error>(Error::invalid_request("vault unreachable")) })
        .build();
    let err = rejected_before_sending(&server, built, "gen-1").await;
    assert!(err.to_string().contains("vault unreachable"), "the provider's error is returned: {err}");
}

// ---------------------------------------------------------------------------------------------
// Responses
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn unknown_fields_and_unknown_enum_values_decode() {
    let mut body: serde_json::Value = serde_json::from_str(GENERATION_EXAMPLE).unwrap();
    body["data"]["data_region"] = "mars".into();
    body["data"]["api_type"] = "hologram".into();
    body["data"]["brand_new_field"] = serde_json::json!({"nested": [1, 2, {"x": null}]});
    body["meta"] = serde_json::json!({"anything": true});
    let server = TestServer::start(vec![Reply::json(200, body.to_string())]).await;
    let core = builder!(server).build().unwrap();
    let response = get_ok(&core).await;
    assert_eq!(response.data.id, GENERATION_EXAMPLE_ID);
    let debug = format!("{:?}", response.data);
    assert!(debug.contains("mars"), "the unknown data_region value must be kept: {debug}");
    assert!(debug.contains("hologram"), "the unknown api_type value must be kept: {debug}");
}

/// Every documented error status, and others, become an `Err` carrying status, parsed API error,
/// raw body and response headers; only the statuses retried by default say `is_retryable()`.
#[tokio::test]
async fn every_error_status_keeps_status_api_error_body_and_headers() {
    for status in [400u16, 401, 402, 404, 418, 429, 500, 502, 503, 524, 529] {
        let message = format!("message for {status}");
        let body = api_error_body(i64::from(status), &message);
        let server =
            TestServer::start(vec![Reply::json(status, body.clone()).header("x-request-id", &format!("req-{status}"))])
                .await;
        let core = builder!(server).build().unwrap();
        let err = get_err(&core).await;

        assert_eq!(err.status(), Some(status));
        let api = err.api_error().unwrap_or_else(|| panic!("{status}: api_error() must parse the body"));
        assert_eq!(api.code.opt_i64(), Some(i64::from(status)));
        assert_eq!(api.message, message);
        assert_eq!(err.body(), Some(body.as_bytes()), "{status}: raw body");
        assert_eq!(err.body_text().as_deref(), Some(body.as_str()), "{status}: body text");
        assert_eq!(header_of(&err, "x-request-id").as_deref(), Some(format!("req-{status}").as_str()));
        assert!(err.is_api(), "{status}: is_api");
        assert!(!err.is_decode() && !err.is_timeout() && !err.is_connect(), "{status}: {err:?}");
        assert_eq!(err.is_retryable(), status == 429 || status >= 500, "{status}: is_retryable");
        let display = err.to_string();
        assert!(display.contains(&message), "{status}: Display {display:?} lacks the API message");
        assert!(!display.contains('\n'), "{status}: Display must be one line: {display:?}");
        assert_eq!(server.request_count(), 1);
    }
}

#[tokio::test]
async fn api_error_metadata_is_kept() {
    let body = r#"{"error":{"code":402,"message":"Insufficient credits","metadata":{"provider_name":"Infermatic","raw":{"a":1}}}}"#;
    let server = TestServer::start(vec![Reply::json(402, body)]).await;
    let core = builder!(server).build().unwrap();
    let err = get_err(&core).await;
    let api = err.api_error().expect("api_error");
    assert_eq!(api.message, "Insufficient credits");
    let provider = api.metadata.as_ref().and_then(|m| m.get("provider_name"));
    assert_eq!(provider, Some(&serde_json::json!("Infermatic")));
}

#[tokio::test]
async fn an_html_error_body_is_kept_as_text() {
    let html = "<html>\n<head><title>418</title></head>\n<body>I'm a teapot</body>\n</html>\n";
    let server = TestServer::start(vec![Reply::text(418, "text/html; charset=utf-8", html)]).await;
    let core = builder!(server).build().unwrap();
    let err = get_err(&core).await;
    assert_eq!(err.status(), Some(418));
    assert!(err.api_error().is_none());
    assert_eq!(err.body(), Some(html.as_bytes()));
    assert_eq!(err.body_text().as_deref(), Some(html));
    assert_eq!(header_of(&err, "content-type").as_deref(), Some("text/html; charset=utf-8"));
    assert!(!err.is_decode(), "an error status is not a decode error: {err:?}");
    let display = err.to_string();
    assert!(display.contains("418"), "Display {display:?} must name the status");
    assert!(!display.contains('\n'), "Display must be one line: {display:?}");
}

#[tokio::test]
async fn an_error_status_with_an_empty_or_broken_body_keeps_the_status() {
    for body in ["", "{not json", "{\"error\": 5}"] {
        let server = TestServer::start(vec![Reply::json(503, body)]).await;
        let core = builder!(server).build().unwrap();
        let err = get_err(&core).await;
        assert_eq!(err.status(), Some(503), "body {body:?}");
        assert!(err.api_error().is_none(), "body {body:?}");
        assert_eq!(err.body().unwrap_or_default(), body.as_bytes(), "body {body:?}");
        assert!(!err.is_decode(), "an error status is not a decode error, body {body:?}: {err:?}");
    }
}

#[tokio::test]
async fn a_200_with_an_error_body_is_an_api_error() {
    let server = TestServer::start(vec![Reply::json(200, api_error_body(500, "boom"))]).await;
    let core = builder!(server).build().unwrap();
    let err = get_err(&core).await;
    assert!(err.is_api(), "{err:?}");
    assert!(!err.is_decode(), "{err:?}");
    let api = err.api_error().expect("api_error");
    assert_eq!(api.message, "boom");
    assert_eq!(api.code.opt_i64(), Some(500));
    assert!(err.to_string().contains("boom"), "{err}");
}

#[tokio::test]
async fn invalid_json_is_a_decode_error_that_keeps_the_body() {
    let body = r#"{"data": {"id": "gen-1", "#;
    let server = TestServer::start(vec![Reply::json(200, body)]).await;
    let core = builder!(server).build().unwrap();
    let err = get_err(&core).await;
    assert!(err.is_decode(), "{err:?}");
    assert!(!err.is_api() && !err.is_retryable(), "{err:?}");
    assert_eq!(err.status(), Some(200));
    assert_eq!(err.body(), Some(body.as_bytes()));
    assert!(std::error::Error::source(&err).is_some(), "the serde error is the source");
    assert!(!err.to_string().contains('\n'));
}

// ---------------------------------------------------------------------------------------------
// Body size cap
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn an_endless_body_is_cut_off_at_max_body_size() {
    let server = TestServer::start(vec![Reply::endless(r#"{"data":{"id":""#)]).await;
    let core = builder!(server).max_body_size(1024).build().unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), get(&core, "gen-1"))
        .await
        .expect("an endless body must not hang the call");
    let err = result.expect_err("an endless body is an error");
    assert!(err.is_body_too_large(), "{err:?}");
    assert!(!err.is_decode(), "{err:?}");
    let produced = server.body_bytes_sent();
    assert!(produced < 32 * 1024 * 1024, "the client kept reading: {produced} bytes");
}

#[tokio::test]
async fn an_endless_error_body_is_cut_off_too() {
    let mut reply = Reply::endless("<html>");
    reply.status = 500;
    let server = TestServer::start(vec![reply]).await;
    let core = builder!(server).max_body_size(1024).build().unwrap();
    let result = tokio::time::timeout(Duration::from_secs(10), get(&core, "gen-1"))
        .await
        .expect("an endless error body must not hang the call");
    assert!(result.is_err());
    let produced = server.body_bytes_sent();
    assert!(produced < 32 * 1024 * 1024, "the client kept reading: {produced} bytes");
}

#[tokio::test]
async fn an_oversized_body_with_a_content_length_is_rejected() {
    let mut body: serde_json::Value = serde_json::from_str(GENERATION_EXAMPLE).unwrap();
    body["padding"] = "x".repeat(1024 * 1024).into();
    let server = TestServer::start(vec![Reply::json(200, body.to_string())]).await;
    let core = builder!(server).max_body_size(64 * 1024).build().unwrap();
    let err = get_err(&core).await;
    assert!(err.is_body_too_large(), "{err:?}");
}

#[tokio::test]
async fn a_body_of_exactly_max_body_size_decodes() {
    let server = TestServer::start(vec![Reply::generation()]).await;
    let core = builder!(server).max_body_size(GENERATION_EXAMPLE.len()).build().unwrap();
    let response = get_ok(&core).await;
    assert_eq!(response.data.id, GENERATION_EXAMPLE_ID);
}

// ---------------------------------------------------------------------------------------------
// Retries
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn the_default_config_retries_a_503() {
    let server = TestServer::start(vec![Reply::api_error(503, "down"), Reply::generation()]).await;
    let core = OpenRouterCore::builder().api_key(KEY).base_url(server.base_url().as_str()).build().unwrap();
    let started = Instant::now();
    get_ok(&core).await;
    assert_eq!(server.request_count(), 2);
    assert!(started.elapsed() < Duration::from_secs(6), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_503_once_then_200_is_ok_after_two_attempts() {
    let server = TestServer::start(vec![Reply::api_error(503, "down"), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry()).build().unwrap();
    let response = get_ok(&core).await;
    assert_eq!(response.data.id, GENERATION_EXAMPLE_ID);
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn every_retryable_status_is_retried_by_default_codes() {
    for status in [429u16, 500, 502, 503, 504, 524, 529] {
        let server = TestServer::start(vec![Reply::api_error(status, "try again"), Reply::generation()]).await;
        let core = builder!(server).retry(fast_retry()).build().unwrap();
        get(&core, "gen-1").await.unwrap_or_else(|e| panic!("{status} once then 200: {e}"));
        assert_eq!(server.request_count(), 2, "{status} must be retried once");
    }
}

#[tokio::test]
async fn retrying_stops_after_max_attempts_with_the_last_error() {
    let server = TestServer::start(vec![Reply::api_error(500, "still broken")]).await;
    let core = builder!(server).retry(fast_retry().max_attempts(3)).build().unwrap();
    let err = get_err(&core).await;
    assert_eq!(err.status(), Some(500));
    assert_eq!(err.api_error().map(|e| e.message.as_str()), Some("still broken"));
    assert_eq!(server.request_count(), 3);
}

#[tokio::test]
async fn the_default_attempt_cap_is_four() {
    let server = TestServer::start(vec![Reply::api_error(500, "still broken")]).await;
    let core = builder!(server).retry(fast_retry()).build().unwrap();
    let err = get_err(&core).await;
    assert_eq!(err.status(), Some(500));
    assert_eq!(server.request_count(), 4);
}

#[tokio::test]
async fn max_elapsed_bounds_the_retrying() {
    let server = TestServer::start(vec![Reply::api_error(500, "still broken")]).await;
    let retry =
        RetryConfig::backoff().initial_interval(ms(50)).max_interval(ms(50)).max_attempts(1000).max_elapsed(ms(300));
    let core = builder!(server).retry(retry).build().unwrap();
    let started = Instant::now();
    let err = get_err(&core).await;
    assert_eq!(err.status(), Some(500));
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
    let attempts = server.request_count();
    assert!((2..=12).contains(&attempts), "{attempts} attempts within a 300 ms budget");
}

#[tokio::test]
async fn a_429_with_retry_after_seconds_is_retried_after_that_delay() {
    let server =
        TestServer::start(vec![Reply::api_error(429, "slow down").header("Retry-After", "1"), Reply::generation()])
            .await;
    let retry = RetryConfig::backoff().initial_interval(ms(1)).max_interval(ms(10_000));
    let core = builder!(server).retry(retry).build().unwrap();
    get_ok(&core).await;
    assert_eq!(server.request_count(), 2);
    let gap = server.gap(0);
    assert!(gap >= ms(900), "Retry-After: 1 was not honoured, gap {gap:?}");
    assert!(gap < ms(5000), "gap {gap:?}");
}

#[tokio::test]
async fn an_error_exposes_its_retry_after() {
    let server = TestServer::start(vec![Reply::api_error(429, "slow down").header("Retry-After", "7")]).await;
    let core = builder!(server).build().unwrap();
    let err = get_err(&core).await;
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(7)));
}

#[tokio::test]
async fn retry_after_ms_is_honoured_and_wins_over_retry_after() {
    let server = TestServer::start(vec![
        Reply::api_error(503, "down").header("retry-after-ms", "300").header("Retry-After", "5"),
        Reply::generation(),
    ])
    .await;
    let retry = RetryConfig::backoff().initial_interval(ms(1)).max_interval(ms(10_000));
    let core = builder!(server).retry(retry).build().unwrap();
    get_ok(&core).await;
    assert_eq!(server.request_count(), 2);
    let gap = server.gap(0);
    assert!(gap >= ms(270), "retry-after-ms: 300 was not honoured, gap {gap:?}");
    assert!(gap < ms(3000), "Retry-After: 5 was used instead of retry-after-ms: gap {gap:?}");
}

#[tokio::test]
async fn retry_after_as_an_http_date_is_honoured() {
    // A date 3 s ahead at one-second precision: the SDK must wait between 2 and 3 s.
    let at = SystemTime::now() + Duration::from_secs(3);
    let server = TestServer::start(vec![
        Reply::api_error(503, "down").header("Retry-After", &http_date(at)),
        Reply::generation(),
    ])
    .await;
    let retry = RetryConfig::backoff().initial_interval(ms(1)).max_interval(ms(10_000));
    let core = builder!(server).retry(retry).build().unwrap();
    get_ok(&core).await;
    assert_eq!(server.request_count(), 2);
    let gap = server.gap(0);
    assert!(gap >= ms(1500), "Retry-After date {} was not honoured, gap {gap:?}", http_date(at));
    assert!(gap < ms(6000), "gap {gap:?}");
}

#[tokio::test]
async fn retry_after_is_capped_at_max_interval() {
    let server =
        TestServer::start(vec![Reply::api_error(503, "down").header("Retry-After", "30"), Reply::generation()]).await;
    let retry = RetryConfig::backoff().initial_interval(ms(1)).max_interval(ms(200));
    let core = builder!(server).retry(retry).build().unwrap();
    get_ok(&core).await;
    assert_eq!(server.request_count(), 2);
    assert!(server.gap(0) < ms(3000), "Retry-After: 30 not capped at 200 ms: {:?}", server.gap(0));
}

#[tokio::test]
async fn client_errors_are_not_retried() {
    for status in [400u16, 401, 402, 403, 404, 409, 418, 422] {
        let server = TestServer::start(vec![Reply::api_error(status, "no"), Reply::generation()]).await;
        let core = builder!(server).retry(fast_retry()).build().unwrap();
        let err = get_err(&core).await;
        assert_eq!(err.status(), Some(status));
        assert_eq!(server.request_count(), 1, "{status} must not be retried");
    }
}

#[tokio::test]
async fn decode_errors_are_not_retried() {
    let server = TestServer::start(vec![Reply::json(200, "{not json"), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry()).build().unwrap();
    let err = get_err(&core).await;
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn client_retry_codes_replace_the_defaults() {
    // Only 5XX: a 429 is returned at once.
    let server = TestServer::start(vec![Reply::api_error(429, "slow down"), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry()).retry_codes(["5XX"]).build().unwrap();
    assert_eq!(get_err(&core).await.status(), Some(429));
    assert_eq!(server.request_count(), 1);

    // An exact code: a 404 is retried.
    let server = TestServer::start(vec![Reply::api_error(404, "not yet"), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry()).retry_codes(["404"]).build().unwrap();
    get_ok(&core).await;
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn per_call_retry_codes_override_the_client_codes() {
    let server = TestServer::start(vec![Reply::api_error(503, "down"), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry()).build().unwrap();
    let only_429 = core.with_options(RequestOptions::new().retry_codes(["429"]));
    assert_eq!(get_err(&only_429).await.status(), Some(503));
    assert_eq!(server.request_count(), 1, "503 is not in the per-call codes");

    let server = TestServer::start(vec![Reply::api_error(429, "slow"), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry()).retry_codes(["5XX"]).build().unwrap();
    let only_429 = core.with_options(RequestOptions::new().retry_codes(["429"]));
    get_ok(&only_429).await;
    assert_eq!(server.request_count(), 2, "429 is in the per-call codes");
}

#[tokio::test]
async fn per_call_retries_override_the_client_retries() {
    // Client: none; call: backoff -> retried.
    let server = TestServer::start(vec![Reply::api_error(503, "down"), Reply::generation()]).await;
    let core = builder!(server).build().unwrap();
    get_ok(&core.with_options(RequestOptions::new().retries(fast_retry()))).await;
    assert_eq!(server.request_count(), 2);

    // Client: backoff; call: none -> not retried.
    let server = TestServer::start(vec![Reply::api_error(503, "down"), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry()).build().unwrap();
    let err = get_err(&core.with_options(RequestOptions::new().retries(RetryConfig::none()))).await;
    assert_eq!(err.status(), Some(503));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_connection_reset_is_retried() {
    let server = TestServer::start(vec![Reply::reset(), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry()).build().unwrap();
    get_ok(&core).await;
    assert_eq!(server.request_count(), 2);
    assert_eq!(server.connection_count(), 2, "the reset connection must not be reused");
}

#[tokio::test]
async fn a_connection_reset_without_retries_is_a_connection_error() {
    let server = TestServer::start(vec![Reply::reset(), Reply::generation()]).await;
    let core = builder!(server).build().unwrap();
    let err = get_err(&core).await;
    assert!(err.is_connect(), "{err:?}");
    assert!(err.is_retryable(), "{err:?}");
    assert_eq!(err.status(), None);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn retry_connection_errors_false_turns_off_connection_retries() {
    let server = TestServer::start(vec![Reply::reset(), Reply::generation()]).await;
    let core = builder!(server).retry(fast_retry().retry_connection_errors(false)).build().unwrap();
    let err = get_err(&core).await;
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_refused_connection_is_retried_until_the_server_is_up() {
    let port = refused_port();
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/api/v1").as_str())
        .retry(RetryConfig::backoff().initial_interval(ms(50)).max_interval(ms(100)).max_attempts(100))
        .build()
        .unwrap();
    let late = tokio::spawn(async move {
        tokio::time::sleep(ms(300)).await;
        TestServer::start_on(port, vec![]).await
    });
    let result = tokio::time::timeout(Duration::from_secs(10), get(&core, "gen-1")).await;
    let server = late.await.unwrap();
    let response = result.expect("gave up waiting").expect("retried until the server came up");
    assert_eq!(response.data.id, GENERATION_EXAMPLE_ID);
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn a_refused_connection_without_retries_is_a_connect_error() {
    let port = refused_port();
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(format!("http://127.0.0.1:{port}/api/v1").as_str())
        .retry(RetryConfig::none())
        .build()
        .unwrap();
    let started = Instant::now();
    let err = get_err(&core).await;
    assert!(err.is_connect(), "{err:?}");
    assert!(!err.is_timeout(), "{err:?}");
    assert_eq!(err.status(), None);
    assert!(std::error::Error::source(&err).is_some(), "the I/O error is the source");
    assert!(!err.to_string().contains('\n'));
    assert!(started.elapsed() < Duration::from_secs(3), "took {:?}", started.elapsed());
}

// ---------------------------------------------------------------------------------------------
// Timeouts and cancellation
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_slow_server_times_out() {
    let server = TestServer::start(vec![Reply::generation().delay(Duration::from_secs(5))]).await;
    let core = builder!(server).timeout(ms(300)).build().unwrap();
    let started = Instant::now();
    let err = get_err(&core).await;
    let took = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(err.is_retryable(), "timeouts are retryable: {err:?}");
    assert!(!err.is_connect(), "{err:?}");
    assert!(took >= ms(250) && took < ms(2500), "timed out after {took:?}");
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn the_timeout_covers_a_stalled_body() {
    let server = TestServer::start(vec![Reply::generation().stall_body_after(20, Duration::from_secs(5))]).await;
    let core = builder!(server).timeout(ms(300)).build().unwrap();
    let started = Instant::now();
    let err = get_err(&core).await;
    let took = started.elapsed();
    assert!(err.is_timeout(), "{err:?}");
    assert!(took < ms(2500), "timed out after {took:?}");
}

#[tokio::test]
async fn timeouts_are_retried_per_attempt() {
    let server = TestServer::start(vec![Reply::generation().delay(Duration::from_secs(5)), Reply::generation()]).await;
    let core = builder!(server).timeout(ms(300)).retry(fast_retry()).build().unwrap();
    let started = Instant::now();
    get_ok(&core).await;
    assert_eq!(server.request_count(), 2);
    assert!(started.elapsed() < ms(3000), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_shorter_per_call_timeout_overrides_the_client_timeout() {
    let server = TestServer::start(vec![Reply::generation().delay(Duration::from_secs(5))]).await;
    let core = builder!(server).timeout(Duration::from_secs(30)).build().unwrap();
    let per_call = core.with_options(RequestOptions::new().timeout(ms(300)));
    let started = Instant::now();
    let err = get_err(&per_call).await;
    assert!(err.is_timeout(), "{err:?}");
    assert!(started.elapsed() < ms(2500), "took {:?}", started.elapsed());
}

#[tokio::test]
async fn a_longer_per_call_timeout_overrides_the_client_timeout() {
    let server = TestServer::start(vec![Reply::generation().delay(ms(800))]).await;
    let core = builder!(server).timeout(ms(200)).build().unwrap();
    let per_call = core.with_options(RequestOptions::new().timeout(Duration::from_secs(10)));
    get_ok(&per_call).await;
    assert_eq!(server.request_count(), 1);
}

/// The official SDK keeps sleeping for seconds after an abort; dropping our future must end the
/// call at once, with no further attempt.
#[tokio::test]
async fn dropping_the_call_during_a_backoff_sleep_ends_it_at_once() {
    let server =
        TestServer::start(vec![Reply::api_error(503, "down").header("Retry-After", "30"), Reply::generation()]).await;
    let retry = RetryConfig::backoff().max_interval(Duration::from_secs(60));
    let core = builder!(server).retry(retry).build().unwrap();
    let started = Instant::now();
    let outcome = tokio::time::timeout(ms(500), get(&core, "gen-1")).await;
    let took = started.elapsed();
    assert!(outcome.is_err(), "the call must still be sleeping when dropped: {:?}", outcome.map(|r| r.is_ok()));
    assert!(took < ms(1500), "dropping took {took:?}");
    tokio::time::sleep(ms(200)).await;
    assert_eq!(server.request_count(), 1, "no attempt may follow the drop");
}

// ---------------------------------------------------------------------------------------------
// Connections and types
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn sequential_calls_reuse_one_connection() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).build().unwrap();
    get_ok(&core).await;
    get_ok(&core).await;
    get_ok(&core).await;
    assert_eq!(server.request_count(), 3);
    assert_eq!(server.connection_count(), 1, "keep-alive: one TCP connection for three calls");
}

#[tokio::test]
async fn clones_and_views_share_the_connection_pool() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).build().unwrap();
    let clone = core.clone();
    let view = core.with_options(RequestOptions::new().header("x-call", "1"));
    get_ok(&core).await;
    get_ok(&clone).await;
    get_ok(&view).await;
    assert_eq!(server.request_count(), 3);
    assert_eq!(server.connection_count(), 1, "clones and with_options views share one pool");
}

fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
fn assert_std_error<T: std::error::Error + Send + Sync + 'static>() {}

#[test]
fn core_is_send_sync_clone_and_error_is_a_std_error() {
    assert_send_sync_clone::<OpenRouterCore>();
    assert_std_error::<Error>();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_can_be_spawned_on_a_multi_thread_runtime() {
    let server = TestServer::start(vec![]).await;
    let core = builder!(server).build().unwrap();
    let tasks: Vec<_> = (0..4)
        .map(|i| {
            let core = core.clone();
            tokio::spawn(async move {
                let id = format!("gen-{i}");
                generations_get_generation(&core, GetGenerationRequest::new(id.as_str())).await
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("spawned call");
    }
    assert_eq!(server.request_count(), 4);
}

// ---------------------------------------------------------------------------------------------
// The error object's code, the number of attempts, the size of `Error`.
// ---------------------------------------------------------------------------------------------

#[tokio::test]
async fn a_symbolic_error_code_is_kept_as_text() {
    let body = r#"{"error":{"code":"rate_limit_exceeded","message":"slow down"}}"#;
    let server = TestServer::start(vec![Reply::json(429, body)]).await;
    let core = builder!(server).build().unwrap();
    let err = get_err(&core).await;
    let api = err.api_error().expect("api_error");
    assert_eq!((api.code, api.code_text.as_deref()), (429, Some("rate_limit_exceeded")), "{api:?}");
    assert_eq!(api.message, "slow down");
    // A numeric code (or a numeric string) has no text.
    let server = TestServer::start(vec![Reply::json(400, r#"{"error":{"code":"400","message":"bad"}}"#)]).await;
    let core = builder!(server).build().unwrap();
    let api = get_err(&core).await.api_error().cloned().expect("api_error");
    assert_eq!((api.code, api.code_text), (400, None));
    // The parsed error round-trips through its own serde form.
    let json = serde_json::json!({"code": 429, "code_text": "rate_limit_exceeded", "message": "slow down"});
    assert_eq!(serde_json::to_value(err.api_error().unwrap()).unwrap(), json);
    assert_eq!(&serde_json::from_value::<openrouter::ApiError>(json).unwrap(), err.api_error().unwrap());
}

#[tokio::test]
async fn attempts_counts_every_attempt_of_the_call() {
    // Failed at once.
    let server = TestServer::start(vec![Reply::api_error(404, "no such generation")]).await;
    let core = builder!(server).build().unwrap();
    assert_eq!(get_err(&core).await.attempts(), 1);
    // Retried to the cap.
    let server = TestServer::start(vec![Reply::api_error(500, "still broken")]).await;
    let core = builder!(server).retry(fast_retry().max_attempts(3)).build().unwrap();
    let err = get_err(&core).await;
    assert_eq!((err.attempts(), server.request_count()), (3, 3));
    // Retried, then a success whose body does not decode: the decode error counts both.
    let server = TestServer::start(vec![Reply::api_error(503, "down"), Reply::json(200, "{oops")]).await;
    let core = builder!(server).retry(fast_retry()).build().unwrap();
    let err = get_err(&core).await;
    assert!(err.is_decode(), "{err:?}");
    assert_eq!(err.attempts(), 2);
    // A connection that is refused every time.
    let core = OpenRouterCore::builder()
        .api_key(KEY)
        .base_url(&format!("http://127.0.0.1:{}/api/v1", refused_port()))
        .retry(fast_retry().max_attempts(2))
        .build()
        .unwrap();
    let err = get_err(&core).await;
    assert!(err.is_connect(), "{err:?}");
    assert_eq!(err.attempts(), 2);
    // Nothing sent.
    let server = TestServer::start(vec![Reply::generation()]).await;
    let err = rejected_before_sending(&server, builder!(server).build(), "").await;
    assert_eq!(err.attempts(), 0);
}

#[test]
fn an_error_is_one_pointer() {
    assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    assert_eq!(std::mem::size_of::<Result<(), Error>>(), std::mem::size_of::<usize>());
}
