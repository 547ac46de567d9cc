use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

use scantrail_model::Digest;
use serde_json::{json, Value};

use crate::layer::{compress, Compression, Layer, LayerBlob};
use crate::media_type;

const REF_NAME: &str = "org.opencontainers.image.ref.name";

/// The digests of an image a builder wrote, for assertions.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BuiltImage {
    pub manifest_digest: Digest,
    pub config_digest: Digest,
    /// Digests of the layer blobs as stored (compressed).
    pub layer_digests: Vec<Digest>,
    /// Digests of the uncompressed layer tars.
    pub diff_ids: Vec<Digest>,
}

#[derive(Clone, Debug)]
enum Step {
    Layer(Layer),
    /// A history entry with `empty_layer: true` (an `ENV` or `LABEL` instruction).
    EmptyLayer(String),
}

/// An image under construction: platform, config fields and layers, base layer first.
#[derive(Clone, Debug)]
pub struct ImageBuilder {
    os: String,
    architecture: String,
    variant: Option<String>,
    labels: BTreeMap<String, String>,
    created: Option<String>,
    steps: Vec<Step>,
    docker_media_types: bool,
    diff_id_overrides: BTreeMap<usize, Digest>,
}

impl Default for ImageBuilder {
    fn default() -> ImageBuilder {
        ImageBuilder::new()
    }
}

/// The serialized pieces of one image.
struct Built {
    manifest: Vec<u8>,
    manifest_media_type: &'static str,
    config: Vec<u8>,
    layers: Vec<LayerBlob>,
    image: BuiltImage,
}

impl Built {
    fn blobs(&self) -> Vec<(Digest, &[u8])> {
        let mut blobs = vec![
            (self.image.manifest_digest.clone(), self.manifest.as_slice()),
            (self.image.config_digest.clone(), self.config.as_slice()),
        ];
        blobs.extend(self.layers.iter().map(|layer| (layer.digest.clone(), layer.bytes.as_slice())));
        blobs
    }

    fn descriptor(&self) -> Value {
        json!({
            "mediaType": self.manifest_media_type,
            "digest": self.image.manifest_digest.to_string(),
            "size": self.manifest.len(),
        })
    }
}

impl ImageBuilder {
    /// Starts a linux/amd64 image with OCI media types and no layers.
    pub fn new() -> ImageBuilder {
        ImageBuilder {
            os: "linux".to_string(),
            architecture: "amd64".to_string(),
            variant: None,
            labels: BTreeMap::new(),
            created: None,
            steps: Vec::new(),
            docker_media_types: false,
            diff_id_overrides: BTreeMap::new(),
        }
    }

    pub fn platform(mut self, os: &str, architecture: &str) -> ImageBuilder {
        self.os = os.to_string();
        self.architecture = architecture.to_string();
        self
    }

    pub fn variant(mut self, variant: &str) -> ImageBuilder {
        self.variant = Some(variant.to_string());
        self
    }

    pub fn label(mut self, key: &str, value: &str) -> ImageBuilder {
        self.labels.insert(key.to_string(), value.to_string());
        self
    }

    /// Sets the config's `created` time (RFC 3339 text, written as given).
    pub fn created(mut self, created: &str) -> ImageBuilder {
        self.created = Some(created.to_string());
        self
    }

    pub fn layer(mut self, layer: Layer) -> ImageBuilder {
        self.steps.push(Step::Layer(layer));
        self
    }

    /// Adds a history entry that made no layer, such as `ENV` or `LABEL`.
    pub fn empty_layer_history(mut self, created_by: &str) -> ImageBuilder {
        self.steps.push(Step::EmptyLayer(created_by.to_string()));
        self
    }

    /// Writes Docker schema 2 media types for the manifest, config and layers instead of OCI ones.
    pub fn docker_media_types(mut self) -> ImageBuilder {
        self.docker_media_types = true;
        self
    }

    /// Writes `diff_id` into the config's `rootfs.diff_ids[index]` in place of the true one.
    pub fn diff_id_override(mut self, index: usize, diff_id: Digest) -> ImageBuilder {
        self.diff_id_overrides.insert(index, diff_id);
        self
    }

    fn layers(&self) -> impl Iterator<Item = &Layer> {
        self.steps.iter().filter_map(|step| match step {
            Step::Layer(layer) => Some(layer),
            Step::EmptyLayer(_) => None,
        })
    }

    /// Serializes the image; `force_compression` replaces every layer's own compression.
    fn build(&self, force_compression: Option<Compression>) -> Built {
        let layers: Vec<LayerBlob> = self
            .layers()
            .map(|layer| layer.blob(force_compression.unwrap_or(layer.compression_kind()), self.docker_media_types))
            .collect();
        let config = self.config_json(&layers);
        let config_digest = Digest::sha256_of(&config);

        let (manifest_media_type, config_media_type) = if self.docker_media_types {
            (media_type::DOCKER_MANIFEST, media_type::DOCKER_CONFIG)
        } else {
            (media_type::OCI_MANIFEST, media_type::OCI_CONFIG)
        };
        let manifest = json!({
            "schemaVersion": 2,
            "mediaType": manifest_media_type,
            "config": {"mediaType": config_media_type, "digest": config_digest.to_string(), "size": config.len()},
            "layers": layers.iter().map(|layer| json!({
                "mediaType": layer.media_type,
                "digest": layer.digest.to_string(),
                "size": layer.bytes.len(),
            })).collect::<Vec<_>>(),
        });
        let manifest = serde_json::to_vec_pretty(&manifest).expect("JSON values serialize");

        let image = BuiltImage {
            manifest_digest: Digest::sha256_of(&manifest),
            config_digest,
            layer_digests: layers.iter().map(|layer| layer.digest.clone()).collect(),
            diff_ids: layers.iter().map(|layer| layer.diff_id.clone()).collect(),
        };
        Built { manifest, manifest_media_type, config, layers, image }
    }

    fn config_json(&self, layers: &[LayerBlob]) -> Vec<u8> {
        let diff_ids: Vec<String> = layers
            .iter()
            .enumerate()
            .map(|(index, layer)| self.diff_id_overrides.get(&index).unwrap_or(&layer.diff_id).to_string())
            .collect();
        let history: Vec<Value> = self
            .steps
            .iter()
            .map(|step| {
                let mut entry = serde_json::Map::new();
                if let Some(created) = &self.created {
                    entry.insert("created".into(), json!(created));
                }
                match step {
                    Step::Layer(layer) => {
                        if let Some(text) = layer.created_by_text() {
                            entry.insert("created_by".into(), json!(text));
                        }
                    }
                    Step::EmptyLayer(text) => {
                        entry.insert("created_by".into(), json!(text));
                        entry.insert("empty_layer".into(), json!(true));
                    }
                }
                Value::Object(entry)
            })
            .collect();

        let mut config = json!({
            "architecture": self.architecture,
            "os": self.os,
            "config": {"Labels": self.labels},
            "rootfs": {"type": "layers", "diff_ids": diff_ids},
            "history": history,
        });
        if let Some(created) = &self.created {
            config["created"] = json!(created);
        }
        if let Some(variant) = &self.variant {
            config["variant"] = json!(variant);
        }
        serde_json::to_vec(&config).expect("JSON values serialize")
    }

    fn platform_json(&self) -> Value {
        let mut platform = json!({"architecture": self.architecture, "os": self.os});
        if let Some(variant) = &self.variant {
            platform["variant"] = json!(variant);
        }
        platform
    }

    /// Writes the image into the OCI layout at `dir` under `tag`, creating the layout when it
    /// does not exist. An existing layout keeps its other tags, so several images can share one.
    pub fn write_oci_layout(&self, dir: &Path, tag: &str) -> BuiltImage {
        let built = self.build(None);
        for (digest, bytes) in built.blobs() {
            write_blob(dir, &digest, bytes);
        }
        add_to_layout_index(dir, built.descriptor(), tag);
        built.image
    }

    /// Writes the image as an oci-archive: a tar of an OCI layout with one tag.
    pub fn write_oci_archive(&self, file: &Path, tag: &str) -> BuiltImage {
        let built = self.build(None);
        let mut descriptor = built.descriptor();
        descriptor["annotations"] = json!({REF_NAME: tag});

        let mut entries = layout_header_entries(vec![descriptor]);
        for (digest, bytes) in built.blobs() {
            entries.push(TarItem::file(&format!("blobs/sha256/{}", digest.hex()), bytes));
        }
        write_tar(file, &entries);
        built.image
    }

    /// Writes the image as a `docker save` archive in the legacy layout (docker before 25):
    /// `manifest.json`, the config as `<hex>.json`, each layer uncompressed as `<id>/layer.tar`.
    pub fn write_docker_archive(&self, file: &Path, repo_tag: &str) -> BuiltImage {
        write_docker_archive_many(file, &[(self, repo_tag)]).remove(0)
    }

    /// Writes the image as a `docker save` archive of docker 25 and later: an OCI layout
    /// (`index.json`, `blobs/sha256/…`, uncompressed layers) with `manifest.json` beside it.
    pub fn write_docker_archive_oci(&self, file: &Path, repo_tag: &str) -> BuiltImage {
        let built = self.build(Some(Compression::None));
        let tag = repo_tag.rsplit_once(':').map_or("latest", |(_, tag)| tag);
        let mut descriptor = built.descriptor();
        descriptor["annotations"] = json!({
            "io.containerd.image.name": format!("docker.io/library/{repo_tag}"),
            REF_NAME: tag,
        });

        let docker_manifest = json!([{
            "Config": format!("blobs/sha256/{}", built.image.config_digest.hex()),
            "RepoTags": [repo_tag],
            "Layers": built.layers.iter().map(|l| format!("blobs/sha256/{}", l.digest.hex())).collect::<Vec<_>>(),
        }]);
        let mut entries = layout_header_entries(vec![descriptor]);
        entries.push(TarItem::file("manifest.json", &serde_json::to_vec(&docker_manifest).expect("JSON values serialize")));
        for (digest, bytes) in built.blobs() {
            entries.push(TarItem::file(&format!("blobs/sha256/{}", digest.hex()), bytes));
        }
        write_tar(file, &entries);
        built.image
    }
}

/// Writes several images into one legacy `docker save` archive, each with one repo tag. A layer
/// that equals an earlier one (same chain) is written as a symlink to the earlier `layer.tar`, as
/// docker does. `manifest_digest` of each result is the digest of its OCI manifest, which the
/// archive does not contain.
pub fn write_docker_archive_many(file: &Path, images: &[(&ImageBuilder, &str)]) -> Vec<BuiltImage> {
    let mut entries: Vec<TarItem> = Vec::new();
    let mut manifest = Vec::new();
    let mut written_layer_dirs: BTreeMap<String, String> = BTreeMap::new();
    let mut results = Vec::new();

    for (builder, repo_tag) in images {
        let built = builder.build(Some(Compression::None));
        let config_name = format!("{}.json", built.image.config_digest.hex());
        entries.push(TarItem::file(&config_name, &built.config));

        let mut layer_paths = Vec::new();
        let mut chain = String::new();
        for layer in &built.layers {
            // Docker names layer directories by a digest of the chain of diff IDs below them.
            chain = Digest::sha256_of(format!("{chain} {}", layer.diff_id).as_bytes()).hex().to_string();
            let layer_dir = Digest::sha256_of(format!("{chain} {config_name}").as_bytes()).hex().to_string();
            let layer_path = format!("{layer_dir}/layer.tar");
            match written_layer_dirs.get(layer.diff_id.hex()) {
                Some(first) => entries.push(TarItem::symlink(&layer_path, &format!("../{first}/layer.tar"))),
                None => {
                    entries.push(TarItem::file(&layer_path, &layer.bytes));
                    written_layer_dirs.insert(layer.diff_id.hex().to_string(), layer_dir.clone());
                }
            }
            layer_paths.push(layer_path);
        }

        manifest.push(json!({"Config": config_name, "RepoTags": [repo_tag], "Layers": layer_paths}));
        results.push(built.image);
    }

    entries.push(TarItem::file("manifest.json", &serde_json::to_vec(&manifest).expect("JSON values serialize")));
    write_tar(file, &entries);
    results
}

/// Writes a multi-platform image: one index blob listing each image by its platform, tagged `tag`
/// in the layout at `dir`. With `with_attestation`, a buildx-style attestation manifest
/// (platform `unknown/unknown`) follows each image in the index. Returns the index digest.
pub fn write_multi_platform_layout(
    dir: &Path,
    tag: &str,
    images: &[&ImageBuilder],
    with_attestation: bool,
) -> (Digest, Vec<BuiltImage>) {
    let mut descriptors = Vec::new();
    let mut results = Vec::new();
    for builder in images {
        let built = builder.build(None);
        for (digest, bytes) in built.blobs() {
            write_blob(dir, &digest, bytes);
        }
        let mut descriptor = built.descriptor();
        descriptor["platform"] = builder.platform_json();
        descriptors.push(descriptor);
        if with_attestation {
            descriptors.push(write_attestation(dir, &built.image.manifest_digest));
        }
        results.push(built.image);
    }

    let index = json!({"schemaVersion": 2, "mediaType": media_type::OCI_INDEX, "manifests": descriptors});
    let index = serde_json::to_vec_pretty(&index).expect("JSON values serialize");
    let index_digest = Digest::sha256_of(&index);
    write_blob(dir, &index_digest, &index);
    let descriptor = json!({"mediaType": media_type::OCI_INDEX, "digest": index_digest.to_string(), "size": index.len()});
    add_to_layout_index(dir, descriptor, tag);
    (index_digest, results)
}

/// Writes an attestation manifest for `subject` and returns its index descriptor.
fn write_attestation(dir: &Path, subject: &Digest) -> Value {
    let statement = serde_json::to_vec(&json!({"_type": "https://in-toto.io/Statement/v0.1", "subject": []}))
        .expect("JSON values serialize");
    let statement_digest = Digest::sha256_of(&statement);
    write_blob(dir, &statement_digest, &statement);
    let config = br#"{"architecture":"unknown","os":"unknown","config":{},"rootfs":{"type":"layers","diff_ids":[]}}"#;
    let config_digest = Digest::sha256_of(config);
    write_blob(dir, &config_digest, config);

    let manifest = json!({
        "schemaVersion": 2,
        "mediaType": media_type::OCI_MANIFEST,
        "config": {"mediaType": media_type::OCI_CONFIG, "digest": config_digest.to_string(), "size": config.len()},
        "layers": [{"mediaType": media_type::IN_TOTO, "digest": statement_digest.to_string(), "size": statement.len()}],
    });
    let manifest = serde_json::to_vec(&manifest).expect("JSON values serialize");
    let manifest_digest = Digest::sha256_of(&manifest);
    write_blob(dir, &manifest_digest, &manifest);
    json!({
        "mediaType": media_type::OCI_MANIFEST,
        "digest": manifest_digest.to_string(),
        "size": manifest.len(),
        "platform": {"architecture": "unknown", "os": "unknown"},
        "annotations": {
            "vnd.docker.reference.type": "attestation-manifest",
            "vnd.docker.reference.digest": subject.to_string(),
        },
    })
}

fn write_blob(dir: &Path, digest: &Digest, bytes: &[u8]) {
    let blobs = dir.join("blobs/sha256");
    fs::create_dir_all(&blobs).expect("create blobs/sha256 of the test layout");
    fs::write(blobs.join(digest.hex()), bytes).expect("write a blob of the test layout");
}

/// Adds `descriptor` to `dir/index.json` with the ref name `tag`, replacing an entry with the
/// same tag, and writes `oci-layout`.
fn add_to_layout_index(dir: &Path, mut descriptor: Value, tag: &str) {
    fs::create_dir_all(dir).expect("create the test layout");
    fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).expect("write oci-layout");

    let index_path = dir.join("index.json");
    let mut manifests: Vec<Value> = match fs::read(&index_path) {
        Ok(bytes) => {
            let index: Value = serde_json::from_slice(&bytes).expect("index.json of the test layout is JSON");
            index["manifests"].as_array().cloned().unwrap_or_default()
        }
        Err(_) => Vec::new(),
    };
    manifests.retain(|entry| entry["annotations"][REF_NAME] != json!(tag));
    descriptor["annotations"] = json!({REF_NAME: tag});
    manifests.push(descriptor);

    let index = json!({"schemaVersion": 2, "mediaType": media_type::OCI_INDEX, "manifests": manifests});
    fs::write(&index_path, serde_json::to_vec_pretty(&index).expect("JSON values serialize")).expect("write index.json");
}

fn layout_header_entries(manifests: Vec<Value>) -> Vec<TarItem> {
    let index = json!({"schemaVersion": 2, "mediaType": media_type::OCI_INDEX, "manifests": manifests});
    vec![
        TarItem::file("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#),
        TarItem::file("index.json", &serde_json::to_vec(&index).expect("JSON values serialize")),
    ]
}

/// One member of an outer archive.
struct TarItem {
    path: String,
    content: Vec<u8>,
    symlink_target: Option<String>,
}

impl TarItem {
    fn file(path: &str, content: &[u8]) -> TarItem {
        TarItem { path: path.to_string(), content: content.to_vec(), symlink_target: None }
    }

    fn symlink(path: &str, target: &str) -> TarItem {
        TarItem { path: path.to_string(), content: Vec::new(), symlink_target: Some(target.to_string()) }
    }
}

fn write_tar(file: &Path, items: &[TarItem]) {
    let out = fs::File::create(file).expect("create the test archive");
    let mut builder = tar::Builder::new(out);
    for item in items {
        let mut header = tar::Header::new_ustar();
        header.set_mtime(0);
        match &item.symlink_target {
            Some(target) => {
                header.set_entry_type(tar::EntryType::Symlink);
                header.set_mode(0o777);
                header.set_size(0);
                builder.append_link(&mut header, &item.path, target).expect("write the test archive");
            }
            None => {
                header.set_entry_type(tar::EntryType::Regular);
                header.set_mode(0o644);
                header.set_size(item.content.len() as u64);
                builder.append_data(&mut header, &item.path, item.content.as_slice()).expect("write the test archive");
            }
        }
    }
    builder.into_inner().expect("finish the test archive").flush().expect("flush the test archive");
}

/// Writes `source` gzip-compressed to `destination`, as `docker save | gzip` does.
pub fn gzip_file(source: &Path, destination: &Path) {
    let bytes = fs::read(source).expect("read the file to compress");
    fs::write(destination, compress(&bytes, Compression::Gzip)).expect("write the compressed file");
}

/// Writes `source` zstd-compressed to `destination`.
pub fn zstd_file(source: &Path, destination: &Path) {
    let bytes = fs::read(source).expect("read the file to compress");
    fs::write(destination, compress(&bytes, Compression::Zstd)).expect("write the compressed file");
}

/// Flips one byte in the middle of blob `digest` of the layout at `dir`, keeping its name and size.
pub fn corrupt_blob(dir: &Path, digest: &Digest) {
    let path = dir.join("blobs/sha256").join(digest.hex());
    let mut bytes = fs::read(&path).expect("read the blob to corrupt");
    assert!(!bytes.is_empty(), "blob {digest} is empty and cannot be corrupted");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    fs::write(&path, bytes).expect("write the corrupted blob");
}

/// Cuts blob `digest` of the layout at `dir` down to its first `keep_bytes` bytes.
pub fn truncate_blob(dir: &Path, digest: &Digest, keep_bytes: usize) {
    let path = dir.join("blobs/sha256").join(digest.hex());
    let mut bytes = fs::read(&path).expect("read the blob to truncate");
    bytes.truncate(keep_bytes);
    fs::write(&path, bytes).expect("write the truncated blob");
}

/// Rewrites with `edit` every member of the tar archive `file` whose path `select` accepts,
/// keeping the other members as they are, to break one part of an archive. Returns how many
/// members were edited.
pub fn edit_archive_members(file: &Path, select: impl Fn(&str) -> bool, mut edit: impl FnMut(&mut Vec<u8>)) -> usize {
    let bytes = fs::read(file).expect("read the archive to edit");
    let mut archive = tar::Archive::new(bytes.as_slice());
    let mut items = Vec::new();
    let mut edited = 0;
    for entry in archive.entries().expect("the archive to edit is a tar") {
        let mut entry = entry.expect("the archive to edit is a tar");
        let path = entry.path().expect("member paths are valid").to_string_lossy().into_owned();
        if entry.header().entry_type() == tar::EntryType::Symlink {
            let target = entry.link_name().expect("link names are valid").expect("a symlink has a target");
            items.push(TarItem::symlink(&path, &target.to_string_lossy()));
            continue;
        }
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut content).expect("read a member of the archive to edit");
        if select(&path) {
            edit(&mut content);
            edited += 1;
        }
        items.push(TarItem::file(&path, &content));
    }
    write_tar(file, &items);
    edited
}
