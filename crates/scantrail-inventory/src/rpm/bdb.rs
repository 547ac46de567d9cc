//! The values of a Berkeley DB hash database, the format of `var/lib/rpm/Packages` up to
//! RHEL 8 and CentOS 8. Only what rpm writes is read: hash pages whose values are stored inline
//! or on chains of overflow pages. Page layouts follow Berkeley DB's `dbinc/db_page.h`.
//!
//! The file's integers are in the byte order of the machine that wrote it, which the magic
//! number of the metadata page (page 0) shows.

/// `DB_HASHMAGIC`, at byte 12 of the metadata page.
const HASH_MAGIC: u32 = 0x0006_1561;

/// The size of the generic page header (`PAGE` in `db_page.h`).
const PAGE_HEADER_SIZE: usize = 26;

/// Page types (`P_*` in `db_page.h`).
const PAGE_HASH_UNSORTED: u8 = 2;
const PAGE_OVERFLOW: u8 = 7;
const PAGE_HASH: u8 = 13;

/// Item types on hash pages (`H_*` in `db_page.h`).
const ITEM_KEYDATA: u8 = 1;
const ITEM_OFFPAGE: u8 = 3;

/// The smallest and largest page sizes Berkeley DB supports.
const MIN_PAGE_SIZE: usize = 512;
const MAX_PAGE_SIZE: usize = 65536;

/// A page of the database file.
struct Pages<'a> {
    file: &'a [u8],
    page_size: usize,
    little_endian: bool,
}

impl<'a> Pages<'a> {
    fn page(&self, number: u32) -> Option<&'a [u8]> {
        let start = (number as usize).checked_mul(self.page_size)?;
        self.file.get(start..start.checked_add(self.page_size)?)
    }

    fn count(&self) -> usize {
        self.file.len() / self.page_size
    }

    fn u16_at(&self, bytes: &[u8], offset: usize) -> Option<u16> {
        let raw: [u8; 2] = bytes.get(offset..offset + 2)?.try_into().ok()?;
        Some(if self.little_endian { u16::from_le_bytes(raw) } else { u16::from_be_bytes(raw) })
    }

    fn u32_at(&self, bytes: &[u8], offset: usize) -> Option<u32> {
        let raw: [u8; 4] = bytes.get(offset..offset + 4)?.try_into().ok()?;
        Some(if self.little_endian { u32::from_le_bytes(raw) } else { u32::from_be_bytes(raw) })
    }
}

/// Returns every value of the hash database in `file`, in page order. Returns a description of
/// the problem for a file that is not a Berkeley DB hash database or whose pages point outside it.
pub(crate) fn hash_values(file: &[u8]) -> Result<Vec<Vec<u8>>, String> {
    let magic = file.get(12..16).ok_or("file is shorter than a Berkeley DB metadata page")?;
    let magic: [u8; 4] = magic.try_into().map_err(|_| "file is too short")?;
    let little_endian = if u32::from_le_bytes(magic) == HASH_MAGIC {
        true
    } else if u32::from_be_bytes(magic) == HASH_MAGIC {
        false
    } else {
        return Err("not a Berkeley DB hash database (wrong magic number)".to_string());
    };

    let mut pages = Pages { file, page_size: MIN_PAGE_SIZE, little_endian };
    let page_size = pages.u32_at(file, 20).ok_or("metadata page is truncated")? as usize;
    if !(MIN_PAGE_SIZE..=MAX_PAGE_SIZE).contains(&page_size) || !page_size.is_power_of_two() {
        return Err(format!("invalid page size {page_size}"));
    }
    pages.page_size = page_size;

    let mut values = Vec::new();
    for number in 1..pages.count() as u32 {
        let Some(page) = pages.page(number) else { break };
        if !matches!(page[25], PAGE_HASH | PAGE_HASH_UNSORTED) {
            continue;
        }
        read_hash_page(&pages, page, number, &mut values)?;
    }
    Ok(values)
}

/// Appends the values of one hash page. Items alternate key, value, and the offsets array after
/// the page header gives each item's start. Items fill the page from its end backwards, so an
/// item ends where the previous one starts.
fn read_hash_page(pages: &Pages<'_>, page: &[u8], number: u32, values: &mut Vec<Vec<u8>>) -> Result<(), String> {
    let entries = pages.u16_at(page, 20).ok_or("page header is truncated")? as usize;
    let offset_of = |index: usize| pages.u16_at(page, PAGE_HEADER_SIZE + index * 2).map(usize::from);

    for index in (1..entries).step_by(2) {
        let (Some(start), Some(end)) = (offset_of(index), offset_of(index - 1)) else {
            return Err(format!("item offsets of page {number} run past the page"));
        };
        let item = page.get(start..end).filter(|item| !item.is_empty()).ok_or_else(|| format!("item {index} of page {number} is out of bounds"))?;
        match item[0] {
            ITEM_KEYDATA => values.push(item[1..].to_vec()),
            ITEM_OFFPAGE => {
                let first_page = pages.u32_at(item, 4).ok_or_else(|| format!("overflow item on page {number} is truncated"))?;
                let length = pages.u32_at(item, 8).ok_or_else(|| format!("overflow item on page {number} is truncated"))?;
                values.push(read_overflow(pages, first_page, length as usize)?);
            }
            // Duplicate sets (H_DUPLICATE, H_OFFDUP) are not written by rpm.
            _ => {}
        }
    }
    Ok(())
}

/// Reads a value of `length` bytes stored on a chain of overflow pages from `first_page` on.
fn read_overflow(pages: &Pages<'_>, first_page: u32, length: usize) -> Result<Vec<u8>, String> {
    let mut value = Vec::with_capacity(length.min(pages.file.len()));
    let mut number = first_page;
    // A chain visits each page at most once, so a longer walk means a cycle.
    for _ in 0..pages.count() {
        let page = pages.page(number).ok_or_else(|| format!("overflow page {number} is past the end of the file"))?;
        if page[25] != PAGE_OVERFLOW {
            return Err(format!("page {number} is not an overflow page"));
        }
        let used = pages.u16_at(page, 22).ok_or("page header is truncated")? as usize;
        let bytes = page.get(PAGE_HEADER_SIZE..PAGE_HEADER_SIZE + used).ok_or_else(|| format!("overflow page {number} claims {used} bytes"))?;
        value.extend_from_slice(bytes);

        let next = pages.u32_at(page, 16).ok_or("page header is truncated")?;
        if next == 0 {
            if value.len() != length {
                return Err(format!("overflow chain from page {first_page} has {} bytes, expected {length}", value.len()));
            }
            return Ok(value);
        }
        number = next;
    }
    Err(format!("overflow chain from page {first_page} has a cycle"))
}

/// Writes minimal hash databases for tests: a metadata page, one hash page and overflow pages.
#[cfg(test)]
pub(crate) mod build {
    use super::*;

    /// The page size of the databases built here.
    const PAGE_SIZE: usize = 4096;

    /// Builds a little-endian hash database with `values` under 4-byte keys 1, 2, …, each value
    /// on its own chain of overflow pages, as rpm stores header blobs.
    pub(crate) fn hash_database(values: &[Vec<u8>]) -> Vec<u8> {
        let mut meta = vec![0u8; PAGE_SIZE];
        meta[12..16].copy_from_slice(&HASH_MAGIC.to_le_bytes());
        meta[20..24].copy_from_slice(&(PAGE_SIZE as u32).to_le_bytes());
        meta[25] = 8; // P_HASHMETA

        let mut overflow_pages: Vec<Vec<u8>> = Vec::new();
        let mut items: Vec<Vec<u8>> = Vec::new();
        for (index, value) in values.iter().enumerate() {
            let first_page = 2 + overflow_pages.len() as u32;
            let chunks: Vec<&[u8]> = value.chunks(PAGE_SIZE - PAGE_HEADER_SIZE).collect();
            for (chunk_index, chunk) in chunks.iter().enumerate() {
                let number = 2 + overflow_pages.len() as u32;
                let mut page = vec![0u8; PAGE_SIZE];
                page[8..12].copy_from_slice(&number.to_le_bytes());
                let next = if chunk_index + 1 < chunks.len() { number + 1 } else { 0 };
                page[16..20].copy_from_slice(&next.to_le_bytes());
                page[22..24].copy_from_slice(&(chunk.len() as u16).to_le_bytes());
                page[25] = PAGE_OVERFLOW;
                page[PAGE_HEADER_SIZE..PAGE_HEADER_SIZE + chunk.len()].copy_from_slice(chunk);
                overflow_pages.push(page);
            }

            let mut key = vec![ITEM_KEYDATA];
            key.extend_from_slice(&(index as u32 + 1).to_le_bytes());
            let mut data = vec![ITEM_OFFPAGE, 0, 0, 0];
            data.extend_from_slice(&first_page.to_le_bytes());
            data.extend_from_slice(&(value.len() as u32).to_le_bytes());
            items.push(key);
            items.push(data);
        }

        let mut hash_page = vec![0u8; PAGE_SIZE];
        hash_page[8..12].copy_from_slice(&1u32.to_le_bytes());
        hash_page[20..22].copy_from_slice(&(items.len() as u16).to_le_bytes());
        hash_page[25] = PAGE_HASH;
        let mut end = PAGE_SIZE;
        for (index, item) in items.iter().enumerate() {
            let start = end - item.len();
            hash_page[start..end].copy_from_slice(item);
            let slot = PAGE_HEADER_SIZE + index * 2;
            hash_page[slot..slot + 2].copy_from_slice(&(start as u16).to_le_bytes());
            end = start;
        }

        let mut file = meta;
        file.extend_from_slice(&hash_page);
        for page in overflow_pages {
            file.extend_from_slice(&page);
        }
        file
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_values_reads_overflow_chains() {
        let long: Vec<u8> = (0..10_000u32).map(|n| n as u8).collect();
        let file = build::hash_database(&[b"short value".to_vec(), long.clone()]);
        let values = hash_values(&file).expect("valid database");
        assert_eq!(values.len(), 2);
        assert_eq!(values[0], b"short value");
        assert_eq!(values[1], long);
    }

    #[test]
    fn hash_values_rejects_wrong_magic() {
        let mut file = build::hash_database(&[b"x".to_vec()]);
        file[12] = 0;
        assert!(hash_values(&file).is_err());
    }

    #[test]
    fn hash_values_rejects_overflow_cycle() {
        let long = vec![7u8; 5000];
        let mut file = build::hash_database(&[long]);
        // Point the second overflow page (page 3) back at page 2.
        let next = 3 * 4096 + 16;
        file[next..next + 4].copy_from_slice(&2u32.to_le_bytes());
        assert!(hash_values(&file).is_err());
    }
}
