//! Shared by the examples (`#[path = "common/offline.rs"] mod offline;`): with
//! `OPENROUTER_API_KEY` set, [`core`] is `OpenRouterCore::from_env()` and the examples call the
//! real API; without it, [`core`] starts a server on 127.0.0.1 that answers the routes the
//! examples use the way OpenRouter does (canned JSON and server-sent events), so every example
//! runs offline (`cargo run --example chat`).
#![allow(dead_code)] // each example uses part of this

use std::error::Error;

use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use openrouter::OpenRouterCore;
use serde_json::{json, Value};
use tokio::net::TcpListener;

const GENERATION: &str = include_str!("../fixtures/generation.json");
const MODELS: &str = include_str!("../fixtures/models.json");
const CREDITS: &str = include_str!("../fixtures/credits.json");

/// The core for the real API when `OPENROUTER_API_KEY` is set, else one pointed at a local
/// server answering like OpenRouter.
pub async fn core() -> Result<OpenRouterCore, Box<dyn Error>> {
    if std::env::var("OPENROUTER_API_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        return Ok(OpenRouterCore::from_env()?);
    }
    let url = start().await?;
    println!("(OPENROUTER_API_KEY is not set: answering from a local server at {url})\n");
    Ok(OpenRouterCore::builder().api_key("sk-or-local-demo").base_url(&url).build()?)
}

/// The model the examples ask for: `OPENROUTER_MODEL`, default `openai/gpt-4o-mini`.
pub fn model() -> String {
    std::env::var("OPENROUTER_MODEL").unwrap_or_else(|_| "openai/gpt-4o-mini".into())
}

/// Starts the local server; returns its base URL (`http://127.0.0.1:<port>/api/v1`).
pub async fn start() -> std::io::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}/api/v1", listener.local_addr()?);
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                use http_body_util::BodyExt;
                let authorized = req.headers().contains_key("authorization");
                let (method, path) = (req.method().clone(), req.uri().path().to_owned());
                let body = req.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let (status, content_type, text) = if authorized {
                    answer(method.as_str(), &path, &body)
                } else {
                    (401, "application/json", error(401, "Missing Authentication header"))
                };
                Response::builder()
                    .status(status)
                    .header("content-type", content_type)
                    .body(Full::new(Bytes::from(text)))
            });
            tokio::spawn(async move {
                let _ =
                    hyper::server::conn::http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
            });
        }
    });
    Ok(url)
}

fn error(code: u16, message: &str) -> String {
    json!({"error": {"code": code, "message": message}}).to_string()
}

const JSON: &str = "application/json";
const SSE: &str = "text/event-stream";

/// What OpenRouter would answer to this request.
fn answer(method: &str, path: &str, body: &Value) -> (u16, &'static str, String) {
    let model = body["model"].as_str().unwrap_or("openai/gpt-4o-mini");
    let streamed = body["stream"] == true;
    match (method, path.trim_start_matches("/api/v1")) {
        ("POST", _) if model.contains("does-not-exist") => {
            (400, JSON, error(400, &format!("{model} is not a valid model ID")))
        }
        ("POST", "/chat/completions") if streamed => (200, SSE, chat_stream(model)),
        ("POST", "/chat/completions") => (200, JSON, chat(model, body).to_string()),
        ("POST", "/responses") if streamed => (200, SSE, responses_stream(model, body)),
        ("POST", "/responses") => (200, JSON, responses(model, body).to_string()),
        ("POST", "/embeddings") => (200, JSON, embeddings(model, body).to_string()),
        ("GET", "/models") => (200, JSON, MODELS.into()),
        ("GET", "/credits") => (200, JSON, CREDITS.into()),
        ("GET", "/generation") => (200, JSON, GENERATION.into()),
        _ => (404, JSON, error(404, "Not Found")),
    }
}

fn usage() -> Value {
    json!({"prompt_tokens": 24, "completion_tokens": 9, "total_tokens": 33, "cost": 0.0000126})
}

/// A chat completion: a tool call when tools are offered and no tool has answered yet, the
/// tool's answer put in words after that, JSON when a schema is asked for, else prose.
fn chat(model: &str, body: &Value) -> Value {
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let tool_answered = messages.iter().any(|m| m["role"] == "tool");
    let has_image = body["messages"].to_string().contains("image_url");
    let (message, finish) = if body["tools"].is_array() && !tool_answered {
        let call = json!({"index": 0, "id": "call_9PxZ2", "type": "function",
                          "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}});
        (json!({"role": "assistant", "content": null, "refusal": null, "tool_calls": [call]}), "tool_calls")
    } else if tool_answered {
        (json!({"role": "assistant", "content": "It is 18 °C and sunny in Paris.", "refusal": null}), "stop")
    } else if body["response_format"]["type"] == "json_schema" {
        let city = r#"{"name":"Paris","country":"France","population":2102650}"#;
        (json!({"role": "assistant", "content": city, "refusal": null}), "stop")
    } else if has_image {
        let text = "A ginger cat asleep on a sunny windowsill.";
        (json!({"role": "assistant", "content": text, "refusal": null}), "stop")
    } else {
        (json!({"role": "assistant", "content": "The capital of France is Paris.", "refusal": null}), "stop")
    };
    json!({
        "id": "gen-1761800000-local", "object": "chat.completion", "created": 1761800000, "model": model,
        "provider": "OpenAI", "system_fingerprint": "fp_local",
        "choices": [{"index": 0, "logprobs": null, "finish_reason": finish, "native_finish_reason": finish,
                     "message": message}],
        "usage": usage()
    })
}

/// A streamed chat completion, keep-alive comment and final usage chunk included.
fn chat_stream(model: &str) -> String {
    let words = ["The", " Seine,", " the", " Loire", " and", " the", " Rhône."];
    let mut out = String::from(": OPENROUTER PROCESSING\n\n");
    for (i, word) in words.iter().enumerate() {
        let finish = if i + 1 == words.len() { json!("stop") } else { Value::Null };
        let chunk = json!({"id": "gen-1761800000-local", "object": "chat.completion.chunk", "created": 1761800000,
                           "model": model, "choices": [{"index": 0, "delta": {"role": "assistant", "content": word},
                           "finish_reason": finish}]});
        out += &format!("data: {chunk}\n\n");
    }
    let last = json!({"id": "gen-1761800000-local", "object": "chat.completion.chunk", "created": 1761800000,
                      "model": model, "choices": [], "usage": usage()});
    out + &format!("data: {last}\n\ndata: [DONE]\n\n")
}

/// A Responses answer: a reasoning item, then the message (and, as OpenRouter often does, no
/// top-level `output_text`); a function call when tools are offered.
fn responses(model: &str, body: &Value) -> Value {
    let mut output = vec![json!({"type": "reasoning", "id": "rs_local", "summary": []})];
    if body["tools"].is_array() && !body["input"].to_string().contains("function_call_output") {
        output.push(json!({"type": "function_call", "id": "fc_local", "call_id": "call_4Hq1", "name": "get_weather",
                           "arguments": "{\"city\":\"Paris\"}", "status": "completed"}));
    } else {
        output.push(json!({"type": "message", "id": "msg_local", "role": "assistant", "status": "completed",
                           "content": [{"type": "output_text", "text": "Hello! How can I help you today?",
                                        "annotations": []}]}));
    }
    json!({
        "id": "resp_local", "object": "response", "created_at": 1761800000, "completed_at": 1761800001,
        "model": model, "status": "completed", "output": output, "parallel_tool_calls": true,
        "tool_choice": "auto", "tools": [], "error": null, "incomplete_details": null,
        "usage": {"input_tokens": 12, "input_tokens_details": {"cached_tokens": 0}, "output_tokens": 9,
                  "output_tokens_details": {"reasoning_tokens": 0}, "total_tokens": 21, "cost": 0.0000105}
    })
}

/// A streamed Responses answer: created, the text in deltas, done, completed. With function
/// tools offered and none answered yet, a call of the first one instead (as the agent example
/// expects); once answered, the answer in words.
fn responses_stream(model: &str, body: &Value) -> String {
    let answered = body["input"].to_string().contains("function_call_output");
    let tool = body["tools"].as_array().and_then(|t| t.iter().find(|t| t["type"] == "function"));
    if let (Some(tool), false) = (tool, answered) {
        return responses_call_stream(model, tool["name"].as_str().unwrap_or("get_weather"));
    }
    let words: &[&str] = if answered {
        &["It", " is", " 18", " °C", " and", " sunny", " in", " Paris."]
    } else {
        &["Once", " upon", " a", " time,", " a", " river", " met", " the", " sea."]
    };
    let mut events = vec![json!({"type": "response.created", "sequence_number": 0, "response": {
        "id": "resp_local", "object": "response", "created_at": 1761800000, "model": model, "status": "in_progress",
        "output": [], "parallel_tool_calls": true, "tool_choice": "auto", "tools": []}})];
    for (i, word) in words.iter().enumerate() {
        events.push(json!({"type": "response.output_text.delta", "sequence_number": i + 1, "item_id": "msg_local",
                           "output_index": 0, "content_index": 0, "delta": word, "logprobs": []}));
    }
    events.push(json!({"type": "response.output_text.done", "sequence_number": 10, "item_id": "msg_local",
                       "output_index": 0, "content_index": 0, "text": words.concat(), "logprobs": []}));
    let mut done = responses(model, &Value::Null);
    done["output"][1]["content"][0]["text"] = json!(words.concat());
    events.push(json!({"type": "response.completed", "sequence_number": 11, "response": done}));
    sse(&events)
}

/// A streamed Responses answer that calls `tool` with `{"city":"Paris"}`.
fn responses_call_stream(model: &str, tool: &str) -> String {
    let mut done = responses(model, &json!({"tools": []}));
    done["output"][1]["name"] = json!(tool);
    let call = done["output"][1].clone();
    let events = [
        json!({"type": "response.output_item.added", "sequence_number": 1, "output_index": 1, "item": call}),
        json!({"type": "response.function_call_arguments.delta", "sequence_number": 2, "item_id": "fc_local",
               "output_index": 1, "delta": call["arguments"]}),
        json!({"type": "response.output_item.done", "sequence_number": 3, "output_index": 1, "item": call}),
        json!({"type": "response.completed", "sequence_number": 4, "response": done}),
    ];
    sse(&events)
}

fn sse(events: &[Value]) -> String {
    let sse: String =
        events.iter().map(|e| format!("event: {}\ndata: {e}\n\n", e["type"].as_str().unwrap_or(""))).collect();
    sse + "data: [DONE]\n\n"
}

/// One small vector per input text.
fn embeddings(model: &str, body: &Value) -> Value {
    let count = body["input"].as_array().map_or(1, Vec::len);
    let data: Vec<Value> = (0..count)
        .map(|i| json!({"object": "embedding", "index": i, "embedding": [0.0023 * (i as f64 + 1.0), -0.0093, 0.0158, 0.0211]}))
        .collect();
    json!({"object": "list", "model": model, "data": data, "usage": {"prompt_tokens": 8, "total_tokens": 8}})
}
