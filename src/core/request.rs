//! The plain descriptions of one request and of its buffered answer, and their encoding: what
//! a generated function builds (path, query, headers, body) and decodes (the JSON body, an error
//! object in a 2xx). No generics but the final decode.

use bytes::Bytes;
use http::header::HeaderValue;
use http::{HeaderMap, Method};
use serde::de::DeserializeOwned;

use super::body::{Multipart, ReqBody};
use crate::errors::in_band_error;
use crate::headers::{bearer_key, is_content_type};
use crate::Error;

/// One request, described without generics by a generated function.
pub(crate) struct HttpRequest {
    pub(crate) method: Method,
    /// Relative to the base URL, starting with `/`, already percent-encoded.
    pub(crate) path: String,
    /// `name=value&…`, already percent-encoded, without `?`.
    pub(crate) query: String,
    /// The operation's header parameters.
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: ReqBody,
    pub(crate) accept: &'static str,
    /// `path` is relative to the base URL's origin, not to its path prefix (an operation the
    /// spec serves from its own server, such as `/api/alpha/decisions`).
    pub(crate) on_origin: bool,
}

impl HttpRequest {
    pub(crate) fn new(method: Method, path: String, accept: &'static str) -> Self {
        HttpRequest {
            method,
            path,
            query: String::new(),
            headers: Vec::new(),
            body: ReqBody::empty(),
            accept,
            on_origin: false,
        }
    }

    /// A request whose path is relative to the base URL's origin.
    pub(crate) fn on_origin(method: Method, path: String, accept: &'static str) -> Self {
        HttpRequest { on_origin: true, ..Self::new(method, path, accept) }
    }

    /// Appends one query pair, percent-encoding name and value.
    pub(crate) fn query(&mut self, name: &str, value: &str) {
        if !self.query.is_empty() {
            self.query.push('&');
        }
        encode_component(&mut self.query, name);
        self.query.push('=');
        encode_component(&mut self.query, value);
    }

    /// An operation header parameter (CR/LF is refused when sending).
    pub(crate) fn header(&mut self, name: &'static str, value: String) {
        self.headers.push((name, value));
    }

    /// A JSON body (`Content-Type: application/json`).
    pub(crate) fn json_body<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Error> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::invalid_request(format!("the request body could not be encoded as JSON: {e}")))?;
        self.body = ReqBody::json(bytes);
        Ok(())
    }

    /// An `application/x-www-form-urlencoded` body: the top-level fields of `body` as
    /// `name=value` pairs (strings as they are, numbers and booleans as JSON text, arrays as
    /// one pair per element; null fields are left out).
    pub(crate) fn form_body<T: serde::Serialize + ?Sized>(&mut self, body: &T) -> Result<(), Error> {
        let invalid =
            |what: &str| Error::invalid_request(format!("the request body could not be encoded as a form: {what}"));
        let value = serde_json::to_value(body).map_err(|e| invalid(&e.to_string()))?;
        let serde_json::Value::Object(fields) = value else { return Err(invalid("it is not an object")) };
        let mut form = String::new();
        let mut pair = |name: &str, value: &serde_json::Value| -> Result<(), Error> {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Number(_) | serde_json::Value::Bool(_) => value.to_string(),
                _ => return Err(invalid(&format!("field `{name}` is not a string, number or boolean"))),
            };
            if !form.is_empty() {
                form.push('&');
            }
            encode_component(&mut form, name);
            form.push('=');
            encode_component(&mut form, &text);
            Ok(())
        };
        for (name, value) in &fields {
            match value {
                serde_json::Value::Null => {}
                serde_json::Value::Array(items) => items.iter().try_for_each(|item| pair(name, item))?,
                _ => pair(name, value)?,
            }
        }
        self.body = ReqBody::bytes(form.into_bytes(), "application/x-www-form-urlencoded");
        Ok(())
    }

    /// A `multipart/form-data` body.
    pub(crate) fn multipart(&mut self, form: Multipart) {
        self.body = form.into_body();
    }
}

/// A buffered success response.
pub(crate) struct HttpResponse {
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Bytes,
    /// The `Authorization` value the request carried: its key is redacted from errors.
    pub(crate) auth: HeaderValue,
    /// How many attempts the call made (for the errors of the decode).
    pub(crate) attempts: u32,
}

impl HttpResponse {
    /// Decodes the JSON body; a 2xx carrying `{"error": {...}}` is an API error.
    pub(crate) fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        if in_band_error(&self.body) {
            return Err(self.in_band());
        }
        // One UTF-8 check of the whole body, then `from_str`, is faster than `from_slice`
        // checking each string as it goes.
        // (One decoder per type: `from_slice` as a fallback would double the code of each.)
        let decoded = match std::str::from_utf8(&self.body) {
            Ok(text) => crate::json::from_str(text),
            Err(_) => Err(serde::de::Error::custom("the body is not valid UTF-8")),
        };
        decoded.map_err(|e| self.decode_error(e))
    }

    /// For operations without a JSON success body.
    pub(crate) fn empty(self) -> Result<(), Error> {
        if in_band_error(&self.body) {
            return Err(self.in_band());
        }
        Ok(())
    }

    /// A 2xx whose body is an `{"error": ...}` object.
    #[cold]
    fn in_band(self) -> Error {
        Error::api(self.status, self.headers, self.body, bearer_key(&self.auth)).set_attempts(self.attempts)
    }

    #[cold]
    fn decode_error(self, e: serde_json::Error) -> Error {
        let (attempts, secret) = (self.attempts, bearer_key(&self.auth));
        let e = if is_content_type(&self.headers, "text/event-stream") {
            // Embeddings and rerank may answer in SSE; this call expects one JSON value.
            Error::unexpected_content(self.status, self.headers, self.body, "application/json", secret)
        } else {
            Error::decode(e, self.status, self.headers, self.body, secret)
        };
        e.set_attempts(attempts)
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters (also for the OAuth
/// authorization URL, which the SDK builds but does not send).
pub(crate) fn encode_component(out: &mut String, s: &str) {
    encode_keeping(out, s, b"");
}

/// Percent-encodes everything but RFC 3986 unreserved characters and `keep`.
fn encode_keeping(out: &mut String, s: &str, keep: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in s.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') || keep.contains(&b) {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(HEX[(b >> 4) as usize] as char);
            out.push(HEX[(b & 15) as usize] as char);
        }
    }
}

/// One path segment, percent-encoded so that `/`, `?`, `#`, `%` and spaces stay inside it.
/// `:` and `@` are kept as they are, as RFC 3986 allows in a segment (`openrouter:web_search`).
/// A segment that is all dots (`.`, `..`) is encoded as `%2E`s, so that it is not read as a
/// relative reference to this or the parent resource.
pub(crate) fn encode_path_segment(s: &str) -> String {
    if !s.is_empty() && s.bytes().all(|b| b == b'.') {
        return "%2E".repeat(s.len());
    }
    let mut out = String::with_capacity(s.len());
    encode_keeping(&mut out, s, b":@");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_encoding_keeps_values_whole() {
        assert_eq!(encode_path_segment("a/b?c#d&e%f g"), "a%2Fb%3Fc%23d%26e%25f%20g");
        assert_eq!(encode_path_segment("é"), "%C3%A9");
        assert_eq!(encode_path_segment("openrouter:web_search@v1"), "openrouter:web_search@v1");
        assert_eq!(encode_path_segment(".."), "%2E%2E");
        assert_eq!(encode_path_segment("."), "%2E");
        assert_eq!(encode_path_segment("a..b"), "a..b");
        let mut r = HttpRequest::new(Method::GET, "/x".into(), "application/json");
        r.query("id", "a&b=c");
        r.query("n", "1");
        assert_eq!(r.query, "id=a%26b%3Dc&n=1");
    }

    #[test]
    fn bodies_that_are_not_utf8_or_not_json_are_decode_errors_keeping_the_body() {
        let response = |body: &'static [u8]| HttpResponse {
            status: 200,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body),
            auth: HeaderValue::from_static("Bearer sk-test"),
            attempts: 1,
        };
        let e = response(b"{\"a\": \"\xff\"}").json::<serde_json::Value>().unwrap_err();
        assert!(e.is_decode() && e.to_string().contains("UTF-8"), "{e}");
        assert_eq!(e.body(), Some(&b"{\"a\": \"\xff\"}"[..]));
        let e = response(b"{oops").json::<serde_json::Value>().unwrap_err();
        assert!(e.is_decode() && e.status() == Some(200));
        assert_eq!(response(b" {\"a\": 1} ").json::<serde_json::Value>().unwrap()["a"], 1);
    }
}

/// What the caller does with a success body (an error status's body is always read whole).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum SuccessBody {
    /// Read it whole within the attempt (JSON).
    Read,
    /// Leave it unread: the caller reads it (binary downloads, event streams).
    Unread,
}
