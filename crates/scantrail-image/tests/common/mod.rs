//! Helpers shared by the integration tests.

#![allow(dead_code)]

use std::path::Path;

use scantrail_image::{read_image, FileKind, Image, ImageError, ImageSource, Limits, Platform, ReadOptions};

/// Reads `source` capturing every file.
pub fn read(source: &str) -> Result<Image, ImageError> {
    read_with(source, Platform::default(), Limits::default())
}

pub fn read_with(source: &str, platform: Platform, limits: Limits) -> Result<Image, ImageError> {
    let source = ImageSource::parse(source)?;
    let capture_all = |_: &str| true;
    read_image(&source, &ReadOptions { platform, capture: &capture_all, limits, ..ReadOptions::default() })
}

pub fn oci(dir: &Path, tag: &str) -> String {
    format!("oci:{}:{tag}", dir.display())
}

/// Returns the captured text of the file at `path`, following symlinks.
pub fn text(image: &Image, path: &str) -> Option<String> {
    image.files.read(path).map(|bytes| String::from_utf8_lossy(bytes).into_owned())
}

pub fn kind(image: &Image, path: &str) -> Option<FileKind> {
    image.files.get(path).map(|entry| entry.kind.clone())
}

/// Returns every path of the merged tree, in order.
pub fn paths(image: &Image) -> Vec<String> {
    image.files.iter().map(|(path, _)| path.to_string()).collect()
}
