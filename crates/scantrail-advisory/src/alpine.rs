//! Alpine secdb documents (<https://secdb.alpinelinux.org/>): the security fixes of one branch
//! and repository, listed per package as `secfixes: {fixed version: [CVE ids]}`.
//!
//! Each (vulnerability id, branch, repository) becomes one advisory with an affected entry per
//! package, ecosystem `Alpine:v3.19`, and the range introduced `0`, fixed at the listed
//! version. Alpine writes a fixed version of `0` for a package that was never affected; that
//! entry gets no range, so it matches nothing, and the vendor status `not-affected`.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::advisory::{Advisory, Affected, Event, Range, RangeKind};
use crate::document::KeyText;
use crate::osv::{Format, Parsed};

#[derive(Deserialize)]
struct Secdb {
    distroversion: String,
    reponame: Option<String>,
    #[serde(default)]
    packages: Vec<SecdbPackage>,
}

#[derive(Deserialize)]
struct SecdbPackage {
    pkg: SecdbPkg,
}

#[derive(Deserialize)]
struct SecdbPkg {
    /// The origin (source) package name, which apk records as `o:` in the installed database.
    name: String,
    #[serde(default)]
    secfixes: Option<BTreeMap<KeyText, Option<Vec<String>>>>,
}

/// Parses one secdb document into advisories.
pub(crate) fn parse(bytes: &[u8], format: Format) -> Result<Vec<Parsed>, String> {
    let secdb: Secdb = match format {
        Format::Json => serde_json::from_slice(bytes).map_err(|e| e.to_string())?,
        Format::Yaml => serde_yaml_ng::from_slice(bytes).map_err(|e| e.to_string())?,
    };
    let branch = secdb.distroversion.trim();
    if branch.is_empty() {
        return Err("field `distroversion` is empty".to_string());
    }
    let repository = secdb.reponame.as_deref().map(str::trim).filter(|r| !r.is_empty()).unwrap_or("main");
    let ecosystem = format!("Alpine:{branch}");

    // Vulnerability id to its affected entries, in package order then version order.
    let mut per_id: BTreeMap<String, Vec<Affected>> = BTreeMap::new();
    for package in secdb.packages {
        for (version, ids) in package.pkg.secfixes.unwrap_or_default() {
            let version = version.0.trim().to_string();
            // An entry may hold several ids separated by spaces, and some add a note after the id.
            let ids = ids.unwrap_or_default();
            for id in ids.iter().flat_map(|entry| entry.split_whitespace()).filter(|token| looks_like_id(token)) {
                per_id.entry(id.to_string()).or_default().push(affected_entry(&ecosystem, &package.pkg.name, &version));
            }
        }
    }

    Ok(per_id
        .into_iter()
        .map(|(id, affected)| {
            Parsed::Advisory(Advisory {
                id: format!("ALPINE-{branch}-{repository}-{id}"),
                aliases: vec![id],
                published: None,
                modified: None,
                summary: None,
                severity: Vec::new(),
                database_severity: None,
                affected,
            })
        })
        .collect())
}

fn affected_entry(ecosystem: &str, package: &str, fixed: &str) -> Affected {
    let not_affected = fixed == "0";
    let ranges = if not_affected {
        Vec::new()
    } else {
        vec![Range { kind: RangeKind::Ecosystem, events: vec![Event::Introduced("0".to_string()), Event::Fixed(fixed.to_string())] }]
    };
    Affected {
        ecosystem: ecosystem.to_string(),
        name: package.to_string(),
        purl: None,
        ranges,
        versions: Vec::new(),
        severity: Vec::new(),
        database_severity: None,
        vendor_status: not_affected.then(|| "not-affected".to_string()),
    }
}

/// Whether a secfixes token is a vulnerability id (`CVE-2022-1271`, `XSA-123`, `GHSA-…`) and
/// not a note such as `(upstream)`.
fn looks_like_id(token: &str) -> bool {
    let Some((prefix, rest)) = token.split_once('-') else { return false };
    !prefix.is_empty() && prefix.chars().all(|c| c.is_ascii_uppercase()) && !rest.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_tokens() {
        assert!(looks_like_id("CVE-2022-1271"));
        assert!(looks_like_id("XSA-123"));
        assert!(!looks_like_id("(upstream)"));
        assert!(!looks_like_id("cve"));
    }
}
