//! rpm's database of installed packages, in its three storage formats:
//!
//! - `var/lib/rpm/Packages`: Berkeley DB hash (CentOS 7, RHEL 7 and 8, Amazon Linux 2),
//! - `var/lib/rpm/rpmdb.sqlite` and `usr/lib/sysimage/rpm/rpmdb.sqlite`: SQLite with a table
//!   `Packages(hnum, blob)` (Fedora 33 and later, RHEL 9),
//! - `var/lib/rpm/Packages.db` and `usr/lib/sysimage/rpm/Packages.db`: rpm's ndb (SUSE).
//!
//! Each stores one header blob per package, which [`header`] parses.
//!
//! The ecosystem comes from os-release: Rocky Linux and AlmaLinux have their own OSV ecosystems,
//! SUSE Linux Enterprise and openSUSE too, and every other rpm distribution (RHEL, CentOS, Fedora,
//! Amazon Linux, Oracle Linux, images without os-release) is matched as Red Hat.

mod bdb;
mod header;
mod ndb;
mod sqlite;

use scantrail_image::FileTree;
use scantrail_model::{Digest, Ecosystem, Package};

use crate::os_release::OsReleaseFields;
use crate::purl::PackageUrl;
use crate::{captured_content, CatalogContext, Cataloger, InventoryError};

use header::RpmHeader;

/// The storage format of one database path.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    BerkeleyDb,
    Sqlite,
    Ndb,
}

/// The database paths, in the order they are read. An image normally has one of them. When an
/// upgrade left an old one behind, the packages of each are listed, each with its own path.
const DATABASES: [(&str, Format); 5] = [
    ("var/lib/rpm/Packages", Format::BerkeleyDb),
    ("var/lib/rpm/rpmdb.sqlite", Format::Sqlite),
    ("usr/lib/sysimage/rpm/rpmdb.sqlite", Format::Sqlite),
    ("var/lib/rpm/Packages.db", Format::Ndb),
    ("usr/lib/sysimage/rpm/Packages.db", Format::Ndb),
];

/// The name rpm gives imported signing keys, which are no software and have no architecture.
const GPG_PUBKEY: &str = "gpg-pubkey";

pub(crate) struct RpmCataloger;

impl Cataloger for RpmCataloger {
    fn wants(&self, path: &str) -> bool {
        DATABASES.iter().any(|(database, _)| *database == path)
    }

    fn catalog(&self, files: &FileTree, context: &CatalogContext) -> Result<Vec<Package>, InventoryError> {
        let distro = Distro::new(context.os.as_ref());
        let mut packages = Vec::new();
        let mut read_paths: Vec<String> = Vec::new();

        for (database, format) in DATABASES {
            let Some((path, entry)) = files.resolve(database) else { continue };
            // `var/lib/rpm` is often a symlink to `usr/lib/sysimage/rpm`, so two names can
            // resolve to one file.
            if read_paths.contains(&path) {
                continue;
            }
            let Some(content) = captured_content(&path, entry) else { continue };

            let blobs = match format {
                Format::BerkeleyDb => bdb::hash_values(content),
                Format::Sqlite => sqlite::package_blobs(content),
                Format::Ndb => ndb::package_blobs(content),
            }
            .map_err(|reason| InventoryError::InvalidRpmDatabase { path: path.clone(), reason })?;

            for blob in blobs {
                match header::parse_header(&blob) {
                    Ok(header) if header.name == GPG_PUBKEY => {}
                    Ok(header) => packages.push(to_package(&header, &path, &entry.layer, &distro)),
                    // Berkeley DB databases also store a record that is no header (the next
                    // package number), so a blob that is no header is only logged.
                    Err(reason) => tracing::debug!(path = %format!("/{path}"), %reason, "skipping an invalid rpm database record"),
                }
            }
            read_paths.push(path);
        }
        Ok(packages)
    }
}

/// The distribution that the packages belong to, which sets their ecosystem and purl.
struct Distro {
    ecosystem: Ecosystem,
    /// The purl namespace, the distribution vendor (`redhat`, `rocky`, `suse`).
    namespace: String,
    /// The purl `distro` qualifier `ID-VERSION_ID` from os-release (`rhel-9.3`).
    qualifier: Option<String>,
}

impl Distro {
    fn new(os: Option<&OsReleaseFields>) -> Distro {
        let Some(os) = os else {
            return Distro { ecosystem: Ecosystem::RedHat, namespace: "redhat".to_string(), qualifier: None };
        };
        let id = os.release.id.as_str();
        let (ecosystem, namespace) = match id {
            "rocky" => (Ecosystem::RockyLinux, "rocky"),
            "almalinux" => (Ecosystem::AlmaLinux, "almalinux"),
            "sles" | "sled" | "sle-micro" => (Ecosystem::Suse, "suse"),
            _ if id.starts_with("opensuse") => (Ecosystem::OpenSuse, "opensuse"),
            "rhel" | "centos" => (Ecosystem::RedHat, "redhat"),
            // NOTE: Fedora, Amazon Linux and Oracle Linux have no ecosystem in scantrail, so their
            // packages are matched as Red Hat packages of their major release. No Red Hat records
            // exist for Fedora's or Amazon Linux's release numbers, and Oracle Linux 8 and 9 are
            // compared with RHEL 8 and 9 records. The purl namespace keeps the real vendor.
            "fedora" => (Ecosystem::RedHat, "fedora"),
            "amzn" => (Ecosystem::RedHat, "amazon"),
            "ol" => (Ecosystem::RedHat, "oracle"),
            other => (Ecosystem::RedHat, other),
        };
        let qualifier = os.release.version_id.as_ref().map(|version_id| format!("{id}-{version_id}"));
        Distro { ecosystem, namespace: namespace.to_string(), qualifier }
    }
}

fn to_package(header: &RpmHeader, path: &str, layer: &Digest, distro: &Distro) -> Package {
    // The version advisories compare is the full EVR, `epoch:version-release`, with the epoch
    // left out when the package has none, as OSV records for RPM distributions write it.
    let version_release = format!("{}-{}", header.version, header.release);
    let version = match header.epoch {
        Some(epoch) => format!("{epoch}:{version_release}"),
        None => version_release.clone(),
    };
    let source_name = header
        .source_rpm
        .as_deref()
        .and_then(header::source_name)
        .filter(|source| *source != header.name)
        .map(str::to_string);

    let epoch = header.epoch.map(|epoch| epoch.to_string());
    let mut qualifiers = vec![("arch", header.arch.as_deref().unwrap_or_default())];
    if let Some(epoch) = &epoch {
        qualifiers.push(("epoch", epoch));
    }
    if let Some(qualifier) = &distro.qualifier {
        qualifiers.push(("distro", qualifier));
    }
    if let Some(label) = &header.modularity_label {
        qualifiers.push(("modularitylabel", label));
    }
    if let Some(source_rpm) = &header.source_rpm {
        qualifiers.push(("upstream", source_rpm));
    }
    let purl = PackageUrl {
        package_type: "rpm",
        namespace: Some(&distro.namespace),
        name: &header.name,
        version: &version_release,
        qualifiers,
    }
    .to_canonical();

    Package {
        ecosystem: distro.ecosystem,
        name: header.name.clone(),
        version,
        source_name,
        source_version: None,
        purl,
        path: format!("/{path}"),
        layer: Some(layer.clone()),
    }
}

#[cfg(test)]
mod tests {
    use scantrail_image::{FileEntry, FileKind, FileTree};
    use scantrail_model::{Digest, Ecosystem, Inventory};

    use super::bdb::build::hash_database;
    use super::header::build::{header_blob, package_blob, Value, TAG_MODULARITYLABEL};
    use super::ndb::build::ndb_database;
    use super::sqlite::build::sqlite_database;

    fn regular(content: &[u8], layer: &Digest) -> FileEntry {
        FileEntry { kind: FileKind::Regular, layer: layer.clone(), size: content.len() as u64, content: Some(content.to_vec()) }
    }

    /// Catalogs an image whose first layer writes `os_release` and whose second writes the
    /// database `content` at `path`.
    fn catalog_database(os_release: &str, path: &str, content: &[u8]) -> (Inventory, Digest) {
        let base = Digest::sha256_of(b"base layer");
        let packages_layer = Digest::sha256_of(b"packages layer");
        let mut tree = FileTree::new();
        tree.insert("etc/os-release", regular(os_release.as_bytes(), &base));
        assert!(crate::wants(path), "the image reader must capture {path}");
        tree.insert(path, regular(content, &packages_layer));
        (crate::catalog(&tree).expect("valid database"), packages_layer)
    }

    fn el9_blobs() -> Vec<Vec<u8>> {
        let modular = header_blob(&[
            (1000, Value::String("nodejs")),
            (1001, Value::String("18.19.0")),
            (1002, Value::String("1.module+el9.3.0+20820+7c5c6a6a")),
            (1003, Value::Int32(1)),
            (1022, Value::String("x86_64")),
            (1044, Value::String("nodejs-18.19.0-1.module+el9.3.0+20820+7c5c6a6a.src.rpm")),
            (TAG_MODULARITYLABEL, Value::String("nodejs:18:9030020231120:rhel9")),
        ]);
        vec![
            package_blob("openssl-libs", Some(1), "3.0.7", "27.el9", "x86_64", "openssl-3.0.7-27.el9.src.rpm"),
            package_blob("bash", None, "5.1.8", "9.el9", "x86_64", "bash-5.1.8-9.el9.src.rpm"),
            header_blob(&[(1000, Value::String("gpg-pubkey")), (1001, Value::String("fd431d51")), (1002, Value::String("4ae0493b"))]),
            modular,
            b"not a header".to_vec(),
        ]
    }

    const RHEL_9_3: &str = "ID=\"rhel\"\nVERSION_ID=\"9.3\"\n";

    fn check_el9_packages(inventory: &Inventory, path: &str, layer: &Digest) {
        let names: Vec<&str> = inventory.packages.iter().map(|package| package.name.as_str()).collect();
        assert_eq!(names, vec!["bash", "nodejs", "openssl-libs"], "gpg-pubkey and the bad record are skipped");

        let openssl = &inventory.packages[2];
        assert_eq!(openssl.ecosystem, Ecosystem::RedHat);
        assert_eq!(openssl.version, "1:3.0.7-27.el9");
        assert_eq!(openssl.source_name.as_deref(), Some("openssl"));
        assert_eq!(openssl.match_name(), "openssl");
        assert_eq!(
            openssl.purl,
            "pkg:rpm/redhat/openssl-libs@3.0.7-27.el9?arch=x86_64&distro=rhel-9.3&epoch=1&upstream=openssl-3.0.7-27.el9.src.rpm"
        );
        assert_eq!(openssl.path, format!("/{path}"));
        assert_eq!(openssl.layer.as_ref(), Some(layer));

        let bash = &inventory.packages[0];
        assert_eq!(bash.version, "5.1.8-9.el9");
        assert_eq!(bash.source_name, None, "the source has the package's own name");

        let nodejs = &inventory.packages[1];
        assert!(nodejs.purl.contains("modularitylabel=nodejs:18:9030020231120:rhel9"), "{}", nodejs.purl);
    }

    #[test]
    fn sqlite_database_on_rhel() {
        let path = "var/lib/rpm/rpmdb.sqlite";
        let (inventory, layer) = catalog_database(RHEL_9_3, path, &sqlite_database(&el9_blobs()));
        check_el9_packages(&inventory, path, &layer);
    }

    #[test]
    fn berkeley_db_database_on_rhel() {
        let path = "var/lib/rpm/Packages";
        let (inventory, layer) = catalog_database(RHEL_9_3, path, &hash_database(&el9_blobs()));
        check_el9_packages(&inventory, path, &layer);
    }

    #[test]
    fn ndb_database_on_opensuse() {
        let path = "usr/lib/sysimage/rpm/Packages.db";
        let blobs = vec![package_blob("libopenssl3", None, "3.1.4", "150600.5.7.1", "x86_64", "openssl-3-3.1.4-150600.5.7.1.src.rpm")];
        let os_release = "ID=\"opensuse-leap\"\nVERSION_ID=\"15.6\"\n";
        let (inventory, layer) = catalog_database(os_release, path, &ndb_database(&blobs));

        assert_eq!(inventory.packages.len(), 1);
        let package = &inventory.packages[0];
        assert_eq!(package.ecosystem, Ecosystem::OpenSuse);
        assert_eq!(package.source_name.as_deref(), Some("openssl-3"));
        assert_eq!(package.purl, "pkg:rpm/opensuse/libopenssl3@3.1.4-150600.5.7.1?arch=x86_64&distro=opensuse-leap-15.6&upstream=openssl-3-3.1.4-150600.5.7.1.src.rpm");
        assert_eq!(package.layer.as_ref(), Some(&layer));
    }

    #[test]
    fn rocky_and_alma_ecosystems() {
        let blobs = vec![package_blob("bash", None, "5.1.8", "9.el9", "x86_64", "bash-5.1.8-9.el9.src.rpm")];
        let cases = [
            ("ID=\"rocky\"\nVERSION_ID=\"9.3\"\n", Ecosystem::RockyLinux, "pkg:rpm/rocky/bash@"),
            ("ID=\"almalinux\"\nVERSION_ID=\"9.3\"\n", Ecosystem::AlmaLinux, "pkg:rpm/almalinux/bash@"),
            ("ID=\"centos\"\nVERSION_ID=\"7\"\n", Ecosystem::RedHat, "pkg:rpm/redhat/bash@"),
        ];
        for (os_release, ecosystem, purl_start) in cases {
            let (inventory, _) = catalog_database(os_release, "var/lib/rpm/rpmdb.sqlite", &sqlite_database(&blobs));
            assert_eq!(inventory.packages[0].ecosystem, ecosystem, "{os_release}");
            assert!(inventory.packages[0].purl.starts_with(purl_start), "{}", inventory.packages[0].purl);
        }
    }

    #[test]
    fn damaged_database_is_an_error() {
        let base = Digest::sha256_of(b"base layer");
        let mut tree = FileTree::new();
        tree.insert("var/lib/rpm/Packages", regular(b"this is not a Berkeley DB file", &base));
        let error = crate::catalog(&tree).expect_err("a damaged database");
        assert!(error.to_string().contains("/var/lib/rpm/Packages"), "{error}");
    }
}
