//! `nts bench`: every figure beside its baseline, measured in the same run.
//!
//! Starts a private system (broker with TLS, coordinator, the `hello` plugin host) in a
//! temporary directory, then measures:
//! - round trip: raw NATS request/reply vs session → instance → session (`ping`/`pong`);
//! - throughput: pipelined raw NATS echo vs pipelined session ↔ instance commands;
//! - connect: `link.open` until the instance is ready vs a bare spawn + handshake of the
//!   same binary.
//!
//! Every loop is bounded by a count and a deadline. Build with `--release`.
//!
//! Over 800 lines: one measurement per section beside its baseline; a file per measurement is the seam, kept whole so far so the figures print in one place.

use std::process::{ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::api::Empty;
use crate::api::control::UserInfo;
use crate::api::link::{StartInfo, ToPlugin, ToSession};
use crate::broker::{Broker, BrokerOptions};
use crate::connect::{self, ConnectOptions, Role};
use crate::coordinator::CoordinatorConfig;
use crate::host::{Host, InstanceCommand};
use crate::session::{LinkEvent, Session};
use crate::wire::frame::{FrameReader, write_frame};
use crate::wire::subject::Token;
use crate::wire::{self, Envelope};

/// Flags of `nts bench`.
#[derive(Debug, Clone, clap::Args)]
pub struct BenchArgs {
    /// Sequential round trips per measurement.
    #[arg(long, default_value_t = 5000)]
    rtt: usize,
    /// Commands per throughput measurement.
    #[arg(long, default_value_t = 200_000)]
    commands: usize,
    /// Commands in flight during the throughput measurement.
    #[arg(long, default_value_t = 512)]
    window: usize,
    /// Connects per connect measurement.
    #[arg(long, default_value_t = 100)]
    connects: usize,
    /// Atoms in the codec measurement (ours vs nanome-lib 0.42.1's serializer).
    #[arg(long, default_value_t = 100_000)]
    codec_atoms: usize,
    /// Skip the nanome-lib baseline (it installs nanome==0.42.1 from PyPI the first time).
    #[arg(long)]
    no_nanome: bool,
    /// Atoms in the position-stream measurement.
    #[arg(long, default_value_t = 100_000)]
    stream_atoms: usize,
    /// Atoms in the workspace round-trip measurement.
    #[arg(long, default_value_t = 100_000)]
    workspace_atoms: usize,
    /// Sessions held open at once on one host for the capacity measurement.
    #[arg(long, default_value_t = 200)]
    sessions: usize,
}

/// Hard limit on any single measurement.
const DEADLINE: Duration = Duration::from_secs(120);

pub(crate) async fn run(args: BenchArgs) -> ExitCode {
    if std::env::var_os("RUST_LOG").is_none() {
        // Keep the figures readable: only problems are logged.
        let _ = tracing_subscriber::fmt()
            .with_env_filter("error")
            .with_writer(std::io::stderr)
            .try_init();
    }
    match bench(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => super::fail(format!("{e:#}")),
    }
}

/// Latency summary.
struct Stats {
    median: Duration,
    p99: Duration,
}

fn stats(mut v: Vec<Duration>) -> Stats {
    v.sort();
    let at = |q: f64| v[((v.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        median: at(0.5),
        p99: at(0.99),
    }
}

fn us(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

async fn bench(args: BenchArgs) -> anyhow::Result<()> {
    if cfg!(debug_assertions) {
        eprintln!(
            "warning: this is a debug build; run `cargo run --release -- bench` for real figures"
        );
    }
    let dir = std::env::temp_dir().join(format!("nts-bench-{}", Token::random()));
    let result = bench_in(&dir, &args).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn bench_in(dir: &std::path::Path, args: &BenchArgs) -> anyhow::Result<()> {
    let mut broker = Broker::start(BrokerOptions::new(dir)).await?;
    let profile = broker.profile();
    println!(
        "nts bench: nats-server {} with TLS on {}, {} CPUs",
        broker.version,
        profile.url,
        num_cpus()
    );

    let stop = CancellationToken::new();
    let stop_host = CancellationToken::new();
    let coord = connect::connect(
        &profile,
        Role::Coordinator,
        ConnectOptions::named("coordinator"),
    )
    .await?;
    let coordinator =
        super::coordinator_for(&profile, coord, CoordinatorConfig::default(), Some(1))
            .await
            .map_err(anyhow::Error::msg)?;
    let mut status = coordinator.status();
    tokio::spawn(coordinator.run(stop.clone()));
    if !super::until_active(&mut status).await {
        bail!("the coordinator did not start");
    }

    let exe = std::env::current_exe()?;
    let mut host_cfg = crate::plugins::host_config("hello", &exe).expect("hello is built in");
    let command = host_cfg.command.clone();
    host_cfg.capacity = 1024;
    let host_client = connect::connect(
        &profile,
        Role::Host,
        ConnectOptions::named(host_cfg.connection_name()),
    )
    .await?;
    let host = Host::register(host_client, host_cfg).await?;
    let host_task = tokio::spawn(host.serve(stop_host.clone()));

    let session_client =
        connect::connect(&profile, Role::Session, ConnectOptions::named("session")).await?;
    let session = Session::open(
        session_client.clone(),
        "bench",
        UserInfo {
            name: "bench".into(),
            ..Default::default()
        },
    )
    .await?;
    let mut link = session.connect("hello").await?;

    // Two coordinator-role connections for the raw baselines (same broker, same TLS).
    let raw_a = connect::connect(
        &profile,
        Role::Coordinator,
        ConnectOptions::named("bench-a"),
    )
    .await?;
    let raw_b = connect::connect(
        &profile,
        Role::Coordinator,
        ConnectOptions::named("bench-b"),
    )
    .await?;
    let mut echo = raw_b.subscribe("bench.echo").await?;
    let echo_client = raw_b.clone();
    tokio::spawn(async move {
        while let Some(m) = echo.next().await {
            if let Some(r) = m.reply {
                let _ = echo_client.publish(r, m.payload).await;
            }
        }
    });
    // A round trip on the subscriber's own connection: the broker has processed its SUB.
    raw_b.request("bench.echo", "sync".into()).await?;
    let ping = wire::encode(&Envelope::with_id(1, ToPlugin::Ping(Empty {})));

    // 0. Codec: encode + decode of one deep complex, beside nanome-lib's serializer.
    codec_bench(args.codec_atoms, !args.no_nanome).await?;

    // 1. Round trip.
    for _ in 0..200 {
        raw_a.request("bench.echo", ping.clone().into()).await?;
        link.ping(Duration::from_secs(5)).await?;
    }
    let t_end = Instant::now() + DEADLINE;
    let (mut raw, mut ours) = (Vec::with_capacity(args.rtt), Vec::with_capacity(args.rtt));
    for _ in 0..args.rtt {
        // Interleaved, so both see the same machine state.
        let t0 = Instant::now();
        raw_a.request("bench.echo", ping.clone().into()).await?;
        raw.push(t0.elapsed());
        ours.push(link.ping(Duration::from_secs(5)).await?);
        if Instant::now() > t_end {
            bail!("round trips took longer than {DEADLINE:?}");
        }
    }
    let (raw, ours) = (stats(raw), stats(ours));
    println!(
        "\nround trip ({} sequential, {}-byte command)",
        args.rtt,
        ping.len()
    );
    println!(
        "  raw NATS request/reply        median {:>8}  p99 {:>8}",
        us(raw.median),
        us(raw.p99)
    );
    println!(
        "  session -> instance -> session median {:>8}  p99 {:>8}",
        us(ours.median),
        us(ours.p99)
    );
    println!(
        "  ratio                          median {:>7.2}x  p99 {:>7.2}x   (target <= 1.5x)",
        ours.median.as_secs_f64() / raw.median.as_secs_f64(),
        ours.p99.as_secs_f64() / raw.p99.as_secs_f64()
    );

    // 2. Throughput: `window` commands in flight.
    let raw_rate = raw_throughput(&raw_a, args.commands, args.window, &ping).await?;
    let our_rate = link_throughput(&mut link, args.commands, args.window).await?;
    println!(
        "\nthroughput ({} commands, {} in flight)",
        args.commands, args.window
    );
    println!("  raw NATS echo                  {:>10.0} /s", raw_rate);
    println!(
        "  session <-> instance commands  {:>10.0} /s   (target >= 50,000/s; nanome-lib ~35/s)",
        our_rate
    );
    println!(
        "  ratio                          {:>10.2}x",
        our_rate / raw_rate
    );

    // 3. Connect latency vs a bare spawn + handshake of the same binary.
    let mut bare = Vec::with_capacity(args.connects);
    let mut full = Vec::with_capacity(args.connects);
    for _ in 0..args.connects {
        bare.push(bare_spawn(&command).await?);
        let t0 = Instant::now();
        let l = session.connect("hello").await?;
        full.push(t0.elapsed());
        l.close().await?;
    }
    let (bare, full) = (stats(bare), stats(full));
    println!("\nconnect ({} each)", args.connects);
    println!(
        "  bare spawn + start/ready       median {:>8}  p99 {:>8}",
        us(bare.median),
        us(bare.p99)
    );
    println!(
        "  link.open -> instance ready    median {:>8}  p99 {:>8}   (target <= 10 ms; nanome-lib ~550 ms)",
        us(full.median),
        us(full.p99)
    );
    println!(
        "  ratio                          median {:>7.2}x",
        full.median.as_secs_f64() / bare.median.as_secs_f64()
    );

    // 4. Position stream: frames of `stream_atoms` positions, plugin → session, applied.
    let (stream_rate, raw_stream_rate, frame_bytes) = stream_bench(
        &profile,
        &exe,
        &session_client,
        &raw_a,
        &raw_b,
        args.stream_atoms,
        stop_host.clone(),
    )
    .await?;
    println!(
        "\nposition stream ({} atoms, {:.1} MB per frame, {} frames, median of {} rounds)",
        args.stream_atoms,
        frame_bytes as f64 / 1e6,
        crate::plugins::wiggle::FRAMES,
        STREAM_ROUNDS
    );
    println!(
        "  raw NATS publish of the same bytes  {:>8.0} frames/s",
        raw_stream_rate
    );
    println!(
        "  instance -> session, applied        {:>8.0} frames/s   (target >= 200/s and >= 0.7x raw)",
        stream_rate
    );
    println!(
        "  ratio                               {:>8.2}x",
        stream_rate / raw_stream_rate
    );

    // 5. Workspace round trip: the instance reads the whole workspace and writes it back.
    let (ws_ours, ws_raw, ws_bytes) = workspace_bench(
        &profile,
        &exe,
        &session_client,
        &raw_a,
        &raw_b,
        args.workspace_atoms,
        stop_host.clone(),
    )
    .await?;
    println!(
        "\nworkspace round trip ({} atoms, {:.1} MB each way, {} rounds)",
        args.workspace_atoms,
        ws_bytes as f64 / 1e6,
        crate::plugins::echo::ROUNDS
    );
    println!(
        "  raw NATS request/reply of the same bytes  median {:>7.1} ms",
        ws_raw.as_secs_f64() * 1e3
    );
    println!(
        "  request_workspace + update_workspace      median {:>7.1} ms",
        ws_ours.as_secs_f64() * 1e3
    );
    println!(
        "  ratio                                     median {:>7.2}x",
        ws_ours.as_secs_f64() / ws_raw.as_secs_f64()
    );

    // 6. Sessions per host: many links open at once on one host.
    let mut open = Vec::with_capacity(args.sessions);
    let t0 = Instant::now();
    for i in 0..args.sessions {
        let s = Session::open(
            session_client.clone(),
            "bench",
            UserInfo {
                name: format!("u{i}"),
                ..Default::default()
            },
        )
        .await?;
        let l = s.connect("hello").await?;
        open.push((s, l));
    }
    let opened_in = t0.elapsed();
    let rss_kib: u64 = children_rss_kib();
    let mut loaded = Vec::with_capacity(args.rtt.min(2000));
    for i in 0..args.rtt.min(2000) {
        loaded.push(open[i % open.len()].1.ping(Duration::from_secs(5)).await?);
    }
    let loaded = stats(loaded);
    println!(
        "
sessions per host ({} sessions, each with its own instance process, on one host)",
        args.sessions
    );
    println!(
        "  opened in {:.2} s; instance memory {:.1} MiB RSS each",
        opened_in.as_secs_f64(),
        rss_kib as f64 / 1024.0 / args.sessions.max(1) as f64
    );
    println!(
        "  round trip with 1 link open   median {:>8}  p99 {:>8}",
        us(ours.median),
        us(ours.p99)
    );
    println!(
        "  round trip with {:>4} open      median {:>8}  p99 {:>8}",
        args.sessions,
        us(loaded.median),
        us(loaded.p99)
    );
    for (s, l) in open {
        l.close().await?;
        s.leave().await?;
    }

    link.close().await?;
    stop_host.cancel();
    let _ = host_task.await;
    stop.cancel();
    drop((session, session_client, raw_a, raw_b));
    broker.stop(Duration::from_secs(5)).await;
    Ok(())
}

async fn raw_throughput(
    client: &async_nats::Client,
    n: usize,
    window: usize,
    payload: &[u8],
) -> anyhow::Result<f64> {
    let inbox = client.new_inbox();
    let mut replies = client.subscribe(format!("{inbox}.*")).await?;
    client.request("bench.echo", "sync".into()).await?;
    let t0 = Instant::now();
    let (mut sent, mut got) = (0usize, 0usize);
    while got < n {
        while sent < n && sent - got < window {
            client
                .publish_with_reply(
                    "bench.echo",
                    format!("{inbox}.{sent}"),
                    payload.to_vec().into(),
                )
                .await?;
            sent += 1;
        }
        match tokio::time::timeout(Duration::from_secs(10), replies.next()).await {
            Ok(Some(_)) => got += 1,
            _ => bail!("raw echo stalled after {got} of {n} replies"),
        }
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}

async fn link_throughput(
    link: &mut crate::session::Link,
    n: usize,
    window: usize,
) -> anyhow::Result<f64> {
    let t0 = Instant::now();
    let (mut sent, mut got) = (0usize, 0usize);
    while got < n {
        while sent < n && sent - got < window {
            // Ids unknown to the router: pongs come back as link events.
            let ping = wire::encode(&Envelope::with_id(
                1_000_000_000 + sent as u64,
                ToPlugin::Ping(Empty {}),
            ));
            link.send_raw(ping).await?;
            sent += 1;
        }
        match tokio::time::timeout(Duration::from_secs(10), link.next()).await {
            Ok(Some(LinkEvent::Message(Envelope {
                msg: ToSession::Pong(_),
                ..
            }))) => got += 1,
            Ok(Some(other)) => bail!("unexpected event during the throughput run: {other:?}"),
            Ok(None) => bail!("link ended during the throughput run"),
            Err(_) => bail!("link stalled after {got} of {n} replies"),
        }
    }
    Ok(n as f64 / t0.elapsed().as_secs_f64())
}

/// Spawns the instance binary directly, sends `start`, waits for `ready`, stops it.
async fn bare_spawn(command: &InstanceCommand) -> anyhow::Result<Duration> {
    let t0 = Instant::now();
    let mut child = tokio::process::Command::new(&command.program)
        .args(&command.args)
        .envs(command.env.iter().cloned())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().context("stdin")?;
    let start = ToPlugin::Start(StartInfo {
        plugin_id: Token::random(),
        plugin_name: "hello".into(),
        session_id: Token::random(),
        link_id: Token::random(),
        presenter: Default::default(),
        max_message: 1024 * 1024,
    });
    write_frame(&mut stdin, &wire::encode(&Envelope::event(start))).await?;
    tokio::io::AsyncWriteExt::flush(&mut stdin).await?;
    let mut frames = FrameReader::new(child.stdout.take().context("stdout")?, 1 << 20);
    let frame = tokio::time::timeout(Duration::from_secs(10), frames.next())
        .await??
        .context("no ready frame")?;
    let elapsed = t0.elapsed();
    match wire::decode::<ToSession>(&frame, 1 << 20)?.msg {
        ToSession::Ready(_) => {}
        other => bail!("expected ready, got {other:?}"),
    }
    drop(stdin); // EOF: the instance runs on_stop and exits
    let _ = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
    Ok(elapsed)
}

/// Rounds of the stream measurement (each: one plugin run, one raw run); the medians are
/// reported, since one run of 120 frames lasts well under a second.
const STREAM_ROUNDS: usize = 5;

/// Streams `FRAMES` position frames of an `atoms`-atom complex from the `wiggle` plugin to a
/// session, against publishing the same bytes over raw NATS, `STREAM_ROUNDS` times each,
/// interleaved. Returns the median (ours, raw) frames/s and the frame size.
async fn stream_bench(
    profile: &crate::connect::Profile,
    exe: &std::path::Path,
    session_client: &async_nats::Client,
    raw_a: &async_nats::Client,
    raw_b: &async_nats::Client,
    atoms: usize,
    stop: CancellationToken,
) -> anyhow::Result<(f64, f64, usize)> {
    serve_builtin(profile, exe, "wiggle", stop).await?;
    let frame = crate::api::stream::StreamFeed {
        stream_id: 1,
        data: crate::api::stream::StreamData::Float(vec![0.5; atoms * 3]),
    };
    let bytes = bytes::Bytes::from(wire::encode(&Envelope::event(ToSession::StreamFeed(frame))));
    let (mut ours, mut raw) = (Vec::new(), Vec::new());
    for _ in 0..STREAM_ROUNDS {
        ours.push(stream_run(session_client, atoms).await?);
        raw.push(raw_stream_run(raw_a, raw_b, &bytes).await?);
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Ok((median(ours), median(raw), bytes.len()))
}

/// Registers a host for built-in plugin `name` in this process, serving until `stop`.
async fn serve_builtin(
    profile: &crate::connect::Profile,
    exe: &std::path::Path,
    name: &str,
    stop: CancellationToken,
) -> anyhow::Result<()> {
    let cfg = crate::plugins::host_config(name, exe).expect("built in");
    let client = connect::connect(
        profile,
        Role::Host,
        ConnectOptions::named(cfg.connection_name()),
    )
    .await?;
    let host = Host::register(client, cfg).await?;
    tokio::spawn(host.serve(stop));
    Ok(())
}

/// Opens a session holding an `atoms`-atom complex, runs `plugin` on it and returns the
/// text of the first notification it sends (its result).
async fn run_on_complex(
    session_client: &async_nats::Client,
    plugin: &str,
    atoms: usize,
) -> anyhow::Result<(Session, crate::session::Link, String)> {
    let session = Session::open(
        session_client.clone(),
        plugin,
        UserInfo {
            name: "bench".into(),
            ..Default::default()
        },
    )
    .await?;
    session.add_complexes(vec![codec_complex(atoms)]).await?;
    let mut link = session.connect(plugin).await?;
    link.run().await?;
    loop {
        match tokio::time::timeout(DEADLINE, link.next()).await {
            Ok(Some(LinkEvent::Message(Envelope {
                msg: ToSession::Notification(n),
                ..
            }))) => return Ok((session, link, n.text)),
            Ok(Some(LinkEvent::Message(_))) => {} // the plugin's requests, answered by the session
            other => bail!("{plugin} failed: {other:?}"),
        }
    }
}

/// One run of the `wiggle` plugin on a fresh session; frames/s applied by the session.
async fn stream_run(session_client: &async_nats::Client, atoms: usize) -> anyhow::Result<f64> {
    let (session, link, text) = run_on_complex(session_client, "wiggle", atoms).await?;
    if !text.starts_with("streamed") {
        bail!("the stream run failed: {text}");
    }
    let stats = session.frame_stats().await;
    let (Some(first), Some(last)) = (stats.first, stats.last) else {
        bail!("no frames arrived")
    };
    let rate = (stats.count.saturating_sub(1)) as f64 / (last - first).as_secs_f64();
    link.close().await?;
    session.leave().await?;
    Ok(rate)
}

/// The same number of frames of the same bytes over raw NATS: one publisher, one
/// subscriber; frames/s received.
async fn raw_stream_run(
    raw_a: &async_nats::Client,
    raw_b: &async_nats::Client,
    bytes: &bytes::Bytes,
) -> anyhow::Result<f64> {
    let mut sub = raw_b.subscribe("bench.stream").await?;
    raw_b.request("bench.echo", "sync".into()).await?;
    let n = crate::plugins::wiggle::FRAMES;
    let sender = raw_a.clone();
    let payload = bytes.clone();
    tokio::spawn(async move {
        for _ in 0..n {
            if sender
                .publish("bench.stream", payload.clone())
                .await
                .is_err()
            {
                return;
            }
        }
    });
    let mut first = None;
    let mut last = Instant::now();
    for _ in 0..n {
        match tokio::time::timeout(Duration::from_secs(30), sub.next()).await {
            Ok(Some(_)) => {
                last = Instant::now();
                first.get_or_insert(last);
            }
            _ => bail!("the raw stream stalled"),
        }
    }
    sub.unsubscribe().await?;
    Ok((n - 1) as f64 / (last - first.unwrap_or(last)).as_secs_f64())
}

/// Times `echo::ROUNDS` workspace round trips by the `workspace-echo` plugin against raw
/// NATS request/reply carrying the same bytes both ways. Returns (ours, raw) medians and
/// the size of the workspace envelope.
async fn workspace_bench(
    profile: &crate::connect::Profile,
    exe: &std::path::Path,
    session_client: &async_nats::Client,
    raw_a: &async_nats::Client,
    raw_b: &async_nats::Client,
    atoms: usize,
    stop: CancellationToken,
) -> anyhow::Result<(Duration, Duration, usize)> {
    serve_builtin(profile, exe, "workspace-echo", stop).await?;
    let (session, link, text) = run_on_complex(session_client, "workspace-echo", atoms).await?;
    let ws_bytes = wire::encode(&Envelope::with_id(
        1,
        ToPlugin::Workspace(session.workspace().await),
    ));
    let Some(times) = text.strip_prefix("round trips (µs): ") else {
        bail!("the workspace round trips failed: {text}");
    };
    let ours: Vec<Duration> = times
        .split(' ')
        .filter_map(|t| t.parse().ok())
        .map(Duration::from_micros)
        .collect();
    link.close().await?;
    session.leave().await?;

    // The same bytes there and back over raw NATS.
    let mut echo = raw_b.subscribe("bench.ws").await?;
    let responder = raw_b.clone();
    let serve = tokio::spawn(async move {
        while let Some(m) = echo.next().await {
            if let Some(reply) = m.reply {
                let _ = responder.publish(reply, m.payload).await;
            }
        }
    });
    raw_b.flush().await?;
    let payload = bytes::Bytes::from(ws_bytes);
    let mut raw = Vec::with_capacity(crate::plugins::echo::ROUNDS);
    for _ in 0..crate::plugins::echo::ROUNDS {
        let t0 = Instant::now();
        tokio::time::timeout(DEADLINE, raw_a.request("bench.ws", payload.clone())).await??;
        raw.push(t0.elapsed());
    }
    serve.abort();
    Ok((stats(ours).median, stats(raw).median, payload.len()))
}

/// The complex both codec benchmarks build: residues of 10 carbons `A0`..`A9`, `GLY`, one
/// chain, atom i of residue r at (r, i, 0) — the layout of `scripts/bench_codec_nanome.py`.
fn codec_complex(atoms: usize) -> crate::api::structure::Complex {
    use crate::api::structure::{Atom, Chain, Complex, Molecule, Residue};
    let residues = (0..atoms.div_ceil(10))
        .map(|r| Residue {
            code: "GLY".into(),
            serial: r as i32 + 1,
            atoms: (0..10.min(atoms - r * 10))
                .map(|i| Atom {
                    name: format!("A{i}"),
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
async fn codec_bench(atoms: usize, nanome: bool) -> anyhow::Result<()> {
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

/// Total resident memory of this process's children (the instances), in KiB.
fn children_rss_kib() -> u64 {
    let me = std::process::id().to_string();
    let mut total = 0;
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else {
            continue;
        };
        let ppid = stat
            .rsplit_once(')')
            .and_then(|(_, r)| r.split_whitespace().nth(1).map(str::to_string));
        if ppid.as_deref() != Some(me.as_str()) {
            continue;
        }
        let status = std::fs::read_to_string(entry.path().join("status")).unwrap_or_default();
        total += status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.split_whitespace().next()?.parse::<u64>().ok())
            .unwrap_or(0);
    }
    total
}

fn num_cpus() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
