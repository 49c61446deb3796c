//! The bond rule for files without (complete) bond records.
//!
//! Two atoms are covalently bonded when their distance is at most the sum of their
//! covalent radii plus 0.45 Å (and over 0.4 Å), checked within each residue and between
//! consecutive residues of a chain (peptide and phosphodiester links). Bonds a file lists
//! (CONECT) are kept; the rule adds the rest. Bonds are single unless the file says more.

use std::collections::HashSet;

use crate::api::structure::{Bond, BondKind, Complex};

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

/// Adds rule-based bonds to every residue of `complex`, keeping the ones it has.
pub fn infer(complex: &mut Complex) {
    let mut known: HashSet<(u32, u32)> = complex
        .bonds()
        .map(|b| (b.atom1.min(b.atom2), b.atom1.max(b.atom2)))
        .collect();
    let new = rule(complex, &mut known);
    let mut it = new.into_iter();
    for m in &mut complex.molecules {
        for c in &mut m.chains {
            for r in &mut c.residues {
                r.bonds.extend(it.next().unwrap_or_default());
            }
        }
    }
}

/// The pairs (lower ordinal first) the rule finds in `complex`, whatever bonds it has.
pub fn inferred_pairs(complex: &Complex) -> HashSet<(u32, u32)> {
    let mut found = HashSet::new();
    rule(complex, &mut found);
    found
}

/// The rule's bonds per residue (in traversal order), skipping pairs in `known` and
/// adding the new ones to it.
fn rule(complex: &Complex, known: &mut HashSet<(u32, u32)>) -> Vec<Vec<Bond>> {
    // Ordinal ranges per residue, grouped by chain, in traversal order.
    let mut start = 0u32;
    let mut chains: Vec<Vec<(u32, u32)>> = Vec::new();
    for m in &complex.molecules {
        for c in &m.chains {
            let mut ranges = Vec::new();
            for r in &c.residues {
                let end = start + r.atoms.len() as u32;
                ranges.push((start, end));
                start = end;
            }
            chains.push(ranges);
        }
    }
    let atoms: Vec<([f32; 3], f32)> = complex
        .atoms()
        .map(|a| (a.position, covalent_radius(&a.symbol)))
        .collect();
    let mut new: Vec<Vec<Bond>> = Vec::new();
    for ranges in &chains {
        for (i, &(s, e)) in ranges.iter().enumerate() {
            let next = ranges.get(i + 1).copied().unwrap_or((e, e));
            let mut found = Vec::new();
            for a in s..e {
                for b in (a + 1)..next.1 {
                    let ((pa, ra), (pb, rb)) = (atoms[a as usize], atoms[b as usize]);
                    let max = ra + rb + TOLERANCE;
                    let d2 = dist2(pa, pb);
                    if d2 <= max * max && d2 > 0.16 && known.insert((a, b)) {
                        found.push(Bond {
                            index: -1,
                            atom1: a,
                            atom2: b,
                            kind: BondKind::CovalentSingle,
                        });
                    }
                }
            }
            new.push(found);
        }
    }
    new
}
