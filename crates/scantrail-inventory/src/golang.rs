//! Go modules compiled into Go executables, read from the build information that the Go
//! linker embeds: the toolchain version and the module list that `go version -m` prints.
//!
//! The build information starts with the 14-byte magic `\xff Go buildinf:` at a 16-byte
//! aligned offset near the start of the data segment (the `.go.buildinfo` section of an ELF
//! file). Byte 14 is the pointer size and byte 15 contains flags. Since Go 1.18 the flag `2`
//! means that the two strings follow the 32-byte header inline, each prefixed by its length as
//! an unsigned varint. Before Go 1.18 the header contains two pointers, in the byte order flag
//! `1` selects, to Go string headers (data pointer, length) elsewhere in the file. This follows
//! `debug/buildinfo` in the Go 1.19 standard library.

use object::{Object, ObjectSection, ObjectSegment, SegmentFlags};
use scantrail_image::{FileKind, FileTree};
use scantrail_model::{Digest, Ecosystem, Package};

use crate::executable::{is_elf, is_elf_executable};
use crate::purl::PackageUrl;
use crate::{CatalogContext, Cataloger, InventoryError};

const BUILD_INFO_MAGIC: &[u8] = b"\xff Go buildinf:";
const BUILD_INFO_ALIGN: usize = 16;
const BUILD_INFO_HEADER_LENGTH: usize = 32;
/// How far into the data segment the magic is searched for, as `debug/buildinfo` does.
const BUILD_INFO_SEARCH_LENGTH: usize = 64 * 1024;
/// The version the Go toolchain stamps on a main module built from a work tree.
const DEVEL_VERSION: &str = "(devel)";
/// ELF program header flag of a writable segment.
const PF_W: u32 = 2;
/// ELF program header flag of an executable segment.
const PF_X: u32 = 1;

pub(crate) struct GoBinaryCataloger;

impl Cataloger for GoBinaryCataloger {
    fn wants(&self, _path: &str) -> bool {
        false
    }

    fn wants_content(&self, _path: &str, head: &[u8]) -> bool {
        is_elf_executable(head)
    }

    fn catalog(&self, files: &FileTree, _context: &CatalogContext) -> Result<Vec<Package>, InventoryError> {
        let mut packages = Vec::new();
        for (path, entry) in files.iter() {
            let Some(content) = entry.content.as_deref().filter(|content| entry.kind == FileKind::Regular && is_elf(content)) else {
                continue;
            };
            let Some(build_info) = read_build_info(content) else {
                continue;
            };
            tracing::debug!(path = %format!("/{path}"), go = %build_info.go_version, "found Go build information");
            packages.extend(build_info.to_packages(path, &entry.layer));
        }
        Ok(packages)
    }
}

/// The build information of one Go executable.
#[derive(Debug, PartialEq, Eq)]
struct BuildInfo {
    /// The toolchain version as `runtime.Version()` returns it, such as `go1.19.8`.
    go_version: String,
    main: Option<Module>,
    dependencies: Vec<Module>,
}

#[derive(Debug, PartialEq, Eq)]
struct Module {
    path: String,
    version: String,
    /// The target of a `replace` directive: a module path and version, or a local directory
    /// with an empty version or `(devel)`.
    replacement: Option<(String, String)>,
}

/// Reads the build information of a Go ELF executable, or returns `None` for any other file.
fn read_build_info(content: &[u8]) -> Option<BuildInfo> {
    let file = object::File::parse(content).ok()?;
    let data = data_start(&file)?;
    let header = find_header(data)?;

    let pointer_size = usize::from(header[14]);
    let flags = header[15];
    let (go_version, module_info) = if flags & 2 != 0 {
        let (go_version, rest) = decode_string(&header[BUILD_INFO_HEADER_LENGTH..])?;
        let (module_info, _) = decode_string(rest)?;
        (go_version, module_info)
    } else {
        let big_endian = flags & 1 != 0;
        if pointer_size != 4 && pointer_size != 8 {
            return None;
        }
        let read_pointer = |bytes: &[u8]| read_pointer(bytes, pointer_size, big_endian);
        let version_address = read_pointer(header.get(16..)?)?;
        let module_address = read_pointer(header.get(16 + pointer_size..)?)?;
        let go_version = read_go_string(&file, version_address, pointer_size, big_endian)?;
        let module_info = read_go_string(&file, module_address, pointer_size, big_endian).unwrap_or_default();
        (go_version, module_info)
    };

    let go_version = String::from_utf8_lossy(go_version).into_owned();
    if go_version.is_empty() {
        return None;
    }
    let module_info = String::from_utf8_lossy(strip_module_info_framing(module_info)).into_owned();
    let (main, dependencies) = parse_module_info(&module_info);
    Some(BuildInfo { go_version, main, dependencies })
}

/// Returns the bytes where the build information is searched for: the `.go.buildinfo` section,
/// or else the first segment that is writable but not executable.
fn data_start<'data>(file: &object::File<'data>) -> Option<&'data [u8]> {
    if let Some(section) = file.section_by_name(".go.buildinfo") {
        return section.data().ok();
    }
    file.segments()
        .find(|segment| matches!(segment.flags(), SegmentFlags::Elf { p_flags } if p_flags & (PF_W | PF_X) == PF_W))
        .and_then(|segment| segment.data().ok())
}

/// Finds the 16-byte aligned magic within the first 64 KiB of `data` and returns the bytes from
/// it on, at least one header long.
fn find_header(data: &[u8]) -> Option<&[u8]> {
    let searched = &data[..data.len().min(BUILD_INFO_SEARCH_LENGTH)];
    let mut offset = 0;
    while offset + BUILD_INFO_HEADER_LENGTH <= searched.len() {
        if searched[offset..].starts_with(BUILD_INFO_MAGIC) {
            // The inline strings may extend past the searched window.
            return Some(&data[offset..]);
        }
        offset += BUILD_INFO_ALIGN;
    }
    None
}

/// Decodes a string prefixed by its length as an unsigned LEB128 varint, returning it and the
/// bytes after it.
fn decode_string(data: &[u8]) -> Option<(&[u8], &[u8])> {
    let mut length: u64 = 0;
    for (index, byte) in data.iter().enumerate().take(10) {
        length |= u64::from(byte & 0x7f) << (7 * index);
        if byte & 0x80 == 0 {
            let start = index + 1;
            let end = start.checked_add(usize::try_from(length).ok()?)?;
            return Some((data.get(start..end)?, &data[end..]));
        }
    }
    None
}

fn read_pointer(bytes: &[u8], pointer_size: usize, big_endian: bool) -> Option<u64> {
    let bytes = bytes.get(..pointer_size)?;
    let mut value: u64 = 0;
    for index in 0..pointer_size {
        let byte = if big_endian { bytes[index] } else { bytes[pointer_size - 1 - index] };
        value = (value << 8) | u64::from(byte);
    }
    Some(value)
}

/// Reads the Go string whose header (data pointer, length) is at virtual address `address`.
fn read_go_string<'data>(file: &object::File<'data>, address: u64, pointer_size: usize, big_endian: bool) -> Option<&'data [u8]> {
    let header = read_at_address(file, address, 2 * pointer_size as u64)?;
    let data_address = read_pointer(header, pointer_size, big_endian)?;
    let length = read_pointer(&header[pointer_size..], pointer_size, big_endian)?;
    read_at_address(file, data_address, length)
}

/// Returns `length` bytes of the file's loaded image at virtual address `address`, when one
/// segment contains all of them in the file.
fn read_at_address<'data>(file: &object::File<'data>, address: u64, length: u64) -> Option<&'data [u8]> {
    file.segments().find_map(|segment| segment.data_range(address, length).ok().flatten())
}

/// Removes the 16-byte sentinels that `cmd/go` puts around the module information, or returns
/// nothing when they are missing.
fn strip_module_info_framing(module_info: &[u8]) -> &[u8] {
    let length = module_info.len();
    if length >= 33 && module_info[length - 17] == b'\n' {
        &module_info[16..length - 16]
    } else {
        &[]
    }
}

/// Parses the tab-separated module lines: `mod PATH VERSION [SUM]` for the main module,
/// `dep PATH VERSION [SUM]` for each dependency, and `=> PATH VERSION [SUM]` after a
/// dependency that a `replace` directive redirected.
fn parse_module_info(text: &str) -> (Option<Module>, Vec<Module>) {
    let mut main = None;
    let mut dependencies: Vec<Module> = Vec::new();
    for line in text.lines() {
        let mut fields = line.split('\t');
        let keyword = fields.next().unwrap_or_default();
        let path = fields.next().unwrap_or_default().to_string();
        let version = fields.next().unwrap_or_default().to_string();
        match keyword {
            "mod" if !path.is_empty() => main = Some(Module { path, version, replacement: None }),
            "dep" if !path.is_empty() => dependencies.push(Module { path, version, replacement: None }),
            "=>" => match dependencies.last_mut() {
                Some(module) => module.replacement = Some((path, version)),
                None => tracing::debug!(line, "skipping a Go module replacement before any dependency"),
            },
            _ => {}
        }
    }
    (main, dependencies)
}

impl BuildInfo {
    /// Lists the standard library as the package `stdlib`, the main module unless it is a
    /// `(devel)` build, and every dependency.
    fn to_packages(&self, path: &str, layer: &Digest) -> Vec<Package> {
        let mut packages = Vec::new();
        match stdlib_version(&self.go_version) {
            Some(version) => packages.push(to_package("stdlib", &version, path, layer)),
            None => tracing::debug!(path = %format!("/{path}"), go = %self.go_version, "skipping a Go toolchain version that is not a release"),
        }
        if let Some(main) = &self.main {
            if !main.version.is_empty() && main.version != DEVEL_VERSION {
                packages.push(to_package(&main.path, &main.version, path, layer));
            }
        }
        for module in &self.dependencies {
            let (module_path, version) = module.built_from();
            if version.is_empty() {
                continue;
            }
            packages.push(to_package(module_path, version, path, layer));
        }
        packages
    }
}

impl Module {
    /// Returns the module path and version whose code was compiled in: the replacement when it is
    /// another module version, and the required module when it is a local directory.
    ///
    /// NOTE: a module replaced by a local directory is reported under the version it
    /// replaced, although the directory may hold patched code.
    fn built_from(&self) -> (&str, &str) {
        match &self.replacement {
            Some((path, version)) if !version.is_empty() && version != DEVEL_VERSION => (path, version),
            _ => (&self.path, &self.version),
        }
    }
}

/// Converts a Go toolchain version to a Go module version, the scheme by which Go vulnerability
/// records order the `stdlib` package (their OSV ranges omit the `v`): `go1.19.8` becomes
/// `v1.19.8`, `go1.20` becomes `v1.20.0` and `go1.21rc2` becomes `v1.21.0-rc.2`. Returns
/// `None` for development builds (`devel …`). A suffix after a space, such as
/// ` X:boringcrypto`, is ignored.
fn stdlib_version(go_version: &str) -> Option<String> {
    let token = go_version.split_whitespace().next()?;
    let number = token.strip_prefix("go")?;
    let release_end = number.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(number.len());
    let (release, prerelease) = number.split_at(release_end);

    let mut parts: Vec<&str> = release.split('.').collect();
    if parts.is_empty() || parts.len() > 3 || parts.iter().any(|part| part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    parts.resize(3, "0");
    let mut version = format!("v{}", parts.join("."));

    if !prerelease.is_empty() {
        let digits_start = prerelease.find(|c: char| c.is_ascii_digit()).unwrap_or(prerelease.len());
        let (label, serial) = prerelease.split_at(digits_start);
        if !label.bytes().all(|b| b.is_ascii_alphabetic()) || !serial.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        version.push('-');
        version.push_str(label);
        if !serial.is_empty() {
            version.push('.');
            version.push_str(serial);
        }
    }
    Some(version)
}

fn to_package(module_path: &str, version: &str, path: &str, layer: &Digest) -> Package {
    let (namespace, name) = match module_path.rsplit_once('/') {
        Some((namespace, name)) => (Some(namespace), name),
        None => (None, module_path),
    };
    let purl = PackageUrl { package_type: "golang", namespace, name, version, qualifiers: Vec::new() }.to_canonical();
    Package {
        ecosystem: Ecosystem::Go,
        name: module_path.to_string(),
        version: version.to_string(),
        source_name: None,
        source_version: None,
        purl,
        path: format!("/{path}"),
        layer: Some(layer.clone()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::test_elf::ElfBuilder;

    /// The module information of a binary built by Go 1.19.8 from a module with one vendored and
    /// one locally replaced dependency, as `go version -m` shows it.
    pub(crate) const MODULE_INFO: &str = "path\texample.com/app\nmod\texample.com/app\t(devel)\t\n\
        dep\texample.com/greet\tv1.2.3\n=>\t../greet\t(devel)\t\n\
        dep\texample.com/quote\tv0.4.1\t\n\
        dep\tgolang.org/x/text\tv0.3.7\th1:olpwvP2KacW1ZWvsR7uQhoyTYvKAupfQrRGBFM352Gk=\n\
        =>\tgithub.com/fork/text\tv0.3.8\th1:abc=\n\
        build\tGOOS=linux\n";

    /// Wraps module information in the 16-byte sentinels of `cmd/go`.
    pub(crate) fn framed(module_info: &str) -> Vec<u8> {
        let mut framed = b"0123456789abcdef".to_vec();
        framed.extend_from_slice(module_info.as_bytes());
        framed.extend_from_slice(b"fedcba9876543210");
        framed
    }

    fn varint(mut value: usize) -> Vec<u8> {
        let mut bytes = Vec::new();
        loop {
            let byte = (value & 0x7f) as u8;
            value >>= 7;
            if value == 0 {
                bytes.push(byte);
                return bytes;
            }
            bytes.push(byte | 0x80);
        }
    }

    /// Builds a `.go.buildinfo` section in the inline format of Go 1.18 and later.
    pub(crate) fn inline_build_info(go_version: &str, module_info: &[u8]) -> Vec<u8> {
        let mut section = BUILD_INFO_MAGIC.to_vec();
        section.extend_from_slice(&[8, 2]);
        section.resize(BUILD_INFO_HEADER_LENGTH, 0);
        section.extend(varint(go_version.len()));
        section.extend_from_slice(go_version.as_bytes());
        section.extend(varint(module_info.len()));
        section.extend_from_slice(module_info);
        section
    }

    fn module(path: &str, version: &str, replacement: Option<(&str, &str)>) -> Module {
        Module {
            path: path.to_string(),
            version: version.to_string(),
            replacement: replacement.map(|(path, version)| (path.to_string(), version.to_string())),
        }
    }

    #[test]
    fn inline_format_is_read() {
        let section = inline_build_info("go1.19.8", &framed(MODULE_INFO));
        let elf = ElfBuilder::new().section(".go.buildinfo", 0x510000, &section).build();
        let info = read_build_info(&elf).expect("build information");

        assert_eq!(info.go_version, "go1.19.8");
        assert_eq!(info.main, Some(module("example.com/app", "(devel)", None)));
        assert_eq!(
            info.dependencies,
            [
                module("example.com/greet", "v1.2.3", Some(("../greet", "(devel)"))),
                module("example.com/quote", "v0.4.1", None),
                module("golang.org/x/text", "v0.3.7", Some(("github.com/fork/text", "v0.3.8"))),
            ]
        );
    }

    #[test]
    fn pointer_format_is_read() {
        // Before Go 1.18: two pointers to string headers, which point at the string data.
        let base = 0x600000u64;
        let version = b"go1.16.15";
        let module_info = framed("mod\texample.com/old\tv1.0.0\t\ndep\tgithub.com/pkg/errors\tv0.9.1\th1:x=\n");
        let mut section = BUILD_INFO_MAGIC.to_vec();
        section.extend_from_slice(&[8, 0]);
        let version_header = base + 64;
        let module_header = base + 80;
        section.extend_from_slice(&version_header.to_le_bytes());
        section.extend_from_slice(&module_header.to_le_bytes());
        section.resize(64, 0);
        let version_data = base + 96;
        let module_data = version_data + version.len() as u64;
        section.extend_from_slice(&version_data.to_le_bytes());
        section.extend_from_slice(&(version.len() as u64).to_le_bytes());
        section.extend_from_slice(&module_data.to_le_bytes());
        section.extend_from_slice(&(module_info.len() as u64).to_le_bytes());
        section.extend_from_slice(version);
        section.extend_from_slice(&module_info);

        let elf = ElfBuilder::new().section(".go.buildinfo", base, &section).build();
        let info = read_build_info(&elf).expect("build information");
        assert_eq!(info.go_version, "go1.16.15");
        assert_eq!(info.main, Some(module("example.com/old", "v1.0.0", None)));
        assert_eq!(info.dependencies, [module("github.com/pkg/errors", "v0.9.1", None)]);
    }

    #[test]
    fn magic_is_found_without_section_name() {
        // Without a `.go.buildinfo` section, as in a binary whose section headers were stripped,
        // the first writable segment is searched.
        let mut data = vec![0u8; 48];
        data.extend(inline_build_info("go1.21.0", &framed("mod\texample.com/x\tv1.0.0\t\n")));
        let elf = ElfBuilder::new().section(".data", 0x700000, &data).build();
        let info = read_build_info(&elf).expect("build information");
        assert_eq!(info.go_version, "go1.21.0");
    }

    #[test]
    fn unaligned_magic_is_ignored() {
        let mut data = vec![0u8; 8];
        data.extend(inline_build_info("go1.21.0", &framed("")));
        let elf = ElfBuilder::new().section(".go.buildinfo", 0x700000, &data).build();
        assert_eq!(read_build_info(&elf), None);
    }

    #[test]
    fn non_go_elf_has_no_build_info() {
        let elf = ElfBuilder::new().section(".data", 0x700000, b"plain data, no magic here").build();
        assert_eq!(read_build_info(&elf), None);
        assert_eq!(read_build_info(b"not an ELF file"), None);
    }

    #[test]
    fn truncated_inline_strings_are_rejected() {
        let mut section = inline_build_info("go1.21.0", &framed(MODULE_INFO));
        section.truncate(BUILD_INFO_HEADER_LENGTH + 4);
        let elf = ElfBuilder::new().section(".go.buildinfo", 0x700000, &section).build();
        assert_eq!(read_build_info(&elf), None);
    }

    #[test]
    fn packages_use_replacements_and_stdlib() {
        let (main, dependencies) = parse_module_info(MODULE_INFO);
        let info = BuildInfo { go_version: "go1.19.8".to_string(), main, dependencies };
        let layer = Digest::sha256_of(b"layer");
        let packages = info.to_packages("usr/local/bin/app", &layer);
        let listed: Vec<(&str, &str, &str)> =
            packages.iter().map(|package| (package.name.as_str(), package.version.as_str(), package.purl.as_str())).collect();

        assert_eq!(
            listed,
            [
                ("stdlib", "v1.19.8", "pkg:golang/stdlib@v1.19.8"),
                ("example.com/greet", "v1.2.3", "pkg:golang/example.com/greet@v1.2.3"),
                ("example.com/quote", "v0.4.1", "pkg:golang/example.com/quote@v0.4.1"),
                ("github.com/fork/text", "v0.3.8", "pkg:golang/github.com/fork/text@v0.3.8"),
            ]
        );
        assert!(packages.iter().all(|package| package.path == "/usr/local/bin/app" && package.ecosystem == Ecosystem::Go));
    }

    #[test]
    fn stdlib_versions() {
        let cases = [
            ("go1.19.8", Some("v1.19.8")),
            ("go1.20", Some("v1.20.0")),
            ("go1.21rc2", Some("v1.21.0-rc.2")),
            ("go1.18beta1", Some("v1.18.0-beta.1")),
            ("go1.22.1 X:boringcrypto", Some("v1.22.1")),
            ("devel go1.23-abc123 Tue", None),
            ("go1..2", None),
            ("1.21.0", None),
        ];
        for (go_version, expected) in cases {
            assert_eq!(stdlib_version(go_version).as_deref(), expected, "{go_version}");
        }
    }

    #[test]
    fn module_info_without_framing_is_empty() {
        assert_eq!(strip_module_info_framing(b"mod\tx\tv1\n"), b"");
        assert_eq!(strip_module_info_framing(&framed("mod\tx\tv1.0.0\t\n")), b"mod\tx\tv1.0.0\t\n");
    }
}
