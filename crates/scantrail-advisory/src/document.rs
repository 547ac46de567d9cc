//! Recognition of an advisory document's format by its content, so that `load_paths` accepts
//! OSV records, Alpine secdb documents and the Debian security tracker's JSON without being
//! told which is which.

use std::fmt;

use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::osv::{parse_record, Format, Parsed};
use crate::{alpine, debian_tracker};

/// The advisory document formats `load_paths` reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// One OSV record; also the fallback, so that a malformed document fails with OSV errors.
    Osv,
    /// An Alpine secdb document: top-level `distroversion` and `packages`.
    AlpineSecdb,
    /// The Debian security tracker JSON: source package names mapping to objects keyed by
    /// CVE (or `TEMP-`) ids.
    DebianTracker,
}

/// Parses one document into advisories. The error is a reason without the location.
pub(crate) fn parse_document(bytes: &[u8], format: Format) -> Result<Vec<Parsed>, String> {
    let kind = match format {
        Format::Json => (&mut serde_json::Deserializer::from_slice(bytes)).deserialize_any(SniffVisitor).ok(),
        Format::Yaml => serde_yaml_ng::Deserializer::from_slice(bytes).deserialize_any(SniffVisitor).ok(),
    };
    // A document that does not even parse generically is reported by the OSV parser.
    match kind.unwrap_or(Kind::Osv) {
        Kind::Osv => parse_record(bytes, format).map(|parsed| vec![parsed]),
        Kind::AlpineSecdb => alpine::parse(bytes, format).map_err(|reason| format!("Alpine secdb document: {reason}")),
        Kind::DebianTracker => debian_tracker::parse(bytes).map_err(|reason| format!("Debian security tracker JSON: {reason}")),
    }
}

/// Reads a document's top-level keys, and the keys of the first value, without keeping them.
struct SniffVisitor;

impl<'de> Visitor<'de> for SniffVisitor {
    type Value = Kind;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let (mut has_id, mut has_distroversion, mut has_packages) = (false, false, false);
        let mut first_value_is_cve_map = None;
        while let Some(key) = map.next_key::<KeyText>()? {
            match key.0.as_str() {
                "id" => has_id = true,
                "distroversion" => has_distroversion = true,
                "packages" => has_packages = true,
                _ => {}
            }
            if first_value_is_cve_map.is_none() {
                first_value_is_cve_map = Some(map.next_value::<CveKeyed>()?.0);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(if has_id {
            Kind::Osv
        } else if has_distroversion && has_packages {
            Kind::AlpineSecdb
        } else if first_value_is_cve_map == Some(true) {
            Kind::DebianTracker
        } else {
            Kind::Osv
        })
    }

    // Anything but an object is left to the OSV parser to reject.
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Kind::Osv)
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<Kind, E> {
        Ok(Kind::Osv)
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Kind, E> {
        Ok(Kind::Osv)
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Kind, E> {
        Ok(Kind::Osv)
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Kind, E> {
        Ok(Kind::Osv)
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Kind, E> {
        Ok(Kind::Osv)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Osv)
    }
}

/// A map key as text; YAML keys may be numbers or booleans.
#[derive(PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct KeyText(pub(crate) String);

impl<'de> de::Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<KeyText, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = KeyText;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a string or number")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
        }
        deserializer.deserialize_any(KeyVisitor)
    }
}

/// Whether a value is a non-empty object whose keys all look like Debian tracker issue ids.
struct CveKeyed(bool);

impl<'de> de::Deserialize<'de> for CveKeyed {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<CveKeyed, D::Error> {
        deserializer.deserialize_any(CveKeyedVisitor)
    }
}

struct CveKeyedVisitor;

impl<'de> Visitor<'de> for CveKeyedVisitor {
    type Value = CveKeyed;

    fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
        formatter.write_str("any value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<CveKeyed, A::Error> {
        let mut all = true;
        let mut any = false;
        while let Some(key) = map.next_key::<KeyText>()? {
            any = true;
            all &= key.0.starts_with("CVE-") || key.0.starts_with("TEMP-");
            map.next_value::<IgnoredAny>()?;
        }
        Ok(CveKeyed(any && all))
    }
    fn visit_seq<A: de::SeqAccess<'de>>(self, mut seq: A) -> Result<CveKeyed, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(CveKeyed(false))
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<CveKeyed, E> {
        Ok(CveKeyed(false))
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<CveKeyed, E> {
        Ok(CveKeyed(false))
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<CveKeyed, E> {
        Ok(CveKeyed(false))
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<CveKeyed, E> {
        Ok(CveKeyed(false))
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<CveKeyed, E> {
        Ok(CveKeyed(false))
    }
    fn visit_unit<E: de::Error>(self) -> Result<CveKeyed, E> {
        Ok(CveKeyed(false))
    }
}
