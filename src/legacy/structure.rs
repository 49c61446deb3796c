//! nanome-lib's structure serializers (`Atom` 8, `Bond` 1, `Residue` 2, `Chain` 0,
//! `Molecule` 1, `Complex` 3, `Workspace` 0, and every lower version a plugin may
//! negotiate), read into and written from nts's structure tree.
//!
//! Deep messages carry an **atom table**: `u32 n | n × (i64 uid | Atom)`, then the
//! structure, whose residues and bonds name atoms by uid. Writing, the gateway numbers a
//! message's atoms in order (complex after complex), so a bond's uid is its complex's first
//! uid plus the atom's ordinal. Reading, every uid must be in the table and appear once per
//! complex; bonds are resolved to ordinals once their complex is read (a peptide bond names
//! an atom of the next residue).
//!
//! Fields nts does not keep (surfaces, conformers beyond the first position, atom types,
//! alternate-location letters, split tags) are dropped when read and written as nanome-lib's
//! defaults. Every count is checked against the bytes left before anything is reserved.

use super::serial::{Reader, SerialError, VersionTable, Writer, version_of};
use crate::api::structure::{
    Atom, AtomRenderingMode, Bond, BondKind, Chain, Complex, IDENTITY, Molecule, Name, Quat,
    Residue, RibbonMode, SecondaryStructure, Vec3, Workspace,
};
use std::collections::{BTreeMap, HashMap};

/// The versions of the structure serializers a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    /// `Atom`.
    pub atom: u8,
    /// `Bond`.
    pub bond: u8,
    /// `Residue`.
    pub residue: u8,
    /// `Molecule`.
    pub molecule: u8,
    /// `Complex`.
    pub complex: u8,
}

impl Versions {
    /// The newest, which the gateway offers (nanome-lib 0.42.1's).
    pub const LATEST: Versions = Versions {
        atom: 8,
        bond: 1,
        residue: 2,
        molecule: 1,
        complex: 3,
    };

    /// The versions in a negotiated table (a name missing is used at 0, as nanome-lib does).
    pub fn of(table: &VersionTable) -> Versions {
        let v = |name: &str| version_of(table, name);
        Versions {
            atom: v("Atom"),
            bond: v("Bond"),
            residue: v("Residue"),
            molecule: v("Molecule"),
            complex: v("Complex"),
        }
    }
}

// ---- reading -------------------------------------------------------------------------

fn quat(r: &mut Reader<'_>, what: &'static str) -> Result<Quat, SerialError> {
    Ok([r.f32(what)?, r.f32(what)?, r.f32(what)?, r.f32(what)?])
}

fn name(r: &mut Reader<'_>, what: &'static str) -> Result<Name, SerialError> {
    Ok(r.string(what)?.into())
}

fn dict(r: &mut Reader<'_>, what: &'static str) -> Result<BTreeMap<String, String>, SerialError> {
    let n = r.count(8, what)?;
    let mut d = BTreeMap::new();
    for _ in 0..n {
        let k = r.string(what)?;
        d.insert(k, r.string(what)?);
    }
    Ok(d)
}

fn skip_array(r: &mut Reader<'_>, size: usize, what: &'static str) -> Result<(), SerialError> {
    let n = r.count(size, what)?;
    r.take(n * size, what).map(|_| ())
}

/// Bytes an atom takes at least at version `v` (empty strings and tables): the bound on
/// how many a table can claim.
fn atom_min_size(v: u8) -> usize {
    // Index, selection, mode, label flag, colour, surface (flag, colour, opacity), het
    // surface, symbol, serial, name, position, het, occupancy, B-factor, acceptor, donor.
    let mut n = 8 + 1 + 4 + 1 + 4 + 1 + 4 + 4 + 1 + 4 + 4 + 4 + 12 + 1 + 4 + 4 + 1 + 1;
    if v >= 1 {
        n += 4;
    }
    if v <= 6 {
        n += 4;
    }
    if v >= 2 {
        n += 4;
    }
    if v >= 3 {
        n += 1;
    }
    if v >= 6 {
        n += 1;
    }
    if v == 4 {
        n += 4;
    }
    if v >= 4 {
        n += 4;
    }
    if v >= 5 {
        n += 8;
    }
    if v >= 7 {
        n += 4;
    }
    if v >= 8 {
        n += 1;
    }
    n
}

fn enum_of<T: Copy>(r: &Reader<'_>, all: &[T], value: i64, what: &str) -> Result<T, SerialError> {
    usize::try_from(value)
        .ok()
        .and_then(|i| all.get(i).copied())
        .ok_or_else(|| r.invalid(format!("{what} {value} is not one nanome-lib defines")))
}

const MODES: [AtomRenderingMode; 7] = [
    AtomRenderingMode::BallStick,
    AtomRenderingMode::Stick,
    AtomRenderingMode::Wire,
    AtomRenderingMode::VanDerWaals,
    AtomRenderingMode::Point,
    AtomRenderingMode::BFactor,
    AtomRenderingMode::Adaptive,
];
const KINDS: [BondKind; 5] = [
    BondKind::Unknown,
    BondKind::CovalentSingle,
    BondKind::CovalentDouble,
    BondKind::CovalentTriple,
    BondKind::Aromatic,
];
const RIBBONS: [RibbonMode; 3] = [
    RibbonMode::SecondaryStructure,
    RibbonMode::AdaptiveTube,
    RibbonMode::Coil,
];
const SECONDARY: [SecondaryStructure; 4] = [
    SecondaryStructure::Unknown,
    SecondaryStructure::Coil,
    SecondaryStructure::Sheet,
    SecondaryStructure::Helix,
];

fn read_atom(r: &mut Reader<'_>, v: u8) -> Result<Atom, SerialError> {
    let index = r.i64("an atom's index")?;
    let selected = r.bool("an atom's selection")?;
    let mode = i64::from(r.i32("an atom's mode")?);
    let atom_mode = enum_of(r, &MODES, mode, "atom rendering mode")?;
    let labeled = r.bool("an atom's label flag")?;
    let label_text = if v >= 1 {
        name(r, "an atom's label")?
    } else {
        Name::default()
    };
    if v <= 6 {
        r.bool("an atom's rendering flag")?;
    }
    let atom_color = r.u32("an atom's colour")?;
    let atom_scale = if v >= 2 {
        r.f32("an atom's scale")?
    } else {
        0.5
    };
    r.bool("an atom's surface flag")?;
    r.u32("an atom's surface colour")?;
    r.f32("an atom's surface opacity")?;
    if v <= 6 {
        r.take(3, "an atom's old display flags")?;
    }
    r.bool("an atom's surface flag")?;
    let symbol = name(r, "an atom's symbol")?;
    let serial = r.i32("an atom's serial")?;
    let atom_name = name(r, "an atom's name")?;
    let position = if v >= 3 && r.bool("an atom's conformer flag")? {
        // Conformers: the first position is kept.
        let n = r.count(12, "an atom's conformer positions")?;
        if n == 0 {
            return Err(r.invalid("an atom with conformers has no position".into()));
        }
        let first = r.vec3("an atom's position")?;
        r.take((n - 1) * 12, "an atom's conformer positions")?;
        skip_array(r, 1, "an atom's conformer flags")?;
        first
    } else {
        r.vec3("an atom's position")?
    };
    let is_het = r.bool("an atom's het flag")?;
    let occupancy = r.f32("an atom's occupancy")?;
    let bfactor = r.f32("an atom's B-factor")?;
    let acceptor = r.bool("an atom's acceptor flag")?;
    let donor = r.bool("an atom's donor flag")?;
    if v >= 6 {
        r.bool("an atom's polar hydrogen flag")?;
    }
    if v == 4 {
        r.string("an atom's type")?;
    }
    let formal_charge = if v >= 4 {
        r.i32("an atom's formal charge")?
    } else {
        0
    };
    let partial_charge = if v >= 5 {
        let c = r.f32("an atom's partial charge")?;
        dict(r, "an atom's types")?;
        c
    } else {
        0.0
    };
    if v >= 7 {
        r.u32("an atom's display mode")?;
    }
    if v >= 8 {
        r.u8("an atom's alternate location")?;
    }
    Ok(Atom {
        index,
        symbol,
        serial,
        name: atom_name,
        position,
        is_het,
        occupancy,
        bfactor,
        formal_charge,
        partial_charge,
        selected,
        labeled,
        label_text,
        atom_mode,
        atom_color,
        atom_scale,
        acceptor,
        donor,
    })
}

/// A message's atom table: atoms by uid, each taken once by the residue that lists it.
/// nanome-lib numbers atoms from one counter, so a table's uids are usually one dense
/// range, looked up by subtraction; any other set of uids goes through a map.
struct AtomTable {
    atoms: Vec<Option<Atom>>,
    lookup: Lookup,
    /// Per slot, once placed: (complex number + 1, ordinal in that complex).
    placed: Vec<(u32, u32)>,
}

enum Lookup {
    /// uid − this is the slot.
    Dense(i64),
    Sparse(HashMap<i64, usize>),
}

impl AtomTable {
    fn read(r: &mut Reader<'_>, v: u8) -> Result<AtomTable, SerialError> {
        let n = r.count(8 + atom_min_size(v), "the atom table")?;
        let mut uids = Vec::with_capacity(n);
        let mut atoms = Vec::with_capacity(n);
        for _ in 0..n {
            uids.push(r.i64("an atom's uid")?);
            atoms.push(Some(read_atom(r, v)?));
        }
        let (min, max) = (uids.iter().min().copied(), uids.iter().max().copied());
        let dense = match (min, max) {
            (Some(lo), Some(hi)) => hi.checked_sub(lo) == Some(n as i64 - 1),
            _ => true,
        };
        let lookup = if dense {
            let lo = min.unwrap_or(0);
            // A dense range of n distinct uids: in order when each is at its place.
            if uids.iter().enumerate().all(|(i, u)| *u - lo == i as i64) {
                Lookup::Dense(lo)
            } else {
                let mut slots: Vec<Option<Atom>> = (0..n).map(|_| None).collect();
                for (u, a) in uids.iter().zip(atoms.drain(..)) {
                    // A uid listed twice: the last wins, as in nanome-lib's dict.
                    slots[(*u - lo) as usize] = a;
                }
                atoms = slots;
                Lookup::Dense(lo)
            }
        } else {
            // Duplicates keep the last, as in nanome-lib's dict.
            Lookup::Sparse(uids.iter().enumerate().map(|(i, u)| (*u, i)).collect())
        };
        let placed = vec![(0, 0); atoms.len()];
        Ok(AtomTable {
            atoms,
            lookup,
            placed,
        })
    }

    #[cfg(test)]
    fn empty() -> AtomTable {
        AtomTable {
            atoms: vec![],
            lookup: Lookup::Dense(0),
            placed: vec![],
        }
    }

    fn slot(&self, uid: i64) -> Option<usize> {
        match &self.lookup {
            Lookup::Dense(lo) => uid
                .checked_sub(*lo)
                .and_then(|i| usize::try_from(i).ok())
                .filter(|i| *i < self.atoms.len()),
            Lookup::Sparse(map) => map.get(&uid).copied(),
        }
    }
}

/// What reading a complex needs: the atom table, and where its atoms and bonds go.
struct Build {
    table: AtomTable,
    v: Versions,
    /// The complex being read (from 1), and how many atoms it has so far.
    complex: u32,
    atoms: u32,
    /// Bonds as read (atoms by uid), with the residue they belong to (its ordinal).
    bonds: Vec<(usize, i64, BondKind, i64, i64)>,
    residues: usize,
}

impl Build {
    fn residue(&mut self, r: &mut Reader<'_>) -> Result<Residue, SerialError> {
        let v = self.v.residue;
        let index = r.i64("a residue's index")?;
        let n = r.count(8, "a residue's atoms")?;
        let mut atoms = Vec::with_capacity(n);
        for _ in 0..n {
            let uid = r.i64("an atom's uid")?;
            let slot = self.table.slot(uid).ok_or_else(|| {
                r.invalid(format!("atom {uid} is not in the message's atom table"))
            })?;
            let atom = self.table.atoms[slot]
                .take()
                .ok_or_else(|| r.invalid(format!("atom {uid} is listed twice")))?;
            self.table.placed[slot] = (self.complex, self.atoms);
            self.atoms += 1;
            atoms.push(atom);
        }
        let me = self.residues;
        self.residues += 1;
        let n = r.count(17, "a residue's bonds")?;
        for _ in 0..n {
            let index = r.i64("a bond's index")?;
            let kind = if self.v.bond >= 1 {
                if r.bool("a bond's conformer flag")? {
                    let k = r.count(1, "a bond's conformer kinds")?;
                    let kinds = r.take(k, "a bond's conformer kinds")?;
                    skip_array(r, 1, "a bond's conformer flags")?;
                    i64::from(kinds.first().copied().unwrap_or(1))
                } else {
                    i64::from(r.u8("a bond's kind")?)
                }
            } else {
                i64::from(r.i32("a bond's kind")?)
            };
            let kind = enum_of(r, &KINDS, kind, "bond kind")?;
            let a = r.i64("a bond's first atom")?;
            let b = r.i64("a bond's second atom")?;
            self.bonds.push((me, index, kind, a, b));
        }
        let ribboned = r.bool("a residue's ribbon flag")?;
        let ribbon_size = r.f32("a residue's ribbon size")?;
        let mode = i64::from(r.i32("a residue's ribbon mode")?);
        let ribbon_mode = enum_of(r, &RIBBONS, mode, "ribbon mode")?;
        let ribbon_color = r.u32("a residue's ribbon colour")?;
        let (labeled, label_text) = if v > 0 {
            (
                r.bool("a residue's label flag")?,
                name(r, "a residue's label")?,
            )
        } else {
            (false, Name::default())
        };
        let code = name(r, "a residue's type")?;
        let serial = r.i32("a residue's serial")?;
        let res_name = name(r, "a residue's name")?;
        let ss = i64::from(r.i32("a residue's secondary structure")?);
        let secondary_structure = enum_of(r, &SECONDARY, ss, "secondary structure")?;
        if v >= 2 {
            skip_array(r, 1, "a residue's ignored alternate locations")?;
        }
        Ok(Residue {
            index,
            code,
            serial,
            insertion_code: ' ',
            name: res_name,
            secondary_structure,
            ribboned,
            ribbon_size,
            ribbon_mode,
            ribbon_color,
            labeled,
            label_text,
            atoms,
            bonds: vec![],
        })
    }

    fn chain(&mut self, r: &mut Reader<'_>) -> Result<Chain, SerialError> {
        let index = r.i64("a chain's index")?;
        let n = r.count(40, "a chain's residues")?;
        let residues = (0..n).map(|_| self.residue(r)).collect::<Result<_, _>>()?;
        Ok(Chain {
            index,
            name: name(r, "a chain's name")?,
            residues,
        })
    }

    fn molecule(&mut self, r: &mut Reader<'_>) -> Result<Molecule, SerialError> {
        let index = r.i64("a molecule's index")?;
        let n = r.count(16, "a molecule's chains")?;
        let chains = (0..n).map(|_| self.chain(r)).collect::<Result<_, _>>()?;
        let (name, associated) = if self.v.molecule >= 1 && r.bool("a molecule's conformer flag")? {
            let current = r.i32("a molecule's conformer")?;
            r.i32("a molecule's conformer count")?;
            let n = r.count(4, "a molecule's conformer names")?;
            let names: Vec<String> = (0..n)
                .map(|_| r.string("a conformer's name"))
                .collect::<Result<_, _>>()?;
            let n = r.count(4, "a molecule's conformer data")?;
            let mut data: Vec<_> = (0..n)
                .map(|_| dict(r, "a conformer's data"))
                .collect::<Result<_, _>>()?;
            let at = usize::try_from(current).unwrap_or(0);
            let name = names.get(at).or(names.first()).cloned().unwrap_or_default();
            let assoc = if at < data.len() {
                data.swap_remove(at)
            } else {
                BTreeMap::new()
            };
            (name, assoc)
        } else {
            (
                r.string("a molecule's name")?,
                dict(r, "a molecule's data")?,
            )
        };
        Ok(Molecule {
            index,
            name,
            associated,
            chains,
        })
    }

    fn complex(&mut self, r: &mut Reader<'_>) -> Result<Complex, SerialError> {
        self.complex += 1;
        self.atoms = 0;
        self.bonds.clear();
        self.residues = 0;
        let v = self.v.complex;
        let index = r.i64("a complex's index")?;
        let n = r.count(16, "a complex's molecules")?;
        let mut molecules: Vec<Molecule> =
            (0..n).map(|_| self.molecule(r)).collect::<Result<_, _>>()?;
        let boxed = r.bool("a complex's box flag")?;
        let locked = r.bool("a complex's lock flag")?;
        let visible = r.bool("a complex's visibility")?;
        let computing = r.bool("a complex's computing flag")?;
        let current_frame = r.i32("a complex's frame")?.max(0) as u32;
        let cname = r.string("a complex's name")?;
        if v >= 2 {
            r.i32("a complex's index tag")?;
            r.string("a complex's split tag")?;
        }
        let (position, rotation) = if v >= 3 {
            (
                r.vec3("a complex's position")?,
                quat(r, "a complex's rotation")?,
            )
        } else {
            let [x, y, z] = r.vec3("a complex's position")?;
            let [qx, qy, qz, qw] = quat(r, "a complex's rotation")?;
            ([-x, y, z], [qx, -qy, -qz, qw])
        };
        let remarks = dict(r, "a complex's remarks")?;
        r.bool("a complex's selection flag")?;
        r.bool("a complex's surface flag")?;
        r.f32("a complex's surface refresh rate")?;
        let box_label = if v >= 1 {
            r.string("a complex's box label")?
        } else {
            String::new()
        };
        // Bonds by ordinal, each into the residue that carried it.
        let mut by_residue: Vec<Vec<Bond>> = vec![vec![]; self.residues];
        for &(res, index, kind, a, b) in &self.bonds {
            let ordinal = |uid: i64| {
                self.table
                    .slot(uid)
                    .map(|s| self.table.placed[s])
                    .filter(|(complex, _)| *complex == self.complex)
                    .map(|(_, ordinal)| ordinal)
                    .ok_or_else(|| {
                        r.invalid(format!(
                            "a bond names atom {uid}, which is not in its complex"
                        ))
                    })
            };
            by_residue[res].push(Bond {
                index,
                atom1: ordinal(a)?,
                atom2: ordinal(b)?,
                kind,
            });
        }
        let mut it = by_residue.into_iter();
        for residue in molecules
            .iter_mut()
            .flat_map(|m| m.chains.iter_mut())
            .flat_map(|c| c.residues.iter_mut())
        {
            residue.bonds = it.next().unwrap_or_default();
        }
        Ok(Complex {
            index,
            name: cname,
            molecules,
            visible,
            locked,
            boxed,
            computing,
            current_frame,
            position,
            rotation,
            remarks,
            box_label,
        })
    }
}

/// Complexes with their atom table (`add_to_workspace`, and replies like
/// `complexes_response`).
pub fn read_complexes(r: &mut Reader<'_>, v: Versions) -> Result<Vec<Complex>, SerialError> {
    let table = AtomTable::read(r, v.atom)?;
    read_complex_array(r, v, table)
}

fn read_complex_array(
    r: &mut Reader<'_>,
    v: Versions,
    table: AtomTable,
) -> Result<Vec<Complex>, SerialError> {
    let n = r.count(40, "the complexes")?;
    if n > crate::api::structure::MAX_COMPLEXES {
        return Err(r.invalid(format!(
            "{n} complexes in one message; at most {} are taken",
            crate::api::structure::MAX_COMPLEXES
        )));
    }
    let mut build = Build {
        table,
        v,
        complex: 0,
        atoms: 0,
        bonds: vec![],
        residues: 0,
    };
    (0..n).map(|_| build.complex(r)).collect()
}

/// A workspace with its atom table (`workspace_update`).
pub fn read_workspace(r: &mut Reader<'_>, v: Versions) -> Result<Workspace, SerialError> {
    let table = AtomTable::read(r, v.atom)?;
    let complexes = read_complex_array(r, v, table)?;
    Ok(Workspace {
        complexes,
        position: r.vec3("the workspace's position")?,
        rotation: quat(r, "the workspace's rotation")?,
        scale: r.vec3("the workspace's scale")?,
    })
}

/// An `update_structures` message: its complexes, and the first other level it updates
/// (molecules, chains, residues, bonds or atoms), which nts does not update on their own.
pub fn read_update(
    r: &mut Reader<'_>,
    v: Versions,
) -> Result<(Vec<Complex>, Option<&'static str>), SerialError> {
    let table = AtomTable::read(r, v.atom)?;
    let complexes = read_complex_array(r, v, table)?;
    for level in ["molecules", "chains", "residues", "bonds", "atoms"] {
        if r.remaining() == 0 {
            break;
        }
        if r.u32("a list of structures")? != 0 {
            return Ok((complexes, Some(level)));
        }
    }
    Ok((complexes, None))
}

/// An array of workspace indices (`complexes_request`, zoom and centre).
pub fn read_indices(r: &mut Reader<'_>) -> Result<Vec<i64>, SerialError> {
    let n = r.count(8, "the indices")?;
    (0..n).map(|_| r.i64("an index")).collect()
}

// ---- writing -------------------------------------------------------------------------

fn w_vec3(w: &mut Writer, v: Vec3) {
    for c in v {
        w.f32(c);
    }
}

fn w_dict(w: &mut Writer, d: &BTreeMap<String, String>) {
    w.u32(d.len() as u32);
    for (k, v) in d {
        w.string(k).string(v);
    }
}

fn write_atom(w: &mut Writer, v: u8, a: &Atom) {
    w.i64(a.index)
        .bool(a.selected)
        .i32(a.atom_mode as i32)
        .bool(a.labeled);
    if v >= 1 {
        w.string(&a.label_text);
    }
    if v <= 6 {
        w.bool(true);
    }
    w.u32(a.atom_color);
    if v >= 2 {
        w.f32(a.atom_scale);
    }
    // No surface, nanome-lib's defaults.
    w.bool(false).u32(0).f32(1.0);
    if v <= 6 {
        w.bool(true).bool(true).bool(true);
    }
    w.bool(true).string(&a.symbol).i32(a.serial).string(&a.name);
    if v >= 3 {
        w.bool(false);
    }
    w_vec3(w, a.position);
    w.bool(a.is_het)
        .f32(a.occupancy)
        .f32(a.bfactor)
        .bool(a.acceptor)
        .bool(a.donor);
    if v >= 6 {
        w.bool(false);
    }
    if v == 4 {
        w.string("");
    }
    if v >= 4 {
        w.i32(a.formal_charge);
    }
    if v >= 5 {
        w.f32(a.partial_charge).u32(0);
    }
    if v >= 7 {
        w.u32(0xFFFF_FFFF);
    }
    if v >= 8 {
        w.u8(b'.');
    }
}

fn write_residue(w: &mut Writer, v: Versions, first_uid: i64, mut ordinal: i64, res: &Residue) {
    w.i64(res.index).u32(res.atoms.len() as u32);
    for _ in &res.atoms {
        w.i64(first_uid + ordinal);
        ordinal += 1;
    }
    w.u32(res.bonds.len() as u32);
    for b in &res.bonds {
        w.i64(b.index);
        if v.bond >= 1 {
            w.bool(false).u8(b.kind as u8);
        } else {
            w.i32(b.kind as i32);
        }
        w.i64(first_uid + i64::from(b.atom1))
            .i64(first_uid + i64::from(b.atom2));
    }
    w.bool(res.ribboned)
        .f32(res.ribbon_size)
        .i32(res.ribbon_mode as i32)
        .u32(res.ribbon_color);
    if v.residue > 0 {
        w.bool(res.labeled).string(&res.label_text);
    }
    w.string(&res.code)
        .i32(res.serial)
        .string(&res.name)
        .i32(res.secondary_structure as i32);
    if v.residue >= 2 {
        w.u32(0);
    }
}

/// Writes `c` with its atoms numbered from `first_uid` (shallow: no molecules).
fn write_complex(w: &mut Writer, v: Versions, first_uid: i64, c: &Complex, shallow: bool) {
    w.i64(c.index);
    if shallow {
        w.u32(0);
    } else {
        w.u32(c.molecules.len() as u32);
        let mut ordinal = 0i64;
        for m in &c.molecules {
            w.i64(m.index).u32(m.chains.len() as u32);
            for ch in &m.chains {
                w.i64(ch.index).u32(ch.residues.len() as u32);
                for res in &ch.residues {
                    write_residue(w, v, first_uid, ordinal, res);
                    ordinal += res.atoms.len() as i64;
                }
                w.string(&ch.name);
            }
            if v.molecule >= 1 {
                w.bool(false);
            }
            w.string(&m.name);
            w_dict(w, &m.associated);
        }
    }
    w.bool(c.boxed)
        .bool(c.locked)
        .bool(c.visible)
        .bool(c.computing)
        .i32(i32::try_from(c.current_frame).unwrap_or(i32::MAX))
        .string(&c.name);
    if v.complex >= 2 {
        w.i32(0).string("");
    }
    if v.complex >= 3 {
        w_vec3(w, c.position);
        for q in c.rotation {
            w.f32(q);
        }
    } else {
        let [x, y, z] = c.position;
        let [qx, qy, qz, qw] = c.rotation;
        w_vec3(w, [-x, y, z]);
        for q in [qx, -qy, -qz, qw] {
            w.f32(q);
        }
    }
    w_dict(w, &c.remarks);
    w.bool(false).bool(false).f32(-1.0);
    if v.complex >= 1 {
        w.string(&c.box_label);
    }
}

/// The atom table of `complexes`, numbered in order from 0.
fn write_atom_table<'a>(
    w: &mut Writer,
    v: u8,
    complexes: impl Iterator<Item = &'a Complex> + Clone,
) {
    let n: usize = complexes.clone().map(|c| c.atoms().count()).sum();
    w.u32(u32::try_from(n).unwrap_or(u32::MAX));
    for (uid, a) in complexes.flat_map(|c| c.atoms()).enumerate() {
        w.i64(uid as i64);
        write_atom(w, v, a);
    }
}

fn write_complex_array<'a>(
    w: &mut Writer,
    v: Versions,
    complexes: impl Iterator<Item = &'a Complex> + Clone,
) {
    let list: Vec<&Complex> = complexes.collect();
    w.u32(list.len() as u32);
    let mut first = 0i64;
    for c in list {
        write_complex(w, v, first, c, false);
        first += c.atoms().count() as i64;
    }
}

/// Complexes with their atom table (`complexes_response`, `add_to_workspace_done`).
pub fn write_complexes<'a>(
    v: Versions,
    complexes: impl Iterator<Item = &'a Complex> + Clone,
) -> Vec<u8> {
    let mut w = Writer::default();
    write_atom_table(&mut w, v.atom, complexes.clone());
    write_complex_array(&mut w, v, complexes);
    w.bytes
}

/// Shallow complexes, no atom table (`complex_list_response`).
pub fn write_complex_list<'a>(
    v: Versions,
    complexes: impl Iterator<Item = &'a Complex>,
) -> Vec<u8> {
    let list: Vec<&Complex> = complexes.collect();
    let mut w = Writer::default();
    w.u32(list.len() as u32);
    for c in list {
        write_complex(&mut w, v, 0, c, true);
    }
    w.bytes
}

/// A workspace with its atom table (`workspace_response`).
pub fn write_workspace(v: Versions, ws: &Workspace) -> Vec<u8> {
    let mut w = Writer::default();
    write_atom_table(&mut w, v.atom, ws.complexes.iter());
    write_complex_array(&mut w, v, ws.complexes.iter());
    w_vec3(&mut w, ws.position);
    for q in ws.rotation {
        w.f32(q);
    }
    w_vec3(&mut w, ws.scale);
    w.bytes
}

/// A placeholder for an unknown index in a `complexes_response`: nanome-lib reads a
/// complex with index −1 as `None`.
pub fn unknown_complex() -> Complex {
    Complex {
        index: -1,
        rotation: IDENTITY,
        ..Complex::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn protein() -> Complex {
        let atom = |name: &str, x: f32| Atom {
            index: 10,
            symbol: "C".into(),
            name: name.into(),
            position: [x, 1.0, 2.0],
            atom_color: 0x11223344,
            formal_charge: -1,
            ..Atom::default()
        };
        let residue = |serial: i32, bonds: Vec<Bond>| Residue {
            index: 3,
            code: "ALA".into(),
            name: "ALA".into(),
            serial,
            secondary_structure: SecondaryStructure::Helix,
            atoms: vec![atom("N", serial as f32), atom("CA", 0.5)],
            bonds,
            ..Residue::default()
        };
        let bond = |a, b| Bond {
            index: 7,
            atom1: a,
            atom2: b,
            kind: BondKind::CovalentDouble,
        };
        Complex {
            index: 4,
            name: "prot".into(),
            position: [1.0, 2.0, 3.0],
            remarks: [("a".to_string(), "b".to_string())].into(),
            box_label: "box".into(),
            molecules: vec![Molecule {
                index: 5,
                name: "m".into(),
                associated: BTreeMap::new(),
                chains: vec![Chain {
                    index: 6,
                    name: "A".into(),
                    // A peptide bond from the first residue into the second.
                    residues: vec![residue(1, vec![bond(0, 1), bond(1, 2)]), residue(2, vec![])],
                }],
            }],
            ..Complex::default()
        }
    }

    #[test]
    fn complexes_round_trip_at_every_version_nanome_lib_has() {
        let c = protein();
        for atom in 0..=8 {
            for complex in 0..=3 {
                let v = Versions {
                    atom,
                    bond: (atom >= 2) as u8,
                    residue: (atom % 3).min(2),
                    molecule: (complex >= 1) as u8,
                    complex,
                };
                let bytes = write_complexes(v, [&c, &c].into_iter());
                let mut r = Reader::new(&bytes);
                let back = read_complexes(&mut r, v).unwrap();
                assert_eq!(r.remaining(), 0, "{v:?}");
                let mut want = c.clone();
                if v.residue == 0 {
                    for res in want.residues_mut() {
                        res.labeled = false;
                    }
                }
                if atom < 4 {
                    want.atoms_mut().for_each(|a| a.formal_charge = 0);
                }
                if complex == 0 {
                    want.box_label.clear();
                }
                assert_eq!(back, vec![want.clone(), want], "{v:?}");
            }
        }
    }

    #[test]
    fn a_workspace_and_a_shallow_list_round_trip() {
        let ws = Workspace {
            complexes: vec![protein()],
            position: [1.0, 0.0, 0.0],
            ..Workspace::default()
        };
        let bytes = write_workspace(Versions::LATEST, &ws);
        let back = read_workspace(&mut Reader::new(&bytes), Versions::LATEST).unwrap();
        assert_eq!(back, ws);
        let list = write_complex_list(Versions::LATEST, ws.complexes.iter());
        let mut r = Reader::new(&list);
        let shallow = read_complex_array(&mut r, Versions::LATEST, AtomTable::empty()).unwrap();
        assert_eq!(shallow, vec![ws.complexes[0].shallow()]);
    }

    #[test]
    fn lies_in_a_structure_are_errors() {
        let v = Versions::LATEST;
        let good = write_complexes(v, [protein()].iter());
        // Every truncation fails cleanly.
        for cut in 0..good.len() {
            assert!(
                read_complexes(&mut Reader::new(&good[..cut]), v).is_err(),
                "cut {cut}"
            );
        }
        // An atom table claiming a billion atoms.
        let mut w = Writer::default();
        w.u32(1 << 30);
        assert!(read_complexes(&mut Reader::new(&w.bytes), v).is_err());
        // A residue naming an atom the table lacks, and a bond naming one of another complex.
        let mut w = Writer::default();
        w.u32(0).u32(1);
        write_complex(&mut w, v, 100, &protein(), false);
        let e = read_complexes(&mut Reader::new(&w.bytes), v).unwrap_err();
        assert!(
            e.to_string().contains("not in the message's atom table"),
            "{e}"
        );
        // An unknown atom mode.
        let mut c = protein();
        c.molecules.clear();
        let mut bytes = Writer::default();
        bytes.u32(1).i64(0);
        write_atom(&mut bytes, v.atom, &Atom::default());
        let mode_at = 4 + 8 + 8 + 1;
        bytes.bytes[mode_at] = 9;
        assert!(AtomTable::read(&mut Reader::new(&bytes.bytes), v.atom).is_err());
    }

    /// The bound on a table's count is exact: an atom with empty text takes that much.
    #[test]
    fn the_smallest_atom_is_what_the_bound_assumes() {
        let bare = Atom {
            symbol: Name::default(),
            name: Name::default(),
            ..Atom::default()
        };
        for v in 0..=8 {
            let mut w = Writer::default();
            write_atom(&mut w, v, &bare);
            assert_eq!(w.bytes.len(), atom_min_size(v), "Atom v{v}");
        }
    }

    /// A table whose uids are scattered or out of order (another writer than nanome-lib's
    /// counter), and an atom two residues both list.
    #[test]
    fn atoms_are_found_by_uid_however_they_are_numbered() {
        let v = Versions::LATEST;
        // Dense but shuffled, written whole: read back as written.
        let mut w = Writer::default();
        w.u32(2);
        for (uid, name) in [(1i64, "B"), (0, "A")] {
            w.i64(uid);
            write_atom(
                &mut w,
                v.atom,
                &Atom {
                    name: name.into(),
                    ..Atom::default()
                },
            );
        }
        let t = AtomTable::read(&mut Reader::new(&w.bytes), v.atom).unwrap();
        assert_eq!(t.atoms[t.slot(0).unwrap()].as_ref().unwrap().name, "A");
        assert_eq!(t.atoms[t.slot(1).unwrap()].as_ref().unwrap().name, "B");
        assert_eq!(t.slot(2), None);
        // Scattered.
        let mut w = Writer::default();
        w.u32(2);
        for (uid, name) in [(900i64, "B"), (-4, "A")] {
            w.i64(uid);
            write_atom(
                &mut w,
                v.atom,
                &Atom {
                    name: name.into(),
                    ..Atom::default()
                },
            );
        }
        let t = AtomTable::read(&mut Reader::new(&w.bytes), v.atom).unwrap();
        assert_eq!(t.atoms[t.slot(-4).unwrap()].as_ref().unwrap().name, "A");
        assert_eq!(t.atoms[t.slot(900).unwrap()].as_ref().unwrap().name, "B");
        assert_eq!(t.slot(0), None);
        // One atom in two residues.
        let mut w = Writer::default();
        w.u32(1).i64(0);
        write_atom(&mut w, v.atom, &Atom::default());
        let mut twice = protein();
        for r in twice.residues_mut() {
            r.atoms.truncate(1);
            r.bonds.clear();
        }
        write_complex_array(&mut w, v, [&twice].into_iter());
        let bytes = {
            // Both residues name uid 0 (the second wrote uid 1).
            let mut b = w.bytes;
            let one = 1i64.to_le_bytes();
            let at = b.windows(8).rposition(|x| x == one).unwrap();
            b[at..at + 8].copy_from_slice(&0i64.to_le_bytes());
            b
        };
        let e = read_complexes(&mut Reader::new(&bytes), v);
        assert!(e.is_err(), "{e:?}");
    }

    #[test]
    fn an_update_names_the_first_level_nts_does_not_update() {
        let v = Versions::LATEST;
        let mut w = Writer {
            bytes: write_complexes(v, [protein()].iter()),
        };
        w.u32(0).u32(0).u32(2);
        let (complexes, other) = read_update(&mut Reader::new(&w.bytes), v).unwrap();
        assert_eq!((complexes.len(), other), (1, Some("residues")));
        let mut w = Writer {
            bytes: write_complexes(v, [protein()].iter()),
        };
        for _ in 0..5 {
            w.u32(0);
        }
        assert_eq!(read_update(&mut Reader::new(&w.bytes), v).unwrap().1, None);
    }
}

#[cfg(test)]
mod nanome_lib {
    use super::*;

    /// The body of an `add_to_workspace` that nanome-lib 0.42.1's own serializer wrote
    /// for a glycine it read from PDB (`Complex.io.from_pdb`): 5 atoms, no bonds.
    #[test]
    fn reads_what_nanome_lib_writes() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/legacy-vectors/bodies/add_to_workspace_gly_nanome_lib.bin"
        );
        let bytes = std::fs::read(path).unwrap();
        let mut r = Reader::new(&bytes);
        let complexes = read_complexes(&mut r, Versions::LATEST).unwrap();
        assert_eq!(r.remaining(), 0);
        assert_eq!(complexes.len(), 1);
        let names: Vec<&str> = complexes[0].atoms().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["N", "CA", "C", "O", "OXT"]);
    }
}
