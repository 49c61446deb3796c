//! The bond rule for files without (complete) bond records.
//!
//! Two atoms are covalently bonded when their distance is at most the sum of their
//! covalent radii plus 0.45 Å (and over 0.4 Å), checked within each residue and between
//! consecutive residues of a chain (peptide and phosphodiester links). Bonds a file lists
//! (CONECT) are kept; the rule adds the rest. Bonds are single unless the file says more.

use std::collections::HashSet;

use crate::api::structure::{Bond, BondKind, Chain, Complex};

/// Tolerance added to the sum of covalent radii (Å).
pub const TOLERANCE: f32 = 0.45;

/// Covalent radius in Å (Cordero et al. 2008, common elements; 1.5 Å otherwise).
pub fn covalent_radius(symbol: &str) -> f32 {
    match symbol.trim().to_ascii_uppercase().as_str() {
        "H" | "D" => 0.31,
        "C" => 0.76,
        "N" => 0.71,
        "O" => 0.66,
        "F" => 0.57,
        "P" => 1.07,
        "S" => 1.05,
        "CL" => 1.02,
        "BR" => 1.20,
        "I" => 1.39,
        "SE" => 1.20,
        "B" => 0.84,
        "SI" => 1.11,
        "NA" => 1.66,
        "MG" => 1.41,
        "K" => 2.03,
        "CA" => 1.76,
        "MN" => 1.39,
        "FE" => 1.32,
        "CO" => 1.26,
        "NI" => 1.24,
        "CU" => 1.32,
        "ZN" => 1.22,
        _ => 1.5,
    }
}

fn dist2(a: [f32; 3], b: [f32; 3]) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

/// One chain as the rule sees it.
#[derive(Debug, Default)]
pub struct ChainAtoms {
    /// Ordinal of its first atom in the complex.
    pub first: u32,
    /// Its atoms' positions and covalent radii, in tree order.
    pub atoms: Vec<([f32; 3], f32)>,
    /// Where each residue ends (exclusive, counted in the chain's atoms).
    pub ends: Vec<u32>,
}

impl ChainAtoms {
    /// Empties it for the next chain, keeping its buffers.
    pub fn clear(&mut self, first: u32) {
        self.first = first;
        self.atoms.clear();
        self.ends.clear();
    }

    /// Calls `found(residue, a, b)` (the chain's residue, ordinals `a < b` of the complex)
    /// for each pair the rule bonds: within a residue, and from a residue to the next.
    pub fn pairs(&self, mut found: impl FnMut(usize, u32, u32)) {
        let mut start = 0u32;
        for (i, &end) in self.ends.iter().enumerate() {
            let next = self.ends.get(i + 1).copied().unwrap_or(end);
            for a in start..end {
                let (pa, ra) = self.atoms[a as usize];
                for b in (a + 1)..next {
                    let (pb, rb) = self.atoms[b as usize];
                    let max = ra + rb + TOLERANCE;
                    let d2 = dist2(pa, pb);
                    if d2 <= max * max && d2 > 0.16 {
                        found(i, self.first + a, self.first + b);
                    }
                }
            }
            start = end;
        }
    }
}

/// Calls `found(chain, residue, a, b)` for each pair the rule bonds in `complex` (chains
/// counted over the complex, residues in their chain, ordinals `a < b`).
fn tree_pairs(complex: &Complex, mut found: impl FnMut(usize, usize, u32, u32)) {
    let mut chain = ChainAtoms::default();
    let mut ordinal = 0u32;
    for (k, c) in complex.molecules.iter().flat_map(|m| &m.chains).enumerate() {
        chain.clear(ordinal);
        for r in &c.residues {
            chain.atoms.extend(
                r.atoms
                    .iter()
                    .map(|a| (a.position, covalent_radius(&a.symbol))),
            );
            chain.ends.push(chain.atoms.len() as u32);
        }
        chain.pairs(|i, a, b| found(k, i, a, b));
        ordinal += chain.atoms.len() as u32;
    }
}

/// Adds rule-based bonds to every residue of `complex`, keeping the ones it has.
pub fn infer(complex: &mut Complex) {
    let known: HashSet<(u32, u32)> = complex
        .bonds()
        .map(|b| (b.atom1.min(b.atom2), b.atom1.max(b.atom2)))
        .collect();
    let mut new = Vec::new();
    tree_pairs(complex, |k, i, a, b| {
        if !known.contains(&(a, b)) {
            new.push((k, i, a, b));
        }
    });
    let mut chains: Vec<&mut Chain> = complex
        .molecules
        .iter_mut()
        .flat_map(|m| &mut m.chains)
        .collect();
    for (k, i, a, b) in new {
        chains[k].residues[i].bonds.push(Bond {
            index: -1,
            atom1: a,
            atom2: b,
            kind: BondKind::CovalentSingle,
        });
    }
}

/// The pairs (lower ordinal first) the rule finds in `complex`, whatever bonds it has.
pub fn inferred_pairs(complex: &Complex) -> HashSet<(u32, u32)> {
    let mut found = HashSet::new();
    tree_pairs(complex, |_, _, a, b| {
        found.insert((a, b));
    });
    found
}
