//! Every operation against Stoplight Prism, the spec's validating mock server.
//!
//! Needs the mock server, so it is `#[ignore]`d unless asked for:
//! `scripts/spec-mock.sh run -- cargo test --test spec_mock -- --include-ignored` starts Prism and
//! sets `OPENROUTER_SPEC_MOCK_URL`; run without it, the test fails saying so (it never passes
//! without having checked anything). What Prism answers is described in `tools/prism/README.md`.
//!
//! The core talks to Prism through a small recording proxy in this test, so that every response's
//! `sl-violations` header can be read (a typed success value carries no headers) and so that a
//! request refused by the SDK can be shown not to have reached Prism.
//!
//! 1. Every operation (and the multipart twin of `createAudioTranscriptions`) is called through its
//!    public typed function with the conformance cases' inputs (`tests/conformance/cases/` and
//!    `tests/conformance/`), built by the generated `conformance_dispatch`; operations without a
//!    case get inputs from the spec's examples. Streaming cases are called in their non-streaming
//!    form (`"stream"` removed: Prism cannot stream). Prism must report no request violation, and
//!    the 2xx example must decode into a value that re-encodes to the body Prism sent (nothing
//!    lost, also where the spec's example breaks its own schema: those are printed as notes);
//!    binary bodies are read whole.
//! 2. Every documented error status of every operation is asked for with `Prefer: code=NNN` through
//!    the per-call options: the call must fail with that status and, where the spec's example for
//!    that status has an `error` object, with its `code` and `message` in `api_error()`.
//! 3. A sample of requests that break the spec in ways the types allow (empty path ids, numbers
//!    out of range) must be refused by the SDK before anything is sent.
//!
//! Prints each failure, then `spec-mock: N passed, M failed`, and fails if M > 0.

mod conformance_case;
mod conformance_dispatch;

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request, Response};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

use openrouter::{funcs, models, Error, OpenRouterCore, RequestOptions, RetryConfig};
use serde_json::{json, Value};
use serde_yaml::Value as Yaml;

// ---------------------------------------------------------------------------------------------
// What the generated `conformance_dispatch` needs from the test crate (as in tests/conformance.rs).
// ---------------------------------------------------------------------------------------------

pub use conformance_case::{json_diff, json_eq, response_diff, Case, Outcome};

// ---------------------------------------------------------------------------------------------
// The recording proxy between the core and Prism.
// ---------------------------------------------------------------------------------------------

/// One request/response pair that went through the proxy.
#[derive(Clone)]
struct Exchange {
    method: String,
    uri: String,
    status: u16,
    headers: HeaderMap,
    body: Bytes,
}

impl Exchange {
    /// The request violations Prism reported: `sl-violations` entries whose `location[0]` is
    /// `"request"`, and the `validation` array of an `application/problem+json` body.
    fn request_violations(&self) -> Vec<String> {
        let mut found = Vec::new();
        for value in self.headers.get_all("sl-violations") {
            let text = String::from_utf8_lossy(value.as_bytes()).to_string();
            match serde_json::from_str::<Value>(&text) {
                Ok(Value::Array(entries)) => {
                    for e in entries {
                        if e["location"].get(0).and_then(Value::as_str) == Some("request") {
                            found.push(format!("sl-violations {e}"));
                        }
                    }
                }
                _ => found.push(format!("unreadable sl-violations header: {text}")),
            }
        }
        if self.content_type().starts_with("application/problem+json") {
            let body: Value = serde_json::from_slice(&self.body).unwrap_or(Value::Null);
            if body.get("validation").is_some_and(|v| v.as_array().is_some_and(|a| !a.is_empty())) {
                found.push(format!("problem+json {}", String::from_utf8_lossy(&self.body)));
            }
        }
        found
    }

    /// The `sl-violations` entries about the response (the spec's example breaking its schema).
    fn response_violations(&self) -> usize {
        self.headers
            .get_all("sl-violations")
            .iter()
            .filter_map(|v| serde_json::from_slice::<Value>(v.as_bytes()).ok())
            .filter_map(|v| v.as_array().cloned())
            .flatten()
            .filter(|e| e["location"].get(0).and_then(Value::as_str) == Some("response"))
            .count()
    }

    fn content_type(&self) -> String {
        self.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default().to_ascii_lowercase()
    }

    fn describe(&self) -> String {
        let mut body = String::from_utf8_lossy(&self.body).to_string();
        if body.len() > 400 {
            let mut cut = 400;
            while !body.is_char_boundary(cut) {
                cut -= 1;
            }
            body.truncate(cut);
            body.push('…');
        }
        format!("{} {} -> {} {} {}", self.method, self.uri, self.status, self.content_type(), body)
    }
}

#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<Exchange>>>);

impl Log {
    fn len(&self) -> usize {
        self.0.lock().unwrap().len()
    }
    fn since(&self, start: usize) -> Vec<Exchange> {
        self.0.lock().unwrap()[start..].to_vec()
    }
}

/// Starts the proxy on a free 127.0.0.1 port; returns its address.
async fn start_proxy(upstream: SocketAddr, log: Log) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the proxy");
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            let log = log.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req: Request<Incoming>| {
                    let log = log.clone();
                    async move { Ok::<_, Infallible>(forward(upstream, req, log).await) }
                });
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    addr
}

/// Forwards one request to Prism on a fresh connection and records what came back.
async fn forward(upstream: SocketAddr, req: Request<Incoming>, log: Log) -> Response<Full<Bytes>> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
    let uri = parts.uri.path_and_query().map(|p| p.to_string()).unwrap_or_else(|| "/".into());
    let result: Result<(http::response::Parts, Bytes), String> = async {
        let stream = tokio::net::TcpStream::connect(upstream).await.map_err(|e| format!("connect to Prism: {e}"))?;
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await.map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(conn);
        let mut out = Request::builder().method(parts.method.clone()).uri(uri.as_str());
        for (name, value) in &parts.headers {
            if name != http::header::HOST {
                out = out.header(name, value);
            }
        }
        let out = out.header(http::header::HOST, upstream.to_string()).body(Full::new(body)).unwrap();
        let resp = sender.send_request(out).await.map_err(|e| format!("send to Prism: {e}"))?;
        let (rparts, rbody) = resp.into_parts();
        let rbody = rbody.collect().await.map_err(|e| format!("read Prism's body: {e}"))?.to_bytes();
        Ok((rparts, rbody))
    }
    .await;
    match result {
        Ok((rparts, rbody)) => {
            log.0.lock().unwrap().push(Exchange {
                method: parts.method.to_string(),
                uri: uri.clone(),
                status: rparts.status.as_u16(),
                headers: rparts.headers.clone(),
                body: rbody.clone(),
            });
            let mut resp = Response::new(Full::new(rbody));
            *resp.status_mut() = rparts.status;
            for (name, value) in &rparts.headers {
                // The body is sent whole; hyper sets the length itself.
                if name != http::header::TRANSFER_ENCODING && name != http::header::CONNECTION {
                    resp.headers_mut().append(name, value.clone());
                }
            }
            resp
        }
        Err(e) => {
            log.0.lock().unwrap().push(Exchange {
                method: parts.method.to_string(),
                uri,
                status: 599,
                headers: HeaderMap::new(),
                body: Bytes::from(e.clone()),
            });
            let mut resp = Response::new(Full::new(Bytes::from(format!("spec-mock proxy: {e}"))));
            *resp.status_mut() = http::StatusCode::from_u16(599).unwrap();
            resp
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The operations of the spec.
// ---------------------------------------------------------------------------------------------

/// An example's name (for `Prefer: example=NAME`) and value.
type NamedExample = (Option<String>, Option<Value>);

struct Operation {
    id: String,
    method: String,
    path: String,
    /// Documented 2xx statuses.
    success: Vec<u16>,
    /// The 2xx content type when it is not JSON (the binary downloads).
    binary: Option<String>,
    /// Documented error statuses, each with its JSON examples: `(None, example)` for a single
    /// `example` (or none), `(Some(name), value)` for each of named `examples`.
    errors: Vec<(u16, Vec<NamedExample>)>,
    /// Path parameters and required query/header parameters: (in, name, example).
    params: Vec<(String, String, Option<Value>)>,
    /// The JSON request body example, if the operation takes a JSON body.
    body_example: Option<Value>,
}

fn resolve<'a>(spec: &'a Yaml, mut v: &'a Yaml) -> &'a Yaml {
    while let Some(r) = v.get("$ref").and_then(Yaml::as_str) {
        let mut target = spec;
        for part in r.trim_start_matches("#/").split('/') {
            target = &target[part];
        }
        v = target;
    }
    v
}

fn to_json(v: &Yaml) -> Value {
    serde_json::to_value(v).expect("a YAML value converts to JSON")
}

fn key_str(k: &Yaml) -> String {
    match k {
        Yaml::String(s) => s.clone(),
        Yaml::Number(n) => n.to_string(),
        other => serde_yaml::to_string(other).unwrap_or_default().trim().to_string(),
    }
}

/// The example of a media type: `example`, else the first of `examples`, else the schema's.
fn media_example(spec: &Yaml, media: &Yaml) -> Option<Value> {
    if let Some(e) = media.get("example") {
        return Some(to_json(e));
    }
    if let Some(Yaml::Mapping(m)) = media.get("examples") {
        if let Some((_, first)) = m.iter().next() {
            return resolve(spec, first).get("value").map(to_json);
        }
    }
    media.get("schema").map(|s| resolve(spec, s)).and_then(|s| s.get("example")).map(to_json)
}

/// The examples of an error response: each named one of `examples` (Prism serves them by name
/// with `Prefer: example=NAME`), else the single `example` or the schema's (`None` when there is
/// none: Prism then generates a body from the schema).
fn error_examples(spec: &Yaml, media: Option<&Yaml>) -> Vec<NamedExample> {
    let Some(media) = media else { return vec![(None, None)] };
    if let Some(Yaml::Mapping(m)) = media.get("examples") {
        if !m.is_empty() && media.get("example").is_none() {
            return m.iter().map(|(k, v)| (Some(key_str(k)), resolve(spec, v).get("value").map(to_json))).collect();
        }
    }
    vec![(None, media_example(spec, media))]
}

fn load_operations(spec: &Yaml) -> Vec<Operation> {
    let mut ops = Vec::new();
    let Some(Yaml::Mapping(paths)) = spec.get("paths") else { panic!("the spec has no paths") };
    for (path, item) in paths {
        let path = key_str(path);
        let Yaml::Mapping(item) = item else { continue };
        let shared_params: Vec<Yaml> =
            item.get(Yaml::from("parameters")).and_then(Yaml::as_sequence).cloned().unwrap_or_default();
        for (method, op) in item {
            let method = key_str(method);
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().expect("operationId").to_string();
            let mut params = Vec::new();
            let own = op.get("parameters").and_then(Yaml::as_sequence).cloned().unwrap_or_default();
            for p in shared_params.iter().chain(own.iter()) {
                let p = resolve(spec, p);
                let loc = p["in"].as_str().unwrap_or_default().to_string();
                let required = p.get("required").and_then(Yaml::as_bool).unwrap_or(false);
                if loc == "path" || required {
                    let example = p
                        .get("example")
                        .or_else(|| p.get("schema").map(|s| resolve(spec, s)).and_then(|s| s.get("example")))
                        .map(to_json);
                    params.push((loc, p["name"].as_str().unwrap_or_default().to_string(), example));
                }
            }
            let body_example = op
                .get("requestBody")
                .map(|b| resolve(spec, b))
                .and_then(|b| b.get("content"))
                .and_then(|c| c.get("application/json"))
                .and_then(|m| media_example(spec, m));
            let mut success = Vec::new();
            let mut binary = None;
            let mut errors = Vec::new();
            if let Some(Yaml::Mapping(responses)) = op.get("responses") {
                for (status, response) in responses {
                    let Ok(status) = key_str(status).parse::<u16>() else { continue };
                    let response = resolve(spec, response);
                    let content = response.get("content").and_then(Yaml::as_mapping);
                    if (200..300).contains(&status) {
                        success.push(status);
                        if let Some(content) = content {
                            let types: Vec<String> = content.keys().map(key_str).collect();
                            if !types.iter().any(|t| t == "application/json" || t == "text/event-stream") {
                                binary = types.first().cloned();
                            }
                        }
                    } else {
                        let media = content.and_then(|c| c.get(Yaml::from("application/json")));
                        errors.push((status, error_examples(spec, media)));
                    }
                }
            }
            errors.sort_by_key(|(s, _)| *s);
            ops.push(Operation {
                id,
                method: method.to_uppercase(),
                path: path.clone(),
                success,
                binary,
                errors,
                params,
                body_example,
            });
        }
    }
    ops
}

// ---------------------------------------------------------------------------------------------
// Cases: the conformance cases, and cases built from the spec for the operations without one.
// ---------------------------------------------------------------------------------------------

fn load_cases(dir: &Path, cases: &mut Vec<Case>) {
    let Ok(entries) = std::fs::read_dir(dir) else { panic!("conformance folder {} is missing", dir.display()) };
    let mut files: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let mut raw: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        let name = f.file_name().unwrap().to_string_lossy().to_string();
        if raw.get("expect_error_status").is_some() {
            // A case about an error answer (createCoinbaseCharge.gone): the error statuses are
            // checked below with `Prefer: code=NNN`.
            continue;
        }
        let mut variant = raw["variant"].as_str().map(String::from);
        // Prism cannot stream (it answers 500 to `Accept: text/event-stream`): call the
        // non-streaming function with the same inputs, `stream` removed.
        if let Some(body) = raw.get_mut("body").and_then(Value::as_object_mut) {
            if body.get("stream") == Some(&Value::Bool(true)) {
                body.remove("stream");
                if variant.as_deref() == Some("stream") {
                    variant = None;
                }
            }
        }
        cases.push(Case {
            file: name,
            operation_id: raw["operation_id"].as_str().unwrap_or_default().to_string(),
            variant,
            raw,
        });
    }
}

/// Inputs the spec has no example for (used only for operations without a conformance case).
fn fallback_param(op: &str, name: &str) -> Option<Value> {
    match (op, name) {
        // GET /scim/group-mappings/{id}: the `id` parameter has no example; the id of the
        // updateScimGroupMapping case.
        ("getScimGroupMapping", "id") => Some(json!("00000000-0000-4000-8000-000000000001")),
        _ => None,
    }
}

fn fallback_body(op: &str) -> Option<Value> {
    match op {
        // POST /scim/group-mappings: the request body has no example; a minimal valid one.
        "createScimGroupMapping" => Some(json!({
            "scim_group_id": "00000000-0000-4000-8000-000000000002",
            "workspace_id": "00000000-0000-4000-8000-000000000003",
            "role": "member"
        })),
        // POST /private-endpoints/{id}/validate: no request example; the schema's field example.
        "validatePrivateEndpoint" => Some(json!({"workspace_id": "550e8400-e29b-41d4-a716-446655440000"})),
        // POST /private-providers: no request example; the schema's field examples.
        "createPrivateProvider" => Some(json!({"name": "Acme", "base_url": "https://inference.example.com/v1"})),
        _ => None,
    }
}

fn case_from_spec(op: &Operation) -> Result<Case, String> {
    let mut params = json!({"path": {}, "query": {}, "header": {}});
    for (loc, name, example) in &op.params {
        let value = example
            .clone()
            .or_else(|| fallback_param(&op.id, name))
            .ok_or_else(|| format!("{}: no example for {loc} parameter `{name}`", op.id))?;
        params[loc.as_str()][name.as_str()] = value;
    }
    let mut raw = json!({"operation_id": op.id, "variant": null, "params": params});
    if let Some(body) = op.body_example.clone().or_else(|| fallback_body(&op.id)) {
        raw["body"] = body;
    }
    Ok(Case { file: "spec examples".into(), operation_id: op.id.clone(), variant: None, raw })
}

fn clone_case(c: &Case) -> Case {
    Case { file: c.file.clone(), raw: c.raw.clone(), operation_id: c.operation_id.clone(), variant: c.variant.clone() }
}

// ---------------------------------------------------------------------------------------------
// Running and judging calls.
// ---------------------------------------------------------------------------------------------

/// Runs a call on its own task so that a panic (an input the types refuse) is a failure, not
/// the end of the run.
async fn guarded<F, T>(fut: F) -> Result<T, String>
where
    F: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    tokio::spawn(fut).await.map_err(|e| {
        let msg = e
            .try_into_panic()
            .ok()
            .and_then(|p| {
                p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            })
            .unwrap_or_else(|| "cancelled".into());
        format!("panicked: {msg}")
    })
}

async fn call_case(core: &OpenRouterCore, case: Case) -> Result<Option<Outcome>, String> {
    let core = core.clone();
    guarded(async move { conformance_dispatch::call(&core, &case).await }).await
}

fn describe_error(e: &Error) -> String {
    let body = e.body_text().map(|b| b.chars().take(400).collect::<String>()).unwrap_or_default();
    format!("{e} (status {:?}, decode {}, body {body})", e.status(), e.is_decode())
}

struct Tally {
    passed: usize,
    failed: Vec<String>,
    notes: Vec<String>,
}

impl Tally {
    fn record(&mut self, what: &str, problems: Vec<String>) {
        if problems.is_empty() {
            self.passed += 1;
        } else {
            self.failed.push(format!("{what}: {}", problems.join("; ")));
        }
    }
}

/// A 2xx call with a case's inputs.
async fn check_success(core: &OpenRouterCore, log: &Log, op: &Operation, case: &Case) -> (Vec<String>, Option<String>) {
    let start = log.len();
    let outcome = call_case(core, clone_case(case)).await;
    let exchanges = log.since(start);
    let mut problems = Vec::new();
    let mut note = None;
    let mut decoded = None;
    let mut binary = None;
    match outcome {
        Err(panic) => problems.push(panic),
        Ok(None) => problems.push("this build has no function for the operation".into()),
        Ok(Some(Outcome::Json(Ok(v)))) => decoded = Some(v),
        Ok(Some(Outcome::Empty(Ok(())))) => {}
        Ok(Some(Outcome::Raw(Ok(raw)))) => {
            let status = raw.status();
            if !op.success.contains(&status) {
                problems.push(format!("raw status {status}, documented {:?}", op.success));
            }
            match raw.bytes().await {
                Ok(bytes) => binary = Some(bytes),
                Err(e) => problems.push(format!("reading the binary body failed: {}", describe_error(&e))),
            }
        }
        Ok(Some(Outcome::Json(Err(e)))) | Ok(Some(Outcome::Empty(Err(e)))) | Ok(Some(Outcome::Raw(Err(e)))) => {
            problems.push(format!("call failed: {}", describe_error(&e)));
        }
        Ok(Some(Outcome::Stream(_))) => {
            problems.push("a `_stream` function was called instead of the plain one".into())
        }
    }
    match exchanges.as_slice() {
        [] => problems.push("no request reached Prism".into()),
        [ex] => {
            for v in ex.request_violations() {
                problems.push(format!("Prism reports a request violation: {v}"));
            }
            if !op.success.contains(&ex.status) {
                problems.push(format!("Prism answered {}", ex.describe()));
            }
            // Nothing the example holds may be lost in decoding: the decoded value re-encodes to
            // the body Prism sent (JSON equality by value).
            if let Some(v) = &decoded {
                match serde_json::from_slice::<Value>(&ex.body) {
                    Ok(body) => {
                        // modulo null versus absent (`response_diff`): optional fields read both as `None`
                        if let Some(d) = response_diff(v, &body, "$") {
                            problems.push(format!("the decoded value re-encodes differently (ours vs Prism's): {d}"));
                        }
                    }
                    Err(e) => problems.push(format!("decoded a body that is not JSON ({e}): {}", ex.describe())),
                }
            }
            if binary.as_ref().is_some_and(|b| *b != ex.body) {
                problems.push(format!("the binary body read differs from the {} bytes Prism sent", ex.body.len()));
            }
            let n = ex.response_violations();
            if n > 0 && problems.is_empty() {
                note = Some(format!(
                    "{} ({}): the spec's {} example breaks its schema ({n} response violations); decoded",
                    op.id, case.file, ex.status
                ));
            }
        }
        many => problems.push(format!(
            "{} requests sent, 1 expected: {}",
            many.len(),
            many.iter().map(Exchange::describe).collect::<Vec<_>>().join(" | ")
        )),
    }
    (problems, note)
}

/// A documented error status, asked for with `Prefer: code=NNN`.
async fn check_error(
    core: &OpenRouterCore,
    log: &Log,
    op: &Operation,
    case: &Case,
    status: u16,
    example_name: Option<&str>,
    example: Option<&Value>,
) -> Vec<String> {
    let prefer = match example_name {
        Some(name) => format!("code={status}, example={name}"),
        None => format!("code={status}"),
    };
    let mut options = RequestOptions::new().header("Prefer", prefer);
    if let Some(binary) = &op.binary {
        // Prism limitation: it picks the response by the request's `Accept`; the binary downloads
        // send only their media type (`audio/*`, `video/mp4`, `application/octet-stream`, as the
        // official SDK does), none of the error responses (all `application/json`) matches, and
        // Prism then ignores `Prefer` and answers the 200. The API sends its JSON errors whatever
        // the `Accept`, so for these checks `application/json` is added to `Accept`.
        options = options.header("Accept", format!("{binary}, application/json"));
    }
    let view = core.with_options(options);
    let start = log.len();
    let outcome = call_case(&view, clone_case(case)).await;
    let exchanges = log.since(start);
    let mut problems = Vec::new();
    let error = match outcome {
        Err(panic) => {
            problems.push(panic);
            None
        }
        Ok(None) => {
            problems.push("this build has no function for the operation".into());
            None
        }
        Ok(Some(Outcome::Json(Ok(v)))) => {
            problems.push(format!("succeeded: {}", v.to_string().chars().take(200).collect::<String>()));
            None
        }
        Ok(Some(Outcome::Empty(Ok(())))) => {
            problems.push("succeeded with no body".into());
            None
        }
        Ok(Some(Outcome::Raw(Ok(raw)))) => {
            problems.push(format!("succeeded with a binary body (status {})", raw.status()));
            None
        }
        Ok(Some(Outcome::Stream(_))) => {
            problems.push("a `_stream` function was called instead of the plain one".into());
            None
        }
        Ok(Some(Outcome::Json(Err(e)))) | Ok(Some(Outcome::Empty(Err(e)))) | Ok(Some(Outcome::Raw(Err(e)))) => Some(e),
    };
    if let Some(e) = &error {
        if e.status() != Some(status) {
            problems.push(format!("error status {:?}, expected {status}: {}", e.status(), describe_error(e)));
        } else {
            // The expected error object: the spec's example for this status; where the spec has
            // none, Prism generates a body from the schema, and then that body's own object.
            let expected = match example {
                Some(ex) => ex.get("error").cloned(),
                None => e
                    .body_text()
                    .and_then(|b| serde_json::from_str::<Value>(&b).ok())
                    .and_then(|b| b.get("error").cloned()),
            };
            if let Some(want) = expected.filter(Value::is_object) {
                // The SDK fills in the status when the body has no numeric code, or a zero one
                // (Prism's generated bodies say `"code": 0`).
                let want_code = want["code"].as_i64().filter(|c| *c != 0).unwrap_or(i64::from(status));
                let want_message = want["message"].as_str().unwrap_or_default();
                match e.api_error() {
                    None => problems.push(format!("no api_error() for the body {}", describe_error(e))),
                    Some(api) => {
                        if api.code != want_code {
                            problems.push(format!("api_error().code {} != {want_code}", api.code));
                        }
                        if api.message != want_message {
                            problems.push(format!("api_error().message {:?} != {want_message:?}", api.message));
                        }
                    }
                }
            }
        }
    }
    match exchanges.as_slice() {
        [] => problems.push("no request reached Prism".into()),
        [ex] => {
            for v in ex.request_violations() {
                problems.push(format!("Prism reports a request violation: {v}"));
            }
            if ex.status != status {
                problems.push(format!("Prism answered {}", ex.describe()));
            }
        }
        many => problems.push(format!("{} requests sent, 1 expected (retried?)", many.len())),
    }
    problems
}

/// A request the SDK must refuse before sending.
async fn check_refused<F, T>(log: &Log, fut: F) -> Vec<String>
where
    F: Future<Output = Result<T, Error>> + Send + 'static,
    T: Send + 'static,
{
    let start = log.len();
    let result = guarded(fut).await;
    let exchanges = log.since(start);
    let mut problems = Vec::new();
    match result {
        Err(panic) => problems.push(panic),
        Ok(Ok(_)) => problems.push("the call succeeded".into()),
        Ok(Err(e)) if e.is_invalid_request() => {}
        Ok(Err(e)) => {
            let got: String = e.to_string().chars().take(120).collect();
            problems.push(format!("not refused before sending (got: {got})"));
        }
    }
    for ex in &exchanges {
        problems.push(format!("the request reached Prism: {}", ex.describe()));
    }
    problems
}

async fn check_invalid_requests(core: &OpenRouterCore, log: &Log, tally: &mut Tally) {
    macro_rules! refused {
        ($what:expr, $call:expr) => {{
            let core = core.clone();
            #[allow(clippy::redundant_closure_call)]
            let problems = check_refused(log, async move { $call(core).await }).await;
            tally.record(&format!("refused before sending: {}", $what), problems);
        }};
    }
    // Empty path or query ids (minLength 1, or a path segment that would vanish).
    refused!("getGeneration with an empty `id` (minLength 1)", |core: OpenRouterCore| async move {
        funcs::generations_get_generation(&core, models::GetGenerationRequest { id: String::new() }).await
    });
    refused!("getWorkspace with an empty path `id` (minLength 1)", |core: OpenRouterCore| async move {
        funcs::workspaces_get(&core, models::GetWorkspaceRequest { id: String::new() }).await
    });
    refused!("getPresetVersion with an empty path `version` (minLength 1)", |core: OpenRouterCore| async move {
        funcs::presets_get_version(
            &core,
            models::GetPresetVersionRequest { slug: "my-preset".into(), version: String::new() },
        )
        .await
    });
    refused!(
        "getBYOKKey with an empty path `id` (GET /byok/ is not GET /byok/{id})",
        |core: OpenRouterCore| async move { funcs::byok_get(&core, models::GetBYOKKeyRequest { id: String::new() }).await }
    );
    refused!(
        "getKey with an empty path `hash` (GET /keys/ is not GET /keys/{hash})",
        |core: OpenRouterCore| async move {
            funcs::api_keys_get(&core, models::GetKeyRequest { hash: String::new() }).await
        }
    );
    // Numbers out of range.
    refused!("listBYOKKeys with `limit` 0 (minimum 1)", |core: OpenRouterCore| async move {
        funcs::byok_list(&core, models::ListBYOKKeysRequest { limit: Some(0), ..Default::default() }).await
    });
    refused!("listBYOKKeys with `limit` 101 (maximum 100)", |core: OpenRouterCore| async move {
        funcs::byok_list(&core, models::ListBYOKKeysRequest { limit: Some(101), ..Default::default() }).await
    });
    refused!("getAppRankings with `offset` 101 (maximum 100)", |core: OpenRouterCore| async move {
        funcs::datasets_get_app_rankings(
            &core,
            models::GetAppRankingsRequest { offset: Some(101), ..Default::default() },
        )
        .await
    });
    refused!("listWorkspaces with `offset` -1 (minimum 0)", |core: OpenRouterCore| async move {
        funcs::workspaces_list(&core, models::ListWorkspacesRequest { offset: Some(-1), ..Default::default() }).await
    });
    refused!("getModels with `min_price` -0.5 (minimum 0)", |core: OpenRouterCore| async move {
        funcs::models_list(&core, models::GetModelsRequest { min_price: Some(-0.5), ..Default::default() }).await
    });
    refused!("getModels with `min_tool_success_rate` 1.5 (maximum 1)", |core: OpenRouterCore| async move {
        funcs::models_list(&core, models::GetModelsRequest { min_tool_success_rate: Some(1.5), ..Default::default() })
            .await
    });
    refused!("getBenchmarks with `max_results` 0 (minimum 1)", |core: OpenRouterCore| async move {
        funcs::benchmarks_get_benchmarks(
            &core,
            models::GetBenchmarksRequest { max_results: Some(0), ..Default::default() },
        )
        .await
    });
    refused!("listVideosContent with `index` -1 (minimum 0)", |core: OpenRouterCore| async move {
        funcs::video_generation_get_video_content(
            &core,
            models::ListVideosContentRequest { job_id: "job-abc123".into(), index: Some(-1) },
        )
        .await
    });
}

// ---------------------------------------------------------------------------------------------

/// The pinned spec (JSON, which serde_yaml reads too).
const SPEC: &str = "spec/openrouter.openapi.json";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs the spec's mock server: scripts/spec-mock.sh run -- cargo test --test spec_mock -- --include-ignored"]
async fn spec_mock() {
    let url = std::env::var("OPENROUTER_SPEC_MOCK_URL").unwrap_or_default();
    assert!(
        !url.trim().is_empty(),
        "OPENROUTER_SPEC_MOCK_URL is not set: run this test through `scripts/spec-mock.sh run -- cargo test --test \
         spec_mock -- --include-ignored`, which starts the mock server and sets it"
    );
    let upstream: SocketAddr = url
        .trim()
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse()
        .unwrap_or_else(|e| panic!("OPENROUTER_SPEC_MOCK_URL={url} is not http://IP:PORT: {e}"));

    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let spec_text = std::fs::read_to_string(root.join(SPEC)).expect(SPEC);
    let spec: Yaml = serde_yaml::from_str(&spec_text).expect("the spec parses");
    let ops = load_operations(&spec);
    assert_eq!(ops.len(), 145, "the spec has 145 operations");

    let mut cases = Vec::new();
    load_cases(&root.join("tests/conformance/cases"), &mut cases);
    load_cases(&root.join("tests/conformance"), &mut cases);
    let mut by_op: BTreeMap<String, Vec<Case>> = BTreeMap::new();
    for case in cases {
        by_op.entry(case.operation_id.clone()).or_default().push(case);
    }

    let log = Log::default();
    let proxy = start_proxy(upstream, log.clone()).await;
    let core = OpenRouterCore::builder()
        .api_key("sk-or-test")
        .base_url(&format!("http://{proxy}"))
        .http_referer("https://harness.example.com/")
        .app_title("Wire Vector Harness")
        .app_categories("cli-agent,cloud-agent")
        .retry(RetryConfig::none())
        .timeout(Duration::from_secs(30))
        .build()
        .expect("core");

    let mut tally = Tally { passed: 0, failed: Vec::new(), notes: Vec::new() };
    let (mut op_calls, mut error_statuses, mut error_checks) = (0, 0, 0);
    for op in &ops {
        let mut op_cases: Vec<Case> = by_op.remove(&op.id).unwrap_or_default();
        if op_cases.is_empty() {
            match case_from_spec(op) {
                Ok(c) => op_cases.push(c),
                Err(e) => {
                    tally.record(&format!("{} {} {}", op.id, op.method, op.path), vec![e]);
                    continue;
                }
            }
        }
        // 2xx: every case of the operation (variants included).
        for case in &op_cases {
            let what = format!("{} {} {} [{}]", op.id, op.method, op.path, case.file);
            let (problems, note) = check_success(&core, &log, op, case).await;
            tally.notes.extend(note);
            tally.record(&what, problems);
            op_calls += 1;
        }
        // Errors: each documented status, with the inputs of the operation's plain case.
        let primary = op_cases.iter().find(|c| c.variant.is_none()).unwrap_or(&op_cases[0]);
        for (status, examples) in &op.errors {
            error_statuses += 1;
            for (name, example) in examples {
                let what = match name {
                    Some(name) => format!("{} {} {} Prefer: code={status}, example={name}", op.id, op.method, op.path),
                    None => format!("{} {} {} Prefer: code={status}", op.id, op.method, op.path),
                };
                let problems = check_error(&core, &log, op, primary, *status, name.as_deref(), example.as_ref()).await;
                tally.record(&what, problems);
                error_checks += 1;
            }
        }
    }
    for (op, _) in by_op {
        tally.record(&format!("case for {op}"), vec!["no such operation in the spec".into()]);
    }
    // The statuses checked are the spec's; they must be those listed in operations.tsv.
    let tsv = root.join("codegen/operations.tsv");
    let tsv = std::fs::read_to_string(&tsv).unwrap_or_else(|e| panic!("{}: {e}", tsv.display()));
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let listed: Vec<u16> = cols.get(9).unwrap_or(&"").split(',').filter_map(|s| s.trim().parse().ok()).collect();
        match ops.iter().find(|o| o.id == cols[0]) {
            None => tally.failed.push(format!("operations.tsv: {} is not in the spec", cols[0])),
            Some(op) => {
                let checked: Vec<u16> = op.errors.iter().map(|(s, _)| *s).collect();
                if checked != listed {
                    tally.failed.push(format!("operations.tsv: {} lists {listed:?}, the spec has {checked:?}", op.id));
                }
            }
        }
    }
    let before_refused = tally.passed + tally.failed.len();
    check_invalid_requests(&core, &log, &mut tally).await;
    let refused_checks = tally.passed + tally.failed.len() - before_refused;

    for note in &tally.notes {
        println!("note: {note}");
    }
    for failure in &tally.failed {
        println!("FAILED {failure}");
    }
    println!(
        "spec-mock: {} operations: {op_calls} operation calls, {error_checks} error checks ({error_statuses} documented \
         error statuses, named examples each), {refused_checks} requests refused before sending",
        ops.len()
    );
    println!("spec-mock: {} passed, {} failed", tally.passed, tally.failed.len());
    assert!(tally.failed.is_empty(), "{} spec-mock checks failed", tally.failed.len());
}
