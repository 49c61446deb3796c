//! Atom records into a complex, shared by the PDB, mmCIF and PQR readers: models become
//! frames, atoms group into chains by chain id and into residues by runs, and alternative
//! locations are reduced by one documented rule.
//!
//! The atoms are kept flat in file order (44 bytes each) and the residues as runs of
//! them, never as a tree of 128-byte atoms: [`Assembled::into_packed`] writes the columns
//! the session stores straight from them, so a million-atom file costs its text and about
//! twice its columns while it loads, not its text and a tree.
//!
//! **Altloc rule** ("the first altloc per atom"), per model and residue position (chain,
//! sequence number, insertion code):
//! 1. an atom with a blank altloc is always kept, even when its name repeats (that is not
//!    an alternative location: docking poses and coarse-grained beads repeat names);
//! 2. of the atoms that carry an altloc and share a name, the first in file order is kept
//!    and the others dropped; also dropped when a blank-altloc atom of that name came first;
//! 3. microheterogeneity (two residue types at one position, e.g. PRO altloc A / SER
//!    altloc B): altloc atoms of a residue type other than the position's first altloc
//!    type are dropped, so no chimera residue is built.
//!
//! Occupancies are kept as read. This gives gemmi's counts on the corpus (see
//! `docs/STRUCTURES.md`); gemmi's own `remove_alternative_conformations` is not the same
//! rule (it also drops atoms that carry no altloc).

use std::collections::{BTreeMap, HashMap, HashSet};

use super::bonds::{ChainAtoms, covalent_radius};
use crate::api::structure::{
    AtomRow, BondKind, Builder, Chain, Complex, Name, Packed, ResidueRow, Sizes,
};

/// One atom as a file gives it.
#[derive(Debug, Clone, Default)]
pub struct Record<'a> {
    /// HETATM rather than ATOM.
    pub het: bool,
    /// Serial number in the file (CONECT records use it).
    pub serial: i32,
    /// Atom name.
    pub name: &'a str,
    /// Alternative location; blank (`' '`) when none.
    pub altloc: char,
    /// Residue type.
    pub residue: &'a str,
    /// Chain id.
    pub chain: &'a str,
    /// Residue sequence number.
    pub seq: i32,
    /// Insertion code; blank when none.
    pub icode: char,
    /// Segment id (PDB columns 73–76): a residue run breaks where it changes.
    pub segment: &'a str,
    /// Position (Å).
    pub position: [f32; 3],
    /// Occupancy.
    pub occupancy: f32,
    /// B-factor.
    pub bfactor: f32,
    /// Element symbol in any case (`C`, `FE`); empty when the file gives none (then it
    /// comes from the atom name).
    pub element: &'a str,
    /// Formal charge.
    pub charge: i32,
    /// Partial charge (PQR).
    pub partial_charge: f32,
}

/// An atom kept, in file order; text as indices into the assembler's strings.
#[derive(Debug, Clone, Copy)]
struct Kept {
    position: [f32; 3],
    occupancy: f32,
    bfactor: f32,
    partial_charge: f32,
    serial: i32,
    formal_charge: i32,
    name: u32,
    symbol: u32,
    het: bool,
}

/// A residue: the run of atoms `start..start + len` in file order, then `extra` (atoms
/// listed out of order, such as hydrogens after all heavy atoms).
#[derive(Debug)]
struct Res {
    serial: i32,
    icode: char,
    code: u32,
    start: u32,
    len: u32,
    extra: Vec<u32>,
}

impl Res {
    fn members(&self) -> impl Iterator<Item = u32> + '_ {
        (self.start..self.start + self.len).chain(self.extra.iter().copied())
    }

    fn count(&self) -> usize {
        self.len as usize + self.extra.len()
    }
}

#[derive(Debug, Default)]
struct ChainB {
    name: Name,
    residues: Vec<Res>,
}

#[derive(Debug, Default)]
struct ModelB {
    name: String,
    chains: Vec<ChainB>,
}

/// A bond, placed in the residue (counted over the whole complex) of its first atom.
#[derive(Debug, Clone, Copy)]
struct Link {
    residue: u32,
    a: u32,
    b: u32,
    kind: BondKind,
}

/// The strings of a file (atom names, residue codes, element symbols), each kept once.
#[derive(Debug, Default)]
struct Strings {
    ids: HashMap<Name, u32>,
    list: Vec<Name>,
}

impl Strings {
    fn id(&mut self, s: &str) -> u32 {
        if let Some(&id) = self.ids.get(s) {
            return id;
        }
        let id = self.list.len() as u32;
        self.ids.insert(s.into(), id);
        self.list.push(s.into());
        id
    }
}

/// Builds a complex from records, one model at a time.
#[derive(Debug, Default)]
pub struct Assembler {
    models: Vec<ModelB>,
    model: Option<Model>,
    atoms: Vec<Kept>,
    strings: Strings,
    /// The last residue code and element given, with their ids (runs are the rule).
    last_code: Option<(Name, u32)>,
    last_element: Option<(Name, u32)>,
    /// Atoms dropped by the altloc rule.
    pub dropped_altlocs: usize,
}

#[derive(Debug, Default)]
struct Model {
    model: ModelB,
    chains: HashMap<String, usize>,
    /// Per chain, the segment id of its last residue.
    segments: Vec<String>,
    /// The chain of the previous atom: a change (or TER) starts a new part of a chain.
    part_chain: Option<usize>,
    /// In the current part: residue (seq, icode) → its residues there, to put atoms
    /// listed out of order (hydrogens after all heavy atoms) back into their residue.
    part_residues: HashMap<(i32, char), Vec<usize>>,
    /// Per (chain, seq, icode): the first altloc residue type there.
    altloc_types: HashMap<(usize, i32, char), u32>,
}

/// Whether any atom of `res` is named `name`.
fn has_name(atoms: &[Kept], res: &Res, name: u32) -> bool {
    res.members().any(|i| atoms[i as usize].name == name)
}

impl Assembler {
    /// Starts a model (a frame) named `name`, ending the one open.
    pub fn begin_model(&mut self, name: String) {
        self.end_model();
        self.model = Some(Model {
            model: ModelB {
                name,
                ..Default::default()
            },
            ..Default::default()
        });
    }

    /// Ends the open model; an empty one is discarded.
    pub fn end_model(&mut self) {
        if let Some(m) = self.model.take()
            && !m.model.chains.is_empty()
        {
            self.models.push(m.model);
        }
    }

    /// Ends the current part of a chain (a PDB `TER`): the next atom starts a new residue
    /// even when it has the last one's number and type.
    pub fn end_part(&mut self) {
        if let Some(m) = self.model.as_mut() {
            m.part_chain = None;
            m.part_residues.clear();
        }
    }

    /// Whether a model is open.
    pub fn in_model(&self) -> bool {
        self.model.is_some()
    }

    /// The id of a residue code (the last one is tried first).
    fn code_id(&mut self, code: &str) -> u32 {
        match &self.last_code {
            Some((s, id)) if s == code => *id,
            _ => {
                let id = self.strings.id(code);
                self.last_code = Some((code.into(), id));
                id
            }
        }
    }

    /// The id of an atom's element symbol, normalised (`FE` → `Fe`), or implied by its
    /// name when the file gives none.
    fn element_id(&mut self, r: &Record<'_>) -> u32 {
        if let Some((s, id)) = &self.last_element
            && s == r.element
        {
            return *id;
        }
        let given = match r.element.len() {
            1 if r.element.as_bytes()[0].is_ascii_uppercase() => Some(r.element.to_string()),
            _ => element(r.element),
        };
        match given {
            Some(symbol) => {
                let id = self.strings.id(&symbol);
                self.last_element = Some((r.element.into(), id));
                id
            }
            // Not remembered: a symbol implied by a name depends on the name.
            None => self.strings.id(&element_from_name(r.name, r.het)),
        }
    }

    /// Adds an atom to the open model (opening "model 1" if none is).
    pub fn atom(&mut self, r: &Record<'_>) {
        // An insertion code is one ASCII character on the wire; any other becomes `?`.
        let icode = if r.icode.is_ascii() { r.icode } else { '?' };
        if self.model.is_none() {
            let n = self.models.len() + 1;
            self.begin_model(format!("model {n}"));
        }
        let code = self.code_id(r.residue);
        let name = self.strings.id(r.name);
        let symbol = self.element_id(r);
        let index = self.atoms.len() as u32;
        let Some(m) = self.model.as_mut() else {
            return;
        };
        // Atoms of one chain follow each other: the chain of the previous atom is tried
        // before the map.
        let last = m.part_chain.filter(|&c| m.model.chains[c].name == r.chain);
        let ci = match last.or_else(|| m.chains.get(r.chain).copied()) {
            Some(i) => i,
            None => {
                m.model.chains.push(ChainB {
                    name: r.chain.into(),
                    ..Default::default()
                });
                let i = m.model.chains.len() - 1;
                m.chains.insert(r.chain.to_string(), i);
                m.segments.push(String::new());
                i
            }
        };
        let atoms = &self.atoms;
        let chain = &mut m.model.chains[ci];
        if r.altloc != ' ' {
            let first = *m.altloc_types.entry((ci, r.seq, icode)).or_insert(code);
            // Whether the residue position already holds an atom of this name (scanning
            // the adjacent residues at that position, where microheterogeneity puts them).
            let taken = || {
                chain
                    .residues
                    .iter()
                    .rev()
                    .take_while(|res| res.serial == r.seq && res.icode == icode)
                    .any(|res| has_name(atoms, res, name))
            };
            if first != code || taken() {
                self.dropped_altlocs += 1;
                return;
            }
        }
        if m.part_chain != Some(ci) {
            m.part_chain = Some(ci);
            m.part_residues.clear();
            m.segments[ci].clear();
        }
        let segment = &mut m.segments[ci];
        // A new part never continues the chain's last residue.
        let fresh_part = m.part_residues.is_empty();
        let same = !fresh_part
            && chain.residues.last().is_some_and(|last| {
                last.serial == r.seq
                    && last.code == code
                    && last.icode == icode
                    && segment == r.segment
            });
        let ri = if same {
            chain.residues.len() - 1
        } else {
            // An earlier residue of this part with the same number and type takes the atom
            // unless it already has one of that name (then the numbers have wrapped).
            let earlier = m.part_residues.get(&(r.seq, icode)).and_then(|list| {
                list.iter().copied().find(|&i| {
                    let res = &chain.residues[i];
                    res.code == code && !has_name(atoms, res, name)
                })
            });
            match earlier {
                Some(i) => i,
                None => {
                    chain.residues.push(Res {
                        serial: r.seq,
                        icode,
                        code,
                        start: index,
                        len: 0,
                        extra: Vec::new(),
                    });
                    let i = chain.residues.len() - 1;
                    m.part_residues.entry((r.seq, icode)).or_default().push(i);
                    if segment != r.segment {
                        r.segment.clone_into(segment);
                    }
                    i
                }
            }
        };
        let res = &mut chain.residues[ri];
        if res.extra.is_empty() && res.start + res.len == index {
            res.len += 1;
        } else {
            res.extra.push(index);
        }
        self.atoms.push(Kept {
            position: r.position,
            occupancy: r.occupancy,
            bfactor: r.bfactor,
            partial_charge: r.partial_charge,
            serial: r.serial,
            formal_charge: r.charge,
            name,
            symbol,
            het: r.het,
        });
    }

    /// Whether any model has atoms.
    pub fn is_empty(&self) -> bool {
        self.models.is_empty()
            && self
                .model
                .as_ref()
                .is_none_or(|m| m.model.chains.is_empty())
    }

    /// The models read, with `conect` bonds (pairs of serial numbers, resolved in every
    /// model) placed in the residue of their first atom.
    pub fn finish(mut self, conect: &[(i32, i32, BondKind)]) -> Assembled {
        self.end_model();
        let mut out = Assembled {
            models: self.models,
            atoms: self.atoms,
            strings: self.strings.list,
            links: Vec::new(),
            remarks: BTreeMap::new(),
        };
        for m in &mut out.models {
            for c in &mut m.chains {
                let all_het = c
                    .residues
                    .iter()
                    .all(|r| r.members().all(|i| out.atoms[i as usize].het));
                if all_het {
                    c.name.insert(0, 'H');
                }
            }
        }
        if !conect.is_empty() {
            out.place_conect(conect);
        }
        out
    }
}

/// The models of a file, assembled: what [`Assembled::into_packed`] turns into the
/// columns of a complex (inferring the bonds the file does not give).
#[derive(Debug)]
pub struct Assembled {
    models: Vec<ModelB>,
    atoms: Vec<Kept>,
    strings: Vec<Name>,
    links: Vec<Link>,
    /// The complex's remarks.
    pub remarks: BTreeMap<String, String>,
}

impl Assembled {
    /// Resolves CONECT serials within each model. Serials not in a model are skipped (a
    /// file may list bonds for atoms an altloc dropped).
    fn place_conect(&mut self, conect: &[(i32, i32, BondKind)]) {
        let (mut first_atom, mut first_res) = (0u32, 0u32);
        for m in &self.models {
            let mut by_serial: HashMap<i32, (u32, u32)> = HashMap::new();
            let (mut ordinal, mut residue) = (first_atom, first_res);
            for r in m.chains.iter().flat_map(|c| &c.residues) {
                for i in r.members() {
                    by_serial
                        .entry(self.atoms[i as usize].serial)
                        .or_insert((ordinal, residue));
                    ordinal += 1;
                }
                residue += 1;
            }
            let mut pairs: Vec<Link> = conect
                .iter()
                .filter_map(|&(a, b, kind)| {
                    let (&(x, rx), &(y, ry)) = (by_serial.get(&a)?, by_serial.get(&b)?);
                    if x == y {
                        return None;
                    }
                    let (a, b) = (x.min(y), x.max(y));
                    let residue = if x < y { rx } else { ry };
                    Some(Link {
                        residue,
                        a,
                        b,
                        kind,
                    })
                })
                .collect();
            pairs.sort_unstable_by_key(|p| (p.a, p.b));
            pairs.dedup_by_key(|p| (p.a, p.b));
            self.links.extend(pairs);
            (first_atom, first_res) = (ordinal, residue);
        }
    }

    /// Adds the rule's bonds (`super::bonds`) that the file did not give.
    fn infer_bonds(&mut self) {
        let known: HashSet<(u32, u32)> = self.links.iter().map(|l| (l.a, l.b)).collect();
        let radius: Vec<f32> = self.strings.iter().map(|s| covalent_radius(s)).collect();
        let mut chain = ChainAtoms::default();
        let (mut ordinal, mut residue) = (0u32, 0u32);
        let mut found = Vec::new();
        for c in self.models.iter().flat_map(|m| &m.chains) {
            chain.clear(ordinal);
            for r in &c.residues {
                chain.atoms.extend(r.members().map(|i| {
                    let a = &self.atoms[i as usize];
                    (a.position, radius[a.symbol as usize])
                }));
                chain.ends.push(chain.atoms.len() as u32);
            }
            chain.pairs(|i, a, b| {
                if known.is_empty() || !known.contains(&(a, b)) {
                    found.push(Link {
                        residue: residue + i as u32,
                        a,
                        b,
                        kind: BondKind::CovalentSingle,
                    });
                }
            });
            ordinal += chain.atoms.len() as u32;
            residue += c.residues.len() as u32;
        }
        self.links.extend(found);
        // Per residue, the file's bonds first, then the rule's (a stable sort).
        self.links.sort_by_key(|l| l.residue);
    }

    /// The complex named `name`, as columns, with the rule's bonds added.
    pub fn into_packed(mut self, name: &str) -> Result<Packed, String> {
        self.infer_bonds();
        // Each residue's bond count goes before its members.
        let n_res: usize = self
            .models
            .iter()
            .flat_map(|m| &m.chains)
            .map(|c| c.residues.len())
            .sum();
        let mut bonds = vec![0u32; n_res];
        for l in &self.links {
            bonds[l.residue as usize] += 1;
        }
        let mut b = Builder::new(Sizes {
            chains: self.models.iter().map(|m| m.chains.len()).sum(),
            residues: n_res,
            atoms: self.atoms.len(),
            bonds: self.links.len(),
        });
        let text = |id: u32| self.strings[id as usize].as_str();
        for m in &self.models {
            b.molecule(-1, m.name.clone(), BTreeMap::new(), m.chains.len() as u32);
            for c in &m.chains {
                b.chain(-1, &c.name, c.residues.len() as u32);
            }
        }
        let mut links = self.links.iter().peekable();
        let residues = self
            .models
            .iter()
            .flat_map(|m| &m.chains)
            .flat_map(|c| &c.residues);
        for (residue, r) in (0u32..).zip(residues) {
            b.residue(ResidueRow {
                code: text(r.code),
                serial: r.serial,
                insertion_code: r.icode,
                name: text(r.code),
                atoms: r.count() as u32,
                bonds: bonds[residue as usize],
                ..ResidueRow::DEFAULT
            });
            for i in r.members() {
                let a = &self.atoms[i as usize];
                b.atom(AtomRow {
                    symbol: text(a.symbol),
                    serial: a.serial,
                    name: text(a.name),
                    position: a.position,
                    is_het: a.het,
                    occupancy: a.occupancy,
                    bfactor: a.bfactor,
                    formal_charge: a.formal_charge,
                    partial_charge: a.partial_charge,
                    ..AtomRow::DEFAULT
                });
            }
            while let Some(l) = links.next_if(|l| l.residue == residue) {
                b.bond(-1, l.a, l.b, l.kind);
            }
        }
        let head = Complex {
            name: name.to_string(),
            remarks: std::mem::take(&mut self.remarks),
            ..Complex::default()
        };
        b.checked(&head)
    }

    /// The complex as a tree (through its columns: one writer for both).
    pub fn into_complex(self, name: &str) -> Result<Complex, String> {
        Ok(self.into_packed(name)?.unpack())
    }
}

/// A chain's id as its file had it: the `H` that [`Assembler::finish`] puts before the
/// id of a HETATM-only chain taken off again (a HETATM-only chain named just `H` had a
/// blank id).
pub fn file_chain(c: &Chain) -> &str {
    let all_het = c.residues.iter().all(|r| r.atoms.iter().all(|a| a.is_het));
    match c.name.strip_prefix('H') {
        Some(id) if all_het => id,
        _ => &c.name,
    }
}

/// The element an atom name implies when the file gives none: the first letter, or two
/// letters when the name starts with a two-letter metal or halogen and the atom is a
/// HETATM (`FE`, `ZN`, `CL`), as PDB names align them.
pub fn element_from_name(name: &str, het: bool) -> String {
    let letters: Vec<char> = name
        .chars()
        .skip_while(|c| !c.is_ascii_alphabetic())
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    let Some(&first) = letters.first() else {
        return "X".into();
    };
    if het && letters.len() >= 2 {
        let two: String = [first.to_ascii_uppercase(), letters[1].to_ascii_lowercase()]
            .iter()
            .collect();
        if TWO_LETTER.contains(&two.as_str()) {
            return two;
        }
    }
    first.to_ascii_uppercase().to_string()
}

/// Two-letter elements a HETATM name may start with.
const TWO_LETTER: &[&str] = &[
    "Fe", "Zn", "Mg", "Mn", "Cl", "Br", "Na", "Ca", "Cu", "Co", "Ni", "Cd", "Hg", "Se", "Li", "Al",
    "Si", "Sr", "Ba", "Cs", "Rb", "Pt", "Au", "Ag", "Pb", "Mo", "Cr", "Ga", "As", "Xe", "Kr", "Ar",
    "Ne", "He", "Yb", "Gd", "Sm", "Eu", "Tb", "Ir", "Ru", "Rh", "Os", "Pd",
];

/// Normalises an element symbol (`FE` → `Fe`); `None` when it is not letters.
pub fn element(text: &str) -> Option<String> {
    let t = text.trim();
    let mut chars = t.chars();
    let first = chars.next()?;
    if !first.is_ascii_alphabetic() || t.len() > 3 || !t.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let mut s = first.to_ascii_uppercase().to_string();
    s.extend(chars.map(|c| c.to_ascii_lowercase()));
    Some(s)
}

/// Whether `symbol` (as [`element`] normalises it) names a chemical element.
pub fn is_element(symbol: &str) -> bool {
    crate::api::structure::atomic_number(symbol).is_some() || symbol == "D"
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec<'a>(name: &'a str, altloc: char, residue: &'a str, seq: i32) -> Record<'a> {
        Record {
            name,
            altloc,
            residue,
            chain: "A",
            seq,
            icode: ' ',
            element: "C",
            ..Default::default()
        }
    }

    fn names(c: &Complex) -> Vec<String> {
        c.residues()
            .flat_map(|r| {
                r.atoms
                    .iter()
                    .map(move |a| format!("{}:{}", r.code, a.name))
            })
            .collect()
    }

    #[test]
    fn the_first_altloc_of_each_atom_is_kept() {
        let mut a = Assembler::default();
        for r in [
            rec("N", ' ', "SER", 1),
            rec("CA", 'A', "SER", 1),
            rec("CA", 'B', "SER", 1),
            rec("OG", 'B', "SER", 1), // only in B: kept
            rec("N", 'A', "SER", 1),  // a blank N came first: dropped
        ] {
            a.atom(&r);
        }
        assert_eq!(a.dropped_altlocs, 2);
        let c = a.finish(&[]).into_complex("t").unwrap();
        assert_eq!(names(&c), ["SER:N", "SER:CA", "SER:OG"]);
    }

    #[test]
    fn atoms_listed_out_of_order_join_their_residue_and_conect_follows_them() {
        let mut a = Assembler::default();
        let mut serial = 0;
        for (name, seq) in [("N", 1), ("CA", 1), ("N", 2), ("CA", 2), ("H", 1), ("H", 2)] {
            serial += 1;
            let mut r = rec(name, ' ', "GLY", seq);
            r.serial = serial;
            r.position = [serial as f32 * 10.0, 0.0, 0.0]; // far apart: no inferred bonds
            a.atom(&r);
        }
        // Serial 5 (residue 1's H, ordinal 2) to serial 4 (residue 2's CA, ordinal 4).
        let c = a
            .finish(&[(5, 4, BondKind::CovalentDouble)])
            .into_complex("t")
            .unwrap();
        assert_eq!(
            names(&c),
            ["GLY:N", "GLY:CA", "GLY:H", "GLY:N", "GLY:CA", "GLY:H"]
        );
        let serials: Vec<i32> = c.atoms().map(|a| a.serial).collect();
        assert_eq!(serials, [1, 2, 5, 3, 4, 6]);
        let bonds: Vec<(u32, u32, BondKind)> = c
            .residues()
            .flat_map(|r| r.bonds.iter().map(|b| (b.atom1, b.atom2, b.kind)))
            .collect();
        assert_eq!(bonds, [(2, 4, BondKind::CovalentDouble)]);
        assert_eq!(
            c.residues().next().unwrap().bonds.len(),
            1,
            "in its first atom's residue"
        );
    }

    #[test]
    fn repeated_names_without_altloc_are_kept() {
        let mut a = Assembler::default();
        for _ in 0..3 {
            a.atom(&rec("C", ' ', "LIG", 1));
        }
        assert_eq!(a.finish(&[]).into_complex("t").unwrap().atom_count(), 3);
    }

    #[test]
    fn microheterogeneity_keeps_the_first_residue_type() {
        let mut a = Assembler::default();
        for r in [
            rec("N", 'A', "PRO", 4),
            rec("CA", 'A', "PRO", 4),
            rec("N", 'B', "SER", 4),
            rec("OG", 'B', "SER", 4),
            rec("N", ' ', "GLY", 5),
        ] {
            a.atom(&r);
        }
        let c = a.finish(&[]).into_complex("t").unwrap();
        assert_eq!(names(&c), ["PRO:N", "PRO:CA", "GLY:N"]);
        assert_eq!(c.residues().count(), 2, "no empty SER residue");
    }

    #[test]
    fn chains_merge_by_id_and_het_only_chains_get_h() {
        let mut a = Assembler::default();
        let mut r = rec("CA", ' ', "ALA", 1);
        a.atom(&r);
        r.chain = "B";
        r.het = true;
        r.residue = "HOH";
        a.atom(&r);
        r.chain = "A";
        r.het = true;
        r.seq = 101;
        a.atom(&r);
        let c = a.finish(&[]).into_complex("t").unwrap();
        let chains: Vec<(&str, usize)> = c.molecules[0]
            .chains
            .iter()
            .map(|c| (c.name.as_str(), c.residues.len()))
            .collect();
        assert_eq!(chains, [("A", 2), ("HB", 1)]);
    }

    #[test]
    fn elements_from_names() {
        assert_eq!(element_from_name("CA", false), "C");
        assert_eq!(element_from_name("FE", true), "Fe");
        assert_eq!(element_from_name("1HB", false), "H");
        assert_eq!(element_from_name("", false), "X");
        assert_eq!(element("FE").as_deref(), Some("Fe"));
        assert_eq!(element(" 1"), None);
    }
}
