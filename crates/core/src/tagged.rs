//! Tag-first decoding of the internally tagged wire enums (`EventBody`,
//! `StreamMessage`, `ClientMessage`, `ImpactCondition`).
//!
//! serde's derive for `#[serde(tag = "…")]` buffers the whole value into its
//! private `Content` before it knows the variant, then decodes the variant
//! from that buffer: every field type's decoder is compiled against the
//! buffer's deserializer as well as against serde_json's, which cost the
//! console's first load 226 KiB of code, 59 KB gzip (docs/size.md). Our
//! encoders always write the tag first, so `deserialize` here reads the tag
//! and then decodes the variant's fields from the rest of the same map, into
//! a struct that derives `Deserialize` with the variant's fields and
//! attributes.
//!
//! A map whose tag is not first (another backend, a request written by hand)
//! is collected into a `serde_json::Map`, written out again tag first and
//! decoded by `serde_json::from_str`: slower, but it meets the same decoder
//! the console already has (it decodes from strings), not a second copy of
//! every variant. Both paths refuse the same things with the same words:
//! a missing tag, a repeated one, an unknown tag value, and whatever the
//! variant's own struct refuses (unknown fields, missing fields, wrong types).

use serde::de::value::{MapAccessDeserializer, StrDeserializer};
use serde::de::{
    DeserializeOwned, DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor,
};
use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// An internally tagged enum that decodes tag first.
pub(crate) trait TagFirst: DeserializeOwned {
    /// The tag's key: `kind` or `type`.
    const TAG: &'static str;
    /// What a value that is not a map is refused for not being (serde's
    /// derive said "internally tagged enum Name"; so does this).
    const EXPECTING: &'static str;
    /// The tag's values: an enum deriving `Deserialize` as a
    /// `variant_identifier` (or a `field_identifier` with an `other`
    /// variant, for an enum that takes tags it does not know).
    type Kind: DeserializeOwned;
    /// Decodes the variant `kind` names from the rest of the map (the tag
    /// already read). Everything left in `rest` must be read: a variant with
    /// no fields hands it to `ignore_rest`.
    fn variant<'de, A: MapAccess<'de>>(kind: Self::Kind, rest: A) -> Result<Self, A::Error>;
}

/// `Deserialize::deserialize` for a `TagFirst` enum.
pub(crate) fn deserialize<'de, T: TagFirst, D: Deserializer<'de>>(d: D) -> Result<T, D::Error> {
    d.deserialize_map(TagFirstVisitor(PhantomData))
}

/// Decodes a variant from the rest of the map into `V`, the struct that
/// stands for it (same fields, same attributes).
pub(crate) fn fields<'de, V: serde::Deserialize<'de>, A: MapAccess<'de>>(
    rest: A,
) -> Result<V, A::Error> {
    V::deserialize(MapAccessDeserializer::new(rest))
}

/// Reads and drops the rest of the map, for a variant without fields (serde's
/// derive ignores what such a variant is sent, and so does this).
pub(crate) fn ignore_rest<'de, A: MapAccess<'de>>(mut rest: A) -> Result<(), A::Error> {
    while rest.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

struct TagFirstVisitor<T>(PhantomData<T>);

impl<'de, T: TagFirst> Visitor<'de> for TagFirstVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(T::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        match map.next_key_seed(Key)? {
            None => Err(A::Error::missing_field(T::TAG)),
            Some(key) if key == T::TAG => {
                let kind = map.next_value::<T::Kind>()?;
                T::variant(kind, Rest { map, tag: T::TAG })
            }
            Some(first) => tag_not_first(first.into_owned(), map),
        }
    }
}

/// A map key, borrowed from the input when it can be.
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Cow<'de, str>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Cow<'de, str>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for Key {
    type Value = Cow<'de, str>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a field name")
    }

    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Borrowed(v))
    }

    fn visit_str<E>(self, v: &str) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Cow<'de, str>, E> {
        Ok(Cow::Owned(v))
    }
}

/// The map after its tag: the variant's fields, where the tag must not come
/// again (serde's derive refused a repeated tag as a duplicate field; a
/// variant's own struct would call it an unknown field, or take it silently
/// where unknown fields are allowed).
struct Rest<A> {
    map: A,
    tag: &'static str,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Rest<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.map.next_key_seed(Key)? else {
            return Ok(None);
        };
        if key == self.tag {
            return Err(A::Error::duplicate_field(self.tag));
        }
        seed.deserialize(StrDeserializer::<A::Error>::new(&key))
            .map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// The slow path: `first` was not the tag. Collects the map, then decodes it
/// again written tag first.
fn tag_not_first<'de, T: TagFirst, A: MapAccess<'de>>(
    first: String,
    mut map: A,
) -> Result<T, A::Error> {
    use serde_json::map::Entry;
    let mut fields = serde_json::Map::new();
    let mut key = Some(first);
    while let Some(k) = key {
        match fields.entry(k) {
            Entry::Vacant(slot) => {
                slot.insert(map.next_value()?);
            }
            Entry::Occupied(taken) if taken.key() == T::TAG => {
                return Err(A::Error::duplicate_field(T::TAG));
            }
            Entry::Occupied(taken) => {
                return Err(A::Error::custom(format_args!(
                    "duplicate field `{}`",
                    taken.key()
                )));
            }
        }
        key = map.next_key_seed(Key)?.map(Cow::into_owned);
    }
    let Some(tag) = fields.remove(T::TAG) else {
        return Err(A::Error::missing_field(T::TAG));
    };
    let text = serde_json::to_string(&TagThenFields {
        tag: (T::TAG, &tag),
        fields: &fields,
    })
    .map_err(A::Error::custom)?;
    serde_json::from_str(&text).map_err(|e| A::Error::custom(without_position(&e)))
}

/// A map written tag first.
struct TagThenFields<'a> {
    tag: (&'static str, &'a serde_json::Value),
    fields: &'a serde_json::Map<String, serde_json::Value>,
}

impl Serialize for TagThenFields<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1 + self.fields.len()))?;
        map.serialize_entry(self.tag.0, self.tag.1)?;
        for (k, v) in self.fields {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// serde_json's message without its "at line L column C": the position is
/// in the rewritten text, which nobody has seen; the outer decoder adds the
/// position in the input.
fn without_position(e: &serde_json::Error) -> String {
    let text = e.to_string();
    if e.line() == 0 {
        return text;
    }
    let suffix = format!(" at line {} column {}", e.line(), e.column());
    match text.strip_suffix(&suffix) {
        Some(message) => message.to_owned(),
        None => text,
    }
}

/// Declares an internally tagged enum whose variants all have named fields
/// (`{}` for none), with a tag-first `Deserialize` (see the module's doc).
/// Beside the enum, module `$module` gets one struct per variant with the
/// same fields and field attributes, plus `variant_attr` (what serde applied
/// to each variant from the enum's own, e.g. `deny_unknown_fields`), and the
/// `Kind` identifier for the tag. The enum must not derive `Deserialize`;
/// its `serde` attributes still drive `Serialize` and the JSON Schema, and
/// its variants are named on the wire in snake_case (`rename_all`).
macro_rules! tag_first_enum {
    (
        tag = $tag:literal,
        module = $module:ident,
        variant_attr = #[$vattr:meta];

        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident {
                    $(
                        $(#[$fmeta:meta])*
                        $field:ident : $ty:ty
                    ),* $(,)?
                }
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $(
                $(#[$vmeta])*
                $variant {
                    $(
                        $(#[$fmeta])*
                        $field: $ty
                    ),*
                }
            ),*
        }

        // The structs the variants are decoded into, and the tag's values.
        mod $module {
            #[allow(unused_imports)]
            use super::*;

            #[derive(serde::Deserialize)]
            #[serde(variant_identifier, rename_all = "snake_case")]
            pub(crate) enum Kind {
                $($variant),*
            }

            $(
                #[derive(serde::Deserialize)]
                #[$vattr]
                pub(super) struct $variant {
                    $(
                        $(#[$fmeta])*
                        pub(super) $field: $ty
                    ),*
                }
            )*
        }

        impl $crate::tagged::TagFirst for $name {
            const TAG: &'static str = $tag;
            const EXPECTING: &'static str = concat!("internally tagged enum ", stringify!($name));
            type Kind = $module::Kind;

            fn variant<'de, A: serde::de::MapAccess<'de>>(
                kind: $module::Kind,
                rest: A,
            ) -> Result<Self, A::Error> {
                match kind {
                    $(
                        $module::Kind::$variant => {
                            let $module::$variant { $($field),* } =
                                $crate::tagged::fields(rest)?;
                            Ok($name::$variant { $($field),* })
                        }
                    )*
                }
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::tagged::deserialize(d)
            }
        }
    };
}

pub(crate) use tag_first_enum;
