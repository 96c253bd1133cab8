//! A conformance case (see ../shared/conformance/README.md) and what a typed call returned;
//! shared by the conformance test and the spec mock test, and used by the generated
//! `conformance_dispatch`.
#![allow(dead_code)]

use bytes::Bytes;
use openrouter::{Error, EventStream, FileUpload, RawResponse};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;

/// One conformance case (see ../shared/conformance/README.md).
pub struct Case {
    pub file: String,
    pub raw: Value,
    pub operation_id: String,
    pub variant: Option<String>,
}

/// Turn a case's JSON input into the typed value; a string holding JSON (`"false"`, `"10"`) is
/// tried as that JSON too.
fn convert<T: DeserializeOwned>(v: &Value, what: &str) -> T {
    match serde_json::from_value::<T>(v.clone()) {
        Ok(t) => t,
        Err(first) => {
            if let Value::String(s) = v {
                if let Ok(parsed) = serde_json::from_str::<Value>(s) {
                    if let Ok(t) = serde_json::from_value::<T>(parsed) {
                        return t;
                    }
                }
            }
            panic!("cannot use {what} = {v} as the typed input: {first}")
        }
    }
}

impl Case {
    pub fn param<T: DeserializeOwned>(&self, loc: &str, name: &str) -> T {
        self.opt_param(loc, name).unwrap_or_else(|| panic!("case has no {loc} parameter `{name}`"))
    }

    pub fn opt_param<T: DeserializeOwned>(&self, loc: &str, name: &str) -> Option<T> {
        let v = self.raw.get("params")?.get(loc)?.get(name)?;
        Some(convert(v, &format!("{loc} parameter `{name}`")))
    }

    pub fn body<T: DeserializeOwned>(&self) -> T {
        convert(self.raw.get("body").unwrap_or(&Value::Null), "body")
    }

    fn part_json(&self, name: &str) -> Option<&Value> {
        self.raw.get("multipart")?.as_array()?.iter().find(|p| p.get("name").and_then(Value::as_str) == Some(name))
    }

    pub fn file(&self, name: &str) -> FileUpload {
        self.opt_file(name).unwrap_or_else(|| panic!("case has no file part `{name}`"))
    }

    pub fn opt_file(&self, name: &str) -> Option<FileUpload> {
        let p = self.part_json(name)?;
        let mut file = FileUpload::new(Bytes::from(p.get("value").and_then(Value::as_str).unwrap_or("").to_string()));
        if let Some(f) = p.get("filename").and_then(Value::as_str) {
            file = file.filename(f);
        }
        if let Some(c) = p.get("content_type").and_then(Value::as_str) {
            file = file.content_type(c);
        }
        Some(file)
    }

    pub fn part<T: DeserializeOwned>(&self, name: &str) -> T {
        self.opt_part(name).unwrap_or_else(|| panic!("case has no part `{name}`"))
    }

    pub fn opt_part<T: DeserializeOwned>(&self, name: &str) -> Option<T> {
        let p = self.part_json(name)?;
        Some(convert(p.get("value").unwrap_or(&Value::Null), &format!("part `{name}`")))
    }
}

/// What the typed call returned.
pub enum Outcome {
    Json(Result<Value, Error>),
    Empty(Result<(), Error>),
    Raw(Result<RawResponse, Error>),
    /// The decoded events of a stream, re-encoded.
    Stream(Result<Vec<Value>, Error>),
}

impl Outcome {
    pub fn json<T: Serialize>(result: Result<T, Error>) -> Self {
        Outcome::Json(result.map(|v| serde_json::to_value(v).expect("a decoded value re-encodes")))
    }
    pub fn empty(result: Result<(), Error>) -> Self {
        Outcome::Empty(result)
    }
    pub fn raw(result: Result<RawResponse, Error>) -> Self {
        Outcome::Raw(result)
    }
    pub async fn stream<T: Serialize + DeserializeOwned>(result: Result<EventStream<T>, Error>) -> Self {
        let mut stream = match result {
            Ok(s) => s,
            Err(e) => return Outcome::Stream(Err(e)),
        };
        let mut events = Vec::new();
        while let Some(event) = stream.next_event().await {
            match event {
                Ok(e) => events.push(serde_json::to_value(e).expect("a decoded event re-encodes")),
                Err(e) => return Outcome::Stream(Err(e)),
            }
        }
        Outcome::Stream(Ok(events))
    }
}

/// JSON equality by value: key order does not matter, numbers compare numerically.
pub fn json_eq(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x == y || (x.as_f64().is_some() && x.as_f64() == y.as_f64()),
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_eq(a, b)),
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| json_eq(v, w)))
        }
        _ => a == b,
    }
}

/// The first difference between two JSON values, as a JSON path.
/// A decoded-then-encoded response against what the server sent: like [`json_diff`], except
/// that a `null` the server sent may be absent in ours. The SDK reads `null` and absent alike
/// for optional fields (one level of `Option`) and does not write a `None` back; a required
/// nullable field is still written as `null`, so it is still compared.
pub fn response_diff(ours: &Value, sent: &Value, path: &str) -> Option<String> {
    match (ours, sent) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, w) in y {
                match x.get(k) {
                    None if w.is_null() => {}
                    None => return Some(format!("{path}.{k}: only in the second ({w})")),
                    Some(v) => {
                        if let Some(d) = response_diff(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            x.iter().find(|(k, _)| !y.contains_key(*k)).map(|(k, v)| format!("{path}.{k}: only in the first ({v})"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (v, w))| response_diff(v, w, &format!("{path}[{i}]")))
        }
        _ => json_diff(ours, sent, path),
    }
}

pub fn json_diff(a: &Value, b: &Value, path: &str) -> Option<String> {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, v) in x {
                match y.get(k) {
                    None => return Some(format!("{path}.{k}: only in the first ({v})")),
                    Some(w) => {
                        if let Some(d) = json_diff(v, w, &format!("{path}.{k}")) {
                            return Some(d);
                        }
                    }
                }
            }
            y.iter().find(|(k, _)| !x.contains_key(*k)).map(|(k, w)| format!("{path}.{k}: only in the second ({w})"))
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            x.iter().zip(y).enumerate().find_map(|(i, (v, w))| json_diff(v, w, &format!("{path}[{i}]")))
        }
        _ if json_eq(a, b) => None,
        _ => Some(format!("{path}: {a} != {b}")),
    }
}
