//! A complex kept as its columns: the session's storage. Answering a plugin is then a copy
//! of byte strings and taking its update a check of its columns, never a tree of 128-byte
//! atoms built and freed; a complex costs about what it costs on the wire.

use super::column::{Column, In, Le, NONE, values_mut};
use super::decode::Open;
use super::*;
use serde::{Deserializer, Serializer};

/// A complex in its wire form, checked as [`Complex::validate`] would check the tree: what
/// the session stores. [`Packed::unpack`] builds the tree when something needs it.
#[derive(Clone, PartialEq)]
pub struct Packed {
    pub(super) wire: Wire,
    /// Atoms in the columns (checked against them).
    atoms: usize,
}

impl std::fmt::Debug for Packed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Packed")
            .field("index", &self.wire.index)
            .field("name", &self.wire.name)
            .field("atoms", &self.atoms)
            .finish_non_exhaustive()
    }
}

/// Column `pick` of a level (`None` when the level has no columns).
fn col<L>(level: &Option<L>, pick: fn(&L) -> &Option<Column>) -> &Option<Column> {
    level.as_ref().map_or(&NONE, pick)
}

/// Gives the next indices to the members of an index column (`n` of them) that have none.
fn give(col: &mut Option<Column>, n: usize, next: &mut i64) {
    match col {
        None if n > 0 => {
            *col = Some(Column::Run(*next + 1));
            *next += n as i64;
        }
        None => {}
        Some(Column::Run(start)) if *start >= 0 => {}
        Some(_) => {
            for v in values_mut(col, n, -1i64).chunks_exact_mut(8) {
                if i64::get(v) < 0 {
                    *next += 1;
                    v.copy_from_slice(&next.to_le_bytes());
                }
            }
        }
    }
}

impl Packed {
    /// The columns of `c` (which [`Complex::validate`] should have accepted: a tree it
    /// refuses packs, but a decoder would refuse its columns).
    pub fn pack(c: &Complex) -> Packed {
        Packed {
            wire: build::encode(c),
            atoms: c.atom_count(),
        }
    }

    /// The columns of `c`, if [`Complex::validate`] accepts it.
    pub fn checked(c: &Complex) -> Result<Packed, crate::api::Invalid> {
        c.validate()?;
        Ok(Packed::pack(c))
    }

    /// Checks the columns of `wire`.
    pub(super) fn check(wire: Wire) -> Result<Packed, String> {
        let atoms = Open::new(&wire)?.n_atoms;
        Ok(Packed { wire, atoms })
    }

    /// The columns, opened (they were checked when packed).
    fn open(&self) -> Option<Open<'_>> {
        match Open::new(&self.wire) {
            Ok(o) => Some(o),
            Err(e) => {
                tracing::error!("a stored complex's columns no longer check ({e}): a bug");
                None
            }
        }
    }

    /// The tree.
    pub fn unpack(&self) -> Complex {
        self.open()
            .map_or_else(|| decode::head(&self.wire), |o| o.build())
    }

    /// The complex without its molecules (nanome-lib's "shallow" complex).
    pub fn shallow(&self) -> Complex {
        decode::head(&self.wire)
    }

    /// Index in the workspace (−1 before it is added).
    pub fn index(&self) -> i64 {
        self.wire.index
    }

    /// Sets the complex's own index (not its members').
    pub fn set_index(&mut self, index: i64) {
        self.wire.index = index;
    }

    /// Display name.
    pub fn name(&self) -> &str {
        &self.wire.name
    }

    /// Number of atoms over all frames.
    pub fn atom_count(&self) -> usize {
        self.atoms
    }

    /// Position and rotation in the workspace.
    pub fn transform(&self) -> (Vec3, Quat) {
        (self.wire.position, self.wire.rotation)
    }

    /// Sets the position and rotation.
    pub fn set_transform(&mut self, position: Vec3, rotation: Quat) {
        self.wire.position = position;
        self.wire.rotation = rotation;
    }

    /// Whether `c`'s head (everything but its molecules) fits this complex's frames.
    pub fn head_fits(&self, c: &Complex) -> Result<(), crate::api::Invalid> {
        let frames = self.wire.molecules.len();
        if frames > 0 && c.current_frame as usize >= frames {
            return Err(crate::api::Invalid::new(format!(
                "complex {:?}: current_frame {} but {frames} frames",
                c.name, c.current_frame
            )));
        }
        Ok(())
    }

    /// Takes everything but the molecules from `c` (a shallow update), if it fits.
    pub fn set_head(&mut self, c: &Complex) -> Result<(), crate::api::Invalid> {
        self.head_fits(c)?;
        let w = &mut self.wire;
        w.index = c.index;
        w.name.clone_from(&c.name);
        w.visible = c.visible;
        w.locked = c.locked;
        w.boxed = c.boxed;
        w.computing = c.computing;
        w.current_frame = c.current_frame;
        w.position = c.position;
        w.rotation = c.rotation;
        w.remarks.clone_from(&c.remarks);
        w.box_label.clone_from(&c.box_label);
        Ok(())
    }

    /// Whether one of the complex's molecules (frames) has index `index`.
    pub fn has_molecule(&self, index: i64) -> bool {
        self.wire.molecules.iter().any(|m| m.index == index)
    }

    /// Forgets every index the complex carries (its own and its members'), so that
    /// [`Packed::give_indices`] gives all of them anew: what adding a complex does, even
    /// one copied from the workspace with its members' indices.
    pub fn clear_indices(&mut self) {
        let w = &mut self.wire;
        w.index = -1;
        for m in &mut w.molecules {
            m.index = -1;
        }
        if let Some(c) = w.chains.as_mut() {
            c.index = None;
        }
        if let Some(r) = w.residues.as_mut() {
            r.index = None;
        }
        if let Some(a) = w.atoms.as_mut() {
            a.index = None;
        }
        if let Some(b) = w.bonds.as_mut() {
            b.index = None;
        }
    }

    /// Gives the next indices (`*next + 1`, …) to the complex and to each of its
    /// molecules, chains, residues, atoms and bonds that has none, level by level, as
    /// the Nanome app would: a new complex's members get consecutive indices (a run).
    pub fn give_indices(&mut self, next: &mut i64) {
        let (n_chains, n_res, n_bonds) = self.counts();
        let w = &mut self.wire;
        if w.index < 0 {
            *next += 1;
            w.index = *next;
        }
        for m in &mut w.molecules {
            if m.index < 0 {
                *next += 1;
                m.index = *next;
            }
        }
        let cols = [
            (n_chains, w.chains.as_mut().map(|c| &mut c.index)),
            (n_res, w.residues.as_mut().map(|r| &mut r.index)),
            (self.atoms, w.atoms.as_mut().map(|a| &mut a.index)),
            (n_bonds, w.bonds.as_mut().map(|b| &mut b.index)),
        ];
        for (n, c) in cols {
            if let Some(c) = c {
                give(c, n, next);
            } else if n > 0 {
                // A level with members has its required column, so its columns exist.
                tracing::error!("a stored complex lacks a level's columns: a bug");
            }
        }
    }

    /// Chains, residues and bonds (checked when packed).
    fn counts(&self) -> (usize, usize, usize) {
        let w = &self.wire;
        let chains: usize = w.molecules.iter().map(|m| m.chains as usize).sum();
        let count = |c: &Option<Column>, n: usize| {
            let c = In::stored(c, n, 0u32);
            (0..n).map(|i| c.get(i) as usize).sum::<usize>()
        };
        let res = count(col(&w.chains, |c| &c.residues), chains);
        let bonds = count(col(&w.residues, |r| &r.bonds), res);
        (chains, res, bonds)
    }

    /// Whether `other` holds the same complex (the same tree), however its columns are
    /// sent: byte for byte when they are, else column by column.
    pub fn same_content(&self, other: &Packed) -> bool {
        if self.wire == other.wire {
            return true;
        }
        match (self.open(), other.open()) {
            (Some(a), Some(b)) => a.same(&b),
            _ => false,
        }
    }

    /// Whether every atom is selected in `other` as in `self` (both of the same atoms).
    pub fn same_selection(&self, other: &Packed) -> bool {
        let (a, b) = (
            self.atoms_in(|a| &a.flags, 1, 0u8),
            other.atoms_in(|a| &a.flags, 1, 0u8),
        );
        self.atoms == other.atoms
            && (0..self.atoms).all(|i| a.get(i) & SELECTED == b.get(i) & SELECTED)
    }

    /// Atom column `pick` as a reader (`per_atom` values per atom).
    fn atoms_in<T: Le>(
        &self,
        pick: fn(&AtomColumns) -> &Option<Column>,
        per_atom: usize,
        default: T,
    ) -> In<'_, T> {
        let c = col(&self.wire.atoms, pick);
        In::stored(c, per_atom * self.atoms, default)
    }

    /// Atom column `pick` as bytes to write (`per_atom` values per atom).
    fn atoms_mut<T: Le>(
        &mut self,
        pick: fn(&mut AtomColumns) -> &mut Option<Column>,
        per_atom: usize,
        default: T,
    ) -> &mut [u8] {
        let n = per_atom * self.atoms;
        let atoms = self.wire.atoms.get_or_insert_with(AtomColumns::default);
        values_mut(pick(atoms), n, default)
    }

    /// The index of each atom, in order.
    pub fn atom_indices(&self) -> impl Iterator<Item = i64> + '_ {
        let c = self.atoms_in(|a| &a.index, 1, -1i64);
        (0..self.atoms).map(move |i| c.get(i))
    }

    /// Atoms `first..first + n` exist and have indices `indices`.
    pub fn atoms_are(&self, first: usize, indices: &[i64]) -> bool {
        let c = self.atoms_in(|a| &a.index, 1, -1i64);
        first + indices.len() <= self.atoms
            && indices
                .iter()
                .enumerate()
                .all(|(k, i)| c.get(first + k) == *i)
    }

    /// Writes positions (3 little-endian `f32` each) from atom `first` on; a position
    /// with a non-finite value is skipped. Atoms past the end are ignored.
    pub fn write_positions(&mut self, first: usize, le: &[u8]) {
        let to = self.atoms_mut(|a| &mut a.position, 3, 0f32);
        let to = to.get_mut(first * 12..).unwrap_or_default();
        for (dst, src) in to.chunks_exact_mut(12).zip(le.chunks_exact(12)) {
            if src.chunks_exact(4).all(|v| f32::get(v).is_finite()) {
                dst.copy_from_slice(src);
            }
        }
    }

    /// Writes atom scales (little-endian `f32`) from atom `first` on.
    pub fn write_scales(&mut self, first: usize, le: &[u8]) {
        let to = self.atoms_mut(|a| &mut a.atom_scale, 1, 0.5f32);
        let to = to.get_mut(first * 4..).unwrap_or_default();
        for (dst, src) in to.chunks_exact_mut(4).zip(le.chunks_exact(4)) {
            dst.copy_from_slice(src);
        }
    }

    /// Writes atom colours (red, green, blue bytes; opaque) from atom `first` on.
    pub fn write_colors(&mut self, first: usize, rgb: &[u8]) {
        let to = self.atoms_mut(|a| &mut a.atom_color, 1, 0u32);
        let to = to.get_mut(first * 4..).unwrap_or_default();
        for (dst, c) in to.chunks_exact_mut(4).zip(rgb.chunks_exact(3)) {
            dst.copy_from_slice(&u32::from_be_bytes([c[0], c[1], c[2], 0xff]).to_le_bytes());
        }
    }

    /// Appends the positions of atoms `first..first + n`.
    pub fn read_positions(&self, first: usize, n: usize, out: &mut Vec<f32>) {
        let c = self.atoms_in(|a| &a.position, 3, 0f32);
        out.extend((3 * first..3 * (first + n)).map(|i| c.get(i)));
    }

    /// Appends the scales of atoms `first..first + n`.
    pub fn read_scales(&self, first: usize, n: usize, out: &mut Vec<f32>) {
        let c = self.atoms_in(|a| &a.atom_scale, 1, 0.5f32);
        out.extend((first..first + n).map(|i| c.get(i)));
    }

    /// Appends the colours (red, green, blue) of atoms `first..first + n`.
    pub fn read_colors(&self, first: usize, n: usize, out: &mut Vec<u8>) {
        let c = self.atoms_in(|a| &a.atom_color, 1, 0u32);
        for i in first..first + n {
            out.extend_from_slice(&c.get(i).to_be_bytes()[..3]);
        }
    }

    /// Appends the labels of atoms `first..first + n`.
    pub fn read_labels(&self, first: usize, n: usize, out: &mut Vec<String>) {
        let c = self.atoms_in(|a| &a.label_text, 1, u32::MAX);
        let s = &self.wire.strings;
        out.extend((first..first + n).map(|i| match s.get(c.get(i) as usize) {
            Some(t) => t.to_string(),
            None => String::new(),
        }));
    }
}

impl Serialize for Packed {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.wire.serialize(s)
    }
}

impl<'de> Deserialize<'de> for Packed {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Packed::check(Wire::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

impl From<&Complex> for Packed {
    fn from(c: &Complex) -> Packed {
        Packed::pack(c)
    }
}
