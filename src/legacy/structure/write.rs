//! Writing nanome-lib's structure serializers from nts's tree (see the parent module):
//! a message's atoms are numbered in order, complex after complex, so a bond's uid is its
//! complex's first uid plus the atom's ordinal.

use super::Versions;
use crate::api::analysis::{Substructure, SubstructureType};
use crate::api::structure::{Atom, Complex, IDENTITY, Molecule, Residue, Vec3, Workspace};
use crate::legacy::serial::Writer;
use std::collections::BTreeMap;

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

pub(super) fn write_atom(w: &mut Writer, v: u8, a: &Atom) {
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

/// Writes `m`, its atoms numbered from `first_uid + ordinal`; the ordinal after it.
fn write_molecule(
    w: &mut Writer,
    v: Versions,
    first_uid: i64,
    mut ordinal: i64,
    m: &Molecule,
) -> i64 {
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
    ordinal
}

/// Writes `c` with its atoms numbered from `first_uid` (shallow: no molecules).
pub(super) fn write_complex(
    w: &mut Writer,
    v: Versions,
    first_uid: i64,
    c: &Complex,
    shallow: bool,
) {
    w.i64(c.index);
    if shallow {
        w.u32(0);
    } else {
        w.u32(c.molecules.len() as u32);
        let mut ordinal = 0i64;
        for m in &c.molecules {
            ordinal = write_molecule(w, v, first_uid, ordinal, m);
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

pub(super) fn write_complex_array<'a>(
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

/// `complex_updated` and `selection_changed`: the complex's index, then the complex with
/// its atom table.
pub fn write_complex_event(v: Versions, c: &Complex) -> Vec<u8> {
    let mut w = Writer::default();
    w.i64(c.index).bool(true);
    write_atom_table(&mut w, v.atom, std::iter::once(c));
    write_complex(&mut w, v, 0, c, false);
    w.bytes
}

/// A `substructure_response`: the molecule with its atom table, then each substructure's
/// name, residue indices and type (nanome-lib's `SubstructureType`: protein 1, ligand 2,
/// solvent 3). Of an empty molecule, with none, for a request that could not be served.
///
/// `m` comes with the number of atoms before it in its complex: its bonds count atoms
/// from the complex's first, its atom table from its own.
pub fn write_substructures(
    v: Versions,
    m: Option<(&Molecule, i64)>,
    subs: &[Substructure],
) -> Vec<u8> {
    let empty = Molecule {
        index: -1,
        ..Molecule::default()
    };
    let (m, before) = m.unwrap_or((&empty, 0));
    let mut w = Writer::default();
    let atoms = m
        .chains
        .iter()
        .flat_map(|c| &c.residues)
        .flat_map(|r| &r.atoms);
    w.u32(u32::try_from(atoms.clone().count()).unwrap_or(u32::MAX));
    for (uid, a) in atoms.enumerate() {
        w.i64(uid as i64);
        write_atom(&mut w, v.atom, a);
    }
    write_molecule(&mut w, v, -before, before, m);
    w.u32(subs.len() as u32);
    for s in subs {
        w.string(&s.name).u32(s.residues.len() as u32);
        for r in &s.residues {
            w.i64(*r);
        }
        w.u8(match s.kind {
            SubstructureType::Protein => 1,
            SubstructureType::Ligand => 2,
            SubstructureType::Solvent => 3,
        });
    }
    w.bytes
}
