//! A compact, parsed form of the JSON objects in `customers.attributes` and `events.properties`.
//!
//! Each object is parsed once while loading, straight from the row's text into shared pools
//! (keys interned, strings in one arena, array elements contiguous), so evaluation never parses
//! JSON and loading never builds a `serde_json::Value` tree per row.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::interner::{Interner, Sym};

/// One JSON value. Objects nested inside an object are kept only as "an object": the DSL reads
/// top-level keys and compares scalars or arrays, and a nested object compares with nothing.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Dyn {
    Null,
    Bool(bool),
    /// Every JSON number, integer or float, as `f64`.
    Num(f64),
    /// A string at `DynPool::text(start, len)`.
    Str {
        start: u32,
        len: u32,
    },
    /// An array whose elements are `DynPool::elements[start..start + len]`.
    Arr {
        start: u32,
        len: u32,
    },
    Obj,
}

/// The pools every parsed object of one kind (attributes or properties) points into.
#[derive(Default, Debug)]
pub struct DynPool {
    /// Top-level `(key, value)` pairs of every object, in document order, object after object.
    pub entries: Vec<(Sym, Dyn)>,
    /// Elements of arrays.
    pub elements: Vec<Dyn>,
    text: String,
}

/// Why a JSON object could not be loaded.
#[derive(Debug)]
pub struct DynError(pub String);

impl fmt::Display for DynError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl DynPool {
    /// Parses `json`, which must be an object, appending its pairs to `entries`.
    pub fn push_object(&mut self, json: &str, keys: &mut Interner) -> Result<(), DynError> {
        if json == "{}" {
            return Ok(());
        }
        let mut de = serde_json::Deserializer::from_str(json);
        let seed = ObjectSeed { pool: self, keys };
        seed.deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| DynError(e.to_string()))
    }

    /// The text of a `Dyn::Str`.
    #[inline]
    pub fn text(&self, start: u32, len: u32) -> &str {
        let start = start as usize;
        self.text.get(start..start + len as usize).unwrap_or("")
    }

    /// The elements of a `Dyn::Arr`.
    #[inline]
    pub fn array(&self, start: u32, len: u32) -> &[Dyn] {
        let start = start as usize;
        self.elements
            .get(start..start + len as usize)
            .unwrap_or(&[])
    }

    /// Approximate heap bytes, for reporting.
    pub fn heap_bytes(&self) -> usize {
        self.entries.capacity() * std::mem::size_of::<(Sym, Dyn)>()
            + self.elements.capacity() * std::mem::size_of::<Dyn>()
            + self.text.capacity()
    }

    fn push_text(&mut self, s: &str) -> Result<Dyn, String> {
        let start = u32::try_from(self.text.len());
        let len = u32::try_from(s.len());
        match (start, len) {
            (Ok(start), Ok(len)) if u32::try_from(self.text.len() + s.len()).is_ok() => {
                self.text.push_str(s);
                Ok(Dyn::Str { start, len })
            }
            _ => Err("JSON text of the store exceeds 4 GiB".to_string()),
        }
    }
}

/// Parses `json`, which must be a JSON array of strings (a `tags` column), interning each
/// element into `out`.
pub fn push_string_list(
    json: &str,
    strings: &mut Interner,
    out: &mut Vec<Sym>,
) -> Result<(), DynError> {
    if json == "[]" {
        return Ok(());
    }
    let mut de = serde_json::Deserializer::from_str(json);
    ListSeed { strings, out }
        .deserialize(&mut de)
        .and_then(|()| de.end())
        .map_err(|e| DynError(e.to_string()))
}

struct ListSeed<'p> {
    strings: &'p mut Interner,
    out: &'p mut Vec<Sym>,
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON array of strings")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(sym) = seq.next_element_seed(KeySeed {
            keys: &mut *self.strings,
        })? {
            self.out.push(sym);
        }
        Ok(())
    }
}

struct ObjectSeed<'p> {
    pool: &'p mut DynPool,
    keys: &'p mut Interner,
}

impl<'de> DeserializeSeed<'de> for ObjectSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for ObjectSeed<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key_seed(KeySeed { keys: self.keys })? {
            let value = map.next_value_seed(ValueSeed { pool: self.pool })?;
            self.pool.entries.push((key, value));
        }
        Ok(())
    }
}

struct KeySeed<'p> {
    keys: &'p mut Interner,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Sym;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Sym, D::Error> {
        d.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = Sym;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a string")
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Sym, E> {
        Ok(self.keys.intern(v))
    }
}

struct ValueSeed<'p> {
    pool: &'p mut DynPool,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_> {
    type Value = Dyn;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Dyn, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_> {
    type Value = Dyn;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Dyn, E> {
        Ok(Dyn::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Dyn, E> {
        Ok(Dyn::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Dyn, E> {
        Ok(Dyn::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Dyn, E> {
        Ok(Dyn::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Dyn, E> {
        Ok(Dyn::Num(v))
    }
    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Dyn, E> {
        self.pool.push_text(v).map_err(E::custom)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Dyn, A::Error> {
        // Nested arrays append their own elements first, so the elements of this array are
        // collected aside and appended together to stay contiguous.
        let mut items = Vec::new();
        while let Some(item) = seq.next_element_seed(ValueSeed {
            pool: &mut *self.pool,
        })? {
            items.push(item);
        }
        let start = u32::try_from(self.pool.elements.len());
        let len = u32::try_from(items.len());
        match (start, len) {
            (Ok(start), Ok(len)) => {
                self.pool.elements.extend_from_slice(&items);
                Ok(Dyn::Arr { start, len })
            }
            _ => Err(serde::de::Error::custom(
                "too many JSON array elements in the store",
            )),
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Dyn, A::Error> {
        while map
            .next_entry::<serde::de::IgnoredAny, serde::de::IgnoredAny>()?
            .is_some()
        {}
        Ok(Dyn::Obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_json_kind_into_the_pools() {
        let mut pool = DynPool::default();
        let mut keys = Interner::default();
        pool.push_object(
            r#"{"n": 3, "f": 2.5, "s": "hi\n", "b": true, "z": null, "a": ["x", [1], 2], "o": {"k": 1}}"#,
            &mut keys,
        )
        .unwrap();
        let get = |name: &str| {
            let sym = keys.get(name).unwrap();
            pool.entries.iter().find(|(k, _)| *k == sym).unwrap().1
        };
        assert_eq!(get("n"), Dyn::Num(3.0));
        assert_eq!(get("f"), Dyn::Num(2.5));
        assert_eq!(get("b"), Dyn::Bool(true));
        assert_eq!(get("z"), Dyn::Null);
        assert_eq!(get("o"), Dyn::Obj);
        match get("s") {
            Dyn::Str { start, len } => assert_eq!(pool.text(start, len), "hi\n"),
            other => panic!("{other:?}"),
        }
        match get("a") {
            Dyn::Arr { start, len } => {
                let items = pool.array(start, len);
                assert_eq!(items.len(), 3);
                assert_eq!(items[2], Dyn::Num(2.0));
                assert!(matches!(items[1], Dyn::Arr { len: 1, .. }));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_string_lists_with_escapes() {
        let mut strings = Interner::default();
        let mut out = Vec::new();
        push_string_list(r#"["vip", "a\"b", "vip"]"#, &mut strings, &mut out).unwrap();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], out[2]);
        assert_eq!(strings.resolve(out[1]), Some("a\"b"));
        assert!(push_string_list("[1]", &mut strings, &mut out).is_err());
        assert!(push_string_list("{}", &mut strings, &mut out).is_err());
    }

    #[test]
    fn refuses_what_is_not_an_object() {
        let mut pool = DynPool::default();
        let mut keys = Interner::default();
        assert!(pool.push_object("[1]", &mut keys).is_err());
        assert!(pool.push_object("{\"a\": 1} x", &mut keys).is_err());
        assert!(pool.push_object("{\"a\": ", &mut keys).is_err());
    }
}
