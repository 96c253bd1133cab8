//! Chat messages (feature `chat`) and Anthropic messages (feature `messages`) to Responses
//! input items and back, keeping tool calls and tool results, so that a chat or Claude history
//! can go on as an agent run and a run's conversation can go on as either.
//!
//! ```
//! # #[cfg(feature = "chat")] {
//! use openrouter::agent::convert::{chat_to_input, input_to_chat};
//! use openrouter::models::{ChatMessages, ResponsesRequest};
//!
//! let history = vec![ChatMessages::system("Be brief."), ChatMessages::user("Hello")];
//! let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input(chat_to_input(&history));
//! let back = input_to_chat(&chat_to_input(&history));
//! assert_eq!(back, history);
//! # let _ = request; }
//! ```
//!
//! What does not carry over for chat: a chat assistant message's `reasoning` and `reasoning_details`
//! (Responses carries reasoning as its own items, which a chat request cannot take back), and
//! Responses items chat has no form for (reasoning items, server tool calls); both are left out.
//! Content parts map one to one (`text` / `input_text`, `image_url` / `input_image`,
//! `input_audio`, `file` / `input_file`); a part with no counterpart is passed as it is.

//!
//! For Anthropic messages: `text`, `image` (base64 or URL), `tool_use` and `tool_result` blocks
//! map to message parts, `function_call` and `function_call_output` items; `thinking` blocks
//! and Responses reasoning items are left out (each side signs its own), and so are system
//! and developer messages going to Claude (Anthropic takes them as the request's `system`).

#[cfg(feature = "chat")]
use serde_json::Map;
use serde_json::{json, Value};

#[cfg(feature = "chat")]
use crate::models::ChatMessages;
#[cfg(feature = "messages")]
use crate::models::MessagesMessageParam;
use crate::models::{
    EasyInputMessage, EasyInputMessageContent, EasyInputMessageRole, EasyInputMessageType, FunctionCallItem,
    FunctionCallOutputItem, InputsObjectsItem,
};

#[cfg(feature = "chat")]
/// Chat messages as Responses input items: each message one message item, each assistant tool
/// call one `function_call` item, each tool message one `function_call_output` item.
pub fn chat_to_input(messages: &[ChatMessages]) -> Vec<InputsObjectsItem> {
    let mut items = Vec::with_capacity(messages.len());
    for message in messages {
        let value = serde_json::to_value(message).unwrap_or(Value::Null);
        let content = &value["content"];
        match message {
            ChatMessages::System(_) => {
                items.push(message_item(EasyInputMessageRole::System, content, chat_part_to_input))
            }
            ChatMessages::Developer(_) => {
                items.push(message_item(EasyInputMessageRole::Developer, content, chat_part_to_input))
            }
            ChatMessages::User(_) => items.push(message_item(EasyInputMessageRole::User, content, chat_part_to_input)),
            ChatMessages::Assistant(assistant) => {
                let text = text_of(content);
                if !text.is_empty() || assistant.tool_calls.as_ref().is_none_or(Vec::is_empty) {
                    let mut item = EasyInputMessage::new(EasyInputMessageRole::Assistant);
                    item.r#type = Some(EasyInputMessageType::Message);
                    item.content = Some(EasyInputMessageContent::Text(text));
                    items.push(InputsObjectsItem::EasyInputMessage(item));
                }
                for call in assistant.tool_calls.iter().flatten() {
                    let item = FunctionCallItem::new(&call.id, &call.function.name, &call.function.arguments);
                    items.push(InputsObjectsItem::FunctionCallItem(item));
                }
            }
            ChatMessages::Tool(tool) => {
                let output = FunctionCallOutputItem::new(&tool.tool_call_id, text_of(content));
                items.push(InputsObjectsItem::FunctionCallOutputItem(output));
            }
            ChatMessages::Unknown(raw) => items.push(InputsObjectsItem::Unknown(raw.clone())),
        }
    }
    items
}

fn message_item(role: EasyInputMessageRole, content: &Value, part: fn(&Value) -> Value) -> InputsObjectsItem {
    let mut item = EasyInputMessage::new(role);
    item.r#type = Some(EasyInputMessageType::Message);
    item.content = Some(match content {
        Value::String(text) => EasyInputMessageContent::Text(text.clone()),
        Value::Array(parts) => {
            let parts = Value::Array(parts.iter().map(part).collect());
            serde_json::from_value(parts.clone()).unwrap_or(EasyInputMessageContent::Unknown(parts))
        }
        _ => EasyInputMessageContent::Text(String::new()),
    });
    InputsObjectsItem::EasyInputMessage(item)
}

#[cfg(feature = "chat")]
fn chat_part_to_input(part: &Value) -> Value {
    match part["type"].as_str() {
        Some("text") => json!({"type": "input_text", "text": part["text"]}),
        Some("image_url") => {
            let image = &part["image_url"];
            let url = if image.is_string() { image.clone() } else { image["url"].clone() };
            let detail = image.get("detail").cloned().unwrap_or_else(|| json!("auto"));
            json!({"type": "input_image", "image_url": url, "detail": detail})
        }
        Some("file") => {
            let mut out = Map::new();
            out.insert("type".into(), json!("input_file"));
            if let Some(file) = part["file"].as_object() {
                for (k, v) in file {
                    out.insert(k.clone(), v.clone());
                }
            }
            Value::Object(out)
        }
        _ => part.clone(),
    }
}

#[cfg(feature = "chat")]
fn input_part_to_chat(part: &Value) -> Value {
    match part["type"].as_str() {
        Some("input_text") | Some("output_text") => json!({"type": "text", "text": part["text"]}),
        Some("input_image") => {
            let mut image = json!({"url": part["image_url"]});
            if let Some(detail) = part.get("detail") {
                image["detail"] = detail.clone();
            }
            json!({"type": "image_url", "image_url": image})
        }
        Some("input_file") => {
            let mut file = part.as_object().cloned().unwrap_or_default();
            file.remove("type");
            json!({"type": "file", "file": file})
        }
        _ => part.clone(),
    }
}

/// The text of a content value: the string, or the text parts joined.
fn text_of(content: &Value) -> String {
    match content {
        Value::String(text) => text.clone(),
        Value::Array(parts) => parts.iter().filter_map(|p| p["text"].as_str()).collect(),
        _ => String::new(),
    }
}

#[cfg(feature = "chat")]
/// Responses input items as chat messages: message items by role, `function_call` items as
/// the tool calls of one assistant message (with the text before them), `function_call_output`
/// items as tool messages. Reasoning and other items are left out.
pub fn input_to_chat(items: &[InputsObjectsItem]) -> Vec<ChatMessages> {
    let mut messages: Vec<Value> = Vec::new();
    // Whether the last message is an assistant message that tool calls may join.
    let mut open_assistant = false;
    for item in items {
        let value = serde_json::to_value(item).unwrap_or(Value::Null);
        let kind = value["type"].as_str().unwrap_or(if value.get("role").is_some() { "message" } else { "" });
        match kind {
            "message" => {
                let role = value["role"].as_str().unwrap_or("user");
                let content = &value["content"];
                let message = match (role, content) {
                    ("assistant", _) => json!({"role": "assistant", "content": text_of(content)}),
                    (_, Value::Array(parts)) if role == "user" && parts.iter().any(|p| p["type"] != "input_text") => {
                        json!({"role": "user", "content": parts.iter().map(input_part_to_chat).collect::<Vec<_>>()})
                    }
                    _ => json!({"role": role, "content": text_of(content)}),
                };
                open_assistant = role == "assistant";
                messages.push(message);
            }
            "function_call" => {
                let call = json!({"id": value["call_id"], "type": "function",
                                  "function": {"name": value["name"], "arguments": value["arguments"]}});
                match messages.last_mut() {
                    Some(last) if open_assistant => {
                        if !last["tool_calls"].is_array() {
                            last["tool_calls"] = json!([]);
                        }
                        if let Some(calls) = last["tool_calls"].as_array_mut() {
                            calls.push(call);
                        }
                    }
                    _ => messages.push(json!({"role": "assistant", "content": null, "tool_calls": [call]})),
                }
                open_assistant = true;
            }
            "function_call_output" => {
                let output = match &value["output"] {
                    Value::String(text) => json!(text),
                    Value::Array(parts) => json!(parts.iter().map(input_part_to_chat).collect::<Vec<_>>()),
                    other => json!(other.to_string()),
                };
                messages.push(json!({"role": "tool", "tool_call_id": value["call_id"], "content": output}));
                open_assistant = false;
            }
            _ => {}
        }
    }
    messages
        .into_iter()
        .map(|m| {
            // An assistant message with tool calls and no text sends `content: null`.
            let mut m = m;
            if m["role"] == "assistant" && m["content"] == "" && m["tool_calls"].is_array() {
                m["content"] = Value::Null;
            }
            serde_json::from_value(m.clone()).unwrap_or(ChatMessages::Unknown(m))
        })
        .collect()
}

/// Anthropic messages as Responses input items: text and image blocks as message parts,
/// `tool_use` blocks as `function_call` items, `tool_result` blocks as `function_call_output`
/// items, in the order of the blocks. `thinking` blocks are left out.
#[cfg(feature = "messages")]
pub fn claude_to_input(messages: &[MessagesMessageParam]) -> Vec<InputsObjectsItem> {
    let mut items = Vec::new();
    for message in messages {
        let value = serde_json::to_value(message).unwrap_or(Value::Null);
        let assistant = value["role"] == "assistant";
        let role = if assistant { EasyInputMessageRole::Assistant } else { EasyInputMessageRole::User };
        let blocks = match &value["content"] {
            Value::String(text) => vec![json!({"type": "text", "text": text})],
            Value::Array(blocks) => blocks.clone(),
            _ => Vec::new(),
        };
        let mut parts: Vec<Value> = Vec::new();
        let flush = |parts: &mut Vec<Value>, items: &mut Vec<InputsObjectsItem>| {
            if parts.is_empty() {
                return;
            }
            let content = if assistant {
                json!(text_of(&Value::Array(std::mem::take(parts))))
            } else {
                Value::Array(std::mem::take(parts))
            };
            items.push(message_item(role.clone(), &content, claude_part_to_input));
        };
        for block in blocks {
            match block["type"].as_str() {
                Some("text") | Some("image") | Some("document") => parts.push(block),
                Some("tool_use") => {
                    flush(&mut parts, &mut items);
                    let id = block["id"].as_str().unwrap_or_default();
                    let name = block["name"].as_str().unwrap_or_default();
                    let arguments = block.get("input").map_or_else(|| "{}".to_owned(), Value::to_string);
                    items.push(InputsObjectsItem::FunctionCallItem(FunctionCallItem::new(id, name, arguments)));
                }
                Some("tool_result") => {
                    flush(&mut parts, &mut items);
                    let mut output = text_of(&block["content"]);
                    if block["is_error"] == true {
                        output = json!({ "error": output }).to_string();
                    }
                    let id = block["tool_use_id"].as_str().unwrap_or_default();
                    items.push(InputsObjectsItem::FunctionCallOutputItem(FunctionCallOutputItem::new(id, output)));
                }
                _ => {}
            }
        }
        flush(&mut parts, &mut items);
    }
    items
}

#[cfg(feature = "messages")]
fn claude_part_to_input(block: &Value) -> Value {
    match block["type"].as_str() {
        Some("text") => json!({"type": "input_text", "text": block["text"]}),
        Some("image") => {
            let source = &block["source"];
            let url = match source["type"].as_str() {
                Some("base64") => json!(format!(
                    "data:{};base64,{}",
                    source["media_type"].as_str().unwrap_or("image/png"),
                    source["data"].as_str().unwrap_or_default()
                )),
                _ => source["url"].clone(),
            };
            json!({"type": "input_image", "image_url": url, "detail": "auto"})
        }
        _ => block.clone(),
    }
}

/// Responses input items as Anthropic messages: user and assistant message items as text and
/// image blocks, `function_call` items as `tool_use` blocks of the assistant message,
/// `function_call_output` items as `tool_result` blocks of one user message. System and
/// developer messages and reasoning items are left out.
#[cfg(feature = "messages")]
pub fn input_to_claude(items: &[InputsObjectsItem]) -> Vec<MessagesMessageParam> {
    let mut messages: Vec<(String, Vec<Value>)> = Vec::new();
    let mut push = |role: &str, block: Value| match messages.last_mut() {
        Some((last, blocks)) if last == role => blocks.push(block),
        _ => messages.push((role.to_owned(), vec![block])),
    };
    for item in items {
        let value = serde_json::to_value(item).unwrap_or(Value::Null);
        let kind = value["type"].as_str().unwrap_or(if value.get("role").is_some() { "message" } else { "" });
        match kind {
            "message" => {
                let role = match value["role"].as_str() {
                    Some("user") => "user",
                    Some("assistant") => "assistant",
                    _ => continue,
                };
                match &value["content"] {
                    Value::String(text) => push(role, json!({"type": "text", "text": text})),
                    Value::Array(parts) => {
                        for part in parts {
                            match part["type"].as_str() {
                                Some("input_text") | Some("output_text") => {
                                    push(role, json!({"type": "text", "text": part["text"]}))
                                }
                                Some("input_image") => {
                                    push(role, image_block(part["image_url"].as_str().unwrap_or("")))
                                }
                                _ => {}
                            }
                        }
                    }
                    _ => {}
                }
            }
            "function_call" => {
                let input: Value =
                    serde_json::from_str(value["arguments"].as_str().unwrap_or("{}")).unwrap_or_else(|_| json!({}));
                push(
                    "assistant",
                    json!({"type": "tool_use", "id": value["call_id"], "name": value["name"], "input": input}),
                );
            }
            "function_call_output" => {
                let content = match &value["output"] {
                    Value::String(text) => text.clone(),
                    other => text_of(other),
                };
                push("user", json!({"type": "tool_result", "tool_use_id": value["call_id"], "content": content}));
            }
            _ => {}
        }
    }
    messages
        .into_iter()
        .filter_map(|(role, blocks)| serde_json::from_value(json!({"role": role, "content": blocks})).ok())
        .collect()
}

#[cfg(feature = "messages")]
fn image_block(url: &str) -> Value {
    match url.strip_prefix("data:").and_then(|rest| rest.split_once(";base64,")) {
        Some((media_type, data)) => {
            json!({"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}})
        }
        None => json!({"type": "image", "source": {"type": "url", "url": url}}),
    }
}
