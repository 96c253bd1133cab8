//! Shared by the examples (`mod common;`): with `OPENROUTER_API_KEY` set, [`core`] is
//! `OpenRouterCore::from_env()` and the examples call the real API; without it, [`core`] starts
//! `openrouter::mock::MockServer` on 127.0.0.1 (it answers every operation with the API spec's
//! example) and scripts the few answers the examples are about, the way OpenRouter would give
//! them: a tool call when tools are offered, JSON when a schema is asked for, a story streamed
//! word by word, one vector per embedded text, a 400 for a model that does not exist.
#![allow(dead_code)] // each example uses part of this

use std::error::Error;

use openrouter::mock::{MockRequest, MockResponse, MockServer};
use openrouter::OpenRouterCore;
use serde_json::{json, Value};

/// The core for the real API when `OPENROUTER_API_KEY` is set, else one pointed at a mock server.
pub async fn core() -> Result<OpenRouterCore, Box<dyn Error>> {
    if std::env::var("OPENROUTER_API_KEY").is_ok_and(|k| !k.trim().is_empty()) {
        return Ok(OpenRouterCore::from_env()?);
    }
    let server = MockServer::start().await?;
    server.on("chat_send")?.respond_with(chat);
    server.on("responses_send")?.respond_with(responses);
    server.on("embeddings_generate")?.respond_with(embeddings);
    println!("(OPENROUTER_API_KEY is not set: answering from a mock server at {})\n", server.url());
    let core = server.core();
    // The server stops when dropped; an example's server serves until the program ends.
    std::mem::forget(server);
    Ok(core)
}

/// The model the examples ask for: `OPENROUTER_MODEL`, default `openai/gpt-4o-mini`.
pub fn model() -> String {
    std::env::var("OPENROUTER_MODEL").unwrap_or_else(|_| "openai/gpt-4o-mini".into())
}

/// The request's model, or the 400 OpenRouter gives for one that does not exist.
fn model_of(body: &Value) -> Result<String, MockResponse> {
    let model = body["model"].as_str().unwrap_or("openai/gpt-4o-mini");
    if model.contains("does-not-exist") {
        return Err(MockResponse::error(400, format!("{model} is not a valid model ID")));
    }
    Ok(model.to_string())
}

fn usage() -> Value {
    json!({"prompt_tokens": 24, "completion_tokens": 9, "total_tokens": 33, "cost": 0.0000126})
}

/// A chat completion: a tool call when tools are offered and no tool has answered yet, the
/// tool's answer put in words after that, JSON when a schema is asked for, else prose; streamed
/// word by word (keep-alive comment and final usage chunk included) when asked to stream.
fn chat(request: &MockRequest) -> MockResponse {
    let body = request.json().unwrap_or_default();
    let model = match model_of(&body) {
        Ok(model) => model,
        Err(error) => return error,
    };
    if body["stream"] == true {
        return MockResponse::raw(200, "text/event-stream", chat_stream(&model));
    }
    let messages = body["messages"].as_array().cloned().unwrap_or_default();
    let tool_answered = messages.iter().any(|m| m["role"] == "tool");
    let (message, finish) = if body["tools"].is_array() && !tool_answered {
        let call = json!({"index": 0, "id": "call_9PxZ2", "type": "function",
                          "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}});
        (json!({"role": "assistant", "content": null, "refusal": null, "tool_calls": [call]}), "tool_calls")
    } else if tool_answered {
        (json!({"role": "assistant", "content": "It is 18 °C and sunny in Paris.", "refusal": null}), "stop")
    } else if body["response_format"]["type"] == "json_schema" {
        let city = r#"{"name":"Paris","country":"France","population":2102650}"#;
        (json!({"role": "assistant", "content": city, "refusal": null}), "stop")
    } else if body["messages"].to_string().contains("image_url") {
        let text = "A ginger cat asleep on a sunny windowsill.";
        (json!({"role": "assistant", "content": text, "refusal": null}), "stop")
    } else {
        (json!({"role": "assistant", "content": "The capital of France is Paris.", "refusal": null}), "stop")
    };
    MockResponse::json(
        200,
        json!({
            "id": "gen-1761800000-local", "object": "chat.completion", "created": 1761800000, "model": model,
            "provider": "OpenAI", "system_fingerprint": "fp_local",
            "choices": [{"index": 0, "logprobs": null, "finish_reason": finish, "native_finish_reason": finish,
                         "message": message}],
            "usage": usage()
        }),
    )
}

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
/// top-level `output_text`); a function call when tools are offered; streamed as created, the
/// text in deltas, done, completed when asked to stream (or, with function tools offered and none
/// answered yet, a streamed call of the first one, as the agent example expects).
fn responses(request: &MockRequest) -> MockResponse {
    let body = request.json().unwrap_or_default();
    let model = match model_of(&body) {
        Ok(model) => model,
        Err(error) => return error,
    };
    if body["stream"] == true {
        return responses_stream(&model, &body);
    }
    MockResponse::json(200, response(&model, &body))
}

fn response(model: &str, body: &Value) -> Value {
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

fn responses_stream(model: &str, body: &Value) -> MockResponse {
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
    let mut done = response(model, &Value::Null);
    done["output"][1]["content"][0]["text"] = json!(words.concat());
    events.push(json!({"type": "response.completed", "sequence_number": 11, "response": done}));
    MockResponse::sse(events)
}

/// A streamed Responses answer that calls `tool` with `{"city":"Paris"}`.
fn responses_call_stream(model: &str, tool: &str) -> MockResponse {
    let mut done = response(model, &json!({"tools": []}));
    done["output"][1]["name"] = json!(tool);
    let call = done["output"][1].clone();
    MockResponse::sse([
        json!({"type": "response.output_item.added", "sequence_number": 1, "output_index": 1, "item": call}),
        json!({"type": "response.function_call_arguments.delta", "sequence_number": 2, "item_id": "fc_local",
               "output_index": 1, "delta": call["arguments"]}),
        json!({"type": "response.output_item.done", "sequence_number": 3, "output_index": 1, "item": call}),
        json!({"type": "response.completed", "sequence_number": 4, "response": done}),
    ])
}

/// One small vector per input text.
fn embeddings(request: &MockRequest) -> MockResponse {
    let body = request.json().unwrap_or_default();
    let model = match model_of(&body) {
        Ok(model) => model,
        Err(error) => return error,
    };
    let count = body["input"].as_array().map_or(1, Vec::len);
    let data: Vec<Value> = (0..count)
        .map(|i| json!({"object": "embedding", "index": i, "embedding": [0.0023 * (i as f64 + 1.0), -0.0093, 0.0158, 0.0211]}))
        .collect();
    MockResponse::json(
        200,
        json!({"object": "list", "model": model, "data": data, "usage": {"prompt_tokens": 8, "total_tokens": 8}}),
    )
}
