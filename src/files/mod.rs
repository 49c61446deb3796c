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
    #[error("{path}: unknown structure format; use .pdb, .ent, .cif, .mmcif, .sdf or .mol")]
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

/// A supported structure format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Protein Data Bank.
    Pdb,
    /// mmCIF / PDBx.
    Mmcif,
    /// MDL SDF / MOL (V2000).
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
}

/// Reads a structure file into a complex named after the file.
pub fn load(path: &Path) -> Result<Complex, FileError> {
    let shown = path.display().to_string();
    let format = Format::of(path).ok_or_else(|| FileError::UnknownFormat {
        path: shown.clone(),
    })?;
    let meta = std::fs::metadata(path).map_err(|source| FileError::Io {
        path: shown.clone(),
        source,
    })?;
    if meta.len() > MAX_FILE {
        return Err(FileError::Parse {
            path: shown,
            message: format!("{} bytes is over the {MAX_FILE}-byte limit", meta.len()),
        });
    }
    let name = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("complex")
        .trim_end_matches(".pdb")
        .to_string();
    let mut complex = match format {
        Format::Pdb | Format::Mmcif => pdb::read(path).map_err(|message| FileError::Parse {
            path: shown.clone(),
            message,
        })?,
        Format::Sdf => {
            let text = std::fs::read_to_string(path).map_err(|source| FileError::Io {
                path: shown.clone(),
                source,
            })?;
            sdf::parse(&text).map_err(|message| FileError::Parse {
                path: shown.clone(),
                message,
            })?
        }
    };
    complex.name = name;
    complex.validate().map_err(|message| FileError::Parse {
        path: shown,
        message,
    })?;
    Ok(complex)
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
