//! Structure files: PDB and mmCIF (read with `pdbtbx`), SDF/MOL (V2000, read and written
//! here), PDB (written here), into and out of [`api::structure`](crate::api::structure).
//!
//! Bonds come from the file where it has them (SDF bond blocks, PDB CONECT records) and,
//! for PDB and mmCIF, from a distance rule for the rest ([`bonds`]).

pub mod bonds;
pub mod pdb;
pub mod sdf;

use std::path::Path;

use crate::api::structure::Complex;

/// Largest structure file read (bytes).
pub const MAX_FILE: u64 = 512 * 1024 * 1024;

/// Why a structure file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The extension names no supported format.
    #[error(
        "{path}: unknown structure format (neither its name nor its content says): use .pdb, .ent, .cif, .mmcif, .sdf or .mol"
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
        /// What is wrong, with the line where known.
        message: String,
    },
}

crate::error::error_kind!(FileError => FileErrorKind {
    /// The extension names no supported format.
    UnknownFormat,
    /// Reading or writing failed.
    Io,
    /// The content is not valid for its format.
    Parse,
});

/// Why a file's content could not be read as its format: what is wrong, with the record
/// and line where known. [`load`] adds the file's name ([`FileError::Parse`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ParseError {
    /// What is wrong.
    pub message: String,
}

impl ParseError {
    /// A parse error saying `message`.
    pub fn new(message: impl Into<String>) -> Self {
        ParseError {
            message: message.into(),
        }
    }
}

/// A supported structure format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Protein Data Bank.
    Pdb,
    /// mmCIF / PDBx.
    Mmcif,
    /// MDL SDF / MOL (V2000 and V3000).
    Sdf,
}

impl Format {
    /// The format a file name implies.
    pub fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_str()?.to_ascii_lowercase();
        let name = name.strip_suffix(".gz").unwrap_or(&name);
        match name.rsplit('.').next()? {
            "pdb" | "ent" => Some(Format::Pdb),
            "cif" | "mmcif" => Some(Format::Mmcif),
            "sdf" | "mol" | "sd" => Some(Format::Sdf),
            _ => None,
        }
    }

    /// The format the content looks like, for a file whose name says nothing: mmCIF
    /// starts with a `data_` block, an SDF/MOL record has a V2000/V3000 counts line or
    /// `M  END`, a PDB file has fixed-column records.
    pub fn sniff(bytes: &[u8]) -> Option<Format> {
        let head = String::from_utf8_lossy(&bytes[..bytes.len().min(64 * 1024)]);
        let first = head
            .lines()
            .map(str::trim_start)
            .find(|l| !l.is_empty() && !l.starts_with('#'))?;
        if first.starts_with("data_") {
            return Some(Format::Mmcif);
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

/// Reads a structure file into a complex named after the file.
pub fn load(path: &Path) -> Result<Complex, FileError> {
    load_limited(path, MAX_FILE)
}

/// [`load`] with a size limit of `max` bytes, before and after decompression.
pub fn load_limited(path: &Path, max: u64) -> Result<Complex, FileError> {
    let shown = path.display().to_string();
    let bytes = read_bounded(path, max)?;
    // gzip by its magic number, whatever the name says.
    let gzipped = bytes.starts_with(&[0x1f, 0x8b]);
    let bytes = if gzipped {
        gunzip_bounded(&bytes, max).map_err(|e| FileError::Parse {
            path: shown.clone(),
            message: e.message,
        })?
    } else {
        bytes
    };
    let format = Format::of(path)
        .or_else(|| Format::sniff(&bytes))
        .ok_or_else(|| FileError::UnknownFormat {
            path: shown.clone(),
        })?;
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("complex")
        .trim_end_matches(".pdb")
        .to_string();
    let parse_error = |e: ParseError| FileError::Parse {
        path: shown.clone(),
        message: e.message,
    };
    let mut complex = match format {
        Format::Pdb | Format::Mmcif => pdb::parse(&bytes, format).map_err(parse_error)?,
        Format::Sdf => {
            let text = String::from_utf8_lossy(&bytes);
            sdf::parse(&text).map_err(parse_error)?
        }
    };
    complex.name = name;
    complex.validate().map_err(|e| FileError::Parse {
        path: shown,
        message: e.message,
    })?;
    Ok(complex)
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

/// Decompresses gzip data, refusing output over `max` bytes (a small file may inflate
/// to gigabytes).
fn gunzip_bounded(bytes: &[u8], max: u64) -> Result<Vec<u8>, ParseError> {
    use std::io::Read;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(max + 1)
        .read_to_end(&mut out)
        .map_err(|e| ParseError::new(format!("not valid gzip data: {e}")))?;
    if out.len() as u64 > max {
        return Err(ParseError::new(format!(
            "it decompresses to more than the limit of {} MiB",
            max >> 20
        )));
    }
    Ok(out)
}

/// Writes a complex as PDB or SDF (by extension).
pub fn save(complex: &Complex, path: &Path) -> Result<(), FileError> {
    let shown = path.display().to_string();
    let text = match Format::of(path) {
        Some(Format::Pdb) => pdb::write(complex),
        Some(Format::Sdf) => sdf::write(complex),
        _ => return Err(FileError::UnknownFormat { path: shown }),
    };
    std::fs::write(path, text).map_err(|source| FileError::Io {
        path: shown,
        source,
    })
}
