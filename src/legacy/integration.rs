//! Integrations called on a legacy plugin: nts's `integration` request becomes nanome-lib's
//! `integration` command (`u32 request id | u32 sub-command hash | arguments`), and the
//! plugin's `integration` message (same head, then its result) becomes
//! `integration_result`. The sub-command's hash says how its arguments and result are laid
//! out (`nanome/api/integration/messages.py`).

use super::hash::name_hash;
use super::serial::{Reader, SerialError, Writer};
use super::structure::{self, Versions};
use crate::api::integration::{IntegrationRequest, IntegrationResult};
use serde_bytes::ByteBuf;

/// Most strings (SMILES, locations) or images one result may hold.
const MAX_ITEMS: usize = 100_000;

/// nanome-lib's integration sub-commands (`IntegrationCommands`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sub {
    HydrogenAdd,
    HydrogenRemove,
    StructurePrep,
    CalculateEsp,
    MinimizationStart,
    MinimizationStop,
    ExportLocations,
    ExportFile,
    ImportFile,
    GenerateMoleculeImage,
    ExportSmiles,
    ImportSmiles,
    RunInteractions,
}

const SUBS: [(Sub, &str); 13] = [
    (Sub::HydrogenAdd, "hydrogen_add"),
    (Sub::HydrogenRemove, "hydrogen_remove"),
    (Sub::StructurePrep, "structure_prep"),
    (Sub::CalculateEsp, "calculate_esp"),
    (Sub::MinimizationStart, "minimization_start"),
    (Sub::MinimizationStop, "minimization_stop"),
    (Sub::ExportLocations, "export_locations"),
    (Sub::ExportFile, "export_file"),
    (Sub::ImportFile, "import_file"),
    (Sub::GenerateMoleculeImage, "generate_molecule_image"),
    (Sub::ExportSmiles, "export_smiles"),
    (Sub::ImportSmiles, "import_smiles"),
    (Sub::RunInteractions, "run_interactions"),
];

impl Sub {
    fn name(self) -> &'static str {
        SUBS.iter().find(|(s, _)| *s == self).map_or("", |(_, n)| n)
    }

    fn hash(self) -> u32 {
        name_hash(self.name())
    }

    fn of_hash(hash: u32) -> Option<Sub> {
        SUBS.iter().map(|(s, _)| *s).find(|s| s.hash() == hash)
    }

    fn of(request: &IntegrationRequest) -> Sub {
        use IntegrationRequest as R;
        match request {
            R::HydrogenAdd { .. } => Sub::HydrogenAdd,
            R::HydrogenRemove { .. } => Sub::HydrogenRemove,
            R::StructurePrep { .. } => Sub::StructurePrep,
            R::CalculateEsp { .. } => Sub::CalculateEsp,
            R::MinimizationStart { .. } => Sub::MinimizationStart,
            R::MinimizationStop => Sub::MinimizationStop,
            R::ExportLocations => Sub::ExportLocations,
            R::ExportFile { .. } => Sub::ExportFile,
            R::ImportFile => Sub::ImportFile,
            R::GenerateMoleculeImage { .. } => Sub::GenerateMoleculeImage,
            R::ExportSmiles { .. } => Sub::ExportSmiles,
            R::ImportSmiles { .. } => Sub::ImportSmiles,
            R::RunInteractions => Sub::RunInteractions,
        }
    }
}

fn strings(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<String>, SerialError> {
    let n = r.count_at_most(4, MAX_ITEMS, what)?;
    (0..n).map(|_| r.string(what)).collect()
}

fn w_strings(w: &mut Writer, list: &[String]) {
    w.u32(list.len() as u32);
    for s in list {
        w.string(s);
    }
}

/// The body of the `integration` command asking the plugin for `request`, answered under
/// `id`.
pub fn write_request(v: Versions, id: u32, request: &IntegrationRequest) -> Vec<u8> {
    use IntegrationRequest as R;
    let mut w = Writer::default();
    w.u32(id).u32(Sub::of(request).hash());
    match request {
        R::HydrogenAdd { complexes }
        | R::HydrogenRemove { complexes }
        | R::StructurePrep { complexes }
        | R::CalculateEsp { complexes }
        | R::ExportSmiles { complexes } => {
            w.bytes
                .extend(structure::write_complexes(v, complexes.iter()));
        }
        R::GenerateMoleculeImage {
            complexes,
            width,
            height,
        } => {
            w.bytes
                .extend(structure::write_complexes(v, complexes.iter()));
            let side = |n: u32| i32::try_from(n).unwrap_or(i32::MAX);
            w.i32(side(*width)).i32(side(*height));
        }
        R::MinimizationStart {
            forcefield,
            steps,
            steepest,
            cutoff,
        } => {
            w.u8(*forcefield).i32(*steps).bool(*steepest).f32(*cutoff);
        }
        R::ExportFile {
            location,
            filename,
            data,
        } => {
            w.string(location).string(filename).byte_array(data);
        }
        R::ImportSmiles { smiles } => w_strings(&mut w, smiles),
        R::MinimizationStop | R::ExportLocations | R::ImportFile | R::RunInteractions => {}
    }
    w.bytes
}

/// The plugin's `integration` message: the id it answers, the sub-command's name, and
/// the result.
pub fn read_result(
    r: &mut Reader<'_>,
    v: Versions,
) -> Result<(u32, &'static str, IntegrationResult), SerialError> {
    let id = r.u32("the integration's request id")?;
    let hash = r.u32("the integration's name hash")?;
    let sub = Sub::of_hash(hash).ok_or_else(|| {
        r.invalid(format!(
            "integration name hash {hash:#010x} is none nanome-lib has"
        ))
    })?;
    let result = match sub {
        Sub::HydrogenAdd
        | Sub::HydrogenRemove
        | Sub::StructurePrep
        | Sub::CalculateEsp
        | Sub::ImportSmiles => IntegrationResult::Complexes {
            complexes: structure::read_complexes(r, v)?,
        },
        Sub::MinimizationStart | Sub::ExportFile => IntegrationResult::Success {
            ok: r.bool("whether it succeeded")?,
        },
        Sub::MinimizationStop | Sub::ImportFile | Sub::RunInteractions => IntegrationResult::Done,
        Sub::ExportLocations => IntegrationResult::Locations {
            names: strings(r, "the export locations")?,
        },
        Sub::ExportSmiles => IntegrationResult::Smiles {
            smiles: strings(r, "the SMILES")?,
        },
        Sub::GenerateMoleculeImage => {
            let n = r.count_at_most(4, MAX_ITEMS, "the images")?;
            let images = (0..n)
                .map(|_| Ok(ByteBuf::from(r.byte_array("an image")?.to_vec())))
                .collect::<Result<Vec<_>, SerialError>>()?;
            IntegrationResult::Images { images }
        }
    };
    Ok((id, sub.name(), result))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v() -> Versions {
        Versions::of(&super::super::translate::versions())
    }

    /// The hashes the reference lists (`nanome/api/integration/messages.py`).
    #[test]
    fn sub_command_hashes_are_nanome_libs() {
        let expected = [
            287_474_962,
            287_492_584,
            660_242_612,
            103_842_316,
            446_505_985,
            446_505_999,
            183_504_179,
            183_513_874,
            317_731_250,
            240_792_748,
            183_510_640,
            317_728_368,
            604_636_467,
        ];
        for ((sub, name), hash) in SUBS.iter().zip(expected) {
            assert_eq!(sub.hash(), hash, "{name}");
            assert_eq!(Sub::of_hash(hash), Some(*sub));
        }
    }

    #[test]
    fn requests_and_results_have_nanome_libs_layout() {
        let req = IntegrationRequest::ImportSmiles {
            smiles: vec!["CCO".into()],
        };
        let body = write_request(v(), 9, &req);
        let mut expect = Writer::default();
        expect.u32(9).u32(317_728_368).u32(1).string("CCO");
        assert_eq!(body, expect.bytes);

        let mut w = Writer::default();
        w.u32(9).u32(183_510_640).u32(2).string("C").string("N");
        let (id, name, result) = read_result(&mut Reader::new(&w.bytes), v()).unwrap();
        assert_eq!((id, name), (9, "export_smiles"));
        assert_eq!(
            result,
            IntegrationResult::Smiles {
                smiles: vec!["C".into(), "N".into()]
            }
        );
        let mut w = Writer::default();
        w.u32(1).u32(12345);
        let e = read_result(&mut Reader::new(&w.bytes), v()).unwrap_err();
        assert!(e.to_string().contains("none nanome-lib has"), "{e}");
    }

    #[test]
    fn complexes_go_both_ways() {
        let pdb = b"ATOM      1  N   GLY A   1       0.000   0.000   0.000  1.00  0.00           N
ATOM      2  CA  GLY A   1       1.450   0.000   0.000  1.00  0.00           C
END
";
        let (c, _) = super::super::files::parse_loaded("gly.pdb", pdb, 1 << 20).unwrap();
        let req = IntegrationRequest::HydrogenAdd {
            complexes: vec![c.clone()],
        };
        let body = write_request(v(), 3, &req);
        // The plugin answers with what it was sent.
        let mut w = Writer::default();
        w.bytes.extend_from_slice(&body);
        let (id, _, result) = read_result(&mut Reader::new(&w.bytes), v()).unwrap();
        let IntegrationResult::Complexes { complexes } = result else {
            panic!("{result:?}")
        };
        assert_eq!((id, complexes[0].atoms().count()), (3, c.atoms().count()));
    }
}
