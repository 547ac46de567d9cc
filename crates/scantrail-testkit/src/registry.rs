//! A real registry for tests: Debian's `docker-registry` (the CNCF distribution registry)
//! started on 127.0.0.1, and a small push of OCI layouts into it.

use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use scantrail_model::Digest;
use tempfile::TempDir;

/// The registry binary that `apt-get install docker-registry` installs.
pub const REGISTRY_BINARY: &str = "/usr/bin/docker-registry";

/// A `docker-registry` process serving plain HTTP on 127.0.0.1, killed on drop. Its storage and
/// config live in a temporary directory.
pub struct TestRegistry {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub address: String,
    /// User name and password of the htpasswd file, when the registry requires basic auth.
    pub credentials: Option<(String, String)>,
    dir: TempDir,
}

impl TestRegistry {
    /// Starts a registry open to anonymous pulls and pushes.
    pub fn start() -> TestRegistry {
        TestRegistry::start_with(None)
    }

    /// Starts a registry that requires `username` and `password` through `auth: htpasswd`.
    pub fn start_with_basic_auth(username: &str, password: &str) -> TestRegistry {
        TestRegistry::start_with(Some((username.to_string(), password.to_string())))
    }

    fn start_with(credentials: Option<(String, String)>) -> TestRegistry {
        assert!(
            Path::new(REGISTRY_BINARY).exists(),
            "{REGISTRY_BINARY} is missing; install it with `apt-get update && apt-get install -y docker-registry`"
        );
        let dir = tempfile::tempdir().expect("create the registry directory");
        let port = free_port();
        let address = format!("127.0.0.1:{port}");

        let mut config = format!(
            "version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {address}\n",
            dir.path().join("storage").display()
        );
        if let Some((username, password)) = &credentials {
            let hash = bcrypt::hash_with_result(password, 4).expect("bcrypt hash").format_for_version(bcrypt::Version::TwoY);
            let htpasswd = dir.path().join("htpasswd");
            std::fs::write(&htpasswd, format!("{username}:{hash}\n")).expect("write htpasswd");
            config.push_str(&format!("auth:\n  htpasswd:\n    realm: scantrail-test\n    path: {}\n", htpasswd.display()));
        }
        let config_path = dir.path().join("config.yml");
        std::fs::write(&config_path, config).expect("write the registry config");

        let log = std::fs::File::create(dir.path().join("registry.log")).expect("create the registry log");
        let child = Command::new(REGISTRY_BINARY)
            .arg("serve")
            .arg(&config_path)
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("failed to start {REGISTRY_BINARY}: {e}"));
        let registry = TestRegistry { child, address, credentials, dir };
        registry.wait_until_ready();
        registry
    }

    fn wait_until_ready(&self) {
        let url = format!("http://{}/v2/", self.address);
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            match ureq::get(&url).call() {
                Ok(_) | Err(ureq::Error::Status(401, _)) => return,
                Err(error) if Instant::now() > deadline => {
                    let log = std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default();
                    panic!("the registry at {url} did not answer within 30 s: {error}\nregistry log:\n{log}");
                }
                Err(_) => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }

    /// Returns the storage root, under which blobs live as
    /// `docker/registry/v2/blobs/sha256/XX/HEX/data`.
    pub fn storage(&self) -> PathBuf {
        self.dir.path().join("storage")
    }

    /// Returns the path of a blob's data file in the registry's storage.
    pub fn blob_file(&self, digest: &Digest) -> PathBuf {
        let hex = digest.hex();
        self.storage().join(format!("docker/registry/v2/blobs/sha256/{}/{hex}/data", &hex[..2]))
    }

    /// Pushes the image tagged `tag` in the OCI layout `layout` as `repository:remote_tag`: every
    /// blob of the layout, then the manifests of an index by digest, then the tagged manifest.
    pub fn push_layout(&self, layout: &Path, tag: &str, repository: &str, remote_tag: &str) {
        let blobs = layout.join("blobs/sha256");
        for entry in std::fs::read_dir(&blobs).expect("read the layout's blobs") {
            let path = entry.expect("read a blob entry").path();
            let bytes = std::fs::read(&path).expect("read a blob");
            self.push_blob(repository, &bytes);
        }

        let index: serde_json::Value =
            serde_json::from_slice(&std::fs::read(layout.join("index.json")).expect("read index.json")).expect("parse index.json");
        let descriptor = index["manifests"]
            .as_array()
            .expect("index.json lists manifests")
            .iter()
            .find(|d| d["annotations"]["org.opencontainers.image.ref.name"] == tag)
            .unwrap_or_else(|| panic!("the layout has no image tagged {tag}"));
        self.push_manifest_tree(layout, repository, descriptor, remote_tag);
    }

    fn push_manifest_tree(&self, layout: &Path, repository: &str, descriptor: &serde_json::Value, reference: &str) {
        let media_type = descriptor["mediaType"].as_str().expect("descriptor media type");
        let digest: Digest = descriptor["digest"].as_str().expect("descriptor digest").parse().expect("valid digest");
        let bytes = std::fs::read(layout.join("blobs/sha256").join(digest.hex())).expect("read a manifest blob");
        if media_type.ends_with("index.v1+json") || media_type.ends_with("manifest.list.v2+json") {
            let index: serde_json::Value = serde_json::from_slice(&bytes).expect("parse an index");
            for child in index["manifests"].as_array().expect("index lists manifests") {
                self.push_manifest_tree(layout, repository, child, &child["digest"].as_str().expect("child digest").to_string());
            }
        }
        self.put_manifest(repository, reference, media_type, &bytes);
    }

    /// Uploads one blob with a monolithic POST then PUT upload.
    pub fn push_blob(&self, repository: &str, bytes: &[u8]) {
        let digest = Digest::sha256_of(bytes);
        let start = self.authorized(ureq::post(&format!("http://{}/v2/{repository}/blobs/uploads/", self.address)))
            .call()
            .unwrap_or_else(|e| panic!("failed to start a blob upload to {repository}: {e}"));
        let location = start.header("location").expect("upload location").to_string();
        let location =
            if location.starts_with("http") { location } else { format!("http://{}{location}", self.address) };
        let separator = if location.contains('?') { '&' } else { '?' };
        self.authorized(ureq::put(&format!("{location}{separator}digest={digest}")))
            .set("Content-Type", "application/octet-stream")
            .send_bytes(bytes)
            .unwrap_or_else(|e| panic!("failed to upload blob {digest} to {repository}: {e}"));
    }

    /// Uploads a manifest or index under `reference` (a tag or digest).
    pub fn put_manifest(&self, repository: &str, reference: &str, media_type: &str, bytes: &[u8]) {
        self.authorized(ureq::put(&format!("http://{}/v2/{repository}/manifests/{reference}", self.address)))
            .set("Content-Type", media_type)
            .send_bytes(bytes)
            .unwrap_or_else(|e| panic!("failed to upload manifest {reference} to {repository}: {e}"));
    }

    fn authorized(&self, request: ureq::Request) -> ureq::Request {
        match &self.credentials {
            Some((username, password)) => {
                let encoded = base64::engine::general_purpose::STANDARD.encode(format!("{username}:{password}"));
                request.set("Authorization", &format!("Basic {encoded}"))
            }
            None => request,
        }
    }

    /// Returns the registry's log so far, for failure messages.
    pub fn log(&self) -> String {
        let mut log = String::new();
        if let Ok(mut file) = std::fs::File::open(self.dir.path().join("registry.log")) {
            let _ = file.read_to_string(&mut log);
        }
        log
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Returns a port that was free on 127.0.0.1 a moment ago.
fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("local address").port()
}
