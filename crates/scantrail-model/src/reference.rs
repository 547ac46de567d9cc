use std::fmt;

use crate::Digest;

/// A repository with an optional tag and digest: `registry.example.com/team/app:v1.0`,
/// `app@sha256:…` or `app:v1.0@sha256:…`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RepositoryTag {
    pub repository: String,
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReferenceError {
    #[error("invalid image reference {0:?}: the repository name is empty")]
    EmptyRepository(String),
    #[error("invalid image reference {reference:?}: {reason}")]
    Invalid { reference: String, reason: String },
}

impl RepositoryTag {
    /// Parses `REPOSITORY[:TAG][@DIGEST]`. A colon inside the registry host (`host:5000/app`) is
    /// a port, not a tag: a tag is only taken after the last `/`.
    pub fn parse(text: &str) -> Result<RepositoryTag, ReferenceError> {
        let invalid = |reason: &str| ReferenceError::Invalid { reference: text.to_string(), reason: reason.to_string() };
        let (name_and_tag, digest) = match text.split_once('@') {
            Some((left, digest)) => {
                let digest = digest.parse::<Digest>().map_err(|e| invalid(&e.to_string()))?;
                (left, Some(digest))
            }
            None => (text, None),
        };
        let last_slash = name_and_tag.rfind('/').map_or(0, |i| i + 1);
        let (repository, tag) = match name_and_tag[last_slash..].rfind(':') {
            Some(i) => {
                let split = last_slash + i;
                (&name_and_tag[..split], Some(name_and_tag[split + 1..].to_string()))
            }
            None => (name_and_tag, None),
        };
        if repository.is_empty() {
            return Err(ReferenceError::EmptyRepository(text.to_string()));
        }
        if let Some(tag) = &tag {
            let valid = !tag.is_empty()
                && tag.len() <= 128
                && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
                && !tag.starts_with(['.', '-']);
            if !valid {
                return Err(invalid(&format!("tag {tag:?} must match [A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}")));
            }
        }
        if repository.chars().any(char::is_whitespace) {
            return Err(invalid("the repository name contains white space"));
        }
        Ok(RepositoryTag { repository: repository.to_string(), tag, digest })
    }
}

impl RepositoryTag {
    /// Checks the repository against the OCI distribution specification's name grammar: an
    /// optional registry host (`registry.example.com`, `localhost:5000`) and lowercase path
    /// components of letters and digits joined by `.`, `_`, `__` or runs of `-`.
    ///
    /// [`RepositoryTag::parse`] does not apply this, because scantrail also records local image
    /// layouts under their path; names that users give for the history (`--tag`) must pass it.
    pub fn validate_repository(&self) -> Result<(), ReferenceError> {
        let invalid = |reason: String| ReferenceError::Invalid { reference: self.to_string(), reason };
        let mut components: Vec<&str> = self.repository.split('/').collect();
        let first = components[0];
        let has_registry = components.len() > 1 && (first.contains('.') || first.contains(':') || first == "localhost");
        if has_registry {
            let valid_host = first
                .split_once(':')
                .map_or(true, |(_, port)| !port.is_empty() && port.bytes().all(|b| b.is_ascii_digit()))
                && first.split(':').next().is_some_and(|host| {
                    !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'-')
                });
            if !valid_host {
                return Err(invalid(format!("registry host {first:?} must be a host name with an optional :port")));
            }
            components.remove(0);
        }
        for component in components {
            if !is_path_component(component) {
                return Err(invalid(format!(
                    "repository path component {component:?} must be lowercase letters and digits joined by '.', '_', '__' or '-'"
                )));
            }
        }
        Ok(())
    }
}

/// Matches `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, a path component of an OCI repository name.
fn is_path_component(component: &str) -> bool {
    let bytes = component.as_bytes();
    let alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if bytes.is_empty() || !alphanumeric(bytes[0]) || !alphanumeric(bytes[bytes.len() - 1]) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alphanumeric(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alphanumeric(bytes[i]) {
            i += 1;
        }
        let separator = &component[start..i];
        let valid = separator == "." || separator == "_" || separator == "__" || separator.bytes().all(|b| b == b'-');
        if !valid {
            return false;
        }
    }
    true
}

impl fmt::Display for RepositoryTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_repository_with_port_and_tag() {
        let parsed = RepositoryTag::parse("localhost:5000/shop/app:v1.0").unwrap();
        assert_eq!(parsed.repository, "localhost:5000/shop/app");
        assert_eq!(parsed.tag.as_deref(), Some("v1.0"));
        assert_eq!(parsed.digest, None);
    }

    #[test]
    fn parse_repository_without_tag() {
        let parsed = RepositoryTag::parse("localhost:5000/shop/app").unwrap();
        assert_eq!(parsed.repository, "localhost:5000/shop/app");
        assert_eq!(parsed.tag, None);
    }

    #[test]
    fn parse_repository_with_digest() {
        let text = format!("app@{}", Digest::sha256_of(b"x"));
        let parsed = RepositoryTag::parse(&text).unwrap();
        assert_eq!(parsed.repository, "app");
        assert_eq!(parsed.digest, Some(Digest::sha256_of(b"x")));
        assert_eq!(parsed.to_string(), text);
    }

    #[test]
    fn validate_repository_names() {
        let valid = ["app", "shop/app", "registry.example.com/shop/app", "localhost:5000/a_b/c__d/e--f.g", "127.0.0.1:5000/x"];
        for name in valid {
            let parsed = RepositoryTag::parse(&format!("{name}:v1")).unwrap();
            assert_eq!(parsed.validate_repository(), Ok(()), "{name}");
        }
        let invalid = ["UPPER/App", "reg//app", "https://reg/app", "../../etc/passwd", "reg/app:a", "shop/-app", "shop/app.", "shop/a..b"];
        for name in invalid {
            let parsed = RepositoryTag::parse(&format!("{name}:v1")).unwrap();
            assert!(parsed.validate_repository().is_err(), "{name} should be rejected");
        }
    }

    #[test]
    fn parse_rejects_bad_tag() {
        assert!(RepositoryTag::parse("app:").is_err());
        assert!(RepositoryTag::parse("app:-x").is_err());
        assert!(RepositoryTag::parse(":v1").is_err());
    }
}
