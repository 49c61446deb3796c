//! A complex on the wire: its chains, residues, atoms and bonds as columns.
//!
//! One CBOR map per atom made a 100k-atom complex cost ~100k map headers, ~1.5M keys and
//! two allocations per atom to decode. Here each field of a level is one byte string of
//! little-endian values (`position`: 12 bytes per atom, `element`: one byte, …), and text
//! (atom names, residue codes, chain names, labels) is an index into the complex's string
//! table. The tree is rebuilt from counts: each molecule head says how many chains it has,
//! each chain how many residues, each residue how many atoms and bonds.
//!
//! Decoding is total and bounded: every count is summed in 64 bits and capped, every
//! column's length is checked against its level's count before any value is read, every
//! string index and enum byte is checked, and each level that has members must carry one
//! column proportional to its count (so a few bytes cannot make the decoder allocate a
//! million atoms). `schemas/structure.cddl` describes the columns.
//!
//! `column` holds the column types, `build` the writer (level by level, in tree order; the
//! tree's encoder and the file readers share it), `decode` the reader, `packed` a
//! complex kept in this form (the session's storage).

mod build;
mod column;
mod decode;
mod packed;
#[cfg(test)]
mod packed_tests;
#[cfg(test)]
mod tests;

use super::*;
use column::Column;
use serde::{Deserializer, Serializer};

pub(crate) use build::{AtomRow, Builder, ResidueRow, Sizes};
pub use packed::Packed;

/// Most chains, residues (each) in one complex: no more than atoms.
const MAX_PARTS: u64 = MAX_ATOMS as u64;

/// Atom flag bits (the `flags` column).
const HET: u8 = 1;
const SELECTED: u8 = 2;
const LABELED: u8 = 4;
const ACCEPTOR: u8 = 8;
const DONOR: u8 = 16;
/// Residue flag bits.
const RIBBONED: u8 = 1;
const RES_LABELED: u8 = 2;

/// `flag` if `on`, else no bit.
fn bit(on: bool, flag: u8) -> u8 {
    if on { flag } else { 0 }
}

/// An enum that travels as one byte, its declaration index (the enums are `repr(u8)`).
trait ByteCode: Copy + 'static {
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// The value of byte `b`, if it is one.
    fn from_byte(b: u8) -> Option<Self> {
        Self::ALL.get(b as usize).copied()
    }
}

macro_rules! byte_of {
    ($($t:ty),*) => {$(
        impl From<$t> for u8 {
            fn from(v: $t) -> u8 {
                v as u8
            }
        }
    )*};
}
byte_of!(SecondaryStructure, RibbonMode, AtomRenderingMode, BondKind);

impl ByteCode for SecondaryStructure {
    const ALL: &'static [Self] = &[Self::Unknown, Self::Coil, Self::Sheet, Self::Helix];
}
impl ByteCode for RibbonMode {
    const ALL: &'static [Self] = &[Self::SecondaryStructure, Self::AdaptiveTube, Self::Coil];
}
impl ByteCode for AtomRenderingMode {
    const ALL: &'static [Self] = &[
        Self::BallStick,
        Self::Stick,
        Self::Wire,
        Self::VanDerWaals,
        Self::Point,
        Self::BFactor,
        Self::Adaptive,
    ];
}
impl ByteCode for BondKind {
    const ALL: &'static [Self] = &[
        Self::Unknown,
        Self::CovalentSingle,
        Self::CovalentDouble,
        Self::CovalentTriple,
        Self::Aromatic,
    ];
}

/// Wire form of a complex (`complex` in `schemas/structure.cddl`).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct Wire {
    #[serde(skip_serializing_if = "is_unindexed")]
    index: i64,
    name: String,
    #[serde(skip_serializing_if = "is_true")]
    visible: bool,
    #[serde(skip_serializing_if = "is_default")]
    locked: bool,
    #[serde(skip_serializing_if = "is_default")]
    boxed: bool,
    #[serde(skip_serializing_if = "is_default")]
    computing: bool,
    #[serde(skip_serializing_if = "is_default")]
    current_frame: u32,
    #[serde(skip_serializing_if = "is_default")]
    position: Vec3,
    #[serde(skip_serializing_if = "is_identity")]
    rotation: Quat,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    remarks: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "String::is_empty")]
    box_label: String,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "bounded::<_, _, MAX_FRAMES>"
    )]
    molecules: Vec<MoleculeHead>,
    #[serde(
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "bounded::<_, _, MAX_STRINGS>"
    )]
    strings: Vec<Name>,
    #[serde(skip_serializing_if = "Option::is_none")]
    chains: Option<ChainColumns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    residues: Option<ResidueColumns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    atoms: Option<AtomColumns>,
    #[serde(skip_serializing_if = "Option::is_none")]
    bonds: Option<BondColumns>,
}

impl Default for Wire {
    fn default() -> Self {
        let c = Complex::default();
        Wire {
            index: c.index,
            name: c.name,
            visible: c.visible,
            locked: c.locked,
            boxed: c.boxed,
            computing: c.computing,
            current_frame: c.current_frame,
            position: c.position,
            rotation: c.rotation,
            remarks: c.remarks,
            box_label: c.box_label,
            molecules: vec![],
            strings: vec![],
            chains: None,
            residues: None,
            atoms: None,
            bonds: None,
        }
    }
}

/// A molecule and how many chains of the chain columns are its own.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
struct MoleculeHead {
    #[serde(skip_serializing_if = "is_unindexed")]
    index: i64,
    #[serde(skip_serializing_if = "String::is_empty")]
    name: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    associated: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "is_default")]
    chains: u32,
}

impl Default for MoleculeHead {
    fn default() -> Self {
        MoleculeHead {
            index: -1,
            name: String::new(),
            associated: BTreeMap::new(),
            chains: 0,
        }
    }
}

/// A sequence of at most `MAX` items: refused at the first item beyond, before it is read
/// (an empty map or text is one byte on the wire but tens in memory).
pub(crate) fn bounded<'de, D: Deserializer<'de>, T: Deserialize<'de>, const MAX: usize>(
    d: D,
) -> Result<Vec<T>, D::Error> {
    struct V<T, const MAX: usize>(std::marker::PhantomData<T>);
    impl<'de, T: Deserialize<'de>, const MAX: usize> serde::de::Visitor<'de> for V<T, MAX> {
        type Value = Vec<T>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            write!(f, "an array of at most {MAX} items")
        }
        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(MAX).min(4096));
            while let Some(item) = seq.next_element()? {
                if out.len() == MAX {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX} items in one list"
                    )));
                }
                out.push(item);
            }
            Ok(out)
        }
    }
    d.deserialize_seq(V::<T, MAX>(std::marker::PhantomData))
}

/// Serde for an optional column: absent when `None`.
macro_rules! columns {
    ($(#[$doc:meta])* $name:ident { $($field:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
        #[serde(default)]
        struct $name {
            $(
                #[serde(skip_serializing_if = "Option::is_none")]
                $field: Option<Column>,
            )*
        }
    };
}

columns!(
    /// Per chain: `name` (string index, required), `residues` (count), `index`.
    ChainColumns { index, name, residues }
);
columns!(
    /// Per residue: `atoms` (count, required), `bonds` (count), text as string indices,
    /// enums and flags as bytes.
    ResidueColumns {
        index, atoms, bonds, code, serial, insertion_code, name, secondary_structure,
        flags, ribbon_size, ribbon_mode, ribbon_color, label_text,
    }
);
columns!(
    /// Per atom: `position` (3 × f32, required), `element` (atomic number; 0 = see
    /// `symbols`), `symbols` (ordinal, string index pairs), and the rest.
    AtomColumns {
        index, position, element, symbols, serial, name, flags, occupancy, bfactor,
        formal_charge, partial_charge, atom_mode, atom_color, atom_scale, label_text,
    }
);
columns!(
    /// Per bond: `atoms` (ordinal pairs, required), `kind`, `index`.
    BondColumns { index, atoms, kind }
);

impl Serialize for Complex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        build::encode(self).serialize(s)
    }
}

impl<'de> Deserialize<'de> for Complex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        decode::decode(&Wire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}
