//! nanome-lib's `request_export` (`ExportFiles`, `ExportFilesItem`): complexes sent by the
//! plugin or named by workspace index (none: the whole workspace), written by nts's own
//! writers in the gateway, one file per complex.

use super::serial::{Reader, SerialError, Writer};
use super::structure::{self, Versions};
use crate::api::structure::{Complex, MAX_COMPLEXES};
use crate::files::Format;

/// What an export names: a complex the plugin sent, or one in the workspace.
#[derive(Debug, Clone, PartialEq)]
pub enum Entity {
    /// A complex sent with the request.
    Sent(Complex),
    /// A workspace complex, by index.
    Index(i64),
}

/// A `request_export`, read.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// The format to write.
    pub format: Format,
    /// What to write; `None` for the whole workspace.
    pub entities: Option<Vec<Entity>>,
}

impl Export {
    /// The workspace indices the export needs from the session (empty when the plugin
    /// sent every complex).
    pub fn indices(&self) -> Vec<i64> {
        self.entities
            .iter()
            .flatten()
            .filter_map(|e| match e {
                Entity::Index(i) => Some(*i),
                Entity::Sent(_) => None,
            })
            .collect()
    }

    /// The files, in the order asked: the plugin's complexes as sent, and `found` (the
    /// session's answer for [`Export::indices`], in order; `None` where unknown) for the
    /// others.
    pub fn write(&self, found: Vec<Option<Complex>>) -> Vec<u8> {
        let mut found = found.into_iter();
        let files: Vec<Option<String>> = match &self.entities {
            None => found
                .map(|c| c.map(|c| crate::files::write(&c, self.format)))
                .collect(),
            Some(entities) => entities
                .iter()
                .map(|e| match e {
                    Entity::Sent(c) => Some(crate::files::write(c, self.format)),
                    Entity::Index(_) => found
                        .next()
                        .flatten()
                        .map(|c| crate::files::write(&c, self.format)),
                })
                .collect(),
        };
        write_result(&files)
    }
}

/// `request_export`: the format, then (if any) the entities. `Err` for a malformed body;
/// `Ok(Err(format))` for a format nts does not write (Nanome's own, SMILES).
pub fn read(r: &mut Reader<'_>, v: Versions) -> Result<Result<Export, &'static str>, SerialError> {
    let format = match r.u8("the export format")? {
        0 => return Ok(Err("export as a Nanome workspace")),
        1 => Format::Pdb,
        2 => Format::Sdf,
        3 => Format::Mmcif,
        4 => return Ok(Err("export as SMILES")),
        n => return Err(r.invalid(format!("export format {n} is none of 0 to 4"))),
    };
    if !r.bool("whether entities follow")? {
        return Ok(Ok(Export {
            format,
            entities: None,
        }));
    }
    let n = r.count_at_most(1, MAX_COMPLEXES, "the entities to export")?;
    let entities = (0..n)
        .map(|_| match r.u8("an entity's kind")? {
            0 => Ok(Entity::Index(r.i64("a complex's index")?)),
            1 => Ok(Entity::Sent(structure::read_complex(r, v)?)),
            k => Err(r.invalid(format!("export entity kind {k} is neither 0 nor 1"))),
        })
        .collect::<Result<_, SerialError>>()?;
    Ok(Ok(Export {
        format,
        entities: Some(entities),
    }))
}

/// `export_files_result`: each file's bytes (empty where there was nothing to write,
/// which nanome-lib reads as `None`).
pub fn write_result(files: &[Option<String>]) -> Vec<u8> {
    let mut w = Writer::default();
    w.u32(files.len() as u32);
    for f in files {
        w.u8(1).byte_array(f.as_deref().unwrap_or("").as_bytes());
    }
    w.bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v() -> Versions {
        Versions::of(&super::super::translate::versions())
    }

    #[test]
    fn an_export_reads_its_entities_and_writes_one_file_each() {
        let pdb =
            b"ATOM      1  CA  GLY A   1       1.000   2.000   3.000  1.00  0.00           C\n";
        let (gly, _) = super::super::files::parse_loaded("gly.pdb", pdb, 1 << 20).unwrap();
        // The complex with its atom table, past the event's index and flag.
        let complex = structure::write_complex_event(v(), &gly).split_off(9);
        let mut w = Writer::default();
        w.u8(1).bool(true).u32(2).u8(0).i64(7).u8(1);
        w.bytes.extend(complex);
        let export = read(&mut Reader::new(&w.bytes), v()).unwrap().unwrap();
        assert_eq!(export.indices(), [7]);
        let body = export.write(vec![None]);
        let mut r = Reader::new(&body);
        assert_eq!(r.u32("n").unwrap(), 2);
        // Index 7 is not in the workspace: nothing (None).
        assert_eq!((r.u8("kind").unwrap(), r.u32("len").unwrap()), (1, 0));
        assert_eq!(r.u8("kind").unwrap(), 1);
        let text = String::from_utf8(r.byte_array("file").unwrap().to_vec()).unwrap();
        assert!(text.contains("GLY"), "{text}");

        let e = read(&mut Reader::new(&[4, 0]), v()).unwrap().unwrap_err();
        assert!(e.contains("SMILES"));
        assert!(read(&mut Reader::new(&[9]), v()).is_err());
    }
}
