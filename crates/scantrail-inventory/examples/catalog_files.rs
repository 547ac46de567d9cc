//! Runs the catalogers over files on the host and prints the inventory as JSON, for checking
//! them by hand on real package databases.
//!
//! Each argument is either `IMAGE_PATH=HOST_FILE`, which places one host file at a path of the
//! image, or a host folder laid out as an image root. No tracing subscriber is installed, so
//! the warnings about skipped package files are not shown:
//!
//! ```text
//! cargo run -p scantrail-inventory --example catalog_files -- \
//!     var/lib/dpkg/status=/tmp/status etc/os-release=/tmp/os-release
//! ```

use std::path::Path;
use std::process::ExitCode;
use std::{env, fs};

use scantrail_image::{FileEntry, FileKind, FileTree};
use scantrail_model::Digest;

fn main() -> ExitCode {
    let mut tree = FileTree::new();
    for argument in env::args().skip(1) {
        let result = match argument.split_once('=') {
            Some((image_path, host_file)) => add_file(&mut tree, image_path, Path::new(host_file)),
            None => add_root(&mut tree, Path::new(&argument), Path::new(&argument)),
        };
        if let Err(error) = result {
            eprintln!("error: failed to read {argument}: {error}");
            return ExitCode::from(2);
        }
    }

    match scantrail_inventory::catalog(&tree) {
        Ok(inventory) => {
            println!("{}", serde_json::to_string_pretty(&inventory).expect("an inventory serializes to JSON"));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

/// Adds the host file at `image_path`, attributed to a layer named after the host file.
fn add_file(tree: &mut FileTree, image_path: &str, host_file: &Path) -> std::io::Result<()> {
    let content = fs::read(host_file)?;
    let layer = Digest::sha256_of(host_file.to_string_lossy().as_bytes());
    let captured = scantrail_inventory::wants(image_path).then(|| content.clone());
    tree.insert(image_path, FileEntry { kind: FileKind::Regular, layer, size: content.len() as u64, content: captured });
    Ok(())
}

fn add_root(tree: &mut FileTree, root: &Path, dir: &Path) -> std::io::Result<()> {
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            add_root(tree, root, &path)?;
        } else if path.is_file() {
            let image_path = path.strip_prefix(root).expect("walked paths are under the root").to_string_lossy().into_owned();
            add_file(tree, &image_path, &path)?;
        }
    }
    Ok(())
}
