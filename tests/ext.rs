//! The hand-written helpers of `src/ext/`: what each short form sends (the exact JSON), what each
//! reader returns, and two round trips through a loopback server (a chat tool call, a Responses
//! call) checking the exact request bodies the server received.

mod common;

use common::{Reply, TestServer};
use openrouter::funcs::{chat_send, responses_send};
use openrouter::models::{
    ChatAssistantMessage, ChatContentItems, ChatFunctionTool, ChatMessages, ChatRequest, ChatRequestResponseFormat,
    ChatResult, ChatStreamChunk, CreateEmbeddingsRequestBody, CreateEmbeddingsResponse, OpenResponsesResult,
    ResponsesRequest, StreamEvents,
};
use openrouter::{ChatAccumulator, OpenRouterCore, RetryConfig};
use serde_json::{json, Value};

fn to_json(value: impl serde::Serialize) -> Value {
    serde_json::to_value(value).expect("serialise")
}

fn chat_result(message: Value) -> ChatResult {
    serde_json::from_value(json!({
        "id": "gen-1", "created": 1700000000, "model": "openai/gpt-4o-mini", "object": "chat.completion",
        "choices": [{"index": 0, "finish_reason": "stop", "message": message}]
    }))
    .expect("a chat result")
}

fn responses_result(output: Value) -> OpenResponsesResult {
    serde_json::from_value(json!({
        "id": "resp_1", "object": "response", "created_at": 1700000000, "model": "openai/gpt-4o-mini",
        "status": "completed", "parallel_tool_calls": true, "tool_choice": "auto", "tools": [], "output": output
    }))
    .expect("a responses result")
}

fn core_at(server: &TestServer) -> OpenRouterCore {
    OpenRouterCore::builder()
        .api_key("sk-or-test")
        .base_url(&server.base_url())
        .retry(RetryConfig::none())
        .build()
        .expect("core")
}

// ---------------------------------------------------------------------------------------------
// Chat: what the constructors send.
// ---------------------------------------------------------------------------------------------

#[test]
fn message_constructors_send_exactly_role_and_content() {
    assert_eq!(to_json(ChatMessages::system("be brief")), json!({"role": "system", "content": "be brief"}));
    assert_eq!(to_json(ChatMessages::developer("no secrets")), json!({"role": "developer", "content": "no secrets"}));
    assert_eq!(to_json(ChatMessages::user("hi")), json!({"role": "user", "content": "hi"}));
    assert_eq!(to_json(ChatMessages::assistant("hello")), json!({"role": "assistant", "content": "hello"}));
    assert_eq!(
        to_json(ChatMessages::tool("call_1", "21 degrees")),
        json!({"role": "tool", "tool_call_id": "call_1", "content": "21 degrees"})
    );
    // String works as well as &str.
    assert_eq!(to_json(ChatMessages::user(String::from("hi"))), json!({"role": "user", "content": "hi"}));
}

#[test]
fn content_parts_and_user_parts() {
    assert_eq!(to_json(ChatContentItems::text("look")), json!({"type": "text", "text": "look"}));
    assert_eq!(
        to_json(ChatContentItems::image_url("https://example.com/a.png")),
        json!({"type": "image_url", "image_url": {"url": "https://example.com/a.png"}})
    );
    let message = ChatMessages::user_parts(vec![
        ChatContentItems::text("What is this?"),
        ChatContentItems::image_url("data:image/png;base64,iVBORw0KGgo="),
    ]);
    assert_eq!(
        to_json(message),
        json!({"role": "user", "content": [
            {"type": "text", "text": "What is this?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
        ]})
    );
}

#[test]
fn function_tool_sends_name_description_and_parameters() {
    let parameters = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
    let tool = ChatFunctionTool::function("get_weather", "Weather in a city", parameters.clone());
    assert_eq!(
        to_json(tool),
        json!({"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", "parameters": parameters}})
    );
    // Not an object: sent unchanged for the server to judge, never a panic; null: left out.
    let odd = ChatFunctionTool::function("f", "d", json!(true));
    assert_eq!(to_json(odd)["function"]["parameters"], json!(true));
    let none = ChatFunctionTool::function("f", "d", Value::Null);
    assert_eq!(to_json(none), json!({"type": "function", "function": {"name": "f", "description": "d"}}));
}

#[test]
fn json_schema_format_is_strict() {
    let schema = json!({"type": "object", "properties": {"name": {"type": "string"}}});
    assert_eq!(
        to_json(ChatRequestResponseFormat::json_schema("city", schema.clone())),
        json!({"type": "json_schema", "json_schema": {"name": "city", "schema": schema, "strict": true}})
    );
}

#[test]
fn a_request_built_with_short_forms_sends_only_what_was_set() {
    let request = ChatRequest::new(vec![ChatMessages::system("be brief"), ChatMessages::user("hi")])
        .model("openai/gpt-4o-mini")
        .tools(vec![ChatFunctionTool::function("f", "d", json!({"type": "object"}))]);
    assert_eq!(
        to_json(request),
        json!({
            "messages": [{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}],
            "model": "openai/gpt-4o-mini",
            "tools": [{"type": "function", "function": {"name": "f", "description": "d", "parameters": {"type": "object"}}}]
        })
    );
    let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input("hello");
    assert_eq!(to_json(request), json!({"model": "openai/gpt-4o-mini", "input": "hello"}));
}

// ---------------------------------------------------------------------------------------------
// Chat: reading results.
// ---------------------------------------------------------------------------------------------

#[test]
fn text_joins_parts_without_separator_and_is_empty_without_choices() {
    let result = chat_result(json!({"role": "assistant", "content": [
        {"type": "text", "text": "Hello, "},
        {"type": "image_url", "image_url": {"url": "https://example.com/x.png"}},
        {"type": "text", "text": "world"}
    ]}));
    assert_eq!(result.text(), "Hello, world");
    assert_eq!(chat_result(json!({"role": "assistant", "content": "plain"})).text(), "plain");
    assert_eq!(chat_result(json!({"role": "assistant", "content": null})).text(), "");
    assert_eq!(ChatResult::default().text(), "");
    assert!(ChatResult::default().message().is_none());
    assert!(ChatResult::default().tool_calls().is_empty());
}

fn tool_call_reply() -> Value {
    json!({
        "role": "assistant", "content": null, "refusal": null, "reasoning": null,
        "tool_calls": [{"index": 0, "id": "call_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]
    })
}

#[test]
fn tool_calls_and_parse_arguments() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Args {
        city: String,
    }
    let result = chat_result(tool_call_reply());
    let calls = result.tool_calls();
    assert_eq!(calls.len(), 1);
    assert_eq!((calls[0].id.as_str(), calls[0].function.name.as_str()), ("call_1", "get_weather"));
    assert_eq!(calls[0].parse_arguments::<Args>().unwrap(), Args { city: "Paris".into() });

    // Empty arguments read as {}.
    let mut call = calls[0].clone();
    call.function.arguments = String::new();
    assert_eq!(call.parse_arguments::<Value>().unwrap(), json!({}));

    // Bad JSON: a decode error naming the function, holding the arguments; no panic.
    call.function.arguments = "{\"city\": ".into();
    let err = call.parse_arguments::<Args>().unwrap_err();
    assert!(err.is_decode(), "{err:?}");
    assert!(err.to_string().contains("the arguments of tool call `get_weather`"), "{err}");
    assert_eq!(err.body(), Some(&b"{\"city\": "[..]));
}

#[test]
fn a_reply_goes_back_into_the_history_without_response_only_fields() {
    let result = chat_result(tool_call_reply());
    let reply = result.message().expect("a message");
    let expected = json!({
        "role": "assistant",
        "tool_calls": [{"id": "call_1", "type": "function",
                        "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]
    });
    assert_eq!(to_json(ChatMessages::from(reply)), expected);
    // A reply that carries fields the request schema does not describe leaves them behind.
    let mut with_extra = reply.clone();
    with_extra.extra.insert("annotations".into(), json!([]));
    assert_eq!(to_json(ChatMessages::from(&with_extra)), expected);
    // The owned form cleans the same way.
    assert_eq!(to_json(ChatMessages::from(with_extra)), expected);
    // An assistant message built by hand converts as it is.
    let own = ChatAssistantMessage::new().content("ok");
    assert_eq!(to_json(ChatMessages::from(own)), json!({"role": "assistant", "content": "ok"}));
}

#[test]
fn parse_json_reads_the_first_choice_and_fails_clearly() {
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct City {
        name: String,
        population: u64,
    }
    let result = chat_result(json!({"role": "assistant", "content": "{\"name\":\"Paris\",\"population\":2100000}"}));
    assert_eq!(result.parse_json::<City>().unwrap(), City { name: "Paris".into(), population: 2_100_000 });

    let result = chat_result(json!({"role": "assistant", "content": "Sure! Here is the JSON"}));
    let err = result.parse_json::<City>().unwrap_err();
    assert!(err.is_decode());
    assert!(err.to_string().starts_with("could not decode the reply's text as JSON: "), "{err}");
    assert_eq!(err.body(), Some(&b"Sure! Here is the JSON"[..]));
    assert!(ChatResult::default().parse_json::<City>().unwrap_err().is_decode());
}

#[test]
fn delta_text_and_the_accumulator_text() {
    let chunk = |content: Value| -> ChatStreamChunk {
        serde_json::from_value(json!({
            "id": "gen-1", "created": 1, "model": "m", "object": "chat.completion.chunk",
            "choices": [{"index": 0, "delta": {"content": content}, "finish_reason": null}]
        }))
        .unwrap()
    };
    let chunks = [chunk(json!("Hel")), chunk(Value::Null), chunk(json!("lo"))];
    assert_eq!(chunks.iter().map(|c| c.delta_text()).collect::<Vec<_>>(), [Some("Hel"), None, Some("lo")]);
    let empty: ChatStreamChunk = serde_json::from_value(
        json!({"id": "x", "created": 1, "model": "m", "object": "chat.completion.chunk", "choices": []}),
    )
    .unwrap();
    assert_eq!(empty.delta_text(), None);

    let mut all = ChatAccumulator::new();
    assert_eq!(all.text(), "");
    for c in &chunks {
        all.push(c);
    }
    assert_eq!(all.text(), "Hello");
    assert_eq!(all.result().text(), "Hello");
    // Still reachable where it used to live.
    let _: openrouter::stream::ChatAccumulator = all;
}

// ---------------------------------------------------------------------------------------------
// Responses.
// ---------------------------------------------------------------------------------------------

#[test]
fn output_text_reads_message_text_only_and_ignores_the_wire_field() {
    let result = responses_result(json!([
        {"type": "reasoning", "id": "rs_1", "summary": [{"type": "summary_text", "text": "thinking..."}]},
        {"type": "message", "id": "msg_1", "role": "assistant", "status": "completed", "content": [
            {"type": "output_text", "text": "Hello, ", "annotations": []},
            {"type": "refusal", "refusal": "no"},
            {"type": "output_text", "text": "world", "annotations": []}
        ]},
        {"type": "message", "id": "msg_2", "role": "assistant", "content": [{"type": "output_text", "text": "!"}]}
    ]));
    assert!(result.output_text.is_none(), "the fixture has no wire output_text");
    assert_eq!(result.output_text(), "Hello, world!");
    assert_eq!(responses_result(json!([])).output_text(), "");
}

#[test]
fn function_calls_lists_the_function_call_items() {
    let result = responses_result(json!([
        {"type": "function_call", "id": "fc_1", "call_id": "call_a", "name": "get_weather", "arguments": "{\"city\":\"Paris\"}"},
        {"type": "message", "id": "msg_1", "role": "assistant", "content": [{"type": "output_text", "text": "x"}]},
        {"type": "function_call", "call_id": "call_b", "name": "get_time", "arguments": "{}"}
    ]));
    let calls: Vec<_> =
        result.function_calls().map(|c| (c.call_id.as_str(), c.name.as_str(), c.arguments.as_str())).collect();
    assert_eq!(calls, [("call_a", "get_weather", "{\"city\":\"Paris\"}"), ("call_b", "get_time", "{}")]);
}

#[test]
fn text_delta_is_some_only_for_output_text_delta_events() {
    let event = |v: Value| -> StreamEvents { serde_json::from_value(v).unwrap() };
    let delta = event(json!({"type": "response.output_text.delta", "item_id": "msg_1", "output_index": 0,
                              "content_index": 0, "delta": "Hel", "sequence_number": 3, "logprobs": []}));
    let done = event(json!({"type": "response.output_text.done", "item_id": "msg_1", "output_index": 0,
                             "content_index": 0, "text": "Hello", "sequence_number": 5, "logprobs": []}));
    let reasoning = event(json!({"type": "response.reasoning_text.delta", "item_id": "rs_1", "output_index": 0,
                                  "content_index": 0, "delta": "hmm", "sequence_number": 2}));
    assert!(matches!(done, StreamEvents::ResponseOutputTextDone(_)), "{done:?}");
    assert_eq!(delta.text_delta(), Some("Hel"));
    assert_eq!(done.text_delta(), None);
    assert_eq!(reasoning.text_delta(), None);
}

// ---------------------------------------------------------------------------------------------
// Embeddings.
// ---------------------------------------------------------------------------------------------

#[test]
fn embeddings_input_forms_and_the_vector() {
    let model = "openai/text-embedding-3-small";
    assert_eq!(to_json(CreateEmbeddingsRequestBody::new("one", model)), json!({"input": "one", "model": model}));
    assert_eq!(
        to_json(CreateEmbeddingsRequestBody::new(vec!["a", "b"], model)),
        json!({"input": ["a", "b"], "model": model})
    );
    assert_eq!(
        to_json(CreateEmbeddingsRequestBody::new(vec![String::from("a")], model)),
        json!({"input": ["a"], "model": model})
    );
    let response: CreateEmbeddingsResponse = serde_json::from_value(json!({
        "object": "list", "model": model,
        "data": [{"object": "embedding", "index": 0, "embedding": [0.25, -0.5]},
                 {"object": "embedding", "index": 1, "embedding": "AACAPgAAAL8="}]
    }))
    .unwrap();
    assert_eq!(response.data[0].vector(), Some(&[0.25, -0.5][..]));
    assert_eq!(response.data[1].vector(), None);
}

// ---------------------------------------------------------------------------------------------
// Round trips through a loopback server.
// ---------------------------------------------------------------------------------------------

fn chat_reply(message: Value, finish_reason: &str) -> Reply {
    Reply::json(
        200,
        json!({
            "id": "gen-1", "created": 1700000000, "model": "openai/gpt-4o-mini", "object": "chat.completion",
            "choices": [{"index": 0, "finish_reason": finish_reason, "message": message}],
            "usage": {"prompt_tokens": 20, "completion_tokens": 5, "total_tokens": 25}
        })
        .to_string(),
    )
}

#[tokio::test]
async fn a_tool_calling_round_trip_sends_the_exact_history() {
    let server = TestServer::start(vec![
        chat_reply(tool_call_reply(), "tool_calls"),
        chat_reply(json!({"role": "assistant", "content": "It is 21 degrees in Paris.", "refusal": null}), "stop"),
    ])
    .await;
    let core = core_at(&server);
    let parameters = json!({"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]});
    let tools = vec![ChatFunctionTool::function("get_weather", "Weather in a city", parameters.clone())];
    let mut messages = vec![ChatMessages::user("Weather in Paris?")];

    let request = ChatRequest::new(messages.clone()).model("openai/gpt-4o-mini").tools(tools.clone());
    let result = chat_send(&core, request).await.expect("first call");
    messages.push(result.message().expect("a reply").into());
    for call in result.tool_calls() {
        let args: Value = call.parse_arguments().expect("arguments");
        assert_eq!(args["city"], "Paris");
        messages.push(ChatMessages::tool(&call.id, "21 degrees"));
    }
    let request = ChatRequest::new(messages).model("openai/gpt-4o-mini").tools(tools);
    let result = chat_send(&core, request).await.expect("second call");
    assert_eq!(result.text(), "It is 21 degrees in Paris.");

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let tool = json!({"type": "function", "function": {"name": "get_weather", "description": "Weather in a city", "parameters": parameters}});
    let first: Value = serde_json::from_slice(&requests[0].body).unwrap();
    assert_eq!(
        first,
        json!({"messages": [{"role": "user", "content": "Weather in Paris?"}], "model": "openai/gpt-4o-mini", "tools": [tool]})
    );
    let second: Value = serde_json::from_slice(&requests[1].body).unwrap();
    assert_eq!(
        second,
        json!({
            "messages": [
                {"role": "user", "content": "Weather in Paris?"},
                {"role": "assistant", "tool_calls": [{"id": "call_1", "type": "function",
                    "function": {"name": "get_weather", "arguments": "{\"city\":\"Paris\"}"}}]},
                {"role": "tool", "tool_call_id": "call_1", "content": "21 degrees"}
            ],
            "model": "openai/gpt-4o-mini",
            "tools": [tool]
        })
    );
    assert_eq!(requests[1].path, "/api/v1/chat/completions");
}

#[tokio::test]
async fn a_responses_call_sends_model_and_input_and_reads_the_text() {
    let reply = json!({
        "id": "resp_1", "object": "response", "created_at": 1700000000, "model": "openai/gpt-4o-mini",
        "status": "completed", "parallel_tool_calls": true, "tool_choice": "auto", "tools": [],
        "output": [{"type": "message", "id": "msg_1", "role": "assistant", "status": "completed",
                    "content": [{"type": "output_text", "text": "Hello!", "annotations": []}]}]
    });
    let server = TestServer::start(vec![Reply::json(200, reply.to_string())]).await;
    let core = core_at(&server);
    let request = ResponsesRequest::new().model("openai/gpt-4o-mini").input("Say hello.");
    let result = responses_send(&core, request).await.expect("responses call");
    assert_eq!(result.output_text(), "Hello!");
    let sent = server.single_request();
    assert_eq!(sent.path, "/api/v1/responses");
    let body: Value = serde_json::from_slice(&sent.body).unwrap();
    assert_eq!(body, json!({"model": "openai/gpt-4o-mini", "input": "Say hello."}));
}
