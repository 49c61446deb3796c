//! Columns back into the tree: every column checked whole, then the tree built without a
//! fallible step.

use super::column::{Column, In, Le};
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

/// Columns back into the tree. Every column is checked whole first (lengths, indices,
/// enum bytes, finiteness), so the tree is then built without a fallible step.
pub(super) fn decode(w: Wire) -> Result<Complex, String> {
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
    check_bytes(
        &a_mode,
        |m| AtomRenderingMode::from_byte(m).is_some(),
        "atom atom_mode",
    )?;
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
    check_bytes(&b_kind, |k| BondKind::from_byte(k).is_some(), "bond kind")?;
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
            atom_mode: AtomRenderingMode::from_byte(a_mode.get(ai)).unwrap_or_default(),
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
        kind: BondKind::from_byte(b_kind.get(bi)).unwrap_or_default(),
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
            secondary_structure: SecondaryStructure::from_byte(r_ss.get(ri)).unwrap_or_default(),
            ribboned: flags & RIBBONED != 0,
            ribbon_size: r_size.get(ri),
            ribbon_mode: RibbonMode::from_byte(r_mode.get(ri)).unwrap_or_default(),
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
