//! Support code for the generated models: the macros that expand open enums, type tags and
//! discriminated unions, and the serde helper for optional-and-nullable fields.
#![allow(unused_macros, dead_code, unused_imports)]

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

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                match value {
                    $($value => Self::$variant,)+
                    other => Self::Unknown(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                match value.as_str() {
                    $($value => Self::$variant,)+
                    _ => Self::Unknown(value),
                }
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
                <String as serde::Deserialize>::deserialize(deserializer).map(Self::from)
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
                let value = <std::borrow::Cow<'de, str> as serde::Deserialize>::deserialize(deserializer)?;
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
/// unknown tag decodes as `Unknown` holding the raw JSON, and re-encodes unchanged. A missing
/// tag tries the variants in order.
macro_rules! tagged_union {
    ($(#[$meta:meta])* pub enum $name:ident ($tag:literal) { $($(#[$vmeta:meta])* $variant:ident($($value:literal)|+) => $ty:ty,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $($(#[$vmeta])* $variant($ty),)+
            /// A variant this version of the SDK does not know, kept as the raw JSON.
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
                match value.get($tag).and_then(serde_json::Value::as_str) {
                    $(Some($($value)|+) => <$ty as serde::Deserialize>::deserialize(&value)
                        .map(Self::$variant)
                        .map_err(<D::Error as serde::de::Error>::custom),)+
                    Some(_) => Ok(Self::Unknown(value)),
                    None => {
                        $(if let Ok(variant) = <$ty as serde::Deserialize>::deserialize(&value) {
                            return Ok(Self::$variant(variant));
                        })+
                        Ok(Self::Unknown(value))
                    }
                }
            }
        }
    };
}

/// Serde helper for fields that are optional and nullable: `None` is absent, `Some(None)` is
/// `null`, `Some(Some(value))` is the value. Use with `default` and
/// `skip_serializing_if = "Option::is_none"`.
pub(crate) mod double_option {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub(crate) fn serialize<T: Serialize, S: Serializer>(
        value: &Option<Option<T>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(Some(value)) => value.serialize(serializer),
            _ => serializer.serialize_none(),
        }
    }

    pub(crate) fn deserialize<'de, T: Deserialize<'de>, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Option<T>>, D::Error> {
        Option::<T>::deserialize(deserializer).map(Some)
    }
}
