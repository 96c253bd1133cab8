//! What `tagged_union!` (support.rs) decodes with: the entries of an object up to its tag, kept
//! as raw text borrowed from the input (serde_json's `raw_value`), then handed to the variant's
//! decoder ahead of the rest of the object.
//!
//! Compiled only with the groups that have tagged unions, which enable `serde_json/raw_value`
//! (it adds about 3 KB to any program using serde_json's `Value`); the generator checks that
//! `Cargo.toml` says so.

use super::support::Key;

/// Where a tagged union's entries stand once the tag is read.
pub(crate) enum Scan<'de> {
    /// The tag, and the entries before it.
    Tag(TagRead<'de>),
    /// No tag, or an input whose values cannot be borrowed: the whole object as a `Value`.
    Buffered(serde_json::Value),
}

/// The tag's value and the entries read before it, as their raw text.
pub(crate) struct TagRead<'de> {
    name: &'static str,
    value: Key<'de>,
    before: Vec<(Key<'de>, &'de serde_json::value::RawValue)>,
}

impl<'de> Scan<'de> {
    /// Reads `map` up to the entry named `tag`. The entries before it are kept as the raw text
    /// of their values, borrowed from the input, where the input lends it: text read by
    /// serde_json, which hands out borrowed keys and cannot know an object's size. Any other
    /// input (a `Value`, a reader), with the tag not first, is buffered into a `Value`.
    pub(crate) fn to_tag<A: serde::de::MapAccess<'de>>(map: &mut A, tag: &'static str) -> Result<Scan<'de>, A::Error> {
        let mut before = Vec::new();
        while let Some(key) = map.next_key::<Key<'de>>()? {
            if key.as_str() == tag {
                return Ok(Scan::Tag(TagRead { name: tag, value: map.next_value()?, before }));
            }
            if before.is_empty() && (matches!(key, Key::Owned(_)) || map.size_hint().is_some()) {
                let value = map.next_value()?;
                return rest_of_object(key.into_string(), value, map).map(Scan::Buffered);
            }
            before.push((key, map.next_value()?));
        }
        let mut object = serde_json::Map::new();
        for (key, raw) in before {
            object.insert(key.into_string(), raw_to_value(raw)?);
        }
        Ok(Scan::Buffered(serde_json::Value::Object(object)))
    }
}

impl<'de> TagRead<'de> {
    pub(crate) fn tag(&self) -> &str {
        self.value.as_str()
    }

    /// The deserializer of the variant: these entries, then the rest of `map`.
    pub(crate) fn with<A>(self, map: A) -> Tagged<'de, A> {
        Tagged {
            before: self.before.into_iter(),
            pending: None,
            name: Some(self.name),
            tag: Some(self.value),
            map,
        }
    }
}

fn raw_to_value<E: serde::de::Error>(raw: &serde_json::value::RawValue) -> Result<serde_json::Value, E> {
    serde_json::from_str(raw.get()).map_err(E::custom)
}

/// The object whose first entry (`key`, `value`) is already read, with the rest of `map`.
pub(crate) fn rest_of_object<'de, A: serde::de::MapAccess<'de>>(
    key: String,
    value: serde_json::Value,
    mut map: A,
) -> Result<serde_json::Value, A::Error> {
    let mut object = serde_json::Map::new();
    object.insert(key, value);
    while let Some((key, value)) = map.next_entry::<String, serde_json::Value>()? {
        object.insert(key, value);
    }
    Ok(serde_json::Value::Object(object))
}

/// The entries read before the tag (raw text), the tag, then the rest of the object: the
/// deserializer a tagged union decodes its variant from, straight from the input.
pub(crate) struct Tagged<'de, A> {
    before: std::vec::IntoIter<(Key<'de>, &'de serde_json::value::RawValue)>,
    pending: Option<&'de serde_json::value::RawValue>,
    name: Option<&'static str>,
    tag: Option<Key<'de>>,
    map: A,
}

impl<'de, A: serde::de::MapAccess<'de>> Tagged<'de, A> {
    /// The whole object as a `Value` (for a tag this SDK does not know).
    pub(crate) fn into_value(mut self) -> Result<serde_json::Value, A::Error> {
        let mut object = serde_json::Map::new();
        for (key, raw) in self.before.by_ref() {
            object.insert(key.into_string(), raw_to_value(raw)?);
        }
        if let (Some(name), Some(tag)) = (self.name, self.tag) {
            object.insert(name.to_owned(), serde_json::Value::String(tag.into_string()));
        }
        while let Some((key, value)) = self.map.next_entry::<String, serde_json::Value>()? {
            object.insert(key, value);
        }
        Ok(serde_json::Value::Object(object))
    }
}

fn key_to<'de, S: serde::de::DeserializeSeed<'de>, E: serde::de::Error>(key: Key<'de>, seed: S) -> Result<S::Value, E> {
    match key {
        Key::Borrowed(key) => seed.deserialize(serde::de::value::BorrowedStrDeserializer::new(key)),
        Key::Owned(key) => seed.deserialize(serde::de::value::StringDeserializer::new(key)),
    }
}

impl<'de, A: serde::de::MapAccess<'de>> serde::de::MapAccess<'de> for Tagged<'de, A> {
    type Error = A::Error;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, A::Error> {
        if let Some((key, raw)) = self.before.next() {
            self.pending = Some(raw);
            return key_to(key, seed).map(Some);
        }
        match self.name.take() {
            Some(name) => seed.deserialize(serde::de::value::BorrowedStrDeserializer::new(name)).map(Some),
            None => self.map.next_key_seed(seed),
        }
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        if let Some(raw) = self.pending.take() {
            let mut raw = serde_json::Deserializer::from_str(raw.get());
            return seed.deserialize(&mut raw).map_err(<A::Error as serde::de::Error>::custom);
        }
        match self.tag.take() {
            Some(tag) => key_to(tag, seed),
            None => self.map.next_value_seed(seed),
        }
    }
}
impl<'de, A: serde::de::MapAccess<'de>> serde::Deserializer<'de> for Tagged<'de, A> {
    type Error = A::Error;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, A::Error> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier
        ignored_any
    }
}
