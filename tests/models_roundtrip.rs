//! Decoding and re-encoding tricky JSON through the generated models: unknown fields kept,
//! optional vs nullable vs absent, missing and duplicate fields, escaped keys, open enums, type
//! tags and discriminated unions (unknown tags and known tags with a shape this SDK cannot read
//! fall back to the raw JSON). Each case goes through `from_str` (borrowed keys), `from_reader`
//! (copied keys), `from_value` (owned `Value`) and `&Value` (what unions decode from).

use openrouter::models::{
    ChatAssistantMessageContent, ChatFinishReasonEnum, ChatResult, ChatStreamChunk,
    ObservabilityArizeDestinationConfig, ReasoningDetailUnion,
};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

/// Decodes `text` every way a user can (text through the SDK's own decoder); all must agree. Returns the value or the error message.
fn decode<T: DeserializeOwned + Serialize + PartialEq + Clone + std::fmt::Debug>(text: &str) -> Result<T, String> {
    let from_str = openrouter::models::from_str::<T>(text).map_err(|e| e.to_string());
    let from_reader = serde_json::from_reader::<_, T>(text.as_bytes()).map_err(|e| e.to_string());
    let value: Value = serde_json::from_str(text).expect("valid JSON");
    let from_ref = T::deserialize(&value).map_err(|e| e.to_string());
    let from_value = serde_json::from_value::<T>(value).map_err(|e| e.to_string());
    // Errors carry a position only when decoding text (and readers count columns differently):
    // compare the messages without it.
    let strip =
        |r: &Result<T, String>| r.as_ref().map_err(|e| e.split(" at line ").next().unwrap().to_string()).cloned();
    // Plain serde is strict where a known variant of a union does not decode and its tag comes
    // first (the SDK's decoder then reads it as `Unknown`): it may fail where `from_str` does
    // not, but never decodes differently.
    for (plain, how) in [(strip(&from_reader), "from_reader"), (from_value.clone(), "from_value")] {
        if plain.is_ok() || from_str.is_err() {
            assert_eq!(strip(&from_str), plain, "from_str vs {how}");
        }
    }
    assert_eq!(from_value, from_ref, "from_value vs &Value");
    from_str
}

/// Decodes and checks that the value re-encodes to `expected`.
fn roundtrip<T: DeserializeOwned + Serialize + PartialEq + Clone + std::fmt::Debug>(text: &str, expected: Value) -> T {
    let decoded: T = decode(text).unwrap_or_else(|e| panic!("decode failed: {e}\n{text}"));
    assert_eq!(serde_json::to_value(&decoded).unwrap(), expected);
    // and the re-encoded text decodes to the same value
    let again: T = decode(&serde_json::to_string(&decoded).unwrap()).unwrap();
    assert_eq!(again, decoded);
    decoded
}

fn chat(extra: Value) -> Value {
    let mut base = json!({
        "choices": [{
            "finish_reason": "stop",
            "index": 0,
            "message": {"content": "Paris.", "role": "assistant"}
        }],
        "created": 1677652288,
        "id": "chatcmpl-123",
        "model": "openai/gpt-4",
        "object": "chat.completion",
        "system_fingerprint": "fp_1"
    });
    for (k, v) in extra.as_object().unwrap() {
        if v.is_null() && k.starts_with('-') {
            base.as_object_mut().unwrap().remove(&k[1..]);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

#[test]
fn unknown_fields_are_kept_at_every_level_and_re_encoded() {
    let mut input = chat(json!({
        "x_new": {"nested": [1, 2, {"deep": null}]},
        "usage": {"completion_tokens": 1, "prompt_tokens": 2, "total_tokens": 3, "x_usage": "u"}
    }));
    input["choices"][0]["x_choice"] = json!(true);
    input["choices"][0]["message"]["x_message"] = json!(1.5);
    let r: ChatResult = roundtrip(&input.to_string(), input.clone());
    assert_eq!(r.extra["x_new"], json!({"nested": [1, 2, {"deep": null}]}));
    assert_eq!(r.choices[0].extra["x_choice"], json!(true));
    assert_eq!(r.choices[0].message.extra["x_message"], json!(1.5));
    assert_eq!(r.usage.as_ref().unwrap().extra["x_usage"], json!("u"));
    assert!(!r.extra.contains_key("id"), "known fields do not leak into extra");
}

#[test]
fn an_unknown_null_field_reads_as_absent_like_a_known_one() {
    // keys the spec does not list, sent as `null`, at the top and in a choice
    let mut input = chat(json!({"x_gone": null, "x_kept": 0}));
    input["choices"][0]["x_choice_gone"] = Value::Null;
    input["choices"][0]["message"]["refusal"] = Value::Null;
    let mut expected = input.clone();
    expected.as_object_mut().unwrap().remove("x_gone");
    expected["choices"][0].as_object_mut().unwrap().remove("x_choice_gone");
    expected["choices"][0]["message"].as_object_mut().unwrap().remove("refusal");
    let r: ChatResult = roundtrip(&input.to_string(), expected);
    assert!(!r.extra.contains_key("x_gone"));
    assert_eq!(r.extra["x_kept"], json!(0));
    assert!(r.choices[0].extra.is_empty(), "{:?}", r.choices[0].extra);
    assert_eq!(r.choices[0].message.refusal, None);
}

/// `provider` and `native_finish_reason` are on every chat answer, streamed or not, though the chat
/// schemas leave them out (codegen/overrides.toml, `added_fields`): they are fields, not `extra`.
#[test]
fn the_provider_and_the_native_finish_reason_are_fields() {
    let mut input = chat(json!({"provider": "OpenAI"}));
    input["choices"][0]["native_finish_reason"] = json!("end_turn");
    let r: ChatResult = roundtrip(&input.to_string(), input.clone());
    assert_eq!(r.provider.as_deref(), Some("OpenAI"));
    assert_eq!(r.choices[0].native_finish_reason.as_deref(), Some("end_turn"));
    assert!(r.extra.is_empty() && r.choices[0].extra.is_empty(), "{:?} {:?}", r.extra, r.choices[0].extra);

    let chunk = json!({
        "id": "gen-1", "provider": "OpenAI", "model": "openai/gpt-4o", "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "choices": [{"index": 0, "delta": {"content": "Hi"}, "finish_reason": null, "native_finish_reason": null}]
    });
    let mut expected = chunk.clone();
    expected["choices"][0].as_object_mut().unwrap().remove("native_finish_reason");
    let c: ChatStreamChunk = roundtrip(&chunk.to_string(), expected);
    assert_eq!(c.provider.as_deref(), Some("OpenAI"));
    assert_eq!(c.choices[0].native_finish_reason, None);
    assert!(c.extra.is_empty() && c.choices[0].extra.is_empty(), "{:?} {:?}", c.extra, c.choices[0].extra);
}

#[test]
fn a_boxed_optional_object_reads_and_builds_like_a_plain_one() {
    let input = chat(json!({"usage": {"completion_tokens": 1, "prompt_tokens": 2, "total_tokens": 3}}));
    let r: ChatResult = roundtrip(&input.to_string(), input.clone());
    // `usage` is `Option<Box<ChatUsage>>`: fields read through the box, `as_deref` gives a `&ChatUsage`
    let usage: Option<&openrouter::models::ChatUsage> = r.usage.as_deref();
    assert_eq!(usage.map(|u| u.total_tokens), Some(3));
    assert_eq!(r.usage.as_ref().unwrap().prompt_tokens, 2);
    // and the setter takes the plain value
    let rebuilt = r.clone().usage(openrouter::models::ChatUsage::new(1, 2, 3));
    assert_eq!(rebuilt, r);
}

#[test]
fn tri_state_absent_null_and_value() {
    let usage = |extra: Value| {
        let mut u = json!({"completion_tokens": 1, "prompt_tokens": 2, "total_tokens": 3});
        for (k, v) in extra.as_object().unwrap() {
            u[k] = v.clone();
        }
        chat(json!({ "usage": u }))
    };
    // absent: None, stays absent
    let input = usage(json!({}));
    let r: ChatResult = roundtrip(&input.to_string(), input.clone());
    assert_eq!(r.usage.unwrap().cost, None);
    // null reads as absent (one level of `Option`), and is not written back
    let input = usage(json!({"cost": null}));
    let r: ChatResult = roundtrip(&input.to_string(), usage(json!({})));
    assert_eq!(r.usage.unwrap().cost, None);
    // a value: Some(v)
    let input = usage(json!({"cost": 0.25}));
    let r: ChatResult = roundtrip(&input.to_string(), input.clone());
    assert_eq!(r.usage.unwrap().cost, Some(0.25));
    // an explicit null is sent only when asked for (`clear_<field>`), and a set value wins
    let cleared = openrouter::models::ChatUsage::new(1, 2, 3).clear_cost();
    assert_eq!(serde_json::to_value(&cleared).unwrap()["cost"], serde_json::Value::Null);
    let set_again = cleared.cost(0.5);
    let encoded = serde_json::to_string(&set_again).unwrap();
    assert_eq!(encoded.matches("\"cost\"").count(), 1, "{encoded}");
    assert_eq!(serde_json::to_value(&set_again).unwrap()["cost"], json!(0.5));
}

#[test]
fn optional_and_nullable_fields() {
    // optional, not nullable: null reads as None (not written back)
    let input = chat(json!({"openrouter_metadata": null}));
    let r: ChatResult = roundtrip(&input.to_string(), chat(json!({})));
    assert_eq!(r.openrouter_metadata, None);
    // required and nullable: absent or null reads as None, written as null
    let input = chat(json!({"-system_fingerprint": null}));
    let r: ChatResult = roundtrip(&input.to_string(), chat(json!({"system_fingerprint": null})));
    assert_eq!(r.system_fingerprint, None);
    // required list left out: empty (written as [])
    let input = chat(json!({"-choices": null}));
    let r: ChatResult = roundtrip(&input.to_string(), chat(json!({"choices": []})));
    assert!(r.choices.is_empty());
}

#[test]
fn missing_required_field_is_an_error_naming_it() {
    let err = decode::<ChatResult>(&chat(json!({"-id": null})).to_string()).unwrap_err();
    assert!(err.contains("missing field `id`"), "{err}");
    let mut input = chat(json!({}));
    input["choices"][0].as_object_mut().unwrap().remove("index");
    let err = decode::<ChatResult>(&input.to_string()).unwrap_err();
    assert!(err.contains("missing field `index`"), "{err}");
    // a required field sent as null is an error too
    let err = decode::<ChatResult>(&chat(json!({"created": null})).to_string()).unwrap_err();
    assert!(err.contains("invalid type: null"), "{err}");
}

#[test]
fn a_field_sent_twice_keeps_its_last_value_as_json_parse_does() {
    // `chat(..)` writes `"id"` itself; the copy put first is overridden by it.
    let text = chat(json!({})).to_string().replacen('{', r#"{"id":"first","#, 1);
    let r: ChatResult = serde_json::from_str(&text).unwrap();
    assert_ne!(r.id, "first");
    assert_eq!(r.id, chat(json!({}))["id"]);
    let text = chat(json!({})).to_string().replacen('{', r#"{"model":"x","model":"y","#, 1);
    let r: ChatResult = serde_json::from_str(&text).unwrap();
    assert_eq!(r.model, chat(json!({}))["model"], "the last of three copies wins");
    let text = chat(json!({})).to_string().replacen('{', r#"{"x":1,"x":2,"#, 1);
    let r: ChatResult = serde_json::from_str(&text).unwrap();
    assert_eq!(r.extra["x"], json!(2));
}

/// The objects that are `Default` decode in place (`Fill` in src/models/support.rs): a nested
/// object, a list's items and an optional object are filled where they live rather than built
/// apart and moved in. What a user reads must not tell the two apart: a nested object sent twice
/// keeps only its last copy (no field of the first leaks into it), an optional one sent as a
/// value and then as `null` reads as absent, items keep their order, and a broken item still
/// fails the whole value, naming what is wrong.
#[test]
fn objects_filled_in_place_read_like_objects_built_apart() {
    let text = r#"{"id":"g","model":"m","object":"chat.completion.chunk","created":1,
        "usage":{"completion_tokens":1,"prompt_tokens":2,"total_tokens":3},"usage":null,
        "choices":[
            {"index":0,"delta":{"content":"a","role":"assistant","x":1},"delta":{"reasoning":"r"}},
            {"index":1,"delta":{},"logprobs":{"content":[{"token":"t","logprob":-0.5,"top_logprobs":[]}]},"logprobs":null},
            {"index":2,"delta":{"content":"c"},"logprobs":{"content":null,"refusal":[{"token":"u","logprob":-1,"top_logprobs":[]}]}}
        ]}"#;
    let c: ChatStreamChunk = decode(text).unwrap();
    assert_eq!(c.usage, None, "the later null wins over the earlier object");
    let indexes: Vec<i64> = c.choices.iter().map(|choice| choice.index).collect();
    assert_eq!(indexes, [0, 1, 2]);
    let delta = &c.choices[0].delta;
    assert_eq!((delta.content.as_deref(), delta.reasoning.as_deref()), (None, Some("r")), "{delta:?}");
    assert!(delta.role.is_none() && delta.extra.is_empty(), "the first copy leaked: {delta:?}");
    assert_eq!(c.choices[1].logprobs, None);
    let logprobs = c.choices[2].logprobs.as_deref().expect("logprobs");
    assert_eq!(logprobs.content, None);
    let refusal = logprobs.refusal.as_deref().expect("refusal");
    assert_eq!((refusal.len(), refusal[0].token.as_str(), refusal[0].logprob), (1, "u", -1.0));
    assert_eq!(c.choices[2].delta.content.as_deref(), Some("c"));

    // An item without its required `index`, a list sent as `null`, a nested object of the wrong type.
    let broken = text.replace(r#"{"index":2,"#, "{");
    assert!(decode::<ChatStreamChunk>(&broken).unwrap_err().contains("missing field `index`"));
    let null_list = r#"{"id":"g","model":"m","object":"chat.completion.chunk","created":1,"choices":null}"#;
    let err = decode::<ChatStreamChunk>(null_list).unwrap_err();
    assert!(err.contains("invalid type: null, expected a sequence"), "{err}");
    let wrong = text.replace(r#""delta":{}"#, r#""delta":[]"#);
    let err = decode::<ChatStreamChunk>(&wrong).unwrap_err();
    assert!(err.contains("invalid type: sequence, expected struct ChatStreamDelta"), "{err}");
}

#[test]
fn escaped_keys_match_known_fields() {
    let text = chat(json!({"-model": null})).to_string().replacen('{', r#"{"mo\u0064el":"m/x","x\u0041":"y","#, 1);
    let r: ChatResult = decode(&text).unwrap();
    assert_eq!(r.model, "m/x");
    assert_eq!(r.extra["xA"], json!("y"));
    assert!(!r.extra.contains_key("model"));
    assert_eq!(serde_json::to_value(&r).unwrap(), chat(json!({"model": "m/x", "xA": "y"})));
}

#[test]
fn renamed_fields_use_the_wire_name() {
    let input = json!({"apiKey": "k", "baseUrl": "https://x", "modelId": "m", "spaceKey": "s", "api_key": "other"});
    let c: ObservabilityArizeDestinationConfig = roundtrip(&input.to_string(), input.clone());
    assert_eq!((c.api_key.as_str(), c.model_id.as_str()), ("k", "m"));
    assert_eq!(c.base_url.as_deref(), Some("https://x"));
    assert_eq!(c.extra["api_key"], json!("other"), "the Rust name is not the wire name");
    let err = decode::<ObservabilityArizeDestinationConfig>(r#"{"apiKey":"k","modelId":"m"}"#).unwrap_err();
    assert!(err.contains("missing field `spaceKey`"), "{err}");
}

#[test]
fn unknown_enum_value_round_trips_and_wrong_tag_is_an_error() {
    let mut input = chat(json!({}));
    input["choices"][0]["finish_reason"] = json!("brand_new_reason");
    let r: ChatResult = roundtrip(&input.to_string(), input.clone());
    assert_eq!(r.choices[0].finish_reason, Some(ChatFinishReasonEnum::Unknown("brand_new_reason".into())));
    // escaped known value
    let text = chat(json!({})).to_string().replace(r#""stop""#, r#""st\u006fp""#);
    let r: ChatResult = decode(&text).unwrap();
    assert_eq!(r.choices[0].finish_reason, Some(ChatFinishReasonEnum::Stop));
    // every known value maps to its own variant, the first and the last of the list too
    for (wire, variant) in [
        ("tool_calls", ChatFinishReasonEnum::ToolCalls),
        ("stop", ChatFinishReasonEnum::Stop),
        ("length", ChatFinishReasonEnum::Length),
        ("content_filter", ChatFinishReasonEnum::ContentFilter),
        ("error", ChatFinishReasonEnum::Error),
    ] {
        assert_eq!(ChatFinishReasonEnum::from(wire), variant);
        assert_eq!(variant.as_str(), wire);
    }
    // near misses stay unknown: empty, a prefix, two values run together, an embedded NUL
    for wire in ["", "sto", "stopx", "stoplength", "stop\0length", "\0", "tool_callsstop", "errors", "rror"] {
        assert_eq!(ChatFinishReasonEnum::from(wire), ChatFinishReasonEnum::Unknown(wire.into()), "{wire:?}");
    }
    // a single-value type tag accepts only its value
    let err = decode::<ChatResult>(&chat(json!({"object": "chat.completion.chunk"})).to_string()).unwrap_err();
    assert!(err.contains("expected `chat.completion`"), "{err}");
}

fn with_reasoning(details: Value) -> Value {
    let mut input = chat(json!({}));
    input["choices"][0]["message"]["reasoning_details"] = details;
    input
}

#[test]
fn unions_known_unknown_and_broken_variants() {
    let details = json!([
        {"type": "reasoning.summary", "summary": "thought", "format": null},
        {"type": "reasoning.future_kind", "payload": {"a": 1}},
        // known tag, but `summary` is missing: a newer or broken shape of a known variant
        {"type": "reasoning.summary", "format": "x"},
        // known tag, wrong type for a known field
        {"type": "reasoning.text", "text": 42},
    ]);
    let input = with_reasoning(details.clone());
    // the optional `format: null` reads as absent and is not written back; the rest is kept
    let mut expected = input.clone();
    expected["choices"][0]["message"]["reasoning_details"][0].as_object_mut().unwrap().remove("format");
    let r: ChatResult = roundtrip(&input.to_string(), expected);
    let got = r.choices[0].message.reasoning_details.as_ref().unwrap();
    match &got[0] {
        ReasoningDetailUnion::ReasoningSummary(s) => {
            assert_eq!(s.summary, "thought");
            assert_eq!(s.format, None);
        }
        other => panic!("expected a summary, got {other:?}"),
    }
    assert_eq!(got[1], ReasoningDetailUnion::Unknown(details[1].clone()));
    assert_eq!(got[2], ReasoningDetailUnion::Unknown(details[2].clone()));
    assert_eq!(got[3], ReasoningDetailUnion::Unknown(details[3].clone()));
    // the rest of the response is still there
    assert_eq!(r.choices[0].message.content, Some(ChatAssistantMessageContent::Text("Paris.".into())));
}

#[test]
fn not_an_object_is_an_error() {
    let err = decode::<ChatResult>("[]").unwrap_err();
    assert!(err.contains("invalid type: sequence, expected struct ChatResult"), "{err}");
    let err = decode::<ChatResult>("\"x\"").unwrap_err();
    assert!(err.contains("expected struct ChatResult"), "{err}");
}

// ---------------------------------------------------------------------------------------------
// Tagged unions read the tag first when it comes first (as the API writes it) and decode the
// variant straight from the text; `serde_json::Value` above sorts keys, so the cases above take
// the buffered path. These take the direct one.
// ---------------------------------------------------------------------------------------------

#[test]
fn tag_first_and_tag_last_decode_alike() {
    let first = r#"[
        {"type": "reasoning.summary", "summary": "thought", "format": "x", "index": 0},
        {"type": "reasoning.text", "text": "t", "signature": "s"},
        {"t\u0079pe": "reasoning.summ\u0061ry", "summary": "escaped"},
        {"type": "reasoning.future_kind", "payload": {"a": [1, {"b": null}]}},
        {"summary": "tag last", "type": "reasoning.summary"}
    ]"#;
    let got: Vec<ReasoningDetailUnion> = serde_json::from_str(first).expect("decodes");
    let summary = |detail: &ReasoningDetailUnion| match detail {
        ReasoningDetailUnion::ReasoningSummary(s) => s.summary.clone(),
        other => panic!("expected a summary, got {other:?}"),
    };
    assert_eq!(summary(&got[0]), "thought");
    assert_eq!(
        got[0].clone(),
        serde_json::from_str(r#"{"index": 0, "format": "x", "summary": "thought", "type": "reasoning.summary"}"#)
            .unwrap()
    );
    match &got[1] {
        ReasoningDetailUnion::ReasoningText(t) => {
            assert_eq!(t.text.as_deref(), Some("t"));
            assert_eq!(t.signature.as_deref(), Some("s"));
        }
        other => panic!("expected a text detail, got {other:?}"),
    }
    assert_eq!(summary(&got[2]), "escaped");
    assert_eq!(
        got[3],
        ReasoningDetailUnion::Unknown(json!({"type": "reasoning.future_kind", "payload": {"a": [1, {"b": null}]}}))
    );
    assert_eq!(summary(&got[4]), "tag last");
    // re-encoded with the tag written back
    let again: Value = serde_json::to_value(&got).unwrap();
    assert_eq!(again[0], json!({"type": "reasoning.summary", "summary": "thought", "format": "x", "index": 0}));
    assert_eq!(again[2], json!({"type": "reasoning.summary", "summary": "escaped"}));
}

/// A known tag whose variant no longer decodes (here `summary` is missing). Straight through
/// serde it is an error, as a derived type would give; the SDK's own decoder reads it again
/// leniently, so that only that item becomes `Unknown` and the rest of the answer is kept.
const BROKEN_VARIANT_FIRST: &str = r#"{"type": "reasoning.summary", "format": "x"}"#;

#[test]
fn a_broken_known_variant_tag_first_is_an_error_through_plain_serde() {
    let err = serde_json::from_str::<ReasoningDetailUnion>(BROKEN_VARIANT_FIRST).unwrap_err();
    assert!(err.to_string().contains("missing field `summary`"), "{err}");
}

mod common;

fn chat_with_broken_detail() -> String {
    format!(
        r#"{{"id": "gen-1", "object": "chat.completion", "created": 1, "model": "m", "choices": [{{"index": 0,
        "finish_reason": "stop", "message": {{"role": "assistant", "content": "Paris.", "reasoning_details": [
        {BROKEN_VARIANT_FIRST}, {{"type": "reasoning.summary", "summary": "fine"}}]}}}}]}}"#
    )
}

fn core_at(server: &common::TestServer) -> openrouter::OpenRouterCore {
    openrouter::OpenRouterCore::builder()
        .api_key("sk-or-test")
        .base_url(&server.base_url())
        .retry(openrouter::RetryConfig::none())
        .build()
        .expect("core")
}

fn check_broken_detail(details: &[ReasoningDetailUnion]) {
    assert_eq!(details[0], ReasoningDetailUnion::Unknown(serde_json::from_str(BROKEN_VARIANT_FIRST).unwrap()));
    assert!(matches!(&details[1], ReasoningDetailUnion::ReasoningSummary(s) if s.summary == "fine"), "{details:?}");
}

#[tokio::test]
async fn the_sdk_keeps_an_answer_with_a_broken_known_variant() {
    let server = common::TestServer::start(vec![common::Reply::json(200, chat_with_broken_detail())]).await;
    let request = openrouter::models::ChatRequest::new(vec![openrouter::models::ChatMessages::user("hi")]);
    let result = openrouter::funcs::chat_send(&core_at(&server), request).await.expect("decodes");
    assert_eq!(result.choices[0].message.content, Some(ChatAssistantMessageContent::Text("Paris.".into())));
    check_broken_detail(result.choices[0].message.reasoning_details.as_ref().expect("details"));
}

#[tokio::test]
async fn a_stream_keeps_an_event_with_a_broken_known_variant() {
    let chunk =
        r#"{"id": "gen-1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": [{"index": 0,
        "delta": {"content": "Par", "reasoning_details": [{"type": "reasoning.summary", "format": "x"},
        {"type": "reasoning.summary", "summary": "fine"}]}, "finish_reason": null}]}"#
            .replace('\n', " ");
    let body = format!("data: {chunk}\n\ndata: [DONE]\n\n");
    let server = common::TestServer::start(vec![common::Reply::text(200, "text/event-stream", body)]).await;
    let request = openrouter::models::ChatRequest::new(vec![openrouter::models::ChatMessages::user("hi")]);
    let mut stream = openrouter::funcs::chat_send_stream(&core_at(&server), request).await.expect("stream");
    let first = stream.next_event().await.expect("an event").expect("decodes");
    assert_eq!(first.delta_text(), Some("Par"));
    check_broken_detail(first.choices[0].delta.reasoning_details.as_ref().expect("details"));
}

/// Unions without a tag take the variant of the input's JSON kind, in the spec's order, and
/// keep anything else as `Unknown`.
#[test]
fn untagged_unions_take_the_variant_of_the_input_kind() {
    use openrouter::models::{
        CreateEmbeddingsRequestBodyInput as Input, OpenAIResponsesToolChoice, OpenAIResponsesToolChoiceString,
    };
    let input = |text: &str| decode::<Input>(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(input(r#""hi""#), Input::Text("hi".into()));
    assert_eq!(input(r#""caf\u00e9""#), Input::Text("café".into()));
    assert_eq!(input(r#"["a", "b"]"#), Input::Texts(vec!["a".into(), "b".into()]));
    assert_eq!(input("[1, 2.5]"), Input::Tokens(vec![1.0, 2.5]));
    assert_eq!(input("[[1], [2, 3]]"), Input::TokenBatches(vec![vec![1.0], vec![2.0, 3.0]]));
    assert_eq!(input("true"), Input::Unknown(json!(true)));
    assert_eq!(input("7"), Input::Unknown(json!(7)));
    assert_eq!(input(r#"{"x": [1]}"#), Input::Unknown(json!({"x": [1]})));
    assert_eq!(input(r#"[{"x": 1}, 2]"#), Input::Unknown(json!([{"x": 1}, 2])));
    assert_eq!(serde_json::to_value(input(r#"["a", "b"]"#)).unwrap(), json!(["a", "b"]));

    let choice = |text: &str| decode::<OpenAIResponsesToolChoice>(text).unwrap_or_else(|e| panic!("{text}: {e}"));
    assert_eq!(choice(r#""auto""#), OpenAIResponsesToolChoice::Text(OpenAIResponsesToolChoiceString::Auto));
    assert_eq!(
        choice(r#""later""#),
        OpenAIResponsesToolChoice::Text(OpenAIResponsesToolChoiceString::Unknown("later".into()))
    );
    assert!(
        matches!(choice(r#"{"type": "function", "name": "f"}"#), OpenAIResponsesToolChoice::Function(f) if f.name == "f")
    );
    assert_eq!(choice("[1]"), OpenAIResponsesToolChoice::Unknown(json!([1])));
}
