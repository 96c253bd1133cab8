//! Support code for the generated models: the macros that expand objects, open enums, type tags
//! and discriminated unions, and the string visitor they share.
#![allow(unused_macros, dead_code, unused_imports)]

/// An object: the struct, declared with each field's wire name and kind, plus `extra` for the
/// fields the spec does not describe, and its `Serialize` and `Deserialize` as a JSON object.
///
/// Decoding visits the object's entries once: a known key goes to its field (a key sent twice
/// keeps its last value, as `JSON.parse` does), any other key to `extra` as a
/// `serde_json::Value`, unless its value is `null`: that one is dropped, since null and absent
/// read the same for the known fields too. Keys are read as borrowed strings when the input
/// allows it ([`Key`]).
/// Encoding writes the fields in order, then the entries of `extra`, except one named like a
/// field that is set (so `extra` can carry an explicit `null` for an unset field: the generated
/// `clear_<field>()`). Field kinds:
///
/// - `required`: `T`; a missing key is an error naming the field; always written.
/// - `defaulted`: `T` (a list, a map, or a nullable `Option<T>`); a missing key reads as the
///   default (empty, `None`); always written (`None` as `null`).
/// - `optional`: `Option<T>` (optional, nullable or not); missing or `null` is `None`; `None` is
///   not written.
///
/// An object that is `Default` starts with `in_place;`: it decodes by filling a default value
/// ([`Fill`]), and a field marked `in_place` after its kind (its type is such an object, a list of
/// them, or an optional or boxed one) is filled where it lies instead of being decoded apart and
/// moved in. The others decode into locals and build the struct at the end.
macro_rules! json_object {
    // A `Default` object: decoding fills `Self::default()` in place ([`Fill`]).
    (
        in_place;
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$fmeta:meta])* pub $field:ident: $ty:ty = $wire:literal $kind:ident $($how:ident)?,)*
        }
    ) => {
        json_object!(@common $(#[$meta])* $name { $($(#[$fmeta])* $field: $ty = $wire $kind,)* });

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let mut value = Self::default();
                $crate::models::support::Fill::fill(deserializer, &mut value)?;
                Ok(value)
            }
        }

        impl $crate::models::support::Fill for $name {
            fn fill<'de, D: serde::Deserializer<'de>>(deserializer: D, place: &mut Self) -> Result<(), D::Error> {
                struct __Visitor<'a>(&'a mut $name);

                impl<'de> serde::de::Visitor<'de> for __Visitor<'_> {
                    type Value = ();

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        formatter.write_str(concat!("struct ", stringify!($name)))
                    }

                    #[allow(unused_assignments, unused_variables)]
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
                        let place = self.0;
                        // Whether each field was read: a required one must be, and one sent twice
                        // is filled afresh.
                        $(let mut $field = false;)*
                        while let Some(key) = map.next_key::<$crate::models::support::Key<'de>>()? {
                            match key.as_str() {
                                $($wire => json_object!(@fill $($how)? map place.$field, $field),)*
                                _ => {
                                    let value: serde_json::Value = map.next_value()?;
                                    if !value.is_null() {
                                        place.extra.insert(key.into_string(), value);
                                    }
                                }
                            }
                        }
                        $(json_object!(@check $kind $field $wire);)*
                        Ok(())
                    }
                }

                deserializer.deserialize_map(__Visitor(place))
            }
        }
    };
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $($(#[$fmeta:meta])* pub $field:ident: $ty:ty = $wire:literal $kind:ident,)*
        }
    ) => {
        json_object!(@common $(#[$meta])* $name { $($(#[$fmeta])* $field: $ty = $wire $kind,)* });

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
                                $($wire => json_object!(@read $kind map $field),)*
                                _ => {
                                    let value: serde_json::Value = map.next_value()?;
                                    if !value.is_null() {
                                        extra.insert(key.into_string(), value);
                                    }
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
    // The struct and its `Serialize`.
    (@common $(#[$meta:meta])* $name:ident { $($(#[$fmeta:meta])* $field:ident: $ty:ty = $wire:literal $kind:ident,)* }) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[$fmeta])* pub $field: $ty,)*
            /// Fields the spec does not describe, kept as received so that they round-trip.
            pub extra: serde_json::Map<String, serde_json::Value>,
        }

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
    // In place: a field whose type is filled (`in_place`) is decoded where it lies, the others
    // are assigned; either way the field is marked read.
    (@fill in_place $map:ident $slot:expr, $read:ident) => {{
        if $read {
            $slot = Default::default();
        }
        $map.next_value_seed($crate::models::support::InPlace(&mut $slot))?;
        $read = true;
    }};
    (@fill $map:ident $slot:expr, $read:ident) => {{
        $slot = $map.next_value()?;
        $read = true;
    }};
    (@check required $read:ident $wire:literal) => {
        if !$read {
            return Err(<A::Error as serde::de::Error>::missing_field($wire));
        }
    };
    (@check $kind:ident $read:ident $wire:literal) => {};
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

/// Decoding into a value where it is to live. An object that is `Default` decodes by filling
/// `Self::default()` field by field (`json_object!`'s `in_place`), and a field that holds such an
/// object, a list of them or an optional one (`in_place` after the field's kind) is filled the
/// same way: a nested object is decoded straight into its parent, and a list item straight into
/// the list, instead of being built in a visitor of its own and then moved up through serde's
/// layers (for a chat stream chunk, 13 of its 17 copies of 144–248 bytes per event).
pub(crate) trait Fill: Default {
    /// Decodes into `place`, which holds `Self::default()`.
    fn fill<'de, D: serde::Deserializer<'de>>(deserializer: D, place: &mut Self) -> Result<(), D::Error>;
}

/// Fills the value it borrows ([`Fill`]), as a `DeserializeSeed` for a map's value or a list's item.
pub(crate) struct InPlace<'a, T>(pub(crate) &'a mut T);

impl<'de, T: Fill> serde::de::DeserializeSeed<'de> for InPlace<'_, T> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        T::fill(deserializer, self.0)
    }
}

/// Each item is added as a default value and filled where it lies.
impl<T: Fill> Fill for Vec<T> {
    fn fill<'de, D: serde::Deserializer<'de>>(deserializer: D, place: &mut Self) -> Result<(), D::Error> {
        struct Items<'a, T>(&'a mut Vec<T>);

        impl<'de, T: Fill> serde::de::Visitor<'de> for Items<'_, T> {
            type Value = ();

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("a sequence")
            }

            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
                let items = self.0;
                loop {
                    // Not `push(T::default())`, which builds the item apart and copies it in.
                    let last = items.len();
                    items.resize_with(last + 1, T::default);
                    if seq.next_element_seed(InPlace(&mut items[last]))?.is_none() {
                        items.pop();
                        return Ok(());
                    }
                }
            }
        }

        deserializer.deserialize_seq(Items(place))
    }
}

/// `null` is `None`; anything else is filled into `Some(T::default())`.
impl<T: Fill> Fill for Option<T> {
    fn fill<'de, D: serde::Deserializer<'de>>(deserializer: D, place: &mut Self) -> Result<(), D::Error> {
        struct Maybe<'a, T>(&'a mut Option<T>);

        impl<'de, T: Fill> serde::de::Visitor<'de> for Maybe<'_, T> {
            type Value = ();

            fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                formatter.write_str("option")
            }

            fn visit_none<E: serde::de::Error>(self) -> Result<(), E> {
                *self.0 = None;
                Ok(())
            }

            fn visit_unit<E: serde::de::Error>(self) -> Result<(), E> {
                *self.0 = None;
                Ok(())
            }

            fn visit_some<D: serde::Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
                T::fill(deserializer, self.0.get_or_insert_with(T::default))
            }
        }

        deserializer.deserialize_option(Maybe(place))
    }
}

/// The boxed value is filled where it lies.
impl<T: Fill> Fill for Box<T> {
    fn fill<'de, D: serde::Deserializer<'de>>(deserializer: D, place: &mut Self) -> Result<(), D::Error> {
        T::fill(deserializer, place)
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
            /// The known value equal to `value`, found by `support::position`
            /// in the values laid end to end: a `match` on strings compiles to a comparison per
            /// value, and a table of `&str` to a relocation per value (kilobytes for the long
            /// lists, such as provider names).
            fn known(value: &str) -> Option<Self> {
                const JOINED: &str = concat!($($value,)+);
                const LENGTHS: &[u16] = &[$($value.len() as u16,)+];
                let position = $crate::models::support::position(JOINED, LENGTHS, value)?;
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

/// The index of `value` among an open enum's values, laid end to end in `joined` with their
/// lengths in `lengths`: one loop for every enum, which compares a length before any bytes.
pub(crate) fn position(joined: &str, lengths: &[u16], value: &str) -> Option<usize> {
    let mut start = 0;
    for (index, &length) in lengths.iter().enumerate() {
        let end = start + usize::from(length);
        if end - start == value.len() && joined.as_bytes().get(start..end) == Some(value.as_bytes()) {
            return Some(index);
        }
        start = end;
    }
    None
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

/// A union told apart by the string value of one property (the spec's discriminator).
///
/// Decoding reads the object's entries up to the tag, then decodes the variant the tag names
/// straight from the input, with the entries before the tag (none, when the tag comes first, as
/// OpenAI-style payloads put it) handed back to it first as their raw text (`tagged::Scan`,
/// `tagged::Tagged`): nothing is built in between. An unknown tag decodes as `Unknown` holding the
/// raw JSON (which re-encodes unchanged); a missing tag tries the variants in order.
///
/// A known tag whose variant does not decode (a newer shape of a known variant) fails the
/// direct decode; the SDK's decoders (`json::from_str`) then decode the text again with every union
/// buffered into a `serde_json::Value` (`json::Lenient`), where that variant becomes `Unknown` and
/// the rest of the response stays readable. A bad response costs a second parse; a good one is
/// read once.
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

        impl $name {
            /// The buffered decode: by the tag's value, else the first variant that decodes,
            /// else `Unknown`; unions inside are buffered too.
            fn from_value(value: serde_json::Value) -> Self {
                let _lenient = $crate::json::Lenient::on();
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
                decoded.unwrap_or(Self::Unknown(value))
            }
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
                if $crate::json::Lenient::is_on() {
                    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                    return Ok(Self::from_value(value));
                }

                struct __Visitor;

                impl<'de> serde::de::Visitor<'de> for __Visitor {
                    type Value = $name;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        formatter.write_str(concat!("an object (", stringify!($name), ")"))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$name, A::Error> {
                        use $crate::models::tagged::Scan;
                        match Scan::to_tag(&mut map, $tag)? {
                            Scan::Tag(tagged) => match tagged.tag() {
                                $($($value)|+ => serde::Deserialize::deserialize(tagged.with(map)).map($name::$variant),)+
                                _ => Ok($name::from_value(tagged.with(map).into_value()?)),
                            },
                            Scan::Buffered(value) => Ok($name::from_value(value)),
                        }
                    }
                }

                deserializer.deserialize_map(__Visitor)
            }
        }
    };
}

/// A union of shapes told apart by the JSON they take (the spec's `anyOf`/`oneOf` without a
/// discriminator). Each variant says the kind of JSON it reads (`string`, `integer`, `number`,
/// `bool`, `array`, `object`, or `any`); decoding looks at the input's kind and tries only the
/// variants of that kind, in order, straight from the input when one variant can take it and
/// through a buffered `serde_json::Value` when several can. What no variant takes is `Unknown`,
/// holding the raw JSON. Encoding writes the variant's value. (serde's `untagged` buffers every
/// value and builds an error for each variant that does not match.)
macro_rules! untagged_union {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident($ty:ty) as $kind:ident,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        #[allow(clippy::large_enum_variant)]
        pub enum $name {
            $($(#[$vmeta])* $variant($ty),)+
            /// A shape this version of the SDK does not know, kept as the raw JSON.
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

        impl $name {
            /// The variants of `kind`, tried in order on a buffered value, else `Unknown`.
            fn from_value(kind: $crate::models::support::JsonKind, value: serde_json::Value) -> Self {
                use $crate::models::support::JsonKind;
                $(if JsonKind::$kind.takes(kind) {
                    if let Ok(variant) = <$ty as serde::Deserialize>::deserialize(&value) {
                        return Self::$variant(variant);
                    }
                })+
                Self::Unknown(value)
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use $crate::models::support::JsonKind;

                if $crate::json::Lenient::is_on() {
                    let value = <serde_json::Value as serde::Deserialize>::deserialize(deserializer)?;
                    return Ok(Self::from_value(JsonKind::of(&value), value));
                }

                /// How many variants take `kind`: with one, it decodes straight from the input.
                const fn takers(kind: JsonKind) -> usize {
                    0 $(+ JsonKind::$kind.takes(kind) as usize)+
                }

                struct __Visitor;

                impl<'de> serde::de::Visitor<'de> for __Visitor {
                    type Value = $name;

                    fn expecting(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        formatter.write_str(concat!("any JSON value (", stringify!($name), ")"))
                    }

                    fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<$name, E> {
                        $(if JsonKind::$kind.takes(JsonKind::String) {
                            let input = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(value);
                            if let Ok(variant) = <$ty as serde::Deserialize>::deserialize(input) {
                                return Ok($name::$variant(variant));
                            }
                        })+
                        Ok($name::Unknown(serde_json::Value::String(value.to_owned())))
                    }

                    fn visit_string<E: serde::de::Error>(self, value: String) -> Result<$name, E> {
                        self.visit_str(&value)
                    }

                    fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<$name, E> {
                        Ok($name::from_value(JsonKind::Bool, serde_json::Value::Bool(value)))
                    }

                    fn visit_i64<E: serde::de::Error>(self, value: i64) -> Result<$name, E> {
                        Ok($name::from_value(JsonKind::Integer, value.into()))
                    }

                    fn visit_u64<E: serde::de::Error>(self, value: u64) -> Result<$name, E> {
                        Ok($name::from_value(JsonKind::Integer, value.into()))
                    }

                    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<$name, E> {
                        let value = serde_json::Number::from_f64(value).map_or(serde_json::Value::Null, serde_json::Value::Number);
                        Ok($name::from_value(JsonKind::Number, value))
                    }

                    fn visit_unit<E: serde::de::Error>(self) -> Result<$name, E> {
                        Ok($name::from_value(JsonKind::Null, serde_json::Value::Null))
                    }

                    fn visit_none<E: serde::de::Error>(self) -> Result<$name, E> {
                        self.visit_unit()
                    }

                    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, seq: A) -> Result<$name, A::Error> {
                        let input = serde::de::value::SeqAccessDeserializer::new(seq);
                        if takers(JsonKind::Array) == 1 {
                            $(if JsonKind::$kind.takes(JsonKind::Array) {
                                return <$ty as serde::Deserialize>::deserialize(input).map($name::$variant);
                            })+
                        }
                        let value = <serde_json::Value as serde::Deserialize>::deserialize(input)?;
                        Ok($name::from_value(JsonKind::Array, value))
                    }

                    fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<$name, A::Error> {
                        let input = serde::de::value::MapAccessDeserializer::new(map);
                        if takers(JsonKind::Object) == 1 {
                            $(if JsonKind::$kind.takes(JsonKind::Object) {
                                return <$ty as serde::Deserialize>::deserialize(input).map($name::$variant);
                            })+
                        }
                        let value = <serde_json::Value as serde::Deserialize>::deserialize(input)?;
                        Ok($name::from_value(JsonKind::Object, value))
                    }
                }

                deserializer.deserialize_any(__Visitor)
            }
        }
    };
}

/// The kind of a JSON value, and what an `untagged_union!` variant takes.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    Null,
    Bool,
    Integer,
    /// Any number (an integer too).
    Number,
    String,
    Array,
    Object,
    /// A variant that takes every kind (a `serde_json::Value`, a union).
    Any,
}

impl JsonKind {
    /// Whether a variant of this kind may take a value of `kind`.
    pub(crate) const fn takes(self, kind: JsonKind) -> bool {
        matches!(
            (self, kind),
            (JsonKind::Any, _) | (JsonKind::Number, JsonKind::Integer | JsonKind::Number)
        ) || self as u8 == kind as u8
    }

    pub(crate) fn of(value: &serde_json::Value) -> JsonKind {
        match value {
            serde_json::Value::Null => JsonKind::Null,
            serde_json::Value::Bool(_) => JsonKind::Bool,
            serde_json::Value::Number(n) if n.is_f64() => JsonKind::Number,
            serde_json::Value::Number(_) => JsonKind::Integer,
            serde_json::Value::String(_) => JsonKind::String,
            serde_json::Value::Array(_) => JsonKind::Array,
            serde_json::Value::Object(_) => JsonKind::Object,
        }
    }
}
