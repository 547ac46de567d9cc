//! OSV wire format (schema 1.x, <https://ossf.github.io/osv-schema/>) and its conversion to the
//! domain types. Unknown fields are ignored so that records from newer schema versions load.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer};

use crate::advisory::{Advisory, Affected, Event, Range, RangeKind, SeverityScore};

/// Document formats an OSV record is read from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    Json,
    Yaml,
}

impl Format {
    /// The format a file name's extension implies, if it names an OSV record.
    pub(crate) fn of_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Format::Json)
        } else if lower.ends_with(".yaml") || lower.ends_with(".yml") {
            Some(Format::Yaml)
        } else {
            None
        }
    }
}

/// A parsed record: either an advisory or the id of a withdrawn one.
#[derive(Debug)]
pub(crate) enum Parsed {
    Advisory(Advisory),
    Withdrawn(String),
}

/// Parses one OSV record. The error is a reason without the location, for the caller to wrap.
pub(crate) fn parse_record(bytes: &[u8], format: Format) -> Result<Parsed, String> {
    let record: OsvRecord = match format {
        Format::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string())?,
        Format::Yaml => serde_yaml_ng::from_slice(bytes).map_err(|e| e.to_string())?,
    };
    record.into_domain()
}

#[derive(Deserialize)]
struct OsvRecord {
    id: Option<String>,
    modified: Option<DateTime<Utc>>,
    published: Option<DateTime<Utc>>,
    withdrawn: Option<DateTime<Utc>>,
    #[serde(default, deserialize_with = "null_as_default")]
    aliases: Vec<String>,
    /// Ids of the records this one was derived from (OSV 1.7). Ubuntu's records name the CVE
    /// here and not in `aliases`.
    #[serde(default, deserialize_with = "null_as_default")]
    upstream: Vec<String>,
    summary: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    severity: Vec<OsvSeverity>,
    #[serde(default, deserialize_with = "null_as_default")]
    affected: Vec<OsvAffected>,
    database_specific: Option<OsvDatabaseSpecific>,
}

#[derive(Deserialize)]
struct OsvSeverity {
    #[serde(rename = "type")]
    kind: String,
    score: String,
}

#[derive(Deserialize)]
struct OsvAffected {
    package: Option<OsvPackage>,
    #[serde(default, deserialize_with = "null_as_default")]
    ranges: Vec<OsvRange>,
    #[serde(default, deserialize_with = "null_as_default")]
    versions: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    severity: Vec<OsvSeverity>,
    database_specific: Option<OsvDatabaseSpecific>,
}

#[derive(Deserialize)]
struct OsvPackage {
    ecosystem: String,
    name: String,
    purl: Option<String>,
}

#[derive(Deserialize)]
struct OsvRange {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, deserialize_with = "null_as_default")]
    events: Vec<OsvEvent>,
}

#[derive(Deserialize)]
struct OsvEvent {
    introduced: Option<String>,
    fixed: Option<String>,
    last_affected: Option<String>,
    limit: Option<String>,
}

/// The one field of the free-form `database_specific` object that scantrail reads.
#[derive(Deserialize)]
struct OsvDatabaseSpecific {
    severity: Option<serde_json::Value>,
}

/// Reads an explicit `null` as the default value, as some producers write `"aliases": null`.
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(deserializer)?.unwrap_or_default())
}

impl OsvRecord {
    fn into_domain(self) -> Result<Parsed, String> {
        let id = match self.id {
            Some(id) if !id.trim().is_empty() => id.trim().to_string(),
            Some(_) => return Err("field `id` is empty".to_string()),
            None => return Err("missing field `id`".to_string()),
        };
        if self.withdrawn.is_some() {
            return Ok(Parsed::Withdrawn(id));
        }

        let mut affected = Vec::with_capacity(self.affected.len());
        for (index, entry) in self.affected.into_iter().enumerate() {
            if let Some(entry) = entry.into_domain(&id, index)? {
                affected.push(entry);
            }
        }

        // Upstream ids count as aliases, so that USN-5614-1 (upstream UBUNTU-CVE-2021-3782) and
        // UBUNTU-CVE-2021-3782 (upstream CVE-2021-3782) become one finding named by the CVE.
        let mut aliases = self.aliases;
        for upstream in self.upstream {
            if upstream != id && !aliases.contains(&upstream) {
                aliases.push(upstream);
            }
        }

        Ok(Parsed::Advisory(Advisory {
            aliases,
            published: self.published,
            modified: self.modified,
            summary: self.summary.filter(|s| !s.trim().is_empty()),
            severity: self.severity.into_iter().map(OsvSeverity::into_domain).collect(),
            database_severity: self.database_specific.and_then(OsvDatabaseSpecific::severity_word),
            affected,
            id,
        }))
    }
}

impl OsvAffected {
    /// Converts one `affected` entry. An entry without a package converts to `None`: OSV allows
    /// it for records that only name Git commits, and no installed package can match it.
    fn into_domain(self, id: &str, index: usize) -> Result<Option<Affected>, String> {
        let Some(package) = self.package else {
            tracing::debug!(advisory = %id, index, "skipping affected entry without a package");
            return Ok(None);
        };

        let mut ranges = Vec::with_capacity(self.ranges.len());
        for range in self.ranges {
            let kind = match range.kind.as_str() {
                "ECOSYSTEM" => RangeKind::Ecosystem,
                "SEMVER" => RangeKind::Semver,
                "GIT" => RangeKind::Git,
                other => {
                    // NOTE: a range type added by a future OSV schema is dropped, so the record
                    // may match fewer versions than its author meant.
                    tracing::warn!(advisory = %id, range_type = other, "skipping range of unknown type");
                    continue;
                }
            };
            let events = range
                .events
                .into_iter()
                .map(|event| event.into_domain().map_err(|reason| format!("affected[{index}] ({}): {reason}", package.name)))
                .collect::<Result<Vec<_>, _>>()?;
            ranges.push(Range { kind, events });
        }

        Ok(Some(Affected {
            ecosystem: package.ecosystem,
            name: package.name,
            purl: package.purl,
            ranges,
            versions: self.versions,
            severity: self.severity.into_iter().map(OsvSeverity::into_domain).collect(),
            database_severity: self.database_specific.and_then(OsvDatabaseSpecific::severity_word),
            vendor_status: None,
        }))
    }
}

impl OsvEvent {
    fn into_domain(self) -> Result<Event, String> {
        match (self.introduced, self.fixed, self.last_affected, self.limit) {
            (Some(v), None, None, None) => Ok(Event::Introduced(v)),
            (None, Some(v), None, None) => Ok(Event::Fixed(v)),
            (None, None, Some(v), None) => Ok(Event::LastAffected(v)),
            (None, None, None, Some(v)) => Ok(Event::Limit(v)),
            (None, None, None, None) => {
                Err("a range event has none of `introduced`, `fixed`, `last_affected`, `limit`".to_string())
            }
            _ => Err("a range event has more than one of `introduced`, `fixed`, `last_affected`, `limit`".to_string()),
        }
    }
}

impl OsvSeverity {
    fn into_domain(self) -> SeverityScore {
        SeverityScore { kind: self.kind, score: self.score }
    }
}

impl OsvDatabaseSpecific {
    /// The severity as a rating word; other shapes (numbers, objects) are not ratings.
    fn severity_word(self) -> Option<String> {
        match self.severity {
            Some(serde_json::Value::String(word)) if !word.trim().is_empty() => Some(word),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_yaml(text: &str) -> Result<Parsed, String> {
        parse_record(text.as_bytes(), Format::Yaml)
    }

    #[test]
    fn yaml_plain_scalar_versions_keep_their_text() {
        let text = "id: PYSEC-0000-1\naffected:\n- package: {name: x, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - introduced: 0\n    - fixed: 3.10\n  versions: [3.1, 3.10]\n";
        let Ok(Parsed::Advisory(advisory)) = parse_yaml(text) else { panic!("record did not parse") };
        let affected = &advisory.affected[0];
        assert_eq!(affected.ranges[0].events, vec![Event::Introduced("0".into()), Event::Fixed("3.10".into())]);
        assert_eq!(affected.versions, vec!["3.1", "3.10"]);
    }

    #[test]
    fn event_with_two_keys_is_rejected() {
        let text = "id: X-1\naffected:\n- package: {name: x, ecosystem: PyPI}\n  ranges:\n  - type: ECOSYSTEM\n    events:\n    - {introduced: '0', fixed: '1'}\n";
        let error = parse_yaml(text).unwrap_err();
        assert!(error.contains("more than one"), "{error}");
    }

    #[test]
    fn unknown_range_type_is_skipped() {
        let text = "id: X-1\naffected:\n- package: {name: x, ecosystem: PyPI}\n  ranges:\n  - type: FUTURE\n    events: [{introduced: '0'}]\n";
        let Ok(Parsed::Advisory(advisory)) = parse_yaml(text) else { panic!("record did not parse") };
        assert!(advisory.affected[0].ranges.is_empty());
    }

    #[test]
    fn missing_id_is_rejected() {
        let error = parse_record(br#"{"summary": "no id"}"#, Format::Json).unwrap_err();
        assert_eq!(error, "missing field `id`");
    }
}
