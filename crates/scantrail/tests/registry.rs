//! Scanning images from a real `docker-registry` on 127.0.0.1, with and without credentials,
//! and the layer cache as the scan's log reports it.

mod common;

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::{example_image, stderr, TestEnv};
use scantrail_testkit::{write_multi_platform_layout, ImageBuilder, Layer, TestRegistry};

/// Runs scantrail with this environment's store, `envs` added, and `input` on stdin.
fn run_with(env: &TestEnv, args: &[&str], envs: &[(&str, &Path)], input: Option<&str>) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_scantrail"));
    command
        .args(args)
        .env("SCANTRAIL_HOME", env.home())
        .env("NO_COLOR", "1")
        // An empty Docker configuration, so that the user's own credentials are never read.
        .env("DOCKER_CONFIG", env.path("no-docker-config"))
        .env_remove("SCANTRAIL_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in envs {
        command.env(key, value);
    }
    let mut child = command.spawn().expect("run scantrail");
    let mut stdin = child.stdin.take().expect("stdin");
    if let Some(input) = input {
        stdin.write_all(input.as_bytes()).expect("write stdin");
    }
    drop(stdin);
    child.wait_with_output().expect("wait for scantrail")
}

fn json_of(output: &Output, label: &str) -> serde_json::Value {
    assert_eq!(output.status.code(), Some(0), "{label} failed\nstderr:\n{}", stderr(output));
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

/// Returns the findings of a scan report as sorted (vulnerability, package) pairs.
fn findings(report: &serde_json::Value) -> Vec<(String, String)> {
    let mut pairs: Vec<(String, String)> = report["findings"]
        .as_array()
        .expect("findings array")
        .iter()
        .map(|f| (f["vulnerability_id"].to_string(), f["package"].to_string()))
        .collect();
    pairs.sort();
    pairs
}

/// Pushes the example image v1.1 as `shop/app:v1.1`; returns the layout's directory.
fn push_example(env: &TestEnv, registry: &TestRegistry) -> std::path::PathBuf {
    let layout = env.path("layout");
    example_image("v1.1").write_oci_layout(&layout, "v1.1");
    registry.push_layout(&layout, "v1.1", "shop/app", "v1.1");
    layout
}

fn layout_findings(env: &TestEnv, layout: &Path) -> Vec<(String, String)> {
    let source = format!("oci:{}:v1.1", layout.display());
    let report = json_of(&run_with(env, &["scan", &source, "--no-store", "--no-cache", "-f", "json"], &[], None), "layout scan");
    let pairs = findings(&report);
    assert!(!pairs.is_empty(), "the example image has findings");
    pairs
}

#[test]
fn registry_scan_matches_layout_scan() {
    let registry = TestRegistry::start();
    let env = TestEnv::new();
    env.import_advisories();
    let layout = push_example(&env, &registry);
    let expected = layout_findings(&env, &layout);

    let source = format!("docker://{}/shop/app:v1.1", registry.address);
    let report = json_of(&run_with(&env, &["scan", &source, "-f", "json"], &[], None), "registry scan");
    assert_eq!(findings(&report), expected);
    let repository = format!("{}/shop/app", registry.address);
    assert_eq!(report["scan"]["repository"], repository.as_str());
    assert_eq!(report["scan"]["tag"], "v1.1");

    // The tag observation lands in the history under the full registry/repository name.
    let log = json_of(&run_with(&env, &["log", &repository, "-f", "json"], &[], None), "log");
    assert_eq!(log["scans"].as_array().map(Vec::len), Some(1), "{log}");
}

#[test]
fn registry_scan_with_basic_auth() {
    let registry = TestRegistry::start_with_basic_auth("alice", "s3cret");
    let env = TestEnv::new();
    env.import_advisories();
    let layout = push_example(&env, &registry);
    let expected = layout_findings(&env, &layout);
    let source = format!("{}/shop/app:v1.1", registry.address);

    let anonymous = run_with(&env, &["scan", &source, "--no-store"], &[], None);
    assert_eq!(anonymous.status.code(), Some(2), "{}", stderr(&anonymous));
    assert!(stderr(&anonymous).contains("docker login"), "{}", stderr(&anonymous));
    assert!(stderr(&anonymous).contains("--password-stdin"), "{}", stderr(&anonymous));

    let args = ["scan", &source, "--no-store", "--no-cache", "-f", "json", "--username", "alice", "--password-stdin"];
    let report = json_of(&run_with(&env, &args, &[], Some("s3cret\n")), "scan with --password-stdin");
    assert_eq!(findings(&report), expected);

    let wrong = run_with(&env, &args, &[], Some("wrong\n"));
    assert_eq!(wrong.status.code(), Some(2));
    assert!(stderr(&wrong).contains("rejected the credentials"), "{}", stderr(&wrong));

    // From a Docker config.json `auths` entry in a temporary DOCKER_CONFIG.
    let docker_config = env.path("docker-config");
    std::fs::create_dir_all(&docker_config).unwrap();
    let config = serde_json::json!({ "auths": { registry.address.clone(): { "auth": "YWxpY2U6czNjcmV0" } } });
    std::fs::write(docker_config.join("config.json"), config.to_string()).unwrap();
    let scan = ["scan", &source, "--no-store", "--no-cache", "-f", "json"];
    let report = json_of(&run_with(&env, &scan, &[("DOCKER_CONFIG", &docker_config)], None), "scan with config.json auths");
    assert_eq!(findings(&report), expected);

    // From a credential helper named by credHelpers, found on PATH.
    let helper_config = env.path("helper-config");
    let bin = env.path("bin");
    std::fs::create_dir_all(&helper_config).unwrap();
    std::fs::create_dir_all(&bin).unwrap();
    let config = serde_json::json!({ "credHelpers": { registry.address.clone(): "scantrail-test" } });
    std::fs::write(helper_config.join("config.json"), config.to_string()).unwrap();
    let helper = bin.join("docker-credential-scantrail-test");
    std::fs::write(&helper, "#!/bin/sh\nread server\necho '{\"ServerURL\":\"'$server'\",\"Username\":\"alice\",\"Secret\":\"s3cret\"}'\n").unwrap();
    std::fs::set_permissions(&helper, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = std::env::join_paths(std::iter::once(bin.clone()).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()))).unwrap();
    let envs = [("DOCKER_CONFIG", helper_config.as_path()), ("PATH", Path::new(&path))];
    let report = json_of(&run_with(&env, &scan, &envs, None), "scan with a credential helper");
    assert_eq!(findings(&report), expected);
}

#[test]
fn registry_missing_tag_exits_2() {
    let registry = TestRegistry::start();
    let env = TestEnv::new();
    env.import_advisories();
    push_example(&env, &registry);

    let output = run_with(&env, &["scan", &format!("{}/shop/app:v9.9", registry.address), "--no-store"], &[], None);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stderr(&output).contains("has no manifest v9.9"), "{}", stderr(&output));
}

#[test]
fn registry_platform_choice() {
    let registry = TestRegistry::start();
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.path("multi");
    let image = |architecture: &str| {
        ImageBuilder::new().platform("linux", architecture).layer(Layer::new().file("etc/os-release", "ID=debian\nVERSION_ID=12\n"))
    };
    let (index_digest, built) = write_multi_platform_layout(&layout, "v1", &[&image("amd64"), &image("arm64")], true);
    registry.push_layout(&layout, "v1", "shop/multi", "v1");

    let source = format!("docker://{}/shop/multi:v1", registry.address);
    let args = ["scan", &source, "--no-store", "--platform", "linux/arm64", "-f", "json"];
    let report = json_of(&run_with(&env, &args, &[], None), "scan --platform linux/arm64");
    assert_eq!(report["scan"]["platform"], "linux/arm64");
    assert_eq!(report["scan"]["manifest_digest"], built[1].manifest_digest.to_string().as_str());
    assert_eq!(report["scan"]["index_digest"], index_digest.to_string().as_str());
}

#[test]
fn layer_cache_reported_in_log() {
    let env = TestEnv::new();
    env.import_advisories();
    let layout = env.path("layout");
    example_image("v1.0").write_oci_layout(&layout, "v1.0");
    example_image("v1.1").write_oci_layout(&layout, "v1.1");
    let scan = |tag: &str, extra: &[&str]| {
        let source = format!("oci:{}:{tag}", layout.display());
        let mut args = vec!["-v", "scan", source.as_str(), "--no-store"];
        args.extend_from_slice(extra);
        let output = run_with(&env, &args, &[], None);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        stderr(&output)
    };

    assert!(scan("v1.0", &[]).contains("0 of 2 layers from cache"));
    assert!(scan("v1.1", &[]).contains("2 of 3 layers from cache"), "v1.1 shares v1.0's two layers");
    assert!(scan("v1.1", &[]).contains("3 of 3 layers from cache"));
    assert!(!scan("v1.1", &["--no-cache"]).contains("from cache"));
    let cached = std::fs::read_dir(env.home().join("cache/layers")).unwrap().count();
    assert_eq!(cached, 3, "one cache file per layer digest");
}
