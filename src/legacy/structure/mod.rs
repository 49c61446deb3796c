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

use super::serial::{Reader, SerialError, VersionTable, version_of};
use crate::api::analysis::{ApplyColorScheme, SubstructureType};
use crate::api::structure::{
    Atom, AtomRenderingMode, Bond, BondKind, Chain, Complex, Molecule, Name, Quat, Residue,
    RibbonMode, SecondaryStructure, Workspace,
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
    fn new(table: AtomTable, v: Versions) -> Build {
        Build {
            table,
            v,
            complex: 0,
            atoms: 0,
            bonds: vec![],
            residues: 0,
        }
    }

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
    let mut build = Build::new(table, v);
    (0..n).map(|_| build.complex(r)).collect()
}

/// One complex with its atom table (`add_volume`).
pub fn read_complex(r: &mut Reader<'_>, v: Versions) -> Result<Complex, SerialError> {
    let table = AtomTable::read(r, v.atom)?;
    Build::new(table, v).complex(r)
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

/// `substructure_request`: the molecule's index and the type asked (0: all).
pub fn read_substructure_request(
    r: &mut Reader<'_>,
) -> Result<(i64, Option<SubstructureType>), SerialError> {
    let molecule = r.i64("the molecule's index")?;
    let kind = match r.u8("the substructure type")? {
        0 => None,
        1 => Some(SubstructureType::Protein),
        2 => Some(SubstructureType::Ligand),
        3 => Some(SubstructureType::Solvent),
        n => return Err(r.invalid(format!("substructure type {n} is none of 0 to 3"))),
    };
    Ok((molecule, kind))
}

/// `apply_color_scheme`: the scheme (1–16), what it paints (0–3), whether only carbons.
pub fn read_color_scheme(r: &mut Reader<'_>) -> Result<ApplyColorScheme, SerialError> {
    use crate::api::analysis::{ColorScheme as S, ColorSchemeTarget as T};
    const SCHEMES: [S; 16] = [
        S::Residue,
        S::Occupancy,
        S::BFactor,
        S::Element,
        S::Rainbow,
        S::Chain,
        S::DonorAcceptor,
        S::SecondaryStructure,
        S::Monochrome,
        S::YrbHydrophobicity,
        S::Hydrophobicity,
        S::Imgt,
        S::Kabat,
        S::Chothia,
        S::Apf,
        S::BFactorAf,
    ];
    const TARGETS: [T; 4] = [T::AtomBond, T::Ribbon, T::Surface, T::All];
    let s = r.i32("the colour scheme")?;
    let scheme = usize::try_from(s)
        .ok()
        .and_then(|i| SCHEMES.get(i.checked_sub(1)?))
        .copied()
        .ok_or_else(|| r.invalid(format!("colour scheme {s} is none of 1 to 16")))?;
    let t = r.i32("what the colour scheme paints")?;
    let target = usize::try_from(t)
        .ok()
        .and_then(|i| TARGETS.get(i))
        .copied()
        .ok_or_else(|| r.invalid(format!("colour scheme target {t} is none of 0 to 3")))?;
    Ok(ApplyColorScheme {
        scheme,
        target,
        only_carbons: r.bool("the only-carbons flag")?,
    })
}

mod write;
pub use write::{
    unknown_complex, write_complex_event, write_complex_list, write_complexes, write_substructures,
    write_workspace,
};
#[cfg(test)]
use write::{write_atom, write_complex, write_complex_array};

#[cfg(test)]
mod tests;
