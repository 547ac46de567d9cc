//! Catalogs a directory laid out as an image root, as if it were one image layer, and prints
//! one line per package: ecosystem, name, version and path.
//!
//! ```sh
//! cargo run -p scantrail-inventory --example catalog_dir -- path/to/root
//! ```

use std::fs;
use std::io::Read;
use std::path::Path;

use scantrail_image::{FileEntry, FileKind, FileTree, SNIFF_LENGTH};
use scantrail_inventory::{catalog, wants, wants_content};
use scantrail_model::Digest;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let Some(root) = std::env::args().nth(1) else {
        return Err("usage: catalog_dir DIR".into());
    };
    let root = Path::new(&root);
    let layer = Digest::sha256_of(root.display().to_string().as_bytes());
    let mut tree = FileTree::new();
    add_folder(&mut tree, root, root, &layer)?;

    let inventory = catalog(&tree)?;
    for package in &inventory.packages {
        println!("{}\t{}\t{}\t{}", package.ecosystem.as_str(), package.name, package.version, package.path);
    }
    eprintln!("{} packages", inventory.packages.len());
    Ok(())
}

/// Adds the files under `dir`, keeping the content of those the image reader would capture.
fn add_folder(tree: &mut FileTree, root: &Path, dir: &Path, layer: &Digest) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
        let metadata = fs::symlink_metadata(&path)?;
        if metadata.is_dir() {
            tree.insert(&relative, FileEntry { kind: FileKind::Directory, layer: layer.clone(), size: 0, content: None });
            add_folder(tree, root, &path, layer)?;
            continue;
        }
        if !metadata.is_file() {
            continue;
        }

        let mut head = Vec::with_capacity(SNIFF_LENGTH);
        fs::File::open(&path)?.take(SNIFF_LENGTH as u64).read_to_end(&mut head)?;
        let content = if wants(&relative) || wants_content(&relative, &head) { Some(fs::read(&path)?) } else { None };
        tree.insert(&relative, FileEntry { kind: FileKind::Regular, layer: layer.clone(), size: metadata.len(), content });
    }
    Ok(())
}
