//! PQR (PDB2PQR, APBS): PDB-like ATOM/HETATM records whose fields are separated by
//! whitespace rather than fixed columns, with a partial charge and a radius where PDB has
//! occupancy and B-factor. The last five fields are x, y, z, charge and radius; the
//! chain id is present when a record has eleven fields. The radius is kept in the atom's
//! B-factor (the API has no radius) and written back from there.

use std::fmt::Write as _;

use super::assemble::{self, Assembled, Assembler, Record};
use super::{Diagnostics, ParseError, lines};
use crate::api::structure::Complex;

/// Parses PQR bytes (already decompressed).
pub fn parse(bytes: &[u8], diag: &mut Diagnostics) -> Result<Assembled, ParseError> {
    let mut asm = Assembler::default();
    let mut models = 0;
    for (n, line) in lines(bytes) {
        let text = String::from_utf8_lossy(line);
        let fields: Vec<&str> = text.split_whitespace().collect();
        let Some(&record) = fields.first() else {
            continue;
        };
        match record {
            "ATOM" | "HETATM" => {}
            "MODEL" => {
                models += 1;
                let number = fields.get(1).map_or(models.to_string(), |n| n.to_string());
                asm.begin_model(format!("model {number}"));
                continue;
            }
            "ENDMDL" => {
                asm.end_model();
                continue;
            }
            "END" => break,
            _ => continue,
        }
        if !(10..=11).contains(&fields.len()) {
            return Err(ParseError::line(
                n,
                format!(
                    "a PQR atom has 10 or 11 fields (record, serial, name, residue, [chain,] residue number, x, y, z, charge, radius); this one has {}",
                    fields.len()
                ),
            ));
        }
        let tail = &fields[fields.len() - 5..];
        let mut num = [0f32; 5];
        for (i, (t, what)) in tail
            .iter()
            .zip(["x", "y", "z", "charge", "radius"])
            .enumerate()
        {
            num[i] = match t.parse::<f32>() {
                Ok(v) if v.is_finite() => v,
                _ => {
                    return Err(ParseError::line(
                        n,
                        format!("the {what} field is {t:?}, not a finite number"),
                    ));
                }
            };
        }
        let chain = if fields.len() == 11 { fields[4] } else { "" };
        let seq_text = fields[fields.len() - 6];
        let digits = seq_text
            .char_indices()
            .find(|(i, c)| !(c.is_ascii_digit() || (*i == 0 && *c == '-')))
            .map_or(seq_text.len(), |(i, _)| i);
        let seq = seq_text[..digits].parse::<i32>().unwrap_or_else(|_| {
            diag.warn(
                n,
                format!("residue number {seq_text:?} is not an integer: 0 used"),
            );
            0
        });
        let het = record == "HETATM";
        asm.atom(&Record {
            het,
            serial: fields[1].parse().unwrap_or(0),
            name: fields[2],
            altloc: ' ',
            residue: fields[3],
            chain,
            seq,
            icode: seq_text[digits..].chars().next().unwrap_or(' '),
            segment: "",
            position: [num[0], num[1], num[2]],
            occupancy: 1.0,
            bfactor: num[4],
            element: "",
            charge: 0,
            partial_charge: num[3],
        });
    }
    if asm.is_empty() {
        return Err(ParseError::new(
            "no ATOM or HETATM records: the file holds no structure",
        ));
    }
    Ok(asm.finish(&[]))
}

/// Writes PQR text (whitespace-separated, in the PDB2PQR layout).
pub fn write(complex: &Complex) -> String {
    let mut out = String::new();
    let frames = complex.molecules.len();
    let mut serial = 0u64;
    for (mi, m) in complex.molecules.iter().enumerate() {
        if frames > 1 {
            let _ = writeln!(out, "MODEL {}", mi + 1);
        }
        for c in &m.chains {
            let chain = assemble::file_chain(c);
            let chain = if chain.is_empty() || chain.contains(char::is_whitespace) {
                ""
            } else {
                chain
            };
            for r in &c.residues {
                for a in &r.atoms {
                    serial += 1;
                    let _ = writeln!(
                        out,
                        "{:<6} {serial:>5} {:<4} {:>3} {chain} {:>4}{} {:>8.3} {:>8.3} {:>8.3} {:>7.4} {:>6.4}",
                        if a.is_het { "HETATM" } else { "ATOM" },
                        field(&a.name),
                        field(&r.code),
                        r.serial,
                        r.insertion_code.to_string().trim(),
                        a.position[0],
                        a.position[1],
                        a.position[2],
                        a.partial_charge,
                        a.bfactor,
                    );
                }
            }
            out.push_str("TER\n");
        }
        if frames > 1 {
            out.push_str("ENDMDL\n");
        }
    }
    out.push_str("END\n");
    out
}

/// A name as one whitespace-free field.
fn field(s: &str) -> String {
    match s.split_whitespace().collect::<String>() {
        t if t.is_empty() => "X".into(),
        t => t,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader's complex, as a tree.
    fn parse(bytes: &[u8], diag: &mut Diagnostics) -> Result<Complex, ParseError> {
        super::parse(bytes, diag).map(|a| a.into_complex("t").expect("its columns check"))
    }

    #[test]
    fn both_layouts_and_a_round_trip() {
        let t = "REMARK   1 PQR\n\
                 ATOM      1  N   MET     1     -13.564  21.372  -8.542 -0.3000 1.8240\n\
                 ATOM      2  CA  MET A   1     -13.055  20.006  -8.468  0.1000 1.9080\n\
                 HETATM    3  O   HOH A  2B      1.000   2.000   3.000 -0.8340 1.6612\n";
        let c = parse(t.as_bytes(), &mut Diagnostics::default()).unwrap();
        assert_eq!(c.atom_count(), 3);
        let chains: Vec<_> = c.molecules[0]
            .chains
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(chains, ["", "A"]);
        let o = c.atoms().nth(2).unwrap();
        assert_eq!(
            (o.partial_charge, o.bfactor, o.symbol.as_str()),
            (-0.834, 1.6612, "O")
        );
        let back = parse(write(&c).as_bytes(), &mut Diagnostics::default()).unwrap();
        let a: Vec<_> = c
            .atoms()
            .map(|a| (&a.name, a.position, a.partial_charge))
            .collect();
        let b: Vec<_> = back
            .atoms()
            .map(|a| (&a.name, a.position, a.partial_charge))
            .collect();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_records_name_the_line() {
        let e = parse(b"ATOM 1 N MET 1 x 0 0 0 0\n", &mut Diagnostics::default()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "line 1: the x field is \"x\", not a finite number"
        );
        let e = parse(b"ATOM 1 N\n", &mut Diagnostics::default()).unwrap_err();
        assert!(e.message.contains("10 or 11 fields"), "{e}");
    }
}
