//! `openrouter::mock::MockServer` (feature `mock`, on for the tests through the crate's
//! dev-dependency on itself): every operation answered through the SDK, scripted answers
//! (JSON, errors, SSE, delays, one-shot and standing, from a closure), `reset`, the recorded
//! requests with the key hidden in `Debug`, unknown paths and names, and the server's end.

mod conformance_case;
mod conformance_dispatch;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use openrouter::mock::{MockResponse, MockServer};
use openrouter::models::{
    ChatMessages, ChatRequest, DownloadFileContentRequest, GetCreditsRequest, GetGenerationRequest, ResponsesRequest,
};
use openrouter::{collect_chat, funcs, OpenRouterCore, RetryConfig};
use serde_json::{json, Value};

pub use conformance_case::{json_diff, json_eq, response_diff, Case, Outcome};

/// The operations whose `_stream` form the mock answers with server-sent events.
const STREAMS: &[&str] = &[
    "sendChatCompletionRequest",
    "createResponses",
    "createMessages",
    "createImages",
    "createPresetsChatCompletions",
    "createPresetsMessages",
    "createPresetsResponses",
];

fn chat(text: &str) -> ChatRequest {
    ChatRequest::new(vec![ChatMessages::user(text)]).model("openai/gpt-4o-mini")
}

fn spec() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/spec/openrouter.openapi.json"))
        .expect("read the spec");
    serde_json::from_str(&text).expect("the spec is JSON")
}

fn deref<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    while let Some(r) = v.get("$ref").and_then(Value::as_str) {
        v = spec.pointer(&r[1..]).expect("a $ref resolves");
    }
    v
}

/// The spec's inputs for an operation without a conformance case: its path and required
/// parameters and its JSON body, from the examples (the few the spec has none for, as in
/// tests/spec_mock.rs).
fn case_from_spec(spec: &Value, path: &str, item: &Value, op: &Value) -> Case {
    let id = op["operationId"].as_str().unwrap().to_string();
    let mut params = json!({"path": {}, "query": {}, "header": {}});
    let shared = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
    let own = op.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
    for p in shared.iter().chain(&own) {
        let p = deref(spec, p);
        let (loc, name) = (p["in"].as_str().unwrap(), p["name"].as_str().unwrap());
        if loc != "path" && p.get("required") != Some(&Value::Bool(true)) {
            continue;
        }
        let example = p.get("example").or_else(|| deref(spec, &p["schema"]).get("example")).cloned();
        let value = match (id.as_str(), name) {
            ("getScimGroupMapping", "id") => json!("00000000-0000-4000-8000-000000000001"),
            _ => example.unwrap_or_else(|| panic!("{id} {path}: no example for parameter {name}")),
        };
        params[loc][name] = value;
    }
    let mut raw = json!({"operation_id": id, "variant": null, "params": params});
    let media =
        op.pointer("/requestBody").map(|b| deref(spec, b)).and_then(|b| b.pointer("/content/application~1json"));
    if let Some(media) = media {
        let example = media.get("example").or_else(|| deref(spec, &media["schema"]).get("example")).cloned();
        raw["body"] = match id.as_str() {
            "createScimGroupMapping" => json!({"scim_group_id": "00000000-0000-4000-8000-000000000002",
                "workspace_id": "00000000-0000-4000-8000-000000000003", "role": "member"}),
            "validatePrivateEndpoint" => json!({"workspace_id": "550e8400-e29b-41d4-a716-446655440000"}),
            "createPrivateProvider" => json!({"name": "Acme", "base_url": "https://inference.example.com/v1"}),
            _ => example.unwrap_or_else(|| panic!("{id}: no example for the request body")),
        };
    }
    Case { file: "spec examples".into(), operation_id: id, variant: None, raw }
}

/// One case per operation (the conformance case's inputs where there is one, else the spec's
/// examples), plus the streaming form of each of [`STREAMS`] and the multipart transcription.
fn every_operation() -> Vec<Case> {
    let mut known: Vec<Case> = Vec::new();
    for dir in ["tests/conformance/cases", "tests/conformance"] {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
        let mut files: Vec<_> = std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files.into_iter().filter(|p| p.extension().is_some_and(|e| e == "json")) {
            let raw: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
            if raw.get("expect_error_status").is_some() {
                continue;
            }
            let (operation_id, variant) =
                (raw["operation_id"].as_str().unwrap().to_string(), raw["variant"].as_str().map(String::from));
            known.push(Case { file: f.display().to_string(), raw, operation_id, variant });
        }
    }
    let spec = spec();
    let mut cases = Vec::new();
    for (path, item) in spec["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if !["get", "post", "put", "patch", "delete"].contains(&method.as_str()) {
                continue;
            }
            let id = op["operationId"].as_str().unwrap();
            let base = known
                .iter()
                .find(|c| c.operation_id == id && c.variant.is_none())
                .or_else(|| known.iter().find(|c| c.operation_id == id && c.variant.as_deref() == Some("stream")));
            let mut case = match base {
                Some(c) => Case { file: c.file.clone(), raw: c.raw.clone(), operation_id: id.into(), variant: None },
                None => case_from_spec(&spec, path, item, op),
            };
            if let Some(body) = case.raw.get_mut("body").and_then(Value::as_object_mut) {
                body.remove("stream");
            }
            if STREAMS.contains(&id) {
                let raw = case.raw.clone();
                cases.push(Case {
                    file: case.file.clone(),
                    raw,
                    operation_id: id.into(),
                    variant: Some("stream".into()),
                });
            }
            if id == "createAudioTranscriptions" {
                let multipart =
                    known.iter().find(|c| c.operation_id == id && c.variant.as_deref() == Some("multipart"));
                let c = multipart.expect("the multipart transcription case");
                cases.push(Case {
                    file: c.file.clone(),
                    raw: c.raw.clone(),
                    operation_id: id.into(),
                    variant: c.variant.clone(),
                });
            }
            case.raw["variant"] = Value::Null;
            cases.push(case);
        }
    }
    cases
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_is_answered_through_the_sdk() {
    let server = MockServer::start().await.unwrap();
    let core = server.core();
    let cases = every_operation();
    let mut failures = Vec::new();
    let mut operations = BTreeSet::new();
    let mut streams = 0;
    for case in &cases {
        let what = format!("{} {:?} ({})", case.operation_id, case.variant, case.file);
        let before = server.requests().len();
        let outcome = conformance_dispatch::call(&core, case).await;
        let problem = match outcome {
            None => Some("this build has no function for it".to_string()),
            Some(Outcome::Json(Ok(_))) | Some(Outcome::Empty(Ok(()))) => None,
            Some(Outcome::Raw(Ok(raw))) => match raw.bytes().await {
                Ok(bytes) if !bytes.is_empty() => None,
                Ok(_) => Some("an empty download".into()),
                Err(e) => Some(format!("reading the download: {e}")),
            },
            Some(Outcome::Stream(Ok(events))) => {
                streams += 1;
                (events.is_empty()).then(|| "a stream without events".into())
            }
            Some(Outcome::Json(Err(e)))
            | Some(Outcome::Empty(Err(e)))
            | Some(Outcome::Raw(Err(e)))
            | Some(Outcome::Stream(Err(e))) => Some(format!("{e} (body {:?})", e.body_text())),
        };
        if let Some(p) = problem {
            failures.push(format!("{what}: {p}"));
            continue;
        }
        // The request reached the server as the operation it is (the route table is right).
        let seen = server.requests();
        match &seen[before..] {
            [one] if one.operation_id() == Some(case.operation_id.as_str()) => {
                operations.insert(case.operation_id.clone());
            }
            other => failures.push(format!("{what}: the server saw {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{} of {} calls failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
    assert_eq!(operations.len(), 145, "every operation of the spec");
    assert_eq!(streams, STREAMS.len());
}

#[tokio::test]
async fn the_examples_come_back_decoded() {
    let server = MockServer::start().await.unwrap();
    let client = server.client();
    // GET /generation: the spec's example generation.
    let generation = client.generations().get_generation(GetGenerationRequest::new("gen-1")).await.unwrap();
    assert_eq!(generation.data.id, "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG");
    // A chat stream: the spec's example chunk ("Hello"), then [DONE] ends the stream.
    let stream = client.chat().send_stream(chat("Hi")).await.unwrap();
    assert_eq!(collect_chat(stream).await.unwrap().text(), "Hello");
    // A Responses stream: the spec's example text delta.
    let mut stream = client.responses().send_stream(ResponsesRequest::new().input("Hi")).await.unwrap();
    let mut deltas = String::new();
    while let Some(event) = stream.next_event().await {
        deltas.push_str(event.unwrap().text_delta().unwrap_or_default());
    }
    assert_eq!(deltas, "Hello");
    // The same operation without streaming gets JSON.
    assert!(!client.responses().send(ResponsesRequest::new().input("Hi")).await.unwrap().output_text().is_empty());
}

#[tokio::test]
async fn scripted_json_and_errors_then_back_to_the_example() {
    let server = MockServer::start().await.unwrap();
    let core = server.core();
    let reply = json!({
        "id": "gen-scripted", "object": "chat.completion", "created": 1, "model": "m",
        "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Scripted."}}]
    });
    let script = server.on("chat_send").unwrap();
    let no_credits = MockResponse::error(402, "Insufficient credits").header("x-request-id", "req-42");
    script.respond_once(no_credits).respond(MockResponse::json(200, reply));
    let error = funcs::chat_send(&core, chat("Hi")).await.unwrap_err();
    assert_eq!(error.status(), Some(402));
    assert_eq!(error.headers().unwrap()["x-request-id"], "req-42");
    assert_eq!(error.api_error().unwrap().message, "Insufficient credits");
    assert_eq!(funcs::chat_send(&core, chat("Hi")).await.unwrap().text(), "Scripted.");
    assert_eq!(funcs::chat_send(&core, chat("Hi")).await.unwrap().text(), "Scripted.", "a standing answer stays");
    // The operation id names the same script.
    server.on("sendChatCompletionRequest").unwrap().respond(MockResponse::status(503));
    let error = funcs::chat_send(
        &core.with_options(openrouter::RequestOptions::new().retries(RetryConfig::none())),
        chat("Hi"),
    )
    .await
    .unwrap_err();
    assert_eq!(error.status(), Some(503));
    server.reset();
    assert!(server.requests().is_empty(), "reset forgets the requests");
    assert_ne!(funcs::chat_send(&core, chat("Hi")).await.unwrap().text(), "Scripted.", "reset forgets the scripts");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_scripted_download_comes_back_as_sent() {
    let server = MockServer::start().await.unwrap();
    let pdf = MockResponse::raw(200, "application/pdf", &b"%PDF-1.7 scripted"[..]);
    server.on("files_download").unwrap().respond(pdf);
    let download = funcs::files_download(&server.core(), DownloadFileContentRequest::new("file-1")).await.unwrap();
    assert_eq!(download.content_type(), Some("application/pdf"));
    assert_eq!(&download.bytes().await.unwrap()[..], b"%PDF-1.7 scripted");
    assert_eq!(server.requests()[0].path(), "/api/v1/files/file-1/content");
}

#[tokio::test]
async fn a_one_shot_429_is_retried_into_the_example() {
    let server = MockServer::start().await.unwrap();
    let retry = RetryConfig::backoff().initial_interval(Duration::from_millis(1)).max_attempts(3);
    let core = server.builder().retry(retry).build().unwrap();
    server.on("generations_get_generation").unwrap().respond_once(MockResponse::error(429, "slow down"));
    let generation = funcs::generations_get_generation(&core, GetGenerationRequest::new("gen-1")).await.unwrap();
    assert_eq!(generation.data.id, "gen-3bhGkxlo4XFrqiabUM7NDtwDzWwG");
    assert_eq!(server.requests().len(), 2, "the 429, then the retry");
}

#[tokio::test]
async fn scripted_sse_events_end_with_done() {
    let server = MockServer::start().await.unwrap();
    let chunk = |text: &str| {
        json!({"id": "gen-s", "object": "chat.completion.chunk", "created": 1, "model": "m",
               "choices": [{"index": 0, "delta": {"role": "assistant", "content": text}, "finish_reason": null}]})
    };
    server.on("chat_send_stream").unwrap().respond(MockResponse::sse([chunk("Bon"), chunk("jour")]));
    let stream = funcs::chat_send_stream(&server.core(), chat("Hi")).await.unwrap();
    assert_eq!(collect_chat(stream).await.unwrap().text(), "Bonjour");
    // An error inside a scripted stream reaches the caller as an Err item.
    server
        .on("chat_send")
        .unwrap()
        .respond(MockResponse::sse([json!({"error": {"code": 502, "message": "upstream"}})]));
    let mut stream = funcs::chat_send_stream(&server.core(), chat("Hi")).await.unwrap();
    let error = stream.next_event().await.unwrap().unwrap_err();
    assert!(error.to_string().contains("upstream"), "{error}");
}

#[tokio::test]
async fn a_delayed_answer_meets_the_timeout() {
    let server = MockServer::start().await.unwrap();
    let slow =
        MockResponse::json(200, json!({"data": {"total_credits": 1, "total_usage": 0}})).delay(Duration::from_secs(3));
    server.on("credits_get_credits").unwrap().respond(slow);
    let core = server.builder().timeout(Duration::from_millis(200)).retry(RetryConfig::none()).build().unwrap();
    let start = Instant::now();
    let error = funcs::credits_get_credits(&core, GetCreditsRequest::new()).await.unwrap_err();
    assert!(error.is_timeout(), "{error}");
    assert!(start.elapsed() < Duration::from_secs(2), "{:?}", start.elapsed());
    // Without a timeout the delayed answer arrives.
    server.on("credits_get_credits").unwrap().respond(
        MockResponse::json(200, json!({"data": {"total_credits": 1, "total_usage": 0}}))
            .delay(Duration::from_millis(300)),
    );
    let start = Instant::now();
    assert_eq!(
        funcs::credits_get_credits(&server.core(), GetCreditsRequest::new()).await.unwrap().data.total_credits,
        1.0
    );
    assert!(start.elapsed() >= Duration::from_millis(300));
}

#[tokio::test]
async fn requests_are_recorded_and_their_debug_hides_the_key() {
    let server = MockServer::start().await.unwrap();
    funcs::chat_send(&server.core(), chat("What is 2 + 2?")).await.unwrap();
    let core = server.core();
    funcs::models_list(&core, openrouter::models::GetModelsRequest::new().category("programming")).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen.len(), 2);
    let (chat_request, models_request) = (&seen[0], &seen[1]);
    assert_eq!(chat_request.method(), "POST");
    assert_eq!(chat_request.path(), "/api/v1/chat/completions");
    assert_eq!(chat_request.operation_id(), Some("sendChatCompletionRequest"));
    assert_eq!(chat_request.json().unwrap()["messages"][0]["content"], "What is 2 + 2?");
    assert_eq!(chat_request.header("authorization"), Some(format!("Bearer {}", MockServer::API_KEY).as_str()));
    assert_eq!(models_request.method(), "GET");
    assert_eq!(models_request.query(), Some("category=programming"));
    for request in &seen {
        let debug = format!("{request:?}");
        assert!(!debug.contains(MockServer::API_KEY), "the key is printed: {debug}");
        assert!(debug.contains("[redacted]") && debug.contains("/api/v1/"), "{debug}");
    }
}

#[tokio::test]
async fn a_responder_sees_the_request() {
    let server = MockServer::start().await.unwrap();
    server.on("chat_send").unwrap().respond_with(|request| {
        let asked = request.json().and_then(|b| b["messages"][0]["content"].as_str().map(String::from));
        let content = format!("You said: {}", asked.unwrap_or_default());
        MockResponse::json(
            200,
            json!({"id": "gen-echo", "object": "chat.completion", "created": 1, "model": "m",
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": content}}]}),
        )
    });
    assert_eq!(funcs::chat_send(&server.core(), chat("ping")).await.unwrap().text(), "You said: ping");
}

#[tokio::test]
async fn unknown_paths_and_names_are_clear_errors() {
    let server = MockServer::start().await.unwrap();
    // A base URL with a path no operation has: a 404 with an OpenRouter-shaped error.
    let core = OpenRouterCore::builder().api_key("k").base_url(&format!("{}/v9", server.url())).build().unwrap();
    let error = funcs::credits_get_credits(&core, GetCreditsRequest::new()).await.unwrap_err();
    assert_eq!(error.status(), Some(404));
    let message = &error.api_error().expect("a JSON error body").message;
    assert!(message.contains("no operation answers GET /api/v1/v9/credits"), "{message}");
    assert_eq!(server.requests()[0].operation_id(), None);
    // An operation name the server does not know.
    let error = server.on("chat_sendd").unwrap_err();
    assert!(error.is_invalid_request() && error.to_string().contains("chat_sendd"), "{error}");
    // A scripted status HTTP cannot carry is a 500 that says so, not a hang.
    server.on("credits_get_credits").unwrap().respond(MockResponse::status(1000));
    let error = funcs::credits_get_credits(&server.core(), GetCreditsRequest::new()).await.unwrap_err();
    assert_eq!(error.status(), Some(500));
    assert!(error.api_error().unwrap().message.contains("not valid HTTP"), "{error}");
}

#[tokio::test]
async fn the_server_stops_when_dropped() {
    let server = MockServer::start().await.unwrap();
    let core = server.builder().retry(RetryConfig::none()).build().unwrap();
    funcs::credits_get_credits(&core, GetCreditsRequest::new()).await.unwrap();
    drop(server);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let error = funcs::credits_get_credits(&core, GetCreditsRequest::new()).await.unwrap_err();
    assert!(error.is_connect(), "{error}");
}
