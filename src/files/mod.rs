//! Structure files: PDB (and `.ent`), mmCIF, SDF/MOL (V2000 and V3000), MOL2 and PQR,
//! each optionally gzip- or bzip2-compressed, read and written here into and out of
//! [`api::structure`](crate::api::structure).
//!
//! The readers are lenient where real files are odd and strict only where a wrong
//! structure would result; an error names the line (and column where it applies), and
//! warnings go to the log ([`Diagnostics`]). Bonds come from the file where it has them
//! (SDF and MOL2 bond blocks, PDB CONECT records) and, for PDB, mmCIF and PQR, from a
//! distance rule for the rest ([`bonds`]). `docs/ARCHITECTURE.md` ("Structure files")
//! records why these readers are ours and how they compare with gemmi on a real corpus.

pub mod assemble;
pub mod bonds;
pub mod mmcif;
pub mod mol2;
pub mod pdb;
pub mod pqr;
pub mod sdf;

use std::path::Path;

use crate::api::structure::{Complex, Packed};

/// Largest structure file read (bytes).
pub const MAX_FILE: u64 = 512 * 1024 * 1024;

/// Why a structure file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Neither the name nor the content names a supported format.
    #[error(
        "{path}: unknown structure format (neither its name nor its content says): use .pdb, .ent, .cif, .sdf, .mol, .mol2 or .pqr, optionally .gz or .bz2"
    )]
    UnknownFormat {
        /// The file.
        path: String,
    },
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The content is not valid for its format.
    #[error("{path}: {message}")]
    Parse {
        /// The file.
        path: String,
        /// What is wrong, with the line (and column) where known.
        message: String,
    },
}

crate::error::error_kind!(FileError => FileErrorKind {
    /// Neither the name nor the content names a supported format.
    UnknownFormat,
    /// Reading or writing failed.
    Io,
    /// The content is not valid for its format.
    Parse,
});

/// Why a file's content could not be read as its format: what is wrong, and the line and
/// column (1-based) where known. [`load`] adds the file's name ([`FileError::Parse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", place(*.line, *.column))]
pub struct ParseError {
    /// The line, 1-based.
    pub line: Option<usize>,
    /// The column, 1-based.
    pub column: Option<usize>,
    /// What is wrong.
    pub message: String,
}

fn place(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("line {l}, column {c}: "),
        (Some(l), None) => format!("line {l}: "),
        _ => String::new(),
    }
}

impl ParseError {
    /// A parse error saying `message`, with no place.
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            line: None,
            column: None,
            message: message.into(),
        }
    }

    /// A parse error at `line` (1-based).
    pub fn line(line: usize, message: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            ..ParseError::new(message)
        }
    }

    /// A parse error at `line` and `column` (1-based).
    pub fn at(line: usize, column: usize, message: impl Into<String>) -> Self {
        ParseError {
            line: Some(line),
            column: Some(column),
            message: message.into(),
        }
    }
}

/// What a reader tolerated: warnings with their line (the first [`Diagnostics::KEPT`]
/// kept, all counted) and notes about the whole file.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    warnings: Vec<(usize, String)>,
    total: usize,
    notes: Vec<String>,
}

impl Diagnostics {
    /// Warnings kept word for word; the rest are counted.
    pub const KEPT: usize = 20;

    /// Records a warning at `line`.
    pub fn warn(&mut self, line: usize, message: impl Into<String>) {
        self.total += 1;
        if self.warnings.len() < Self::KEPT {
            self.warnings.push((line, message.into()));
        }
    }

    /// Records a note about the whole file.
    pub fn note(&mut self, message: impl Into<String>) {
        self.notes.push(message.into());
    }

    /// The warnings kept, each as `line N: what`, then the notes.
    pub fn warnings(&self) -> impl Iterator<Item = String> + '_ {
        self.warnings
            .iter()
            .map(|(l, m)| format!("line {l}: {m}"))
            .chain(self.notes.iter().cloned())
    }

    /// An optional number field: `default` when blank; a warning and `default` when it is
    /// not a finite number (the readers' rule for occupancies, B-factors, charges).
    pub fn number(&mut self, line: usize, text: &str, what: &str, default: f32) -> f32 {
        if text.is_empty() {
            return default;
        }
        match text.parse::<f32>() {
            Ok(v) if v.is_finite() => v,
            _ => {
                self.warn(
                    line,
                    format!("{what} {text:?} is not a finite number: {default} used"),
                );
                default
            }
        }
    }

    /// How many warnings there were (kept or not).
    pub fn total(&self) -> usize {
        self.total
    }

    /// Writes the warnings and notes to the log, naming `path`.
    pub fn log(&self, path: &str) {
        for w in self.warnings() {
            tracing::warn!(file = path, "{w}");
        }
        if self.total > self.warnings.len() {
            tracing::warn!(
                file = path,
                "{} more warnings like these",
                self.total - self.warnings.len()
            );
        }
    }
}

/// The lines of a file with their 1-based numbers, without line terminators (`\n`,
/// `\r\n`, or `\r` alone in files that have no `\n`).
pub(crate) fn lines(bytes: &[u8]) -> impl Iterator<Item = (usize, &[u8])> {
    let sep = if !bytes.contains(&b'\n') && bytes.contains(&b'\r') {
        b'\r'
    } else {
        b'\n'
    };
    let bytes = bytes.strip_suffix(&[sep]).unwrap_or(bytes);
    bytes
        .split(move |&b| b == sep)
        .map(|l| l.strip_suffix(b"\r").unwrap_or(l))
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|_| !bytes.is_empty())
}

/// A supported structure format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Protein Data Bank (`.pdb`, `.ent`).
    Pdb,
    /// mmCIF / PDBx (`.cif`, `.mmcif`, `.pdbx`).
    Mmcif,
    /// MDL SDF / MOL, V2000 and V3000 (`.sdf`, `.sd`, `.mol`).
    Sdf,
    /// Tripos MOL2 (`.mol2`).
    Mol2,
    /// PQR: PDB-like atoms with charge and radius (`.pqr`).
    Pqr,
}

/// Compression suffixes, taken off before the format's extension is read.
const COMPRESSED: &[&str] = &[".gz", ".gzip", ".bz2", ".z"];

impl Format {
    /// Every format, in the order they are listed to users.
    pub const ALL: [Format; 5] = [
        Format::Pdb,
        Format::Mmcif,
        Format::Sdf,
        Format::Mol2,
        Format::Pqr,
    ];

    /// The format a file name implies, in any case, with or without `.gz`/`.bz2`.
    pub fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = COMPRESSED
            .iter()
            .find_map(|c| name.strip_suffix(c))
            .unwrap_or(&name);
        match name.rsplit_once('.')?.1 {
            "pdb" | "ent" | "brk" | "pdb1" => Some(Format::Pdb),
            "cif" | "mmcif" | "pdbx" => Some(Format::Mmcif),
            "sdf" | "mol" | "sd" => Some(Format::Sdf),
            "mol2" => Some(Format::Mol2),
            "pqr" => Some(Format::Pqr),
            _ => None,
        }
    }

    /// The usual extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Pdb => "pdb",
            Format::Mmcif => "cif",
            Format::Sdf => "sdf",
            Format::Mol2 => "mol2",
            Format::Pqr => "pqr",
        }
    }

    /// The format the content looks like, for a file whose name says nothing: mmCIF
    /// starts with a `data_` block, MOL2 has `@<TRIPOS>` sections, an SDF/MOL record has
    /// a V2000/V3000 counts line or `M  END`, a PDB file has fixed-column records.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
        let first = head
            .lines()
            .map(str::trim_start)
            .find(|l| !l.is_empty() && !l.starts_with('#'))?;
        if first.starts_with("data_") {
            return Some(Format::Mmcif);
        }
        if head.contains("@<TRIPOS>") {
            return Some(Format::Mol2);
        }
        if head.contains(" V2000") || head.contains(" V3000") || head.contains("\nM  END") {
            return Some(Format::Sdf);
        }
        const PDB_RECORDS: &[&str] = &[
            "HEADER", "TITLE ", "REMARK", "CRYST1", "ATOM  ", "HETATM", "MODEL ", "COMPND",
            "SEQRES", "EXPDTA", "AUTHOR", "ORIGX",
        ];
        head.lines()
            .any(|l| PDB_RECORDS.iter().any(|r| l.starts_with(r)))
            .then_some(Format::Pdb)
    }
}

/// What a reader gives: a tree (SDF, MOL2: small molecules with their bond blocks) or
/// atom records assembled into runs (PDB, mmCIF, PQR), which become columns without a
/// tree.
pub enum Parsed {
    /// A complex tree.
    Tree(Complex),
    /// Assembled records.
    Records(assemble::Assembled),
}

impl Parsed {
    /// The complex named `name` as the session stores it, checked.
    pub fn into_packed(self, name: &str) -> Result<Packed, ParseError> {
        match self {
            Parsed::Tree(mut c) => {
                c.name = name.to_string();
                Packed::checked(&c).map_err(|e| ParseError::new(e.message))
            }
            Parsed::Records(a) => a.into_packed(name).map_err(ParseError::new),
        }
    }
}

/// Parses a file's content (already decompressed) as `format`.
pub fn parse(bytes: &[u8], format: Format, diag: &mut Diagnostics) -> Result<Complex, ParseError> {
    Ok(parse_any(bytes, format, diag)?
        .into_packed("complex")?
        .unpack())
}

/// Parses a file's content as `format`, leaving the records unassembled into a tree.
pub fn parse_any(
    bytes: &[u8],
    format: Format,
    diag: &mut Diagnostics,
) -> Result<Parsed, ParseError> {
    Ok(match format {
        Format::Pdb => Parsed::Records(pdb::parse(bytes, diag)?),
        Format::Mmcif => Parsed::Records(mmcif::parse(bytes, diag)?),
        Format::Pqr => Parsed::Records(pqr::parse(bytes, diag)?),
        Format::Mol2 => Parsed::Tree(mol2::parse(bytes, diag)?),
        Format::Sdf => Parsed::Tree(sdf::parse(&String::from_utf8_lossy(bytes))?),
    })
}

/// Reads a structure file into a complex named after the file; warnings go to the log.
pub fn load(path: &Path) -> Result<Complex, FileError> {
    load_limited(path, MAX_FILE)
}

/// [`load`] with a size limit of `max` bytes, before and after decompression.
pub fn load_limited(path: &Path, max: u64) -> Result<Complex, FileError> {
    let (complex, diag) = read(path, max)?;
    diag.log(&path.display().to_string());
    Ok(complex)
}

/// Reads a structure file as the session stores it (its columns, never a tree: a
/// million-atom file costs its text and about twice its columns while it loads);
/// warnings go to the log.
pub fn load_packed(path: &Path, max: u64) -> Result<Packed, FileError> {
    let (packed, diag) = read_packed(path, max)?;
    diag.log(&path.display().to_string());
    Ok(packed)
}

/// Reads a structure file, returning what the reader tolerated beside the complex.
pub fn read(path: &Path, max: u64) -> Result<(Complex, Diagnostics), FileError> {
    let (packed, diag) = read_packed(path, max)?;
    Ok((packed.unpack(), diag))
}

/// [`read`], as columns.
pub fn read_packed(path: &Path, max: u64) -> Result<(Packed, Diagnostics), FileError> {
    read_bytes(path, read_bounded(path, max)?, max)
}

/// Reads a structure file's content, named `path` (its name tells the format and the
/// complex's name; the content is sniffed when the name says nothing), at most `max`
/// bytes once decompressed. The text is freed before the columns are written.
pub fn read_bytes(
    path: &Path,
    bytes: Vec<u8>,
    max: u64,
) -> Result<(Packed, Diagnostics), FileError> {
    let bytes = decompress(bytes, max).map_err(|e| FileError::Parse {
        path: path.display().to_string(),
        message: e.to_string(),
    })?;
    let (parsed, diag) = parse_file(path, &bytes)?;
    drop(bytes);
    Ok((finish(path, parsed)?, diag))
}

/// Parses a structure file's decompressed content, named `path` (its name tells the format
/// and the complex's name; the content is sniffed when the name says nothing).
pub fn parse_named(path: &Path, bytes: &[u8]) -> Result<(Complex, Diagnostics), FileError> {
    let (parsed, diag) = parse_file(path, bytes)?;
    Ok((finish(path, parsed)?.unpack(), diag))
}

/// The reader of `path`'s format on `bytes`, a panic in it contained as an error.
fn parse_file(path: &Path, bytes: &[u8]) -> Result<(Parsed, Diagnostics), FileError> {
    let format = Format::of(path)
        .or_else(|| Format::sniff(bytes))
        .ok_or_else(|| FileError::UnknownFormat {
            path: path.display().to_string(),
        })?;
    let mut diag = Diagnostics::default();
    let parsed = contained(path, || parse_any(bytes, format, &mut diag))?;
    Ok((parsed, diag))
}

/// The complex of `parsed`, named after `path`, as columns (bonds inferred, checked).
fn finish(path: &Path, parsed: Parsed) -> Result<Packed, FileError> {
    let name = display_name(path);
    contained(path, || parsed.into_packed(&name))
}

/// `f`'s result for the file `path`, a panic in it contained as an error.
fn contained<T>(path: &Path, f: impl FnOnce() -> Result<T, ParseError>) -> Result<T, FileError> {
    crate::runtime::contain(f)
        .map_err(|p| ParseError::new(format!("the reader failed (a bug in nts: {})", p.message)))
        .and_then(|r| r)
        .map_err(|e| FileError::Parse {
            path: path.display().to_string(),
            message: e.to_string(),
        })
}

/// A file's name without its compression and format extensions (`1ABC.cif.gz` → `1ABC`).
fn display_name(path: &Path) -> String {
    let name = path
        .file_name()
        .and_then(|s| s.to_str())
        .unwrap_or("complex");
    let lower = name.to_ascii_lowercase();
    let mut end = COMPRESSED
        .iter()
        .find(|c| lower.ends_with(*c))
        .map_or(name.len(), |c| name.len() - c.len());
    if Format::of(Path::new(&lower[..end])).is_some()
        && let Some(dot) = name[..end].rfind('.')
    {
        end = dot;
    }
    match &name[..end] {
        "" => "complex".into(),
        n => n.to_string(),
    }
}

/// Decompresses gzip or bzip2 content, told by its magic number whatever the name says
/// (real corpora hold tar archives named `.pdb.gz`); anything else is returned as it is.
pub fn decompress(bytes: Vec<u8>, max: u64) -> Result<Vec<u8>, ParseError> {
    if bytes.starts_with(&[0x1f, 0x8b]) {
        inflate(flate2::read::MultiGzDecoder::new(&bytes[..]), "gzip", max)
    } else if bytes.starts_with(b"BZh") {
        inflate(bzip2::read::MultiBzDecoder::new(&bytes[..]), "bzip2", max)
    } else {
        Ok(bytes)
    }
}

/// Reads a whole regular file of at most `max` bytes. Devices, FIFOs, sockets and
/// directories are refused before anything is read (a FIFO is opened without waiting
/// for a writer), and the read stops at the limit whatever the file's metadata claims.
pub fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, FileError> {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let shown = path.display().to_string();
    let io = |source| FileError::Io {
        path: shown.clone(),
        source,
    };
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NONBLOCK)
        .open(path)
        .map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if !meta.is_file() {
        return Err(FileError::Parse {
            path: shown,
            message:
                "not a regular file (a device, FIFO, socket or directory); give a structure file"
                    .into(),
        });
    }
    let mut bytes = Vec::with_capacity(meta.len().min(max) as usize);
    file.take(max + 1).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max {
        return Err(FileError::Parse {
            path: shown,
            message: format!("the file is larger than the limit of {} MiB", max >> 20),
        });
    }
    Ok(bytes)
}

/// Reads a decoder to its end, refusing output over `max` bytes (a small file may
/// inflate to gigabytes).
fn inflate(mut decoder: impl std::io::Read, what: &str, max: u64) -> Result<Vec<u8>, ParseError> {
    use std::io::Read;
    let mut out = Vec::new();
    (&mut decoder)
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| ParseError::new(format!("not valid {what} data: {e}")))?;
    if out.len() as u64 > max {
        return Err(ParseError::new(format!(
            "it decompresses to more than the limit of {} MiB",
            max >> 20
        )));
    }
    Ok(out)
}

/// Writes a complex in the format its file name says (any format [`load`] reads),
/// gzip-compressed when the name ends in `.gz`.
pub fn save(complex: &Complex, path: &Path) -> Result<(), FileError> {
    let shown = path.display().to_string();
    let format = Format::of(path).ok_or_else(|| FileError::UnknownFormat {
        path: shown.clone(),
    })?;
    let text = write(complex, format);
    let lower = shown.to_ascii_lowercase();
    let bytes = if lower.ends_with(".gz") {
        use std::io::Write;
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        let _ = gz.write_all(text.as_bytes());
        gz.finish().unwrap_or_default()
    } else if lower.ends_with(".bz2") {
        use std::io::Write;
        let mut bz = bzip2::write::BzEncoder::new(Vec::new(), bzip2::Compression::default());
        let _ = bz.write_all(text.as_bytes());
        bz.finish().unwrap_or_default()
    } else {
        text.into_bytes()
    };
    std::fs::write(path, bytes).map_err(|source| FileError::Io {
        path: shown,
        source,
    })
}

/// A complex as the text of `format`.
pub fn write(complex: &Complex, format: Format) -> String {
    match format {
        Format::Pdb => pdb::write(complex),
        Format::Mmcif => mmcif::write(complex),
        Format::Sdf => sdf::write(complex),
        Format::Mol2 => mol2::write(complex),
        Format::Pqr => pqr::write(complex),
    }
}
