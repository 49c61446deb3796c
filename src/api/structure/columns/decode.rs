//! Columns back into the tree: every column checked whole, then the tree built without a
//! fallible step.

use super::column::{Column, In, Le, NONE};
use super::*;
use std::collections::HashMap;

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

/// A complex's columns, every one checked whole (lengths, string indices, enum bytes,
/// finiteness, bonds, caps): the tree is then built from them without a fallible step.
pub(super) struct Open<'a> {
    w: &'a Wire,
    n_chains: usize,
    n_res: usize,
    pub(super) n_atoms: usize,
    n_bonds: usize,
    ch_index: In<'a, i64>,
    ch_name: In<'a, u32>,
    ch_res: In<'a, u32>,
    r_index: In<'a, i64>,
    r_atoms: In<'a, u32>,
    r_bonds: In<'a, u32>,
    r_code: In<'a, u32>,
    r_serial: In<'a, i32>,
    r_icode: In<'a, u8>,
    r_name: In<'a, u32>,
    r_ss: In<'a, u8>,
    r_flags: In<'a, u8>,
    r_size: In<'a, f32>,
    r_mode: In<'a, u8>,
    r_color: In<'a, u32>,
    r_label: In<'a, u32>,
    pub(super) a_index: In<'a, i64>,
    pub(super) a_pos: In<'a, f32>,
    a_element: In<'a, u8>,
    a_serial: In<'a, i32>,
    a_name: In<'a, u32>,
    pub(super) a_flags: In<'a, u8>,
    a_occ: In<'a, f32>,
    a_bf: In<'a, f32>,
    a_fc: In<'a, i32>,
    a_pc: In<'a, f32>,
    a_mode: In<'a, u8>,
    pub(super) a_color: In<'a, u32>,
    pub(super) a_scale: In<'a, f32>,
    pub(super) a_label: In<'a, u32>,
    /// Symbols of the atoms whose element byte is 0, by ordinal.
    others: HashMap<u32, Name>,
    b_index: In<'a, i64>,
    b_atoms: In<'a, u32>,
    b_kind: In<'a, u8>,
}

impl<'a> Open<'a> {
    /// Checks every column of `w` against its level's count.
    pub(super) fn new(w: &'a Wire) -> Result<Self, String> {
        let s = &w.strings[..];
        let n_chains = total(
            w.molecules.iter().map(|m| m.chains as u64),
            MAX_PARTS,
            "chains",
        )?;
        if !w.molecules.is_empty() && w.current_frame as usize >= w.molecules.len() {
            return Err(format!(
                "current_frame is {} but the complex has {} frames",
                w.current_frame,
                w.molecules.len()
            ));
        }
        let chains = w.chains.as_ref();
        let col = |f: fn(&ChainColumns) -> &Option<Column>| chains.map_or(&NONE, f);
        let ch_index = In::open(col(|c| &c.index), n_chains, -1i64, "chains.index")?;
        let ch_name = In::required(col(|c| &c.name), n_chains, u32::MAX, "chains.name")?;
        let ch_res = In::open(col(|c| &c.residues), n_chains, 0u32, "chains.residues")?;
        let mut budget = MAX_TEXT;
        check_texts(&ch_name, s, &mut budget, "chain")?;
        let n_res = total(
            (0..n_chains).map(|i| ch_res.get(i) as u64),
            MAX_PARTS,
            "residues",
        )?;

        let r = w.residues.as_ref();
        let col = |f: fn(&ResidueColumns) -> &Option<Column>| r.map_or(&NONE, f);
        let r_index = In::open(col(|r| &r.index), n_res, -1i64, "residues.index")?;
        let r_atoms = In::required(col(|r| &r.atoms), n_res, 0u32, "residues.atoms")?;
        let r_bonds = In::open(col(|r| &r.bonds), n_res, 0u32, "residues.bonds")?;
        let r_code = In::open(col(|r| &r.code), n_res, u32::MAX, "residues.code")?;
        let r_serial = In::open(col(|r| &r.serial), n_res, 1i32, "residues.serial")?;
        let r_icode = In::open(
            col(|r| &r.insertion_code),
            n_res,
            b' ',
            "residues.insertion_code",
        )?;
        let r_name = In::open(col(|r| &r.name), n_res, u32::MAX, "residues.name")?;
        let r_ss = In::open(
            col(|r| &r.secondary_structure),
            n_res,
            0u8,
            "residues.secondary_structure",
        )?;
        let r_flags = In::open(col(|r| &r.flags), n_res, RIBBONED, "residues.flags")?;
        let r_size = In::open(
            col(|r| &r.ribbon_size),
            n_res,
            1.0f32,
            "residues.ribbon_size",
        )?;
        let r_mode = In::open(col(|r| &r.ribbon_mode), n_res, 0u8, "residues.ribbon_mode")?;
        let r_color = In::open(
            col(|r| &r.ribbon_color),
            n_res,
            0u32,
            "residues.ribbon_color",
        )?;
        let r_label = In::open(
            col(|r| &r.label_text),
            n_res,
            u32::MAX,
            "residues.label_text",
        )?;
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
            |b| SecondaryStructure::from_byte(b).is_some(),
            "residue secondary_structure",
        )?;
        check_bytes(
            &r_flags,
            |b| b & !(RIBBONED | RES_LABELED) == 0,
            "residue flags",
        )?;
        check_bytes(
            &r_mode,
            |b| RibbonMode::from_byte(b).is_some(),
            "residue ribbon_mode",
        )?;
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

        let a = w.atoms.as_ref();
        let col = |f: fn(&AtomColumns) -> &Option<Column>| a.map_or(&NONE, f);
        let n = n_atoms;
        let a_index = In::open(col(|a| &a.index), n, -1i64, "atoms.index")?;
        let a_pos = In::required(col(|a| &a.position), 3 * n, 0f32, "atoms.position")?;
        let a_element = In::open(col(|a| &a.element), n, 6u8, "atoms.element")?;
        let a_serial = In::open(col(|a| &a.serial), n, 1i32, "atoms.serial")?;
        let a_name = In::open(col(|a| &a.name), n, u32::MAX, "atoms.name")?;
        let a_flags = In::open(col(|a| &a.flags), n, 0u8, "atoms.flags")?;
        let a_occ = In::open(col(|a| &a.occupancy), n, 0f32, "atoms.occupancy")?;
        let a_bf = In::open(col(|a| &a.bfactor), n, 0f32, "atoms.bfactor")?;
        let a_fc = In::open(col(|a| &a.formal_charge), n, 0i32, "atoms.formal_charge")?;
        let a_pc = In::open(col(|a| &a.partial_charge), n, 0f32, "atoms.partial_charge")?;
        let a_mode = In::open(col(|a| &a.atom_mode), n, 0u8, "atoms.atom_mode")?;
        let a_color = In::open(col(|a| &a.atom_color), n, 0u32, "atoms.atom_color")?;
        let a_scale = In::open(col(|a| &a.atom_scale), n, 0.5f32, "atoms.atom_scale")?;
        let a_label = In::open(col(|a| &a.label_text), n, u32::MAX, "atoms.label_text")?;
        check_finite(&a_pos, "atom position value")?;
        check_texts(&a_name, s, &mut budget, "atom name")?;
        check_texts(&a_label, s, &mut budget, "atom label")?;
        check_bytes(&a_element, |z| z <= 118, "atom element")?;
        check_bytes(
            &a_flags,
            |f| f & !(HET | SELECTED | LABELED | ACCEPTOR | DONOR) == 0,
            "atom flags",
        )?;
        check_bytes(
            &a_mode,
            |m| AtomRenderingMode::from_byte(m).is_some(),
            "atom atom_mode",
        )?;
        // Symbols of the atoms whose element byte is 0, as (ordinal, string index) pairs.
        let mut others: HashMap<u32, Name> = HashMap::new();
        let symbols = match col(|a| &a.symbols) {
            None => None,
            Some(Column::Values(b)) => Some(&b[..]),
            Some(Column::Run(_)) => {
                return Err("column atoms.symbols must be a byte string".into());
            }
        };
        if let Some(b) = symbols {
            if b.len() % 8 != 0 || b.len() / 8 > n_atoms {
                return Err(format!(
                    "column atoms.symbols has {} bytes; it holds (ordinal, string) pairs of 8 \
                     bytes, at most one per atom",
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

        let bc = w.bonds.as_ref();
        let col = |f: fn(&BondColumns) -> &Option<Column>| bc.map_or(&NONE, f);
        let b_index = In::open(col(|b| &b.index), n_bonds, -1i64, "bonds.index")?;
        let b_atoms = In::required(col(|b| &b.atoms), 2 * n_bonds, 0u32, "bonds.atoms")?;
        let b_kind = In::open(col(|b| &b.kind), n_bonds, 1u8, "bonds.kind")?;
        check_bytes(&b_kind, |k| BondKind::from_byte(k).is_some(), "bond kind")?;
        for bi in 0..n_bonds {
            let (a1, a2) = (b_atoms.get(2 * bi), b_atoms.get(2 * bi + 1));
            if a1 as usize >= n_atoms || a2 as usize >= n_atoms || a1 == a2 {
                return Err(format!(
                    "bond {bi}: {a1}–{a2} does not join two distinct atoms of the {n_atoms} \
                     the complex has"
                ));
            }
        }
        Ok(Open {
            w,
            n_chains,
            n_res,
            n_atoms,
            n_bonds,
            ch_index,
            ch_name,
            ch_res,
            r_index,
            r_atoms,
            r_bonds,
            r_code,
            r_serial,
            r_icode,
            r_name,
            r_ss,
            r_flags,
            r_size,
            r_mode,
            r_color,
            r_label,
            a_index,
            a_pos,
            a_element,
            a_serial,
            a_name,
            a_flags,
            a_occ,
            a_bf,
            a_fc,
            a_pc,
            a_mode,
            a_color,
            a_scale,
            a_label,
            others,
            b_index,
            b_atoms,
            b_kind,
        })
    }

    /// The text of string-table index `id` ([`u32::MAX`]: `default`).
    #[inline]
    pub(super) fn text(&self, id: u32, default: &Name) -> Name {
        text(&self.w.strings, id, default)
    }

    /// The text of string-table index `id` ([`u32::MAX`]: `default`), borrowed.
    fn text_str<'s>(&'s self, id: u32, default: &'s str) -> &'s str {
        match self.w.strings.get(id as usize) {
            Some(t) => t,
            None => default,
        }
    }

    /// Whether text column `a` of `self` and `b` of `o` (`n` members each) hold the same
    /// texts, whichever string tables they index.
    fn same_texts(&self, a: &In<u32>, o: &Open, b: &In<u32>, n: usize, default: &str) -> bool {
        (self.w.strings == o.w.strings && a.same(b, n))
            || (0..n).all(|i| self.text_str(a.get(i), default) == o.text_str(b.get(i), default))
    }

    /// Whether `o` holds the same complex as `self` (the same tree), however each one's
    /// columns are sent (a column of defaults left out or not, a run or its values).
    pub(super) fn same(&self, o: &Open) -> bool {
        let (a, b) = (self.w, o.w);
        let heads = a.index == b.index
            && a.name == b.name
            && a.visible == b.visible
            && a.locked == b.locked
            && a.boxed == b.boxed
            && a.computing == b.computing
            && a.current_frame == b.current_frame
            && a.position == b.position
            && a.rotation == b.rotation
            && a.remarks == b.remarks
            && a.box_label == b.box_label
            && a.molecules == b.molecules;
        let counts = (self.n_chains, self.n_res, self.n_atoms, self.n_bonds)
            == (o.n_chains, o.n_res, o.n_atoms, o.n_bonds);
        if !(heads && counts) {
            return false;
        }
        let (nc, nr, na, nb) = (self.n_chains, self.n_res, self.n_atoms, self.n_bonds);
        let (dr, da) = (Residue::default(), Atom::default());
        let chains = self.ch_index.same(&o.ch_index, nc)
            && self.ch_res.same(&o.ch_res, nc)
            && self.same_texts(&self.ch_name, o, &o.ch_name, nc, "");
        let residues = self.r_index.same(&o.r_index, nr)
            && self.r_atoms.same(&o.r_atoms, nr)
            && self.r_bonds.same(&o.r_bonds, nr)
            && self.r_serial.same(&o.r_serial, nr)
            && self.r_icode.same(&o.r_icode, nr)
            && self.r_ss.same(&o.r_ss, nr)
            && self.r_flags.same(&o.r_flags, nr)
            && self.r_size.same(&o.r_size, nr)
            && self.r_mode.same(&o.r_mode, nr)
            && self.r_color.same(&o.r_color, nr)
            && self.same_texts(&self.r_code, o, &o.r_code, nr, "")
            && self.same_texts(&self.r_name, o, &o.r_name, nr, &dr.name)
            && self.same_texts(&self.r_label, o, &o.r_label, nr, "");
        let atoms = self.a_index.same(&o.a_index, na)
            && self.a_pos.same(&o.a_pos, 3 * na)
            && self.a_element.same(&o.a_element, na)
            && self.others == o.others
            && self.a_serial.same(&o.a_serial, na)
            && self.a_flags.same(&o.a_flags, na)
            && self.a_occ.same(&o.a_occ, na)
            && self.a_bf.same(&o.a_bf, na)
            && self.a_fc.same(&o.a_fc, na)
            && self.a_pc.same(&o.a_pc, na)
            && self.a_mode.same(&o.a_mode, na)
            && self.a_color.same(&o.a_color, na)
            && self.a_scale.same(&o.a_scale, na)
            && self.same_texts(&self.a_name, o, &o.a_name, na, &da.name)
            && self.same_texts(&self.a_label, o, &o.a_label, na, "");
        let bonds = self.b_index.same(&o.b_index, nb)
            && self.b_atoms.same(&o.b_atoms, 2 * nb)
            && self.b_kind.same(&o.b_kind, nb);
        chains && residues && atoms && bonds
    }

    /// The complex without its molecules.
    pub(super) fn head(&self) -> Complex {
        head(self.w)
    }

    /// The tree.
    pub(super) fn build(&self) -> Complex {
        let (dr, da) = (Residue::default(), Atom::default());
        let empty = Name::default();
        let atom = |ai: usize| {
            let flags = self.a_flags.get(ai);
            let z = self.a_element.get(ai);
            Atom {
                index: self.a_index.get(ai),
                symbol: match z {
                    0 => self.others[&(ai as u32)].clone(),
                    z => Name::const_new(ELEMENTS[z as usize - 1]),
                },
                serial: self.a_serial.get(ai),
                name: self.text(self.a_name.get(ai), &da.name),
                position: [
                    self.a_pos.get(3 * ai),
                    self.a_pos.get(3 * ai + 1),
                    self.a_pos.get(3 * ai + 2),
                ],
                is_het: flags & HET != 0,
                occupancy: self.a_occ.get(ai),
                bfactor: self.a_bf.get(ai),
                formal_charge: self.a_fc.get(ai),
                partial_charge: self.a_pc.get(ai),
                selected: flags & SELECTED != 0,
                labeled: flags & LABELED != 0,
                label_text: self.text(self.a_label.get(ai), &empty),
                atom_mode: AtomRenderingMode::from_byte(self.a_mode.get(ai)).unwrap_or_default(),
                atom_color: self.a_color.get(ai),
                atom_scale: self.a_scale.get(ai),
                acceptor: flags & ACCEPTOR != 0,
                donor: flags & DONOR != 0,
            }
        };
        let bond = |bi: usize| Bond {
            index: self.b_index.get(bi),
            atom1: self.b_atoms.get(2 * bi),
            atom2: self.b_atoms.get(2 * bi + 1),
            kind: BondKind::from_byte(self.b_kind.get(bi)).unwrap_or_default(),
        };
        let (mut res_i, mut atom_i, mut bond_i) = (0usize, 0usize, 0usize);
        let mut residue = |ri: usize| {
            let flags = self.r_flags.get(ri);
            let (na, nb) = (self.r_atoms.get(ri) as usize, self.r_bonds.get(ri) as usize);
            let atoms = (atom_i..atom_i + na).map(atom).collect();
            let bonds = (bond_i..bond_i + nb).map(bond).collect();
            atom_i += na;
            bond_i += nb;
            Residue {
                index: self.r_index.get(ri),
                code: self.text(self.r_code.get(ri), &empty),
                serial: self.r_serial.get(ri),
                insertion_code: self.r_icode.get(ri) as char,
                name: self.text(self.r_name.get(ri), &dr.name),
                secondary_structure: SecondaryStructure::from_byte(self.r_ss.get(ri))
                    .unwrap_or_default(),
                ribboned: flags & RIBBONED != 0,
                ribbon_size: self.r_size.get(ri),
                ribbon_mode: RibbonMode::from_byte(self.r_mode.get(ri)).unwrap_or_default(),
                ribbon_color: self.r_color.get(ri),
                labeled: flags & RES_LABELED != 0,
                label_text: self.text(self.r_label.get(ri), &empty),
                atoms,
                bonds,
            }
        };
        let mut chain_i = 0usize;
        let mut molecules = Vec::with_capacity(self.w.molecules.len());
        for head in &self.w.molecules {
            let chains = (chain_i..chain_i + head.chains as usize)
                .map(|i| {
                    let nr = self.ch_res.get(i) as usize;
                    let residues = (res_i..res_i + nr).map(&mut residue).collect();
                    res_i += nr;
                    Chain {
                        index: self.ch_index.get(i),
                        name: self.text(self.ch_name.get(i), &empty),
                        residues,
                    }
                })
                .collect();
            chain_i += head.chains as usize;
            molecules.push(Molecule {
                index: head.index,
                name: head.name.clone(),
                associated: head.associated.clone(),
                chains,
            });
        }
        Complex {
            molecules,
            ..self.head()
        }
    }
}

/// The complex of `w` without its molecules.
pub(super) fn head(w: &Wire) -> Complex {
    Complex {
        index: w.index,
        name: w.name.clone(),
        molecules: vec![],
        visible: w.visible,
        locked: w.locked,
        boxed: w.boxed,
        computing: w.computing,
        current_frame: w.current_frame,
        position: w.position,
        rotation: w.rotation,
        remarks: w.remarks.clone(),
        box_label: w.box_label.clone(),
    }
}

/// Columns back into the tree.
pub(super) fn decode(w: &Wire) -> Result<Complex, String> {
    Ok(Open::new(w)?.build())
}
