//! Connection profiles and TLS connections to the broker, per role.
//!
//! A [`Profile`] says where the broker is, which CA to trust and the role passwords.
//! `nts up` writes one to its state directory; every other command finds it there
//! (or at `--profile` / `$NTS_PROFILE`), so nothing needs flags on one machine.

pub mod ticket;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// A role's identity on the broker: its user name and private inbox prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The coordinator (control plane).
    Coordinator,
    /// A plugin host.
    Host,
    /// A session (the Nanome side).
    Session,
    /// The broker's system account (connection events), used by the coordinator.
    System,
}

impl Role {
    /// The broker user name of this role.
    pub fn user(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Host => "host",
            Role::Session => "session",
            Role::System => "sys",
        }
    }

    /// Inbox prefix, so the broker can scope reply subjects per role.
    pub fn inbox_prefix(self) -> String {
        format!("_INBOX_{}", self.user())
    }
}

/// Role passwords of one deployment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// Coordinator password.
    #[serde(default)]
    pub coordinator: String,
    /// Host password.
    #[serde(default)]
    pub host: String,
    /// Session password.
    #[serde(default)]
    pub session: String,
    /// System-account password (broker monitoring).
    #[serde(default)]
    pub sys: String,
}

impl Credentials {
    /// Fresh random passwords. The `pw_` prefix keeps nats-server from reading an
    /// all-digit value as a number.
    pub fn generate() -> Self {
        let pw = || format!("pw_{}", crate::wire::subject::Token::random());
        Credentials {
            coordinator: pw(),
            host: pw(),
            session: pw(),
            sys: pw(),
        }
    }

    /// The password of `role`.
    pub fn password(&self, role: Role) -> &str {
        match role {
            Role::Coordinator => &self.coordinator,
            Role::Host => &self.host,
            Role::Session => &self.session,
            Role::System => &self.sys,
        }
    }
}

/// Where the broker is and how to authenticate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Broker URL, e.g. `tls://127.0.0.1:4222`; several comma-separated for a cluster.
    pub url: String,
    /// CA certificate that signed the broker's certificate.
    pub ca_file: PathBuf,
    /// Role passwords (only those this machine needs).
    #[serde(default)]
    pub credentials: Credentials,
    /// Key plugins present at registration (empty: the coordinator requires none).
    #[serde(default)]
    pub plugin_key: String,
}

/// Why a profile could not be used or a connection made.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// No profile where one was looked for.
    #[error(
        "no connection profile at {0}: start the system with `nts up` (it writes one), \
         or pass --profile / set NTS_PROFILE"
    )]
    NoProfile(PathBuf),
    /// The profile file is unreadable or invalid.
    #[error("connection profile {path}: {problem}")]
    BadProfile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// The broker refused or could not be reached.
    #[error("cannot connect to the broker at {url} as {user}: {source}; is `nts up` running?")]
    Broker {
        /// URL tried.
        url: String,
        /// User name.
        user: &'static str,
        /// Cause.
        source: async_nats::ConnectError,
    },
}

crate::error::error_kind!(ConnectError => ConnectErrorKind {
    /// NoProfile
    NoProfile,
    /// The profile file is unreadable or invalid.
    BadProfile,
    /// The broker refused or could not be reached.
    Broker,
});

/// `$NTS_HOME`, `$XDG_STATE_HOME/nts` or `~/.local/state/nts`: where `nts up` keeps state.
pub fn default_state_dir() -> PathBuf {
    if let Some(d) = std::env::var_os("NTS_HOME").filter(|d| !d.is_empty()) {
        return d.into();
    }
    if let Some(d) = std::env::var_os("XDG_STATE_HOME").filter(|d| !d.is_empty()) {
        return PathBuf::from(d).join("nts");
    }
    PathBuf::from(std::env::var_os("HOME").unwrap_or_else(|| "/tmp".into()))
        .join(".local/state/nts")
}

/// `$NTS_PROFILE`, else `profile.json` in the default state directory.
pub fn default_profile_path() -> PathBuf {
    match std::env::var_os("NTS_PROFILE").filter(|p| !p.is_empty()) {
        Some(p) => p.into(),
        None => default_state_dir().join("profile.json"),
    }
}

impl Profile {
    /// Reads a profile file.
    pub fn load(path: &Path) -> Result<Self, ConnectError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(ConnectError::NoProfile(path.into()));
            }
            Err(e) => {
                return Err(ConnectError::BadProfile {
                    path: path.into(),
                    problem: e.to_string(),
                });
            }
        };
        serde_json::from_str(&text).map_err(|e| ConnectError::BadProfile {
            path: path.into(),
            problem: e.to_string(),
        })
    }

    /// Writes the profile (mode 0600: it holds passwords).
    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).expect("a profile always serializes");
        crate::sys::write_private(path, &text)
    }
}

/// Installs the `ring` crypto provider once (mixing providers panics at the first TLS use).
pub fn install_crypto_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// How a role connects.
#[derive(Debug, Clone)]
pub struct ConnectOptions {
    /// Connection name shown by the broker (e.g. `host/<id>`).
    pub name: String,
    /// Keep retrying the first connect (long-running roles).
    pub retry_initial: bool,
    /// Client ping interval (detects a dead broker).
    pub ping_interval: Duration,
}

impl ConnectOptions {
    /// Named connection, no initial retry, 10 s pings.
    pub fn named(name: impl Into<String>) -> Self {
        ConnectOptions {
            name: name.into(),
            retry_initial: false,
            ping_interval: Duration::from_secs(10),
        }
    }

    /// Keep retrying the first connect.
    pub fn retry_initial(mut self) -> Self {
        self.retry_initial = true;
        self
    }
}

/// Rate limits of a connection's event log lines.
struct EventLimits {
    slow: crate::runtime::RateLimited,
    client: crate::runtime::RateLimited,
}

impl Default for EventLimits {
    fn default() -> Self {
        EventLimits {
            slow: crate::runtime::RateLimited::new(Duration::from_secs(10)),
            client: crate::runtime::RateLimited::new(Duration::from_secs(30)),
        }
    }
}

/// Connects to the broker of `profile` as `role`, over TLS verified against the profile's CA.
pub async fn connect(
    profile: &Profile,
    role: Role,
    opts: ConnectOptions,
) -> Result<async_nats::Client, ConnectError> {
    install_crypto_provider();
    let user = role.user();
    let name = opts.name.clone();
    let limits = std::sync::Arc::new(EventLimits::default());
    let mut o = async_nats::ConnectOptions::new()
        .require_tls(true)
        .add_root_certificates(profile.ca_file.clone())
        .user_and_password(user.into(), profile.credentials.password(role).into())
        .custom_inbox_prefix(role.inbox_prefix())
        .name(&opts.name)
        .ping_interval(opts.ping_interval)
        .connection_timeout(Duration::from_secs(5))
        .event_callback(move |event| {
            let name = name.clone();
            let limits = limits.clone();
            async move {
                use async_nats::Event;
                // One line per condition and period: a dead broker or a flood must not
                // become thousands of lines. A process that stops its own broker says nothing.
                if crate::runtime::stopping() {
                    tracing::debug!(conn = %name, "connection event while stopping: {event}");
                    return;
                }
                match event {
                    Event::Connected => tracing::debug!(conn = %name, "connected to the broker"),
                    Event::Disconnected => tracing::warn!(conn = %name, "lost the broker connection; reconnecting"),
                    Event::SlowConsumer(sid) => {
                        if let Some(n) = limits.slow.due() {
                            tracing::error!(conn = %name, sid, "slow consumer: the broker dropped messages for this subscription{}", crate::runtime::more(n))
                        }
                    }
                    Event::ServerError(e) => tracing::error!(conn = %name, "the broker reported: {e}"),
                    Event::ClientError(e) => {
                        if let Some(n) = limits.client.due() {
                            tracing::warn!(conn = %name, "the broker is unreachable ({e}); still trying{}", crate::runtime::more(n))
                        }
                    }
                    Event::LameDuckMode => tracing::warn!(conn = %name, "the broker is entering lame-duck mode"),
                    other => tracing::debug!(conn = %name, "connection event: {other}"),
                }
            }
        });
    if opts.retry_initial {
        o = o.retry_on_initial_connect();
    }
    // A profile may list several servers (a cluster), comma-separated.
    let urls: Vec<&str> = profile
        .url
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    o.connect(urls)
        .await
        .map_err(|source| ConnectError::Broker {
            url: profile.url.clone(),
            user,
            source,
        })
}
