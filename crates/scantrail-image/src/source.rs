//! Image sources as the user names them, and platforms.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

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

        let path = Path::new(text);
        if !path.exists() {
            return Err(invalid(
                "no such file or directory, and reading from a registry is not supported yet; \
                 export the image first, for example `docker save -o app.tar IMAGE` or \
                 `skopeo copy docker://IMAGE oci:DIR:TAG`",
            ));
        }
        detect_source(path)
    }

    /// Returns the path of the layout directory or archive file.
    pub fn path(&self) -> &Path {
        match self {
            ImageSource::OciLayout { path, .. }
            | ImageSource::OciArchive { path, .. }
            | ImageSource::DockerArchive { path, .. } => path,
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
        for text in ["oci:", "oci:demo:", "docker-archive::x", "alpine:3.10"] {
            let err = ImageSource::parse(text).expect_err(text);
            assert!(matches!(err, ImageError::InvalidSource { .. }), "{text}: {err}");
        }
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
