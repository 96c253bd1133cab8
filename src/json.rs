//! Decoding JSON text into the SDK's models: strictly first, then leniently (see [`from_str`]).
//!
//! Used by the transport for response bodies, by the streams for event data, and by the tagged
//! unions of `models`; it depends on no other module of the crate.

thread_local! {
    static LENIENT: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// While one is alive on a thread, tagged unions decoded on it buffer their input and turn a
/// variant that does not decode into `Unknown` (see `tagged_union!` in `models::support`).
/// Restores the previous setting when dropped, panics included.
pub(crate) struct Lenient {
    was: bool,
}

impl Lenient {
    pub(crate) fn on() -> Lenient {
        Lenient { was: LENIENT.with(|lenient| lenient.replace(true)) }
    }

    pub(crate) fn is_on() -> bool {
        LENIENT.with(std::cell::Cell::get)
    }
}

impl Drop for Lenient {
    fn drop(&mut self) {
        LENIENT.with(|lenient| lenient.set(self.was));
    }
}

/// Decodes a model from JSON text the way the SDK's functions decode a response body or an
/// event's data: straight from the text, and if that fails, once more with every tagged union
/// buffered, so that an item of a newer shape than this SDK knows (a known `type` whose fields
/// changed) reads as that union's `Unknown` instead of failing the whole value. Use it for
/// payloads stored or received elsewhere; `serde_json::from_str` gives the first, strict try
/// alone. When both fail, the error is the second one's.
///
/// ```
/// use openrouter::models::{from_str, ReasoningDetailUnion};
///
/// // a known type, but its required `summary` is missing
/// let text = r#"[{"type": "reasoning.summary"}, {"type": "reasoning.text", "text": "t"}]"#;
/// let details: Vec<ReasoningDetailUnion> = from_str(text).unwrap();
/// assert!(matches!(details[0], ReasoningDetailUnion::Unknown(_)));
/// assert!(matches!(details[1], ReasoningDetailUnion::ReasoningText(_)));
/// assert!(serde_json::from_str::<Vec<ReasoningDetailUnion>>(text).is_err());
/// ```
pub fn from_str<T: serde::de::DeserializeOwned>(text: &str) -> serde_json::Result<T> {
    // One call site, in a loop: two would each inline the whole decoder of `T`.
    let mut lenient = None;
    loop {
        match serde_json::from_str(text) {
            Err(_) if lenient.is_none() => lenient = Some(Lenient::on()),
            result => return result,
        }
    }
}
