//! Molecular structures: Workspace → Complex → Molecule → Chain → Residue → Atom, plus Bond.
//!
//! Field names and defaults follow nanome-lib 0.42.1 (`index` −1 = "not yet in the
//! session's workspace"; indices are 64-bit), with its quirks fixed: a new complex's rotation
//! is the identity, enums decode strictly (an unknown value is an error, not the first
//! member). Authors work with the tree; on the wire a complex's chains, residues, atoms and
//! bonds travel as columns (see `schemas/structure.cddl`), not one map each. Bonds name their atoms by
//! ordinal: the position of the atom in its complex's traversal order
//! (molecule → chain → residue → atom), which stays valid for atoms not yet indexed.
//!
//! Per-atom and per-residue text is a [`Name`]: a string kept inline up to 24 bytes, so a
//! million atoms cost no allocation for their names and symbols.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

mod columns;
mod elements;

pub use columns::Packed;
pub(crate) use columns::{AtomRow, Builder, ResidueRow, Sizes};
pub use elements::{ELEMENTS, atomic_number};

/// Short per-atom and per-residue text (names, symbols, residue codes, labels): inline up
/// to 24 bytes, dereferences to `&str`, built with `.into()` from `&str` or `String`.
pub type Name = compact_str::CompactString;

/// A 3-vector (x, y, z), in Ångström for positions.
pub type Vec3 = [f32; 3];
/// A rotation quaternion (x, y, z, w).
pub type Quat = [f32; 4];

/// The identity rotation.
pub const IDENTITY: Quat = [0.0, 0.0, 0.0, 1.0];

fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
fn is_true(v: &bool) -> bool {
    *v
}
fn is_unindexed(v: &i64) -> bool {
    *v == -1
}
fn is_identity(q: &Quat) -> bool {
    *q == IDENTITY
}

/// The session's scene: complexes and the workspace transform.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Workspace {
    /// The complexes loaded.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "bounded_complexes"
    )]
    pub complexes: Vec<Complex>,
    /// Workspace position in the room.
    #[serde(skip_serializing_if = "is_default")]
    pub position: Vec3,
    /// Workspace rotation.
    #[serde(skip_serializing_if = "is_identity")]
    pub rotation: Quat,
    /// Workspace scale (nanome-lib's default 0.02).
    pub scale: Vec3,
}

impl Workspace {
    /// A copy with shallow complexes (no molecules): the workspace's outline.
    pub fn shallow(&self) -> Workspace {
        Workspace {
            complexes: self.complexes.iter().map(Complex::shallow).collect(),
            ..*self
        }
    }
}

impl Default for Workspace {
    fn default() -> Self {
        Workspace {
            complexes: vec![],
            position: [0.0; 3],
            rotation: IDENTITY,
            scale: [0.02; 3],
        }
    }
}

/// A list of at most [`MAX_COMPLEXES`] complexes: refused at the first beyond, before it
/// is read (an empty complex is one byte on the wire, hundreds in memory).
pub(crate) fn bounded_complexes<'de, D: serde::Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    columns::bounded::<D, T, MAX_COMPLEXES>(d)
}

/// A workspace whose complexes are kept as columns ([`Packed`]): the session's, with the
/// same wire form as [`Workspace`] (its complex list bounded by [`MAX_COMPLEXES`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PackedWorkspace {
    /// The complexes loaded.
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "bounded_complexes"
    )]
    pub complexes: Vec<Packed>,
    /// Workspace position in the room.
    #[serde(skip_serializing_if = "is_default")]
    pub position: Vec3,
    /// Workspace rotation.
    #[serde(skip_serializing_if = "is_identity")]
    pub rotation: Quat,
    /// Workspace scale.
    pub scale: Vec3,
}

impl Default for PackedWorkspace {
    fn default() -> Self {
        PackedWorkspace::outline(&Workspace::default())
    }
}

impl PackedWorkspace {
    /// The columns of `w`'s complexes.
    pub fn pack(w: &Workspace) -> PackedWorkspace {
        PackedWorkspace {
            complexes: w.complexes.iter().map(Packed::pack).collect(),
            ..PackedWorkspace::outline(w)
        }
    }

    /// `w`'s transform, without complexes.
    fn outline(w: &Workspace) -> PackedWorkspace {
        PackedWorkspace {
            complexes: vec![],
            position: w.position,
            rotation: w.rotation,
            scale: w.scale,
        }
    }

    /// The tree.
    pub fn unpack(&self) -> Workspace {
        Workspace {
            complexes: self.complexes.iter().map(Packed::unpack).collect(),
            ..self.shallow()
        }
    }

    /// The tree with shallow complexes (no molecules): the workspace's outline.
    pub fn shallow(&self) -> Workspace {
        Workspace {
            complexes: self.complexes.iter().map(Packed::shallow).collect(),
            position: self.position,
            rotation: self.rotation,
            scale: self.scale,
        }
    }
}

/// A loaded structure (one file, usually), with frames as molecules.
#[derive(Debug, Clone, PartialEq)]
pub struct Complex {
    /// Index in the session's workspace; −1 before it is added.
    pub index: i64,
    /// Display name.
    pub name: String,
    /// Molecules; with several, each is a frame and `current_frame` picks one.
    pub molecules: Vec<Molecule>,
    /// Shown.
    pub visible: bool,
    /// Locked against moving.
    pub locked: bool,
    /// Drawn with a bounding box.
    pub boxed: bool,
    /// A computation runs on it (shows a spinner).
    pub computing: bool,
    /// The frame shown.
    pub current_frame: u32,
    /// Position in the workspace.
    pub position: Vec3,
    /// Rotation in the workspace.
    pub rotation: Quat,
    /// File remarks (PDB REMARK, SDF tags).
    pub remarks: BTreeMap<String, String>,
    /// Label on the bounding box.
    pub box_label: String,
}

impl Default for Complex {
    fn default() -> Self {
        Complex {
            index: -1,
            name: "complex".into(),
            molecules: vec![],
            visible: true,
            locked: false,
            boxed: false,
            computing: false,
            current_frame: 0,
            position: [0.0; 3],
            rotation: IDENTITY,
            remarks: BTreeMap::new(),
            box_label: String::new(),
        }
    }
}

/// A molecule (a frame of its complex).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Molecule {
    /// Index in the workspace; −1 before it is added.
    pub index: i64,
    /// Name.
    pub name: String,
    /// Associated data (SDF tags).
    pub associated: BTreeMap<String, String>,
    /// Chains.
    pub chains: Vec<Chain>,
}

/// A chain.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chain {
    /// Index in the workspace; −1 before it is added.
    pub index: i64,
    /// Chain name (PDB chain id; HETATM-only chains are prefixed "H" as in nanome-lib).
    pub name: Name,
    /// Residues.
    pub residues: Vec<Residue>,
}

/// Secondary structure of a residue.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)] // on the wire as this byte, its declaration index (`columns`)
pub enum SecondaryStructure {
    /// Not computed.
    #[default]
    Unknown,
    /// Coil.
    Coil,
    /// β-sheet.
    Sheet,
    /// α-helix.
    Helix,
}

/// How a residue's ribbon is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)] // on the wire as this byte, its declaration index (`columns`)
pub enum RibbonMode {
    /// By secondary structure.
    #[default]
    SecondaryStructure,
    /// Tube whose width follows the B-factor.
    AdaptiveTube,
    /// Coil.
    Coil,
}

/// A residue, with its atoms and the bonds it owns.
#[derive(Debug, Clone, PartialEq)]
pub struct Residue {
    /// Index in the workspace; −1 before it is added.
    pub index: i64,
    /// Residue code, e.g. `ALA`, `HOH` (nanome-lib's `type`).
    pub code: Name,
    /// Sequence number.
    pub serial: i32,
    /// Insertion code (PDB column 27): tells apart residues that share a sequence number,
    /// as antibody numbering does; blank when none. Not in nanome-lib.
    pub insertion_code: char,
    /// Name.
    pub name: Name,
    /// Secondary structure.
    pub secondary_structure: SecondaryStructure,
    /// Ribbon shown.
    pub ribboned: bool,
    /// Ribbon size.
    pub ribbon_size: f32,
    /// Ribbon mode.
    pub ribbon_mode: RibbonMode,
    /// Ribbon colour, `0xRRGGBBAA` (alpha 0: the session's default colouring).
    pub ribbon_color: u32,
    /// Label shown.
    pub labeled: bool,
    /// Label text.
    pub label_text: Name,
    /// Atoms.
    pub atoms: Vec<Atom>,
    /// Bonds this residue owns (a peptide bond may join an atom of the next residue).
    pub bonds: Vec<Bond>,
}

impl Default for Residue {
    fn default() -> Self {
        Residue {
            index: -1,
            code: Name::default(),
            serial: 1,
            insertion_code: ' ',
            name: Name::default(),
            secondary_structure: SecondaryStructure::Unknown,
            ribboned: true,
            ribbon_size: 1.0,
            ribbon_mode: RibbonMode::SecondaryStructure,
            ribbon_color: 0,
            labeled: false,
            label_text: Name::default(),
            atoms: vec![],
            bonds: vec![],
        }
    }
}

/// How an atom is drawn.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)] // on the wire as this byte, its declaration index (`columns`)
pub enum AtomRenderingMode {
    /// Ball and stick.
    #[default]
    BallStick,
    /// Sticks.
    Stick,
    /// Wire.
    Wire,
    /// Van der Waals spheres.
    VanDerWaals,
    /// Points.
    Point,
    /// Sized by B-factor.
    BFactor,
    /// Adaptive.
    Adaptive,
}

/// An atom.
#[derive(Debug, Clone, PartialEq)]
pub struct Atom {
    /// Index in the workspace; −1 before it is added.
    pub index: i64,
    /// Element symbol, e.g. `C`, `Fe`.
    pub symbol: Name,
    /// Serial number in its file.
    pub serial: i32,
    /// Atom name, e.g. `CA`.
    pub name: Name,
    /// Position in the complex's frame (Å).
    pub position: Vec3,
    /// From a HETATM record.
    pub is_het: bool,
    /// Occupancy.
    pub occupancy: f32,
    /// B-factor.
    pub bfactor: f32,
    /// Formal charge.
    pub formal_charge: i32,
    /// Partial charge.
    pub partial_charge: f32,
    /// Selected in the session.
    pub selected: bool,
    /// Label shown.
    pub labeled: bool,
    /// Label text.
    pub label_text: Name,
    /// Rendering mode.
    pub atom_mode: AtomRenderingMode,
    /// Colour `0xRRGGBBAA` (alpha 0: the session's default colouring).
    pub atom_color: u32,
    /// Sphere scale in ball-and-stick modes.
    pub atom_scale: f32,
    /// Hydrogen-bond acceptor.
    pub acceptor: bool,
    /// Hydrogen-bond donor.
    pub donor: bool,
}

impl Default for Atom {
    fn default() -> Self {
        Atom {
            index: -1,
            symbol: "C".into(),
            serial: 1,
            name: "default".into(),
            position: [0.0; 3],
            is_het: false,
            occupancy: 0.0,
            bfactor: 0.0,
            formal_charge: 0,
            partial_charge: 0.0,
            selected: false,
            labeled: false,
            label_text: Name::default(),
            atom_mode: AtomRenderingMode::BallStick,
            atom_color: 0,
            atom_scale: 0.5,
            acceptor: false,
            donor: false,
        }
    }
}

/// Bond order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)] // on the wire as this byte, its declaration index (`columns`)
pub enum BondKind {
    /// Unknown order.
    Unknown,
    /// Single.
    #[default]
    CovalentSingle,
    /// Double.
    CovalentDouble,
    /// Triple.
    CovalentTriple,
    /// Aromatic.
    Aromatic,
}

/// A bond between two atoms of one complex, named by their ordinals in that complex.
#[derive(Debug, Clone, PartialEq)]
pub struct Bond {
    /// Index in the workspace; −1 before it is added.
    pub index: i64,
    /// Ordinal of the first atom in its complex.
    pub atom1: u32,
    /// Ordinal of the second atom.
    pub atom2: u32,
    /// Bond order.
    pub kind: BondKind,
}

impl Complex {
    /// Every atom, in ordinal order (molecule → chain → residue → atom).
    pub fn atoms(&self) -> impl Iterator<Item = &Atom> {
        self.residues().flat_map(|r| r.atoms.iter())
    }

    /// Every residue, in order.
    pub fn residues(&self) -> impl Iterator<Item = &Residue> {
        self.molecules
            .iter()
            .flat_map(|m| m.chains.iter())
            .flat_map(|c| c.residues.iter())
    }

    /// Every chain, mutably, in order.
    pub fn chains_mut(&mut self) -> impl Iterator<Item = &mut Chain> {
        self.molecules.iter_mut().flat_map(|m| m.chains.iter_mut())
    }

    /// Every residue, mutably, in order.
    pub fn residues_mut(&mut self) -> impl Iterator<Item = &mut Residue> {
        self.chains_mut().flat_map(|c| c.residues.iter_mut())
    }

    /// Every atom, mutably, in ordinal order.
    pub fn atoms_mut(&mut self) -> impl Iterator<Item = &mut Atom> {
        self.residues_mut().flat_map(|r| r.atoms.iter_mut())
    }

    /// Every bond.
    pub fn bonds(&self) -> impl Iterator<Item = &Bond> {
        self.residues().flat_map(|r| r.bonds.iter())
    }

    /// Number of atoms.
    pub fn atom_count(&self) -> usize {
        self.residues().map(|r| r.atoms.len()).sum()
    }

    /// Gives back the room its vectors grew into while it was built atom by atom (up to
    /// 60 % more than the atoms need, a file's residues being a few atoms each).
    pub fn shrink_to_fit(&mut self) {
        for m in &mut self.molecules {
            m.chains.shrink_to_fit();
            for c in &mut m.chains {
                c.residues.shrink_to_fit();
                for r in &mut c.residues {
                    r.atoms.shrink_to_fit();
                    r.bonds.shrink_to_fit();
                }
            }
        }
        self.molecules.shrink_to_fit();
    }

    /// A copy without molecules (nanome-lib's "shallow" complex).
    pub fn shallow(&self) -> Complex {
        Complex {
            molecules: vec![],
            ..self.clone()
        }
    }

    /// Checks what a decoder cannot: bonds name existing atoms, sizes are bounded.
    pub fn validate(&self) -> Result<(), super::Invalid> {
        let atoms = self.atom_count();
        if atoms > MAX_ATOMS {
            return Err(super::Invalid::new(format!(
                "complex {:?} has {atoms} atoms; at most {MAX_ATOMS} are accepted",
                self.name
            )));
        }
        let parts = [
            (
                "chains",
                self.molecules.iter().map(|m| m.chains.len()).sum::<usize>(),
                MAX_ATOMS,
            ),
            ("residues", self.residues().count(), MAX_ATOMS),
            ("bonds", self.bonds().count(), MAX_BONDS),
            ("frames", self.molecules.len(), MAX_FRAMES),
        ];
        if let Some((what, n, max)) = parts.into_iter().find(|(_, n, max)| n > max) {
            return Err(super::Invalid::new(format!(
                "complex {:?} has {n} {what}; at most {max} are accepted",
                self.name
            )));
        }
        if let Some(r) = self
            .residues()
            .find(|r| !r.insertion_code.is_ascii() || !r.ribbon_size.is_finite())
        {
            return Err(super::Invalid::new(format!(
                "complex {:?}: residue {} {} has insertion code {:?} (one ASCII character) or \
                 ribbon size {} (finite)",
                self.name, r.code, r.serial, r.insertion_code, r.ribbon_size
            )));
        }
        if let Some(a) = self
            .atoms()
            .find(|a| a.position.iter().any(|v| !v.is_finite()))
        {
            return Err(super::Invalid::new(format!(
                "complex {:?}: atom {} {} has a non-finite position",
                self.name, a.name, a.serial
            )));
        }
        if let Some(b) = self
            .bonds()
            .find(|b| b.atom1 as usize >= atoms || b.atom2 as usize >= atoms || b.atom1 == b.atom2)
        {
            return Err(super::Invalid::new(format!(
                "complex {:?}: bond {}–{} does not join two distinct atoms of the {atoms} it has",
                self.name, b.atom1, b.atom2
            )));
        }
        if !self.molecules.is_empty() && self.current_frame as usize >= self.molecules.len() {
            return Err(super::Invalid::new(format!(
                "complex {:?}: current_frame {} but {} frames",
                self.name,
                self.current_frame,
                self.molecules.len()
            )));
        }
        Ok(())
    }
}

/// Most atoms accepted in one complex (chains and residues likewise).
pub const MAX_ATOMS: usize = 5_000_000;
/// Most bonds accepted in one complex.
pub const MAX_BONDS: usize = 2 * MAX_ATOMS;
/// Most frames (molecules) in one complex.
pub const MAX_FRAMES: usize = 100_000;
/// Most complexes a workspace holds.
pub const MAX_COMPLEXES: usize = 1024;
/// Most entries in a complex's string table (its distinct names, codes and labels).
pub const MAX_STRINGS: usize = MAX_ATOMS;
/// Most bytes of text a complex's parts may hold beyond what their names keep inline: a
/// long label referenced by a million atoms would otherwise be a million copies.
pub const MAX_TEXT: usize = 64 << 20;

#[cfg(test)]
mod tests {
    use super::*;

    fn water() -> Complex {
        let atom = |symbol: &str, name: &str, x: f32| Atom {
            symbol: symbol.into(),
            name: name.into(),
            position: [x, 0.0, 0.0],
            ..Default::default()
        };
        let residue = Residue {
            code: "HOH".into(),
            atoms: vec![
                atom("O", "O", 0.0),
                atom("H", "H1", 0.96),
                atom("H", "H2", -0.24),
            ],
            bonds: vec![
                Bond {
                    index: -1,
                    atom1: 0,
                    atom2: 1,
                    kind: BondKind::CovalentSingle,
                },
                Bond {
                    index: -1,
                    atom1: 0,
                    atom2: 2,
                    kind: BondKind::CovalentSingle,
                },
            ],
            ..Default::default()
        };
        Complex {
            name: "water".into(),
            molecules: vec![Molecule {
                chains: vec![Chain {
                    name: "A".into(),
                    residues: vec![residue],
                    ..Default::default()
                }],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn round_trips_and_omits_defaults() {
        let c = water();
        let mut bytes = Vec::new();
        ciborium::into_writer(&c, &mut bytes).unwrap();
        let back: Complex = ciborium::from_reader(&bytes[..]).unwrap();
        assert_eq!(back, c);
        // Three atoms with names, symbols and 12-byte positions, and nothing else, fit in
        // well under 100 bytes each.
        assert!(bytes.len() < 300, "{} bytes", bytes.len());
    }

    #[test]
    fn bonds_must_name_existing_atoms() {
        let mut c = water();
        assert!(c.validate().is_ok());
        c.molecules[0].chains[0].residues[0].bonds[0].atom2 = 3;
        assert!(c.validate().unwrap_err().message.contains("bond 0–3"));
    }
}
