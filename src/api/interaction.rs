//! Interactions between atoms (hydrogen bonds, salt bridges, π stacking, …) that Nanome
//! draws and plugins create, list and destroy (nanome-lib's `Interaction`).

use serde::{Deserialize, Serialize};

/// Most atoms on one side of an interaction (a ring or a group).
pub const MAX_SIDE: usize = 64;
/// Most interactions one session holds.
pub const MAX_INTERACTIONS: usize = 100_000;

/// What kind of interaction (nanome-lib's `InteractionKind`, without the `All` filter).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InteractionKind {
    /// Covalent.
    Covalent,
    /// Hydrogen bond.
    HydrogenBond,
    /// Ionic (salt bridge).
    Ionic,
    /// Halogen bond.
    XBond,
    /// Metal complex.
    MetalComplex,
    /// Aromatic stacking.
    Aromatic,
    /// Hydrophobic contact.
    Hydrophobic,
    /// Van der Waals contact.
    VanDerWaals,
    /// Van der Waals clash.
    VanDerWaalsClash,
    /// Weak hydrogen bond.
    WeakHBond,
    /// Polar contact.
    Polar,
    /// Weak polar contact.
    WeakPolar,
    /// Clash.
    Clash,
    /// Carbonyl.
    Carbonyl,
    /// Carbon–π.
    CarbonPi,
    /// Cation–π.
    CationPi,
    /// Donor–π.
    DonorPi,
    /// Halogen–π.
    HalogenPi,
    /// Methionine sulphur–π.
    MetsulphurPi,
    /// Proximal.
    Proximal,
}

fn unindexed() -> i64 {
    -1
}
fn yes() -> bool {
    true
}

/// An interaction between two groups of atoms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Interaction {
    /// Index (−1 until the session assigns one).
    #[serde(default = "unindexed")]
    pub index: i64,
    /// What kind.
    pub kind: InteractionKind,
    /// One side, by atom index.
    pub atom1: Vec<i64>,
    /// The other side.
    pub atom2: Vec<i64>,
    /// Conformer of side 1 (absent: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atom1_conformation: Option<u32>,
    /// Conformer of side 2 (absent: all).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub atom2_conformation: Option<u32>,
    /// Drawn.
    #[serde(default = "yes")]
    pub visible: bool,
}

impl Interaction {
    /// A visible interaction between two atoms, not yet indexed.
    pub fn new(kind: InteractionKind, atom1: i64, atom2: i64) -> Self {
        Interaction {
            index: -1,
            kind,
            atom1: vec![atom1],
            atom2: vec![atom2],
            atom1_conformation: None,
            atom2_conformation: None,
            visible: true,
        }
    }
}

/// `interactions_create` and the `interactions` reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InteractionList {
    /// The interactions.
    pub interactions: Vec<Interaction>,
}

/// Ask for interactions touching these structures (all empty: every interaction).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct InteractionQuery {
    /// Complex indices.
    pub complexes: Vec<i64>,
    /// Molecule indices.
    pub molecules: Vec<i64>,
    /// Chain indices.
    pub chains: Vec<i64>,
    /// Residue indices.
    pub residues: Vec<i64>,
    /// Atom indices.
    pub atoms: Vec<i64>,
    /// Only this kind (absent: all).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<InteractionKind>,
}
