//! SDF / MOL files (V2000 and V3000): each record becomes a frame (molecule) of one complex,
//! with its atoms in one residue, its bond block as bonds and its data items as
//! `associated`. A record starts right after `$$$$`, so an empty title line is a title;
//! only blank lines after the last record are ignored.

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
        // Blank lines after the last record end the file; anywhere else the next line is
        // a record's title, even when it is empty.
        if record > 0 && lines.clone().all(|(_, l)| l.trim().is_empty()) {
            break;
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
        let mut residue = Residue {
            code: "UNK".into(),
            name: title.trim().into(),
            ..Default::default()
        };
        let base = ordinal;
        let v3000 = counts.contains("V3000");
        let (atoms, bonds) = if v3000 {
            let at_line = |n: usize, what: &str| at(n, what);
            let read = v3000_ctab(&mut lines, &mut residue, base, at_line)?;
            ordinal += read as u32;
            (0, 0)
        } else {
            let atoms = field(counts, 0, 3).map_err(|_| at(n, "bad atom count"))?;
            let bonds = field(counts, 3, 6).map_err(|_| at(n, "bad bond count"))?;
            if atoms > MAX_COUNT || bonds > MAX_COUNT {
                return Err(at(n, "counts over 999 in a V2000 record"));
            }
            (atoms, bonds)
        };
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
                name: compact_str::format_compact!("{symbol}{}", i + 1),
                symbol: symbol.into(),
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
        // A V3000 record's properties ended with its connection table.
        let mut in_props = !v3000;
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
            name: title.trim().into(),
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

/// Most atoms or bonds in one V3000 record.
pub const MAX_V3000_COUNT: usize = 1_000_000;

/// Reads a V3000 connection table (from `M  V30 BEGIN CTAB` through `M  END`) into
/// `residue`, whose first atom gets ordinal `base`; returns the atoms read.
fn v3000_ctab<'a>(
    lines: &mut std::iter::Peekable<impl Iterator<Item = (usize, &'a str)> + Clone>,
    residue: &mut Residue,
    base: u32,
    at: impl Fn(usize, &str) -> super::ParseError,
) -> Result<usize, super::ParseError> {
    #[derive(PartialEq)]
    enum Block {
        None,
        Atom,
        Bond,
    }
    let mut block = Block::None;
    let mut index: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    let mut pending = String::new();
    let mut last = 0;
    for (n, raw) in lines.by_ref() {
        last = n;
        if raw.starts_with("M  END") {
            if block != Block::None {
                return Err(at(n, "M  END inside a V3000 block"));
            }
            return Ok(index.len());
        }
        let Some(body) = raw.strip_prefix("M  V30 ") else {
            continue;
        };
        // A trailing '-' continues the line.
        if let Some(part) = body.trim_end().strip_suffix('-') {
            pending.push_str(part);
            continue;
        }
        pending.push_str(body);
        let line = std::mem::take(&mut pending);
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["BEGIN", "ATOM"] => block = Block::Atom,
            ["BEGIN", "BOND"] => block = Block::Bond,
            ["END", "ATOM" | "BOND"] => block = Block::None,
            [_, ..] if block == Block::Atom => {
                let [idx, symbol, x, y, z, rest @ ..] = words.as_slice() else {
                    return Err(at(n, "an atom line needs an index, a type and x y z"));
                };
                let idx: u64 = idx.parse().map_err(|_| at(n, "bad atom index"))?;
                let coord = |s: &str| {
                    s.parse::<f32>()
                        .ok()
                        .filter(|v| v.is_finite())
                        .ok_or_else(|| at(n, "bad coordinate"))
                };
                let position = [coord(x)?, coord(y)?, coord(z)?];
                if index.len() >= MAX_V3000_COUNT {
                    return Err(at(n, "more than a million atoms in one record"));
                }
                let charge = rest
                    .iter()
                    .find_map(|kv| kv.strip_prefix("CHG="))
                    .and_then(|v| v.parse::<i32>().ok())
                    .unwrap_or(0);
                let serial = residue.atoms.len() as u32;
                if index.insert(idx, base + serial).is_some() {
                    return Err(at(n, &format!("atom index {idx} appears twice")));
                }
                residue.atoms.push(Atom {
                    name: compact_str::format_compact!("{symbol}{}", serial + 1),
                    symbol: (*symbol).into(),
                    serial: serial as i32 + 1,
                    position,
                    is_het: true,
                    formal_charge: charge,
                    ..Default::default()
                });
            }
            [_, ..] if block == Block::Bond => {
                let [_, kind, a, b, ..] = words.as_slice() else {
                    return Err(at(n, "a bond line needs an index, a type and two atoms"));
                };
                let atom = |s: &str| {
                    s.parse::<u64>()
                        .ok()
                        .and_then(|i| index.get(&i).copied())
                        .ok_or_else(|| {
                            at(n, &format!("bond atom {s} is not an atom of this record"))
                        })
                };
                let (a, b) = (atom(a)?, atom(b)?);
                if a == b {
                    return Err(at(n, "a bond joins an atom to itself"));
                }
                if residue.bonds.len() >= MAX_V3000_COUNT {
                    return Err(at(n, "more than a million bonds in one record"));
                }
                let kind = match *kind {
                    "1" => BondKind::CovalentSingle,
                    "2" => BondKind::CovalentDouble,
                    "3" => BondKind::CovalentTriple,
                    "4" => BondKind::Aromatic,
                    _ => BondKind::Unknown,
                };
                residue.bonds.push(Bond {
                    index: -1,
                    atom1: a,
                    atom2: b,
                    kind,
                });
            }
            _ => {}
        }
    }
    Err(at(last, "the file ends inside a V3000 connection table"))
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

#[cfg(test)]
mod tests {
    use super::*;

    const V3000: &str = "ethanol\n  nts\n\n  0  0  0     0  0            999 V3000\nM  V30 BEGIN CTAB\nM  V30 COUNTS 3 2 0 0 0\nM  V30 BEGIN ATOM\nM  V30 1 C 0 0 0 0\nM  V30 2 C 1.5 0 0 0\nM  V30 3 O 2 1.2 -\nM  V30 0 0 CHG=-1\nM  V30 END ATOM\nM  V30 BEGIN BOND\nM  V30 1 1 1 2\nM  V30 2 2 2 3\nM  V30 END BOND\nM  V30 END CTAB\nM  END\n> <name>\nethanol\n\n$$$$\n";

    fn atoms_and_bonds(c: &Complex) -> Vec<(usize, usize)> {
        c.molecules
            .iter()
            .map(|m| {
                let r = &m.chains[0].residues[0];
                (r.atoms.len(), r.bonds.len())
            })
            .collect()
    }

    #[test]
    fn reads_v3000_with_continuations_charges_and_data() {
        let c = parse(V3000).unwrap();
        assert_eq!(atoms_and_bonds(&c), [(3, 2)]);
        let r = &c.molecules[0].chains[0].residues[0];
        assert_eq!(r.atoms[2].position, [2.0, 1.2, 0.0]);
        assert_eq!(r.atoms[2].formal_charge, -1);
        assert_eq!(r.bonds[1].kind, BondKind::CovalentDouble);
        assert_eq!(c.molecules[0].associated["name"], "ethanol");
    }

    #[test]
    fn a_record_with_an_empty_title_is_read_as_one() {
        let one = "first\n  nts\n\n  1  0  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 C   0  0  0  0  0  0  0  0  0  0  0  0\nM  END\n$$$$\n";
        let untitled = one.replacen("first", "", 1);
        let text = format!("{one}{untitled}\n\n");
        let c = parse(&text).unwrap();
        assert_eq!(atoms_and_bonds(&c), [(1, 0), (1, 0)]);
        assert_eq!(c.molecules[1].name, "");
        // A V3000 record after a V2000 one.
        let c = parse(&format!("{one}{V3000}")).unwrap();
        assert_eq!(atoms_and_bonds(&c), [(1, 0), (3, 2)]);
    }

    #[test]
    fn bad_v3000_is_an_error_with_its_line() {
        let broken = V3000.replace("M  V30 2 2 2 3", "M  V30 2 2 2 9");
        let e = parse(&broken).unwrap_err();
        assert!(e.message.contains("line 15"), "{}", e.message);
        assert!(parse(&V3000[..V3000.len() / 2]).is_err());
    }
}
