//! PDB (and `.ent`): a lenient fixed-column reader and a writer.
//!
//! The reader takes what the field writes: lines of any length past the coordinates,
//! free-text and unknown records, blank or odd optional fields (occupancy, B-factor,
//! element, charge: a warning and a default), serials and sequence numbers past the
//! columns' width (hybrid-36, `*****`, five-digit residue numbers), models in any
//! numbering and without `ENDMDL`. It is strict only where a wrong structure would result:
//! a coordinate that is missing, not a number, or not finite is an error naming the line
//! and column. Alternative locations follow [`assemble`]'s rule.

use std::fmt::Write as _;

use super::assemble::{self, Assembled, Assembler, Record};
use super::{Diagnostics, ParseError, lines};
use crate::api::structure::{BondKind, Complex};

/// Parses a PDB file's bytes (already decompressed).
pub fn parse(bytes: &[u8], diag: &mut Diagnostics) -> Result<Assembled, ParseError> {
    let mut asm = Assembler::default();
    let mut conect: Vec<(i32, i32, BondKind)> = Vec::new();
    let mut remarks: Vec<(String, String)> = Vec::new();
    let mut models = 0usize;
    let mut last_serial = 0i32;
    for (n, line) in lines(bytes) {
        let record = line.get(..6).unwrap_or(line);
        if record.starts_with(b"ATOM") || record.starts_with(b"HETATM") {
            asm.atom(&atom(line, n, &mut last_serial, diag)?);
        } else if record.starts_with(b"MODEL") {
            models += 1;
            if asm.in_model() {
                diag.warn(
                    n,
                    "MODEL before the previous model's ENDMDL: the model ends here",
                );
            }
            let number = text(line, 11, 14);
            let number = if number.is_empty() {
                models.to_string()
            } else {
                number.to_string()
            };
            asm.begin_model(format!("model {number}"));
        } else if record.starts_with(b"TER") {
            asm.end_part();
        } else if record.starts_with(b"ENDMDL") {
            asm.end_model();
        } else if record == b"END" || record.starts_with(b"END ") {
            break;
        } else if record.starts_with(b"CONECT") {
            let Some(from) = serial(text(line, 7, 11)) else {
                diag.warn(
                    n,
                    "CONECT record without an atom serial (columns 7–11): ignored",
                );
                continue;
            };
            for (a, b) in [(12, 16), (17, 21), (22, 26), (27, 31)] {
                if let Some(to) = serial(text(line, a, b)) {
                    conect.push((from, to, BondKind::CovalentSingle));
                }
            }
        } else if record.starts_with(b"REMARK") {
            let number = text(line, 8, 10);
            let body = String::from_utf8_lossy(line.get(11..).unwrap_or(b""));
            remarks.push((format!("REMARK {number}"), body.trim_end().to_string()));
        }
    }
    if asm.is_empty() {
        return Err(ParseError::new(
            "no ATOM or HETATM records: the file holds no structure",
        ));
    }
    if asm.dropped_altlocs > 0 {
        diag.note(format!(
            "{} alternative-location atoms dropped (the first altloc of each atom is kept)",
            asm.dropped_altlocs
        ));
    }
    let mut assembled = asm.finish(&conect);
    for (key, body) in remarks {
        let entry = assembled.remarks.entry(key).or_default();
        if !entry.is_empty() {
            entry.push('\n');
        }
        entry.push_str(&body);
    }
    Ok(assembled)
}

/// One ATOM/HETATM line.
fn atom<'a>(
    line: &'a [u8],
    n: usize,
    last_serial: &mut i32,
    diag: &mut Diagnostics,
) -> Result<Record<'a>, ParseError> {
    let het = line.starts_with(b"HETATM");
    let serial = serial(text(line, 7, 11)).unwrap_or(last_serial.saturating_add(1));
    *last_serial = serial;
    let coord = |a: usize, b: usize, axis: &str| -> Result<f32, ParseError> {
        let t = text(line, a, b);
        if t.is_empty() {
            return Err(ParseError::at(
                n,
                a,
                format!("the {axis} coordinate (columns {a}–{b}) is missing"),
            ));
        }
        match t.parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(v),
            _ => Err(ParseError::at(
                n,
                a,
                format!("the {axis} coordinate (columns {a}–{b}) is {t:?}, not a finite number"),
            )),
        }
    };
    let position = [
        coord(31, 38, "x")?,
        coord(39, 46, "y")?,
        coord(47, 54, "z")?,
    ];
    let occupancy = diag.number(n, text(line, 55, 60), "occupancy", 1.0);
    let bfactor = diag.number(n, text(line, 61, 66), "B-factor", 0.0);
    let element_text = text(line, 77, 78);
    let element = match element_text {
        "" => "",
        t if t.bytes().all(|b| b.is_ascii_alphabetic()) => t,
        t => {
            diag.warn(
                n,
                format!("element {t:?} (columns 77–78) is not a symbol: taken from the atom name"),
            );
            ""
        }
    };
    let charge_text = text(line, 79, 80);
    let charge = charge(charge_text).unwrap_or_else(|| {
        diag.warn(
            n,
            format!("charge {charge_text:?} (columns 79–80) is not like 2+ or 1-: 0 used"),
        );
        0
    });
    // Five-digit residue numbers run into the insertion-code column.
    let (seq, icode) = {
        let seq = text(line, 23, 26);
        let ic = line.get(26).copied().unwrap_or(b' ');
        let raw = line
            .get(22..27)
            .and_then(|s| std::str::from_utf8(s).ok())
            .unwrap_or("");
        if ic.is_ascii_digit() && raw.trim().bytes().all(|b| b.is_ascii_digit() || b == b'-') {
            (raw.trim().parse().unwrap_or(0), ' ')
        } else {
            (hybrid36(seq, 4).unwrap_or(0), ic as char)
        }
    };
    Ok(Record {
        het,
        serial,
        name: text(line, 13, 16),
        altloc: line
            .get(16)
            .map(|&b| b as char)
            .filter(|c| *c != '\0')
            .unwrap_or(' '),
        residue: text(line, 18, 21),
        chain: text(line, 22, 22),
        seq,
        icode,
        segment: text(line, 73, 76),
        position,
        occupancy,
        bfactor,
        element,
        charge,
        partial_charge: 0.0,
    })
}

/// Columns `a..=b` (1-based, as the PDB format numbers them), trimmed; empty when the
/// line is shorter or the bytes are not text.
pub(super) fn text(line: &[u8], a: usize, b: usize) -> &str {
    let end = b.min(line.len());
    if a > end {
        return "";
    }
    // Trimmed as bytes before the UTF-8 check: the check and a Unicode-aware trim were a
    // fifth of reading a PDB file, and a PDB field's blanks are ASCII.
    std::str::from_utf8(line[a - 1..end].trim_ascii()).unwrap_or("")
}

/// A serial number: decimal or hybrid-36 in five columns; `None` when blank or `*****`.
fn serial(t: &str) -> Option<i32> {
    hybrid36(t, 5)
}

/// Decodes a hybrid-36 number of `width` columns: decimal up to 10^width − 1, then
/// upper-case base 36 (`A0000` = 100000 for width 5), then lower-case.
pub fn hybrid36(t: &str, width: u32) -> Option<i32> {
    let t = t.trim();
    let first = *t.as_bytes().first()?;
    if first.is_ascii_digit() || first == b'-' {
        return t.parse().ok();
    }
    let digits = |upper: bool| -> Option<i64> {
        t.bytes().try_fold(0i64, |acc, b| {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'A'..=b'Z' if upper => b - b'A' + 10,
                b'a'..=b'z' if !upper => b - b'a' + 10,
                _ => return None,
            };
            Some(acc * 36 + d as i64)
        })
    };
    if t.len() != width as usize {
        return None;
    }
    let span = 36i64.pow(width - 1) * 10; // values of the form [A-Z][0-9A-Z]{width-1} start at 10·36^(w−1)
    let decimal = 10i64.pow(width);
    let v = if first.is_ascii_uppercase() {
        digits(true)? - span + decimal
    } else {
        digits(false)? - span + decimal + 26 * 36i64.pow(width - 1)
    };
    i32::try_from(v).ok()
}

/// Encodes `v` in hybrid-36 for `width` columns (decimal while it fits).
pub fn hybrid36_encode(v: i64, width: u32) -> String {
    let decimal = 10i64.pow(width);
    if v < decimal {
        return v.to_string();
    }
    let block = 26 * 36i64.pow(width - 1);
    let (mut rest, upper) = if v - decimal < block {
        (v - decimal + 10 * 36i64.pow(width - 1), true)
    } else if v - decimal < 2 * block {
        (v - decimal - block + 10 * 36i64.pow(width - 1), false)
    } else {
        return "*".repeat(width as usize);
    };
    let mut out = vec![b'0'; width as usize];
    for slot in out.iter_mut().rev() {
        let d = (rest % 36) as u8;
        rest /= 36;
        *slot = match d {
            0..=9 => b'0' + d,
            _ if upper => b'A' + d - 10,
            _ => b'a' + d - 10,
        };
    }
    String::from_utf8(out).unwrap_or_default()
}

/// A PDB charge field: `2+`, `1-`, `+1`, `0` or blank.
fn charge(t: &str) -> Option<i32> {
    let b = t.as_bytes();
    match b {
        [] => Some(0),
        [d] if d.is_ascii_digit() => Some((d - b'0') as i32),
        [d, s] | [s, d] if d.is_ascii_digit() && (*s == b'+' || *s == b'-') => {
            let v = (d - b'0') as i32;
            Some(if *s == b'-' { -v } else { v })
        }
        _ => None,
    }
}

/// Writes PDB text: one MODEL per molecule when there are several, CONECT records for
/// bonds that touch a HETATM. Serial numbers are the atoms' ordinals + 1 (hybrid-36 past
/// 99,999).
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
    let mut ordinal = 0i64;
    for (mi, m) in complex.molecules.iter().enumerate() {
        if frames > 1 {
            let _ = writeln!(out, "MODEL     {:>4}", mi + 1);
        }
        for c in &m.chains {
            let chain_id = chain_id(c);
            let mut previous: Option<(i32, char, &str)> = None;
            for r in &c.residues {
                // Two residues in a row with one number and type read back as one unless
                // a TER parts them.
                let key = (r.serial, r.insertion_code, r.code.as_str());
                if previous == Some(key) {
                    let _ = writeln!(out, "TER");
                }
                previous = Some(key);
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
                        q if q > 0 => format!("{}+", q.min(9)),
                        q => format!("{}-", (-q).min(9)),
                    };
                    let _ = writeln!(
                        out,
                        "{record}{:>5} {name:.4} {:>3} {chain_id}{:>4}{}   {:>8.3}{:>8.3}{:>8.3}{:>6.2}{:>6.2}          {:>2}{:<2}",
                        hybrid36_encode(ordinal, 5),
                        truncate(&r.code, 3),
                        hybrid36_encode(r.serial.rem_euclid(2_000_000) as i64, 4),
                        r.insertion_code,
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
    // CONECT for bonds that touch a HETATM and for any the distance rule would not find
    // again on reading, so that the file reads back with the bonds it was written with.
    let inferred = super::bonds::inferred_pairs(complex);
    let mut conect: std::collections::BTreeMap<u32, Vec<u32>> = Default::default();
    for b in complex.bonds() {
        let pair = (b.atom1.min(b.atom2), b.atom1.max(b.atom2));
        if het.get(b.atom1 as usize).copied().unwrap_or(false)
            || het.get(b.atom2 as usize).copied().unwrap_or(false)
            || !inferred.contains(&pair)
        {
            conect.entry(b.atom1 + 1).or_default().push(b.atom2 + 1);
            conect.entry(b.atom2 + 1).or_default().push(b.atom1 + 1);
        }
    }
    for (k, to) in conect {
        for chunk in to.chunks(4) {
            let _ = write!(out, "CONECT{:>5}", hybrid36_encode(k as i64, 5));
            for n in chunk {
                let _ = write!(out, "{:>5}", hybrid36_encode(*n as i64, 5));
            }
            out.push('\n');
        }
    }
    out.push_str("END\n");
    out
}

/// The one-character chain id a chain is written with.
fn chain_id(c: &crate::api::structure::Chain) -> char {
    assemble::file_chain(c).chars().last().unwrap_or(' ')
}

pub(super) fn truncate(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((i, _)) => &s[..i],
        None => s,
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
    fn hybrid36_round_trips() {
        for (v, t) in [
            (99_999, "99999"),
            (100_000, "A0000"),
            (100_001, "A0001"),
            (43_770_016, "a0000"),
            (87_440_031, "zzzzz"),
        ] {
            assert_eq!(hybrid36_encode(v, 5), t);
            assert_eq!(hybrid36(t, 5), Some(v as i32), "{t}");
        }
        assert_eq!(hybrid36("A000", 4), Some(10_000));
        assert_eq!(hybrid36("*****", 5), None);
        assert_eq!(hybrid36("", 5), None);
        assert_eq!(hybrid36(" -12", 4), Some(-12));
    }

    #[test]
    fn charges() {
        assert_eq!(charge("2+"), Some(2));
        assert_eq!(charge("1-"), Some(-1));
        assert_eq!(charge("+1"), Some(1));
        assert_eq!(charge("0"), Some(0));
        assert_eq!(charge("90"), None);
    }

    fn parse_text(t: &str) -> Result<(Complex, Diagnostics), ParseError> {
        let mut d = Diagnostics::default();
        parse(t.as_bytes(), &mut d).map(|c| (c, d))
    }

    #[test]
    fn short_lines_free_text_and_odd_fields_load() {
        let t = "REMARK   free text that is not a number\n\
                 CRYST1   52.000   58.600   61.900  90.00  90.00  90.00 H 3\n\
                 CRYST1   52.000\n\
                 ATOM      1  N   ALA A   1      11.104   6.134  -6.504\n\
                 ATOM      2  CA  ALA A   1      11.639   6.071  -5.147  inf  0.00           0\n\
                 HETATM 2000 ZN    ZN B 101      20.000  20.000  20.000  1.00 10.00          ZN2+\n\
                 END\n\
                 ATOM      9  X   ALA A   9       0.000   0.000   0.000\n";
        let (c, d) = parse_text(t).unwrap();
        assert_eq!(c.atom_count(), 3, "END ends the file");
        let atoms: Vec<_> = c.atoms().collect();
        assert_eq!((atoms[0].symbol.as_str(), atoms[0].occupancy), ("N", 1.0));
        assert_eq!(atoms[1].occupancy, 1.0);
        assert_eq!(
            (atoms[2].symbol.as_str(), atoms[2].formal_charge),
            ("Zn", 2)
        );
        assert!(
            d.warnings().any(|w| w.contains("occupancy \"inf\"")),
            "{d:?}"
        );
    }

    #[test]
    fn bad_coordinates_name_line_and_column() {
        let t = "ATOM      1  N   ALA A   1      11.104   nan    -6.504\n";
        let e = parse_text(t).unwrap_err();
        assert_eq!((e.line, e.column), (Some(1), Some(39)));
        assert!(e.message.contains("y coordinate"), "{e}");
        let e = parse_text("ATOM      1  N   ALA A   1      11.104\n").unwrap_err();
        assert!(e.to_string().starts_with("line 1, column 39:"), "{e}");
        let e = parse_text("HEADER    nothing\n").unwrap_err();
        assert!(e.message.contains("no ATOM"), "{e}");
    }

    #[test]
    fn models_any_numbering_and_hybrid_serials() {
        let t = "MODEL        1\n\
                 ATOM  A0000  N   ALA A   1       1.000   0.000   0.000\n\
                 ATOM  A0001  CA  ALA A   1       2.000   0.000   0.000\n\
                 MODEL        1\n\
                 ATOM  A0000  N   ALA A   1       1.000   0.000   0.000\n\
                 ATOM  *****  CA  ALA A10000      2.000   0.000   0.000\n\
                 ENDMDL\n\
                 CONECT100000100001\n";
        let (c, d) = parse_text(t).unwrap();
        assert_eq!(c.molecules.len(), 2);
        assert_eq!(c.atoms().next().unwrap().serial, 100_000);
        assert_eq!(
            c.molecules[1].chains[0].residues.len(),
            2,
            "five-digit residue number"
        );
        assert_eq!(c.molecules[1].chains[0].residues[1].serial, 10_000);
        assert!(d.warnings().any(|w| w.contains("ENDMDL")));
    }

    #[test]
    fn windows_line_endings_and_non_ascii() {
        let t = "REMARK   1 caf\u{e9}\r\nATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\r\n";
        let (c, _) = parse_text(t).unwrap();
        assert_eq!(c.atoms().next().unwrap().symbol, "N");
        let mut bytes = t.as_bytes().to_vec();
        bytes[3] = 0xff;
        let (c, _) = parse(&bytes, &mut Diagnostics::default())
            .map(|c| (c, ()))
            .unwrap();
        assert_eq!(c.atom_count(), 1);
    }
}
