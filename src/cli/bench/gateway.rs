//! The legacy gateway: connect latency and `run` commands per second through it (an
//! unmodified nanome-lib 0.42.1 plugin) beside a native plugin, and the cost of translating
//! a deep complex into nanome-lib's serialization beside nanome-lib's own serializer.

use super::{DEADLINE, codec::codec_complex, stats, us};
use crate::api::link::ToSession;
use crate::legacy::serial::Reader;
use crate::legacy::structure::{self, Versions};
use crate::session::{Link, LinkEvent, Session};
use anyhow::bail;
use std::time::{Duration, Instant};

/// Sessions opened through the gateway (each is a Python process nanome-lib spawns).
const CONNECTS: usize = 10;
/// `run` presses in the commands-per-second measurement.
const RUNS: usize = 300;

/// Presses `run` `n` times at once and waits for the `n` notifications: commands per second.
async fn runs_per_second(link: &mut Link, n: usize) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    for _ in 0..n {
        link.run().await?;
    }
    let mut got = 0;
    while got < n {
        match tokio::time::timeout(Duration::from_secs(30), link.next()).await {
            Ok(Some(LinkEvent::Message(env))) => {
                if let ToSession::Notification(_) = env.msg {
                    got += 1;
                }
            }
            Ok(Some(LinkEvent::Closed(r))) => bail!("the link closed during the run: {r}"),
            Ok(None) => bail!("the link ended during the run"),
            Err(_) => bail!("the plugin stalled after {got} of {n} notifications"),
        }
        if t0.elapsed() > DEADLINE {
            bail!("{n} runs took longer than {DEADLINE:?}");
        }
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}

/// The gateway's figures; `nanome` is where nanome-lib 0.42.1's Python is (`None`: the
/// plugin parts are skipped).
pub(super) async fn legacy_bench(
    profile: &crate::connect::Profile,
    session: &Session,
    atoms: usize,
    nanome: Option<std::path::PathBuf>,
    dir: &std::path::Path,
) -> anyhow::Result<()> {
    println!("\nlegacy gateway (nanome-lib 0.42.1 plugin over TLS)");
    // Translation: a deep complex in nanome-lib's serialization, both ways.
    let complex = codec_complex(atoms);
    let (mut enc, mut dec) = (Vec::new(), Vec::new());
    let mut size = 0;
    for _ in 0..5 {
        let t0 = Instant::now();
        let bytes = structure::write_complexes(Versions::LATEST, [&complex].into_iter());
        enc.push(t0.elapsed());
        let t1 = Instant::now();
        let back = structure::read_complexes(&mut Reader::new(&bytes), Versions::LATEST)?;
        dec.push(t1.elapsed());
        anyhow::ensure!(back.len() == 1 && back[0].atom_count() == atoms);
        size = bytes.len();
    }
    let ms = |v: Vec<Duration>| stats(v).median.as_secs_f64() * 1e3;
    println!(
        "  translate a {atoms}-atom complex   write {:>7.1} ms  read {:>7.1} ms  {:>5.1} MB  (nanome-lib's own: see codec above)",
        ms(enc),
        ms(dec),
        size as f64 / 1e6
    );

    let Some(python) = nanome else {
        println!("  plugin figures skipped (--no-nanome)");
        return Ok(());
    };
    let mut settings = super::super::legacy::settings(
        std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        profile.clone(),
        true,
    );
    settings.capacity = 64;
    let gateway = crate::legacy::service::start(settings)
        .await
        .map_err(anyhow::Error::msg)?;
    // nanome-lib writes its config under $HOME.
    let home = dir.join("nanome-home");
    std::fs::create_dir_all(&home)?;
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/legacy-plugins/probe.py");
    let mut plugin = tokio::process::Command::new(&python)
        .arg(&script)
        .args(["-a", "127.0.0.1", "-p", &gateway.addr.port().to_string()])
        .env("HOME", &home)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .process_group(0)
        .kill_on_drop(true)
        .spawn()?;
    let result = async {
        // Registered once the plugin list shows it.
        let t0 = Instant::now();
        let lobby = crate::session::Lobby::connect(profile).await?;
        loop {
            let list = lobby.plugins().await?;
            if list.plugins.iter().any(|p| p.metadata.name == "Probe") {
                break;
            }
            if t0.elapsed() > Duration::from_secs(60) {
                bail!("the nanome-lib plugin did not register within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let (mut native, mut legacy) = (Vec::new(), Vec::new());
        for _ in 0..CONNECTS {
            let t0 = Instant::now();
            let l = session.connect("hello").await?;
            native.push(t0.elapsed());
            l.close().await?;
            let t0 = Instant::now();
            let l = session.connect("Probe").await?;
            legacy.push(t0.elapsed());
            l.close().await?;
        }
        let (native, legacy) = (stats(native), stats(legacy));
        println!(
            "  connect, native plugin          median {:>8}  p99 {:>8}",
            us(native.median),
            us(native.p99)
        );
        println!(
            "  connect, through the gateway    median {:>8}  p99 {:>8}   (nanome-lib starts a Python process per session: most of it)",
            us(legacy.median),
            us(legacy.p99)
        );
        let mut hello = session.connect("hello").await?;
        let native_rate = runs_per_second(&mut hello, RUNS).await?;
        hello.close().await?;
        let mut probe = session.connect("Probe").await?;
        let legacy_rate = runs_per_second(&mut probe, RUNS).await?;
        probe.close().await?;
        println!(
            "  run -> notification, native     {native_rate:>8.0} /s   ({RUNS} at once, one session)"
        );
        println!(
            "  run -> notification, gateway    {legacy_rate:>8.0} /s   (nanome-lib's session loop handles one command per 1/60 s frame: ~60/s at most; measured ~35/s against Nanome)"
        );
        Ok(())
    }
    .await;
    let _ = plugin.start_kill();
    if let Some(pid) = plugin.id() {
        let _ = nix::sys::signal::killpg(
            nix::unistd::Pid::from_raw(pid as i32),
            nix::sys::signal::Signal::SIGKILL,
        );
    }
    gateway.stop().await;
    result
}
