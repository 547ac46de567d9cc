//! Package URLs (purls) in canonical form, as the Package-URL specification defines them
//! (`scheme:type/namespace/name@version?qualifiers`, see <https://github.com/package-url/purl-spec>).

use std::fmt::Write;

/// The parts of a purl that catalogers fill in. Empty qualifier values are left out.
pub(crate) struct PackageUrl<'a> {
    /// The purl type, the package format (`deb`, `npm`, `pypi`).
    pub package_type: &'a str,
    pub namespace: Option<&'a str>,
    pub name: &'a str,
    pub version: &'a str,
    pub qualifiers: Vec<(&'a str, &'a str)>,
}

impl PackageUrl<'_> {
    /// Formats the purl in canonical form: every component percent-encoded and the qualifiers
    /// sorted by key.
    pub fn to_canonical(&self) -> String {
        let mut purl = format!("pkg:{}/", self.package_type);
        if let Some(namespace) = self.namespace {
            for segment in namespace.split('/').filter(|segment| !segment.is_empty()) {
                purl.push_str(&encode(segment));
                purl.push('/');
            }
        }
        purl.push_str(&encode(self.name));
        if !self.version.is_empty() {
            purl.push('@');
            purl.push_str(&encode(self.version));
        }

        let mut qualifiers: Vec<&(&str, &str)> = self.qualifiers.iter().filter(|(_, value)| !value.is_empty()).collect();
        qualifiers.sort_by_key(|(key, _)| *key);
        for (index, (key, value)) in qualifiers.into_iter().enumerate() {
            purl.push(if index == 0 { '?' } else { '&' });
            purl.push_str(key);
            purl.push('=');
            purl.push_str(&encode(value));
        }
        purl
    }
}

/// Percent-encodes one purl component. The specification keeps ASCII letters, digits, `.-_~`
/// and the colon `:` as they are and encodes every other UTF-8 byte, so a Debian epoch stays
/// `1:2.38.1-5` while `+` becomes `%2B` (`pkg:deb/debian/attr@1:2.4.47-2%2Bb1` is one of the
/// specification's own test vectors).
///
/// NOTE: some tools write `+` unencoded, so compare purls from other sources after
/// percent-decoding them.
pub(crate) fn encode(component: &str) -> String {
    let mut encoded = String::with_capacity(component.len());
    for byte in component.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b'~' | b':') {
            encoded.push(byte as char);
        } else {
            // Writing to a String cannot fail.
            let _ = write!(encoded, "%{byte:02X}");
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encode_keeps_colon_and_encodes_plus() {
        assert_eq!(encode("1:2.4.47-2+b1"), "1:2.4.47-2%2Bb1");
        assert_eq!(encode("libstdc++6"), "libstdc%2B%2B6");
        assert_eq!(encode("@angular"), "%40angular");
        assert_eq!(encode("a b/c"), "a%20b%2Fc");
        assert_eq!(encode("ü"), "%C3%BC");
        assert_eq!(encode("1.0~rc1"), "1.0~rc1");
    }

    #[test]
    fn canonical_sorts_qualifiers_and_drops_empty_ones() {
        let purl = PackageUrl {
            package_type: "deb",
            namespace: Some("debian"),
            name: "attr",
            version: "1:2.4.47-2+b1",
            qualifiers: vec![("upstream", ""), ("distro", "debian-12"), ("arch", "amd64")],
        };
        assert_eq!(purl.to_canonical(), "pkg:deb/debian/attr@1:2.4.47-2%2Bb1?arch=amd64&distro=debian-12");
    }

    #[test]
    fn canonical_without_namespace_or_version() {
        let purl = PackageUrl { package_type: "npm", namespace: None, name: "left-pad", version: "", qualifiers: Vec::new() };
        assert_eq!(purl.to_canonical(), "pkg:npm/left-pad");
    }
}
