//! Image sources as the user names them, and platforms.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use scantrail_model::Digest;

use crate::archive::Store;
use crate::ImageError;

/// Location and format of an image to read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ImageSource {
    /// An OCI image layout directory, `oci:DIR[:TAG]`; TAG is an `org.opencontainers.image.ref.name`.
    OciLayout { path: PathBuf, tag: Option<String> },
    /// A tar of an OCI image layout, `oci-archive:FILE[:TAG]`.
    OciArchive { path: PathBuf, tag: Option<String> },
    /// A `docker save` tar, `docker-archive:FILE[:REF]`; REF is one of its `RepoTags`.
    DockerArchive { path: PathBuf, reference: Option<String> },
    /// An image in a registry, `docker://REFERENCE` or a bare reference such as `alpine:3.19`.
    Registry(Reference),
}

impl ImageSource {
    /// Parses a source string. The path ends at the first `:` after the transport prefix, as in
    /// skopeo, so a prefixed path cannot contain `:`; a bare path can.
    ///
    /// A bare path is recognised by content. A directory with an `oci-layout` file is an OCI
    /// layout. A tar (plain, gzip or zstd) containing `manifest.json` is a docker-archive, and
    /// one containing `oci-layout` or `index.json` but no `manifest.json` is an oci-archive.
    pub fn parse(text: &str) -> Result<ImageSource, ImageError> {
        let invalid = |reason: &str| ImageError::InvalidSource { text: text.to_string(), reason: reason.to_string() };

        if let Some((transport, rest)) = text.split_once(':') {
            let (path, selector) = match rest.split_once(':') {
                Some((path, selector)) => (path, Some(selector)),
                None => (rest, None),
            };
            let known = matches!(transport, "oci" | "oci-archive" | "docker-archive");
            if known && path.is_empty() {
                return Err(invalid("the path is empty"));
            }
            if known && selector == Some("") {
                return Err(invalid("the tag after the path is empty"));
            }
            let path = PathBuf::from(path);
            let selector = selector.map(str::to_string);
            match transport {
                "oci" => return Ok(ImageSource::OciLayout { path, tag: selector }),
                "oci-archive" => return Ok(ImageSource::OciArchive { path, tag: selector }),
                "docker-archive" => return Ok(ImageSource::DockerArchive { path, reference: selector }),
                _ => {}
            }
        }

        if let Some(reference) = text.strip_prefix("docker://") {
            return Reference::parse(reference).map(ImageSource::Registry).map_err(|reason| invalid(&reason));
        }

        let path = Path::new(text);
        if !path.exists() {
            // A bare name without tag, digest or registry host (`demo-oci`) is more likely a
            // mistyped path than a request for `docker.io/library/demo-oci:latest`.
            let explicit = text.contains(':') || text.contains('@') || text.contains('/');
            return match Reference::parse(text) {
                Ok(reference) if explicit => Ok(ImageSource::Registry(reference)),
                _ => Err(invalid(
                    "no such file or directory, and not an image reference with a tag or digest; \
                     for a registry image without a tag write docker://NAME",
                )),
            };
        }
        detect_source(path)
    }

    /// Returns the path of the layout directory or archive file, or `None` for a registry image.
    pub fn path(&self) -> Option<&Path> {
        match self {
            ImageSource::OciLayout { path, .. }
            | ImageSource::OciArchive { path, .. }
            | ImageSource::DockerArchive { path, .. } => Some(path),
            ImageSource::Registry(_) => None,
        }
    }
}

/// Decides what kind of image a bare path holds, by its content.
fn detect_source(path: &Path) -> Result<ImageSource, ImageError> {
    let unrecognized = |reason: &str| ImageError::UnrecognizedSource { path: path.to_path_buf(), reason: reason.to_string() };

    if path.is_dir() {
        if path.join("oci-layout").is_file() {
            return Ok(ImageSource::OciLayout { path: path.to_path_buf(), tag: None });
        }
        return Err(unrecognized("the directory has no oci-layout file, so it is not an OCI image layout"));
    }

    let store = Store::archive(path)?;
    if store.contains("manifest.json") {
        return Ok(ImageSource::DockerArchive { path: path.to_path_buf(), reference: None });
    }
    if store.contains("oci-layout") || store.contains("index.json") {
        return Ok(ImageSource::OciArchive { path: path.to_path_buf(), tag: None });
    }
    Err(unrecognized("the tar has neither manifest.json (docker-archive) nor oci-layout or index.json (oci-archive)"))
}

impl fmt::Display for ImageSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (transport, path, selector) = match self {
            ImageSource::Registry(reference) => return write!(f, "docker://{reference}"),
            ImageSource::OciLayout { path, tag } => ("oci", path, tag),
            ImageSource::OciArchive { path, tag } => ("oci-archive", path, tag),
            ImageSource::DockerArchive { path, reference } => ("docker-archive", path, reference),
        };
        write!(f, "{transport}:{}", path.display())?;
        if let Some(selector) = selector {
            write!(f, ":{selector}")?;
        }
        Ok(())
    }
}

/// The registry that short names such as `alpine:3.19` refer to.
pub const DOCKER_HUB: &str = "docker.io";

/// A reference to an image in a registry, `[REGISTRY/]REPOSITORY[:TAG][@DIGEST]`, normalized as
/// Docker does: `alpine:3.19` is `docker.io/library/alpine:3.19`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reference {
    /// Registry host with an optional port, such as `registry.example.com:5000` or `docker.io`.
    pub registry: String,
    /// Repository path inside the registry, such as `library/alpine` or `team/app`.
    pub repository: String,
    /// The tag; `None` when the reference names only a digest.
    pub tag: Option<String>,
    pub digest: Option<Digest>,
}

impl Reference {
    /// Parses a reference. The first path component is the registry host when it contains `.`
    /// or `:` or is `localhost`; otherwise the image is on Docker Hub, where one-component names
    /// live under `library/`. A reference with neither tag nor digest means tag `latest`.
    pub fn parse(text: &str) -> Result<Reference, String> {
        let (name, digest) = match text.rsplit_once('@') {
            Some((name, digest)) => {
                let digest = digest.parse::<Digest>().map_err(|e| format!("invalid digest after @: {e}"))?;
                (name, Some(digest))
            }
            None => (text, None),
        };
        let (name, tag) = match name.rsplit_once(':') {
            Some((before, tag)) if !tag.contains('/') => (before, Some(tag.to_string())),
            _ => (name, None),
        };
        if let Some(tag) = &tag {
            if !is_valid_tag(tag) {
                return Err(format!("invalid tag {tag:?}: a tag is 1 to 128 of A-Z a-z 0-9 _ . - and does not start with . or -"));
            }
        }

        let (registry, repository) = match name.split_once('/') {
            Some((first, rest)) if first.contains('.') || first.contains(':') || first == "localhost" => {
                (first.to_string(), rest.to_string())
            }
            Some(_) => (DOCKER_HUB.to_string(), name.to_string()),
            None => (DOCKER_HUB.to_string(), format!("library/{name}")),
        };
        let registry = if registry == "index.docker.io" { DOCKER_HUB.to_string() } else { registry };
        if registry.is_empty() || !is_valid_repository(&repository) {
            return Err(format!(
                "invalid repository name {name:?}: use lowercase letters, digits and . _ - separated by /"
            ));
        }

        let tag = if tag.is_none() && digest.is_none() { Some("latest".to_string()) } else { tag };
        Ok(Reference { registry, repository, tag, digest })
    }

    /// Returns `registry/repository`, the name scans of this image are recorded under.
    pub fn name(&self) -> String {
        format!("{}/{}", self.registry, self.repository)
    }

    /// Returns what the manifest is fetched by: the digest when there is one, else the tag.
    pub fn manifest_reference(&self) -> String {
        match (&self.digest, &self.tag) {
            (Some(digest), _) => digest.to_string(),
            (None, Some(tag)) => tag.clone(),
            (None, None) => "latest".to_string(),
        }
    }
}

fn is_valid_tag(tag: &str) -> bool {
    let first_ok = tag.chars().next().is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
    first_ok && tag.len() <= 128 && tag.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn is_valid_repository(repository: &str) -> bool {
    !repository.is_empty()
        && repository.split('/').all(|component| {
            let edge_ok = |c: Option<char>| c.is_some_and(|c| c.is_ascii_lowercase() || c.is_ascii_digit());
            edge_ok(component.chars().next())
                && edge_ok(component.chars().last())
                && component.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'))
        })
}

impl fmt::Display for Reference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.registry, self.repository)?;
        if let Some(tag) = &self.tag {
            write!(f, ":{tag}")?;
        }
        if let Some(digest) = &self.digest {
            write!(f, "@{digest}")?;
        }
        Ok(())
    }
}

/// An image platform, `os/architecture[/variant]` as in `linux/arm64/v8`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl Default for Platform {
    fn default() -> Platform {
        Platform { os: "linux".to_string(), architecture: "amd64".to_string(), variant: None }
    }
}

impl Platform {
    /// Returns whether an image built for `candidate` satisfies this requested platform. A requested
    /// variant must match; without one any variant does. An arm64 image without a variant
    /// counts as `v8`, the only arm64 variant in use.
    pub fn matches(&self, candidate: &Platform) -> bool {
        if self.os != candidate.os || self.architecture != candidate.architecture {
            return false;
        }
        let Some(wanted) = &self.variant else { return true };
        let implied = (candidate.architecture == "arm64").then_some("v8");
        candidate.variant.as_deref().or(implied) == Some(wanted.as_str())
    }
}

impl FromStr for Platform {
    type Err = ImageError;

    fn from_str(text: &str) -> Result<Platform, ImageError> {
        let parts: Vec<&str> = text.split('/').collect();
        let invalid = || ImageError::InvalidPlatform { text: text.to_string() };
        if parts.iter().any(|part| part.is_empty()) {
            return Err(invalid());
        }
        match parts.as_slice() {
            [os, architecture] => {
                Ok(Platform { os: os.to_string(), architecture: architecture.to_string(), variant: None })
            }
            [os, architecture, variant] => Ok(Platform {
                os: os.to_string(),
                architecture: architecture.to_string(),
                variant: Some(variant.to_string()),
            }),
            _ => Err(invalid()),
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(variant) = &self.variant {
            write!(f, "/{variant}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_prefixed_sources() {
        let cases: &[(&str, ImageSource)] = &[
            ("oci:demo", ImageSource::OciLayout { path: "demo".into(), tag: None }),
            ("oci:demo:v1.1", ImageSource::OciLayout { path: "demo".into(), tag: Some("v1.1".into()) }),
            ("oci-archive:a.tar:v1", ImageSource::OciArchive { path: "a.tar".into(), tag: Some("v1".into()) }),
            ("docker-archive:a.tar", ImageSource::DockerArchive { path: "a.tar".into(), reference: None }),
            (
                "docker-archive:a.tar:localhost:5000/demo:v1.1",
                ImageSource::DockerArchive { path: "a.tar".into(), reference: Some("localhost:5000/demo:v1.1".into()) },
            ),
        ];
        for (text, expected) in cases {
            let parsed = ImageSource::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(&parsed, expected, "{text}");
            assert_eq!(parsed.to_string(), *text, "display of {text}");
        }
    }

    #[test]
    fn parse_rejects_empty_parts() {
        for text in ["oci:", "oci:demo:", "docker-archive::x", "docker://", "docker://Alpine", "docker://a:.bad", "no-such-dir"] {
            let err = ImageSource::parse(text).expect_err(text);
            assert!(matches!(err, ImageError::InvalidSource { .. }), "{text}: {err}");
        }
    }

    #[test]
    fn parse_registry_references() {
        let digest = format!("sha256:{}", "a".repeat(64));
        let cases: Vec<(String, &str, &str, Option<&str>, bool)> = vec![
            ("alpine:3.19".into(), "docker.io", "library/alpine", Some("3.19"), false),
            ("docker://alpine".into(), "docker.io", "library/alpine", Some("latest"), false),
            ("team/app:1".into(), "docker.io", "team/app", Some("1"), false),
            ("registry.example.com/team/app:1.2".into(), "registry.example.com", "team/app", Some("1.2"), false),
            ("localhost/app:v1".into(), "localhost", "app", Some("v1"), false),
            ("docker://127.0.0.1:5000/shop/app:v1.1".into(), "127.0.0.1:5000", "shop/app", Some("v1.1"), false),
            ("127.0.0.1:5000/shop/app".into(), "127.0.0.1:5000", "shop/app", Some("latest"), false),
            (format!("app@{digest}"), "docker.io", "library/app", None, true),
            (format!("index.docker.io/library/app:1@{digest}"), "docker.io", "library/app", Some("1"), true),
        ];
        for (text, registry, repository, tag, has_digest) in cases {
            let Ok(ImageSource::Registry(reference)) = ImageSource::parse(&text) else { panic!("{text} is not a registry source") };
            assert_eq!(reference.registry, registry, "{text}");
            assert_eq!(reference.repository, repository, "{text}");
            assert_eq!(reference.tag.as_deref(), tag, "{text}");
            assert_eq!(reference.digest.is_some(), has_digest, "{text}");
        }
        let source = ImageSource::parse("alpine:3.19").unwrap();
        assert_eq!(source.to_string(), "docker://docker.io/library/alpine:3.19");
    }

    #[test]
    fn platform_parse_and_match() {
        let requested: Platform = "linux/arm64/v8".parse().unwrap();
        assert_eq!(requested.to_string(), "linux/arm64/v8");
        let bare_arm64 = Platform { os: "linux".into(), architecture: "arm64".into(), variant: None };
        assert!(requested.matches(&bare_arm64));
        let arm_v7: Platform = "linux/arm/v7".parse().unwrap();
        assert!(!"linux/arm/v6".parse::<Platform>().unwrap().matches(&arm_v7));
        assert!("linux/arm".parse::<Platform>().unwrap().matches(&arm_v7));
        assert!(!Platform::default().matches(&bare_arm64));
        for bad in ["linux", "linux/", "/amd64", "a/b/c/d"] {
            assert!(bad.parse::<Platform>().is_err(), "{bad}");
        }
    }
}
