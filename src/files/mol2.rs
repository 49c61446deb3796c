//! Tripos MOL2 (docking tools' output): each `@<TRIPOS>MOLECULE` becomes a frame
//! (molecule) with one chain, its atoms grouped into residues by substructure, its bond
//! block as bonds and the partial charges kept.
//!
//! The element comes from the SYBYL atom type's prefix (`C.ar` → C, `Cl` → Cl); types
//! that are not SYBYL (GAFF's `oh`, `c3`) fall back to the atom name, so files other
//! readers refuse still load.

use std::collections::HashMap;
use std::fmt::Write as _;

use super::assemble;
use super::{Diagnostics, ParseError, lines};
use crate::api::structure::{Atom, Bond, BondKind, Chain, Complex, Molecule, Residue};

#[derive(PartialEq, Eq, Clone, Copy)]
enum Section {
    Molecule,
    Atom,
    Bond,
    Other,
}

/// Parses MOL2 bytes (already decompressed).
pub fn parse(bytes: &[u8], diag: &mut Diagnostics) -> Result<Complex, ParseError> {
    let mut complex = Complex::default();
    let mut section = Section::Other;
    let mut header_line = 0;
    let mut current: Option<Open> = None;
    let mut ordinal = 0u32;
    let finish = |current: &mut Option<Open>, complex: &mut Complex| {
        if let Some(open) = current.take() {
            complex.molecules.push(open.molecule);
        }
    };
    for (n, line) in lines(bytes) {
        let text = String::from_utf8_lossy(line);
        let t = text.trim();
        if let Some(name) = t.strip_prefix("@<TRIPOS>") {
            section = match name.trim().to_ascii_uppercase().as_str() {
                "MOLECULE" => {
                    finish(&mut current, &mut complex);
                    current = Some(Open {
                        molecule: Molecule::default(),
                        ids: HashMap::new(),
                        base: ordinal,
                        owner: Vec::new(),
                    });
                    header_line = 0;
                    Section::Molecule
                }
                "ATOM" => Section::Atom,
                "BOND" => Section::Bond,
                _ => Section::Other,
            };
            continue;
        }
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let Some(Open {
            molecule,
            ids,
            base,
            owner,
        }) = current.as_mut()
        else {
            continue; // text before the first molecule (comments, headers)
        };
        match section {
            Section::Molecule => {
                header_line += 1;
                if header_line == 1 {
                    molecule.name = t.to_string();
                }
            }
            Section::Atom => {
                let f: Vec<&str> = t.split_whitespace().collect();
                if f.len() < 6 {
                    return Err(ParseError::line(
                        n,
                        format!(
                            "a MOL2 atom has at least 6 fields (id, name, x, y, z, type); this one has {}",
                            f.len()
                        ),
                    ));
                }
                let id: i64 = f[0].parse().map_err(|_| {
                    ParseError::line(n, format!("atom id {:?} is not an integer", f[0]))
                })?;
                let mut xyz = [0f32; 3];
                for (k, axis) in ["x", "y", "z"].iter().enumerate() {
                    xyz[k] = match f[2 + k].parse::<f32>() {
                        Ok(v) if v.is_finite() => v,
                        _ => {
                            return Err(ParseError::line(
                                n,
                                format!("atom {id}: {axis} is {:?}, not a finite number", f[2 + k]),
                            ));
                        }
                    };
                }
                let subst: i32 = f.get(6).and_then(|s| s.parse().ok()).unwrap_or(1);
                let subst_name = f.get(7).copied().unwrap_or("UNK");
                let charge = diag.number(n, f.get(8).copied().unwrap_or(""), "charge", 0.0);
                if molecule.chains.is_empty() {
                    molecule.chains.push(Chain {
                        name: "A".into(),
                        ..Default::default()
                    });
                }
                let chain = &mut molecule.chains[0];
                owner.push(0);
                if chain
                    .residues
                    .last()
                    .is_none_or(|r| r.serial != subst || r.name != subst_name)
                {
                    let code = subst_name.trim_end_matches(|c: char| c.is_ascii_digit());
                    chain.residues.push(Residue {
                        serial: subst,
                        name: subst_name.into(),
                        code: if code.is_empty() { subst_name } else { code }.into(),
                        ..Default::default()
                    });
                }
                if let Some(slot) = owner.last_mut() {
                    *slot = chain.residues.len().saturating_sub(1);
                }
                let Some(residue) = chain.residues.last_mut() else {
                    continue;
                };
                if ids.insert(id, ordinal).is_some() {
                    return Err(ParseError::line(
                        n,
                        format!("atom id {id} appears twice in one molecule"),
                    ));
                }
                ordinal += 1;
                residue.atoms.push(Atom {
                    serial: id.clamp(i32::MIN as i64, i32::MAX as i64) as i32,
                    name: f[1].into(),
                    symbol: element(f[5], f[1]).into(),
                    position: xyz,
                    occupancy: 1.0,
                    partial_charge: charge,
                    ..Default::default()
                });
            }
            Section::Bond => {
                let f: Vec<&str> = t.split_whitespace().collect();
                if f.len() < 4 {
                    return Err(ParseError::line(
                        n,
                        "a MOL2 bond has 4 fields (id, atom, atom, type)",
                    ));
                }
                let end = |s: &str| -> Result<u32, ParseError> {
                    s.parse::<i64>()
                        .ok()
                        .and_then(|id| ids.get(&id).copied())
                        .ok_or_else(|| {
                            ParseError::line(
                                n,
                                format!("bond {}: atom {s:?} is not in this molecule", f[0]),
                            )
                        })
                };
                let (a, b) = (end(f[1])?, end(f[2])?);
                if a == b {
                    return Err(ParseError::line(
                        n,
                        format!("bond {} joins atom {} to itself", f[0], f[1]),
                    ));
                }
                let kind = match f[3].to_ascii_lowercase().as_str() {
                    "1" | "am" => BondKind::CovalentSingle,
                    "2" => BondKind::CovalentDouble,
                    "3" => BondKind::CovalentTriple,
                    "ar" => BondKind::Aromatic,
                    _ => BondKind::Unknown,
                };
                let (lo, hi) = (a.min(b), a.max(b));
                // The bond lives in the residue of its first atom.
                let residue = owner[(lo - *base) as usize];
                molecule.chains[0].residues[residue].bonds.push(Bond {
                    index: -1,
                    atom1: lo,
                    atom2: hi,
                    kind,
                });
            }
            Section::Other => {}
        }
    }
    finish(&mut current, &mut complex);
    if complex.molecules.iter().all(|m| m.chains.is_empty()) {
        return Err(ParseError::new(
            "no @<TRIPOS>MOLECULE with atoms: the file holds no structure",
        ));
    }
    complex.molecules.retain(|m| !m.chains.is_empty());
    Ok(complex)
}

/// A molecule being read: atom ids → ordinals, its first ordinal, each atom's residue.
struct Open {
    molecule: Molecule,
    ids: HashMap<i64, u32>,
    base: u32,
    owner: Vec<usize>,
}

/// The element of a SYBYL atom type, else of the atom name.
fn element(sybyl: &str, name: &str) -> String {
    let prefix = sybyl.split('.').next().unwrap_or("");
    match prefix {
        "Du" | "LP" | "Any" | "Hal" | "Het" | "Hev" => "X".into(),
        p if p.starts_with(|c: char| c.is_ascii_uppercase()) => assemble::element(p)
            .filter(|e| assemble::is_element(e))
            .unwrap_or_else(|| assemble::element_from_name(name, true)),
        _ => assemble::element_from_name(name, true),
    }
}

/// Writes MOL2 text: one `@<TRIPOS>MOLECULE` per frame.
pub fn write(complex: &Complex) -> String {
    let mut out = String::new();
    let mut base = 0u32;
    for m in &complex.molecules {
        let atoms: Vec<(&Residue, &Atom)> = m
            .chains
            .iter()
            .flat_map(|c| &c.residues)
            .flat_map(|r| r.atoms.iter().map(move |a| (r, a)))
            .collect();
        let n = atoms.len() as u32;
        let bonds: Vec<&Bond> = m
            .chains
            .iter()
            .flat_map(|c| &c.residues)
            .flat_map(|r| &r.bonds)
            .filter(|b| (base..base + n).contains(&b.atom1) && (base..base + n).contains(&b.atom2))
            .collect();
        let residues = m.chains.iter().map(|c| c.residues.len()).sum::<usize>();
        let title = if m.name.is_empty() {
            &complex.name
        } else {
            &m.name
        };
        let _ = writeln!(
            out,
            "@<TRIPOS>MOLECULE\n{title}\n{n} {} {residues} 0 0\nSMALL\nUSER_CHARGES\n\n@<TRIPOS>ATOM",
            bonds.len()
        );
        for (i, (r, a)) in atoms.iter().enumerate() {
            let name = a.name.split_whitespace().collect::<String>();
            let subst = r.name.split_whitespace().collect::<String>();
            let _ = writeln!(
                out,
                "{:>7} {:<8} {:>10.4} {:>10.4} {:>10.4} {:<6} {:>4} {:<8} {:>8.4}",
                i + 1,
                if name.is_empty() { "X" } else { &name },
                a.position[0],
                a.position[1],
                a.position[2],
                a.symbol,
                r.serial,
                if subst.is_empty() { "UNK" } else { &subst },
                a.partial_charge
            );
        }
        out.push_str("@<TRIPOS>BOND\n");
        for (i, b) in bonds.iter().enumerate() {
            let kind = match b.kind {
                BondKind::CovalentSingle => "1",
                BondKind::CovalentDouble => "2",
                BondKind::CovalentTriple => "3",
                BondKind::Aromatic => "ar",
                BondKind::Unknown => "un",
            };
            let _ = writeln!(
                out,
                "{:>6} {:>5} {:>5} {kind}",
                i + 1,
                b.atom1 - base + 1,
                b.atom2 - base + 1
            );
        }
        base += n;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = "# made by hand\n@<TRIPOS>MOLECULE\nethanol\n 3 2 1 0 0\nSMALL\nGASTEIGER\n\n\
        @<TRIPOS>ATOM\n  1 C1 0.0 0.0 0.0 C.3 1 LIG1 -0.05\n  2 C2 1.52 0.0 0.0 c3 1 LIG1 0.1\n\
        \x20 3 O 2.0 1.35 0.0 O.3 1 LIG1 -0.4\n@<TRIPOS>BOND\n 1 1 2 1\n 2 2 3 ar\n\
        @<TRIPOS>SUBSTRUCTURE\n 1 LIG1 1\n\
        @<TRIPOS>MOLECULE\nwater\n3 2\n@<TRIPOS>ATOM\n1 OW 0 0 0 O.t3p 2 HOH\n2 HW1 0.96 0 0 H 2 HOH\n3 HW2 -0.24 0.93 0 H 2 HOH\n\
        @<TRIPOS>BOND\n1 1 2 1\n2 1 3 1\n";

    #[test]
    fn molecules_become_frames_with_bonds_and_charges() {
        let c = parse(TWO.as_bytes(), &mut Diagnostics::default()).unwrap();
        assert_eq!(c.molecules.len(), 2);
        assert_eq!(c.atom_count(), 6);
        let symbols: Vec<_> = c.atoms().map(|a| a.symbol.as_str()).collect();
        assert_eq!(
            symbols,
            ["C", "C", "O", "O", "H", "H"],
            "GAFF c3 from the name"
        );
        let bonds: Vec<_> = c.bonds().map(|b| (b.atom1, b.atom2, b.kind)).collect();
        assert_eq!(bonds[1], (1, 2, BondKind::Aromatic));
        assert_eq!(bonds[3], (3, 5, BondKind::CovalentSingle));
        assert_eq!(c.residues().next().unwrap().code, "LIG");
        let back = parse(write(&c).as_bytes(), &mut Diagnostics::default()).unwrap();
        let pick = |c: &Complex| {
            c.bonds()
                .map(|b| (b.atom1, b.atom2, b.kind))
                .collect::<Vec<_>>()
        };
        assert_eq!(pick(&back), pick(&c));
        assert_eq!(back.atoms().nth(2).unwrap().partial_charge, -0.4);
    }

    #[test]
    fn bad_records_name_the_line() {
        let bad = TWO.replace(" 2 2 3 ar", " 2 2 9 ar");
        let e = parse(bad.as_bytes(), &mut Diagnostics::default()).unwrap_err();
        assert!(
            e.to_string().starts_with("line 14: bond 2: atom \"9\""),
            "{e}"
        );
        let e = parse(b"@<TRIPOS>MOLECULE\nx\n", &mut Diagnostics::default()).unwrap_err();
        assert!(e.message.contains("no @<TRIPOS>MOLECULE with atoms"), "{e}");
    }
}
