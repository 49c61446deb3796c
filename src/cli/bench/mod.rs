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

mod capacity;
mod codec;
mod files;
mod gateway;
mod million;
mod spawn;
mod stream;
mod throughput;
mod workspace;

use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::bail;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::api::Empty;
use crate::api::control::UserInfo;
use crate::api::link::ToPlugin;
use crate::broker::{Broker, BrokerOptions};
use crate::connect::ticket::{Claims, TicketKind};
use crate::connect::{self, ConnectOptions, Role};
use crate::coordinator::CoordinatorConfig;
use crate::host::Host;
use crate::session::{Lobby, Session};
use crate::wire::subject::Token;
use crate::wire::{self, Envelope};

use capacity::{children_rss_kib, num_cpus};
use codec::codec_bench;
use spawn::bare_spawn;
use stream::{STREAM_ROUNDS, stream_bench};
use throughput::{link_throughput, raw_throughput};
use workspace::workspace_bench;

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
    /// Run only these measurements (comma-separated); all by default.
    #[arg(long, value_enum, value_delimiter = ',')]
    only: Vec<Section>,
}

/// Waits (bounded) until the warm pool of `pool` has a process waiting.
async fn wait_warm(pool: &crate::host::WarmWatch) -> anyhow::Result<()> {
    let until = Instant::now() + DEADLINE;
    while pool.pids().is_empty() {
        if Instant::now() > until {
            bail!("the warm pool did not refill within {DEADLINE:?}");
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

/// The measurements of `nts bench`, for `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Section {
    /// Encode + decode of a deep complex.
    Codec,
    /// Sequential round trips.
    Rtt,
    /// Pipelined commands.
    Throughput,
    /// `link.open` until the instance is ready.
    Connect,
    /// A broker connect with a password and with a ticket.
    Login,
    /// A position stream.
    Stream,
    /// The workspace read and written back.
    Workspace,
    /// Many sessions on one host.
    Sessions,
    /// Structure files read, beside gemmi.
    Files,
    /// A million-atom workspace: load, round trip, stream, peak memory.
    Million,
    /// The legacy gateway: a nanome-lib plugin's connect and commands, the translation.
    Legacy,
}

impl BenchArgs {
    fn runs(&self, s: Section) -> bool {
        self.only.is_empty() || self.only.contains(&s)
    }
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
    let mut profile = broker.profile();
    let tickets = profile.keys()?.ticket_key()?;
    profile.ticket = tickets.issue(&Claims::new(
        TicketKind::User,
        "bench",
        Duration::from_secs(3600),
    ));
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
    // Unthrottled: the connect loop opens links faster than a person would.
    let unlimited = CoordinatorConfig {
        rate_limit: None,
        ..Default::default()
    };
    let coordinator = super::coordinator_for(&profile, coord, unlimited, Some(1))
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
    // Cold: each link's instance spawned for it (the connect section's baseline); the
    // warm pool is measured on a host of its own.
    host_cfg.warm = 0;
    let mut warm_cfg = host_cfg.clone();
    warm_cfg.metadata.name = "hello-warm".into();
    warm_cfg.host_id = crate::wire::subject::Token::random();
    warm_cfg.warm = 1;
    let host = Host::connect(&profile, host_cfg, false).await?;
    let host_task = tokio::spawn(host.serve(stop_host.clone()));
    let warm_host = Host::connect(&profile, warm_cfg, false).await?;
    let warm_pool = warm_host.warm_watch();
    tokio::spawn(warm_host.serve(stop_host.clone()));

    let lobby = Lobby::connect(&profile).await?;
    let session = Session::open(
        &lobby,
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

    if args.runs(Section::Codec) {
        // 0. Codec: encode + decode of one deep complex, beside nanome-lib's serializer.
        codec_bench(args.codec_atoms, !args.no_nanome).await?;
    }

    if args.runs(Section::Files) {
        files::files_bench().await?;
    }

    let mut one_link = None;
    if args.runs(Section::Rtt) {
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
        one_link = Some(ours.median);
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
    }

    if args.runs(Section::Throughput) {
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
    }

    if args.runs(Section::Connect) {
        // 3. Connect latency vs a bare spawn + handshake of the same binary.
        let mut bare = Vec::with_capacity(args.connects);
        let mut full = Vec::with_capacity(args.connects);
        let mut warm = Vec::with_capacity(args.connects);
        for _ in 0..args.connects {
            bare.push(bare_spawn(&command).await?);
            let t0 = Instant::now();
            let l = session.connect("hello").await?;
            full.push(t0.elapsed());
            l.close().await?;
            // From a warm slot: once the pool has refilled after the last one.
            wait_warm(&warm_pool).await?;
            let t0 = Instant::now();
            let l = session.connect("hello-warm").await?;
            warm.push(t0.elapsed());
            l.close().await?;
        }
        let (bare, full, warm) = (stats(bare), stats(full), stats(warm));
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
        println!(
            "  link.open, warm slot -> ready  median {:>8}  p99 {:>8}   (target <= 1 ms)",
            us(warm.median),
            us(warm.p99)
        );
        println!(
            "  warm / bare spawn              median {:>7.2}x",
            warm.median.as_secs_f64() / bare.median.as_secs_f64()
        );
    }

    if args.runs(Section::Login) {
        // 3b. A broker connect (TLS + login): a deployment user's password, checked by the
        // server itself, beside a user's ticket, checked by the auth callout.
        let (mut password, mut ticket) = (Vec::new(), Vec::new());
        for _ in 0..args.connects.max(20) {
            let t0 = Instant::now();
            let c =
                connect::connect(&profile, Role::Operator, ConnectOptions::named("bench")).await?;
            password.push(t0.elapsed());
            drop(c);
            let t0 = Instant::now();
            let l = Lobby::connect(&profile).await?;
            ticket.push(t0.elapsed());
            drop(l);
        }
        let (password, ticket) = (stats(password), stats(ticket));
        println!("\nbroker connect, TLS + login");
        println!(
            "  password (no callout)          median {:>8}  p99 {:>8}",
            us(password.median),
            us(password.p99)
        );
        println!(
            "  user ticket via auth callout   median {:>8}  p99 {:>8}",
            us(ticket.median),
            us(ticket.p99)
        );
        println!(
            "  ratio                          median {:>7.2}x",
            ticket.median.as_secs_f64() / password.median.as_secs_f64()
        );
    }

    if args.runs(Section::Stream) {
        // 4. Position stream: frames of `stream_atoms` positions, plugin → session, applied.
        let (stream_rate, raw_stream_rate, frame_bytes) = stream_bench(
            &profile,
            &exe,
            &lobby,
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
    }

    if args.runs(Section::Workspace) {
        // 5. Workspace round trip: the instance reads the whole workspace and writes it back.
        let (ws_ours, ws_raw, [ws_read, ws_write], ws_bytes) = workspace_bench(
            &profile,
            &exe,
            &lobby,
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
            "    request_workspace alone                 median {:>7.1} ms",
            ws_read.as_secs_f64() * 1e3
        );
        println!(
            "    update_workspace alone                  median {:>7.1} ms",
            ws_write.as_secs_f64() * 1e3
        );
        println!(
            "  ratio                                     median {:>7.2}x",
            ws_ours.as_secs_f64() / ws_raw.as_secs_f64()
        );
    }

    if args.runs(Section::Million) {
        million::million_bench(&profile, &exe, &lobby, dir).await?;
    }

    if args.runs(Section::Legacy) {
        let nanome = if args.no_nanome {
            None
        } else {
            Some(codec::nanome_python().await?)
        };
        gateway::legacy_bench(&profile, &session, args.codec_atoms, nanome, dir).await?;
    }

    if args.runs(Section::Sessions) {
        // 6. Sessions per host: many links open at once on one host.
        let mut open = Vec::with_capacity(args.sessions);
        let t0 = Instant::now();
        for i in 0..args.sessions {
            let s = Session::open(
                &lobby,
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
            "\nsessions per host ({} sessions, each with its own instance process, on one host)",
            args.sessions
        );
        println!(
            "  opened in {:.2} s; instance memory {:.1} MiB RSS each",
            opened_in.as_secs_f64(),
            rss_kib as f64 / 1024.0 / args.sessions.max(1) as f64
        );
        if let Some(one) = one_link {
            println!("  round trip with 1 link open   median {:>8}", us(one));
        }
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
    }

    // Other sections open links of their own in this session: the first may be gone.
    let _ = link.close().await;
    stop_host.cancel();
    let _ = host_task.await;
    stop.cancel();
    drop((session, lobby, raw_a, raw_b));
    broker.stop(Duration::from_secs(5)).await;
    Ok(())
}
