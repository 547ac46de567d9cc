//! Reading images from a registry: a real `docker-registry` on 127.0.0.1 for the distribution
//! API and basic auth, and a small fake registry for the bearer-token flow, retries and a blob
//! served with content that does not match its digest.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::paths;
use scantrail_image::{read_image, Credentials, Image, ImageError, ImageSource, LayerCache, Platform, ReadOptions, RegistryOptions};
use scantrail_testkit::{write_multi_platform_layout, Digest, ImageBuilder, Layer, TestRegistry};

fn capture_all(_: &str) -> bool {
    true
}

fn test_options() -> RegistryOptions {
    // An empty Docker configuration directory, so that the user's credentials are never read.
    RegistryOptions {
        docker_config: Some("/nonexistent-scantrail-test".into()),
        retry_delay: Duration::from_millis(10),
        ..RegistryOptions::new()
    }
}

fn read_from(source: &str, registry: &RegistryOptions, cache: Option<&LayerCache>) -> Result<Image, ImageError> {
    read_platform(source, registry, cache, Platform::default())
}

fn read_platform(source: &str, registry: &RegistryOptions, cache: Option<&LayerCache>, platform: Platform) -> Result<Image, ImageError> {
    let source = ImageSource::parse(source)?;
    read_image(&source, &ReadOptions { platform, capture: &capture_all, registry, cache, ..ReadOptions::default() })
}

fn base_layer() -> Layer {
    Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=12\n").symlink("bin/sh", "dash").file("usr/bin/dash", "elf")
}

fn app_image(version: &str) -> ImageBuilder {
    ImageBuilder::new()
        .layer(base_layer())
        .layer(Layer::new().file(&format!("app/{version}.txt"), version).whiteout("usr/bin/dash").opaque("var/cache"))
}

/// Writes `builder` as an OCI layout tagged `tag` in a new directory.
fn layout(builder: &ImageBuilder, tag: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    builder.write_oci_layout(dir.path(), tag);
    dir
}

fn assert_same_image(from_registry: &Image, from_layout: &Image) {
    assert_eq!(from_registry.manifest_digest, from_layout.manifest_digest);
    assert_eq!(from_registry.config_digest, from_layout.config_digest);
    assert_eq!(from_registry.layers, from_layout.layers);
    assert_eq!(paths(from_registry), paths(from_layout));
    for (path, entry) in from_layout.files.iter() {
        assert_eq!(from_registry.files.get(path), Some(entry), "{path}");
    }
}

#[test]
fn registry_read_matches_layout() {
    let registry = TestRegistry::start();
    let dir = layout(&app_image("v1"), "v1");
    registry.push_layout(dir.path(), "v1", "team/app", "1.0");

    let from_layout = read_from(&format!("oci:{}:v1", dir.path().display()), &test_options(), None).unwrap();
    let from_registry = read_from(&format!("{}/team/app:1.0", registry.address), &test_options(), None)
        .unwrap_or_else(|e| panic!("{e}\nregistry log:\n{}", registry.log()));
    assert_same_image(&from_registry, &from_layout);
    assert_eq!(from_registry.index_digest, None);
    assert_eq!(from_registry.stats.layers_read, 2);

    let by_digest = format!("docker://{}/team/app@{}", registry.address, from_layout.manifest_digest);
    let image = read_from(&by_digest, &test_options(), None).unwrap();
    assert_eq!(image.manifest_digest, from_layout.manifest_digest);
}

#[test]
fn registry_missing_tag_is_named() {
    let registry = TestRegistry::start();
    let dir = layout(&app_image("v1"), "v1");
    registry.push_layout(dir.path(), "v1", "team/app", "1.0");

    let error = read_from(&format!("{}/team/app:9.9", registry.address), &test_options(), None).unwrap_err();
    assert!(matches!(error, ImageError::ManifestNotFound { .. }), "{error}");
    let message = error.to_string();
    assert!(message.contains("9.9"), "{message}");
    assert!(message.contains(&format!("{}/team/app", registry.address)), "{message}");
}

#[test]
fn registry_multi_platform_index() {
    let registry = TestRegistry::start();
    let dir = tempfile::tempdir().unwrap();
    let amd64 = ImageBuilder::new().platform("linux", "amd64").layer(Layer::new().file("arch", "amd64"));
    let arm64 = ImageBuilder::new().platform("linux", "arm64").layer(Layer::new().file("arch", "arm64"));
    let (index_digest, built) = write_multi_platform_layout(dir.path(), "v1", &[&amd64, &arm64], true);
    registry.push_layout(dir.path(), "v1", "multi", "v1");

    let source = format!("{}/multi:v1", registry.address);
    for (platform, expected) in [("linux/amd64", 0), ("linux/arm64", 1)] {
        let image = read_platform(&source, &test_options(), None, platform.parse().unwrap())
            .unwrap_or_else(|e| panic!("{platform}: {e}\nregistry log:\n{}", registry.log()));
        assert_eq!(image.manifest_digest, built[expected].manifest_digest, "{platform}");
        assert_eq!(image.index_digest.as_ref(), Some(&index_digest), "{platform}");
        assert_eq!(image.files.read("arch"), Some(platform.split('/').nth(1).unwrap().as_bytes()), "{platform}");
    }

    let error = read_platform(&source, &test_options(), None, "linux/s390x".parse().unwrap()).unwrap_err();
    match error {
        ImageError::PlatformNotFound { available, .. } => {
            assert_eq!(available, ["linux/amd64", "linux/arm64"], "attestation manifests are skipped")
        }
        other => panic!("expected PlatformNotFound, got {other}"),
    }
}

#[test]
fn registry_basic_auth() {
    let registry = TestRegistry::start_with_basic_auth("alice", "s3cret");
    let dir = layout(&app_image("v1"), "v1");
    registry.push_layout(dir.path(), "v1", "private/app", "v1");
    let source = format!("{}/private/app:v1", registry.address);

    let anonymous = read_from(&source, &test_options(), None).unwrap_err();
    match &anonymous {
        ImageError::RegistryUnauthorized { with_credentials, .. } => assert!(!with_credentials),
        other => panic!("expected RegistryUnauthorized, got {other}"),
    }
    assert!(anonymous.to_string().contains("docker login"), "{anonymous}");

    let wrong = RegistryOptions {
        credentials: Some(Credentials { username: "alice".into(), password: "wrong".into() }),
        ..test_options()
    };
    let rejected = read_from(&source, &wrong, None).unwrap_err();
    assert!(matches!(rejected, ImageError::RegistryUnauthorized { with_credentials: true, .. }), "{rejected}");

    let right = RegistryOptions {
        credentials: Some(Credentials { username: "alice".into(), password: "s3cret".into() }),
        ..test_options()
    };
    let image = read_from(&source, &right, None).unwrap();
    assert_eq!(image.files.read("app/v1.txt"), Some(&b"v1"[..]));

    // The same credentials from a Docker config.json `auths` entry.
    let docker_config = tempfile::tempdir().unwrap();
    let config = serde_json::json!({ "auths": { registry.address.clone(): { "auth": "YWxpY2U6czNjcmV0" } } });
    std::fs::write(docker_config.path().join("config.json"), config.to_string()).unwrap();
    let from_config = RegistryOptions { docker_config: Some(docker_config.path().to_path_buf()), ..test_options() };
    let image = read_from(&source, &from_config, None).unwrap();
    assert_eq!(image.files.read("app/v1.txt"), Some(&b"v1"[..]));
}

#[test]
fn registry_tampered_blob_in_storage() {
    let registry = TestRegistry::start();
    let builder = app_image("v1");
    let dir = tempfile::tempdir().unwrap();
    let built = builder.write_oci_layout(dir.path(), "v1");
    registry.push_layout(dir.path(), "v1", "team/app", "v1");

    let layer = &built.layer_digests[1];
    let data = registry.blob_file(layer);
    let mut bytes = std::fs::read(&data).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    std::fs::write(&data, &bytes).unwrap();

    let error = read_from(&format!("{}/team/app:v1", registry.address), &test_options(), None).unwrap_err();
    match &error {
        ImageError::DigestMismatch { expected, .. } => assert_eq!(expected, layer),
        other => panic!("expected DigestMismatch, got {other}"),
    }
    assert!(error.to_string().contains("does not match its digest"), "{error}");
}

#[test]
fn layer_cache_skips_known_layers() {
    let registry = TestRegistry::start();
    let home = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(home.path().join("layers"), "test-rules-1");
    let v1 = layout(&app_image("v1"), "v1");
    let v2 = layout(&app_image("v2"), "v2");
    registry.push_layout(v1.path(), "v1", "team/app", "v1");
    registry.push_layout(v2.path(), "v2", "team/app", "v2");
    let source = |tag: &str| format!("{}/team/app:{tag}", registry.address);

    let cold = read_from(&source("v1"), &test_options(), Some(&cache)).unwrap();
    assert_eq!((cold.stats.layers_read, cold.stats.layers_from_cache), (2, 0));

    // v2 shares the base layer, so only its own layer is read.
    let shared = read_from(&source("v2"), &test_options(), Some(&cache)).unwrap();
    assert_eq!((shared.stats.layers_read, shared.stats.layers_from_cache), (1, 1));
    let uncached_v2 = read_from(&source("v2"), &test_options(), None).unwrap();
    assert_same_image(&shared, &uncached_v2);

    // A fully cached rescan does not even download the layer blobs: break them in storage.
    let mut broken = 0;
    for layer in &cold.layers {
        let data = registry.blob_file(&layer.digest);
        std::fs::write(&data, b"not the layer").unwrap();
        broken += 1;
    }
    assert_eq!(broken, 2);
    let warm = read_from(&source("v1"), &test_options(), Some(&cache)).unwrap();
    assert_eq!((warm.stats.layers_read, warm.stats.layers_from_cache), (0, 2));
    assert_same_image(&warm, &cold);
}

#[test]
fn layer_cache_corrupt_file_is_reread() {
    let home = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(home.path().join("layers"), "test-rules-1");
    let dir = layout(&app_image("v1"), "v1");
    let source = format!("oci:{}:v1", dir.path().display());
    let cold = read_from(&source, &test_options(), Some(&cache)).unwrap();

    let top = &cold.layers[1].digest;
    let file = cache.path_of(top);
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&file, &bytes).unwrap();

    let reread = read_from(&source, &test_options(), Some(&cache)).unwrap();
    assert_eq!((reread.stats.layers_read, reread.stats.layers_from_cache), (1, 1));
    assert_same_image(&reread, &cold);
    assert_ne!(std::fs::read(&file).unwrap(), bytes, "the corrupt file is rewritten");
}

#[test]
fn layer_cache_keyed_by_capture_rules() {
    let home = tempfile::tempdir().unwrap();
    let dir = layout(&app_image("v1"), "v1");
    let source = ImageSource::parse(&format!("oci:{}:v1", dir.path().display())).unwrap();
    let registry = test_options();

    let only_os_release = |path: &str| path == "etc/os-release";
    let cache = LayerCache::new(home.path().join("layers"), "os-release-only");
    let options = ReadOptions { capture: &only_os_release, registry: &registry, cache: Some(&cache), ..ReadOptions::default() };
    read_image(&source, &options).unwrap();

    // Other rules under another version read the layers again and capture what they select.
    let wider = LayerCache::new(home.path().join("layers"), "all-files");
    let image = read_image(&source, &ReadOptions { capture: &capture_all, registry: &registry, cache: Some(&wider), ..ReadOptions::default() }).unwrap();
    assert_eq!(image.stats.layers_read, 2);
    assert_eq!(image.files.read("app/v1.txt"), Some(&b"v1"[..]));
}

/// A minimal registry that requires a bearer token, fails the first manifest request with 503,
/// and serves the blobs of an OCI layout, replacing the content of `tampered` with other bytes.
struct FakeRegistry {
    address: String,
    requests: Arc<Mutex<Vec<String>>>,
}

impl FakeRegistry {
    fn start(layout: &Path, repository: &str, tag: &str, tampered: Option<Digest>) -> FakeRegistry {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let state = (layout.to_path_buf(), repository.to_string(), tag.to_string(), tampered, address.clone(), Arc::clone(&requests));
        std::thread::spawn(move || {
            let (layout, repository, tag, tampered, address, requests) = state;
            let mut failed_once = false;
            for stream in listener.incoming() {
                let Ok(stream) = stream else { break };
                let request = serve(stream, &layout, &repository, &tag, tampered.as_ref(), &address, &mut failed_once);
                requests.lock().unwrap().push(request);
            }
        });
        FakeRegistry { address, requests }
    }
}

/// Serves one request and closes the connection. Returns "GET PATH -> STATUS" for the asserts.
fn serve(
    stream: TcpStream,
    layout: &Path,
    repository: &str,
    tag: &str,
    tampered: Option<&Digest>,
    address: &str,
    failed_once: &mut bool,
) -> String {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request_line = String::new();
    reader.read_line(&mut request_line).unwrap();
    let mut authorized = false;
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line.trim().is_empty() {
            break;
        }
        if line.to_ascii_lowercase().starts_with("authorization: bearer t0k3n") {
            authorized = true;
        }
    }
    let path = request_line.split_whitespace().nth(1).unwrap_or("").to_string();

    let index: serde_json::Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let manifest_digest = index["manifests"][0]["digest"].as_str().unwrap().to_string();
    let blob = |digest: &str| std::fs::read(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))).ok();

    let (status, headers, body): (u16, Vec<String>, Vec<u8>) = if path.starts_with("/token") {
        (200, vec!["Content-Type: application/json".into()], br#"{"token":"t0k3n"}"#.to_vec())
    } else if !authorized {
        let challenge = format!(r#"WWW-Authenticate: Bearer realm="http://{address}/token",service="fake""#);
        (401, vec![challenge], b"{}".to_vec())
    } else if path == format!("/v2/{repository}/manifests/{tag}") && !*failed_once {
        *failed_once = true;
        (503, vec![], b"try again".to_vec())
    } else if path == format!("/v2/{repository}/manifests/{tag}") {
        let headers = vec![
            "Content-Type: application/vnd.oci.image.manifest.v1+json".to_string(),
            format!("Docker-Content-Digest: {manifest_digest}"),
        ];
        (200, headers, blob(&manifest_digest).unwrap())
    } else if let Some(digest) = path.strip_prefix(&format!("/v2/{repository}/blobs/")) {
        match blob(digest) {
            Some(mut bytes) => {
                if tampered.is_some_and(|t| t.to_string() == digest) {
                    let last = bytes.len() - 1;
                    bytes[last] ^= 0x01;
                }
                (200, vec!["Content-Type: application/octet-stream".into()], bytes)
            }
            None => (404, vec![], b"{}".to_vec()),
        }
    } else {
        (404, vec![], b"{}".to_vec())
    };

    let mut stream = stream;
    let mut response = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n", body.len());
    for header in headers {
        response.push_str(&header);
        response.push_str("\r\n");
    }
    response.push_str("\r\n");
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.write_all(&body);
    format!("GET {path} -> {status}")
}

#[test]
fn bearer_token_flow_and_retry() {
    let dir = tempfile::tempdir().unwrap();
    let built = app_image("v1").write_oci_layout(dir.path(), "v1");
    let fake = FakeRegistry::start(dir.path(), "team/app", "v1", None);

    let image = read_from(&format!("{}/team/app:v1", fake.address), &test_options(), None).unwrap();
    assert_eq!(image.manifest_digest, built.manifest_digest);
    let requests = fake.requests.lock().unwrap().clone();
    assert!(requests.iter().any(|r| r.starts_with("GET /token?") && r.contains("scope=repository%3Ateam%2Fapp%3Apull")), "{requests:#?}");
    assert!(requests.iter().any(|r| r.ends_with("-> 503")), "{requests:#?}");
    assert!(requests.iter().any(|r| r == "GET /v2/team/app/manifests/v1 -> 200"), "retried after 503: {requests:#?}");
}

#[test]
fn tampered_blob_is_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let built = app_image("v1").write_oci_layout(dir.path(), "v1");
    let layer = built.layer_digests[0].clone();
    let fake = FakeRegistry::start(dir.path(), "team/app", "v1", Some(layer.clone()));

    let error = read_from(&format!("{}/team/app:v1", fake.address), &test_options(), None).unwrap_err();
    match &error {
        ImageError::DigestMismatch { expected, .. } => assert_eq!(expected, &layer),
        other => panic!("expected DigestMismatch, got {other}"),
    }
}

#[test]
fn layer_cache_keeps_content_captures() {
    let home = tempfile::tempdir().unwrap();
    let cache = LayerCache::new(home.path().join("layers"), "test-rules-1");
    let builder = ImageBuilder::new().layer(Layer::new().file("usr/bin/tool", b"\x7fELF binary").file("usr/bin/script", "#!/bin/sh"));
    let dir = layout(&builder, "v1");
    let source = ImageSource::parse(&format!("oci:{}:v1", dir.path().display())).unwrap();
    let registry = test_options();
    let only_os_release = |path: &str| path == "etc/os-release";
    let elf = |_: &str, head: &[u8]| head.starts_with(b"\x7fELF");
    let options = ReadOptions {
        capture: &only_os_release,
        capture_by_content: &elf,
        registry: &registry,
        cache: Some(&cache),
        ..ReadOptions::default()
    };

    let cold = read_image(&source, &options).unwrap();
    let warm = read_image(&source, &options).unwrap();
    assert_eq!(warm.stats.layers_from_cache, 1);
    assert_eq!(warm.files.read("usr/bin/tool"), Some(&b"\x7fELF binary"[..]));
    assert_eq!(cold.files.read("usr/bin/tool"), warm.files.read("usr/bin/tool"));
    assert_eq!(warm.files.get("usr/bin/script").unwrap().content, None);
}
