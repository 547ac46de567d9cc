use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::advisory::Advisory;
use crate::error::AdvisoryError;
use crate::document::parse_document;
use crate::osv::{Format, Parsed};
use crate::snapshot::keep_newest;

/// Maximum uncompressed size of one zip entry, a guard against decompression bombs. OSV records
/// are small (the largest of about 16,000 Debian, PyPI, npm, Go and RustSec records is 17 KB),
/// so the limit leaves ample room.
pub const MAX_ENTRY_BYTES: u64 = 64 * 1024 * 1024;

/// The advisories of one import plus what each source contributed.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Loaded {
    /// Sorted by id. When several records share an id, the one with the latest `modified` is kept.
    pub advisories: Vec<Advisory>,
    /// One summary per path given to [`load_paths`], in the same order.
    pub sources: Vec<SourceSummary>,
}

/// Record counts of one path given to [`load_paths`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SourceSummary {
    pub path: String,
    /// Records read, withdrawn ones excluded and duplicates included.
    pub records: usize,
    pub withdrawn_skipped: usize,
    /// Records per affected ecosystem as written (`Debian:12`, `PyPI`). A record that affects
    /// packages of two ecosystems counts once in each.
    pub per_ecosystem: BTreeMap<String, usize>,
}

/// Loads advisories from files and folders.
///
/// A document is an OSV record, an Alpine secdb document or the Debian security tracker's
/// JSON, told apart by its top-level keys (see the `alpine` and `debian_tracker` modules).
///
/// A path may be an advisory document (`.json`, `.yaml`, `.yml`), a zip bundle of them shaped like
/// osv.dev's per-ecosystem `all.zip`, or a folder. Folders are walked recursively in name order.
/// The walk skips hidden entries and files that are neither records nor bundles (README,
/// MANIFEST.tsv), and it does not follow symbolic links to folders.
///
/// The import is all-or-nothing: the first unreadable file or invalid record fails it, with an
/// error naming the file. Withdrawn records are skipped and counted.
pub fn load_paths(paths: &[PathBuf]) -> Result<Loaded, AdvisoryError> {
    let mut advisories = Vec::new();
    let mut sources = Vec::with_capacity(paths.len());

    for path in paths {
        let mut source = Source { summary: SourceSummary { path: path.display().to_string(), ..Default::default() }, advisories: &mut advisories };
        let metadata = std::fs::metadata(path).map_err(|source| AdvisoryError::Read { path: path.clone(), source })?;
        if metadata.is_dir() {
            source.load_folder(path)?;
        } else if is_bundle(path) {
            source.load_bundle(path)?;
        } else if let Some(format) = Format::of_name(&path.to_string_lossy()) {
            source.load_file(path, format)?;
        } else {
            return Err(AdvisoryError::UnsupportedFile { path: path.clone() });
        }
        tracing::debug!(path = %path.display(), records = source.summary.records, withdrawn = source.summary.withdrawn_skipped, "loaded advisory source");
        sources.push(source.summary);
    }

    Ok(Loaded { advisories: keep_newest(advisories), sources })
}

/// Collects the records of one path given to [`load_paths`].
struct Source<'a> {
    summary: SourceSummary,
    advisories: &'a mut Vec<Advisory>,
}

impl Source<'_> {
    fn load_folder(&mut self, folder: &Path) -> Result<(), AdvisoryError> {
        let read_error = |source| AdvisoryError::Read { path: folder.to_path_buf(), source };
        let mut entries = std::fs::read_dir(folder)
            .map_err(read_error)?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(read_error)?;
        entries.sort();

        for path in entries {
            if is_hidden(&path.to_string_lossy()) {
                continue;
            }
            let file_type = std::fs::symlink_metadata(&path)
                .map_err(|source| AdvisoryError::Read { path: path.clone(), source })?
                .file_type();
            if file_type.is_dir() {
                self.load_folder(&path)?;
            } else if file_type.is_symlink() && path.is_dir() {
                tracing::debug!(path = %path.display(), "not following symbolic link to a folder");
            } else if is_bundle(&path) {
                self.load_bundle(&path)?;
            } else if let Some(format) = Format::of_name(&path.to_string_lossy()) {
                self.load_file(&path, format)?;
            } else {
                tracing::debug!(path = %path.display(), "skipping file that is not an OSV record");
            }
        }
        Ok(())
    }

    fn load_file(&mut self, path: &Path, format: Format) -> Result<(), AdvisoryError> {
        let bytes = std::fs::read(path).map_err(|source| AdvisoryError::Read { path: path.to_path_buf(), source })?;
        let parsed = parse_document(&bytes, format)
            .map_err(|reason| AdvisoryError::InvalidRecord { location: path.display().to_string(), reason })?;
        parsed.into_iter().for_each(|p| self.add(p));
        Ok(())
    }

    fn load_bundle(&mut self, path: &Path) -> Result<(), AdvisoryError> {
        let invalid_bundle = |source| AdvisoryError::InvalidBundle { path: path.to_path_buf(), source };
        let file = File::open(path).map_err(|source| AdvisoryError::Read { path: path.to_path_buf(), source })?;
        let mut archive = zip::ZipArchive::new(BufReader::new(file)).map_err(invalid_bundle)?;

        // Entries are read in name order so that the outcome does not depend on how the bundle
        // was packed.
        let mut names: Vec<(String, usize)> = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            let entry = archive.by_index_raw(index).map_err(invalid_bundle)?;
            names.push((entry.name().to_string(), index));
        }
        names.sort();

        let mut bytes = Vec::new();
        for (name, index) in names {
            let base_name = name.rsplit('/').next().unwrap_or(&name);
            let Some(format) = Format::of_name(base_name) else {
                tracing::debug!(bundle = %path.display(), entry = %name, "skipping bundle entry that is not an OSV record");
                continue;
            };
            if name.ends_with('/') || name.split('/').any(is_hidden) {
                continue;
            }

            let entry = archive.by_index(index).map_err(invalid_bundle)?;
            let too_large = || AdvisoryError::EntryTooLarge { path: path.to_path_buf(), entry: name.clone(), limit: MAX_ENTRY_BYTES };
            // The declared size can lie, so the read is capped as well.
            if entry.size() > MAX_ENTRY_BYTES {
                return Err(too_large());
            }
            bytes.clear();
            entry
                .take(MAX_ENTRY_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|source| AdvisoryError::BundleEntry { path: path.to_path_buf(), entry: name.clone(), source })?;
            if bytes.len() as u64 > MAX_ENTRY_BYTES {
                return Err(too_large());
            }

            let parsed = parse_document(&bytes, format).map_err(|reason| AdvisoryError::InvalidRecord {
                location: format!("entry {name} of bundle {}", path.display()),
                reason,
            })?;
            parsed.into_iter().for_each(|p| self.add(p));
        }
        Ok(())
    }

    fn add(&mut self, parsed: Parsed) {
        match parsed {
            Parsed::Withdrawn(id) => {
                tracing::debug!(advisory = %id, "skipping withdrawn advisory");
                self.summary.withdrawn_skipped += 1;
            }
            Parsed::Advisory(advisory) => {
                let ecosystems: BTreeSet<&str> = advisory.affected.iter().map(|a| a.ecosystem.as_str()).collect();
                for ecosystem in ecosystems {
                    *self.summary.per_ecosystem.entry(ecosystem.to_string()).or_insert(0) += 1;
                }
                self.summary.records += 1;
                self.advisories.push(advisory);
            }
        }
    }
}

fn is_bundle(path: &Path) -> bool {
    path.extension().is_some_and(|ext| ext.eq_ignore_ascii_case("zip"))
}

/// Whether the last component of `path` is hidden (starts with a dot).
fn is_hidden(path: &str) -> bool {
    let name = path.rsplit(['/', '\\']).next().unwrap_or(path);
    name.starts_with('.') && name != "." && name != ".."
}
