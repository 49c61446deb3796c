//! The tree as columns: one pass over each level writes all of its columns.

use super::column::{Column, Le, Out};
use super::*;
use serde_bytes::ByteBuf;
use std::collections::HashMap;

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

/// The tree as columns.
pub(super) fn encode(c: &Complex) -> Wire {
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
        r_ss.push(r.secondary_structure.into());
        r_flags.push(bit(r.ribboned, RIBBONED) | bit(r.labeled, RES_LABELED));
        r_size.push(r.ribbon_size);
        r_mode.push(r.ribbon_mode.into());
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
            a_mode.push(a.atom_mode.into());
            a_color.push(a.atom_color);
            a_scale.push(a.atom_scale);
            a_label.push(strings.or_default(&a.label_text, ""));
            ordinal += 1;
        }
        for b in &r.bonds {
            b_index.push(b.index);
            b_atoms.push(b.atom1);
            b_atoms.push(b.atom2);
            b_kind.push(b.kind.into());
        }
    }

    Wire {
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
    }
}
