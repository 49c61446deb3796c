//! Questions and commands about structures already in the workspace: substructures
//! (proteins, ligands, solvents), colour schemes, and per-complex hooks that report
//! updates and selection changes.

use serde::{Deserialize, Serialize};

use super::structure::{Molecule, Residue};

/// What kind of part of a molecule a substructure is (nanome-lib's `SubstructureType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SubstructureType {
    /// A polymer chain: amino acids or nucleotides.
    Protein,
    /// One hetero residue that is not solvent.
    Ligand,
    /// Water and common ions.
    Solvent,
}

/// Ask for a molecule's substructures, all or of one type (reply: `substructures`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstructureRequest {
    /// The molecule's index.
    pub molecule: i64,
    /// Only this type (absent: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<SubstructureType>,
}

/// A named part of a molecule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Substructure {
    /// Chain name for proteins, residue name for ligands, `solvent` for solvent.
    pub name: String,
    /// What it is.
    pub kind: SubstructureType,
    /// Its residues, by index.
    pub residues: Vec<i64>,
}

/// Reply to `substructure_request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubstructureList {
    /// The substructures, proteins first, in chain order.
    pub substructures: Vec<Substructure>,
}

/// Amino acids (with common protonation and modification variants) and nucleotides.
const POLYMER: &[&str] = &[
    "ALA", "ARG", "ASN", "ASP", "CYS", "GLN", "GLU", "GLY", "HIS", "ILE", "LEU", "LYS", "MET",
    "PHE", "PRO", "SER", "THR", "TRP", "TYR", "VAL", "SEC", "PYL", "MSE", "HID", "HIE", "HIP",
    "HSD", "HSE", "HSP", "CYX", "ASH", "GLH", "LYN", "ACE", "NME", "A", "C", "G", "U", "I", "DA",
    "DC", "DG", "DT", "DI",
];
/// Water and ions that crystallisation buffers leave behind.
const SOLVENT: &[&str] = &[
    "HOH", "WAT", "H2O", "DOD", "SOL", "TIP", "TIP3", "TIP4", "SPC", "NA", "CL", "K", "BR", "IOD",
    "SO4", "PO4",
];

/// Which type a residue belongs to, by its code (`ALA`, `HOH`; its name if it has no
/// code): the rule `substructures` uses.
pub fn classify(residue: &Residue) -> SubstructureType {
    let name = residue_code(residue);
    if POLYMER.contains(&name.as_str()) {
        SubstructureType::Protein
    } else if SOLVENT.contains(&name.as_str()) {
        SubstructureType::Solvent
    } else {
        SubstructureType::Ligand
    }
}

/// A residue's code, upper case (its name if the code is empty).
pub fn residue_code(r: &Residue) -> String {
    let code = if r.code.trim().is_empty() {
        &r.name
    } else {
        &r.code
    };
    code.trim().to_ascii_uppercase()
}

impl Molecule {
    /// The molecule's substructures: one protein per chain with polymer residues, one
    /// ligand per other hetero residue, and one `solvent` holding every solvent residue.
    pub fn substructures(&self, only: Option<SubstructureType>) -> Vec<Substructure> {
        let mut proteins = Vec::new();
        let mut ligands = Vec::new();
        let mut solvent = Vec::new();
        for chain in &self.chains {
            let mut polymer = Vec::new();
            for r in &chain.residues {
                match classify(r) {
                    SubstructureType::Protein => polymer.push(r.index),
                    SubstructureType::Solvent => solvent.push(r.index),
                    SubstructureType::Ligand => ligands.push(Substructure {
                        name: residue_code(r),
                        kind: SubstructureType::Ligand,
                        residues: vec![r.index],
                    }),
                }
            }
            if !polymer.is_empty() {
                proteins.push(Substructure {
                    name: chain.name.to_string(),
                    kind: SubstructureType::Protein,
                    residues: polymer,
                });
            }
        }
        let mut all = proteins;
        all.extend(ligands);
        if !solvent.is_empty() {
            all.push(Substructure {
                name: "solvent".into(),
                kind: SubstructureType::Solvent,
                residues: solvent,
            });
        }
        all.retain(|s| only.is_none_or(|k| s.kind == k));
        all
    }
}

/// How to colour (nanome-lib's `ColorScheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorScheme {
    /// By residue type.
    Residue,
    /// By occupancy, blue (0) to red (1).
    Occupancy,
    /// By B-factor, blue (low) to red (high) over the atoms coloured.
    BFactor,
    /// By element (CPK).
    Element,
    /// Along the chain, blue to red.
    Rainbow,
    /// By chain.
    Chain,
    /// Donors blue, acceptors red, others grey.
    DonorAcceptor,
    /// Helix, sheet, coil.
    SecondaryStructure,
    /// One colour (white).
    Monochrome,
    /// Yellow-red-blue hydrophobicity.
    YrbHydrophobicity,
    /// Kyte-Doolittle hydrophobicity.
    Hydrophobicity,
    /// Antibody numbering (IMGT).
    Imgt,
    /// Antibody numbering (Kabat).
    Kabat,
    /// Antibody numbering (Chothia).
    Chothia,
    /// Atomic property fields.
    Apf,
    /// AlphaFold confidence stored in the B-factor.
    BFactorAf,
}

/// What a colour scheme paints (nanome-lib's `ColorSchemeTarget`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ColorSchemeTarget {
    /// Atoms and bonds.
    AtomBond,
    /// Ribbons.
    Ribbon,
    /// Surfaces.
    Surface,
    /// All of them.
    All,
}

/// Colour the selected atoms (reply: `done` when it carries an id, else only errors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyColorScheme {
    /// The scheme.
    pub scheme: ColorScheme,
    /// What it paints.
    pub target: ColorSchemeTarget,
    /// Leave non-carbon atoms as they are.
    #[serde(default)]
    pub only_carbons: bool,
}

/// Start (or stop) hearing about one complex: `complex_updated` when its content
/// changes, `selection_changed` when its selection does (nanome-lib's
/// `register_complex_updated_callback` / `register_selection_changed_callback`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplexHook {
    /// The complex's index.
    pub index: i64,
    /// Send `complex_updated`.
    #[serde(default)]
    pub updated: bool,
    /// Send `selection_changed`.
    #[serde(default)]
    pub selection: bool,
}
