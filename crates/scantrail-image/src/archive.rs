//! Access to the files of an image layout, whether a directory or a tar archive, and
//! recognition of compressed streams.

use std::collections::HashMap;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use flate2::bufread::MultiGzDecoder;

use crate::files::normalize;
use crate::ImageError;

/// Maximum number of symlinks followed to find a member of an outer archive.
const MAX_MEMBER_LINK_HOPS: usize = 8;

/// Compression of a stream, detected from its first bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// Returns the compression whose magic number starts `bytes`. Anything else counts as plain.
    pub fn from_magic(bytes: &[u8]) -> Compression {
        if bytes.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if bytes.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Reads the first bytes of the file at `path` to tell its compression.
pub(crate) fn sniff_compression(path: &Path) -> Result<Compression, ImageError> {
    let mut file = File::open(path).map_err(|e| ImageError::io(path, e))?;
    let mut magic = [0u8; 4];
    let filled = read_up_to(&mut file, &mut magic).map_err(|e| ImageError::io(path, e))?;
    Ok(Compression::from_magic(&magic[..filled]))
}

/// Fills `buffer` from `reader` unless the stream ends first; returns how many bytes were read.
pub(crate) fn read_up_to(reader: &mut impl Read, buffer: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buffer.len() {
        match reader.read(&mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// A decompressing reader over a buffered source, which it can give back when done so the caller
/// can read whatever follows the compressed data.
pub(crate) enum Decoder<R: BufRead> {
    Plain(R),
    Gzip(MultiGzDecoder<R>),
    Zstd(zstd::stream::read::Decoder<'static, R>),
}

impl<R: BufRead> Decoder<R> {
    pub fn new(reader: R, compression: Compression) -> io::Result<Decoder<R>> {
        Ok(match compression {
            Compression::None => Decoder::Plain(reader),
            Compression::Gzip => Decoder::Gzip(MultiGzDecoder::new(reader)),
            Compression::Zstd => Decoder::Zstd(zstd::stream::read::Decoder::with_buffer(reader)?),
        })
    }

    pub fn into_inner(self) -> R {
        match self {
            Decoder::Plain(reader) => reader,
            Decoder::Gzip(decoder) => decoder.into_inner(),
            Decoder::Zstd(decoder) => decoder.finish(),
        }
    }
}

impl<R: BufRead> Read for Decoder<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Decoder::Plain(reader) => reader.read(buf),
            Decoder::Gzip(decoder) => decoder.read(buf),
            Decoder::Zstd(decoder) => decoder.read(buf),
        }
    }
}

/// Wraps `reader` in the decompressor for `compression`.
pub(crate) fn decompressed<'a, R: Read + 'a>(reader: R, compression: Compression) -> io::Result<Box<dyn Read + 'a>> {
    Ok(Box::new(Decoder::new(BufReader::new(reader), compression)?))
}

/// An opened file of a store and its size in bytes.
pub(crate) type Opened<'a> = (Box<dyn Read + 'a>, u64);

/// Offset and size of one member's data in the decompressed stream of an outer archive.
#[derive(Clone, Copy, Debug)]
struct Member {
    offset: u64,
    size: u64,
}

/// The files of an image layout or `docker save` archive, by path relative to its root.
pub(crate) enum Store {
    Directory { root: PathBuf },
    Archive(ArchiveIndex),
}

/// The members of a tar archive, indexed once so that each can be read on its own.
pub(crate) struct ArchiveIndex {
    path: PathBuf,
    compression: Compression,
    members: HashMap<String, Member>,
    /// Symbolic and hard links between members: `docker save` writes a layer that two images
    /// share once and links the second copy to it.
    links: HashMap<String, String>,
}

impl Store {
    pub fn directory(root: &Path) -> Result<Store, ImageError> {
        let metadata = std::fs::metadata(root).map_err(|e| ImageError::io(root, e))?;
        if !metadata.is_dir() {
            return Err(ImageError::UnrecognizedSource {
                path: root.to_path_buf(),
                reason: "an OCI layout is a directory; for a tar file use oci-archive:FILE".to_string(),
            });
        }
        Ok(Store::Directory { root: root.to_path_buf() })
    }

    /// Indexes the tar archive at `path`, which may be gzip- or zstd-compressed as a whole.
    pub fn archive(path: &Path) -> Result<Store, ImageError> {
        let compression = sniff_compression(path)?;
        let file = File::open(path).map_err(|e| ImageError::io(path, e))?;
        let not_tar = |e: io::Error| {
            // The tar crate quotes the bytes of a bad header, which for a text file can be its
            // content (a password file given by mistake), so only the start of the message is kept.
            let detail: String = e.to_string().lines().next().unwrap_or_default().chars().take(80).collect();
            ImageError::UnrecognizedSource {
                path: path.to_path_buf(),
                reason: format!("it is not a readable tar archive (plain, gzip or zstd): {detail}"),
            }
        };

        let (members, links) = if compression == Compression::None {
            // A plain archive is indexed by seeking over the member data instead of reading it.
            let mut archive = tar::Archive::new(file);
            index_members(archive.entries_with_seek().map_err(not_tar)?).map_err(not_tar)?
        } else {
            let reader = decompressed(file, compression).map_err(|e| ImageError::io(path, e))?;
            let mut archive = tar::Archive::new(reader);
            index_members(archive.entries().map_err(not_tar)?).map_err(not_tar)?
        };
        Ok(Store::Archive(ArchiveIndex { path: path.to_path_buf(), compression, members, links }))
    }

    /// Opens the file `name` (a path relative to the layout root). Returns `None` when it does
    /// not exist, and the reader with the file's size otherwise.
    pub fn open(&self, name: &str) -> Result<Option<Opened<'_>>, ImageError> {
        match self {
            Store::Directory { root } => {
                let path = root.join(name);
                let file = match File::open(&path) {
                    Ok(file) => file,
                    Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                    Err(e) => return Err(ImageError::io(path, e)),
                };
                let size = file.metadata().map_err(|e| ImageError::io(&path, e))?.len();
                Ok(Some((Box::new(file), size)))
            }
            Store::Archive(index) => index.open(name),
        }
    }

    /// Returns the size in bytes of the file `name`, or `None` when it does not exist, without
    /// reading it.
    pub fn size(&self, name: &str) -> Result<Option<u64>, ImageError> {
        match self {
            Store::Directory { root } => {
                let path = root.join(name);
                match std::fs::metadata(&path) {
                    Ok(metadata) => Ok(Some(metadata.len())),
                    Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                    Err(e) => Err(ImageError::io(path, e)),
                }
            }
            Store::Archive(index) => Ok(index.find(name).map(|member| member.size)),
        }
    }

    pub fn contains(&self, name: &str) -> bool {
        match self {
            Store::Directory { root } => root.join(name).is_file(),
            Store::Archive(index) => index.find(name).is_some(),
        }
    }

    /// Describes where `name` was looked for, for messages.
    pub fn location(&self, name: &str) -> String {
        match self {
            Store::Directory { root } => root.join(name).display().to_string(),
            Store::Archive(index) => format!("{name} in {}", index.path.display()),
        }
    }
}

type MemberMaps = (HashMap<String, Member>, HashMap<String, String>);

/// Records where each file member's data starts, and where each link points.
fn index_members<R: Read>(entries: tar::Entries<'_, R>) -> io::Result<MemberMaps> {
    let mut members = HashMap::new();
    let mut links = HashMap::new();
    for entry in entries {
        let entry = entry?;
        let name = normalize(&String::from_utf8_lossy(&entry.path_bytes()));
        let link_target = || String::from_utf8_lossy(&entry.link_name_bytes().unwrap_or_default()).into_owned();
        match entry.header().entry_type() {
            tar::EntryType::Symlink => {
                let parent = name.rsplit_once('/').map_or("", |(dir, _)| dir);
                let resolved = normalize(&format!("{parent}/{}", link_target()));
                links.insert(name, resolved);
            }
            tar::EntryType::Link => {
                links.insert(name, normalize(&link_target()));
            }
            entry_type if entry_type.is_file() || entry_type == tar::EntryType::Continuous => {
                members.insert(name, Member { offset: entry.raw_file_position(), size: entry.size() });
            }
            _ => {}
        }
    }
    Ok((members, links))
}

impl ArchiveIndex {
    fn find(&self, name: &str) -> Option<Member> {
        let mut name = normalize(name);
        for _ in 0..=MAX_MEMBER_LINK_HOPS {
            if let Some(member) = self.members.get(&name) {
                return Some(*member);
            }
            name = self.links.get(&name)?.clone();
        }
        None
    }

    fn open(&self, name: &str) -> Result<Option<Opened<'_>>, ImageError> {
        let Some(member) = self.find(name) else { return Ok(None) };
        let io_error = |e| ImageError::io(&self.path, e);
        let mut file = File::open(&self.path).map_err(io_error)?;

        if self.compression == Compression::None {
            file.seek(SeekFrom::Start(member.offset)).map_err(io_error)?;
            return Ok(Some((Box::new(file.take(member.size)), member.size)));
        }

        // NOTE: a compressed outer archive (`docker save | gzip`) cannot seek, so each member
        // is read by decompressing the archive again from its start and skipping to the
        // member. Memory stays bounded, but an image with many layers reads the archive once
        // per layer; decompress it first for speed.
        let mut reader = decompressed(file, self.compression).map_err(io_error)?;
        let skipped = io::copy(&mut (&mut reader).take(member.offset), &mut io::sink()).map_err(io_error)?;
        if skipped != member.offset {
            let truncated = io::Error::new(io::ErrorKind::UnexpectedEof, "the archive ended before the member");
            return Err(ImageError::io(&self.path, truncated));
        }
        Ok(Some((Box::new(reader.take(member.size)), member.size)))
    }
}
