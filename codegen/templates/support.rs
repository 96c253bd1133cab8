//! Support code for the generated models: the macros that expand objects, open enums, type tags
//! and discriminated unions, and the string visitor they share.
#![allow(unused_macros, dead_code, unused_imports)]

/// An object with its fields' wire names and kinds, and `extra` for fields the spec does not
/// describe: implements `Serialize` and `Deserialize` as a JSON object.
///
/// Decoding visits the object's entries once: a known key goes to its field (a key seen twice is
/// an error, as with serde's derive), any other key to `extra` as a `serde_json::Value`. Keys are
/// read as borrowed strings when the input allows it ([`Key`]). Encoding writes the fields in
/// order, then the entries of `extra`, except one named like a field that is set (so `extra`
/// can carry an explicit `null` for an unset field: the generated `clear_<field>()`). Field
/// kinds:
///
/// - `required`: `T`; a missing key is an error naming the field; always written.
/// - `defaulted`: `T` (a list, a map, or a nullable `Option<T>`); a missing key reads as the
///   default (empty, `None`); always written (`None` as `null`).
/// - `optional`: `Option<T>` (optional, nullable or not); missing or `null` is `None`; `None` is
///   not written.
macro_rules! json_object {
    ($name:ident { $($field:ident: $wire:literal $kind:ident,)* }) => {
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeMap as _;
                let mut map = serializer.serialize_map(None)?;
                $(json_object!(@write $kind map $wire self.$field);)*
                for (key, value) in &self.extra {
                    match key.as_str() {
                        $($wire if json_object!(@is_set $kind self.$field) => continue,)*
                        _ => map.serialize_entry(key, value)?,
                    }
                }
                map.end()
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct __Visitor;

                impl<'de> serde::de::Visitor<'de> for __Visitor {
                    type Value = $name;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        formatter.write_str(concat!("struct ", stringify!($name)))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        $(let mut $field = None;)*
                        let mut extra = serde_json::Map::new();
                        while let Some(key) = map.next_key::<$crate::models::support::Key<'de>>()? {
                            match key.as_str() {
                                // A key sent twice keeps its last value, as `JSON.parse` does.
                                $($wire => json_object!(@read $kind map $field),)*
                                _ => {
                                    extra.insert(key.into_string(), map.next_value()?);
                                }
                            }
                        }
                        Ok($name {
                            $($field: json_object!(@finish $kind $field $wire),)*
                            extra,
                        })
                    }
                }

                deserializer.deserialize_map(__Visitor)
            }
        }
    };
    (@write required $map:ident $wire:literal $value:expr) => {
        $map.serialize_entry($wire, &$value)?
    };
    (@write defaulted $map:ident $wire:literal $value:expr) => {
        $map.serialize_entry($wire, &$value)?
    };
    (@write $kind:ident $map:ident $wire:literal $value:expr) => {
        if let Some(value) = &$value {
            $map.serialize_entry($wire, value)?;
        }
    };
    (@is_set optional $value:expr) => {
        $value.is_some()
    };
    (@is_set $kind:ident $value:expr) => {
        true
    };
    // An optional field is held as the `Option` it is (null and absent are both `None`); the
    // others as `Some` once read, checked or defaulted when the object ends.
    (@read optional $map:ident $field:ident) => {
        $field = $map.next_value()?
    };
    (@read $kind:ident $map:ident $field:ident) => {
        $field = Some($map.next_value()?)
    };
    (@finish required $field:ident $wire:literal) => {
        match $field {
            Some(value) => value,
            None => return Err(<A::Error as serde::de::Error>::missing_field($wire)),
        }
    };
    (@finish optional $field:ident $wire:literal) => {
        $field
    };
    (@finish $kind:ident $field:ident $wire:literal) => {
        $field.unwrap_or_default()
    };
}

/// A JSON object key (or a string value compared with known ones): borrowed from the input when
/// it has no escapes, owned otherwise. (serde's `Cow<str>` always copies.)
pub(crate) enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl<'de> Key<'de> {
    pub(crate) fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(key) => key,
            Key::Owned(key) => key,
        }
    }

    pub(crate) fn into_string(self) -> String {
        match self {
            Key::Borrowed(key) => key.to_owned(),
            Key::Owned(key) => key,
        }
    }
}

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(KeyVisitor)
    }
}

struct KeyVisitor;

impl<'de> serde::de::Visitor<'de> for KeyVisitor {
    type Value = Key<'de>;

    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("a string")
    }

    fn visit_borrowed_str<E: serde::de::Error>(self, value: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(value))
    }

    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(value.to_owned()))
    }

    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(value))
    }
}

/// A string enum that accepts values this SDK does not know yet (`Unknown`), and re-encodes
/// them unchanged.
macro_rules! open_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $value:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value this version of the SDK does not know, kept as sent.
            Unknown(String),
        }

        impl $name {
            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $value,)+
                    Self::Unknown(value) => value,
                }
            }
        }

        impl $name {
            /// The known value equal to `value`. All values sit in one string, looked up by one
            /// loop: a `match` on strings compiles to a comparison per value, and a table of
            /// `&str` to a relocation per value (kilobytes for the long lists, such as provider
            /// names).
            fn known(value: &str) -> Option<Self> {
                const JOINED: &str = concat!($($value, "\0",)+);
                let position = JOINED.split('\0').position(|known| known == value)?;
                let mut index = 0;
                $(
                    if index == position {
                        return Some(Self::$variant);
                    }
                    index += 1;
                )+
                let _ = index;
                None
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self::known(value).unwrap_or_else(|| Self::Unknown(value.to_owned()))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self::known(&value).unwrap_or(Self::Unknown(value))
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                Ok(match <$crate::models::support::Key<'de> as serde::Deserialize>::deserialize(deserializer)? {
                    $crate::models::support::Key::Borrowed(value) => Self::from(value),
                    $crate::models::support::Key::Owned(value) => Self::from(value),
                })
            }
        }
    };
}

/// A single-value string enum used as a type tag: it accepts exactly its one value.
macro_rules! tag_enum {
    ($(#[$meta:meta])* pub enum $name:ident { $variant:ident = $value:literal }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        pub enum $name {
            #[default]
            $variant,
        }

        impl $name {
            /// The value as it is sent on the wire.
            pub fn as_str(&self) -> &'static str {
                $value
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str($value)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <$crate::models::support::Key<'de> as serde::Deserialize>::deserialize(deserializer)?;
                let value = value.as_str();
                if value == $value {
                    Ok(Self::$variant)
                } else {
                    Err(<D::Error as serde::de::Error>::custom(format_args!(
                        "expected `{}`, found `{}`",
                        $value, value
                    )))
                }
            }
        }
    };
}

/// A union told apart by the string value of one property (the spec's discriminator). An
/// unknown tag, or a known tag whose variant does not decode (a newer shape of a known variant),
/// decodes as `Unknown` holding the raw JSON, which re-encodes unchanged: the rest of the
/// response stays readable. A missing tag tries the variants in order.
macro_rules! tagged_union {
    ($(#[$meta:meta])* pub enum $name:ident ($tag:literal) { $($(#[$vmeta:meta])* $variant:ident($($value:literal)|+) => $ty:ty,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $($(#[$vmeta])* $variant($ty),)+
            /// A variant this version of the SDK does not know (or cannot decode), kept as the
            /// raw JSON.
            Unknown(serde_json::Value),
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                match self {
                    $(Self::$variant(value) => serde::Serialize::serialize(value, serializer),)+
                    Self::Unknown(value) => serde::Serialize::serialize(value, serializer),
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                let decoded = match value.get($tag).and_then(serde_json::Value::as_str) {
                    $(Some($($value)|+) => <$ty as serde::Deserialize>::deserialize(&value).ok().map(Self::$variant),)+
                    Some(_) => None,
                    None => 'variants: {
                        $(if let Ok(variant) = <$ty as serde::Deserialize>::deserialize(&value) {
                            break 'variants Some(Self::$variant(variant));
                        })+
                        None
                    }
                };
                Ok(decoded.unwrap_or(Self::Unknown(value)))
            }
        }
    };
}
