//! Spec conformance: every case in `tests/conformance/cases/` (a copy of
//! `../shared/conformance/wire/`; `.ci/run` checks that the two are equal), in
//! `tests/conformance/` (our own cases) and in `$OPENROUTER_CONFORMANCE_DIR` when it is set.
//!
//! For each case: a recording server on 127.0.0.1 answers with the case's response; the core is
//! configured as the case says; the case's operation is called through its public typed function
//! (the generated `conformance_dispatch` builds the typed request from the case's inputs); the
//! request the server saw must be exactly the expected one (method, path, query multimap,
//! headers, JSON body by value, multipart parts), and the call must succeed with a value that
//! re-encodes to the response JSON.
//!
//! Stream cases call the `_stream` function and compare the decoded events with the case's
//! events. A case this build has no function for is skipped, and a skipped case fails the test.
//!
//! The harness is `libtest-mimic` (`harness = false`): each case is its own test (see `main`).

mod common;
mod conformance_case;
mod conformance_dispatch;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use openrouter::OpenRouterCore;
use serde_json::Value;

use common::{Recorded, Reply, TestServer};

pub use conformance_case::{json_diff, response_diff, Case, Outcome};

struct Part {
    name: String,
    filename: Option<String>,
    content_type: Option<String>,
    value: Vec<u8>,
}

fn parse_multipart(content_type: &str, body: &[u8]) -> Result<Vec<Part>, String> {
    let boundary = content_type
        .split(';')
        .find_map(|p| p.trim().strip_prefix("boundary="))
        .ok_or("no boundary")?
        .trim_matches('"');
    let delim = format!("--{boundary}");
    let text = body;
    let mut parts = Vec::new();
    let find = |hay: &[u8], needle: &[u8], from: usize| {
        hay[from..].windows(needle.len()).position(|w| w == needle).map(|p| p + from)
    };
    let mut pos = find(text, delim.as_bytes(), 0).ok_or("no first boundary")? + delim.len();
    loop {
        if text[pos..].starts_with(b"--") {
            break;
        }
        let start = pos + 2; // CRLF
        let head_end = find(text, b"\r\n\r\n", start).ok_or("part without header end")?;
        let head = String::from_utf8_lossy(&text[start..head_end]).to_string();
        let next = find(text, format!("\r\n{delim}").as_bytes(), head_end).ok_or("unterminated part")?;
        let value = text[head_end + 4..next].to_vec();
        let mut part = Part { name: String::new(), filename: None, content_type: None, value };
        for line in head.split("\r\n") {
            let lower = line.to_ascii_lowercase();
            if lower.starts_with("content-disposition:") {
                for attr in line.split(';').skip(1) {
                    let (k, v) = attr.trim().split_once('=').unwrap_or((attr.trim(), ""));
                    let v = v.trim_matches('"').to_string();
                    match k {
                        "name" => part.name = v,
                        "filename" => part.filename = Some(v),
                        _ => {}
                    }
                }
            } else if lower.starts_with("content-type:") {
                part.content_type = Some(line["content-type:".len()..].trim().to_string());
            }
        }
        parts.push(part);
        pos = next + 2 + delim.len();
    }
    Ok(parts)
}

fn check_request(case: &Value, seen: &Recorded) -> Vec<String> {
    let mut errors = Vec::new();
    let expect = &case["expect_request"];
    if let Some(m) = expect["method"].as_str() {
        if seen.method != m {
            errors.push(format!("method {} != {m}", seen.method));
        }
    }
    if let Some(p) = expect["path"].as_str() {
        if seen.path != p {
            errors.push(format!("path {} != {p}", seen.path));
        }
    }
    let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in seen.query_pairs() {
        query.entry(k).or_default().push(v);
    }
    let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, vs) in expect["query"].as_object().into_iter().flatten() {
        let list = vs
            .as_array()
            .map(|a| a.iter().map(|v| v.as_str().map(String::from).unwrap_or(v.to_string())).collect())
            .unwrap_or_default();
        want.insert(k.clone(), list);
    }
    for v in query.values_mut().chain(want.values_mut()) {
        v.sort();
    }
    if query != want {
        errors.push(format!("query {query:?} != {want:?}"));
    }
    for (name, value) in expect["headers"].as_object().into_iter().flatten() {
        let want = value.as_str().unwrap_or_default();
        match seen.header(name) {
            Some(got) if got == want => {}
            got => errors.push(format!("header {name}: {got:?} != {want:?}")),
        }
    }
    let content_type = seen.header("content-type").unwrap_or_default();
    if let Some(form) = expect.get("form").and_then(Value::as_object) {
        let mut got: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for pair in String::from_utf8_lossy(&seen.body).split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            got.entry(common::form_decode(k)).or_default().push(common::form_decode(v));
        }
        let mut want: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, vs) in form {
            let list = vs.as_array().into_iter().flatten().map(|v| v.as_str().unwrap_or_default().to_string());
            want.insert(k.clone(), list.collect());
        }
        for v in got.values_mut().chain(want.values_mut()) {
            v.sort();
        }
        if got != want {
            errors.push(format!("form {got:?} != {want:?}"));
        }
    }
    if let Some(prefix) = expect["content_type_prefix"].as_str() {
        if !content_type.starts_with(prefix) {
            errors.push(format!("content-type {content_type:?} does not start with {prefix:?}"));
        }
    }
    if let Some(body) = expect.get("body") {
        match serde_json::from_slice::<Value>(&seen.body) {
            Ok(got) => {
                if let Some(d) = json_diff(&got, body, "$") {
                    errors.push(format!("body differs (sent vs expected): {d}"));
                }
            }
            Err(e) => errors.push(format!("body is not JSON: {e}")),
        }
    } else if expect.get("multipart").is_none() && expect.get("form").is_none() && !seen.body.is_empty() {
        errors.push(format!("unexpected body: {}", String::from_utf8_lossy(&seen.body)));
    }
    if let Some(parts) = expect.get("multipart").and_then(Value::as_array) {
        match parse_multipart(&content_type, &seen.body) {
            Err(e) => errors.push(format!("multipart: {e}")),
            Ok(got) => {
                if got.len() != parts.len() {
                    errors.push(format!(
                        "multipart: {} parts sent ({:?}), {} expected",
                        got.len(),
                        got.iter().map(|p| &p.name).collect::<Vec<_>>(),
                        parts.len()
                    ));
                }
                for (i, (g, w)) in got.iter().zip(parts).enumerate() {
                    let s = |k: &str| w.get(k).and_then(Value::as_str).map(String::from);
                    if Some(g.name.clone()) != s("name")
                        || g.filename != s("filename")
                        || g.content_type != s("content_type")
                        || String::from_utf8_lossy(&g.value) != s("value").unwrap_or_default()
                    {
                        errors.push(format!(
                            "multipart part {i}: sent name={:?} filename={:?} content_type={:?} value={:?}, expected {w}",
                            g.name,
                            g.filename,
                            g.content_type,
                            String::from_utf8_lossy(&g.value)
                        ));
                    }
                }
            }
        }
    }
    errors
}

enum Verdict {
    Passed { note: Option<String> },
    Failed(Vec<String>),
    Skipped(String),
}

async fn run_case(case: Case) -> Verdict {
    let raw = case.raw.clone();
    let response = &raw["response"];
    let status = response["status"].as_u64().unwrap_or(200) as u16;
    let content_type = response["content_type"].as_str().unwrap_or("application/json");
    let body = match (response.get("json"), response.get("text")) {
        (Some(Value::Null), _) => String::new(),
        (Some(j), _) => j.to_string(),
        (None, Some(Value::String(t))) => t.clone(),
        _ => String::new(),
    };
    let reply = if response.get("json").is_none() && response.get("text").is_none() {
        // No body at all (a 204).
        Reply::status(status)
    } else if body.is_empty() && response.get("json").is_some_and(Value::is_null) {
        // The spec has no example: answer with an empty JSON object.
        Reply::json(status, "{}")
    } else {
        Reply::text(status, content_type, body.clone())
    };
    let server = TestServer::start(vec![reply]).await;
    let client = &raw["client"];
    let s = |k: &str| client[k].as_str().unwrap_or_default().to_string();
    let core = match OpenRouterCore::builder()
        .api_key(s("api_key"))
        .base_url(&server.base_url())
        .http_referer(s("http_referer"))
        .app_title(s("app_title"))
        .app_categories(s("app_categories"))
        .build()
    {
        Ok(c) => c,
        Err(e) => return Verdict::Failed(vec![format!("core: {e}")]),
    };
    let Some(outcome) = conformance_dispatch::call(&core, &case).await else {
        return Verdict::Skipped(format!("no function for {} {:?} in this build", case.operation_id, case.variant));
    };
    let requests = server.requests();
    let mut errors = match requests.first() {
        Some(seen) => check_request(&raw, seen),
        None => vec!["no request reached the server".into()],
    };
    if requests.len() > 1 {
        errors.push(format!("{} requests sent, 1 expected", requests.len()));
    }
    let expect_error = raw.get("expect_error_status").and_then(Value::as_u64);
    let note = None;
    if response.get("json").is_some_and(Value::is_null) {
        // The spec has no response example (the server sent `{}`): only the request is checked.
        let decoded = match &outcome {
            Outcome::Json(Ok(_)) | Outcome::Empty(Ok(_)) | Outcome::Raw(Ok(_)) => "decoded",
            _ => "not decodable",
        };
        let verdict_note = format!("no response example in the spec; request checked, `{{}}` {decoded}");
        return if errors.is_empty() { Verdict::Passed { note: Some(verdict_note) } } else { Verdict::Failed(errors) };
    }
    match outcome {
        Outcome::Json(Ok(value)) => match response.get("json") {
            Some(expected) => {
                if let Some(d) = response_diff(&value, expected, "$") {
                    errors.push(format!("decoded response re-encodes differently (ours vs case): {d}"));
                }
            }
            None => errors.push("a JSON value came back for a non-JSON response".into()),
        },
        Outcome::Empty(Ok(())) => {}
        Outcome::Raw(Ok(raw_response)) => {
            if raw_response.status() != status {
                errors.push(format!("raw status {} != {status}", raw_response.status()));
            }
            match raw_response.bytes().await {
                Ok(bytes) if bytes.as_ref() == body.as_bytes() => {}
                Ok(bytes) => errors.push(format!("raw body differs: {} bytes", bytes.len())),
                Err(e) => errors.push(format!("raw body: {e}")),
            }
        }
        Outcome::Stream(Ok(events)) => {
            let expected = sse_events(&body);
            if expected.is_empty() {
                errors.push("the case's stream has no events".into());
            }
            if events.len() != expected.len() {
                errors.push(format!("{} events decoded, {} in the case", events.len(), expected.len()));
            }
            for (i, (ours, theirs)) in events.iter().zip(&expected).enumerate() {
                if let Some(d) = response_diff(ours, theirs, &format!("event[{i}]")) {
                    errors.push(format!("decoded event re-encodes differently (ours vs case): {d}"));
                }
            }
        }
        Outcome::Json(Err(e)) | Outcome::Empty(Err(e)) | Outcome::Raw(Err(e)) | Outcome::Stream(Err(e)) => {
            match expect_error {
                Some(want) if e.status() == Some(want as u16) => {}
                _ => errors.push(format!("call failed: {e} ({e:?})")),
            }
        }
    }
    if errors.is_empty() {
        Verdict::Passed { note }
    } else {
        Verdict::Failed(errors)
    }
}

/// The JSON data of each event of an SSE text, up to `[DONE]` (a plain reading, independent
/// of the SDK's decoder).
fn sse_events(text: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for block in text.replace("\r\n", "\n").split("\n\n") {
        let data: Vec<&str> =
            block.lines().filter_map(|l| l.strip_prefix("data:")).map(|d| d.strip_prefix(' ').unwrap_or(d)).collect();
        if data.is_empty() {
            continue;
        }
        let data = data.join("\n");
        if data == "[DONE]" {
            break;
        }
        out.push(serde_json::from_str(&data).unwrap_or_else(|e| panic!("case event is not JSON: {e}: {data}")));
    }
    out
}

fn load(dir: &Path, cases: &mut Vec<Case>) {
    let Ok(entries) = std::fs::read_dir(dir) else { panic!("conformance folder {} is missing", dir.display()) };
    let mut files: Vec<PathBuf> =
        entries.flatten().map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "json")).collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).unwrap();
        let raw: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
        cases.push(Case {
            file: f.display().to_string(),
            operation_id: raw["operation_id"].as_str().unwrap_or_default().to_string(),
            variant: raw["variant"].as_str().map(String::from),
            raw,
        });
    }
}

/// Each case is its own test, named `<operationId>` and, when its file says more, the rest of
/// the file name (`createAudioTranscriptions.multipart`): `cargo test --test conformance
/// createMessages` runs one. A skipped case (no function in this build) fails. The run ends with
/// the line `conformance: N passed, M failed, K skipped`.
fn main() -> std::process::ExitCode {
    let args = libtest_mimic::Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cases = Vec::new();
    load(&root.join("tests/conformance/cases"), &mut cases);
    load(&root.join("tests/conformance"), &mut cases);
    if let Ok(dir) = std::env::var("OPENROUTER_CONFORMANCE_DIR") {
        if !dir.is_empty() {
            load(Path::new(&dir), &mut cases);
        }
    }
    let runtime = Arc::new(
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("a tokio runtime"),
    );
    let counts = Arc::new([AtomicUsize::new(0), AtomicUsize::new(0), AtomicUsize::new(0)]);
    let mut names = BTreeMap::<String, usize>::new();
    let trials = cases
        .into_iter()
        .map(|case| {
            let stem = Path::new(&case.file).file_stem().unwrap().to_string_lossy().to_string();
            let mut name = if stem == case.operation_id { stem } else { format!("{}::{stem}", case.operation_id) };
            // The same file name in two folders: number the later ones.
            let seen = names.entry(name.clone()).or_default();
            *seen += 1;
            if *seen > 1 {
                name = format!("{name}#{seen}");
            }
            let (runtime, counts) = (runtime.clone(), counts.clone());
            libtest_mimic::Trial::test(name, move || {
                let file = case.file.clone();
                let verdict = runtime.block_on(runtime.spawn(run_case(case)));
                let (slot, result) = match verdict {
                    Ok(Verdict::Passed { note }) => {
                        if let Some(n) = note {
                            println!("ok      {file} ({n})");
                        }
                        (0, Ok(()))
                    }
                    Ok(Verdict::Failed(errors)) => (1, Err(format!("{file}:\n        {}", errors.join("\n        ")))),
                    Ok(Verdict::Skipped(why)) => (2, Err(format!("{file}: skipped: {why}"))),
                    Err(panic) => {
                        let msg = panic
                            .try_into_panic()
                            .ok()
                            .and_then(|p| {
                                p.downcast_ref::<String>()
                                    .cloned()
                                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                            })
                            .unwrap_or_default();
                        (1, Err(format!("{file}: panicked: {msg}")))
                    }
                };
                counts[slot].fetch_add(1, Ordering::Relaxed);
                result.map_err(Into::into)
            })
        })
        .collect();
    let conclusion = libtest_mimic::run(&args, trials);
    let [passed, failed, skipped] = counts.as_ref().each_ref().map(|c| c.load(Ordering::Relaxed));
    println!("conformance: {passed} passed, {failed} failed, {skipped} skipped");
    conclusion.exit_code()
}
