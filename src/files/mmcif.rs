//! mmCIF / PDBx: a CIF 1.1 tokenizer, the `_atom_site` table mapped by column name into
//! the complex, and a writer.
//!
//! The first data block with atoms is read. Chains are `auth_asym_id` (else
//! `label_asym_id`), residue numbers `auth_seq_id` (else `label_seq_id`), names the auth
//! names where given; models are `pdbx_PDB_model_num` in any numbering, and atom ids are
//! kept as text, never required to count in any way (NMR entries number them across
//! models). `?` and `.` are missing values. Alternative locations follow
//! [`assemble`]'s rule.

use std::fmt::Write as _;

use super::assemble::{self, Assembled, Assembler, Record};
use super::{Diagnostics, ParseError};
use crate::api::structure::Complex;

/// A CIF token: its bytes (quotes and text-field markers removed) and its line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Token<'a> {
    text: &'a [u8],
    line: usize,
    /// Quoted or a text field: a value even when it looks like `loop_` or `_tag`.
    quoted: bool,
}

/// Splits CIF text into tokens: whitespace-separated words, `#` comments, `'…'` and
/// `"…"` quotes (closed only by a quote before whitespace), `;` text fields.
struct Tokens<'a> {
    bytes: &'a [u8],
    at: usize,
    line: usize,
}

impl<'a> Tokens<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        Tokens {
            bytes,
            at: 0,
            line: 1,
        }
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Result<Token<'a>, ParseError>;

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.bytes;
        loop {
            let &c = b.get(self.at)?;
            match c {
                b'\n' => {
                    self.line += 1;
                    self.at += 1;
                }
                // Every byte the token scan below ends at is skipped here, or a form feed
                // would be an empty token that never advances.
                c if c.is_ascii_whitespace() => self.at += 1,
                b'#' => {
                    while self.at < b.len() && b[self.at] != b'\n' {
                        self.at += 1;
                    }
                }
                _ => break,
            }
        }
        let start = self.at;
        let line = self.line;
        let c = b[start];
        let at_line_start = start == 0 || b[start - 1] == b'\n';
        if c == b';' && at_line_start {
            // A text field runs to the next line that starts with ';'.
            let mut i = start + 1;
            loop {
                match b[i..].iter().position(|&x| x == b'\n') {
                    None => {
                        return Some(Err(ParseError::line(
                            line,
                            "a text field (starting with ';') is never closed",
                        )));
                    }
                    Some(p) => {
                        i += p + 1;
                        self.line += 1;
                        if b.get(i) == Some(&b';') {
                            let text = &b[start + 1..i - 1];
                            let text = text.strip_suffix(b"\r").unwrap_or(text);
                            self.at = i + 1;
                            return Some(Ok(Token {
                                text,
                                line,
                                quoted: true,
                            }));
                        }
                    }
                }
            }
        }
        if c == b'\'' || c == b'"' {
            let mut i = start + 1;
            while i < b.len() {
                if b[i] == c && b.get(i + 1).is_none_or(|n| n.is_ascii_whitespace()) {
                    self.at = i + 1;
                    return Some(Ok(Token {
                        text: &b[start + 1..i],
                        line,
                        quoted: true,
                    }));
                }
                if b[i] == b'\n' {
                    break;
                }
                i += 1;
            }
            return Some(Err(ParseError::at(
                line,
                start
                    - b[..start]
                        .iter()
                        .rposition(|&x| x == b'\n')
                        .map_or(0, |p| p + 1)
                    + 1,
                "a quoted value is not closed on its line",
            )));
        }
        let end = b[start..]
            .iter()
            .position(|x| x.is_ascii_whitespace())
            .map_or(b.len(), |p| start + p);
        self.at = end;
        Some(Ok(Token {
            text: &b[start..end],
            line,
            quoted: false,
        }))
    }
}

fn is_keyword(t: &Token<'_>, word: &[u8]) -> bool {
    !t.quoted && t.text.len() >= word.len() && t.text[..word.len()].eq_ignore_ascii_case(word)
}

fn is_tag(t: &Token<'_>) -> bool {
    !t.quoted && t.text.first() == Some(&b'_')
}

/// The `_atom_site` columns nts reads, by position in the table.
#[derive(Debug, Default)]
struct Columns {
    group: Option<usize>,
    id: Option<usize>,
    symbol: Option<usize>,
    label_atom: Option<usize>,
    auth_atom: Option<usize>,
    altloc: Option<usize>,
    label_comp: Option<usize>,
    auth_comp: Option<usize>,
    label_asym: Option<usize>,
    auth_asym: Option<usize>,
    label_seq: Option<usize>,
    auth_seq: Option<usize>,
    icode: Option<usize>,
    x: Option<usize>,
    y: Option<usize>,
    z: Option<usize>,
    occupancy: Option<usize>,
    b: Option<usize>,
    charge: Option<usize>,
    model: Option<usize>,
}

impl Columns {
    fn set(&mut self, item: &[u8], i: usize) {
        let slot = match item.to_ascii_lowercase().as_slice() {
            b"group_pdb" => &mut self.group,
            b"id" => &mut self.id,
            b"type_symbol" => &mut self.symbol,
            b"label_atom_id" => &mut self.label_atom,
            b"auth_atom_id" => &mut self.auth_atom,
            b"label_alt_id" => &mut self.altloc,
            b"label_comp_id" => &mut self.label_comp,
            b"auth_comp_id" => &mut self.auth_comp,
            b"label_asym_id" => &mut self.label_asym,
            b"auth_asym_id" => &mut self.auth_asym,
            b"label_seq_id" => &mut self.label_seq,
            b"auth_seq_id" => &mut self.auth_seq,
            b"pdbx_pdb_ins_code" => &mut self.icode,
            b"cartn_x" => &mut self.x,
            b"cartn_y" => &mut self.y,
            b"cartn_z" => &mut self.z,
            b"occupancy" => &mut self.occupancy,
            b"b_iso_or_equiv" => &mut self.b,
            b"pdbx_formal_charge" => &mut self.charge,
            b"pdbx_pdb_model_num" => &mut self.model,
            _ => return,
        };
        slot.get_or_insert(i);
    }
}

/// Parses mmCIF bytes (already decompressed).
pub fn parse(bytes: &[u8], diag: &mut Diagnostics) -> Result<Assembled, ParseError> {
    let mut tokens = Tokens::new(bytes).peekable();
    let mut blocks = 0;
    let mut title = None;
    while let Some(t) = tokens.next() {
        let t = t?;
        if is_keyword(&t, b"data_") {
            blocks += 1;
            title = Some(String::from_utf8_lossy(&t.text[5..]).into_owned());
            continue;
        }
        let single = is_tag(&t) && starts_with_ci(t.text, b"_atom_site.");
        let looped = is_keyword(&t, b"loop_")
            && tokens.peek().is_some_and(|n| {
                n.as_ref()
                    .is_ok_and(|n| is_tag(n) && starts_with_ci(n.text, b"_atom_site."))
            });
        if !single && !looped {
            continue;
        }
        if blocks == 0 {
            return Err(ParseError::line(t.line, "no data_ block before the atoms"));
        }
        // The table's header: its column names.
        let mut names: Vec<Token<'_>> = Vec::new();
        let mut values: Vec<Token<'_>> = Vec::new();
        if single {
            // `_atom_site.x value` pairs: a table of one row.
            let mut tag = Some(t);
            while let Some(tg) = tag.take() {
                let v = tokens.next().transpose()?.ok_or_else(|| {
                    ParseError::line(tg.line, "a tag at the end of the file has no value")
                })?;
                names.push(tg);
                values.push(v);
                if let Some(Ok(n)) = tokens.peek()
                    && is_tag(n)
                    && starts_with_ci(n.text, b"_atom_site.")
                {
                    tag = tokens.next().transpose()?;
                }
            }
            let mut asm = Assembler::default();
            table(&names, values.into_iter().map(Ok), &mut asm, diag)?;
            return finish(asm, title);
        }
        while let Some(Ok(n)) = tokens.peek() {
            if !(is_tag(n) && starts_with_ci(n.text, b"_atom_site.")) {
                break;
            }
            names.extend(tokens.next().transpose()?);
        }
        // Rows run until the next tag, loop_ or data block.
        let rows = std::iter::from_fn(|| match tokens.peek() {
            Some(Ok(n)) if is_tag(n) || is_keyword(n, b"loop_") || is_keyword(n, b"data_") => None,
            _ => tokens.next(),
        });
        let mut asm = Assembler::default();
        table(&names, rows, &mut asm, diag)?;
        return finish(asm, title);
    }
    Err(ParseError::new(
        "no _atom_site table: the file holds no atom coordinates (a small-molecule, monomer or reflection CIF?)",
    ))
}

fn finish(asm: Assembler, title: Option<String>) -> Result<Assembled, ParseError> {
    if asm.is_empty() {
        return Err(ParseError::new("the _atom_site table has no atoms"));
    }
    let mut assembled = asm.finish(&[]);
    if let Some(t) = title {
        assembled.remarks.insert("data".into(), t);
    }
    Ok(assembled)
}

fn starts_with_ci(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

/// Reads the `_atom_site` rows (`values`, row-major) into `asm`.
fn table<'a>(
    names: &[Token<'a>],
    mut values: impl Iterator<Item = Result<Token<'a>, ParseError>>,
    asm: &mut Assembler,
    diag: &mut Diagnostics,
) -> Result<(), ParseError> {
    let mut cols = Columns::default();
    for (i, n) in names.iter().enumerate() {
        cols.set(&n.text["_atom_site.".len()..], i);
    }
    let (Some(x), Some(y), Some(z)) = (cols.x, cols.y, cols.z) else {
        return Err(ParseError::line(
            names.first().map_or(1, |n| n.line),
            "the _atom_site table has no Cartn_x, Cartn_y and Cartn_z columns",
        ));
    };
    let width = names.len();
    let mut row: Vec<Token<'a>> = Vec::with_capacity(width);
    let mut model: Option<Vec<u8>> = None;
    let mut serial = 0i32;
    loop {
        row.clear();
        for v in values.by_ref().take(width) {
            row.push(v?);
        }
        if row.is_empty() {
            return Ok(());
        }
        let line = row[0].line;
        if row.len() < width {
            return Err(ParseError::line(
                line,
                format!(
                    "the last _atom_site row has {} of its {width} values",
                    row.len()
                ),
            ));
        }
        let get = |c: Option<usize>| -> &'a str {
            match c.map(|i| row[i]) {
                Some(t) if !(!t.quoted && (t.text == b"?" || t.text == b".")) => {
                    std::str::from_utf8(t.text).unwrap_or("")
                }
                _ => "",
            }
        };
        let first = |a: Option<usize>, b: Option<usize>| {
            let v = get(a);
            if v.is_empty() { get(b) } else { v }
        };
        let this_model = get(cols.model).as_bytes().to_vec();
        if model.as_ref() != Some(&this_model) {
            let shown = if this_model.is_empty() {
                "1".to_string()
            } else {
                String::from_utf8_lossy(&this_model).into_owned()
            };
            asm.begin_model(format!("model {shown}"));
            model = Some(this_model);
        }
        let coord = |c: usize, axis: &str| -> Result<f32, ParseError> {
            let t = get(Some(c));
            match t.parse::<f32>() {
                Ok(v) if v.is_finite() => Ok(v),
                _ => Err(ParseError::line(
                    row[c].line,
                    format!(
                        "atom {:?}: Cartn_{axis} is {t:?}, not a finite number",
                        get(cols.id)
                    ),
                )),
            }
        };
        let position = [coord(x, "x")?, coord(y, "y")?, coord(z, "z")?];
        let occupancy = diag.number(line, get(cols.occupancy), "occupancy", 1.0);
        let bfactor = diag.number(line, get(cols.b), "B_iso_or_equiv", 0.0);
        let charge = diag.number(line, get(cols.charge), "pdbx_formal_charge", 0.0) as i32;
        let seq_text = first(cols.auth_seq, cols.label_seq);
        let seq = seq_text.parse::<i32>().unwrap_or_else(|_| {
            if !seq_text.is_empty() {
                diag.warn(
                    line,
                    format!("residue number {seq_text:?} is not an integer: 0 used"),
                );
            }
            0
        });
        serial = get(cols.id).parse().unwrap_or(serial.saturating_add(1));
        let name = first(cols.auth_atom, cols.label_atom);
        let het = get(cols.group).eq_ignore_ascii_case("HETATM");
        asm.atom(&Record {
            het,
            serial,
            name,
            altloc: get(cols.altloc).chars().next().unwrap_or(' '),
            residue: first(cols.auth_comp, cols.label_comp),
            chain: first(cols.auth_asym, cols.label_asym),
            seq,
            icode: get(cols.icode).chars().next().unwrap_or(' '),
            segment: "",
            position,
            occupancy,
            bfactor,
            element: get(cols.symbol),
            charge,
            partial_charge: 0.0,
        });
    }
}

/// Writes an mmCIF `_atom_site` table: one model number per molecule.
pub fn write(complex: &Complex) -> String {
    let mut out = String::new();
    let name = cif_value(&complex.name);
    let _ = writeln!(out, "data_{}\n#", name.trim_matches('\''));
    out.push_str("loop_\n");
    for item in [
        "group_PDB",
        "id",
        "type_symbol",
        "label_atom_id",
        "label_alt_id",
        "label_comp_id",
        "label_asym_id",
        "label_seq_id",
        "pdbx_PDB_ins_code",
        "Cartn_x",
        "Cartn_y",
        "Cartn_z",
        "occupancy",
        "B_iso_or_equiv",
        "pdbx_formal_charge",
        "auth_seq_id",
        "auth_asym_id",
        "pdbx_PDB_model_num",
    ] {
        let _ = writeln!(out, "_atom_site.{item}");
    }
    let mut id = 0u64;
    for (mi, m) in complex.molecules.iter().enumerate() {
        for c in &m.chains {
            let chain = cif_value(assemble::file_chain(c));
            for r in &c.residues {
                let code = cif_value(&r.code);
                for a in &r.atoms {
                    id += 1;
                    let _ = writeln!(
                        out,
                        "{} {id} {} {} . {code} {chain} {} {} {:.3} {:.3} {:.3} {:.2} {:.2} {} {} {chain} {}",
                        if a.is_het { "HETATM" } else { "ATOM" },
                        cif_value(&a.symbol),
                        cif_value(&a.name),
                        r.serial,
                        match r.insertion_code {
                            ' ' => "?".to_string(),
                            c => cif_value(&c.to_string()),
                        },
                        a.position[0],
                        a.position[1],
                        a.position[2],
                        a.occupancy,
                        a.bfactor,
                        a.formal_charge,
                        r.serial,
                        mi + 1,
                    );
                }
            }
        }
    }
    out.push_str("#\n");
    out
}

/// A value as CIF writes it: bare when it can be, quoted otherwise.
fn cif_value(v: &str) -> String {
    let bare = !v.is_empty()
        && !v
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b == b'\'' || b == b'"')
        && !matches!(v.as_bytes()[0], b'_' | b'#' | b'$' | b';' | b'[' | b']')
        && v != "?"
        && v != "."
        && !starts_with_ci(v.as_bytes(), b"data_")
        && !starts_with_ci(v.as_bytes(), b"loop_");
    if bare {
        v.to_string()
    } else if v.contains('\'') {
        format!("\"{v}\"")
    } else {
        format!("'{v}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The reader's complex, as a tree.
    fn parse(bytes: &[u8], diag: &mut Diagnostics) -> Result<Complex, ParseError> {
        super::parse(bytes, diag).map(|a| a.into_complex("t").expect("its columns check"))
    }

    fn words(text: &str) -> Vec<String> {
        Tokens::new(text.as_bytes())
            .map(|t| String::from_utf8_lossy(t.unwrap().text).into_owned())
            .collect()
    }

    #[test]
    fn every_whitespace_byte_separates_tokens() {
        assert_eq!(words("a\x0cb\x0b c"), ["a", "b\x0b", "c"]);
    }

    #[test]
    fn tokens_quotes_comments_and_text_fields() {
        assert_eq!(
            words("data_x # c\n_a 'it''s ok' \"b c\"\n;line one\nline two\n;\nend"),
            [
                "data_x",
                "_a",
                "it''s ok",
                "b c",
                "line one\nline two",
                "end"
            ]
        );
        assert!(
            Tokens::new(b"'open")
                .next()
                .unwrap()
                .unwrap_err()
                .message
                .contains("not closed")
        );
    }

    const NMR: &str = "data_2X\nloop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n\
        _atom_site.label_atom_id\n_atom_site.label_alt_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n\
        _atom_site.label_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n\
        _atom_site.auth_asym_id\n_atom_site.pdbx_PDB_model_num\n\
        ATOM 1 N N . ALA A 1 0.0 0.0 0.0 B 1\n\
        ATOM 2 C CA . ALA A 1 1.5 0.0 0.0 B 1\n\
        ATOM 3 C CA . ALA A 1 1.5 0.0 0.0\nB 2\n\
        ATOM X7 N 'N' . ALA A 1 0.0 0.1 0.0 B 2\n\
        #\nloop_\n_other.x\n1\n";

    #[test]
    fn models_with_ids_counting_on_and_rows_across_lines() {
        let c = parse(NMR.as_bytes(), &mut Diagnostics::default()).unwrap();
        assert_eq!(c.molecules.len(), 2);
        assert_eq!(c.atom_count(), 4);
        assert_eq!(c.molecules[0].chains[0].name, "B", "auth_asym_id wins");
        assert_eq!(
            c.atoms().nth(3).unwrap().serial,
            4,
            "a non-numeric id is counted on"
        );
    }

    #[test]
    fn round_trips_through_the_writer() {
        let c = parse(NMR.as_bytes(), &mut Diagnostics::default()).unwrap();
        let back = parse(write(&c).as_bytes(), &mut Diagnostics::default()).unwrap();
        assert_eq!(back.molecules.len(), 2);
        let a: Vec<_> = c.atoms().map(|a| (&a.name, a.position)).collect();
        let b: Vec<_> = back.atoms().map(|a| (&a.name, a.position)).collect();
        assert_eq!(a, b);
    }

    #[test]
    fn bad_tables_are_errors_with_lines() {
        let e = parse(
            b"data_x\nloop_\n_atom_site.id\n1\n",
            &mut Diagnostics::default(),
        )
        .unwrap_err();
        assert!(e.message.contains("Cartn_x"), "{e}");
        let short = NMR.replace("B 2\n#", "#");
        let e = parse(short.as_bytes(), &mut Diagnostics::default()).unwrap_err();
        assert!(e.to_string().contains("line "), "{e}");
        let e = parse(b"data_x\n_cell.a 1\n", &mut Diagnostics::default()).unwrap_err();
        assert!(e.message.contains("no _atom_site"), "{e}");
    }
}
