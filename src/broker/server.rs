//! Finding, starting, watching and stopping the `nats-server` child process.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};

use super::pki::{DevPki, PkiError};
use super::{DEV_CONF, NATS_SERVER_VERSION};
use crate::connect::{Credentials, Keys, Profile};

/// How to start the broker.
#[derive(Debug, Clone)]
pub struct BrokerOptions {
    /// Directory for the config, TLS files, JetStream store and log.
    pub state_dir: PathBuf,
    /// Client port; 0 picks a free one.
    pub port: u16,
    /// The `nats-server` binary; `None` searches (see [`find_nats_server`]).
    pub binary: Option<PathBuf>,
    /// How long to wait for "Server is ready".
    pub ready_timeout: Duration,
}

impl BrokerOptions {
    /// Defaults for `state_dir`: free port, binary searched, 20 s to start.
    pub fn new(state_dir: impl Into<PathBuf>) -> Self {
        BrokerOptions {
            state_dir: state_dir.into(),
            port: 0,
            binary: None,
            ready_timeout: Duration::from_secs(20),
        }
    }
}

/// Why the broker could not be started.
#[derive(Debug, thiserror::Error)]
pub enum BrokerError {
    /// No usable `nats-server` binary.
    #[error(
        "nats-server not found: set NTS_NATS_SERVER to its path, put it on PATH, or run \
         scripts/install-nats-server (installs the pinned {NATS_SERVER_VERSION} from PyPI)"
    )]
    NotFound,
    /// The binary is too old or unreadable.
    #[error("{path}: {problem}")]
    BadBinary {
        /// The binary.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// TLS files could not be made.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// A file or process operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Cause.
        source: std::io::Error,
    },
    /// The server exited or did not become ready.
    #[error("nats-server did not start: {reason}; its log is {log}")]
    Start {
        /// What happened.
        reason: String,
        /// The server's log file.
        log: PathBuf,
    },
}

crate::error::error_kind!(BrokerError => BrokerErrorKind {
    /// NotFound
    NotFound,
    /// The binary is too old or unreadable.
    BadBinary,
    /// TLS files could not be made.
    Pki,
    /// A file or process operation failed.
    Io,
    /// The server exited or did not become ready.
    Start,
});

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BrokerError {
    let what = what.into();
    move |source| BrokerError::Io { what, source }
}

/// Finds `nats-server`: `$NTS_NATS_SERVER`, then `PATH`, then the install location of
/// `scripts/install-nats-server` (`~/.cache/nts/nats-server-<version>/bin`).
pub fn find_nats_server() -> Result<PathBuf, BrokerError> {
    if let Some(p) = std::env::var_os("NTS_NATS_SERVER").filter(|p| !p.is_empty()) {
        let p = PathBuf::from(p);
        return if p.is_file() {
            Ok(p)
        } else {
            Err(BrokerError::BadBinary {
                path: p,
                problem: "NTS_NATS_SERVER does not name a file".into(),
            })
        };
    }
    if let Some(path) = std::env::var_os("PATH") {
        for dir in std::env::split_paths(&path) {
            let candidate = dir.join("nats-server");
            if candidate.is_file() {
                return Ok(candidate);
            }
        }
    }
    let cached = cache_dir().join(format!("nats-server-{NATS_SERVER_VERSION}/bin/nats-server"));
    if cached.is_file() {
        return Ok(cached);
    }
    Err(BrokerError::NotFound)
}

/// `$NTS_CACHE`, `$XDG_CACHE_HOME/nts` or `~/.cache/nts`.
pub fn cache_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NTS_CACHE").filter(|d| !d.is_empty()) {
        return d.into();
    }
    if let Some(d) = std::env::var_os("XDG_CACHE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("nts");
    }
    PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into())).join(".cache/nts")
}

/// Checks the binary's version: ≥ 2.10 is required (JetStream KV from async-nats, auth callout).
pub async fn check_version(binary: &Path) -> Result<String, BrokerError> {
    let out = Command::new(binary)
        .arg("--version")
        .output()
        .await
        .map_err(io(format!("running {} --version", binary.display())))?;
    let text = String::from_utf8_lossy(&out.stdout).trim().to_string();
    let version = text.rsplit('v').next().unwrap_or_default().to_string();
    let mut parts = version.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
    let (major, minor) = (parts.next().unwrap_or(0), parts.next().unwrap_or(0));
    if (major, minor) < (2, 10) {
        return Err(BrokerError::BadBinary {
            path: binary.into(),
            problem: format!(
                "version {text:?} is too old: nts needs nats-server >= 2.10 (tested with {NATS_SERVER_VERSION})"
            ),
        });
    }
    Ok(version)
}

/// A running, supervised `nats-server`. Dropping it kills the server.
#[derive(Debug)]
pub struct Broker {
    child: Child,
    /// How it was started, to start it again the same way (same port, TLS, passwords and
    /// JetStream directory) after a crash.
    spec: Spec,
    /// Client URL (`tls://127.0.0.1:<port>`).
    pub url: String,
    /// The client port.
    pub port: u16,
    /// The TLS files.
    pub pki: DevPki,
    /// The passwords this server accepts.
    pub credentials: Credentials,
    /// The deployment's keys (the callout's issuer is the one this server trusts).
    pub keys: Keys,
    /// The server's log file.
    pub log: PathBuf,
    /// The server's version.
    pub version: String,
}

/// Everything needed to start the server process.
#[derive(Debug, Clone)]
struct Spec {
    binary: PathBuf,
    conf: PathBuf,
    pki: DevPki,
    js_dir: PathBuf,
    credentials: Credentials,
    /// The callout issuer's public key.
    issuer: String,
    log: PathBuf,
    ready_timeout: Duration,
}

impl Broker {
    /// Generates TLS (if missing) and passwords, writes the config, starts the server
    /// and waits until it reports ready.
    pub async fn start(opts: BrokerOptions) -> Result<Broker, BrokerError> {
        let binary = match opts.binary.clone() {
            Some(b) => b,
            None => find_nats_server()?,
        };
        let version = check_version(&binary).await?;
        let dir = &opts.state_dir;
        std::fs::create_dir_all(dir).map_err(io(format!("creating {}", dir.display())))?;
        let pki = DevPki::ensure(&dir.join("tls"))?;
        let credentials = Credentials::generate();
        // Kept across restarts, so tickets issued before one stay valid.
        let keys_path = dir.join("keys.json");
        let keys = Keys::load_or_generate(&keys_path)
            .map_err(io(format!("reading or writing {}", keys_path.display())))?;
        let issuer = keys
            .issuer()
            .map_err(|e| BrokerError::Start {
                reason: format!("{}: {e}", keys_path.display()),
                log: dir.join("nats-server.log"),
            })?
            .public_key();
        let conf = dir.join("nats-server.conf");
        std::fs::write(&conf, DEV_CONF).map_err(io(format!("writing {}", conf.display())))?;
        let accounts = dir.join("accounts.conf");
        std::fs::write(&accounts, super::ACCOUNTS_CONF)
            .map_err(io(format!("writing {}", accounts.display())))?;
        let js_dir = dir.join("jetstream");
        let log = dir.join("nats-server.log");
        let port = if opts.port == 0 {
            "-1".to_string()
        } else {
            opts.port.to_string()
        };

        // A fresh log per start of the system; restarts after a crash append to it.
        std::fs::File::create(&log).map_err(io(format!("creating {}", log.display())))?;
        let spec = Spec {
            binary,
            conf,
            pki,
            js_dir,
            credentials,
            issuer,
            log,
            ready_timeout: opts.ready_timeout,
        };
        let (child, port) = spawn(&spec, &port).await?;
        Ok(Broker {
            child,
            url: format!("tls://127.0.0.1:{port}"),
            port,
            pki: spec.pki.clone(),
            credentials: spec.credentials.clone(),
            keys,
            log: spec.log.clone(),
            version,
            spec,
        })
    }

    /// Starts the server again after it exited, on the same port with the same TLS files,
    /// passwords and JetStream directory: clients reconnect and the coordinator's state
    /// is still there.
    pub async fn restart(&mut self) -> Result<(), BrokerError> {
        let (child, _) = spawn(&self.spec, &self.port.to_string()).await?;
        self.child = child;
        Ok(())
    }

    /// The server's process id.
    pub fn pid(&self) -> Option<u32> {
        self.child.id()
    }

    /// The operator's profile for this broker: every password and key.
    pub fn profile(&self) -> Profile {
        Profile {
            url: self.url.clone(),
            ca_file: self.pki.ca_cert.clone(),
            ticket: String::new(),
            credentials: self.credentials.clone(),
            keys: Some(self.keys.clone()),
        }
    }

    /// Stops the server: SIGTERM, then SIGKILL after `grace`.
    pub async fn stop(&mut self, grace: Duration) {
        crate::sys::terminate(&mut self.child, grace).await;
    }

    /// Kills the server at once (SIGKILL), for failure tests.
    pub async fn kill(&mut self) {
        let _ = self.child.kill().await;
    }

    /// Waits for the server to exit on its own; returns its status.
    pub async fn wait(&mut self) -> std::io::Result<std::process::ExitStatus> {
        self.child.wait().await
    }
}

/// Starts `nats-server` as `spec` says on `port` (`-1`: a free one) and waits until it
/// reports ready; returns it with the port it listens on.
async fn spawn(spec: &Spec, port: &str) -> Result<(Child, u16), BrokerError> {
    let Spec {
        binary,
        conf,
        pki,
        js_dir,
        credentials,
        issuer,
        log,
        ready_timeout,
    } = spec;
    let mut cmd = Command::new(binary);
    cmd.arg("-c")
        .arg(conf)
        .args(["-a", "127.0.0.1", "-p", port, "--http_port", "0"])
        .env("NTS_TLS_CERT", &pki.server_cert)
        .env("NTS_TLS_KEY", &pki.server_key)
        .env("NTS_TLS_CA", &pki.ca_cert)
        .env("NTS_JS_DIR", js_dir)
        .env("NTS_PW_COORDINATOR", &credentials.coordinator)
        .env("NTS_PW_AUTH", &credentials.auth)
        .env("NTS_PW_OPERATOR", &credentials.operator)
        .env("NTS_PW_SYS", &credentials.sys)
        .env("NTS_CALLOUT_ISSUER", issuer)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    crate::sys::isolate_child(&mut cmd);
    let mut child = cmd
        .spawn()
        .map_err(io(format!("starting {}", binary.display())))?;
    let stderr = child.stderr.take().ok_or_else(|| BrokerError::Start {
        reason: "its output could not be read".into(),
        log: log.clone(),
    })?;
    let mut lines = BufReader::new(stderr).lines();
    let mut logfile = tokio::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .await
        .map_err(io(format!("opening {}", log.display())))?;

    let start_err = |reason: String| BrokerError::Start {
        reason,
        log: log.clone(),
    };
    let mut bound_port = None;
    let wait = async {
        loop {
            match lines.next_line().await {
                Ok(Some(line)) => {
                    let _ = logfile.write_all(format!("{line}\n").as_bytes()).await;
                    if let Some(rest) = line.split("Listening for client connections on ").nth(1) {
                        bound_port = rest
                            .trim()
                            .rsplit(':')
                            .next()
                            .and_then(|p| p.parse::<u16>().ok());
                    }
                    if line.contains("Server is ready") {
                        return Ok(());
                    }
                    if line.contains("[FTL]") || line.contains("[ERR]") {
                        return Err(line);
                    }
                }
                Ok(None) => return Err("the server exited".to_string()),
                Err(e) => return Err(format!("reading its output failed: {e}")),
            }
        }
    };
    match tokio::time::timeout(*ready_timeout, wait).await {
        Ok(Ok(())) => {}
        Ok(Err(reason)) => return Err(start_err(reason)),
        Err(_) => {
            return Err(start_err(format!(
                "not ready after {} s",
                ready_timeout.as_secs()
            )));
        }
    }
    let port = bound_port.ok_or_else(|| start_err("no client port in its output".into()))?;

    // Keep draining the server's output into its log so the pipe never fills.
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            let _ = logfile.write_all(format!("{line}\n").as_bytes()).await;
        }
    });
    Ok((child, port))
}

/// An exit status in words: "exit code 1", "killed by signal 9 (SIGKILL)".
pub fn describe_exit(status: &std::io::Result<std::process::ExitStatus>) -> String {
    use std::os::unix::process::ExitStatusExt;
    match status {
        Err(e) => format!("its status is unknown: {e}"),
        Ok(s) => match (s.code(), s.signal()) {
            (Some(c), _) => format!("exit code {c}"),
            (None, Some(sig)) => {
                let name = nix::sys::signal::Signal::try_from(sig)
                    .map(|s| format!(" ({})", s.as_str()))
                    .unwrap_or_default();
                format!("killed by signal {sig}{name}")
            }
            (None, None) => "an unknown status".into(),
        },
    }
}
