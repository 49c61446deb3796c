//! Atom records into the complex tree, shared by the PDB, mmCIF and PQR readers: models
//! become frames, atoms group into chains by chain id and into residues by runs, and
//! alternative locations are reduced by one documented rule.
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

use std::collections::HashMap;

use crate::api::structure::{Atom, Bond, BondKind, Chain, Complex, Molecule, Residue};

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

/// Builds a complex from records, one model at a time.
#[derive(Debug, Default)]
pub struct Assembler {
    complex: Complex,
    model: Option<Model>,
    /// Atoms dropped by the altloc rule.
    pub dropped_altlocs: usize,
}

#[derive(Debug, Default)]
struct Model {
    molecule: Molecule,
    chains: HashMap<String, usize>,
    /// Per chain, the segment id of its last residue.
    segments: Vec<String>,
    /// The chain of the previous atom: a change (or TER) starts a new part of a chain.
    part_chain: Option<usize>,
    /// In the current part: residue (seq, icode) → its residues there, to put atoms
    /// listed out of order (hydrogens after all heavy atoms) back into their residue.
    part_residues: HashMap<(i32, char), Vec<usize>>,
    /// Per (chain, seq, icode): the first altloc residue type there.
    altloc_types: HashMap<(usize, i32, char), String>,
}

impl Assembler {
    /// Starts a model (a frame) named `name`, ending the one open.
    pub fn begin_model(&mut self, name: String) {
        self.end_model();
        self.model = Some(Model {
            molecule: Molecule {
                name,
                ..Default::default()
            },
            ..Default::default()
        });
    }

    /// Ends the open model; an empty one is discarded.
    pub fn end_model(&mut self) {
        if let Some(m) = self.model.take()
            && !m.molecule.chains.is_empty()
        {
            self.complex.molecules.push(m.molecule);
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

    /// Adds an atom to the open model (opening "model 1" if none is).
    pub fn atom(&mut self, r: &Record<'_>) {
        // An insertion code is one ASCII character on the wire; any other becomes `?`.
        let fixed;
        let r = if r.icode.is_ascii() {
            r
        } else {
            fixed = Record {
                icode: '?',
                ..r.clone()
            };
            &fixed
        };
        if self.model.is_none() {
            let n = self.complex.molecules.len() + 1;
            self.begin_model(format!("model {n}"));
        }
        let Some(m) = self.model.as_mut() else {
            return;
        };
        // Atoms of one chain follow each other: the chain of the previous atom is tried
        // before the map.
        let last = m
            .part_chain
            .filter(|&c| m.molecule.chains[c].name == r.chain);
        let ci = match last.or_else(|| m.chains.get(r.chain).copied()) {
            Some(i) => i,
            None => {
                m.molecule.chains.push(Chain {
                    name: r.chain.into(),
                    ..Default::default()
                });
                let i = m.molecule.chains.len() - 1;
                m.chains.insert(r.chain.to_string(), i);
                m.segments.push(String::new());
                i
            }
        };
        let chain = &mut m.molecule.chains[ci];
        if r.altloc != ' ' {
            let first = m
                .altloc_types
                .entry((ci, r.seq, r.icode))
                .or_insert_with(|| r.residue.to_string());
            if first != r.residue || name_taken(chain, r) {
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
                    && last.code == r.residue
                    && last.insertion_code == r.icode
                    && segment == r.segment
            });
        let ri = if same {
            chain.residues.len() - 1
        } else {
            // An earlier residue of this part with the same number and type takes the atom
            // unless it already has one of that name (then the numbers have wrapped).
            let earlier = m.part_residues.get(&(r.seq, r.icode)).and_then(|list| {
                list.iter().copied().find(|&i| {
                    let res = &chain.residues[i];
                    res.code == r.residue && !res.atoms.iter().any(|a| a.name == r.name)
                })
            });
            match earlier {
                Some(i) => i,
                None => {
                    chain.residues.push(Residue {
                        serial: r.seq,
                        insertion_code: r.icode,
                        code: r.residue.into(),
                        name: r.residue.into(),
                        ..Default::default()
                    });
                    let i = chain.residues.len() - 1;
                    m.part_residues.entry((r.seq, r.icode)).or_default().push(i);
                    if segment != r.segment {
                        r.segment.clone_into(segment);
                    }
                    i
                }
            }
        };
        let symbol: crate::api::structure::Name = match r.element.len() {
            1 if r.element.as_bytes()[0].is_ascii_uppercase() => r.element.into(),
            _ => element(r.element)
                .unwrap_or_else(|| element_from_name(r.name, r.het))
                .into(),
        };
        let res = &mut chain.residues[ri];
        res.atoms.push(Atom {
            symbol,
            serial: r.serial,
            name: r.name.into(),
            position: r.position,
            is_het: r.het,
            occupancy: r.occupancy,
            bfactor: r.bfactor,
            formal_charge: r.charge,
            partial_charge: r.partial_charge,
            ..Default::default()
        });
    }

    /// Whether any model has atoms.
    pub fn is_empty(&self) -> bool {
        self.complex.molecules.is_empty()
            && self
                .model
                .as_ref()
                .is_none_or(|m| m.molecule.chains.is_empty())
    }

    /// The complex, with `conect` bonds (pairs of serial numbers, resolved in every
    /// model) placed in the residue of their first atom.
    pub fn finish(mut self, conect: &[(i32, i32, BondKind)]) -> Complex {
        self.end_model();
        let mut complex = self.complex;
        let mut first = 0u32;
        for m in &mut complex.molecules {
            for c in &mut m.chains {
                let all_het = c.residues.iter().all(|r| r.atoms.iter().all(|a| a.is_het));
                if all_het {
                    c.name.insert(0, 'H');
                }
            }
            let atoms: u32 = m
                .chains
                .iter()
                .flat_map(|c| &c.residues)
                .map(|r| r.atoms.len() as u32)
                .sum();
            if !conect.is_empty() {
                place_conect(m, first, conect);
            }
            first += atoms;
        }
        complex
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

/// Whether the residue position of `r` already holds an atom named like it (scanning the
/// adjacent residues at that position, where microheterogeneity puts them).
fn name_taken(chain: &Chain, r: &Record<'_>) -> bool {
    chain
        .residues
        .iter()
        .rev()
        .take_while(|res| res.serial == r.seq && res.insertion_code == r.icode)
        .any(|res| res.atoms.iter().any(|a| a.name == r.name))
}

/// Resolves CONECT serials within one model and puts each bond in the residue of its
/// first atom. Serials not in the model are skipped (a file may list bonds for atoms an
/// altloc dropped).
fn place_conect(m: &mut Molecule, first: u32, conect: &[(i32, i32, BondKind)]) {
    let mut by_serial: HashMap<i32, (u32, usize, usize)> = HashMap::new();
    let mut ordinal = first;
    for (ci, c) in m.chains.iter().enumerate() {
        for (ri, r) in c.residues.iter().enumerate() {
            for a in &r.atoms {
                by_serial.entry(a.serial).or_insert((ordinal, ci, ri));
                ordinal += 1;
            }
        }
    }
    let mut pairs: Vec<(u32, u32, BondKind, usize, usize)> = conect
        .iter()
        .filter_map(|&(a, b, kind)| {
            let (&(x, ci, ri), &(y, cj, rj)) = (by_serial.get(&a)?, by_serial.get(&b)?);
            if x == y {
                return None;
            }
            let (lo, hi) = (x.min(y), x.max(y));
            let (c, r) = if x < y { (ci, ri) } else { (cj, rj) };
            Some((lo, hi, kind, c, r))
        })
        .collect();
    pairs.sort_unstable_by_key(|p| (p.0, p.1));
    pairs.dedup_by_key(|p| (p.0, p.1));
    for (lo, hi, kind, c, r) in pairs {
        m.chains[c].residues[r].bonds.push(Bond {
            index: -1,
            atom1: lo,
            atom2: hi,
            kind,
        });
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
        let c = a.finish(&[]);
        assert_eq!(names(&c), ["SER:N", "SER:CA", "SER:OG"]);
    }

    #[test]
    fn repeated_names_without_altloc_are_kept() {
        let mut a = Assembler::default();
        for _ in 0..3 {
            a.atom(&rec("C", ' ', "LIG", 1));
        }
        assert_eq!(a.finish(&[]).atom_count(), 3);
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
        let c = a.finish(&[]);
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
        let c = a.finish(&[]);
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
