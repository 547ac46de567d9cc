//! Shared setup for the CLI tests: a private history store, the scantrail binary, and the
//! example image built from `examples/quickstart`.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use scantrail_testkit::{BuiltImage, Compression, ImageBuilder, Layer};
use tempfile::TempDir;

pub const REPO: &str = "registry.example.com/shop/app";

/// A temporary directory holding a history store and the images a test builds.
pub struct TestEnv {
    pub dir: TempDir,
}

impl TestEnv {
    pub fn new() -> TestEnv {
        TestEnv { dir: tempfile::tempdir().expect("create a temporary directory") }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// Runs scantrail with this environment's store, no color and no log filter from outside.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_scantrail"))
            .args(args)
            .env("SCANTRAIL_HOME", self.home())
            .env("NO_COLOR", "1")
            .env_remove("SCANTRAIL_LOG")
            .output()
            .expect("run scantrail")
    }

    /// Runs scantrail and asserts exit status 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let output = self.run(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "scantrail {args:?} failed\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("stdout is UTF-8")
    }

    /// Runs scantrail with `--format json` appended and parses stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut args = args.to_vec();
        args.extend(["--format", "json"]);
        serde_json::from_str(&self.ok(&args)).expect("stdout is one JSON document")
    }

    /// Imports the example advisories.
    pub fn import_advisories(&self) {
        let advisories = examples_dir().join("advisories");
        self.ok(&["db", "import", advisories.to_str().unwrap()]);
    }

    /// Writes the example image's tags v1.0 and v1.1 into an OCI layout; returns its path.
    pub fn example_layout(&self) -> PathBuf {
        let layout = self.path("layout");
        example_image("v1.0").write_oci_layout(&layout, "v1.0");
        example_image("v1.1").write_oci_layout(&layout, "v1.1");
        layout
    }

    /// Scans the example layout's tags v1.0 and v1.1 as `REPO:v1.0` and `REPO:v1.1`.
    pub fn scan_both(&self) -> PathBuf {
        let layout = self.example_layout();
        for tag in ["v1.0", "v1.1"] {
            self.ok(&["scan", &format!("oci:{}:{tag}", layout.display()), "--tag", &format!("{REPO}:{tag}")]);
        }
        layout
    }

    /// Number of scans recorded for `REPO`, read through the CLI.
    pub fn scan_count(&self) -> usize {
        let output = self.run(&["log", REPO, "--format", "json"]);
        if output.status.code() != Some(0) {
            return 0;
        }
        let log: serde_json::Value = serde_json::from_slice(&output.stdout).expect("log JSON");
        log["scans"].as_array().map_or(0, Vec::len)
    }
}

pub fn examples_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/quickstart")
}

/// The example image: layers `base` and `app`, plus `update` for v1.1, read from
/// `examples/quickstart/layers`.
pub fn example_image(tag: &str) -> ImageBuilder {
    let mut names = vec!["base", "app"];
    if tag == "v1.1" {
        names.push("update");
    }
    let mut image = ImageBuilder::new().label("org.opencontainers.image.version", tag).created("2024-01-10T00:00:00Z");
    for name in names {
        let layer = layer_from_dir(&examples_dir().join("layers").join(name)).created_by(&format!("COPY {name} /"));
        image = image.layer(layer.compression(Compression::Gzip));
    }
    image
}

/// Builds a layer from a directory: files, symlinks, `.wh.NAME` whiteouts and `.wh..wh..opq`
/// opaque markers, in path order.
pub fn layer_from_dir(root: &Path) -> Layer {
    let mut layer = Layer::new();
    let mut stack = vec![root.to_path_buf()];
    let mut paths = Vec::new();
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).expect("read layer directory") {
            let path = entry.expect("directory entry").path();
            let file_type = std::fs::symlink_metadata(&path).expect("stat").file_type();
            if file_type.is_dir() {
                stack.push(path.clone());
            }
            paths.push(path);
        }
    }
    paths.sort();
    for path in paths {
        let relative = path.strip_prefix(root).unwrap().to_str().unwrap().to_string();
        let file_type = std::fs::symlink_metadata(&path).unwrap().file_type();
        let name = path.file_name().unwrap().to_str().unwrap();
        let parent = Path::new(&relative).parent().unwrap().to_str().unwrap().to_string();
        layer = if file_type.is_symlink() {
            layer.symlink(&relative, std::fs::read_link(&path).unwrap().to_str().unwrap())
        } else if file_type.is_dir() {
            layer.dir(&relative)
        } else if name == ".wh..wh..opq" {
            layer.opaque(&parent)
        } else if let Some(hidden) = name.strip_prefix(".wh.") {
            layer.whiteout(&Path::new(&parent).join(hidden).to_string_lossy())
        } else {
            layer.file(&relative, std::fs::read(&path).unwrap())
        };
    }
    layer
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn built_layer_digest(built: &BuiltImage, index: usize) -> String {
    built.layer_digests[index].to_string()
}
