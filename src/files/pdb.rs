//! PDB and mmCIF: read with `pdbtbx` (models become frames), PDB written here.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::api::structure::{Atom, Bond, BondKind, Chain, Complex, Molecule, Residue};

/// Parses a PDB or mmCIF file's bytes (already decompressed).
pub fn parse(bytes: &[u8], format: super::Format) -> Result<Complex, super::ParseError> {
    let format = match format {
        super::Format::Mmcif => pdbtbx::Format::Mmcif,
        _ => pdbtbx::Format::Pdb,
    };
    // pdbtbx 0.12 panics on some malformed input (e.g. control characters in a record);
    // contain that and report it as a parse error.
    let read = crate::runtime::contain(|| {
        pdbtbx::ReadOptions::default()
            .set_level(pdbtbx::StrictnessLevel::Loose)
            .set_format(format)
            .read_raw(std::io::BufReader::new(bytes))
    })
    .map_err(|p| {
        super::ParseError::new(format!(
            "malformed file (the parser gave up: {})",
            p.message
        ))
    })?;
    let (pdb, _warnings) = read.map_err(|errors| {
        let text = errors
            .iter()
            .take(3)
            .map(|e| e.short_description().to_string())
            .collect::<Vec<_>>()
            .join("; ");
        super::ParseError::new(text)
    })?;
    let mut complex = from_pdbtbx(&pdb);
    super::bonds::infer(&mut complex);
    Ok(complex)
}

fn from_pdbtbx(pdb: &pdbtbx::PDB) -> Complex {
    let mut complex = Complex::default();
    for (n, text) in pdb.remarks() {
        let entry = complex.remarks.entry(format!("REMARK {n}")).or_default();
        if !entry.is_empty() {
            entry.push('\n');
        }
        entry.push_str(text);
    }
    let mut ordinal = 0u32;
    for model in pdb.models() {
        let mut molecule = Molecule {
            name: format!("model {}", model.serial_number()),
            ..Default::default()
        };
        let mut by_serial: HashMap<usize, u32> = HashMap::new();
        let first = ordinal;
        for chain in model.chains() {
            let all_het = chain.residues().all(|r| r.atoms().all(|a| a.hetero()));
            let name = if all_het {
                format!("H{}", chain.id())
            } else {
                chain.id().to_string()
            };
            let mut out = Chain {
                name,
                ..Default::default()
            };
            for residue in chain.residues() {
                let code = residue.name().unwrap_or("UNK").to_string();
                let mut res = Residue {
                    serial: residue.serial_number() as i32,
                    name: code.clone(),
                    code,
                    ..Default::default()
                };
                // Alternate locations: the first conformer is kept.
                if let Some(conformer) = residue.conformers().next() {
                    for atom in conformer.atoms() {
                        let (x, y, z) = atom.pos();
                        res.atoms.push(Atom {
                            symbol: atom
                                .element()
                                .map(|e| e.symbol().to_string())
                                .unwrap_or_else(|| guess_element(atom.name())),
                            serial: atom.serial_number() as i32,
                            name: atom.name().to_string(),
                            position: [x as f32, y as f32, z as f32],
                            is_het: atom.hetero(),
                            occupancy: atom.occupancy() as f32,
                            bfactor: atom.b_factor() as f32,
                            formal_charge: atom.charge() as i32,
                            ..Default::default()
                        });
                        by_serial.insert(atom.serial_number(), ordinal);
                        ordinal += 1;
                    }
                }
                out.residues.push(res);
            }
            molecule.chains.push(out);
        }
        // CONECT bonds, placed in the residue of their first atom.
        let mut listed: Vec<(u32, u32, BondKind)> = Vec::new();
        for (a, b, kind) in pdb.bonds() {
            if let (Some(&x), Some(&y)) = (
                by_serial.get(&a.serial_number()),
                by_serial.get(&b.serial_number()),
            ) && x != y
            {
                let kind = if matches!(kind, pdbtbx::Bond::Covalent | pdbtbx::Bond::Disulfide) {
                    BondKind::CovalentSingle
                } else {
                    continue;
                };
                listed.push((x.min(y), x.max(y), kind));
            }
        }
        listed.sort_unstable_by_key(|b| (b.0, b.1));
        listed.dedup_by_key(|b| (b.0, b.1));
        place_bonds(&mut molecule, first, listed);
        complex.molecules.push(molecule);
    }
    complex
}

/// Puts bonds (complex ordinals) into the residue holding their first atom.
fn place_bonds(molecule: &mut Molecule, first_ordinal: u32, bonds: Vec<(u32, u32, BondKind)>) {
    let mut ordinal = first_ordinal;
    let mut owner: Vec<(u32, usize, usize)> = Vec::new(); // (end ordinal, chain, residue)
    for (ci, c) in molecule.chains.iter().enumerate() {
        for (ri, r) in c.residues.iter().enumerate() {
            ordinal += r.atoms.len() as u32;
            owner.push((ordinal, ci, ri));
        }
    }
    for (a, b, kind) in bonds {
        let slot = owner.partition_point(|(end, _, _)| *end <= a);
        if let Some(&(_, ci, ri)) = owner.get(slot) {
            molecule.chains[ci].residues[ri].bonds.push(Bond {
                index: -1,
                atom1: a,
                atom2: b,
                kind,
            });
        }
    }
}

/// The element a PDB atom name implies when the element column is empty.
fn guess_element(name: &str) -> String {
    let letters: String = name.chars().filter(|c| c.is_ascii_alphabetic()).collect();
    match letters.get(..1) {
        Some(first) => first.to_ascii_uppercase(),
        None => "X".into(),
    }
}

/// Writes PDB text: one MODEL per molecule when there are several, CONECT records for
/// bonds that touch a HETATM. Serial numbers are the atoms' ordinals + 1.
pub fn write(complex: &Complex) -> String {
    let mut out = String::new();
    for (key, text) in &complex.remarks {
        if let Some(n) = key.strip_prefix("REMARK ") {
            for line in text.lines() {
                let _ = writeln!(out, "REMARK {n:>3} {line}");
            }
        }
    }
    let het: Vec<bool> = complex.atoms().map(|a| a.is_het).collect();
    let frames = complex.molecules.len();
    let mut ordinal = 0u32;
    for (mi, m) in complex.molecules.iter().enumerate() {
        if frames > 1 {
            let _ = writeln!(out, "MODEL     {:>4}", mi + 1);
        }
        for c in &m.chains {
            let chain_id = c.name.chars().last().unwrap_or('A');
            for r in &c.residues {
                for a in &r.atoms {
                    ordinal += 1;
                    let record = if a.is_het { "HETATM" } else { "ATOM  " };
                    let name = if a.name.len() < 4 && a.symbol.len() == 1 {
                        format!(" {:<3}", a.name)
                    } else {
                        format!("{:<4}", a.name)
                    };
                    let charge = match a.formal_charge {
                        0 => String::new(),
                        q if q > 0 => format!("{q}+"),
                        q => format!("{}-", -q),
                    };
                    let _ = writeln!(
                        out,
                        "{record}{:>5} {name:.4} {:>3} {chain_id}{:>4}    {:>8.3}{:>8.3}{:>8.3}{:>6.2}{:>6.2}          {:>2}{:<2}",
                        ordinal % 100_000,
                        truncate(&r.code, 3),
                        r.serial % 10_000,
                        a.position[0],
                        a.position[1],
                        a.position[2],
                        a.occupancy,
                        a.bfactor,
                        truncate(&a.symbol.to_ascii_uppercase(), 2),
                        charge
                    );
                }
            }
            let _ = writeln!(out, "TER");
        }
        if frames > 1 {
            let _ = writeln!(out, "ENDMDL");
        }
    }
    if ordinal < 100_000 {
        let mut conect: HashMap<u32, Vec<u32>> = HashMap::new();
        for b in complex.bonds() {
            if het.get(b.atom1 as usize).copied().unwrap_or(false)
                || het.get(b.atom2 as usize).copied().unwrap_or(false)
            {
                conect.entry(b.atom1 + 1).or_default().push(b.atom2 + 1);
                conect.entry(b.atom2 + 1).or_default().push(b.atom1 + 1);
            }
        }
        let mut keys: Vec<u32> = conect.keys().copied().collect();
        keys.sort_unstable();
        for k in keys {
            for chunk in conect[&k].chunks(4) {
                let _ = write!(out, "CONECT{k:>5}");
                for n in chunk {
                    let _ = write!(out, "{n:>5}");
                }
                out.push('\n');
            }
        }
    }
    out.push_str("END\n");
    out
}

fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}
