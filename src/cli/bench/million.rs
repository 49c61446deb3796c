//! A million-atom workspace: a real structure replicated to 10⁶ atoms, written as mmCIF,
//! loaded through the session's readers, read and written back by `workspace-echo`, then
//! streamed by `wiggle`; the session process's peak memory beside the raw position bytes.

use super::{DEADLINE, stats};
use crate::api::control::UserInfo;
use crate::api::link::ToSession;
use crate::api::structure::Complex;
use crate::session::{LinkEvent, Lobby, Session};
use crate::wire::Envelope;
use anyhow::{Context, bail};
use std::time::Instant;

/// Atoms in the workspace.
pub(super) const ATOMS: usize = 1_000_000;

/// `base`'s first frame copied on a grid 100 Å apart until it has `atoms` atoms (the last
/// copy cut to whole residues), chains renamed so none repeats, bonds renumbered.
fn replicate(base: &Complex, atoms: usize) -> Complex {
    let per = base
        .molecules
        .first()
        .map_or(0, |m| {
            m.chains
                .iter()
                .flat_map(|c| &c.residues)
                .map(|r| r.atoms.len())
                .sum::<usize>()
        })
        .max(1);
    let mut frame = crate::api::structure::Molecule::default();
    let mut have = 0;
    let mut copy = 0usize;
    while have < atoms {
        let offset = [
            (copy % 10) as f32 * 100.0,
            (copy / 10 % 10) as f32 * 100.0,
            (copy / 100) as f32 * 100.0,
        ];
        let shift = (copy * per) as u32;
        for (k, chain) in base
            .molecules
            .iter()
            .take(1)
            .flat_map(|m| &m.chains)
            .enumerate()
        {
            let mut chain = chain.clone();
            chain.name = compact_str::format_compact!("{}{copy}_{k}", chain.name);
            chain.residues.retain_mut(|r| {
                if have >= atoms {
                    return false;
                }
                for a in &mut r.atoms {
                    for (p, o) in a.position.iter_mut().zip(offset) {
                        *p += o;
                    }
                }
                for b in &mut r.bonds {
                    b.atom1 += shift;
                    b.atom2 += shift;
                }
                have += r.atoms.len();
                true
            });
            frame.chains.push(chain);
        }
        copy += 1;
    }
    let mut out = Complex {
        name: format!("{}-x{copy}", base.name),
        molecules: vec![frame],
        ..Complex::default()
    };
    // The last copy was cut: its bonds to atoms beyond the cut go.
    let total = have as u32;
    for r in out.residues_mut() {
        r.bonds.retain(|b| b.atom1 < total && b.atom2 < total);
    }
    out
}

/// The largest PDB file of the corpus (`scripts/corpus`), else the codec bench's complex.
fn base_structure() -> Complex {
    let corpus = super::files::corpus_dir().join("files");
    let mut all = Vec::new();
    super::files::walk(&corpus, &mut all);
    let largest = all
        .into_iter()
        .filter(|p| crate::files::Format::of(p) == Some(crate::files::Format::Pdb))
        .filter_map(|p| Some((std::fs::metadata(&p).ok()?.len(), p)))
        .max();
    largest
        .and_then(|(_, p)| crate::files::load(&p).ok())
        .unwrap_or_else(|| super::codec::codec_complex(100_000))
}

/// A memory figure of this process from `/proc/self/status` (`VmHWM`: the peak since
/// [`reset_peak`]; `VmRSS`: now), in bytes.
fn memory(field: &str) -> Option<u64> {
    memory_of("self", field)
}

/// [`memory`] of process `pid`.
fn memory_of(pid: &str, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))?
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

/// Resets the peak to the current resident size (Linux ≥ 4.0: `clear_refs` 5).
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Runs `plugin` on the session's workspace and returns its first notification.
async fn run(session: &Session, plugin: &str) -> anyhow::Result<String> {
    let mut link = session.connect(plugin).await?;
    link.run().await?;
    let text = loop {
        match tokio::time::timeout(DEADLINE, link.next()).await {
            Ok(Some(LinkEvent::Message(Envelope {
                msg: ToSession::Notification(n),
                ..
            }))) => break n.text,
            Ok(Some(LinkEvent::Message(_))) => {}
            other => bail!("{plugin} failed: {other:?}"),
        }
    };
    link.close().await?;
    Ok(text)
}

/// The plugins' hosts, each its own process as in a deployment (in this process their
/// relays' buffers would be counted as the session's).
struct Hosts(Vec<tokio::process::Child>);

impl Hosts {
    /// Starts `nts plugin NAME --name million-NAME` for each of `names`.
    fn start(
        exe: &std::path::Path,
        profile: &std::path::Path,
        names: &[&str],
    ) -> anyhow::Result<Self> {
        let mut children = Vec::new();
        for name in names {
            children.push(
                tokio::process::Command::new(exe)
                    .args(["plugin", name, "--name", &format!("million-{name}")])
                    .arg("--profile")
                    .arg(profile)
                    .stdin(std::process::Stdio::null())
                    // Their log would interleave with the figures; a host that fails
                    // shows as one that never registers.
                    .stdout(std::process::Stdio::null())
                    .stderr(std::process::Stdio::null())
                    .kill_on_drop(true)
                    .spawn()
                    .with_context(|| format!("starting the {name} host"))?,
            );
        }
        Ok(Hosts(children))
    }

    /// The largest peak resident memory of the hosts' processes, in bytes.
    fn peak(&self) -> Option<u64> {
        self.0
            .iter()
            .filter_map(|c| memory_of(&c.id()?.to_string(), "VmHWM"))
            .max()
    }
}

/// Waits (up to [`DEADLINE`]) until every plugin of `names` is registered.
async fn registered(lobby: &Lobby, names: &[String]) -> anyhow::Result<()> {
    let until = Instant::now() + DEADLINE;
    loop {
        let list = lobby.plugins().await?;
        if names
            .iter()
            .all(|n| list.plugins.iter().any(|p| &p.metadata.name == n))
        {
            return Ok(());
        }
        if Instant::now() > until {
            bail!("the million-atom bench's plugins did not register within {DEADLINE:?}");
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

pub(super) async fn million_bench(
    profile: &crate::connect::Profile,
    exe: &std::path::Path,
    lobby: &Lobby,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    let base = base_structure();
    let complex = replicate(&base, ATOMS);
    let atoms = complex.atom_count();
    let path = dir.join("million.cif");
    crate::files::save(&complex, &path).context("writing the million-atom file")?;
    let file_mb = std::fs::metadata(&path)?.len() as f64 / 1e6;
    drop(complex);
    let profile_path = dir.join("million-profile.json");
    profile.save(&profile_path)?;
    let hosts = Hosts::start(exe, &profile_path, &["workspace-echo", "wiggle"])?;
    let session = Session::open(
        lobby,
        "million",
        UserInfo {
            name: "bench".into(),
            ..Default::default()
        },
    )
    .await?;
    registered(
        lobby,
        &["million-workspace-echo".into(), "million-wiggle".into()],
    )
    .await?;

    crate::sys::release_memory();
    let before = memory("VmRSS").unwrap_or(0);
    reset_peak();
    let t0 = Instant::now();
    let loaded = crate::files::load_packed(&path, crate::files::MAX_FILE)?;
    session.add_packed(vec![loaded]).await?;
    let load = t0.elapsed();
    let after_load = memory("VmHWM");
    // What the workspace keeps: resident memory once freed memory went back to the system.
    crate::sys::release_memory();
    let kept = memory("VmRSS");

    let echo = run(&session, "million-workspace-echo").await?;
    let rounds = super::workspace::round_trips(&echo)?;
    let round_trip = stats(rounds).median;
    let after_echo = memory("VmHWM");

    let streamed = run(&session, "million-wiggle").await?;
    if !streamed.starts_with("streamed") {
        bail!("the stream failed: {streamed}");
    }
    let frames = session.frame_stats().await;
    let rate = match (frames.first, frames.last) {
        (Some(a), Some(b)) if b > a => {
            frames.count.saturating_sub(1) as f64 / (b - a).as_secs_f64()
        }
        _ => f64::NAN,
    };
    let peak = memory("VmHWM");
    let host_peak = hosts.peak();
    session.leave().await?;
    drop(hosts);
    let _ = std::fs::remove_file(&path);

    let mb = |b: Option<u64>| b.map_or(f64::NAN, |b| b as f64 / 1e6);
    let per_atom =
        |b: Option<u64>| b.map_or(f64::NAN, |b| b.saturating_sub(before) as f64 / atoms as f64);
    println!(
        "
million-atom workspace ({atoms} atoms: {} replicated; {file_mb:.0} MB mmCIF)",
        base.name
    );
    println!(
        "  load (read, parse, add)              {:>8.0} ms",
        load.as_secs_f64() * 1e3
    );
    println!(
        "  workspace round trip                 {:>8.0} ms median of {}",
        round_trip.as_secs_f64() * 1e3,
        crate::plugins::echo::ROUNDS
    );
    println!(
        "  position stream, applied             {rate:>8.1} frames/s ({:.0} MB each)",
        (atoms * 12) as f64 / 1e6
    );
    println!(
        "  session process memory: {:.0} MB before; peak above it after load {:.0} B/atom, \
         after round trips {:.0} B/atom, after the stream {:.0} B/atom (peak {:.0} MB)",
        before as f64 / 1e6,
        per_atom(after_load),
        per_atom(after_echo),
        per_atom(peak),
        mb(peak),
    );
    println!(
        "  a plugin host process's peak (its own process, as deployed): {:.0} B/atom",
        host_peak.map_or(f64::NAN, |b| b as f64 / atoms as f64)
    );
    println!(
        "  session process memory kept after load (freed memory returned): {:.0} B/atom",
        per_atom(kept)
    );
    println!(
        "  raw position bytes                   {:>8.0} MB, 12 B/atom   (target <= 200 B/atom)",
        (atoms * 12) as f64 / 1e6
    );
    Ok(())
}
