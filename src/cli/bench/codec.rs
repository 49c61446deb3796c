//! Codec: encode and decode of one deep complex, beside nanome-lib's serializer.

use super::stats;
use crate::api::link::ToSession;
use crate::wire::{self, Envelope};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The complex both codec benchmarks build: residues of 10 carbons `A0`..`A9`, `GLY`, one
/// chain, atom i of residue r at (r, i, 0) — the layout of `scripts/bench_codec_nanome.py`.
pub(super) fn codec_complex(atoms: usize) -> crate::api::structure::Complex {
    use crate::api::structure::{Atom, Chain, Complex, Molecule, Residue};
    let residues = (0..atoms.div_ceil(10))
        .map(|r| Residue {
            code: "GLY".into(),
            serial: r as i32 + 1,
            atoms: (0..10.min(atoms - r * 10))
                .map(|i| Atom {
                    name: compact_str::format_compact!("A{i}"),
                    symbol: "C".into(),
                    serial: (r * 10 + i) as i32 + 1,
                    position: [r as f32, i as f32, 0.0],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        })
        .collect();
    Complex {
        molecules: vec![Molecule {
            chains: vec![Chain {
                name: "A".into(),
                residues,
                ..Default::default()
            }],
            ..Default::default()
        }],
        ..Default::default()
    }
}

/// Encode + decode of a deep complex (an `add_to_workspace` message), median of 5, beside
/// nanome-lib 0.42.1's serializer on the same structure (`scripts/bench-codec`).
pub(super) async fn codec_bench(atoms: usize, nanome: bool) -> anyhow::Result<()> {
    let complex = codec_complex(atoms);
    let msg = Envelope::with_id(
        1,
        ToSession::AddToWorkspace(crate::api::link::ComplexList {
            complexes: vec![complex],
        }),
    );
    let (mut enc, mut dec) = (Vec::new(), Vec::new());
    let mut size = 0;
    for _ in 0..5 {
        let t0 = Instant::now();
        let bytes = wire::encode(&msg);
        enc.push(t0.elapsed());
        let t1 = Instant::now();
        let back = wire::decode::<ToSession>(&bytes, wire::chunk::MAX_TRANSFER)?;
        dec.push(t1.elapsed());
        anyhow::ensure!(
            back == msg,
            "the decoded complex differs from the encoded one"
        );
        size = bytes.len();
    }
    let ms = |v: Vec<Duration>| stats(v).median.as_secs_f64() * 1e3;
    let (enc, dec) = (ms(enc), ms(dec));
    println!("\ncodec ({atoms}-atom complex, add_to_workspace, median of 5)");
    println!(
        "  nts CBOR            encode {enc:>8.1} ms  decode {dec:>8.1} ms  {:>6.1} MB",
        size as f64 / 1e6
    );
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench-codec");
    if !nanome || !script.is_file() {
        println!("  nanome-lib 0.42.1   (skipped: --no-nanome, or scripts/bench-codec not found)");
        return Ok(());
    }
    let out = tokio::process::Command::new("bash")
        .arg(&script)
        .args(["--atoms", &atoms.to_string(), "--repeat", "3"])
        .stderr(Stdio::inherit())
        .output()
        .await?;
    let line = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    let theirs: serde_json::Value = match serde_json::from_str(&line) {
        Ok(v) if out.status.success() => v,
        _ => {
            println!("  nanome-lib 0.42.1   (failed: {line})");
            return Ok(());
        }
    };
    let (te, td) = (
        theirs["encode_ms"].as_f64().unwrap_or(f64::NAN),
        theirs["decode_ms"].as_f64().unwrap_or(f64::NAN),
    );
    let tb = theirs["bytes"].as_f64().unwrap_or(f64::NAN);
    println!(
        "  nanome-lib 0.42.1   encode {te:>8.1} ms  decode {td:>8.1} ms  {:>6.1} MB",
        tb / 1e6
    );
    println!(
        "  ratio (encode + decode)  {:>8.1}x faster   (target >= 50x)",
        (te + td) / (enc + dec)
    );
    Ok(())
}

/// nanome-lib 0.42.1's Python: `NTS_NANOME_PYTHON`, else the virtualenv `scripts/bench-codec`
/// keeps in the cache (made by running it once, small, when it is missing).
pub(super) async fn nanome_python() -> anyhow::Result<std::path::PathBuf> {
    if let Some(p) = std::env::var_os("NTS_NANOME_PYTHON") {
        return Ok(p.into());
    }
    let cache = std::env::var_os("NTS_CACHE")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            std::env::var_os("XDG_CACHE_HOME").map(|c| std::path::PathBuf::from(c).join("nts"))
        })
        .or_else(|| {
            std::env::var_os("HOME").map(|h| std::path::PathBuf::from(h).join(".cache/nts"))
        })
        .ok_or_else(|| anyhow::anyhow!("no cache directory: set NTS_NANOME_PYTHON"))?;
    let python = cache.join("nanome-0.42.1/bin/python");
    if !python.is_file() {
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/bench-codec");
        let status = tokio::process::Command::new("bash")
            .arg(&script)
            .args(["--atoms", "10", "--repeat", "1"])
            .stdout(Stdio::null())
            .status()
            .await?;
        anyhow::ensure!(
            status.success() && python.is_file(),
            "installing nanome-lib 0.42.1 failed"
        );
    }
    Ok(python)
}
