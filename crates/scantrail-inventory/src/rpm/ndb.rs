//! rpm's own "ndb" package database, `Packages.db`, as SUSE and openSUSE use it. The layout
//! follows rpm's `lib/backend/ndb/rpmpkg.c`; all integers are little-endian.
//!
//! ```text
//! header (32 bytes): magic "RpmP", version 0, generation, slot page count, 4 reserved words
//! slots (16 bytes each, filling the slot pages after the header):
//!     magic "Slot", package index, block offset (0 = free slot), block count
//! blobs at block offset × 16: magic "BlbS", package index, timestamp, length, header blob
//! ```

const HEADER_MAGIC: &[u8; 4] = b"RpmP";
const SLOT_MAGIC: &[u8; 4] = b"Slot";
const BLOB_MAGIC: &[u8; 4] = b"BlbS";

const PAGE_SIZE: usize = 4096;
const SLOT_SIZE: usize = 16;
const HEADER_SIZE: usize = 32;
const BLOCK_SIZE: usize = 16;
const BLOB_HEADER_SIZE: usize = 16;

fn u32_at(bytes: &[u8], offset: usize) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(offset..offset.checked_add(4)?)?.try_into().ok()?;
    Some(u32::from_le_bytes(raw))
}

/// Returns the header blob of every package in the database, in slot order. Returns a
/// description of the problem for a file that is not an ndb database or whose slots point
/// outside it.
pub(crate) fn package_blobs(file: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    if file.get(0..4) != Some(HEADER_MAGIC.as_slice()) {
        return Err("not an rpm ndb database (wrong magic number)".to_string());
    }
    let version = u32_at(file, 4).ok_or("header is truncated")?;
    if version != 0 {
        return Err(format!("unsupported ndb version {version}"));
    }
    let slot_pages = u32_at(file, 12).ok_or("header is truncated")? as usize;
    let slots_end = slot_pages.checked_mul(PAGE_SIZE).filter(|end| *end <= file.len()).ok_or_else(|| format!("{slot_pages} slot pages do not fit in the file"))?;

    let mut blobs = Vec::new();
    for slot in (HEADER_SIZE..slots_end).step_by(SLOT_SIZE) {
        if file.get(slot..slot + 4) != Some(SLOT_MAGIC.as_slice()) {
            return Err(format!("slot at byte {slot} has no slot magic"));
        }
        let package_index = u32_at(file, slot + 4).ok_or("slot is truncated")?;
        let block_offset = u32_at(file, slot + 8).ok_or("slot is truncated")? as usize;
        if block_offset == 0 {
            continue;
        }
        blobs.push(read_blob(file, block_offset * BLOCK_SIZE, package_index)?);
    }
    Ok(blobs)
}

fn read_blob(file: &[u8], start: usize, package_index: u32) -> Result<Vec<u8>, String> {
    if file.get(start..start + 4) != Some(BLOB_MAGIC.as_slice()) {
        return Err(format!("blob of package {package_index} at byte {start} has no blob magic"));
    }
    if u32_at(file, start + 4) != Some(package_index) {
        return Err(format!("blob at byte {start} belongs to another package than slot {package_index}"));
    }
    let length = u32_at(file, start + 12).ok_or("blob header is truncated")? as usize;
    let data_start = start + BLOB_HEADER_SIZE;
    file.get(data_start..data_start + length)
        .map(<[u8]>::to_vec)
        .ok_or_else(|| format!("blob of package {package_index} ends past the file"))
}

/// Writes minimal ndb databases for tests.
#[cfg(test)]
pub(crate) mod build {
    use super::*;

    /// Builds a database with one slot page and `blobs` as packages 1, 2, …, each blob padded
    /// to whole blocks after a 16-byte blob header.
    pub(crate) fn ndb_database(blobs: &[Vec<u8>]) -> Vec<u8> {
        let mut file = vec![0u8; PAGE_SIZE];
        file[0..4].copy_from_slice(HEADER_MAGIC);
        file[12..16].copy_from_slice(&1u32.to_le_bytes());
        for slot in (HEADER_SIZE..PAGE_SIZE).step_by(SLOT_SIZE) {
            file[slot..slot + 4].copy_from_slice(SLOT_MAGIC);
        }

        for (index, blob) in blobs.iter().enumerate() {
            let package_index = index as u32 + 1;
            let start = file.len();
            let mut record = Vec::new();
            record.extend_from_slice(BLOB_MAGIC);
            record.extend_from_slice(&package_index.to_le_bytes());
            record.extend_from_slice(&1u32.to_le_bytes());
            record.extend_from_slice(&(blob.len() as u32).to_le_bytes());
            record.extend_from_slice(blob);
            while record.len() % BLOCK_SIZE != 0 {
                record.push(0);
            }
            let slot = HEADER_SIZE + index * SLOT_SIZE;
            file[slot + 4..slot + 8].copy_from_slice(&package_index.to_le_bytes());
            file[slot + 8..slot + 12].copy_from_slice(&((start / BLOCK_SIZE) as u32).to_le_bytes());
            file[slot + 12..slot + 16].copy_from_slice(&((record.len() / BLOCK_SIZE) as u32).to_le_bytes());
            file.extend_from_slice(&record);
        }
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn package_blobs_reads_used_slots() {
        let file = build::ndb_database(&[b"first".to_vec(), b"second blob".to_vec()]);
        let blobs = package_blobs(&file).expect("valid database");
        assert_eq!(blobs, vec![b"first".to_vec(), b"second blob".to_vec()]);
    }

    #[test]
    fn package_blobs_rejects_wrong_magic() {
        let mut file = build::ndb_database(&[b"x".to_vec()]);
        file[0] = b'X';
        assert!(package_blobs(&file).is_err());
    }

    #[test]
    fn package_blobs_rejects_blob_past_end() {
        let mut file = build::ndb_database(&[b"x".to_vec()]);
        file.truncate(file.len() - 8);
        let length_at = PAGE_SIZE + 12;
        file[length_at..length_at + 4].copy_from_slice(&100u32.to_le_bytes());
        assert!(package_blobs(&file).is_err());
    }
}
