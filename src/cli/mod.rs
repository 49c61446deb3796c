//! The `nts` command line: a thin layer that parses flags and calls the roles.

mod bench;
mod init;
mod legacy;
mod session;
mod token;
mod up;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use tokio_util::sync::CancellationToken;

use crate::api::PluginMetadata;
use crate::connect::{self, ConnectOptions, Profile, Role};
use crate::coordinator::service::Status;
use crate::coordinator::store::Store;
use crate::coordinator::{Coordinator, CoordinatorConfig};
use crate::host::{HostConfig, InstanceCommand};
use crate::plugin::PluginArgs;

/// Why a command could not do its job; shown to the user as one line.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// A file or directory could not be created, read or written.
    #[error("{what} {}: {source}", path.display())]
    File {
        /// What was being done ("creating", "writing", …).
        what: &'static str,
        /// The file.
        path: PathBuf,
        /// Cause.
        source: std::io::Error,
    },
    /// The development certificates could not be made.
    #[error(transparent)]
    Pki(#[from] crate::broker::pki::PkiError),
    /// The profile is missing or the broker refused or could not be reached.
    #[error(transparent)]
    Connect(#[from] connect::ConnectError),
    /// The coordinator's store could not be opened.
    #[error("{0} (run with --no-store to keep state in memory only)")]
    Store(#[from] crate::coordinator::store::StoreError),
    /// A command-line argument is unusable.
    #[error("{0}")]
    Argument(String),
}

crate::error::error_kind!(CliError => CliErrorKind {
    /// A file or directory could not be created, read or written.
    File,
    /// The development certificates could not be made.
    Pki,
    /// The profile is missing or the broker refused or could not be reached.
    Connect,
    /// The coordinator's store could not be opened.
    Store,
    /// A command-line argument is unusable.
    Argument,
});

impl CliError {
    /// A file error: `what` failed on `path`.
    pub(crate) fn file(
        what: &'static str,
        path: &std::path::Path,
    ) -> impl FnOnce(std::io::Error) -> CliError {
        let path = path.to_path_buf();
        move |source| CliError::File { what, path, source }
    }
}

/// `nts`: the Nanome plugin system on NATS.
#[derive(Debug, Parser)]
#[command(name = "nts", version, about, propagate_version = true)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run everything on this machine: broker (TLS), coordinator, example plugins.
    Up(up::UpArgs),
    /// Run the coordinator (control plane).
    Coordinator(CoordinatorArgs),
    /// Host any executable as a plugin: one process per connected session.
    Host(HostArgs),
    /// Run a built-in example plugin (hello, crash, hbonds, notes, wiggle, menu, tour).
    Plugin(BuiltinArgs),
    /// Let unmodified nanome-lib plugins join: their NTS protocol on port 8888.
    Legacy(legacy::LegacyArgs),
    /// Act as a Nanome session: list plugins, run one.
    #[command(subcommand)]
    Session(session::SessionCommand),
    /// Check the system answers: exit 0 if the coordinator lists plugins (and, with
    /// `--plugin`, that plugin). For container health checks and scripts.
    Health(HealthArgs),
    /// Follow plugin instances' logs (their stderr), live.
    Logs(session::LogsArgs),
    /// Write the TLS files, passwords and profiles of a multi-node deployment.
    Init(init::InitArgs),
    /// Issue credentials: a user's profile, or a plugin's key (operator only).
    #[command(subcommand)]
    Token(token::TokenCommand),
    /// Measure round trips, throughput and connect latency against their baselines.
    Bench(bench::BenchArgs),
}

#[derive(Debug, clap::Args)]
struct CoordinatorArgs {
    /// Connection profile (default: the one `nts up` writes).
    #[arg(long, env = "NTS_PROFILE")]
    profile: Option<PathBuf>,
    /// Host lease in milliseconds (hosts heartbeat at a third of it).
    #[arg(long, default_value_t = 6000)]
    lease_ms: u64,
    /// How long (ms) a room member may be without a connection to its room before it is
    /// removed (the last one out closes the room).
    #[arg(long, default_value_t = 30_000)]
    member_grace_ms: u64,
    /// Copies of the state bucket (3 in a 3-node cluster).
    #[arg(long, default_value_t = 1)]
    replicas: usize,
    /// Keep state in memory only: no failover, nothing survives a restart.
    #[arg(long)]
    no_store: bool,
    /// Verbose logging.
    #[arg(short, long)]
    verbose: bool,
    /// Testing only: panic inside the first request of this kind (e.g. `session.open`),
    /// to check that a failed operation is contained.
    #[arg(long, hide = true, value_name = "KIND")]
    inject_panic: Option<String>,
}

#[derive(Debug, clap::Args)]
struct HostArgs {
    /// Plugin description.
    #[arg(long, default_value = "")]
    description: String,
    /// Category.
    #[arg(long, default_value = "")]
    category: String,
    /// Offer "advanced settings".
    #[arg(long)]
    has_advanced: bool,
    #[command(flatten)]
    conn: PluginArgs,
    /// The instance command and its arguments (after `--`).
    #[arg(last = true, required = true)]
    command: Vec<String>,
}

#[derive(Debug, clap::Args)]
struct HealthArgs {
    /// Also require this plugin to be registered.
    #[arg(long)]
    plugin: Option<String>,
    /// Connection profile (default: the one `nts up` writes).
    #[arg(long, env = "NTS_PROFILE")]
    profile: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
struct BuiltinArgs {
    /// Which plugin: hello, crash, hbonds, notes, wiggle, menu or tour.
    #[arg(value_name = "NAME")]
    plugin: String,
    #[command(flatten)]
    conn: PluginArgs,
}

/// Runs the command line.
pub fn main() -> ExitCode {
    crate::sys::tune_allocator();
    let cli = Cli::parse();
    match cli.command {
        Command::Plugin(args) => run_builtin(args),
        Command::Host(args) => run_host(args),
        Command::Init(args) => init::run(args),
        Command::Token(c) => token::run(c),
        other => {
            let rt = match tokio::runtime::Runtime::new() {
                Ok(rt) => rt,
                Err(e) => return fail(format!("cannot start the async runtime: {e}")),
            };
            rt.block_on(async move {
                match other {
                    Command::Up(a) => up::run(a).await,
                    Command::Coordinator(a) => run_coordinator(a).await,
                    Command::Session(c) => session::run(c).await,
                    Command::Bench(a) => bench::run(a).await,
                    Command::Health(a) => health(a).await,
                    Command::Logs(a) => session::logs(a).await,
                    Command::Legacy(a) => legacy::run(a).await,
                    Command::Plugin(_)
                    | Command::Host(_)
                    | Command::Init(_)
                    | Command::Token(_) => {
                        unreachable!("handled above")
                    }
                }
            })
        }
    }
}

/// Prints `error: …` and returns a failure exit code.
pub(crate) fn fail(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::FAILURE
}

pub use crate::runtime::{cancel_on_signal, init_tracing};

/// A coordinator on `client`: state in JetStream KV with `replicas` copies (`None`: in
/// memory only), and broker disconnect events watched when the profile has
/// system-account credentials (otherwise dead hosts are found by their lease alone).
pub(crate) async fn coordinator_for(
    profile: &Profile,
    client: async_nats::Client,
    config: CoordinatorConfig,
    replicas: Option<usize>,
) -> Result<Coordinator, CliError> {
    let keys = profile.keys()?;
    let mut config = config;
    config.tickets = Some(std::sync::Arc::new(
        keys.ticket_key().map_err(connect::ConnectError::from)?,
    ));
    let callout = crate::coordinator::callout::Callout {
        issuer: keys.issuer().map_err(connect::ConnectError::from)?,
        tickets: keys.verifier().map_err(connect::ConnectError::from)?,
        revoked: Default::default(),
    };
    let auth = connect::connect(
        profile,
        Role::Auth,
        ConnectOptions::named("coordinator-auth").retry_initial(),
    )
    .await?;
    let mut coordinator = Coordinator::new(client.clone(), config).with_callout(auth, callout);
    if let Some(replicas) = replicas {
        let store = Store::open(client, replicas).await?;
        coordinator = coordinator.with_store(store);
    }
    if profile.credentials.sys.is_empty() {
        tracing::info!(
            "no system-account credentials: dead hosts are detected by lease expiry only"
        );
        return Ok(coordinator);
    }
    match connect::connect(
        profile,
        Role::System,
        ConnectOptions::named("coordinator-events"),
    )
    .await
    {
        Ok(sys) => Ok(coordinator.with_broker_events(sys)),
        Err(e) => {
            tracing::warn!(
                "cannot watch broker events ({e}); dead hosts are detected by lease expiry only"
            );
            Ok(coordinator)
        }
    }
}

/// Waits until the coordinator is active; `false` if it stopped first.
pub(crate) async fn until_active(status: &mut tokio::sync::watch::Receiver<Status>) -> bool {
    status.wait_for(|s| *s == Status::Active).await.is_ok()
}

fn load_profile(path: Option<PathBuf>) -> Result<Profile, connect::ConnectError> {
    Profile::load(&path.unwrap_or_else(connect::default_profile_path))
}

/// The operator's profile: `path`, else [`connect::operator_profile_path`].
fn load_operator_profile(path: Option<PathBuf>) -> Result<Profile, connect::ConnectError> {
    Profile::load(&path.unwrap_or_else(connect::operator_profile_path))
}

async fn run_coordinator(args: CoordinatorArgs) -> ExitCode {
    init_tracing(args.verbose);
    let profile = match load_operator_profile(args.profile) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let client = match connect::connect(
        &profile,
        Role::Coordinator,
        ConnectOptions::named("coordinator").retry_initial(),
    )
    .await
    {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let config = CoordinatorConfig {
        lease: Duration::from_millis(args.lease_ms.max(300)),
        member_grace: Duration::from_millis(args.member_grace_ms.max(500)),
        inject_panic: args.inject_panic,
        ..Default::default()
    };
    let replicas = (!args.no_store).then_some(args.replicas);
    let coordinator = match coordinator_for(&profile, client.clone(), config, replicas).await {
        Ok(c) => c,
        Err(e) => return fail(e),
    };
    let shutdown = CancellationToken::new();
    tokio::spawn(cancel_on_signal(shutdown.clone()));
    let mut status = coordinator.status();
    tokio::spawn(async move {
        while status.changed().await.is_ok() {
            let now = *status.borrow_and_update();
            match now {
                Status::Standby => println!("standby coordinator: another one is active"),
                Status::Active => println!("ready coordinator"),
                Status::Starting => {}
            }
        }
    });
    match coordinator.run(shutdown).await {
        Ok(()) => {
            crate::runtime::flush_within(&client, Duration::from_secs(2)).await;
            ExitCode::SUCCESS
        }
        Err(e) => fail(e),
    }
}

async fn health(args: HealthArgs) -> ExitCode {
    let profile = match load_profile(args.profile) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let list = match plugin_list(&profile).await {
        Ok(l) => l,
        Err(e) => return fail(e),
    };
    match args.plugin {
        Some(name) if !list.plugins.iter().any(|p| p.metadata.name == name) => {
            fail(format!("plugin {name:?} is not registered"))
        }
        _ => {
            println!("ok: {} plugins", list.plugins.len());
            ExitCode::SUCCESS
        }
    }
}

/// The plugin list, asked as the profile's user (its ticket) or, in an operator's
/// profile without one, as the operator.
async fn plugin_list(
    profile: &Profile,
) -> Result<crate::api::control::PluginList, crate::session::SessionError> {
    if !profile.ticket.is_empty() {
        return crate::session::Lobby::connect(profile)
            .await?
            .plugins()
            .await;
    }
    let me = crate::wire::caller::Caller::operator("health");
    let opts = ConnectOptions::named("health");
    let client = connect::connect(profile, Role::Operator, opts).await?;
    crate::session::list_plugins(&client, &me).await
}

fn run_builtin(args: BuiltinArgs) -> ExitCode {
    match args.plugin.as_str() {
        "hello" => crate::plugins::hello::plugin()
            .run_with(&args.conn, crate::plugins::hello::Hello::default),
        "crash" => crate::plugins::crash::plugin()
            .run_with(&args.conn, crate::plugins::crash::Crash::default),
        "hbonds" => crate::plugins::hbonds::plugin()
            .run_with(&args.conn, crate::plugins::hbonds::HBonds::default),
        "notes" => crate::plugins::notes::plugin()
            .run_with(&args.conn, crate::plugins::notes::Notes::default),
        "wiggle" => crate::plugins::wiggle::plugin()
            .run_with(&args.conn, crate::plugins::wiggle::Wiggle::default),
        "menu" => crate::plugins::menu::plugin()
            .run_with(&args.conn, crate::plugins::menu::MenuDemo::default),
        "tour" => {
            crate::plugins::tour::plugin().run_with(&args.conn, crate::plugins::tour::Tour::default)
        }
        "workspace-echo" => {
            crate::plugins::echo::plugin().run_with(&args.conn, crate::plugins::echo::Echo::default)
        }
        other => fail(format!(
            "no built-in plugin {other:?}; choose one of: {}",
            crate::plugins::BUILTIN.join(", ")
        )),
    }
}

fn run_host(args: HostArgs) -> ExitCode {
    init_tracing(args.conn.verbose);
    let Some(name) = args.conn.name.clone() else {
        return fail("give the plugin a name: nts host --name NAME -- COMMAND [ARGS...]");
    };
    let metadata = PluginMetadata {
        name,
        description: args.description,
        category: args.category,
        has_advanced: args.has_advanced,
        ..Default::default()
    };
    let (program, rest) = args.command.split_first().expect("clap requires a command");
    let mut config = HostConfig::new(
        metadata,
        InstanceCommand::new(program, rest.iter().cloned()),
    );
    config.capacity = args.conn.capacity;
    config.warm = args.conn.warm;
    match crate::plugin::serve_host(&args.conn, config) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    #[test]
    fn command_line_is_consistent() {
        super::Cli::command().debug_assert();
    }
}
