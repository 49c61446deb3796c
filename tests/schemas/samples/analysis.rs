//! Analysis, volume and interaction samples.

use crate::samples::structure::minimal_complex;
use nts::api::analysis::*;
use nts::api::interaction::*;
use nts::api::structure::*;
use nts::api::volume::*;

/// Substructures of a small protein-ligand complex, one of each type.
pub(crate) fn substructure_samples() -> Vec<Substructure> {
    vec![
        Substructure {
            name: "A".into(),
            kind: SubstructureType::Protein,
            residues: vec![1101, 1102],
        },
        Substructure {
            name: "LIG".into(),
            kind: SubstructureType::Ligand,
            residues: vec![i64::MAX],
        },
        Substructure {
            name: "solvent".into(),
            kind: SubstructureType::Solvent,
            residues: vec![],
        },
    ]
}

/// Every colour scheme, on every target, with and without only_carbons.
pub(crate) fn color_scheme_samples() -> impl Iterator<Item = ApplyColorScheme> {
    let targets = [
        ColorSchemeTarget::AtomBond,
        ColorSchemeTarget::Ribbon,
        ColorSchemeTarget::Surface,
        ColorSchemeTarget::All,
    ];
    [
        ColorScheme::Residue,
        ColorScheme::Occupancy,
        ColorScheme::BFactor,
        ColorScheme::Element,
        ColorScheme::Rainbow,
        ColorScheme::Chain,
        ColorScheme::DonorAcceptor,
        ColorScheme::SecondaryStructure,
        ColorScheme::Monochrome,
        ColorScheme::YrbHydrophobicity,
        ColorScheme::Hydrophobicity,
        ColorScheme::Imgt,
        ColorScheme::Kabat,
        ColorScheme::Chothia,
        ColorScheme::Apf,
        ColorScheme::BFactorAf,
    ]
    .into_iter()
    .enumerate()
    .map(move |(i, scheme)| ApplyColorScheme {
        scheme,
        target: targets[i % targets.len()],
        only_carbons: i % 3 == 0,
    })
}

/// Volumes of every type and style on a 2×2×2 grid: one with everything away from its
/// defaults, the others plain.
pub(crate) fn volume_samples() -> Vec<AddVolume> {
    let values = [0.0, 0.5, 1.0, 1.5, -0.25, 2.0, 0.125, 3.0];
    let grid = || VolumeData::from_values(2, 2, 2, &values);
    let mut v = vec![AddVolume {
        complex: Complex {
            name: "1abc 2Fo-Fc".into(),
            ..minimal_complex()
        },
        align_to: 3,
        volume: VolumeData {
            kind: VolumeType::Density,
            name: "2FoFc ✓".into(),
            cell: UnitCell {
                lengths: [40.0, 50.5, 61.25],
                angles: [90.0, 100.5, 90.0],
                origin: [-10.0, 0.0, 5.0],
            },
            ..grid()
        },
        properties: VolumeProperties {
            visible: false,
            boxed: false,
            use_map_mover: false,
            style: VolumeStyle::SmoothSurface,
            layers: vec![
                VolumeLayer {
                    color: 0x3366_ffff,
                    rmsd: 1.0,
                },
                VolumeLayer {
                    color: 0xff00_0080,
                    rmsd: -3.0,
                },
            ],
        },
    }];
    let styles = [
        VolumeStyle::Mesh,
        VolumeStyle::FlatSurface,
        VolumeStyle::SmoothSurface,
    ];
    for (i, kind) in [
        VolumeType::Default,
        VolumeType::Density,
        VolumeType::DensityDiff,
        VolumeType::CryoEm,
        VolumeType::Electrostatic,
    ]
    .into_iter()
    .enumerate()
    {
        v.push(AddVolume {
            complex: Complex::default(),
            align_to: -1,
            volume: VolumeData { kind, ..grid() },
            properties: VolumeProperties {
                style: styles[i % styles.len()],
                ..Default::default()
            },
        });
    }
    v
}

/// Interactions of every kind between two atoms, then groups, conformations and
/// extremes; `indexed` ones as the session reports them, the others as an instance
/// creates them.
pub(crate) fn interaction_samples(indexed: bool) -> Vec<Interaction> {
    let kinds = [
        InteractionKind::Covalent,
        InteractionKind::HydrogenBond,
        InteractionKind::Ionic,
        InteractionKind::XBond,
        InteractionKind::MetalComplex,
        InteractionKind::Aromatic,
        InteractionKind::Hydrophobic,
        InteractionKind::VanDerWaals,
        InteractionKind::VanDerWaalsClash,
        InteractionKind::WeakHBond,
        InteractionKind::Polar,
        InteractionKind::WeakPolar,
        InteractionKind::Clash,
        InteractionKind::Carbonyl,
        InteractionKind::CarbonPi,
        InteractionKind::CationPi,
        InteractionKind::DonorPi,
        InteractionKind::HalogenPi,
        InteractionKind::MetsulphurPi,
        InteractionKind::Proximal,
    ];
    let index = |i: usize| if indexed { i as i64 } else { -1 };
    let mut v: Vec<Interaction> = kinds
        .into_iter()
        .enumerate()
        .map(|(i, kind)| Interaction {
            index: index(i),
            ..Interaction::new(kind, 1001 + i as i64, 2001)
        })
        .collect();
    v.extend([
        // A ring stacked on a ring, in given conformers, hidden.
        Interaction {
            index: index(100),
            kind: InteractionKind::Aromatic,
            atom1: (1008..1014).collect(),
            atom2: (2008..2014).collect(),
            atom1_conformation: Some(0),
            atom2_conformation: Some(u32::MAX),
            visible: false,
        },
        Interaction {
            index: if indexed { i64::MAX } else { -1 },
            atom2_conformation: Some(2),
            ..Interaction::new(InteractionKind::HydrogenBond, i64::MIN, i64::MAX)
        },
    ]);
    v
}
