//! The columns written level by level, in tree order: molecules, then each chain, each
//! residue followed by its atoms and bonds. The tree's encoder and the file readers (which
//! never build a tree for the session) share this one writer.

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

/// The complex's string table, built while writing. Its keys come from plugins: the
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

/// How many members each level will have (the columns are sized once).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Sizes {
    pub chains: usize,
    pub residues: usize,
    pub atoms: usize,
    pub bonds: usize,
}

/// A residue's own fields; `atoms` and `bonds` of its members follow it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResidueRow<'a> {
    pub index: i64,
    pub code: &'a str,
    pub serial: i32,
    pub insertion_code: char,
    pub name: &'a str,
    pub secondary_structure: SecondaryStructure,
    pub ribboned: bool,
    pub ribbon_size: f32,
    pub ribbon_mode: RibbonMode,
    pub ribbon_color: u32,
    pub labeled: bool,
    pub label_text: &'a str,
    pub atoms: u32,
    pub bonds: u32,
}

impl ResidueRow<'static> {
    /// [`Residue::default`]'s fields.
    pub const DEFAULT: Self = ResidueRow {
        index: -1,
        code: "",
        serial: 1,
        insertion_code: ' ',
        name: "",
        secondary_structure: SecondaryStructure::Unknown,
        ribboned: true,
        ribbon_size: 1.0,
        ribbon_mode: RibbonMode::SecondaryStructure,
        ribbon_color: 0,
        labeled: false,
        label_text: "",
        atoms: 0,
        bonds: 0,
    };
}

impl<'a> ResidueRow<'a> {
    #[inline]
    fn of(r: &'a Residue) -> Self {
        ResidueRow {
            index: r.index,
            code: &r.code,
            serial: r.serial,
            insertion_code: r.insertion_code,
            name: &r.name,
            secondary_structure: r.secondary_structure,
            ribboned: r.ribboned,
            ribbon_size: r.ribbon_size,
            ribbon_mode: r.ribbon_mode,
            ribbon_color: r.ribbon_color,
            labeled: r.labeled,
            label_text: &r.label_text,
            atoms: r.atoms.len() as u32,
            bonds: r.bonds.len() as u32,
        }
    }
}

/// An atom's fields.
#[derive(Debug, Clone, Copy)]
pub(crate) struct AtomRow<'a> {
    pub index: i64,
    pub symbol: &'a str,
    pub serial: i32,
    pub name: &'a str,
    pub position: Vec3,
    pub is_het: bool,
    pub occupancy: f32,
    pub bfactor: f32,
    pub formal_charge: i32,
    pub partial_charge: f32,
    pub selected: bool,
    pub labeled: bool,
    pub label_text: &'a str,
    pub atom_mode: AtomRenderingMode,
    pub atom_color: u32,
    pub atom_scale: f32,
    pub acceptor: bool,
    pub donor: bool,
}

impl AtomRow<'static> {
    /// [`Atom::default`]'s fields.
    pub const DEFAULT: Self = AtomRow {
        index: -1,
        symbol: "C",
        serial: 1,
        name: "default",
        position: [0.0; 3],
        is_het: false,
        occupancy: 0.0,
        bfactor: 0.0,
        formal_charge: 0,
        partial_charge: 0.0,
        selected: false,
        labeled: false,
        label_text: "",
        atom_mode: AtomRenderingMode::BallStick,
        atom_color: 0,
        atom_scale: 0.5,
        acceptor: false,
        donor: false,
    };
}

impl<'a> AtomRow<'a> {
    #[inline]
    fn of(a: &'a Atom) -> Self {
        AtomRow {
            index: a.index,
            symbol: &a.symbol,
            serial: a.serial,
            name: &a.name,
            position: a.position,
            is_het: a.is_het,
            occupancy: a.occupancy,
            bfactor: a.bfactor,
            formal_charge: a.formal_charge,
            partial_charge: a.partial_charge,
            selected: a.selected,
            labeled: a.labeled,
            label_text: &a.label_text,
            atom_mode: a.atom_mode,
            atom_color: a.atom_color,
            atom_scale: a.atom_scale,
            acceptor: a.acceptor,
            donor: a.donor,
        }
    }
}

/// Writes a complex's columns from its members given in tree order. The counts given to
/// each head (a molecule's chains, a chain's residues, a residue's atoms and bonds) must
/// match the members that follow; [`Builder::checked`] verifies them.
pub(crate) struct Builder<'a> {
    strings: Strings<'a>,
    molecules: Vec<MoleculeHead>,
    n: Sizes,
    ch_index: Out<i64>,
    ch_name: Out<u32>,
    ch_res: Out<u32>,
    r_index: Out<i64>,
    r_atoms: Out<u32>,
    r_bonds: Out<u32>,
    r_code: Out<u32>,
    r_serial: Out<i32>,
    r_icode: Out<u8>,
    r_name: Out<u32>,
    r_ss: Out<u8>,
    r_flags: Out<u8>,
    r_size: Out<f32>,
    r_mode: Out<u8>,
    r_color: Out<u32>,
    r_label: Out<u32>,
    a_index: Out<i64>,
    a_pos: Out<f32>,
    a_element: Out<u8>,
    a_symbols: Vec<u8>,
    a_serial: Out<i32>,
    a_name: Out<u32>,
    a_flags: Out<u8>,
    a_occ: Out<f32>,
    a_bf: Out<f32>,
    a_fc: Out<i32>,
    a_pc: Out<f32>,
    a_mode: Out<u8>,
    a_color: Out<u32>,
    a_scale: Out<f32>,
    a_label: Out<u32>,
    b_index: Out<i64>,
    b_atoms: Out<u32>,
    b_kind: Out<u8>,
    // Looked up before the string table or the periodic table is searched: the last
    // residue code (residues of one kind follow each other), per place in a residue the
    // last atom name (an atom is most often named as the one at its place in the residue
    // before), and the last element (runs of one element are the rule).
    last_code: Option<(&'a str, u32)>,
    names: Vec<(&'a str, u32)>,
    last_element: Option<(&'a str, u8)>,
    /// Place of the next atom in its residue.
    place: usize,
    /// Atoms written so far.
    ordinal: u32,
}

impl<'a> Builder<'a> {
    /// A writer for a complex of `n` members per level.
    pub(crate) fn new(n: Sizes) -> Self {
        Builder {
            strings: Strings::default(),
            molecules: Vec::new(),
            n,
            ch_index: Out::new(n.chains, -1i64),
            ch_name: Out::new(n.chains, u32::MAX),
            ch_res: Out::new(n.chains, 0u32),
            r_index: Out::new(n.residues, -1i64),
            r_atoms: Out::new(n.residues, 0u32),
            r_bonds: Out::new(n.residues, 0u32),
            r_code: Out::new(n.residues, u32::MAX),
            r_serial: Out::new(n.residues, 1i32),
            r_icode: Out::new(n.residues, b' '),
            r_name: Out::new(n.residues, u32::MAX),
            r_ss: Out::new(n.residues, 0u8),
            r_flags: Out::new(n.residues, RIBBONED),
            r_size: Out::new(n.residues, 1.0f32),
            r_mode: Out::new(n.residues, 0u8),
            r_color: Out::new(n.residues, 0u32),
            r_label: Out::new(n.residues, u32::MAX),
            a_index: Out::new(n.atoms, -1i64),
            a_pos: Out::new(3 * n.atoms, 0f32),
            a_element: Out::new(n.atoms, 6u8),
            a_symbols: Vec::new(),
            a_serial: Out::new(n.atoms, 1i32),
            a_name: Out::new(n.atoms, u32::MAX),
            a_flags: Out::new(n.atoms, 0u8),
            a_occ: Out::new(n.atoms, 0f32),
            a_bf: Out::new(n.atoms, 0f32),
            a_fc: Out::new(n.atoms, 0i32),
            a_pc: Out::new(n.atoms, 0f32),
            a_mode: Out::new(n.atoms, 0u8),
            a_color: Out::new(n.atoms, 0u32),
            a_scale: Out::new(n.atoms, 0.5f32),
            a_label: Out::new(n.atoms, u32::MAX),
            b_index: Out::new(n.bonds, -1i64),
            b_atoms: Out::new(2 * n.bonds, 0u32),
            b_kind: Out::new(n.bonds, 1u8),
            last_code: None,
            names: Vec::new(),
            last_element: None,
            place: 0,
            ordinal: 0,
        }
    }

    /// A molecule (frame) head; its `chains` chains follow.
    pub(crate) fn molecule(
        &mut self,
        index: i64,
        name: String,
        associated: BTreeMap<String, String>,
        chains: u32,
    ) {
        self.molecules.push(MoleculeHead {
            index,
            name,
            associated,
            chains,
        });
    }

    /// A chain head; its `residues` residues follow.
    #[inline]
    pub(crate) fn chain(&mut self, index: i64, name: &'a str, residues: u32) {
        self.ch_index.push(index);
        self.ch_name.push(self.strings.or_default(name, ""));
        self.ch_res.push(residues);
    }

    /// A residue head; its atoms, then its bonds, follow.
    #[inline]
    pub(crate) fn residue(&mut self, r: ResidueRow<'a>) {
        let code = match self.last_code {
            Some((s, id)) if same(s, r.code) => id,
            _ => {
                let id = self.strings.or_default(r.code, "");
                self.last_code = Some((r.code, id));
                id
            }
        };
        self.place = 0;
        self.r_index.push(r.index);
        self.r_atoms.push(r.atoms);
        self.r_bonds.push(r.bonds);
        self.r_code.push(code);
        self.r_serial.push(r.serial);
        // `Complex::validate` refuses any other; one that slipped through travels as `?`.
        self.r_icode.push(if r.insertion_code.is_ascii() {
            r.insertion_code as u8
        } else {
            b'?'
        });
        self.r_name.push(self.strings.or_default(r.name, ""));
        self.r_ss.push(r.secondary_structure.into());
        self.r_flags
            .push(bit(r.ribboned, RIBBONED) | bit(r.labeled, RES_LABELED));
        self.r_size.push(r.ribbon_size);
        self.r_mode.push(r.ribbon_mode.into());
        self.r_color.push(r.ribbon_color);
        self.r_label.push(self.strings.or_default(r.label_text, ""));
    }

    /// The next atom of the residue last given.
    #[inline]
    pub(crate) fn atom(&mut self, a: AtomRow<'a>) {
        let j = self.place;
        self.place += 1;
        let name = match self.names.get(j) {
            Some((s, id)) if same(s, a.name) => *id,
            _ => {
                let id = self.strings.or_default(a.name, "default");
                if j < self.names.len() {
                    self.names[j] = (a.name, id);
                } else {
                    self.names.push((a.name, id));
                }
                id
            }
        };
        let z = match self.last_element {
            Some((s, z)) if same(s, a.symbol) => z,
            _ => {
                let z = atomic_number(a.symbol).unwrap_or(0);
                self.last_element = Some((a.symbol, z));
                z
            }
        };
        if z == 0 {
            self.ordinal.put(&mut self.a_symbols);
            self.strings.id(a.symbol).put(&mut self.a_symbols);
        }
        self.a_index.push(a.index);
        for v in a.position {
            self.a_pos.push(v);
        }
        self.a_element.push(z);
        self.a_serial.push(a.serial);
        self.a_name.push(name);
        self.a_flags.push(
            bit(a.is_het, HET)
                | bit(a.selected, SELECTED)
                | bit(a.labeled, LABELED)
                | bit(a.acceptor, ACCEPTOR)
                | bit(a.donor, DONOR),
        );
        self.a_occ.push(a.occupancy);
        self.a_bf.push(a.bfactor);
        self.a_fc.push(a.formal_charge);
        self.a_pc.push(a.partial_charge);
        self.a_mode.push(a.atom_mode.into());
        self.a_color.push(a.atom_color);
        self.a_scale.push(a.atom_scale);
        self.a_label.push(self.strings.or_default(a.label_text, ""));
        self.ordinal += 1;
    }

    /// A bond of the residue last given, between two atom ordinals of the complex.
    #[inline]
    pub(crate) fn bond(&mut self, index: i64, atom1: u32, atom2: u32, kind: BondKind) {
        self.b_index.push(index);
        self.b_atoms.push(atom1);
        self.b_atoms.push(atom2);
        self.b_kind.push(kind.into());
    }

    /// The wire form, with `head`'s own fields (its molecules are not read).
    pub(super) fn finish(self, head: &Complex) -> Wire {
        let n = self.n;
        Wire {
            index: head.index,
            name: head.name.clone(),
            visible: head.visible,
            locked: head.locked,
            boxed: head.boxed,
            computing: head.computing,
            current_frame: head.current_frame,
            position: head.position,
            rotation: head.rotation,
            remarks: head.remarks.clone(),
            box_label: head.box_label.clone(),
            molecules: self.molecules,
            strings: self.strings.list,
            chains: (n.chains > 0).then(|| ChainColumns {
                index: self.ch_index.finish_run(),
                name: self.ch_name.always(),
                residues: self.ch_res.finish(),
            }),
            residues: (n.residues > 0).then(|| ResidueColumns {
                index: self.r_index.finish_run(),
                atoms: self.r_atoms.always(),
                bonds: self.r_bonds.finish(),
                code: self.r_code.finish(),
                serial: self.r_serial.finish_run(),
                insertion_code: self.r_icode.finish(),
                name: self.r_name.finish(),
                secondary_structure: self.r_ss.finish(),
                flags: self.r_flags.finish(),
                ribbon_size: self.r_size.finish(),
                ribbon_mode: self.r_mode.finish(),
                ribbon_color: self.r_color.finish(),
                label_text: self.r_label.finish(),
            }),
            atoms: (n.atoms > 0).then(|| AtomColumns {
                index: self.a_index.finish_run(),
                position: self.a_pos.always(),
                element: self.a_element.finish(),
                symbols: (!self.a_symbols.is_empty())
                    .then(|| Column::Values(ByteBuf::from(self.a_symbols))),
                serial: self.a_serial.finish_run(),
                name: self.a_name.finish(),
                flags: self.a_flags.finish(),
                occupancy: self.a_occ.finish(),
                bfactor: self.a_bf.finish(),
                formal_charge: self.a_fc.finish(),
                partial_charge: self.a_pc.finish(),
                atom_mode: self.a_mode.finish(),
                atom_color: self.a_color.finish(),
                atom_scale: self.a_scale.finish(),
                label_text: self.a_label.finish(),
            }),
            bonds: (n.bonds > 0).then(|| BondColumns {
                index: self.b_index.finish_run(),
                atoms: self.b_atoms.always(),
                kind: self.b_kind.finish(),
            }),
        }
    }

    /// The complex `head` (its own fields) with the members given, checked as a decoder
    /// checks columns from the wire (so a count that does not match its members is an
    /// error here, not a wrong tree later).
    pub(crate) fn checked(self, head: &Complex) -> Result<Packed, String> {
        Packed::check(self.finish(head))
    }
}

/// The tree as columns.
pub(super) fn encode(c: &Complex) -> Wire {
    let mut b = Builder::new(Sizes {
        chains: c.molecules.iter().map(|m| m.chains.len()).sum::<usize>(),
        residues: c.residues().count(),
        atoms: c.atom_count(),
        bonds: c.bonds().count(),
    });
    for m in &c.molecules {
        b.molecule(
            m.index,
            m.name.clone(),
            m.associated.clone(),
            m.chains.len() as u32,
        );
    }
    for ch in c.molecules.iter().flat_map(|m| &m.chains) {
        b.chain(ch.index, &ch.name, ch.residues.len() as u32);
    }
    for r in c.residues() {
        b.residue(ResidueRow::of(r));
        for a in &r.atoms {
            b.atom(AtomRow::of(a));
        }
        for x in &r.bonds {
            b.bond(x.index, x.atom1, x.atom2, x.kind);
        }
    }
    b.finish(c)
}
