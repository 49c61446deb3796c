//! Connection profiles and TLS connections to the broker, per role.
//!
//! A [`Profile`] says where the broker is, which CA to trust and how to log in: a user's
//! ticket, or (for the operator) the deployment's passwords and keys. `nts up` writes a
//! user's `profile.json` and the operator's `operator.json` to its state directory;
//! every command finds the one it needs there (or at `--profile` / `$NTS_PROFILE`), so
//! nothing needs flags on one machine.

pub mod ticket;

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::wire::caller::Caller;

/// A deployment's own broker users: they log in with a password and bypass the auth
/// callout (they are listed in its `auth_users`). Everyone else — hosts, users, room
/// members — presents a ticket and gets exactly its grant from the callout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// The coordinator (control plane): unrestricted in the nts account.
    Coordinator,
    /// The coordinator's callout connection (in the broker's `AUTH` account).
    Auth,
    /// Operator tools (`nts logs`, `nts bench`): all events and logs, no data.
    Operator,
    /// The broker's system account (connection events), used by the coordinator.
    System,
}

impl Role {
    /// The broker user name of this role.
    pub fn user(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::Auth => "auth",
            Role::Operator => "operator",
            Role::System => "sys",
        }
    }

    /// Inbox prefix of this role's connections.
    pub fn inbox_prefix(self) -> String {
        format!("{}.{}", crate::wire::caller::INBOX, self.user())
    }
}

/// The passwords of a deployment's own users ([`Role`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// Coordinator password.
    #[serde(default)]
    pub coordinator: String,
    /// The callout connection's password.
    #[serde(default)]
    pub auth: String,
    /// Operator password.
    #[serde(default)]
    pub operator: String,
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
            auth: pw(),
            operator: pw(),
            sys: pw(),
        }
    }

    /// The password of `role`.
    pub fn password(&self, role: Role) -> &str {
        match role {
            Role::Coordinator => &self.coordinator,
            Role::Auth => &self.auth,
            Role::Operator => &self.operator,
            Role::System => &self.sys,
        }
    }
}

/// A deployment's signing keys (nkeys seeds): the callout's issuer, whose public key the
/// broker's `auth_callout.issuer` names, and the ticket key every credential is signed
/// with. Only the coordinator and the operator hold them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Keys {
    /// Seed of the account key that signs the callout's user JWTs.
    pub issuer: String,
    /// Seed of the key that signs tickets.
    pub tickets: String,
}

impl Keys {
    /// Fresh keys.
    pub fn generate() -> Keys {
        let seed = |k: nkeys::KeyPair| k.seed().expect("generated keys have seeds");
        Keys {
            issuer: seed(nkeys::KeyPair::new_account()),
            tickets: ticket::TicketKey::generate().seed(),
        }
    }

    /// The issuer key pair.
    pub fn issuer(&self) -> Result<nkeys::KeyPair, ticket::TicketError> {
        nkeys::KeyPair::from_seed(self.issuer.trim())
            .map_err(|e| ticket::TicketError::Key(e.to_string()))
    }

    /// A verifier trusting tickets of this deployment's key.
    pub fn verifier(&self) -> Result<ticket::Verifier, ticket::TicketError> {
        Ok(self.ticket_key()?.verifier())
    }

    /// The ticket key.
    pub fn ticket_key(&self) -> Result<ticket::TicketKey, ticket::TicketError> {
        ticket::TicketKey::from_seed(&self.tickets)
    }

    /// Reads the keys kept at `path`, or makes and keeps new ones there (mode 0600), so
    /// tickets issued before a restart stay valid.
    pub fn load_or_generate(path: &Path) -> std::io::Result<Keys> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| {
                std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("{}: {e}", path.display()),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let keys = Keys::generate();
                let text = serde_json::to_string_pretty(&keys).expect("keys serialize");
                crate::sys::write_private(path, &text)?;
                Ok(keys)
            }
            Err(e) => Err(e),
        }
    }
}

/// Where the broker is and how to authenticate. A user's profile holds only the broker's
/// address, its CA and the user's ticket; an operator's also holds the deployment's
/// passwords and keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// Broker URL, e.g. `tls://127.0.0.1:4222`; several comma-separated for a cluster.
    pub url: String,
    /// CA certificate that signed the broker's certificate.
    pub ca_file: PathBuf,
    /// The user's ticket (`nts user add`): opens and joins sessions.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub ticket: String,
    /// The deployment's own passwords (operator profiles only).
    #[serde(default, skip_serializing_if = "Credentials::is_empty")]
    pub credentials: Credentials,
    /// The deployment's signing keys (operator profiles only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keys: Option<Keys>,
}

impl Credentials {
    fn is_empty(&self) -> bool {
        *self == Credentials::default()
    }
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
    /// The broker could not be reached.
    #[error("cannot connect to the broker at {url} as {user}: {source}; is `nts up` running?")]
    Broker {
        /// URL tried.
        url: String,
        /// User or connection name.
        user: String,
        /// Cause.
        source: async_nats::ConnectError,
    },
    /// The broker refused the credential.
    #[error("the broker at {url} refused {user}: {hint}")]
    Refused {
        /// URL tried.
        url: String,
        /// User or connection name.
        user: String,
        /// What to do about it.
        hint: &'static str,
    },
    /// The profile lacks what this connection needs.
    #[error("{0}")]
    Missing(String),
    /// A ticket or key in the profile is unusable.
    #[error("{0}")]
    Ticket(#[from] ticket::TicketError),
}

crate::error::error_kind!(ConnectError => ConnectErrorKind {
    /// NoProfile
    NoProfile,
    /// The profile file is unreadable or invalid.
    BadProfile,
    /// The broker could not be reached.
    Broker,
    /// The broker refused the credential.
    Refused,
    /// The profile lacks what this connection needs.
    Missing,
    /// A ticket or key in the profile is unusable.
    Ticket,
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

/// The operator's profile: `$NTS_PROFILE`, else `operator.json` in the default state
/// directory if it exists, else the user's `profile.json` there (a host then needs a
/// plugin key of its own).
pub fn operator_profile_path() -> PathBuf {
    if let Some(p) = std::env::var_os("NTS_PROFILE").filter(|p| !p.is_empty()) {
        return p.into();
    }
    let operator = default_state_dir().join(OPERATOR_PROFILE);
    if operator.exists() {
        operator
    } else {
        default_state_dir().join("profile.json")
    }
}

/// File name of the operator's profile in a state directory.
pub const OPERATOR_PROFILE: &str = "operator.json";

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

    /// This profile with nothing but what a room member needs: address, CA, ticket.
    pub fn session_only(&self, ticket: String) -> Profile {
        Profile {
            url: self.url.clone(),
            ca_file: self.ca_file.clone(),
            ticket,
            credentials: Credentials::default(),
            keys: None,
        }
    }

    /// The deployment's keys, or an error saying this is not an operator's profile.
    pub fn keys(&self) -> Result<&Keys, ConnectError> {
        self.keys.as_ref().ok_or_else(|| {
            ConnectError::Missing(
                "this profile holds no signing keys: use the operator's profile \
                 (operator.json in the state directory, or .nts-deploy/operator.json)"
                    .into(),
            )
        })
    }

    /// Writes the profile (mode 0600: it holds a credential).
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

/// Connects to the broker of `profile` as the deployment's own user `role` (a password
/// from the profile), over TLS verified against the profile's CA.
pub async fn connect(
    profile: &Profile,
    role: Role,
    opts: ConnectOptions,
) -> Result<async_nats::Client, ConnectError> {
    let password = profile.credentials.password(role);
    if password.is_empty() {
        return Err(ConnectError::Missing(format!(
            "this profile has no {} password: use the operator's profile \
             (operator.json in the state directory)",
            role.user()
        )));
    }
    let login = Login::Password(role.user(), password.to_string());
    open(
        profile,
        login,
        role.inbox_prefix(),
        opts,
        role.user().to_string(),
    )
    .await
}

/// Connects as `caller` with its ticket: the broker's auth callout checks the ticket and
/// gives the connection exactly `caller`'s grant. The connection name and inbox prefix
/// are `caller`'s (`data`: a host's link-traffic connection), as the grant requires.
pub async fn connect_as(
    profile: &Profile,
    caller: &Caller,
    data: bool,
    ticket: &str,
    mut opts: ConnectOptions,
) -> Result<async_nats::Client, ConnectError> {
    opts.name = caller.connection_name(data);
    let who = opts.name.clone();
    let login = Login::Ticket(ticket.trim().to_string());
    open(profile, login, caller.inbox(data), opts, who).await
}

/// How a connection proves who it is.
enum Login {
    /// A deployment user's name and password.
    Password(&'static str, String),
    /// A ticket, sent as the CONNECT token (the server hides tokens from its logs).
    Ticket(String),
}

async fn open(
    profile: &Profile,
    login: Login,
    inbox: String,
    opts: ConnectOptions,
    user: String,
) -> Result<async_nats::Client, ConnectError> {
    install_crypto_provider();
    // A profile may list several servers (a cluster), comma-separated.
    let urls: Vec<&str> = profile
        .url
        .split(',')
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .collect();
    let mut warned: Option<std::time::Instant> = None;
    loop {
        let o = match &login {
            Login::Password(user, pw) => {
                async_nats::ConnectOptions::with_user_and_password(user.to_string(), pw.clone())
            }
            Login::Ticket(t) => async_nats::ConnectOptions::with_token(t.clone()),
        };
        let o = options(profile, o.custom_inbox_prefix(inbox.clone()), &opts);
        let err = match o.connect(urls.clone()).await {
            Ok(client) => return Ok(client),
            Err(source) => {
                use async_nats::ConnectErrorKind as K;
                match source.kind() {
                    K::AuthorizationViolation | K::Authentication => {
                        // Retrying a refused credential cannot help.
                        return Err(ConnectError::Refused {
                            url: profile.url.clone(),
                            user,
                            hint: "the credential is wrong, expired or revoked (a ticket: ask \
                                   the operator for a new one, `nts token user NAME` or \
                                   `nts token plugin NAME`)",
                        });
                    }
                    _ => ConnectError::Broker {
                        url: profile.url.clone(),
                        user: user.clone(),
                        source,
                    },
                }
            }
        };
        if !opts.retry_initial {
            return Err(err);
        }
        // Long-running roles started before their broker keep trying; one line per 30 s.
        if warned.is_none_or(|t| t.elapsed() >= Duration::from_secs(30)) {
            tracing::warn!(conn = %opts.name, "{err}; still trying");
            warned = Some(std::time::Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// The options every nts connection shares: TLS against the profile's CA, its name, pings,
/// and rate-limited event logging.
fn options(
    profile: &Profile,
    o: async_nats::ConnectOptions,
    opts: &ConnectOptions,
) -> async_nats::ConnectOptions {
    let name = opts.name.clone();
    let limits = std::sync::Arc::new(EventLimits::default());
    o.require_tls(true)
        .add_root_certificates(profile.ca_file.clone())
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
        })
}
