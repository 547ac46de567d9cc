//! Recognizing ELF executables from their first bytes, so the image reader can capture the
//! binaries that the Go and cargo-auditable catalogers read wherever they are installed.

const ELF_MAGIC: &[u8] = b"\x7fELF";
const ET_EXEC: u16 = 2;
const ET_DYN: u16 = 3;

/// Returns whether `head`, the first bytes of a file, starts an ELF executable: type
/// `ET_EXEC`, or `ET_DYN` with a nonzero entry point, which position-independent executables
/// have and shared libraries usually lack.
///
/// NOTE: a shared library with an entry point (glibc's `libc.so.6` is one) passes too, and a
/// position-independent executable with entry point 0 would be missed.
pub(crate) fn is_elf_executable(head: &[u8]) -> bool {
    if !head.starts_with(ELF_MAGIC) || head.len() < 32 {
        return false;
    }
    let little_endian = match head[5] {
        1 => true,
        2 => false,
        _ => return false,
    };
    let read_u16 = |bytes: [u8; 2]| if little_endian { u16::from_le_bytes(bytes) } else { u16::from_be_bytes(bytes) };
    let file_type = read_u16([head[16], head[17]]);

    // e_entry is at offset 24 in both classes: 4 bytes in ELF32, 8 bytes in ELF64.
    let entry_is_zero = match head[4] {
        1 => head[24..28].iter().all(|byte| *byte == 0),
        2 => head.len() >= 32 && head[24..32].iter().all(|byte| *byte == 0),
        _ => return false,
    };
    file_type == ET_EXEC || (file_type == ET_DYN && !entry_is_zero)
}

/// Returns whether captured content is an ELF file.
pub(crate) fn is_elf(content: &[u8]) -> bool {
    content.starts_with(ELF_MAGIC)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Builds the first 64 bytes of an ELF64 little-endian header.
    fn header(file_type: u16, entry: u64) -> Vec<u8> {
        let mut head = vec![0u8; 64];
        head[..4].copy_from_slice(ELF_MAGIC);
        head[4] = 2;
        head[5] = 1;
        head[16..18].copy_from_slice(&file_type.to_le_bytes());
        head[24..32].copy_from_slice(&entry.to_le_bytes());
        head
    }

    #[test]
    fn executables_pass_and_libraries_do_not() {
        assert!(is_elf_executable(&header(ET_EXEC, 0x401000)));
        assert!(is_elf_executable(&header(ET_DYN, 0x1040)), "position-independent executable");
        assert!(!is_elf_executable(&header(ET_DYN, 0)), "shared library");
        assert!(!is_elf_executable(&header(1, 0)), "relocatable object");
    }

    #[test]
    fn short_or_foreign_heads_fail() {
        assert!(!is_elf_executable(b"\x7fELF"));
        assert!(!is_elf_executable(b"#!/bin/sh\nexec true\n"));
        assert!(!is_elf_executable(b""));
    }

    #[test]
    fn big_endian_elf32_is_read() {
        let mut head = vec![0u8; 52];
        head[..4].copy_from_slice(ELF_MAGIC);
        head[4] = 1;
        head[5] = 2;
        head[16..18].copy_from_slice(&ET_EXEC.to_be_bytes());
        head[24..28].copy_from_slice(&0x10000u32.to_be_bytes());
        assert!(is_elf_executable(&head));
    }
}
