//! `Plugin::run`: one executable that is both a plugin's host and its instances. It
//! sits above both roles ([`crate::host`] and [`crate::instance`] do not know each other):
//! a plugin author's binary is the one place they meet.
//!
//! Started normally, it connects to the broker, registers the plugin and serves links,
//! re-running itself with `NTS_INSTANCE=1` once per link. Started with `NTS_INSTANCE=1`
//! (by its host), it runs one instance over stdio. Flags and environment follow
//! nanome-lib (`-a/--host`, `-p/--port`, `-k/--key`, `-n/--name`, `NTS_HOST`, `NTS_PORT`,
//! `NTS_KEY`, `PLUGIN_NAME`) and also accept a connection profile.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use tokio_util::sync::CancellationToken;

use crate::api::PluginMetadata;
use crate::connect::{self, Profile};
use crate::host::{Host, HostConfig, HostError, InstanceCommand};
use crate::instance::{INSTANCE_ENV, PluginInstance};

/// Connection flags every plugin executable accepts.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct PluginArgs {
    /// Broker address (nanome-lib's NTS host); defaults to the profile's.
    #[arg(short = 'a', long = "host", env = "NTS_HOST")]
    pub host: Option<String>,
    /// Broker port; defaults to the profile's.
    #[arg(short = 'p', long = "port", env = "NTS_PORT")]
    pub port: Option<u16>,
    /// The plugin's key (`nts token plugin NAME`), or a file holding it (nanome-lib's
    /// `-k/--keyfile`). Without one, a key is made from the operator's profile if this
    /// is it.
    #[arg(short = 'k', long = "key", alias = "keyfile", env = "NTS_KEY")]
    pub key: Option<String>,
    /// Display name, overriding the plugin's own.
    #[arg(short = 'n', long = "name", env = "PLUGIN_NAME")]
    pub name: Option<String>,
    /// Connection profile (default: operator.json in the state directory `nts up` uses,
    /// else its profile.json).
    #[arg(long, env = "NTS_PROFILE")]
    pub profile: Option<PathBuf>,
    /// CA certificate to verify the broker with (default: the profile's).
    #[arg(long, env = "NTS_CA")]
    pub ca: Option<PathBuf>,
    /// Most links this host serves at once.
    #[arg(long, default_value_t = 32)]
    pub capacity: u32,
    /// Instance processes kept started ahead of their links, so a link (a reconnect)
    /// connects without waiting for a spawn; 0 starts each one for its link.
    #[arg(long, env = "NTS_WARM", default_value_t = crate::host::DEFAULT_WARM)]
    pub warm: usize,
    /// Verbose logging (nanome-lib's `-v`).
    #[arg(short = 'v', long = "verbose", env = "PLUGIN_VERBOSE")]
    pub verbose: bool,
}

impl PluginArgs {
    /// The profile these flags describe: the profile file (if any) overridden by flags.
    pub fn profile(&self) -> Result<Profile, connect::ConnectError> {
        let path = self
            .profile
            .clone()
            .unwrap_or_else(connect::operator_profile_path);
        let base = match Profile::load(&path) {
            Ok(p) => Some(p),
            Err(connect::ConnectError::NoProfile(_))
                if self.host.is_some() && self.ca.is_some() =>
            {
                None
            }
            Err(e) => return Err(e),
        };
        let mut p = base.unwrap_or_else(|| Profile {
            url: String::new(),
            ca_file: PathBuf::new(),
            ticket: String::new(),
            credentials: Default::default(),
            keys: None,
        });
        if self.host.is_some() || self.port.is_some() {
            let (old_host, old_port) = split_url(&p.url);
            let host = self
                .host
                .clone()
                .or(old_host)
                .unwrap_or_else(|| "127.0.0.1".into());
            let port = self.port.or(old_port).unwrap_or(4222);
            p.url = format!("tls://{host}:{port}");
        }
        if let Some(ca) = &self.ca {
            p.ca_file = ca.clone();
        }
        Ok(p)
    }

    /// The plugin key given (`-k`): the key itself, or the contents of the file it names.
    pub fn key(&self) -> Option<String> {
        let key = self.key.as_ref()?;
        // nanome-lib accepts a key or a path to a key file.
        Some(match std::fs::read_to_string(key) {
            Ok(text) => text.trim().to_string(),
            Err(_) => key.trim().to_string(),
        })
    }
}

fn split_url(url: &str) -> (Option<String>, Option<u16>) {
    let rest = url.split("://").nth(1).unwrap_or(url);
    match rest.rsplit_once(':') {
        Some((h, p)) => (
            Some(h.to_string()).filter(|h| !h.is_empty()),
            p.parse().ok(),
        ),
        None => (Some(rest.to_string()).filter(|h| !h.is_empty()), None),
    }
}

#[derive(Debug, Parser)]
#[command(about = "An nts plugin: registers with the coordinator and serves sessions")]
struct StandaloneArgs {
    #[command(flatten)]
    args: PluginArgs,
}

/// A plugin's metadata and how to run it.
#[derive(Debug, Clone)]
pub struct Plugin {
    metadata: PluginMetadata,
}

impl Plugin {
    /// A plugin with a name and description.
    pub fn new(name: impl Into<String>, description: impl Into<String>) -> Self {
        Plugin {
            metadata: PluginMetadata {
                name: name.into(),
                description: description.into(),
                ..Default::default()
            },
        }
    }

    /// Sets the category shown in the plugin list.
    pub fn category(mut self, category: impl Into<String>) -> Self {
        self.metadata.category = category.into();
        self
    }

    /// Sets the tags.
    pub fn tags(mut self, tags: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.metadata.tags = tags.into_iter().map(Into::into).collect();
        self
    }

    /// Declares an "advanced settings" action.
    pub fn has_advanced(mut self, yes: bool) -> Self {
        self.metadata.has_advanced = yes;
        self
    }

    /// Sets the plugin's version string.
    pub fn version(mut self, version: impl Into<String>) -> Self {
        self.metadata.version = version.into();
        self
    }

    /// Declares the permissions the plugin asks for.
    pub fn permissions(mut self, p: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.metadata.permissions = p.into_iter().map(Into::into).collect();
        self
    }

    /// Declares the integrations the plugin implements.
    pub fn integrations(mut self, i: impl IntoIterator<Item = impl Into<String>>) -> Self {
        self.metadata.integrations = i.into_iter().map(Into::into).collect();
        self
    }

    /// The metadata.
    pub fn metadata(&self) -> &PluginMetadata {
        &self.metadata
    }

    /// Runs as host or instance (see the module docs), parsing this process's arguments.
    pub fn run<P: PluginInstance>(self, factory: impl FnOnce() -> P) -> ExitCode {
        crate::sys::tune_allocator();
        if std::env::var_os(INSTANCE_ENV).is_some() {
            return run_instance(factory);
        }
        let args = StandaloneArgs::parse().args;
        self.run_host(&args)
    }

    /// Runs as host or instance with already-parsed flags.
    pub fn run_with<P: PluginInstance>(
        self,
        args: &PluginArgs,
        factory: impl FnOnce() -> P,
    ) -> ExitCode {
        if std::env::var_os(INSTANCE_ENV).is_some() {
            return run_instance(factory);
        }
        self.run_host(args)
    }

    fn run_host(mut self, args: &PluginArgs) -> ExitCode {
        crate::runtime::init_tracing(args.verbose);
        if let Some(name) = &args.name {
            self.metadata.name = name.clone();
        }
        let command = match InstanceCommand::current_exe() {
            Ok(c) => c,
            Err(e) => {
                eprintln!("error: cannot find this plugin's own executable to run instances: {e}");
                return ExitCode::from(2);
            }
        };
        let mut config = HostConfig::new(self.metadata, command);
        config.capacity = args.capacity;
        config.warm = args.warm;
        match serve_host(args, config) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        }
    }
}

/// Why a plugin binary could not serve as its own host.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The profile (or the flags standing in for it) is missing or wrong.
    #[error(transparent)]
    Profile(#[from] connect::ConnectError),
    /// The async runtime could not start.
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    /// Connecting, registering or serving failed.
    #[error(transparent)]
    Host(#[from] HostError),
}

crate::error::error_kind!(ServeError => ServeErrorKind {
    /// The profile (or the flags standing in for it) is missing or wrong.
    Profile,
    /// The async runtime could not start.
    Runtime,
    /// Connecting, registering or serving failed.
    Host,
});

/// Connects as a host with `args` and serves `config` until SIGINT/SIGTERM.
pub fn serve_host(args: &PluginArgs, mut config: HostConfig) -> Result<(), ServeError> {
    let profile = args.profile()?;
    if let Some(key) = args.key() {
        config.key = key;
    }
    let rt = tokio::runtime::Runtime::new().map_err(ServeError::Runtime)?;
    rt.block_on(async move {
        let plugin_name = config.metadata.name.clone();
        let host = Host::connect(&profile, config, true).await?;
        // Handlers first: a stop requested right after "ready" must be a clean stop.
        let shutdown = CancellationToken::new();
        tokio::spawn(crate::runtime::cancel_on_signal(shutdown.clone()));
        println!(
            "ready plugin={plugin_name:?} plugin_id={} host_id={}",
            host.plugin_id(),
            host.host_id()
        );
        Ok(host.serve(shutdown).await?)
    })
}

fn run_instance<P: PluginInstance>(factory: impl FnOnce() -> P) -> ExitCode {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("nts instance: cannot start a runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match rt.block_on(crate::instance::run_stdio(factory())) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("nts instance: {e}");
            ExitCode::from(2)
        }
    }
}
