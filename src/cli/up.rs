//! `nts up`: the whole system on one machine.
//!
//! Starts a supervised `nats-server` with generated TLS, the coordinator and the example
//! plugins; writes a connection profile so `nts session …` needs no flags; prints one line
//! starting with `ready`; stops everything in order on Ctrl-C or SIGTERM.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{cancel_on_signal, fail, init_tracing};
use crate::broker::{Broker, BrokerError, BrokerOptions};
use crate::connect::ticket::{Claims, TicketKind};
use crate::connect::{self, ConnectOptions, Role};
use crate::coordinator::CoordinatorConfig;
use crate::host::Host;
use crate::wire::subject::Token;

/// Flags of `nts up`.
#[derive(Debug, clap::Args)]
pub struct UpArgs {
    /// State directory (TLS files, profile, broker data and log).
    #[arg(long, env = "NTS_HOME")]
    state_dir: Option<PathBuf>,
    /// Broker client port (0: a free one).
    #[arg(long, short, default_value_t = 0)]
    port: u16,
    /// Start only the broker and the coordinator.
    #[arg(long)]
    no_examples: bool,
    /// Host lease in milliseconds.
    #[arg(long, default_value_t = 6000)]
    lease_ms: u64,
    /// Port of the legacy gateway on 127.0.0.1, where unmodified nanome-lib plugins
    /// connect (0: a free one; when the default is taken, a free one too). Plugins that
    /// send no key get one made for their name.
    #[arg(long, default_value_t = LEGACY_PORT, env = "NTS_LEGACY_PORT")]
    legacy_port: u16,
    /// Do not start the legacy gateway.
    #[arg(long)]
    no_legacy: bool,
    /// Verbose logging.
    #[arg(short, long)]
    verbose: bool,
}

/// nanome-lib deployments' NTS port.
const LEGACY_PORT: u16 = 8888;

/// Starts the legacy gateway on loopback `port` (a free one if the default is taken).
async fn start_legacy(
    port: u16,
    profile: &crate::connect::Profile,
) -> Result<crate::legacy::service::Running, String> {
    let at = |port| {
        let addr = std::net::SocketAddr::from(([127, 0, 0, 1], port));
        crate::legacy::service::start(super::legacy::settings(addr, profile.clone(), true))
    };
    match at(port).await {
        Err(e) if port == LEGACY_PORT => {
            tracing::warn!("{e}; the legacy gateway takes a free port instead");
            at(0).await
        }
        other => other,
    }
}

/// How long the user ticket of the profile `nts up` writes lasts.
const USER_TICKET: Duration = Duration::from_secs(30 * 86400);

/// The name of this machine's user, as a ticket's user name (`local` if it has none
/// usable).
fn local_user() -> String {
    let name: String = std::env::var("USER")
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(32)
        .collect();
    match Token::new(name) {
        Ok(t) => t.to_string(),
        Err(_) => "local".into(),
    }
}

/// Broker crashes tolerated within [`RESTART_WINDOW`] before `nts up` gives up.
const MAX_RESTARTS: usize = 5;
const RESTART_WINDOW: Duration = Duration::from_secs(60);
/// Longest wait for each role to stop.
const STOP_STEP: Duration = Duration::from_secs(10);

pub(super) async fn run(args: UpArgs) -> ExitCode {
    init_tracing(args.verbose);
    let state_dir = args
        .state_dir
        .clone()
        .unwrap_or_else(connect::default_state_dir);
    let mut opts = BrokerOptions::new(&state_dir);
    opts.port = args.port;
    opts.binary = match locate_or_install_nats_server() {
        Ok(b) => Some(b),
        Err(e) => return fail(e),
    };
    let mut broker = match Broker::start(opts).await {
        Ok(b) => b,
        Err(e) => return fail(e),
    };
    // The operator's profile holds every password and key; the user's holds a ticket
    // and nothing else, so handing it out (or a plugin reading it) gives no more than a
    // room member's rights.
    let mut profile = broker.profile();
    let keys = profile.keys.clone().expect("the broker's profile has keys");
    profile.ticket = match keys.ticket_key() {
        Ok(key) => key.issue(&Claims::new(TicketKind::User, local_user(), USER_TICKET)),
        Err(e) => return fail(e),
    };
    let operator_path = state_dir.join(connect::OPERATOR_PROFILE);
    if let Err(e) = profile.save(&operator_path) {
        return fail(format!("writing {}: {e}", operator_path.display()));
    }
    let profile_path = state_dir.join("profile.json");
    if let Err(e) = profile
        .session_only(profile.ticket.clone())
        .save(&profile_path)
    {
        return fail(format!("writing {}: {e}", profile_path.display()));
    }

    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));

    let coordinator_stop = CancellationToken::new();
    let coordinator = match connect::connect(
        &profile,
        Role::Coordinator,
        ConnectOptions::named("coordinator"),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let config = CoordinatorConfig {
        lease: Duration::from_millis(args.lease_ms.max(300)),
        ..Default::default()
    };
    let coordinator = match super::coordinator_for(&profile, coordinator, config, Some(1)).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let mut status = coordinator.status();
    let coord_task = tokio::spawn(coordinator.run(coordinator_stop.clone()));
    let active = tokio::select! {
        _ = shutdown.cancelled() => false,
        a = crate::runtime::within(Duration::from_secs(30), super::until_active(&mut status)) => a == Some(true),
    };
    if !active {
        return fail("the coordinator failed to start (see the log above)");
    }

    let hosts_stop = CancellationToken::new();
    let mut host_tasks = Vec::new();
    let mut names = Vec::new();
    if !args.no_examples {
        let exe = match std::env::current_exe() {
            Ok(e) => e,
            Err(e) => return fail(format!("cannot find the nts executable: {e}")),
        };
        for name in crate::plugins::BUILTIN {
            let config = crate::plugins::host_config(name, &exe).expect("listed plugins exist");
            let host = match Host::connect(&profile, config, false).await {
                Ok(h) => h,
                Err(e) => return fail(e),
            };
            host_tasks.push(tokio::spawn(host.serve(hosts_stop.clone())));
            names.push(*name);
        }
    }

    let legacy = if args.no_legacy {
        None
    } else {
        match start_legacy(args.legacy_port, &profile).await {
            Ok(r) => Some(r),
            Err(e) => return fail(e),
        }
    };
    println!(
        "ready url={} profile={} operator={} plugins={} legacy={}",
        profile.url,
        profile_path.display(),
        operator_path.display(),
        if names.is_empty() {
            "-".to_string()
        } else {
            names.join(",")
        },
        legacy
            .as_ref()
            .map_or_else(|| "-".to_string(), |l| l.addr.to_string())
    );
    eprintln!(
        "nts is up. In another terminal: `nts session list`, `nts session run hello`. Ctrl-C stops everything."
    );

    // The broker is supervised: a crash restarts it on the same port with the same
    // TLS, passwords and JetStream directory, so clients reconnect and the coordinator's
    // state (plugins, sessions, links) is still there. A broker that keeps crashing
    // stops the system with the reason.
    let mut restarts: Vec<std::time::Instant> = Vec::new();
    let broker_failed = loop {
        let status = tokio::select! {
            _ = shutdown.cancelled() => break None,
            status = broker.wait() => status,
        };
        let how = crate::broker::describe_exit(&status);
        let now = std::time::Instant::now();
        restarts.retain(|t| now.duration_since(*t) < RESTART_WINDOW);
        if restarts.len() >= MAX_RESTARTS {
            break Some(format!(
                "nats-server exited ({how}) for the {}th time within {} s; stopping. Its log: {}",
                MAX_RESTARTS + 1,
                RESTART_WINDOW.as_secs(),
                broker.log.display()
            ));
        }
        restarts.push(now);
        tracing::error!(
            "nats-server exited unexpectedly ({how}); restarting it (its log: {})",
            broker.log.display()
        );
        let restarted = tokio::select! {
            _ = shutdown.cancelled() => break None,
            r = broker.restart() => r,
        };
        match restarted {
            Ok(()) => tracing::info!("nats-server restarted on {}", profile.url),
            Err(e) => {
                break Some(format!(
                    "nats-server exited ({how}) and could not be restarted: {e}"
                ));
            }
        }
    };
    if let Some(why) = &broker_failed {
        tracing::error!("{why}");
    }
    eprintln!("stopping: plugins, coordinator, broker");
    crate::runtime::set_stopping();
    // Each step is bounded: with the broker gone, nothing may wait on it for ever.
    if let Some(legacy) = legacy
        && crate::runtime::within(STOP_STEP, legacy.stop())
            .await
            .is_none()
    {
        tracing::warn!(
            "the legacy gateway did not stop within {} s; going on",
            STOP_STEP.as_secs()
        );
    }
    hosts_stop.cancel();
    for t in host_tasks {
        if crate::runtime::within(STOP_STEP, t).await.is_none() {
            tracing::warn!(
                "a plugin host did not stop within {} s; going on",
                STOP_STEP.as_secs()
            );
        }
    }
    coordinator_stop.cancel();
    if crate::runtime::within(STOP_STEP, coord_task)
        .await
        .is_none()
    {
        tracing::warn!(
            "the coordinator did not stop within {} s; going on",
            STOP_STEP.as_secs()
        );
    }
    broker.stop(Duration::from_secs(5)).await;
    if broker_failed.is_some() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// The nats-server to run: found as usual, or installed with the repository's script
/// when nts runs from a source checkout.
fn locate_or_install_nats_server() -> Result<PathBuf, BrokerError> {
    match crate::broker::find_nats_server() {
        Err(BrokerError::NotFound) => {}
        other => return other,
    }
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("scripts/install-nats-server");
    if !script.is_file() {
        return Err(BrokerError::NotFound);
    }
    eprintln!(
        "nats-server not found; installing the pinned version with {}",
        script.display()
    );
    let out = std::process::Command::new("bash")
        .arg(&script)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|source| BrokerError::Io {
            what: format!("running {}", script.display()),
            source,
        })?;
    let path = String::from_utf8_lossy(&out.stdout)
        .lines()
        .last()
        .unwrap_or_default()
        .trim()
        .to_string();
    if !out.status.success() || path.is_empty() {
        return Err(BrokerError::NotFound);
    }
    Ok(PathBuf::from(path))
}
