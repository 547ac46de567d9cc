//! The merged filesystem of an image: every path that survives the layers, the layer that last
//! wrote it, and the content of the files a cataloger asked for.

use std::collections::BTreeMap;

use scantrail_model::Digest;

/// Maximum number of symlinks followed while resolving one path, as Linux's `MAXSYMLINKS`.
const MAX_SYMLINK_HOPS: usize = 40;

/// The kind of a filesystem entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileKind {
    Regular,
    Directory,
    /// A symbolic link and its target as written in the tar header.
    Symlink(String),
    /// Devices, FIFOs and anything else a scanner does not read.
    Other,
}

/// One path of the merged filesystem.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileEntry {
    pub kind: FileKind,
    /// Diff ID of the layer that last wrote this path.
    pub layer: Digest,
    /// Size in bytes of a regular file.
    pub size: u64,
    /// The file's content, kept only for the paths the reader was asked to capture.
    pub content: Option<Vec<u8>>,
}

/// The merged filesystem of an image, keyed by normalized path.
///
/// Paths are relative to the image root, without a leading `/`, with no `.` or `..` components
/// and no trailing `/` (`etc/os-release`). Lookups accept a leading `/` too.
#[derive(Clone, Debug, Default)]
pub struct FileTree {
    entries: BTreeMap<String, FileEntry>,
}

impl FileTree {
    pub fn new() -> FileTree {
        FileTree::default()
    }

    /// Inserts or replaces the entry at `path` (a normalized path).
    pub fn insert(&mut self, path: &str, entry: FileEntry) {
        self.entries.insert(normalize(path), entry);
    }

    /// Removes `path` and everything below it. Returns how many entries were removed.
    pub fn remove_tree(&mut self, path: &str) -> usize {
        let path = normalize(path);
        let before = self.entries.len();
        self.entries.remove(&path);
        self.remove_children(&path);
        before - self.entries.len()
    }

    /// Removes everything below directory `path`, keeping `path` itself.
    pub fn remove_children(&mut self, path: &str) {
        let path = normalize(path);
        let prefix = if path.is_empty() { String::new() } else { format!("{path}/") };
        let doomed: Vec<String> =
            self.entries.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)).map(|(k, _)| k.clone()).collect();
        for key in doomed {
            self.entries.remove(&key);
        }
    }

    /// The entry stored at exactly `path`, without following symlinks.
    pub fn get(&self, path: &str) -> Option<&FileEntry> {
        self.entries.get(&normalize(path))
    }

    /// Resolves `path` the way the kernel would inside a chroot at the image root: every
    /// symlink, in a parent directory or at the end, is followed, and `..` never climbs above
    /// the root. Returns the resolved path and its entry, or `None` when it does not exist or a
    /// symlink loop is found.
    pub fn resolve(&self, path: &str) -> Option<(String, &FileEntry)> {
        let resolved = self.resolve_path(path, true)?;
        let entry = self.entries.get(&resolved)?;
        Some((resolved, entry))
    }

    /// Resolves symlinks in the parent directories of `path` only, keeping its last component.
    /// Layer application uses this: an entry `lib/x` under a symlink `lib -> usr/lib` lands at
    /// `usr/lib/x`.
    pub fn resolve_parent(&self, path: &str) -> Option<String> {
        self.resolve_path(path, false)
    }

    /// The content of the file at `path`, following symlinks, when it was captured.
    pub fn read(&self, path: &str) -> Option<&[u8]> {
        let (_, entry) = self.resolve(path)?;
        entry.content.as_deref()
    }

    /// All entries in path order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &FileEntry)> {
        self.entries.iter().map(|(path, entry)| (path.as_str(), entry))
    }

    /// Entries whose path starts with the directory `dir` (a normalized path), in path order.
    pub fn iter_under<'a>(&'a self, dir: &str) -> impl Iterator<Item = (&'a str, &'a FileEntry)> + 'a {
        let dir = normalize(dir);
        let prefix = if dir.is_empty() { String::new() } else { format!("{dir}/") };
        self.entries
            .range(prefix.clone()..)
            .take_while(move |(k, _)| k.starts_with(&prefix))
            .map(|(path, entry)| (path.as_str(), entry))
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn resolve_path(&self, path: &str, follow_last: bool) -> Option<String> {
        let mut pending: Vec<String> = components(path).rev().map(str::to_string).collect();
        let mut resolved: Vec<String> = Vec::new();
        let mut hops = 0;
        while let Some(component) = pending.pop() {
            match component.as_str() {
                "." | "" => continue,
                ".." => {
                    resolved.pop();
                    continue;
                }
                _ => {}
            }
            resolved.push(component);
            let is_last = pending.is_empty();
            if is_last && !follow_last {
                break;
            }
            let current = resolved.join("/");
            if let Some(FileEntry { kind: FileKind::Symlink(target), .. }) = self.entries.get(&current) {
                hops += 1;
                if hops > MAX_SYMLINK_HOPS {
                    return None;
                }
                resolved.pop();
                if target.starts_with('/') {
                    resolved.clear();
                }
                pending.extend(components(target).rev().map(str::to_string));
            }
        }
        Some(resolved.join("/"))
    }
}

fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty())
}

/// Normalizes a path lexically: drops the leading `/`, `.` components and empty components, and
/// applies `..` without climbing above the root.
pub fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for component in components(path) {
        match component {
            "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer() -> Digest {
        Digest::sha256_of(b"layer")
    }

    fn file(content: &str) -> FileEntry {
        FileEntry { kind: FileKind::Regular, layer: layer(), size: content.len() as u64, content: Some(content.as_bytes().to_vec()) }
    }

    fn symlink(target: &str) -> FileEntry {
        FileEntry { kind: FileKind::Symlink(target.to_string()), layer: layer(), size: 0, content: None }
    }

    #[test]
    fn read_follows_relative_symlink() {
        let mut tree = FileTree::new();
        tree.insert("usr/lib/os-release", file("ID=debian\n"));
        tree.insert("etc/os-release", symlink("../usr/lib/os-release"));
        assert_eq!(tree.read("/etc/os-release"), Some(&b"ID=debian\n"[..]));
    }

    #[test]
    fn resolve_stays_inside_root() {
        let mut tree = FileTree::new();
        tree.insert("etc/passwd", file("root\n"));
        tree.insert("app/link", symlink("../../../../etc/passwd"));
        tree.insert("app/abs", symlink("/etc/passwd"));
        assert_eq!(tree.resolve("app/link").map(|(p, _)| p), Some("etc/passwd".to_string()));
        assert_eq!(tree.resolve("app/abs").map(|(p, _)| p), Some("etc/passwd".to_string()));
    }

    #[test]
    fn resolve_follows_symlinked_parent() {
        let mut tree = FileTree::new();
        tree.insert("lib", symlink("usr/lib"));
        tree.insert("usr/lib/x", file("x"));
        assert_eq!(tree.resolve_parent("lib/y").as_deref(), Some("usr/lib/y"));
        assert_eq!(tree.read("lib/x"), Some(&b"x"[..]));
    }

    #[test]
    fn resolve_detects_symlink_loop() {
        let mut tree = FileTree::new();
        tree.insert("a", symlink("b"));
        tree.insert("b", symlink("a"));
        assert!(tree.resolve("a").is_none());
    }

    #[test]
    fn remove_tree_drops_subtree_only() {
        let mut tree = FileTree::new();
        tree.insert("app/node", FileEntry { kind: FileKind::Directory, layer: layer(), size: 0, content: None });
        tree.insert("app/node/a", file("a"));
        tree.insert("app/node-other", file("b"));
        assert_eq!(tree.remove_tree("app/node"), 2);
        assert!(tree.get("app/node-other").is_some());
    }
}
