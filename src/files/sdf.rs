//! SDF / MOL files (V2000): each record becomes a frame (molecule) of one complex, with its
//! atoms in one residue, its bond block as bonds and its data items as `associated`.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::api::structure::{Atom, Bond, BondKind, Chain, Complex, Molecule, Residue};

/// Most atoms or bonds in one record (the V2000 count fields hold three digits).
pub const MAX_COUNT: usize = 999;

/// Parses SDF text. Errors name the record and line.
pub fn parse(text: &str) -> Result<Complex, super::ParseError> {
    let mut complex = Complex::default();
    let mut lines = text.lines().enumerate().peekable();
    let mut ordinal = 0u32;
    let mut record = 0;
    while lines.peek().is_some() {
        // Skip blank lines between records.
        if lines.peek().is_some_and(|(_, l)| l.trim().is_empty()) && record > 0 {
            lines.next();
            continue;
        }
        record += 1;
        let at = |n: usize, what: &str| {
            super::ParseError::new(format!("record {record}, line {}: {what}", n + 1))
        };
        let (_, title) = lines
            .next()
            .ok_or_else(|| super::ParseError::new("empty file"))?;
        lines.next(); // program line
        lines.next(); // comment line
        let (n, counts) = lines.next().ok_or_else(|| {
            super::ParseError::new(format!("record {record}: missing counts line"))
        })?;
        let field = |s: &str, a: usize, b: usize| {
            s.get(a..b.min(s.len()))
                .unwrap_or("")
                .trim()
                .parse::<usize>()
        };
        let atoms = field(counts, 0, 3).map_err(|_| at(n, "bad atom count"))?;
        let bonds = field(counts, 3, 6).map_err(|_| at(n, "bad bond count"))?;
        if atoms > MAX_COUNT || bonds > MAX_COUNT {
            return Err(at(n, "counts over 999 (V3000 files are not supported)"));
        }
        if counts.contains("V3000") {
            return Err(at(n, "V3000 files are not supported; convert to V2000"));
        }
        let mut residue = Residue {
            code: "UNK".into(),
            name: title.trim().to_string(),
            ..Default::default()
        };
        let base = ordinal;
        for i in 0..atoms {
            let (n, l) = lines.next().ok_or_else(|| {
                super::ParseError::new(format!("record {record}: file ends inside the atom block"))
            })?;
            let num = |a: usize, b: usize| {
                l.get(a..b)
                    .unwrap_or("")
                    .trim()
                    .parse::<f32>()
                    .map_err(|_| at(n, "bad coordinate"))
            };
            let (x, y, z) = (num(0, 10)?, num(10, 20)?, num(20, 30)?);
            if !(x.is_finite() && y.is_finite() && z.is_finite()) {
                return Err(at(n, "coordinates must be finite"));
            }
            let symbol = l.get(31..34).unwrap_or("").trim().to_string();
            if symbol.is_empty() {
                return Err(at(n, "missing element symbol"));
            }
            let charge = match field(l, 36, 39).unwrap_or(0) {
                1 => 3,
                2 => 2,
                3 => 1,
                5 => -1,
                6 => -2,
                7 => -3,
                _ => 0,
            };
            residue.atoms.push(Atom {
                name: format!("{symbol}{}", i + 1),
                symbol,
                serial: i as i32 + 1,
                position: [x, y, z],
                is_het: true,
                formal_charge: charge,
                ..Default::default()
            });
            ordinal += 1;
        }
        for _ in 0..bonds {
            let (n, l) = lines.next().ok_or_else(|| {
                super::ParseError::new(format!("record {record}: file ends inside the bond block"))
            })?;
            let a = field(l, 0, 3).map_err(|_| at(n, "bad bond atom"))?;
            let b = field(l, 3, 6).map_err(|_| at(n, "bad bond atom"))?;
            if a == 0 || b == 0 || a > atoms || b > atoms || a == b {
                return Err(at(
                    n,
                    &format!("bond {a}-{b} does not join two of the {atoms} atoms"),
                ));
            }
            let kind = match field(l, 6, 9).unwrap_or(1) {
                1 => BondKind::CovalentSingle,
                2 => BondKind::CovalentDouble,
                3 => BondKind::CovalentTriple,
                4 => BondKind::Aromatic,
                _ => BondKind::Unknown,
            };
            residue.bonds.push(Bond {
                index: -1,
                atom1: base + a as u32 - 1,
                atom2: base + b as u32 - 1,
                kind,
            });
        }
        let mut associated = BTreeMap::new();
        let mut in_props = true;
        let mut tag: Option<String> = None;
        for (n, l) in lines.by_ref() {
            if l.starts_with("$$$$") {
                break;
            }
            if in_props {
                if let Some(rest) = l.strip_prefix("M  CHG") {
                    // M  CHG  n  aaa vvv ...: charges override the atom block.
                    let nums: Vec<i64> = rest
                        .split_whitespace()
                        .filter_map(|t| t.parse().ok())
                        .collect();
                    for pair in nums.get(1..).unwrap_or(&[]).chunks(2) {
                        if let [idx, q] = pair
                            && let Some(atom) =
                                residue.atoms.get_mut((*idx as usize).wrapping_sub(1))
                        {
                            atom.formal_charge = *q as i32;
                        }
                    }
                }
                if l.starts_with("M  END") {
                    in_props = false;
                }
                continue;
            }
            if let Some(rest) = l.strip_prefix('>') {
                let name = rest
                    .split('<')
                    .nth(1)
                    .and_then(|s| s.split('>').next())
                    .map(str::to_string);
                tag = Some(name.ok_or_else(|| at(n, "bad data item header"))?);
            } else if let Some(t) = &tag {
                if l.trim().is_empty() {
                    tag = None;
                } else {
                    let v: &mut String = associated.entry(t.clone()).or_default();
                    if !v.is_empty() {
                        v.push('\n');
                    }
                    v.push_str(l);
                }
            }
        }
        complex.molecules.push(Molecule {
            name: title.trim().to_string(),
            associated,
            chains: vec![Chain {
                name: "S".into(),
                residues: vec![residue],
                ..Default::default()
            }],
            ..Default::default()
        });
    }
    if complex.molecules.is_empty() {
        return Err(super::ParseError::new("no molecule in the file"));
    }
    Ok(complex)
}

/// Writes SDF text, one record per molecule (bonds within that molecule).
pub fn write(complex: &Complex) -> String {
    let mut out = String::new();
    let mut base = 0u32;
    for m in &complex.molecules {
        let atoms: Vec<&Atom> = m
            .chains
            .iter()
            .flat_map(|c| c.residues.iter())
            .flat_map(|r| r.atoms.iter())
            .collect();
        let n = atoms.len() as u32;
        let bonds: Vec<&Bond> = m
            .chains
            .iter()
            .flat_map(|c| c.residues.iter())
            .flat_map(|r| r.bonds.iter())
            .filter(|b| {
                b.atom1 >= base && b.atom1 < base + n && b.atom2 >= base && b.atom2 < base + n
            })
            .collect();
        let title = if m.name.is_empty() {
            complex.name.as_str()
        } else {
            m.name.as_str()
        };
        let _ = writeln!(out, "{title}\n  nts\n");
        let _ = writeln!(
            out,
            "{:>3}{:>3}  0  0  0  0  0  0  0  0999 V2000",
            atoms.len().min(MAX_COUNT),
            bonds.len().min(MAX_COUNT)
        );
        for a in atoms.iter().take(MAX_COUNT) {
            let _ = writeln!(
                out,
                "{:>10.4}{:>10.4}{:>10.4} {:<3} 0  0  0  0  0  0  0  0  0  0  0  0",
                a.position[0], a.position[1], a.position[2], a.symbol
            );
        }
        for b in bonds.iter().take(MAX_COUNT) {
            let order = match b.kind {
                BondKind::CovalentDouble => 2,
                BondKind::CovalentTriple => 3,
                BondKind::Aromatic => 4,
                _ => 1,
            };
            let _ = writeln!(
                out,
                "{:>3}{:>3}{:>3}  0",
                b.atom1 - base + 1,
                b.atom2 - base + 1,
                order
            );
        }
        let charged: Vec<(usize, i32)> = atoms
            .iter()
            .enumerate()
            .filter(|(_, a)| a.formal_charge != 0)
            .map(|(i, a)| (i + 1, a.formal_charge))
            .collect();
        for chunk in charged.chunks(8) {
            let _ = write!(out, "M  CHG{:>3}", chunk.len());
            for (i, q) in chunk {
                let _ = write!(out, " {i:>3} {q:>3}");
            }
            out.push('\n');
        }
        out.push_str("M  END\n");
        for (k, v) in &m.associated {
            let _ = writeln!(out, "> <{k}>\n{v}\n");
        }
        out.push_str("$$$$\n");
        base += n;
    }
    out
}
