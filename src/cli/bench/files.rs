//! File load: the corpus's five largest PDB and mmCIF files read by nts's readers, beside
//! gemmi reading the same bytes in its own process (`scripts/bench_gemmi.py`, the corpus's
//! reference parser). Both parse content already in memory and decompressed, at least 5
//! times and until 2 s have passed (at most 1000 times); medians are compared.

use crate::files::{self, Diagnostics, Format};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How many files are measured.
const LARGEST: usize = 5;

/// The corpus `scripts/corpus` prepares: `$NTS_CORPUS`, else `~/.cache/nts/corpus`.
pub(super) fn corpus_dir() -> PathBuf {
    std::env::var_os("NTS_CORPUS")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cache/nts/corpus")))
        .unwrap_or_else(|| PathBuf::from(".cache/nts/corpus"))
}

/// Every file under `dir`, depth first (bounded: a corpus holds hundreds).
pub(super) fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        match entry.file_type() {
            Ok(t) if t.is_dir() => walk(&path, out),
            Ok(t) if t.is_file() && out.len() < 100_000 => out.push(path),
            _ => {}
        }
    }
}

/// Median time of reading `bytes` as `format` into what the session stores (its columns,
/// bonds inferred), and the atoms it gave.
fn time_nts(bytes: &[u8], format: Format) -> anyhow::Result<(Duration, usize)> {
    let mut times = Vec::new();
    let mut atoms = 0;
    let start = Instant::now();
    while times.len() < 5 || (start.elapsed() < Duration::from_secs(2) && times.len() < 1000) {
        let t0 = Instant::now();
        let c =
            files::parse_any(bytes, format, &mut Diagnostics::default())?.into_packed("bench")?;
        times.push(t0.elapsed());
        atoms = c.atom_count();
    }
    times.sort();
    Ok((times[times.len() / 2], atoms))
}

pub(super) async fn files_bench() -> anyhow::Result<()> {
    let corpus = corpus_dir();
    let python = corpus.join("venv/bin/python");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench_gemmi.py");
    println!(
        "\nfile load (the corpus's {LARGEST} largest PDB/mmCIF files, parse from memory, median)"
    );
    if !corpus.join("files").is_dir() || !python.is_file() || !script.is_file() {
        println!(
            "  (skipped: no corpus at {}; `scripts/corpus` fetches it and gemmi)",
            corpus.display()
        );
        return Ok(());
    }
    let mut all = Vec::new();
    walk(&corpus.join("files"), &mut all);
    let mut sized: Vec<(u64, PathBuf)> = all
        .into_iter()
        .filter(|p| matches!(Format::of(p), Some(Format::Pdb | Format::Mmcif)))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .collect();
    sized.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    sized.truncate(LARGEST);
    let paths: Vec<&PathBuf> = sized.iter().map(|(_, p)| p).collect();

    let out = tokio::time::timeout(
        super::DEADLINE,
        tokio::process::Command::new(&python)
            .arg(&script)
            .args(&paths)
            .kill_on_drop(true)
            .output(),
    )
    .await??;
    let theirs: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    if !out.status.success() || theirs.len() != paths.len() {
        println!(
            "  (gemmi failed: {})",
            String::from_utf8_lossy(&out.stderr).trim()
        );
        return Ok(());
    }
    println!(
        "  {:<24} {:>8} {:>10} {:>10} {:>8}",
        "file", "atoms", "nts", "gemmi", "ratio"
    );
    let mut ratios = Vec::new();
    for (path, gemmi) in paths.iter().zip(&theirs) {
        let format = Format::of(path).expect("filtered above");
        let bytes =
            files::decompress(files::read_bounded(path, files::MAX_FILE)?, files::MAX_FILE)?;
        let (ours, atoms) = time_nts(&bytes, format)?;
        let ours = ours.as_secs_f64() * 1e3;
        let theirs = gemmi["median_ms"].as_f64().unwrap_or(f64::NAN);
        ratios.push(ours / theirs);
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        println!(
            "  {name:<24} {atoms:>8} {ours:>7.1} ms {theirs:>7.1} ms {:>7.2}x",
            ours / theirs
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "  median ratio                                          {:>7.2}x   (target <= 1.5x)",
        ratios[ratios.len() / 2]
    );
    Ok(())
}
