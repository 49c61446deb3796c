//! The real corpus (`scripts/corpus`: MDAnalysisTests and biopython test data from PyPI,
//! with gemmi's and RDKit's counts for each file): every file the reference reads loads
//! with the same models, chains, residues and atoms (and bonds where the file gives them),
//! saves and loads again as the same structure; every file the reference refuses gets a
//! clear error or loads, never a panic. `scripts/test` sets `NTS_CORPUS`; without it
//! (a bare `cargo test`) the test says so and does nothing.

use std::path::{Path, PathBuf};

use nts::api::structure::Complex;
use nts::files::{self, Format};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counts {
    models: usize,
    chains: usize,
    residues: usize,
    atoms: usize,
    bonds: Option<usize>,
}

fn counts(c: &Complex, with_bonds: bool) -> Counts {
    Counts {
        models: c.molecules.len(),
        chains: c.molecules.iter().map(|m| m.chains.len()).sum(),
        residues: c.residues().count(),
        atoms: c.atom_count(),
        bonds: with_bonds.then(|| c.bonds().count()),
    }
}

struct Entry {
    file: String,
    format: String,
    status: String,
    note: String,
    reference: Option<Counts>,
}

fn reference(dir: &Path) -> Vec<Entry> {
    let text = std::fs::read_to_string(dir.join("reference.jsonl"))
        .expect("reference.jsonl: run scripts/corpus");
    text.lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let n = |k: &str| v[k].as_u64().map(|n| n as usize);
            let status = v["status"].as_str().unwrap().to_string();
            let format = v["format"].as_str().unwrap().to_string();
            Entry {
                file: v["file"].as_str().unwrap().to_string(),
                reference: (status == "ok").then(|| Counts {
                    models: n("models").unwrap(),
                    chains: n("chains").unwrap(),
                    residues: n("residues").unwrap(),
                    atoms: n("atoms").unwrap(),
                    bonds: n("bonds"),
                }),
                format,
                status,
                note: v["note"].as_str().unwrap_or("").to_string(),
            }
        })
        .collect()
}

/// What the reference leaves open: SDF and MOL2 records are one residue each there,
/// while nts groups MOL2 atoms by substructure; so only models, atoms and bonds compare.
fn comparable(format: &str, mut ours: Counts, theirs: Counts) -> (Counts, Counts) {
    if format == "mol2" || format == "sdf" {
        ours.chains = theirs.chains;
        ours.residues = theirs.residues;
    }
    (ours, theirs)
}

/// Files where nts reads the structure differently from gemmi on purpose; only models and
/// atoms compare there. `docs/STRUCTURES.md` lists them with the same reasons.
const DIVERGES: &[(&str, &str)] = &[
    (
        "data/adk_oplsaa.pdb",
        "residue numbers wrap past 9999: gemmi merges a wrapped residue into the first one of \
         its number, nts starts a new residue when the atom names repeat",
    ),
    (
        "analysis/1k5i_c36.pdb.gz",
        "4-character residue names (CHARMM TIP3): gemmi reads columns 21-22 as the chain id",
    ),
    (
        "gromos11/gromos11_traj_solv.pdb.gz",
        "4-character residue names (LYSH): gemmi reads columns 21-22 as the chain id",
    ),
    (
        "gromos11/gromos11_traj_vac.pdb.gz",
        "4-character residue names (LYSH): gemmi reads columns 21-22 as the chain id",
    ),
    (
        "data/sameresid_diffresname.pdb",
        "4-character residue names (POPC): gemmi reads columns 21-22 as the chain id",
    ),
];

fn same_structure(a: &Complex, b: &Complex) -> Result<(), String> {
    if counts(a, true) != counts(b, true) {
        return Err(format!(
            "{:?} became {:?}",
            counts(a, true),
            counts(b, true)
        ));
    }
    for (i, (x, y)) in a.atoms().zip(b.atoms()).enumerate() {
        let moved = (0..3).any(|k| (x.position[k] - y.position[k]).abs() > 1.5e-3);
        if moved || x.name != y.name || x.symbol != y.symbol {
            return Err(format!(
                "atom {i}: {} {} {:?} became {} {} {:?}",
                x.name, x.symbol, x.position, y.name, y.symbol, y.position
            ));
        }
    }
    Ok(())
}

#[test]
fn the_corpus_loads_as_the_reference_reads_it() {
    let Some(dir) = std::env::var_os("NTS_CORPUS").map(PathBuf::from) else {
        eprintln!("NTS_CORPUS is not set (scripts/test sets it): the corpus test does nothing");
        return;
    };
    // Warnings are logged; a test run does not need them.
    let entries = reference(&dir);
    assert!(
        entries.len() > 150,
        "{} files in the reference",
        entries.len()
    );
    let out = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    let mut others = Vec::new();
    // (format) -> [files, reference reads, nts loads, agreed, round trips]
    let mut table: std::collections::BTreeMap<String, [usize; 5]> = Default::default();
    for e in &entries {
        let path = dir.join("files").join(&e.file);
        let row = table.entry(e.format.clone()).or_default();
        row[0] += 1;
        let loaded = std::panic::catch_unwind(|| files::read(&path, files::MAX_FILE));
        let loaded = match loaded {
            Ok(r) => r,
            Err(_) => {
                problems.push(format!("{}: PANIC", e.file));
                continue;
            }
        };
        match (&loaded, e.reference) {
            (Ok((c, _)), Some(theirs)) => {
                row[1] += 1;
                row[2] += 1;
                let (mut ours, theirs) =
                    comparable(&e.format, counts(c, theirs.bonds.is_some()), theirs);
                if DIVERGES.iter().any(|(f, _)| e.file.ends_with(f)) {
                    (ours.chains, ours.residues) = (theirs.chains, theirs.residues);
                }
                if ours == theirs {
                    row[3] += 1;
                } else {
                    problems.push(format!("{}: nts {ours:?}, reference {theirs:?}", e.file));
                }
            }
            (Err(err), Some(_)) => {
                row[1] += 1;
                problems.push(format!("{}: the reference reads it, nts: {err}", e.file));
            }
            (Ok((c, _)), None) => {
                row[2] += 1;
                others.push(format!(
                    "| {} | {}: {} | loads: {} models, {} atoms |",
                    e.file,
                    e.status,
                    e.note,
                    c.molecules.len(),
                    c.atom_count()
                ));
            }
            (Err(err), None) => {
                others.push(format!(
                    "| {} | {}: {} | error: {} |",
                    e.file,
                    e.status,
                    e.note,
                    err.to_string()
                        .replace(&*dir.join("files").to_string_lossy(), "")
                        .trim_start_matches('/')
                ));
                let text = err.to_string();
                if text.contains("panicked")
                    || text.contains("bug in nts")
                    || !text.contains(&e.file)
                {
                    problems.push(format!("{}: unclear error: {text}", e.file));
                }
            }
        }
        // Round trip: save in the format it was read as, load again, same structure.
        if let Ok((c, _)) = &loaded {
            let format = Format::of(&path).unwrap_or(Format::Pdb);
            let saved = out.path().join(format!("rt.{}", format.extension()));
            files::save(c, &saved).unwrap();
            match files::read(&saved, files::MAX_FILE) {
                Ok((back, _)) => match same_structure(c, &back) {
                    Ok(()) => row[4] += 1,
                    Err(why) => problems.push(format!("{}: round trip: {why}", e.file)),
                },
                Err(err) => problems.push(format!("{}: round trip: {err}", e.file)),
            }
        }
    }
    let mut summary = String::from(
        "| format | files | reference reads | nts loads | agreed | round trips |\n|---|---|---|---|---|---|\n",
    );
    let mut total = [0usize; 5];
    for (format, r) in &table {
        summary += &format!(
            "| {format} | {} | {} | {} | {} | {} |\n",
            r[0], r[1], r[2], r[3], r[4]
        );
        for k in 0..5 {
            total[k] += r[k];
        }
    }
    summary += &format!(
        "| **all** | {} | {} | {} | {} | {} |\n",
        total[0], total[1], total[2], total[3], total[4]
    );
    summary += "\n| file the reference does not read | reference | nts |\n|---|---|---|\n";
    summary += &others.join("\n");
    eprintln!("{summary}");
    if let Some(p) = std::env::var_os("NTS_CORPUS_TABLE") {
        std::fs::write(p, &summary).unwrap();
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
}
