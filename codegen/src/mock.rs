//! The route table of the crate's mock server (`src/mock/routes.rs`, feature `mock`): one row per
//! operation with its method, the path the SDK sends it to (the API's `/api/v1` prefix
//! included), its success status and content type, and the answer it gets when a test has
//! scripted none: the spec's example, or, where the spec has none, the smallest body its
//! schema accepts. Streaming operations also get the spec's example event as server-sent
//! events, ended by `data: [DONE]`.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::{parse_operations_tsv, OpRow, Overrides};

/// The generated file: path -> content, formatted.
pub fn generate(spec_text: &str, operations_tsv: &str, overrides_toml: &str) -> Result<(String, String), String> {
    let spec: Value = serde_json::from_str(spec_text).map_err(|e| format!("spec: {e}"))?;
    let rows = parse_operations_tsv(operations_tsv);
    let ov: Overrides = toml::from_str(overrides_toml).map_err(|e| format!("overrides: {e}"))?;
    let source = render(&spec, &rows, &ov)?;
    Ok(("src/mock/routes.rs".into(), crate::rustfmt(&source)?))
}

/// A `$ref` followed to its target (chains too).
fn deref<'a>(spec: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        let Some(r) = v.get("$ref").and_then(Value::as_str) else { break };
        match r.strip_prefix('#').and_then(|p| spec.pointer(p)) {
            Some(target) => v = target,
            None => break,
        }
    }
    v
}

/// The example of a media type: its `example`, the first of its `examples`, or its schema's.
fn media_example(spec: &Value, media: &Value) -> Option<Value> {
    if let Some(e) = media.get("example") {
        return Some(e.clone());
    }
    if let Some(first) = media.get("examples").and_then(Value::as_object).and_then(|m| m.values().next()) {
        return deref(spec, first).get("value").cloned();
    }
    media.get("schema").map(|s| deref(spec, s)).and_then(|s| s.get("example")).cloned()
}

/// The smallest value `schema` accepts, preferring the examples it states: required
/// properties only, empty arrays (or `minItems` items), an enum's first value, the first
/// member of a union.
fn minimal(spec: &Value, schema: &Value, depth: usize) -> Value {
    let s = deref(spec, schema);
    if depth > 24 {
        return Value::Null;
    }
    if let Some(e) = s.get("example") {
        return e.clone();
    }
    if let Some(e) = s.get("examples").and_then(Value::as_array).and_then(|a| a.first()) {
        return e.clone();
    }
    if let Some(c) = s.get("const") {
        return c.clone();
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array) {
        if let Some(first) = e.iter().find(|v| !v.is_null()).or(e.first()) {
            return first.clone();
        }
    }
    if let Some(all) = s.get("allOf").and_then(Value::as_array) {
        let mut merged = Map::new();
        for part in all {
            if let Value::Object(m) = minimal(spec, part, depth + 1) {
                merged.extend(m);
            }
        }
        return Value::Object(merged);
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(members) = s.get(key).and_then(Value::as_array) {
            let not_null = members.iter().find(|m| deref(spec, m).get("type").and_then(Value::as_str) != Some("null"));
            if let Some(m) = not_null.or(members.first()) {
                return minimal(spec, m, depth + 1);
            }
        }
    }
    let ty = match s.get("type") {
        Some(Value::String(t)) => t.as_str(),
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).find(|t| *t != "null").unwrap_or("null"),
        _ if s.get("properties").is_some() => "object",
        _ => "object",
    };
    match ty {
        "object" => {
            let mut out = Map::new();
            let props = s.get("properties").and_then(Value::as_object);
            for name in s.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str) {
                let prop = props.and_then(|p| p.get(name)).unwrap_or(&Value::Null);
                out.insert(name.to_string(), minimal(spec, prop, depth + 1));
            }
            Value::Object(out)
        }
        "array" => {
            let n = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
            let item = s.get("items").unwrap_or(&Value::Null);
            Value::Array((0..n).map(|_| minimal(spec, item, depth + 1)).collect())
        }
        "string" => {
            let text = match s.get("format").and_then(Value::as_str) {
                Some("date-time") => "2026-10-30T00:00:00Z".to_string(),
                Some("date") => "2026-10-30".to_string(),
                Some("uuid") => "00000000-0000-4000-8000-000000000000".to_string(),
                Some("uri") | Some("url") => "https://example.com".to_string(),
                Some("email") => "user@example.com".to_string(),
                _ => "string".to_string(),
            };
            let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
            json!(if text.len() < min { "x".repeat(min) } else { text })
        }
        "integer" => json!(s.get("minimum").and_then(Value::as_i64).unwrap_or(0)),
        "number" => s.get("minimum").cloned().unwrap_or(json!(0)),
        "boolean" => json!(false),
        _ => Value::Null,
    }
}

/// One SSE event as the API sends it: `event: <name>` when the example names one, then the data.
fn sse_event(example: &Value) -> String {
    let data = example.get("data").cloned().unwrap_or_else(|| example.clone());
    match example.get("event").and_then(Value::as_str) {
        Some(name) => format!("event: {name}\ndata: {data}\n\n"),
        None => format!("data: {data}\n\n"),
    }
}

struct Route {
    operation_id: String,
    function: String,
    method: String,
    path: String,
    status: u16,
    content_type: String,
    body: String,
    stream: Option<String>,
}

fn render(spec: &Value, rows: &[OpRow], ov: &Overrides) -> Result<String, String> {
    // The path of a server URL: `https://openrouter.ai/api/v1` -> `/api/v1`, an origin -> ``.
    let url_path = |url: &str| match url.splitn(4, '/').nth(3).map(|p| p.trim_end_matches('/')) {
        Some(p) if !p.is_empty() => format!("/{p}"),
        _ => String::new(),
    };
    let api_prefix = url_path(spec.pointer("/servers/0/url").and_then(Value::as_str).unwrap_or(""));
    // The SSE example of each event type (the `data` of a streaming schema), for the operations
    // the overrides give a streaming form the spec does not declare (the presets').
    let mut stream_of_event: BTreeMap<String, String> = BTreeMap::new();
    let mut routes = Vec::new();
    for row in rows {
        let op = spec
            .pointer(&format!(
                "/paths/{}/{}",
                row.path.replace('~', "~0").replace('/', "~1"),
                row.method.to_lowercase()
            ))
            .ok_or_else(|| format!("mock: {} {} is not in the spec", row.method, row.path))?;
        let path = match op.pointer("/servers/0/url").and_then(Value::as_str) {
            Some(url) => format!("{}{}", url_path(url), row.path),
            None => format!("{api_prefix}{}", row.path),
        };
        let (status, response) = op
            .get("responses")
            .and_then(Value::as_object)
            .and_then(|r| r.iter().find(|(s, _)| s.starts_with('2')))
            .ok_or_else(|| format!("mock: {} has no success response", row.operation_id))?;
        let status: u16 = status.parse().map_err(|_| format!("mock: {}: status {status}", row.operation_id))?;
        let content = deref(spec, response).get("content").and_then(Value::as_object);
        let mut content_type = String::new();
        let mut body = String::new();
        let mut stream = None;
        if let Some(content) = content {
            if let Some(media) = content.get("application/json") {
                content_type = "application/json".into();
                let schema = media.get("schema").unwrap_or(&Value::Null);
                let value = media_example(spec, media).unwrap_or_else(|| minimal(spec, schema, 0));
                body = value.to_string();
            } else if let Some((ct, _)) = content.iter().find(|(ct, _)| *ct != "text/event-stream") {
                // A download: a few bytes of the declared type (`audio/*` made concrete).
                content_type = if ct.ends_with("/*") { ct.replace('*', "mpeg") } else { ct.clone() };
                body = format!("mock {} bytes", row.operation_id);
            }
            if let Some(media) = content.get("text/event-stream") {
                let schema = deref(spec, media.get("schema").unwrap_or(&Value::Null));
                if let Some(example) = media.get("example").filter(|e| e.is_object()) {
                    let text = format!("{}data: [DONE]\n\n", sse_event(example));
                    if let Some(event) = schema.pointer("/properties/data/$ref").and_then(Value::as_str) {
                        stream_of_event.insert(event.rsplit('/').next().unwrap_or("").to_string(), text.clone());
                    }
                    stream = Some(text);
                }
            }
        }
        routes.push(Route {
            operation_id: row.operation_id.clone(),
            function: row.rust_function.clone(),
            method: row.method.to_uppercase(),
            path,
            status,
            content_type,
            body,
            stream,
        });
    }
    for route in &mut routes {
        if let Some(event) = ov.stream_events.get(&route.operation_id) {
            let text = stream_of_event
                .get(event)
                .ok_or_else(|| format!("mock: no streaming example has events of type {event}"))?;
            route.stream = Some(text.clone());
        }
    }
    let version = spec.pointer("/info/version").and_then(Value::as_str).unwrap_or("?");
    let mut out = crate::SPEC_VERSION_LINE.replace("{VERSION}", version);
    out.push_str(
        "\n//! The mock server's routes: one per operation, with the answer it gets when a test has\n\
         //! scripted none (the spec's example, or the smallest body the schema accepts).\n\n\
         use super::Route;\n\n\
         pub(super) const ROUTES: &[Route] = &[\n",
    );
    for r in &routes {
        let stream = r.stream.as_ref().map_or("None".to_string(), |s| format!("Some({s:?})"));
        out.push_str(&format!(
            "Route {{ operation_id: {:?}, function: {:?}, method: {:?}, path: {:?}, status: {}, \
             content_type: {:?}, body: {:?}, stream: {stream} }},\n",
            r.operation_id, r.function, r.method, r.path, r.status, r.content_type, r.body
        ));
    }
    out.push_str("];\n");
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TSV: &str = "operation_id\trust_function\tgroup\tmethod\tpath\n\
        getThing\tthings_get\tthings\tGET\t/things/{id}\n\
        sendChat\tchat_send\tchat\tPOST\t/chat\n\
        presetChat\tpresets_chat\tpresets\tPOST\t/presets/{slug}/chat\n\
        decide\tdecide\tdecide\tPOST\t/api/alpha/decide\n\
        dropThing\tthings_drop\tthings\tDELETE\t/things/{id}\n";

    fn spec() -> Value {
        json!({
            "info": {"version": "9"},
            "servers": [{"url": "https://api.example/api/v1"}],
            "paths": {
                "/things/{id}": {
                    "get": {"responses": {"200": {"content": {"application/json": {"schema": {
                        "type": "object", "required": ["id", "kind", "at", "tags", "size", "owner"],
                        "properties": {
                            "id": {"type": "string", "minLength": 10},
                            "kind": {"type": ["string", "null"], "enum": ["round", "square"]},
                            "at": {"type": "string", "format": "date-time"},
                            "tags": {"type": "array", "items": {"type": "string"}},
                            "size": {"type": "integer", "minimum": 3},
                            "owner": {"$ref": "#/components/schemas/Owner"},
                            "note": {"type": "string"}
                        }}}}}}},
                    "delete": {"responses": {"204": {"description": "gone"}}}
                },
                "/chat": {"post": {"responses": {"200": {"content": {
                    "application/json": {"example": {"text": "hi"}},
                    "text/event-stream": {"schema": {"$ref": "#/components/schemas/ChatEvents"},
                        "example": {"event": "delta", "data": {"delta": "hi"}}}
                }}}}},
                "/presets/{slug}/chat": {"post": {"responses": {"200": {"content": {
                    "application/json": {"example": {"preset": "p"}}}}}}},
                "/api/alpha/decide": {"post": {"servers": [{"url": "https://api.example"}],
                    "responses": {"201": {"content": {"application/json": {"example": {"ok": true}}}}}}}
            },
            "components": {"schemas": {
                "Owner": {"oneOf": [{"type": "null"}, {"type": "object", "required": ["name"],
                    "properties": {"name": {"type": "string", "example": "Ada"}}}]},
                "ChatEvents": {"type": "object", "properties": {"data": {"$ref": "#/components/schemas/ChatEvent"}}},
                "ChatEvent": {"type": "object"}
            }}
        })
    }

    #[test]
    fn examples_minimal_bodies_streams_and_paths() {
        let ov: Overrides = toml::from_str("[stream_events]\npresetChat = \"ChatEvent\"\n").unwrap();
        let out = render(&spec(), &parse_operations_tsv(TSV), &ov).unwrap();
        let row = |id: &str| out.lines().find(|l| l.contains(&format!("operation_id: \"{id}\""))).unwrap().to_string();
        // No example: the required fields only, each the smallest value its schema accepts.
        let body = r#"{\"id\":\"xxxxxxxxxx\",\"kind\":\"round\",\"at\":\"2026-10-30T00:00:00Z\",\"tags\":[],\"size\":3,\"owner\":{\"name\":\"Ada\"}}"#;
        assert!(row("getThing").contains(&format!("body: \"{body}\"")), "{}", row("getThing"));
        assert!(row("getThing").contains("path: \"/api/v1/things/{id}\", status: 200"));
        // The example, and its SSE event with the event name, then [DONE]; the preset that
        // streams the same events gets the same stream.
        let chat = row("sendChat");
        assert!(chat.contains(r#"body: "{\"text\":\"hi\"}""#), "{chat}");
        let stream = r#"stream: Some("event: delta\ndata: {\"delta\":\"hi\"}\n\ndata: [DONE]\n\n")"#;
        assert!(chat.contains(stream), "{chat}");
        assert!(row("presetChat").contains(stream), "{}", row("presetChat"));
        // An operation on its own server keeps its path from the origin; a 204 has no body.
        assert!(row("decide").contains("path: \"/api/alpha/decide\", status: 201"), "{}", row("decide"));
        assert!(row("dropThing").contains("status: 204, content_type: \"\", body: \"\", stream: None"));
    }

    #[test]
    fn an_operation_missing_from_the_spec_fails_loudly() {
        let rows = parse_operations_tsv("operation_id\trust_function\tgroup\tmethod\tpath\nx\tx\tx\tGET\t/nowhere\n");
        let err = render(&spec(), &rows, &Overrides::default()).unwrap_err();
        assert!(err.contains("GET /nowhere is not in the spec"), "{err}");
    }
}
