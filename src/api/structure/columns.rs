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

use super::*;
use serde::{Deserializer, Serializer};
use serde_bytes::ByteBuf;
use std::collections::HashMap;

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

/// A fixed-width little-endian value of a column.
trait Le: Copy {
    const WIDTH: usize;
    fn put(self, out: &mut Vec<u8>);
    fn get(b: &[u8]) -> Self;
    /// Member `i` of a run starting at `start` (integer columns only).
    fn run(_start: i64, _i: usize) -> Option<Self> {
        None
    }
    /// This value as a run's start, if it is an integer.
    fn as_run(self) -> Option<i64> {
        None
    }
    /// Bit for bit the same value (−0.0 is not the default 0.0).
    fn same_bits(self, other: Self) -> bool;
}

macro_rules! le {
    ($($t:ty),*) => {$(
        impl Le for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("sliced to WIDTH"))
            }
            fn same_bits(self, other: Self) -> bool {
                self.to_le_bytes() == other.to_le_bytes()
            }
        }
    )*};
    (ints: $($t:ty),*) => {$(
        impl Le for $t {
            const WIDTH: usize = std::mem::size_of::<$t>();
            fn put(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
            fn get(b: &[u8]) -> Self {
                <$t>::from_le_bytes(b.try_into().expect("sliced to WIDTH"))
            }
            fn run(start: i64, i: usize) -> Option<Self> {
                run_value(start, i).and_then(|v| <$t>::try_from(v).ok())
            }
            fn as_run(self) -> Option<i64> {
                Some(self.into())
            }
            fn same_bits(self, other: Self) -> bool {
                self == other
            }
        }
    )*};
}
le!(u8, u32, f32);
le!(ints: i32, i64);

/// `start + i`, if it fits.
fn run_value(start: i64, i: usize) -> Option<i64> {
    start.checked_add(i64::try_from(i).ok()?)
}
/// A column on the wire: one value per member, or, for an integer column whose every
/// member is one more than the one before (the session's indices, a file's serials), only
/// the first member's value.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Values(ByteBuf),
    Run(i64),
}

impl Serialize for Column {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Column::Values(b) => b.serialize(s),
            Column::Run(start) => s.serialize_i64(*start),
        }
    }
}

impl<'de> Deserialize<'de> for Column {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Column;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a column: a byte string, or an integer starting a run")
            }
            fn visit_bytes<E: serde::de::Error>(self, v: &[u8]) -> Result<Column, E> {
                Ok(Column::Values(ByteBuf::from(v)))
            }
            fn visit_byte_buf<E: serde::de::Error>(self, v: Vec<u8>) -> Result<Column, E> {
                Ok(Column::Values(ByteBuf::from(v)))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Column, E> {
                Ok(Column::Run(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Column, E> {
                i64::try_from(v)
                    .map(Column::Run)
                    .map_err(|_| E::custom("a run's start must fit in 64 signed bits"))
            }
        }
        d.deserialize_any(V)
    }
}

/// A column being read: checked against its level's count when opened.
struct In<'a, T> {
    bytes: Option<&'a [u8]>,
    run: Option<i64>,
    default: T,
}

impl<'a, T: Le> In<'a, T> {
    fn open(col: &'a Option<Column>, n: usize, default: T, what: &str) -> Result<Self, String> {
        match col {
            None => Ok(In {
                bytes: None,
                run: None,
                default,
            }),
            Some(Column::Values(b)) if b.len() == n * T::WIDTH => Ok(In {
                bytes: Some(&b[..]),
                run: None,
                default,
            }),
            Some(Column::Values(b)) => Err(format!(
                "column {what} has {} bytes; {n} values of {} bytes need {}",
                b.len(),
                T::WIDTH,
                n * T::WIDTH
            )),
            // Both ends in range: every member between them is.
            Some(Column::Run(start))
                if T::run(*start, 0).is_some() && T::run(*start, n.saturating_sub(1)).is_some() =>
            {
                Ok(In {
                    bytes: None,
                    run: Some(*start),
                    default,
                })
            }
            Some(Column::Run(start)) => Err(format!(
                "column {what} is a run from {start}, but it is not an integer column or its \
                 {n} values do not fit"
            )),
        }
    }
    /// Opens a column a level with members must carry.
    fn required(col: &'a Option<Column>, n: usize, default: T, what: &str) -> Result<Self, String> {
        if n > 0 && col.is_none() {
            return Err(format!("column {what} is missing ({n} values expected)"));
        }
        Self::open(col, n, default, what)
    }
    #[inline]
    fn get(&self, i: usize) -> T {
        match (self.bytes, self.run) {
            (Some(b), _) => T::get(&b[i * T::WIDTH..(i + 1) * T::WIDTH]),
            (None, Some(start)) => T::run(start, i).unwrap_or(self.default),
            (None, None) => self.default,
        }
    }
}

/// `a == b`, inlined: names are a few bytes, where a call to `memcmp` costs more than the
/// comparison (it was a quarter of the encoding time).
#[inline]
fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

/// The complex's string table, built while encoding. Its keys come from plugins: the
/// standard (keyed) hasher, so no one can make them collide.
#[derive(Default)]
struct Strings<'a> {
    ids: HashMap<&'a str, u32>,
    list: Vec<Name>,
}

impl<'a> Strings<'a> {
    /// The index of `s`, or [`u32::MAX`] when `s` is the field's default (so a column of
    /// defaults, such as labels nobody set, is left out).
    fn or_default(&mut self, s: &'a str, default: &str) -> u32 {
        if same(s, default) {
            u32::MAX
        } else {
            self.id(s)
        }
    }

    fn id(&mut self, s: &'a str) -> u32 {
        if let Some(id) = self.ids.get(s) {
            return *id;
        }
        let id = self.list.len() as u32;
        self.ids.insert(s, id);
        self.list.push(s.into());
        id
    }
}

/// Wire form of a complex (`complex` in `schemas/structure.cddl`).
#[derive(Serialize, Deserialize)]
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
#[derive(Serialize, Deserialize)]
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
fn bounded<'de, D: Deserializer<'de>, T: Deserialize<'de>, const MAX: usize>(
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
                        "more than {MAX} items in one complex's list"
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
        #[derive(Default, Serialize, Deserialize)]
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

fn secondary_byte(s: SecondaryStructure) -> u8 {
    match s {
        SecondaryStructure::Unknown => 0,
        SecondaryStructure::Coil => 1,
        SecondaryStructure::Sheet => 2,
        SecondaryStructure::Helix => 3,
    }
}
fn secondary(b: u8) -> Option<SecondaryStructure> {
    use SecondaryStructure::*;
    [Unknown, Coil, Sheet, Helix].get(b as usize).copied()
}
fn ribbon_byte(m: RibbonMode) -> u8 {
    match m {
        RibbonMode::SecondaryStructure => 0,
        RibbonMode::AdaptiveTube => 1,
        RibbonMode::Coil => 2,
    }
}
fn ribbon(b: u8) -> Option<RibbonMode> {
    use RibbonMode::*;
    [SecondaryStructure, AdaptiveTube, Coil]
        .get(b as usize)
        .copied()
}
fn mode_byte(m: AtomRenderingMode) -> u8 {
    use AtomRenderingMode::*;
    match m {
        BallStick => 0,
        Stick => 1,
        Wire => 2,
        VanDerWaals => 3,
        Point => 4,
        BFactor => 5,
        Adaptive => 6,
    }
}
fn mode(b: u8) -> Option<AtomRenderingMode> {
    use AtomRenderingMode::*;
    [
        BallStick,
        Stick,
        Wire,
        VanDerWaals,
        Point,
        BFactor,
        Adaptive,
    ]
    .get(b as usize)
    .copied()
}
fn kind_byte(k: BondKind) -> u8 {
    use BondKind::*;
    match k {
        Unknown => 0,
        CovalentSingle => 1,
        CovalentDouble => 2,
        CovalentTriple => 3,
        Aromatic => 4,
    }
}
fn kind(b: u8) -> Option<BondKind> {
    use BondKind::*;
    [
        Unknown,
        CovalentSingle,
        CovalentDouble,
        CovalentTriple,
        Aromatic,
    ]
    .get(b as usize)
    .copied()
}

impl Serialize for Complex {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        encode(self)
            .map_err(serde::ser::Error::custom)?
            .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Complex {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        decode(Wire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// A column being written, and whether any value differs from the level's default (a
/// column of defaults is left out). All of a level's columns are written in one pass over
/// its members: a pass per column reads the whole tree once per column, which measured
/// three times slower.
struct Out<T> {
    bytes: Vec<u8>,
    default: T,
    used: bool,
}

impl<T: Le> Out<T> {
    fn new(n: usize, default: T) -> Self {
        Out {
            bytes: Vec::with_capacity(n * T::WIDTH),
            default,
            used: false,
        }
    }
    #[inline]
    fn push(&mut self, v: T) {
        self.used |= !v.same_bits(self.default);
        v.put(&mut self.bytes);
    }
    /// The column, or `None` when every value is the default.
    fn finish(self) -> Option<Column> {
        self.used.then(|| Column::Values(ByteBuf::from(self.bytes)))
    }
    /// The column even when every value is the default (a level's required column).
    fn always(self) -> Option<Column> {
        Some(Column::Values(ByteBuf::from(self.bytes)))
    }
    /// As [`Out::finish`], sent as a run when each value is one more than the one before.
    fn finish_run(self) -> Option<Column> {
        if !self.used {
            return None;
        }
        let Some(start) = T::get(&self.bytes[..T::WIDTH]).as_run() else {
            return Some(Column::Values(ByteBuf::from(self.bytes)));
        };
        let is_run = self
            .bytes
            .chunks_exact(T::WIDTH)
            .enumerate()
            .all(|(i, v)| T::get(v).as_run() == run_value(start, i));
        Some(if is_run {
            Column::Run(start)
        } else {
            Column::Values(ByteBuf::from(self.bytes))
        })
    }
}

/// The tree as columns.
fn encode(c: &Complex) -> Result<Wire, String> {
    let n_chains = c.molecules.iter().map(|m| m.chains.len()).sum::<usize>();
    let n_res = c.residues().count();
    let n_atoms = c.atom_count();
    let n_bonds = c.bonds().count();
    let mut strings = Strings::default();

    let mut ch_index = Out::new(n_chains, -1i64);
    let mut ch_name = Out::new(n_chains, u32::MAX);
    let mut ch_res = Out::new(n_chains, 0u32);
    for ch in c.molecules.iter().flat_map(|m| &m.chains) {
        ch_index.push(ch.index);
        ch_name.push(strings.or_default(&ch.name, ""));
        ch_res.push(ch.residues.len() as u32);
    }

    let n = n_res;
    let mut r_index = Out::new(n, -1i64);
    let mut r_atoms = Out::new(n, 0u32);
    let mut r_bonds = Out::new(n, 0u32);
    let mut r_code = Out::new(n, u32::MAX);
    let mut r_serial = Out::new(n, 1i32);
    let mut r_icode = Out::new(n, b' ');
    let mut r_name = Out::new(n, u32::MAX);
    let mut r_ss = Out::new(n, 0u8);
    let mut r_flags = Out::new(n, RIBBONED);
    let mut r_size = Out::new(n, 1.0f32);
    let mut r_mode = Out::new(n, 0u8);
    let mut r_color = Out::new(n, 0u32);
    let mut r_label = Out::new(n, u32::MAX);

    let n = n_atoms;
    let mut a_index = Out::new(n, -1i64);
    let mut a_pos = Out::new(3 * n, 0f32);
    let mut a_element = Out::new(n, 6u8);
    let mut a_symbols = Vec::new();
    let mut a_serial = Out::new(n, 1i32);
    let mut a_name = Out::new(n, u32::MAX);
    let mut a_flags = Out::new(n, 0u8);
    let mut a_occ = Out::new(n, 0f32);
    let mut a_bf = Out::new(n, 0f32);
    let mut a_fc = Out::new(n, 0i32);
    let mut a_pc = Out::new(n, 0f32);
    let mut a_mode = Out::new(n, 0u8);
    let mut a_color = Out::new(n, 0u32);
    let mut a_scale = Out::new(n, 0.5f32);
    let mut a_label = Out::new(n, u32::MAX);

    let mut b_index = Out::new(n_bonds, -1i64);
    let mut b_atoms = Out::new(2 * n_bonds, 0u32);
    let mut b_kind = Out::new(n_bonds, 1u8);

    // Looked up before the string table or the periodic table is searched: the last
    // residue code (residues of one kind follow each other), per place in a residue the
    // last atom name (an atom is most often named as the one at its place in the residue
    // before), and the last element (runs of one element are the rule).
    let mut last_code: Option<(&str, u32)> = None;
    let mut names: Vec<(&str, u32)> = Vec::new();
    let mut last_element: Option<(&str, u8)> = None;
    let mut ordinal = 0u32;
    for r in c.residues() {
        let code = match last_code {
            Some((s, id)) if same(s, &r.code) => id,
            _ => {
                let id = strings.or_default(&r.code, "");
                last_code = Some((&r.code, id));
                id
            }
        };
        r_index.push(r.index);
        r_atoms.push(r.atoms.len() as u32);
        r_bonds.push(r.bonds.len() as u32);
        r_code.push(code);
        r_serial.push(r.serial);
        // `Complex::validate` refuses any other; one that slipped through travels as `?`.
        r_icode.push(if r.insertion_code.is_ascii() {
            r.insertion_code as u8
        } else {
            b'?'
        });
        r_name.push(strings.or_default(&r.name, ""));
        r_ss.push(secondary_byte(r.secondary_structure));
        r_flags.push(bit(r.ribboned, RIBBONED) | bit(r.labeled, RES_LABELED));
        r_size.push(r.ribbon_size);
        r_mode.push(ribbon_byte(r.ribbon_mode));
        r_color.push(r.ribbon_color);
        r_label.push(strings.or_default(&r.label_text, ""));
        for (j, a) in r.atoms.iter().enumerate() {
            let name = match names.get(j) {
                Some((s, id)) if same(s, &a.name) => *id,
                _ => {
                    let id = strings.or_default(&a.name, "default");
                    if j < names.len() {
                        names[j] = (&a.name, id);
                    } else {
                        names.push((&a.name, id));
                    }
                    id
                }
            };
            let z = match last_element {
                Some((s, z)) if same(s, &a.symbol) => z,
                _ => {
                    let z = atomic_number(&a.symbol).unwrap_or(0);
                    last_element = Some((&a.symbol, z));
                    z
                }
            };
            if z == 0 {
                ordinal.put(&mut a_symbols);
                strings.id(&a.symbol).put(&mut a_symbols);
            }
            a_index.push(a.index);
            for v in a.position {
                a_pos.push(v);
            }
            a_element.push(z);
            a_serial.push(a.serial);
            a_name.push(name);
            a_flags.push(
                bit(a.is_het, HET)
                    | bit(a.selected, SELECTED)
                    | bit(a.labeled, LABELED)
                    | bit(a.acceptor, ACCEPTOR)
                    | bit(a.donor, DONOR),
            );
            a_occ.push(a.occupancy);
            a_bf.push(a.bfactor);
            a_fc.push(a.formal_charge);
            a_pc.push(a.partial_charge);
            a_mode.push(mode_byte(a.atom_mode));
            a_color.push(a.atom_color);
            a_scale.push(a.atom_scale);
            a_label.push(strings.or_default(&a.label_text, ""));
            ordinal += 1;
        }
        for b in &r.bonds {
            b_index.push(b.index);
            b_atoms.push(b.atom1);
            b_atoms.push(b.atom2);
            b_kind.push(kind_byte(b.kind));
        }
    }

    Ok(Wire {
        index: c.index,
        name: c.name.clone(),
        visible: c.visible,
        locked: c.locked,
        boxed: c.boxed,
        computing: c.computing,
        current_frame: c.current_frame,
        position: c.position,
        rotation: c.rotation,
        remarks: c.remarks.clone(),
        box_label: c.box_label.clone(),
        molecules: c
            .molecules
            .iter()
            .map(|m| MoleculeHead {
                index: m.index,
                name: m.name.clone(),
                associated: m.associated.clone(),
                chains: m.chains.len() as u32,
            })
            .collect(),
        strings: strings.list,
        chains: (n_chains > 0).then(|| ChainColumns {
            index: ch_index.finish_run(),
            name: ch_name.always(),
            residues: ch_res.finish(),
        }),
        residues: (n_res > 0).then(|| ResidueColumns {
            index: r_index.finish_run(),
            atoms: r_atoms.always(),
            bonds: r_bonds.finish(),
            code: r_code.finish(),
            serial: r_serial.finish_run(),
            insertion_code: r_icode.finish(),
            name: r_name.finish(),
            secondary_structure: r_ss.finish(),
            flags: r_flags.finish(),
            ribbon_size: r_size.finish(),
            ribbon_mode: r_mode.finish(),
            ribbon_color: r_color.finish(),
            label_text: r_label.finish(),
        }),
        atoms: (n_atoms > 0).then(|| AtomColumns {
            index: a_index.finish_run(),
            position: a_pos.always(),
            element: a_element.finish(),
            symbols: (!a_symbols.is_empty()).then(|| Column::Values(ByteBuf::from(a_symbols))),
            serial: a_serial.finish_run(),
            name: a_name.finish(),
            flags: a_flags.finish(),
            occupancy: a_occ.finish(),
            bfactor: a_bf.finish(),
            formal_charge: a_fc.finish(),
            partial_charge: a_pc.finish(),
            atom_mode: a_mode.finish(),
            atom_color: a_color.finish(),
            atom_scale: a_scale.finish(),
            label_text: a_label.finish(),
        }),
        bonds: (n_bonds > 0).then(|| BondColumns {
            index: b_index.finish_run(),
            atoms: b_atoms.always(),
            kind: b_kind.finish(),
        }),
    })
}

/// Sums counts in 64 bits; more than `max` is an error naming `what`.
fn total(counts: impl Iterator<Item = u64>, max: u64, what: &str) -> Result<usize, String> {
    let mut sum = 0u64;
    for c in counts {
        sum += c;
        if sum > max {
            return Err(format!("more than {max} {what} in one complex"));
        }
    }
    Ok(sum as usize)
}

impl<T: Le> In<'_, T> {
    /// The first member whose value fails `ok`, with that value.
    fn find_bad(&self, ok: impl Fn(T) -> bool) -> Option<(usize, T)> {
        let b = self.bytes?;
        b.chunks_exact(T::WIDTH)
            .map(T::get)
            .enumerate()
            .find(|(_, v)| !ok(*v))
    }
}

/// Checks a column of enum or flag bytes; `what` names it in the error.
fn check_bytes(col: &In<u8>, ok: impl Fn(u8) -> bool, what: &str) -> Result<(), String> {
    match col.find_bad(ok) {
        Some((i, v)) => Err(format!("{what} {i}: {v} ({v:#04x}) is out of range")),
        None => Ok(()),
    }
}

/// Checks a column of string-table indices against the table, and charges `budget` with
/// the heap bytes its texts will take (a [`Name`] keeps up to 24 bytes inline; a longer
/// text is copied once per member that names it).
fn check_texts(
    col: &In<u32>,
    strings: &[Name],
    budget: &mut usize,
    what: &str,
) -> Result<(), String> {
    let Some(b) = col.bytes else {
        return Ok(());
    };
    for (i, id) in b.chunks_exact(4).map(u32::get).enumerate() {
        if id == u32::MAX {
            continue;
        }
        let Some(text) = strings.get(id as usize) else {
            return Err(format!(
                "{what} {i} names string {id}, but the table has {}",
                strings.len()
            ));
        };
        charge(text, budget)?;
    }
    Ok(())
}

/// Charges `budget` with the heap bytes a copy of `text` takes.
fn charge(text: &Name, budget: &mut usize) -> Result<(), String> {
    if text.len() > 24 {
        *budget = budget.checked_sub(text.len()).ok_or_else(|| {
            format!(
                "the complex's names and labels would take more than {MAX_TEXT} bytes: \
                 use shorter texts"
            )
        })?;
    }
    Ok(())
}

/// Checks a column of floats: each must be finite.
fn check_finite(col: &In<f32>, what: &str) -> Result<(), String> {
    match col.find_bad(f32::is_finite) {
        Some((i, v)) => Err(format!("{what} {i}: {v} must be finite")),
        None => Ok(()),
    }
}

/// The text of a checked string-table index: [`u32::MAX`] is the field's `default`.
#[inline]
fn text(strings: &[Name], id: u32, default: &Name) -> Name {
    if id == u32::MAX {
        default.clone()
    } else {
        strings[id as usize].clone()
    }
}

/// Columns back into the tree. Every column is checked whole first (lengths, indices,
/// enum bytes, finiteness), so the tree is then built without a fallible step.
fn decode(w: Wire) -> Result<Complex, String> {
    let s = &w.strings[..];
    let n_chains = total(
        w.molecules.iter().map(|m| m.chains as u64),
        MAX_PARTS,
        "chains",
    )?;
    let chains = w.chains.unwrap_or_default();
    let ch_index = In::open(&chains.index, n_chains, -1i64, "chains.index")?;
    let ch_name = In::required(&chains.name, n_chains, u32::MAX, "chains.name")?;
    let ch_res = In::open(&chains.residues, n_chains, 0u32, "chains.residues")?;
    let mut budget = MAX_TEXT;
    check_texts(&ch_name, s, &mut budget, "chain")?;
    let n_res = total(
        (0..n_chains).map(|i| ch_res.get(i) as u64),
        MAX_PARTS,
        "residues",
    )?;

    let r = w.residues.unwrap_or_default();
    let r_index = In::open(&r.index, n_res, -1i64, "residues.index")?;
    let r_atoms = In::required(&r.atoms, n_res, 0u32, "residues.atoms")?;
    let r_bonds = In::open(&r.bonds, n_res, 0u32, "residues.bonds")?;
    let r_code = In::open(&r.code, n_res, u32::MAX, "residues.code")?;
    let r_serial = In::open(&r.serial, n_res, 1i32, "residues.serial")?;
    let r_icode = In::open(&r.insertion_code, n_res, b' ', "residues.insertion_code")?;
    let r_name = In::open(&r.name, n_res, u32::MAX, "residues.name")?;
    let r_ss = In::open(
        &r.secondary_structure,
        n_res,
        0u8,
        "residues.secondary_structure",
    )?;
    let r_flags = In::open(&r.flags, n_res, RIBBONED, "residues.flags")?;
    let r_size = In::open(&r.ribbon_size, n_res, 1.0f32, "residues.ribbon_size")?;
    let r_mode = In::open(&r.ribbon_mode, n_res, 0u8, "residues.ribbon_mode")?;
    let r_color = In::open(&r.ribbon_color, n_res, 0u32, "residues.ribbon_color")?;
    let r_label = In::open(&r.label_text, n_res, u32::MAX, "residues.label_text")?;
    for (col, what) in [
        (&r_code, "residue code"),
        (&r_name, "residue name"),
        (&r_label, "residue label"),
    ] {
        check_texts(col, s, &mut budget, what)?;
    }
    check_bytes(&r_icode, |b| b.is_ascii(), "residue insertion_code")?;
    check_bytes(
        &r_ss,
        |b| secondary(b).is_some(),
        "residue secondary_structure",
    )?;
    check_bytes(
        &r_flags,
        |b| b & !(RIBBONED | RES_LABELED) == 0,
        "residue flags",
    )?;
    check_bytes(&r_mode, |b| ribbon(b).is_some(), "residue ribbon_mode")?;
    check_finite(&r_size, "residue ribbon_size")?;
    let n_atoms = total(
        (0..n_res).map(|i| r_atoms.get(i) as u64),
        MAX_ATOMS as u64,
        "atoms",
    )?;
    let n_bonds = total(
        (0..n_res).map(|i| r_bonds.get(i) as u64),
        MAX_BONDS as u64,
        "bonds",
    )?;

    let a = w.atoms.unwrap_or_default();
    let a_index = In::open(&a.index, n_atoms, -1i64, "atoms.index")?;
    let a_pos = In::required(&a.position, 3 * n_atoms, 0f32, "atoms.position")?;
    let a_element = In::open(&a.element, n_atoms, 6u8, "atoms.element")?;
    let a_serial = In::open(&a.serial, n_atoms, 1i32, "atoms.serial")?;
    let a_name = In::open(&a.name, n_atoms, u32::MAX, "atoms.name")?;
    let a_flags = In::open(&a.flags, n_atoms, 0u8, "atoms.flags")?;
    let a_occ = In::open(&a.occupancy, n_atoms, 0f32, "atoms.occupancy")?;
    let a_bf = In::open(&a.bfactor, n_atoms, 0f32, "atoms.bfactor")?;
    let a_fc = In::open(&a.formal_charge, n_atoms, 0i32, "atoms.formal_charge")?;
    let a_pc = In::open(&a.partial_charge, n_atoms, 0f32, "atoms.partial_charge")?;
    let a_mode = In::open(&a.atom_mode, n_atoms, 0u8, "atoms.atom_mode")?;
    let a_color = In::open(&a.atom_color, n_atoms, 0u32, "atoms.atom_color")?;
    let a_scale = In::open(&a.atom_scale, n_atoms, 0.5f32, "atoms.atom_scale")?;
    let a_label = In::open(&a.label_text, n_atoms, u32::MAX, "atoms.label_text")?;
    check_finite(&a_pos, "atom position value")?;
    check_texts(&a_name, s, &mut budget, "atom name")?;
    check_texts(&a_label, s, &mut budget, "atom label")?;
    check_bytes(&a_element, |z| z <= 118, "atom element")?;
    check_bytes(
        &a_flags,
        |f| f & !(HET | SELECTED | LABELED | ACCEPTOR | DONOR) == 0,
        "atom flags",
    )?;
    check_bytes(&a_mode, |m| mode(m).is_some(), "atom atom_mode")?;
    // Symbols of the atoms whose element byte is 0, as (ordinal, string index) pairs.
    let mut others: HashMap<u32, Name> = HashMap::new();
    let symbols = match &a.symbols {
        None => None,
        Some(Column::Values(b)) => Some(&b[..]),
        Some(Column::Run(_)) => return Err("column atoms.symbols must be a byte string".into()),
    };
    if let Some(b) = symbols {
        if b.len() % 8 != 0 || b.len() / 8 > n_atoms {
            return Err(format!(
                "column atoms.symbols has {} bytes; it holds (ordinal, string) pairs of 8 bytes, \
                 at most one per atom",
                b.len()
            ));
        }
        for p in b.chunks_exact(8) {
            let (ordinal, id) = (u32::get(&p[..4]), u32::get(&p[4..]));
            let symbol = s.get(id as usize).ok_or_else(|| {
                format!(
                    "atom symbol {ordinal} names string {id}, but the table has {}",
                    s.len()
                )
            })?;
            charge(symbol, &mut budget)?;
            others.insert(ordinal, symbol.clone());
        }
    }
    if a_element.bytes.is_some()
        && let Some(i) =
            (0..n_atoms).find(|i| a_element.get(*i) == 0 && !others.contains_key(&(*i as u32)))
    {
        return Err(format!(
            "atom {i} has element 0 but no entry in atoms.symbols"
        ));
    }

    let bc = w.bonds.unwrap_or_default();
    let b_index = In::open(&bc.index, n_bonds, -1i64, "bonds.index")?;
    let b_atoms = In::required(&bc.atoms, 2 * n_bonds, 0u32, "bonds.atoms")?;
    let b_kind = In::open(&bc.kind, n_bonds, 1u8, "bonds.kind")?;
    check_bytes(&b_kind, |k| kind(k).is_some(), "bond kind")?;
    for bi in 0..n_bonds {
        let (a1, a2) = (b_atoms.get(2 * bi), b_atoms.get(2 * bi + 1));
        if a1 as usize >= n_atoms || a2 as usize >= n_atoms || a1 == a2 {
            return Err(format!(
                "bond {bi}: {a1}–{a2} does not join two distinct atoms of the {n_atoms} the \
                 complex has"
            ));
        }
    }

    // Everything is checked: build the tree.
    let (dr, da) = (Residue::default(), Atom::default());
    let empty = Name::default();
    let atom = |ai: usize| {
        let flags = a_flags.get(ai);
        let z = a_element.get(ai);
        Atom {
            index: a_index.get(ai),
            symbol: match z {
                0 => others[&(ai as u32)].clone(),
                z => Name::const_new(ELEMENTS[z as usize - 1]),
            },
            serial: a_serial.get(ai),
            name: text(s, a_name.get(ai), &da.name),
            position: [
                a_pos.get(3 * ai),
                a_pos.get(3 * ai + 1),
                a_pos.get(3 * ai + 2),
            ],
            is_het: flags & HET != 0,
            occupancy: a_occ.get(ai),
            bfactor: a_bf.get(ai),
            formal_charge: a_fc.get(ai),
            partial_charge: a_pc.get(ai),
            selected: flags & SELECTED != 0,
            labeled: flags & LABELED != 0,
            label_text: text(s, a_label.get(ai), &empty),
            atom_mode: mode(a_mode.get(ai)).unwrap_or_default(),
            atom_color: a_color.get(ai),
            atom_scale: a_scale.get(ai),
            acceptor: flags & ACCEPTOR != 0,
            donor: flags & DONOR != 0,
        }
    };
    let bond = |bi: usize| Bond {
        index: b_index.get(bi),
        atom1: b_atoms.get(2 * bi),
        atom2: b_atoms.get(2 * bi + 1),
        kind: kind(b_kind.get(bi)).unwrap_or_default(),
    };
    let (mut res_i, mut atom_i, mut bond_i) = (0usize, 0usize, 0usize);
    let mut residue = |ri: usize| {
        let flags = r_flags.get(ri);
        let (na, nb) = (r_atoms.get(ri) as usize, r_bonds.get(ri) as usize);
        let atoms = (atom_i..atom_i + na).map(atom).collect();
        let bonds = (bond_i..bond_i + nb).map(bond).collect();
        atom_i += na;
        bond_i += nb;
        Residue {
            index: r_index.get(ri),
            code: text(s, r_code.get(ri), &empty),
            serial: r_serial.get(ri),
            insertion_code: r_icode.get(ri) as char,
            name: text(s, r_name.get(ri), &dr.name),
            secondary_structure: secondary(r_ss.get(ri)).unwrap_or_default(),
            ribboned: flags & RIBBONED != 0,
            ribbon_size: r_size.get(ri),
            ribbon_mode: ribbon(r_mode.get(ri)).unwrap_or_default(),
            ribbon_color: r_color.get(ri),
            labeled: flags & RES_LABELED != 0,
            label_text: text(s, r_label.get(ri), &empty),
            atoms,
            bonds,
        }
    };
    let mut chain_i = 0usize;
    let mut molecules = Vec::with_capacity(w.molecules.len());
    for head in w.molecules {
        let chains = (chain_i..chain_i + head.chains as usize)
            .map(|i| {
                let nr = ch_res.get(i) as usize;
                let residues = (res_i..res_i + nr).map(&mut residue).collect();
                res_i += nr;
                Chain {
                    index: ch_index.get(i),
                    name: text(s, ch_name.get(i), &empty),
                    residues,
                }
            })
            .collect();
        chain_i += head.chains as usize;
        molecules.push(Molecule {
            index: head.index,
            name: head.name,
            associated: head.associated,
            chains,
        });
    }
    Ok(Complex {
        index: w.index,
        name: w.name,
        molecules,
        visible: w.visible,
        locked: w.locked,
        boxed: w.boxed,
        computing: w.computing,
        current_frame: w.current_frame,
        position: w.position,
        rotation: w.rotation,
        remarks: w.remarks,
        box_label: w.box_label,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ciborium::Value;

    /// Two residues, one unusual in every field, so every column is written.
    fn rich() -> Complex {
        let plain = Atom {
            name: "CA".into(),
            position: [1.0, 2.0, 3.0],
            ..Default::default()
        };
        let odd = Atom {
            index: 7,
            symbol: "Xx".into(),
            serial: 100_000,
            name: "a-very-long-atom-name-beyond-24-bytes".into(),
            position: [-1.5, 0.25, 1e6],
            is_het: true,
            occupancy: 0.5,
            bfactor: 12.5,
            formal_charge: -2,
            partial_charge: 0.125,
            selected: true,
            labeled: true,
            label_text: "label".into(),
            atom_mode: AtomRenderingMode::VanDerWaals,
            atom_color: 0xff00ff80,
            atom_scale: 1.5,
            acceptor: true,
            donor: true,
        };
        let fe = Atom {
            symbol: "Fe".into(),
            ..plain.clone()
        };
        let r1 = Residue {
            code: "ALA".into(),
            atoms: vec![plain, odd, fe],
            bonds: vec![
                Bond {
                    index: 3,
                    atom1: 0,
                    atom2: 1,
                    kind: BondKind::Aromatic,
                },
                Bond {
                    index: -1,
                    atom1: 1,
                    atom2: 3,
                    kind: BondKind::CovalentSingle,
                },
            ],
            ..Default::default()
        };
        let r2 = Residue {
            index: 9,
            code: "HOH".into(),
            serial: -4,
            insertion_code: 'A',
            name: "water".into(),
            secondary_structure: SecondaryStructure::Helix,
            ribboned: false,
            ribbon_size: 2.0,
            ribbon_mode: RibbonMode::Coil,
            ribbon_color: 0x11223344,
            labeled: true,
            label_text: "W".into(),
            atoms: vec![Atom {
                symbol: "O".into(),
                ..Default::default()
            }],
            bonds: vec![],
        };
        Complex {
            index: 5,
            name: "rich".into(),
            molecules: vec![
                Molecule {
                    index: 2,
                    name: "frame 1".into(),
                    associated: [("k".to_string(), "v".to_string())].into(),
                    chains: vec![
                        Chain {
                            name: "A".into(),
                            residues: vec![r1],
                            ..Default::default()
                        },
                        Chain {
                            index: 4,
                            name: "HA".into(),
                            residues: vec![r2],
                        },
                    ],
                },
                Molecule::default(),
            ],
            visible: false,
            current_frame: 1,
            remarks: [("REMARK".to_string(), "x".to_string())].into(),
            ..Default::default()
        }
    }

    fn to_value(c: &Complex) -> Value {
        Value::serialized(c).unwrap()
    }

    fn field<'a>(v: &'a mut Value, path: &[&str]) -> &'a mut Value {
        let mut v = v;
        for key in path {
            let Value::Map(entries) = v else {
                panic!("{key}: not a map")
            };
            v = &mut entries
                .iter_mut()
                .find(|(k, _)| k.as_text() == Some(key))
                .unwrap_or_else(|| panic!("no {key}"))
                .1;
        }
        v
    }

    fn decode_err(v: Value) -> String {
        v.deserialized::<Complex>().unwrap_err().to_string()
    }

    #[test]
    fn every_field_round_trips() {
        let c = rich();
        let mut bytes = Vec::new();
        ciborium::into_writer(&c, &mut bytes).unwrap();
        let back: Complex = ciborium::from_reader(&bytes[..]).unwrap();
        assert_eq!(back, c);
        // Every column of every level was needed.
        let v = to_value(&c);
        for (level, n) in [("chains", 3), ("residues", 13), ("atoms", 15), ("bonds", 3)] {
            let Value::Map(cols) = v
                .as_map()
                .unwrap()
                .iter()
                .find(|(k, _)| k.as_text() == Some(level))
                .unwrap()
                .1
                .clone()
            else {
                panic!()
            };
            assert_eq!(cols.len(), n, "{level}: {cols:?}");
        }
    }

    #[test]
    fn defaults_are_left_out() {
        let mut c = rich();
        c.molecules.truncate(1);
        c.molecules[0].chains.truncate(1);
        let r = &mut c.molecules[0].chains[0].residues[0];
        r.atoms.truncate(1);
        r.bonds.clear();
        let v = to_value(&c);
        let Value::Map(atoms) = v
            .as_map()
            .unwrap()
            .iter()
            .find(|(k, _)| k.as_text() == Some("atoms"))
            .unwrap()
            .1
            .clone()
        else {
            panic!()
        };
        let keys: Vec<_> = atoms
            .iter()
            .map(|(k, _)| k.as_text().unwrap().to_string())
            .collect();
        assert_eq!(keys, ["position", "name"]);
        assert_eq!(v.deserialized::<Complex>().unwrap(), c);
    }

    #[test]
    fn a_shallow_complex_has_no_columns() {
        let c = rich().shallow();
        let v = to_value(&c);
        for level in [
            "molecules",
            "strings",
            "chains",
            "residues",
            "atoms",
            "bonds",
        ] {
            assert!(
                !v.as_map()
                    .unwrap()
                    .iter()
                    .any(|(k, _)| k.as_text() == Some(level)),
                "{level}"
            );
        }
        assert_eq!(v.deserialized::<Complex>().unwrap(), c);
    }

    #[test]
    fn a_column_of_the_wrong_length_is_refused() {
        for (path, width) in [
            (&["atoms", "position"][..], 12),
            (&["atoms", "name"][..], 4),
            (&["atoms", "flags"][..], 1),
            (&["residues", "atoms"][..], 4),
            (&["residues", "code"][..], 4),
            (&["chains", "name"][..], 4),
            (&["bonds", "atoms"][..], 8),
            (&["bonds", "kind"][..], 1),
        ] {
            let mut v = to_value(&rich());
            let Value::Bytes(b) = field(&mut v, path) else {
                panic!("{path:?}")
            };
            b.truncate(b.len() - width);
            let e = decode_err(v);
            assert!(e.contains(&path.join(".")), "{path:?}: {e}");
        }
    }

    #[test]
    fn a_level_with_members_carries_its_required_column() {
        let mut v = to_value(&rich());
        let Value::Map(atoms) = field(&mut v, &["atoms"]) else {
            panic!()
        };
        atoms.retain(|(k, _)| k.as_text() != Some("position"));
        assert!(decode_err(v).contains("atoms.position is missing"));
    }

    #[test]
    fn a_few_bytes_cannot_claim_millions_of_atoms() {
        // One residue claiming 4,000,000 atoms, without their positions.
        let mut v = to_value(&rich());
        let Value::Bytes(counts) = field(&mut v, &["residues", "atoms"]) else {
            panic!()
        };
        counts[..4].copy_from_slice(&4_000_000u32.to_le_bytes());
        let e = decode_err(v);
        assert!(
            e.contains("column atoms.") && e.contains("4000001 values"),
            "{e}"
        );
        // And a sum beyond the cap, however it is split.
        let mut v = to_value(&rich());
        let Value::Bytes(counts) = field(&mut v, &["residues", "atoms"]) else {
            panic!()
        };
        counts[..4].copy_from_slice(&u32::MAX.to_le_bytes());
        counts[4..8].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(decode_err(v).contains("more than 5000000 atoms"));
    }

    #[test]
    fn bad_values_are_refused_by_name() {
        let cases: [(&[&str], usize, u8, &str); 6] = [
            (&["atoms", "element"], 0, 119, "atom element 0: 119"),
            (&["atoms", "atom_mode"], 0, 7, "atom atom_mode 0: 7"),
            (&["atoms", "flags"], 0, 0x80, "atom flags 0: 128"),
            (&["bonds", "kind"], 0, 5, "bond kind 0: 5"),
            (
                &["residues", "secondary_structure"],
                0,
                4,
                "secondary_structure 0: 4",
            ),
            (&["atoms", "name"], 0, 200, "string 200"),
        ];
        for (path, at, byte, want) in cases {
            let mut v = to_value(&rich());
            let Value::Bytes(b) = field(&mut v, path) else {
                panic!("{path:?}")
            };
            b[at] = byte;
            let e = decode_err(v);
            assert!(e.contains(want), "{path:?}: {e}");
        }
        let mut v = to_value(&rich());
        let Value::Bytes(b) = field(&mut v, &["atoms", "position"]) else {
            panic!()
        };
        b[..4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert!(decode_err(v).contains("finite"));
        let mut v = to_value(&rich());
        let Value::Bytes(b) = field(&mut v, &["bonds", "atoms"]) else {
            panic!()
        };
        b[..4].copy_from_slice(&99u32.to_le_bytes());
        assert!(decode_err(v).contains("does not join"));
        let mut v = to_value(&rich());
        let Value::Bytes(b) = field(&mut v, &["atoms", "symbols"]) else {
            panic!()
        };
        b.clear();
        assert!(decode_err(v).contains("no entry in atoms.symbols"));
    }

    #[test]
    fn consecutive_integers_travel_as_runs() {
        let mut c = rich();
        for (i, a) in c.atoms_mut().enumerate() {
            a.index = 1000 + i as i64;
            a.serial = i as i32 + 1;
        }
        let mut v = to_value(&c);
        assert_eq!(
            *field(&mut v, &["atoms", "index"]),
            Value::Integer(1000.into())
        );
        assert_eq!(
            *field(&mut v, &["atoms", "serial"]),
            Value::Integer(1.into())
        );
        assert_eq!(v.deserialized::<Complex>().unwrap(), c);

        // A run must fit its column's type, and only integer columns may be runs.
        *field(&mut v, &["atoms", "serial"]) = Value::Integer((i32::MAX as i64 - 1).into());
        assert!(decode_err(v.clone()).contains("atoms.serial is a run"));
        *field(&mut v, &["atoms", "serial"]) = Value::Integer(1.into());
        *field(&mut v, &["atoms", "position"]) = Value::Integer(1.into());
        assert!(decode_err(v).contains("atoms.position is a run"));
    }

    #[test]
    fn a_non_ascii_insertion_code_is_refused_by_validate_and_never_breaks_encoding() {
        let mut c = rich();
        c.molecules[0].chains[0].residues[0].insertion_code = 'é';
        assert!(c.validate().unwrap_err().message.contains("insertion code"));
        let back = to_value(&c).deserialized::<Complex>().unwrap();
        assert_eq!(back.residues().next().unwrap().insertion_code, '?');
    }

    #[test]
    fn negative_zero_survives() {
        let mut c = rich();
        for a in c.atoms_mut() {
            a.bfactor = -0.0;
        }
        let back = to_value(&c).deserialized::<Complex>().unwrap();
        assert!(back.atoms().all(|a| a.bfactor.is_sign_negative()));
    }

    #[test]
    fn long_texts_named_by_many_members_are_bounded() {
        // One 1 MiB label named by 100 atoms: 100 MiB of copies, over the 64 MiB budget.
        let mut c = rich();
        let r = &mut c.molecules[0].chains[0].residues[0];
        let template = r.atoms[0].clone();
        r.atoms = vec![template; 100];
        r.bonds.clear();
        let long: Name = "x".repeat(1 << 20).into();
        for a in c.atoms_mut() {
            a.label_text = long.clone();
        }
        let e = decode_err(to_value(&c));
        assert!(e.contains("more than 67108864 bytes"), "{e}");
    }

    #[test]
    fn lists_are_refused_past_their_bound() {
        let mut v = to_value(&Complex::default());
        let Value::Map(entries) = &mut v else {
            panic!()
        };
        entries.push((
            "molecules".into(),
            Value::Array(vec![Value::Map(vec![]); MAX_FRAMES + 1]),
        ));
        assert!(decode_err(v).contains("more than 100000 items"));
    }
}
