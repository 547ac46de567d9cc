//! rpm header blobs as the rpm database stores them: the header structure of an `.rpm` file
//! without its 8-byte magic, all integers big-endian.
//!
//! ```text
//! index_count: u32, data_length: u32,
//! index_count × { tag: u32, type: u32, offset: u32, count: u32 },
//! data store: data_length bytes that the entries point into
//! ```

/// Tags that the cataloger reads (rpm's `lib/rpmtag.h`).
const TAG_NAME: u32 = 1000;
const TAG_VERSION: u32 = 1001;
const TAG_RELEASE: u32 = 1002;
const TAG_EPOCH: u32 = 1003;
const TAG_ARCH: u32 = 1022;
const TAG_SOURCERPM: u32 = 1044;
const TAG_MODULARITYLABEL: u32 = 5096;

const TYPE_INT32: u32 = 4;
const TYPE_STRING: u32 = 6;
const TYPE_I18NSTRING: u32 = 9;

/// The size of one index entry in bytes.
const ENTRY_SIZE: usize = 16;

/// The largest index count accepted, so that a damaged count cannot make the parser read far.
/// The header that rpm 4.18 wrote for the test fixture has 61 entries.
const MAX_INDEX_COUNT: usize = 0x0000_ffff;

/// The package fields of one header.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct RpmHeader {
    pub name: String,
    pub version: String,
    pub release: String,
    pub epoch: Option<u32>,
    pub arch: Option<String>,
    /// The file name of the source package (`openssl-3.0.7-27.el9.src.rpm`).
    pub source_rpm: Option<String>,
    /// The module stream of a modular package (`nodejs:18:9040020240108142008:rhel9`).
    pub modularity_label: Option<String>,
}

/// Parses a header blob. Returns a description of the first problem for a blob that is too
/// short, has entries that point outside the data store, or has no NAME, VERSION or RELEASE.
pub(crate) fn parse_header(blob: &[u8]) -> Result<RpmHeader, String> {
    let index_count = read_u32(blob, 0).ok_or("header is shorter than 8 bytes")? as usize;
    let data_length = read_u32(blob, 4).ok_or("header is shorter than 8 bytes")? as usize;
    if index_count > MAX_INDEX_COUNT {
        return Err(format!("header has {index_count} index entries, more than rpm allows"));
    }
    let data_start = 8 + index_count * ENTRY_SIZE;
    let data = blob
        .get(data_start..data_start + data_length)
        .ok_or_else(|| format!("header data store of {data_length} bytes ends past the blob of {} bytes", blob.len()))?;

    let mut header = RpmHeader::default();
    for index in 0..index_count {
        let entry = 8 + index * ENTRY_SIZE;
        let (Some(tag), Some(kind), Some(offset)) = (read_u32(blob, entry), read_u32(blob, entry + 4), read_u32(blob, entry + 8)) else {
            return Err("index entry ends past the blob".to_string());
        };
        let offset = offset as usize;
        match (tag, kind) {
            (TAG_NAME, TYPE_STRING) => header.name = read_string(data, offset)?,
            (TAG_VERSION, TYPE_STRING) => header.version = read_string(data, offset)?,
            (TAG_RELEASE, TYPE_STRING) => header.release = read_string(data, offset)?,
            (TAG_EPOCH, TYPE_INT32) => {
                header.epoch = Some(read_u32(data, offset).ok_or("EPOCH points past the data store")?);
            }
            (TAG_ARCH, TYPE_STRING) => header.arch = Some(read_string(data, offset)?),
            (TAG_SOURCERPM, TYPE_STRING) => header.source_rpm = Some(read_string(data, offset)?),
            (TAG_MODULARITYLABEL, TYPE_STRING | TYPE_I18NSTRING) => {
                header.modularity_label = Some(read_string(data, offset)?).filter(|label| !label.is_empty());
            }
            _ => {}
        }
    }

    if header.name.is_empty() || header.version.is_empty() || header.release.is_empty() {
        return Err("header has no NAME, VERSION or RELEASE".to_string());
    }
    Ok(header)
}

fn read_u32(bytes: &[u8], offset: usize) -> Option<u32> {
    let slice = bytes.get(offset..offset.checked_add(4)?)?;
    Some(u32::from_be_bytes(slice.try_into().ok()?))
}

/// Reads the NUL-terminated string at `offset` of the data store.
fn read_string(data: &[u8], offset: usize) -> Result<String, String> {
    let rest = data.get(offset..).ok_or_else(|| format!("string offset {offset} is past the data store"))?;
    let end = rest.iter().position(|&byte| byte == 0).ok_or_else(|| format!("string at offset {offset} has no NUL"))?;
    Ok(String::from_utf8_lossy(&rest[..end]).into_owned())
}

/// Returns the source package name of a SOURCERPM file name: the name without
/// `-VERSION-RELEASE.src.rpm` (`openssl-3.0.7-27.el9.src.rpm` → `openssl`), or `None` for a
/// value without that shape.
pub(crate) fn source_name(source_rpm: &str) -> Option<&str> {
    let stem = source_rpm.strip_suffix(".src.rpm").or_else(|| source_rpm.strip_suffix(".nosrc.rpm"))?;
    let (rest, _release) = stem.rsplit_once('-')?;
    let (name, _version) = rest.rsplit_once('-')?;
    Some(name).filter(|name| !name.is_empty())
}

/// Builds header blobs for tests, in the layout that [`parse_header`] reads.
#[cfg(test)]
pub(crate) mod build {
    /// One tag of a header blob to build.
    pub(crate) enum Value<'a> {
        String(&'a str),
        Int32(u32),
    }

    /// Builds a header blob with `entries` as (tag, value).
    pub(crate) fn header_blob(entries: &[(u32, Value<'_>)]) -> Vec<u8> {
        let mut index = Vec::new();
        let mut data = Vec::new();
        for (tag, value) in entries {
            let (kind, offset) = match value {
                Value::String(text) => {
                    let offset = data.len();
                    data.extend_from_slice(text.as_bytes());
                    data.push(0);
                    (super::TYPE_STRING, offset)
                }
                Value::Int32(number) => {
                    while data.len() % 4 != 0 {
                        data.push(0);
                    }
                    let offset = data.len();
                    data.extend_from_slice(&number.to_be_bytes());
                    (super::TYPE_INT32, offset)
                }
            };
            for field in [*tag, kind, offset as u32, 1] {
                index.extend_from_slice(&field.to_be_bytes());
            }
        }
        let mut blob = Vec::new();
        blob.extend_from_slice(&(entries.len() as u32).to_be_bytes());
        blob.extend_from_slice(&(data.len() as u32).to_be_bytes());
        blob.extend_from_slice(&index);
        blob.extend_from_slice(&data);
        blob
    }

    /// Builds the header blob of a package from its name, EVR, architecture and source rpm.
    pub(crate) fn package_blob(name: &str, epoch: Option<u32>, version: &str, release: &str, arch: &str, source_rpm: &str) -> Vec<u8> {
        let mut entries = vec![
            (super::TAG_NAME, Value::String(name)),
            (super::TAG_VERSION, Value::String(version)),
            (super::TAG_RELEASE, Value::String(release)),
            (super::TAG_ARCH, Value::String(arch)),
            (super::TAG_SOURCERPM, Value::String(source_rpm)),
        ];
        if let Some(epoch) = epoch {
            entries.push((super::TAG_EPOCH, Value::Int32(epoch)));
        }
        header_blob(&entries)
    }

    pub(crate) const TAG_MODULARITYLABEL: u32 = super::TAG_MODULARITYLABEL;
}

#[cfg(test)]
mod tests {
    use super::build::{header_blob, package_blob, Value};
    use super::*;

    #[test]
    fn parse_header_reads_package_fields() {
        let blob = package_blob("openssl-libs", Some(1), "3.0.7", "27.el9", "x86_64", "openssl-3.0.7-27.el9.src.rpm");
        let header = parse_header(&blob).expect("valid header");
        assert_eq!(header.name, "openssl-libs");
        assert_eq!(header.epoch, Some(1));
        assert_eq!(header.version, "3.0.7");
        assert_eq!(header.release, "27.el9");
        assert_eq!(header.arch.as_deref(), Some("x86_64"));
        assert_eq!(header.source_rpm.as_deref(), Some("openssl-3.0.7-27.el9.src.rpm"));
        assert_eq!(header.modularity_label, None);
    }

    #[test]
    fn parse_header_reads_modularity_label() {
        let blob = header_blob(&[
            (TAG_NAME, Value::String("nodejs")),
            (TAG_VERSION, Value::String("18.19.0")),
            (TAG_RELEASE, Value::String("1.module+el9.3.0")),
            (TAG_MODULARITYLABEL, Value::String("nodejs:18:9030020231120:rhel9")),
        ]);
        let header = parse_header(&blob).expect("valid header");
        assert_eq!(header.modularity_label.as_deref(), Some("nodejs:18:9030020231120:rhel9"));
    }

    #[test]
    fn parse_header_reads_blob_written_by_rpm() {
        let blob = include_bytes!("../../tests/fixtures/rpm/scantrail-hello.header");
        let header = parse_header(blob).expect("rpm's own header");
        assert_eq!(header.name, "scantrail-hello");
        assert_eq!(header.epoch, Some(2));
        assert_eq!(header.version, "1.2.3");
        assert_eq!(header.release, "4.el9");
        assert_eq!(header.arch.as_deref(), Some("noarch"));
        assert_eq!(header.source_rpm.as_deref(), Some("scantrail-hello-1.2.3-4.el9.src.rpm"));
    }

    #[test]
    fn parse_header_rejects_truncated_blob() {
        let blob = package_blob("bash", None, "5.1.8", "6.el9", "x86_64", "bash-5.1.8-6.el9.src.rpm");
        assert!(parse_header(&blob[..blob.len() - 3]).is_err());
        assert!(parse_header(&blob[..5]).is_err());
    }

    #[test]
    fn parse_header_rejects_offset_past_data() {
        let mut blob = header_blob(&[(TAG_NAME, Value::String("bash"))]);
        // The first entry's offset field is at bytes 16..20.
        blob[16..20].copy_from_slice(&1000u32.to_be_bytes());
        assert!(parse_header(&blob).is_err());
    }

    #[test]
    fn source_name_strips_version_release() {
        assert_eq!(source_name("openssl-3.0.7-27.el9.src.rpm"), Some("openssl"));
        assert_eq!(source_name("python3.11-3.11.5-1.el9.src.rpm"), Some("python3.11"));
        assert_eq!(source_name("glibc-2.17-326.el7_9.nosrc.rpm"), Some("glibc"));
        assert_eq!(source_name("(none)"), None);
        assert_eq!(source_name("bash.src.rpm"), None);
    }
}
