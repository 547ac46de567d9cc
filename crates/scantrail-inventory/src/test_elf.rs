//! A builder of minimal ELF64 little-endian executables for tests: one writable `PT_LOAD`
//! segment per section, section headers with names, and nothing else.

const ELF_HEADER_LENGTH: usize = 64;
const PROGRAM_HEADER_LENGTH: usize = 56;
const SECTION_HEADER_LENGTH: usize = 64;
const PT_LOAD: u32 = 1;
const PF_R: u32 = 4;
const PF_W: u32 = 2;
const SHT_PROGBITS: u32 = 1;
const SHT_STRTAB: u32 = 3;
const SHF_WRITE: u64 = 1;
const SHF_ALLOC: u64 = 2;

pub(crate) struct ElfBuilder {
    sections: Vec<(String, u64, Vec<u8>)>,
}

impl ElfBuilder {
    pub fn new() -> ElfBuilder {
        ElfBuilder { sections: Vec::new() }
    }

    /// Adds a section named `name`, loaded at virtual address `address`.
    pub fn section(mut self, name: &str, address: u64, data: &[u8]) -> ElfBuilder {
        self.sections.push((name.to_string(), address, data.to_vec()));
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let segment_count = self.sections.len();
        let mut file = vec![0u8; ELF_HEADER_LENGTH + segment_count * PROGRAM_HEADER_LENGTH];

        let mut offsets = Vec::new();
        for (_, _, data) in &self.sections {
            align(&mut file, 16);
            offsets.push(file.len());
            file.extend_from_slice(data);
        }

        let mut names = vec![0u8];
        let mut name_offsets = Vec::new();
        for (name, _, _) in &self.sections {
            name_offsets.push(names.len());
            names.extend_from_slice(name.as_bytes());
            names.push(0);
        }
        let shstrtab_name = names.len();
        names.extend_from_slice(b".shstrtab\0");
        let names_offset = file.len();
        file.extend_from_slice(&names);

        align(&mut file, 8);
        let section_headers_offset = file.len();
        file.extend_from_slice(&[0u8; SECTION_HEADER_LENGTH]);
        for (index, (_, address, data)) in self.sections.iter().enumerate() {
            let header = section_header(name_offsets[index], SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, *address, offsets[index], data.len());
            file.extend_from_slice(&header);
        }
        file.extend_from_slice(&section_header(shstrtab_name, SHT_STRTAB, 0, 0, names_offset, names.len()));

        for (index, (_, address, data)) in self.sections.iter().enumerate() {
            let start = ELF_HEADER_LENGTH + index * PROGRAM_HEADER_LENGTH;
            let header = &mut file[start..start + PROGRAM_HEADER_LENGTH];
            header[0..4].copy_from_slice(&PT_LOAD.to_le_bytes());
            header[4..8].copy_from_slice(&(PF_R | PF_W).to_le_bytes());
            header[8..16].copy_from_slice(&(offsets[index] as u64).to_le_bytes());
            header[16..24].copy_from_slice(&address.to_le_bytes());
            header[24..32].copy_from_slice(&address.to_le_bytes());
            header[32..40].copy_from_slice(&(data.len() as u64).to_le_bytes());
            header[40..48].copy_from_slice(&(data.len() as u64).to_le_bytes());
            header[48..56].copy_from_slice(&16u64.to_le_bytes());
        }

        let header = &mut file[..ELF_HEADER_LENGTH];
        header[0..4].copy_from_slice(b"\x7fELF");
        header[4] = 2; // ELFCLASS64
        header[5] = 1; // little-endian
        header[6] = 1; // EV_CURRENT
        header[16..18].copy_from_slice(&2u16.to_le_bytes()); // ET_EXEC
        header[18..20].copy_from_slice(&62u16.to_le_bytes()); // EM_X86_64
        header[20..24].copy_from_slice(&1u32.to_le_bytes());
        header[24..32].copy_from_slice(&0x401000u64.to_le_bytes());
        header[32..40].copy_from_slice(&(ELF_HEADER_LENGTH as u64).to_le_bytes());
        header[40..48].copy_from_slice(&(section_headers_offset as u64).to_le_bytes());
        header[52..54].copy_from_slice(&(ELF_HEADER_LENGTH as u16).to_le_bytes());
        header[54..56].copy_from_slice(&(PROGRAM_HEADER_LENGTH as u16).to_le_bytes());
        header[56..58].copy_from_slice(&(segment_count as u16).to_le_bytes());
        header[58..60].copy_from_slice(&(SECTION_HEADER_LENGTH as u16).to_le_bytes());
        header[60..62].copy_from_slice(&((self.sections.len() + 2) as u16).to_le_bytes());
        header[62..64].copy_from_slice(&((self.sections.len() + 1) as u16).to_le_bytes());
        file
    }
}

fn align(file: &mut Vec<u8>, alignment: usize) {
    while file.len() % alignment != 0 {
        file.push(0);
    }
}

fn section_header(name: usize, kind: u32, flags: u64, address: u64, offset: usize, size: usize) -> [u8; SECTION_HEADER_LENGTH] {
    let mut header = [0u8; SECTION_HEADER_LENGTH];
    header[0..4].copy_from_slice(&(name as u32).to_le_bytes());
    header[4..8].copy_from_slice(&kind.to_le_bytes());
    header[8..16].copy_from_slice(&flags.to_le_bytes());
    header[16..24].copy_from_slice(&address.to_le_bytes());
    header[24..32].copy_from_slice(&(offset as u64).to_le_bytes());
    header[32..40].copy_from_slice(&(size as u64).to_le_bytes());
    header[48..56].copy_from_slice(&1u64.to_le_bytes());
    header
}
