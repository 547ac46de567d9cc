//! Catalogers run over file trees built from the folders in `tests/fixtures`, each folder laid
//! out as an image root.

use std::fs;
use std::path::Path;

use scantrail_image::{FileEntry, FileKind, FileTree};
use scantrail_inventory::{catalog, os_release, wants, InventoryError};
use scantrail_model::{Digest, Ecosystem, Inventory, Package};

fn layer(name: &str) -> Digest {
    Digest::sha256_of(name.as_bytes())
}

fn regular(content: &[u8], layer: &Digest) -> FileEntry {
    FileEntry { kind: FileKind::Regular, layer: layer.clone(), size: content.len() as u64, content: Some(content.to_vec()) }
}

fn symlink(target: &str, layer: &Digest) -> FileEntry {
    FileEntry { kind: FileKind::Symlink(target.to_string()), layer: layer.clone(), size: 0, content: None }
}

/// Adds every file under `tests/fixtures/<fixture>` to `tree` as written by `layer`, keeping the
/// content only of the paths that `wants` accepts, as the image reader does.
fn add_fixture(tree: &mut FileTree, fixture: &str, layer: &Digest) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture);
    add_folder(tree, &root, &root, layer);
}

fn add_folder(tree: &mut FileTree, root: &Path, dir: &Path, layer: &Digest) {
    let mut entries: Vec<_> = fs::read_dir(dir).expect("fixture folder is readable").map(|entry| entry.unwrap().path()).collect();
    entries.sort();
    for path in entries {
        let relative = path.strip_prefix(root).unwrap().to_str().unwrap().replace('\\', "/");
        if path.is_dir() {
            tree.insert(&relative, FileEntry { kind: FileKind::Directory, layer: layer.clone(), size: 0, content: None });
            add_folder(tree, root, &path, layer);
            continue;
        }
        let content = fs::read(&path).unwrap();
        let mut entry = regular(&content, layer);
        if !wants(&relative) {
            entry.content = None;
        }
        tree.insert(&relative, entry);
    }
}

fn tree_of(fixture: &str, layer: &Digest) -> FileTree {
    let mut tree = FileTree::new();
    add_fixture(&mut tree, fixture, layer);
    tree
}

fn find<'a>(inventory: &'a Inventory, name: &str) -> &'a Package {
    inventory.packages.iter().find(|package| package.name == name).unwrap_or_else(|| panic!("package {name} not found"))
}

fn names(inventory: &Inventory) -> Vec<&str> {
    inventory.packages.iter().map(|package| package.name.as_str()).collect()
}

#[test]
fn wants_accepts_package_databases() {
    let cases = [
        ("etc/os-release", true),
        ("usr/lib/os-release", true),
        ("/etc/os-release", true),
        ("etc/os-release.d/x", false),
        ("etc/lsb-release", false),
        ("var/lib/dpkg/status", true),
        ("var/lib/dpkg/status-old", false),
        ("var/lib/dpkg/status.d/libssl3", true),
        ("var/lib/dpkg/status.d/libssl3.md5sums", false),
        ("var/lib/dpkg/status.d", false),
        ("var/lib/dpkg/available", false),
        ("usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/METADATA", true),
        ("usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/RECORD", false),
        ("usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info/PKG-INFO", true),
        ("usr/lib/python3/dist-packages/six-1.16.0.egg-info", true),
        ("usr/lib/python3.11/site-packages/foo-1.0-py3.11.egg/EGG-INFO/PKG-INFO", true),
        ("usr/lib/python3/dist-packages/yaml/METADATA", false),
        ("app/node_modules/express/package.json", true),
        ("node_modules/express/package.json", true),
        ("app/node_modules/@babel/core/package.json", true),
        ("app/node_modules/express/node_modules/debug/package.json", true),
        ("app/node_modules/express/node_modules/@types/node/package.json", true),
        ("app/node_modules/.pnpm/debug@4.3.4/node_modules/debug/package.json", true),
        ("app/node_modules/express/lib/package.json", false),
        ("app/node_modules/@babel/package.json", false),
        ("app/node_modules/package.json", false),
        ("app/node_modules/.bin/package.json", false),
        ("app/package.json", false),
        ("app/my_node_modules/x/package.json", false),
        ("app/node_modules/x/package.json.bak", false),
        ("usr/bin/bash", false),
    ];
    for (path, expected) in cases {
        assert_eq!(wants(path), expected, "wants({path:?})");
    }
}

#[test]
fn dpkg_status_lists_installed_packages() {
    let base = layer("base");
    let inventory = catalog(&tree_of("bookworm", &base)).unwrap();

    assert_eq!(names(&inventory), ["bash", "bsdutils", "curl", "libc6", "libssl3", "libstdc++6", "tzdata"]);
    for package in &inventory.packages {
        assert_eq!(package.ecosystem, Ecosystem::Debian, "{}", package.name);
        assert_eq!(package.path, "/var/lib/dpkg/status", "{}", package.name);
        assert_eq!(package.layer.as_ref(), Some(&base), "{}", package.name);
    }
}

#[test]
fn dpkg_layer_comes_from_file_list() {
    // The status file was rewritten by the last apt run, but each package's file list stays in
    // the layer that unpacked it. Metadata only: the reader keeps no content of these files.
    let (base, upgrade) = (layer("base"), layer("upgrade"));
    let mut tree = tree_of("bookworm", &upgrade);
    let metadata = |layer: &Digest| FileEntry { kind: FileKind::Regular, layer: layer.clone(), size: 10, content: None };
    tree.insert("var/lib/dpkg/info/bash.list", metadata(&base));
    tree.insert("var/lib/dpkg/info/libssl3:amd64.list", metadata(&base));
    tree.insert("var/lib/dpkg/info/curl.list", metadata(&upgrade));
    tree.insert("var/lib/dpkg/info/libc6:arm64.list", metadata(&base));

    let inventory = catalog(&tree).unwrap();

    assert_eq!(find(&inventory, "bash").layer.as_ref(), Some(&base), "NAME.list");
    assert_eq!(find(&inventory, "libssl3").layer.as_ref(), Some(&base), "NAME:ARCH.list of a Multi-Arch: same package");
    assert_eq!(find(&inventory, "curl").layer.as_ref(), Some(&upgrade));
    assert_eq!(find(&inventory, "libc6").layer.as_ref(), Some(&upgrade), "a list of another architecture does not count");
    assert_eq!(find(&inventory, "tzdata").layer.as_ref(), Some(&upgrade), "without a list, the status file's layer");
}

#[test]
fn dpkg_drops_config_files_state() {
    let inventory = catalog(&tree_of("bookworm", &layer("base"))).unwrap();
    assert!(inventory.packages.iter().all(|package| package.name != "rsyslog"));
}

#[test]
fn dpkg_keeps_held_package() {
    let inventory = catalog(&tree_of("bookworm", &layer("base"))).unwrap();
    assert_eq!(find(&inventory, "curl").version, "7.88.1-10+deb12u15");
}

#[test]
fn dpkg_source_without_version() {
    let inventory = catalog(&tree_of("bookworm", &layer("base"))).unwrap();
    let libssl = find(&inventory, "libssl3");
    assert_eq!(libssl.source_name.as_deref(), Some("openssl"));
    assert_eq!(libssl.source_version, None);
    assert_eq!(libssl.match_name(), "openssl");
    assert_eq!(libssl.match_version(), "3.0.19-1~deb12u2");
}

#[test]
fn dpkg_source_with_other_version() {
    let inventory = catalog(&tree_of("bookworm", &layer("base"))).unwrap();

    let bsdutils = find(&inventory, "bsdutils");
    assert_eq!(bsdutils.version, "1:2.38.1-5+deb12u3");
    assert_eq!(bsdutils.source_name.as_deref(), Some("util-linux"));
    assert_eq!(bsdutils.source_version.as_deref(), Some("2.38.1-5+deb12u3"));

    // A binary-only rebuild (binNMU) keeps the source name, so only the version is stored.
    let bash = find(&inventory, "bash");
    assert_eq!(bash.version, "5.2.15-2+b8");
    assert_eq!(bash.source_name, None);
    assert_eq!(bash.source_version.as_deref(), Some("5.2.15-2"));
    assert_eq!(bash.match_name(), "bash");
    assert_eq!(bash.match_version(), "5.2.15-2");
}

#[test]
fn dpkg_package_without_source() {
    let inventory = catalog(&tree_of("bookworm", &layer("base"))).unwrap();
    let tzdata = find(&inventory, "tzdata");
    assert_eq!(tzdata.source_name, None);
    assert_eq!(tzdata.source_version, None);
    assert_eq!(tzdata.purl, "pkg:deb/debian/tzdata@2025b-0%2Bdeb12u2?arch=all&distro=debian-12");
}

#[test]
fn dpkg_purl_encoding() {
    let inventory = catalog(&tree_of("bookworm", &layer("base"))).unwrap();
    let cases = [
        ("libc6", "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=debian-12&upstream=glibc"),
        ("bsdutils", "pkg:deb/debian/bsdutils@1:2.38.1-5%2Bdeb12u3?arch=amd64&distro=debian-12&upstream=util-linux"),
        ("libstdc++6", "pkg:deb/debian/libstdc%2B%2B6@12.2.0-14%2Bdeb12u1?arch=amd64&distro=debian-12&upstream=gcc-12"),
        ("libssl3", "pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl"),
        ("bash", "pkg:deb/debian/bash@5.2.15-2%2Bb8?arch=amd64&distro=debian-12"),
    ];
    for (name, purl) in cases {
        assert_eq!(find(&inventory, name).purl, purl, "purl of {name}");
    }
}

#[test]
fn dpkg_ubuntu_ecosystem_and_distro() {
    let mut tree = tree_of("bookworm", &layer("base"));
    tree.remove_tree("usr/lib/os-release");
    add_fixture_file(&mut tree, "os-release/ubuntu", "etc/os-release", &layer("base"));

    let inventory = catalog(&tree).unwrap();
    let libc = find(&inventory, "libc6");
    assert_eq!(libc.ecosystem, Ecosystem::Ubuntu);
    assert_eq!(libc.purl, "pkg:deb/ubuntu/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=ubuntu-22.04&upstream=glibc");
}

#[test]
fn dpkg_derivative_counts_as_debian() {
    let mut tree = tree_of("bookworm", &layer("base"));
    tree.remove_tree("usr/lib/os-release");
    add_fixture_file(&mut tree, "os-release/raspbian", "etc/os-release", &layer("base"));

    let inventory = catalog(&tree).unwrap();
    let libc = find(&inventory, "libc6");
    assert_eq!(libc.ecosystem, Ecosystem::Debian);
    assert_eq!(libc.purl, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&distro=raspbian-12&upstream=glibc");
}

#[test]
fn dpkg_without_os_release() {
    let mut tree = tree_of("bookworm", &layer("base"));
    tree.remove_tree("usr/lib/os-release");

    let inventory = catalog(&tree).unwrap();
    assert_eq!(inventory.os, None);
    let libc = find(&inventory, "libc6");
    assert_eq!(libc.ecosystem, Ecosystem::Debian);
    assert_eq!(libc.purl, "pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64&upstream=glibc");
}

#[test]
fn dpkg_invalid_status_names_path_and_line() {
    let mut tree = FileTree::new();
    let text = b"Package: libc6\nStatus: install ok installed\nthis line has no colon\n";
    tree.insert("var/lib/dpkg/status", regular(text, &layer("base")));

    let error = catalog(&tree).unwrap_err();
    let InventoryError::InvalidDpkgStatus { path, line, .. } = &error else {
        panic!("expected an invalid dpkg status error, got {error}");
    };
    assert_eq!(path, "var/lib/dpkg/status");
    assert_eq!(*line, 3);
    let message = error.to_string();
    assert!(message.contains("/var/lib/dpkg/status at line 3"), "{message}");
    assert!(message.contains("this line has no colon"), "{message}");
}

#[test]
fn dpkg_status_d_reads_each_file() {
    let base = layer("base");
    let inventory = catalog(&tree_of("distroless", &base)).unwrap();

    assert_eq!(names(&inventory), ["base-files", "libssl3"]);
    let libssl = find(&inventory, "libssl3");
    assert_eq!(libssl.path, "/var/lib/dpkg/status.d/libssl3");
    assert_eq!(libssl.source_name.as_deref(), Some("openssl"));
    assert_eq!(libssl.purl, "pkg:deb/debian/libssl3@3.0.19-1~deb12u2?arch=amd64&distro=debian-12&upstream=openssl");
    assert_eq!(find(&inventory, "base-files").path, "/var/lib/dpkg/status.d/base-files");
}

#[test]
fn dpkg_status_d_layer_per_file() {
    let base = layer("base");
    let update = layer("update");
    let mut tree = tree_of("distroless", &base);
    add_fixture_file(&mut tree, "distroless/var/lib/dpkg/status.d/libssl3", "var/lib/dpkg/status.d/libssl3", &update);

    let inventory = catalog(&tree).unwrap();
    assert_eq!(find(&inventory, "base-files").layer.as_ref(), Some(&base));
    assert_eq!(find(&inventory, "libssl3").layer.as_ref(), Some(&update));
}

#[test]
fn os_release_follows_etc_symlink() {
    let base = layer("base");
    let mut tree = tree_of("bookworm", &base);
    tree.insert("etc/os-release", symlink("../usr/lib/os-release", &base));

    let os = os_release(&tree).expect("os-release found");
    assert_eq!(os.id, "debian");
    assert_eq!(os.version_id.as_deref(), Some("12"));
    assert_eq!(os.version_codename.as_deref(), Some("bookworm"));
    assert_eq!(os.pretty_name.as_deref(), Some("Debian GNU/Linux 12 (bookworm)"));
}

#[test]
fn os_release_prefers_etc() {
    let base = layer("base");
    let mut tree = tree_of("bookworm", &base);
    add_fixture_file(&mut tree, "os-release/alpine", "etc/os-release", &base);

    let os = os_release(&tree).expect("os-release found");
    assert_eq!(os.id, "alpine");
    assert_eq!(os.version_id.as_deref(), Some("3.19.1"));
    assert_eq!(os.version_codename, None);
    assert_eq!(os.pretty_name.as_deref(), Some("Alpine Linux v3.19"));
}

#[test]
fn os_release_shell_quoting() {
    let mut tree = FileTree::new();
    let text = "# comment\nID='my-os'\nVERSION_ID=1.0\nPRETTY_NAME=\"My \\\"quoted\\\" OS \\$1\"\nVERSION_CODENAME=\"\"\n";
    tree.insert("etc/os-release", regular(text.as_bytes(), &layer("base")));

    let os = os_release(&tree).expect("os-release found");
    assert_eq!(os.id, "my-os");
    assert_eq!(os.version_id.as_deref(), Some("1.0"));
    assert_eq!(os.pretty_name.as_deref(), Some("My \"quoted\" OS $1"));
    assert_eq!(os.version_codename, None);
}

#[test]
fn os_release_missing() {
    assert_eq!(os_release(&tree_of("node", &layer("base"))), None);
}

#[test]
fn python_metadata_and_pkg_info() {
    let base = layer("base");
    let inventory = catalog(&tree_of("python", &base)).unwrap();

    assert_eq!(names(&inventory), ["PyYAML", "python-apt", "six", "typing_extensions"]);
    let cases = [
        ("PyYAML", "6.0.1", "pkg:pypi/pyyaml@6.0.1", "/usr/lib/python3/dist-packages/PyYAML-6.0.1.dist-info/METADATA"),
        ("python-apt", "2.6.0", "pkg:pypi/python-apt@2.6.0", "/usr/lib/python3/dist-packages/python_apt-2.6.0.egg-info/PKG-INFO"),
        ("six", "1.16.0", "pkg:pypi/six@1.16.0", "/usr/lib/python3/dist-packages/six-1.16.0.egg-info"),
        (
            "typing_extensions",
            "4.12.2",
            "pkg:pypi/typing-extensions@4.12.2",
            "/usr/lib/python3/dist-packages/typing_extensions-4.12.2.dist-info/METADATA",
        ),
    ];
    for (name, version, purl, path) in cases {
        let package = find(&inventory, name);
        assert_eq!(package.ecosystem, Ecosystem::PyPI, "{name}");
        assert_eq!(package.version, version, "{name}");
        assert_eq!(package.purl, purl, "{name}");
        assert_eq!(package.path, path, "{name}");
        assert_eq!(package.layer.as_ref(), Some(&base), "{name}");
    }
}

#[test]
fn npm_scoped_and_nested_packages() {
    let base = layer("base");
    let inventory = catalog(&tree_of("node", &base)).unwrap();

    let mut found: Vec<(&str, &str, &str, &str)> = inventory
        .packages
        .iter()
        .map(|package| (package.name.as_str(), package.version.as_str(), package.purl.as_str(), package.path.as_str()))
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            ("@babel/core", "7.24.0", "pkg:npm/%40babel/core@7.24.0", "/app/node_modules/@babel/core/package.json"),
            ("debug", "2.6.9", "pkg:npm/debug@2.6.9", "/app/node_modules/express/node_modules/debug/package.json"),
            ("debug", "4.3.4", "pkg:npm/debug@4.3.4", "/app/node_modules/debug/package.json"),
            ("express", "4.19.2", "pkg:npm/express@4.19.2", "/app/node_modules/express/package.json"),
        ]
    );
    assert!(inventory.packages.iter().all(|package| package.ecosystem == Ecosystem::Npm));
}

#[test]
fn npm_skips_invalid_json() {
    let inventory = catalog(&tree_of("node", &layer("base"))).unwrap();
    assert!(inventory.packages.iter().all(|package| package.name != "broken"));
}

#[test]
fn npm_skips_symlinked_package() {
    let base = layer("base");
    let mut tree = tree_of("node", &base);
    tree.insert("app/node_modules/debug-alias/package.json", symlink("../debug/package.json", &base));

    let inventory = catalog(&tree).unwrap();
    let copies = inventory.packages.iter().filter(|package| package.name == "debug").count();
    assert_eq!(copies, 2);
}

#[test]
fn layer_attribution_across_layers() {
    let base = layer("base");
    let app = layer("app");
    let mut tree = tree_of("bookworm", &base);
    add_fixture(&mut tree, "node", &app);
    add_fixture(&mut tree, "python", &app);

    let inventory = catalog(&tree).unwrap();
    assert_eq!(find(&inventory, "libc6").layer.as_ref(), Some(&base));
    assert_eq!(find(&inventory, "express").layer.as_ref(), Some(&app));
    assert_eq!(find(&inventory, "PyYAML").layer.as_ref(), Some(&app));
}

#[test]
fn catalog_sets_os_and_sorts() {
    let base = layer("base");
    let mut tree = tree_of("bookworm", &base);
    add_fixture(&mut tree, "node", &base);
    add_fixture(&mut tree, "python", &base);

    let inventory = catalog(&tree).unwrap();
    assert_eq!(inventory.os.as_ref().map(|os| os.id.as_str()), Some("debian"));
    assert_eq!(inventory.packages.len(), 7 + 4 + 4);
    let mut sorted = inventory.packages.clone();
    sorted.sort();
    assert_eq!(inventory.packages, sorted);
}

#[test]
fn uncaptured_content_is_skipped() {
    let mut tree = FileTree::new();
    let entry = FileEntry { kind: FileKind::Regular, layer: layer("base"), size: 10, content: None };
    tree.insert("app/node_modules/express/package.json", entry);

    let inventory = catalog(&tree).unwrap();
    assert!(inventory.packages.is_empty());
}

/// Inserts the fixture file `fixture` at `path` of `tree`, written by `layer`.
fn add_fixture_file(tree: &mut FileTree, fixture: &str, path: &str, layer: &Digest) {
    let content = fs::read(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(fixture)).unwrap();
    tree.insert(path, regular(&content, layer));
}

#[test]
fn apk_database_with_origin() {
    let base = layer("alpine base");
    let packages_layer = layer("apk add");
    let mut tree = tree_of("alpine", &base);
    // A later layer rewrites the database, so its packages belong to that layer.
    let database = "lib/apk/db/installed";
    assert!(wants(database), "the image reader must capture {database}");
    let content = tree.read(database).expect("fixture database").to_vec();
    tree.insert(database, regular(&content, &packages_layer));

    let inventory = catalog(&tree).expect("valid apk database");
    assert_eq!(names(&inventory), vec!["libcrypto3", "musl"]);

    let libcrypto = find(&inventory, "libcrypto3");
    assert_eq!(libcrypto.ecosystem, Ecosystem::Alpine);
    assert_eq!(libcrypto.version, "3.1.4-r5");
    assert_eq!(libcrypto.source_name.as_deref(), Some("openssl"));
    assert_eq!(libcrypto.match_name(), "openssl");
    assert_eq!(libcrypto.purl, "pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64&distro=alpine-3.19.1&upstream=openssl");
    assert_eq!(libcrypto.path, "/lib/apk/db/installed");
    assert_eq!(libcrypto.layer.as_ref(), Some(&packages_layer));

    let musl = find(&inventory, "musl");
    assert_eq!(musl.source_name, None, "the origin is the package itself");
    assert_eq!(musl.purl, "pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.1");
    assert_eq!(inventory.os.as_ref().map(|os| os.id.as_str()), Some("alpine"));
}

#[test]
fn apk_purl_namespace_follows_os_id() {
    let base = layer("wolfi base");
    let mut tree = FileTree::new();
    tree.insert("etc/os-release", regular(b"ID=wolfi\nVERSION_ID=20230201\n", &base));
    tree.insert("lib/apk/db/installed", regular(b"P:glibc\nV:2.39-r5\nA:x86_64\no:glibc\n", &base));

    let inventory = catalog(&tree).expect("valid apk database");
    let glibc = find(&inventory, "glibc");
    assert_eq!(glibc.purl, "pkg:apk/wolfi/glibc@2.39-r5?arch=x86_64&distro=wolfi-20230201");
    assert_eq!(glibc.ecosystem, Ecosystem::Alpine);
}
