//! Structure samples: atoms, bonds, a full and a minimal complex, a workspace.

use nts::api::link::*;
use nts::api::structure::*;
use nts::wire::chunk::{Chunk, split};
use nts::wire::{Envelope, Message, encode};
use std::f32::consts::FRAC_1_SQRT_2;

/// An atom with its defaults but for name, element and position.
fn atom(name: &str, symbol: &str, position: Vec3) -> Atom {
    Atom {
        symbol: symbol.into(),
        name: name.into(),
        position,
        ..Default::default()
    }
}

fn bond(atom1: u32, atom2: u32, kind: BondKind) -> Bond {
    Bond {
        index: -1,
        atom1,
        atom2,
        kind,
    }
}

/// One frame of [`full_complex`]: an Ala-Gly peptide in chain A and a ligand in chain HB,
/// with every enum value and most fields away from their defaults somewhere. `indexed`
/// frames carry workspace indices, the others (like new structures) none.
pub(crate) fn frame(model: u32, indexed: bool) -> Molecule {
    let dx = model as f32 * 0.125;
    let ix = |i: i64| {
        if indexed {
            1000 * i64::from(model + 1) + i
        } else {
            -1
        }
    };
    let modes = [
        AtomRenderingMode::BallStick,
        AtomRenderingMode::Stick,
        AtomRenderingMode::Wire,
        AtomRenderingMode::VanDerWaals,
        AtomRenderingMode::Point,
        AtomRenderingMode::BFactor,
        AtomRenderingMode::Adaptive,
    ];
    let mut ala = vec![
        atom("N", "N", [-0.966 + dx, 0.493, 1.500]),
        atom("CA", "C", [0.257 + dx, 0.418, 0.692]),
        atom("C", "C", [-0.094 + dx, 0.017, -0.716]),
        atom("O", "O", [-1.056 + dx, -0.682, -0.923]),
        atom("CB", "C", [1.204 + dx, -0.620, 1.296]),
    ];
    for (i, (a, mode)) in ala.iter_mut().zip(modes).enumerate() {
        a.index = ix(i as i64);
        a.serial = i as i32 + 1;
        a.atom_mode = mode;
        a.occupancy = 1.0;
        a.bfactor = 23.17 + i as f32;
    }
    ala[0].donor = true;
    ala[1].selected = true;
    ala[1].labeled = true;
    ala[1].label_text = "Cα".into();
    ala[1].atom_color = 0xff00_00ff;
    ala[1].atom_scale = 0.8;
    ala[2].atom_scale = 0.0;
    ala[3].acceptor = true;
    ala[3].partial_charge = -0.57;
    ala[4].occupancy = 0.5;
    let mut gly = vec![
        atom("N", "N", [0.652 + dx, 0.575, -1.678]),
        atom("CA", "C", [0.425 + dx, 0.219, -3.052]),
        atom("OXT", "O", [1.100 + dx, 1.020, -3.900]),
    ];
    for (i, a) in gly.iter_mut().enumerate() {
        a.index = ix(5 + i as i64);
        a.serial = 6 + i as i32;
        a.atom_mode = modes[5 + i % 2];
    }
    gly[2].formal_charge = -1;
    gly[2].partial_charge = -0.8;
    let mut ligand = vec![
        atom("C1", "C", [5.0 + dx, 5.0, 5.0]),
        atom("C2", "C", [6.2 + dx, 5.0, 5.0]),
        atom("N3", "N", [7.35 + dx, 5.0, 5.0]),
        atom("FE", "Fe", [3.0 + dx, 5.0, 5.0]),
    ];
    for (i, a) in ligand.iter_mut().enumerate() {
        a.index = ix(8 + i as i64);
        a.serial = 900 + i as i32;
        a.is_het = true;
        a.atom_mode = modes[i % 2];
    }
    ligand[3].formal_charge = 2;
    ligand[3].partial_charge = 1.25;
    ligand[3].selected = true;
    ligand[3].atom_scale = 1.25;
    let residue = |code: &str, serial: i32| Residue {
        index: ix(100 + i64::from(serial)),
        code: code.into(),
        serial,
        ..Default::default()
    };
    let peptide = [
        Residue {
            name: "alanine".into(),
            secondary_structure: SecondaryStructure::Helix,
            ribbon_mode: RibbonMode::AdaptiveTube,
            ribbon_color: 0x3366_ffff,
            ribbon_size: 1.5,
            labeled: true,
            label_text: "Ala 1".into(),
            atoms: ala,
            bonds: vec![
                Bond {
                    index: ix(200),
                    ..bond(0, 1, BondKind::CovalentSingle)
                },
                bond(1, 2, BondKind::CovalentSingle),
                bond(2, 3, BondKind::CovalentDouble),
                bond(1, 4, BondKind::CovalentSingle),
                // The peptide bond, to the next residue's N.
                bond(2, 5, BondKind::CovalentSingle),
            ],
            ..residue("ALA", 1)
        },
        Residue {
            secondary_structure: SecondaryStructure::Sheet,
            ribbon_mode: RibbonMode::Coil,
            ribbon_size: 0.1,
            atoms: gly,
            bonds: vec![bond(5, 6, BondKind::CovalentSingle)],
            ..residue("GLY", 2)
        },
    ];
    let het = Residue {
        secondary_structure: SecondaryStructure::Coil,
        ribboned: false,
        atoms: ligand,
        bonds: vec![
            bond(8, 9, BondKind::Aromatic),
            bond(9, 10, BondKind::CovalentTriple),
            bond(8, 11, BondKind::Unknown),
        ],
        ..residue("LIG", -501)
    };
    Molecule {
        index: ix(0),
        name: format!("MODEL {}", model + 1),
        associated: [("source".to_string(), "rcsb".to_string())].into(),
        chains: vec![
            Chain {
                index: ix(50),
                name: "A".into(),
                residues: peptide.into(),
            },
            Chain {
                index: ix(51),
                name: "HB".into(),
                residues: vec![het],
            },
        ],
    }
}

/// A two-frame complex as the session holds it, showing its second frame.
pub(crate) fn full_complex() -> Complex {
    Complex {
        index: 3,
        name: "1abc: Ala-Gly + ligand".into(),
        molecules: vec![frame(0, true), frame(1, true)],
        visible: false,
        locked: true,
        boxed: true,
        computing: true,
        current_frame: 1,
        position: [1.5, -2.25, 1e-3],
        rotation: [0.0, FRAC_1_SQRT_2, 0.0, FRAC_1_SQRT_2],
        remarks: [
            ("2".to_string(), "RESOLUTION. 1.90 ANGSTROMS.".to_string()),
            ("350".to_string(), String::new()),
        ]
        .into(),
        box_label: "docked".into(),
    }
}

/// A new complex as a plugin builds it: no indices, every other field at its default
/// down to one default atom and a default bond (so all of them are omitted).
pub(crate) fn minimal_complex() -> Complex {
    Complex {
        molecules: vec![Molecule {
            chains: vec![Chain {
                residues: vec![Residue {
                    atoms: vec![Atom::default(), Atom::default()],
                    bonds: vec![bond(0, 1, BondKind::default())],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

pub(crate) fn full_workspace() -> Workspace {
    Workspace {
        complexes: vec![full_complex(), minimal_complex(), Complex::default()],
        position: [0.0, 1.25, -0.5],
        rotation: [0.5, 0.5, 0.5, 0.5],
        scale: [0.05, 0.05, 0.05],
    }
}

pub(crate) fn indices(indices: &[i64]) -> Indices {
    Indices {
        indices: indices.to_vec(),
    }
}

/// The chunks of `msg` sent in 1 KiB parts, and an empty one-part transfer.
pub(crate) fn chunks<M: Message>(msg: M) -> impl Iterator<Item = Chunk> {
    let parts = split(&encode(&Envelope::with_id(7, msg)), 1024);
    assert!(parts.len() > 1, "the sample should need several chunks");
    parts.into_iter().chain([Chunk {
        transfer: u64::MAX,
        seq: 0,
        count: 1,
        data: vec![],
    }])
}
