//! The coordinator's state machine: registry, sessions, links, leases.
//!
//! Every operation takes the current time and returns a reply plus [`Effect`]s (events
//! and messages for the service adapter to publish). Nothing here does I/O, so every
//! rule (presenter-only, leases, idempotent closes) is tested directly.

mod authorize;
mod links;
mod plugins;
mod sessions;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::api::control::{Event, LinkCloseOrder};
use crate::api::link::{ToPlugin, ToSession};
use crate::api::{ErrorBody, ErrorCode, PresenterInfo};
use crate::wire::subject::Token;
use serde::{Deserialize, Serialize};

/// Most sessions, plugins or links the registry holds (bounded memory).
pub const MAX_ENTRIES: usize = 100_000;
/// Most members of one session.
pub const MAX_MEMBERS: usize = 256;
/// Most rooms one user may be a member of at once (opened or joined).
pub const MAX_ROOMS_PER_USER: usize = 64;
/// Most links one session may have open.
pub const MAX_LINKS_PER_SESSION: usize = 64;
/// Most hosts one plugin may have.
pub const MAX_HOSTS_PER_PLUGIN: usize = 1024;
/// How long a member may be without a room connection (not yet connected, or lost it)
/// before it is removed from its room.
pub const MEMBER_GRACE: Duration = Duration::from_secs(30);
/// How long a member ticket is valid; a member who left stays revoked this long.
pub const MEMBER_TICKET: Duration = Duration::from_secs(24 * 3600);

/// Something the adapter must publish or do after an operation.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// Publish an event.
    Event {
        /// Subject.
        subject: String,
        /// Event.
        event: Event,
    },
    /// Send a message into a link (to its instance).
    ToPlugin {
        /// The link's `to_plugin` subject.
        subject: String,
        /// Message.
        msg: ToPlugin,
    },
    /// Send a message to a link's session.
    ToSession {
        /// The link's `to_session` subject.
        subject: String,
        /// Message.
        msg: ToSession,
    },
    /// A ticket id (or a member id, for its member tickets) the callout refuses from now
    /// on: a member who left, a ticket the operator revoked.
    Revoke {
        /// The ticket's or the member's id.
        id: Token,
        /// Until when (seconds since the Unix epoch): the tickets' latest expiry.
        until: u64,
        /// The broker user name whose connections are dropped too (a member's).
        drop: Option<String>,
    },
    /// Ask a host to stop a link's instance.
    CloseLink {
        /// The link's plugin.
        plugin_id: Token,
        /// The host.
        host_id: Token,
        /// The order.
        order: LinkCloseOrder,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct HostLease {
    capacity: u32,
    /// Derived from the link records on restore; renewed by heartbeats.
    #[serde(skip)]
    links: u32,
    /// Not persisted: a restored lease starts afresh.
    #[serde(skip, default = "Instant::now")]
    expires: Instant,
}

#[derive(Debug, Serialize, Deserialize)]
struct Plugin {
    id: Token,
    metadata: crate::api::PluginMetadata,
    hosts: BTreeMap<Token, HostLease>,
}

#[derive(Debug, Serialize, Deserialize)]
struct MemberRec {
    user_id: Token,
    token: Token,
    info: PresenterInfo,
    /// The user (its ticket's name) this member is, for per-user caps.
    #[serde(default)]
    user: String,
    /// Since when the member has no connection to its room (`None`: connected). A member
    /// absent for [`MEMBER_GRACE`] is removed.
    #[serde(skip)]
    absent_since: Option<Instant>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Session {
    members: Vec<MemberRec>,
    presenter: Token,
    links: BTreeSet<Token>,
    /// What a joining user must present (records from before it existed get a new one).
    #[serde(default = "Token::random")]
    secret: Token,
}

/// A link the coordinator granted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkRec {
    /// The session.
    pub session_id: Token,
    /// The plugin.
    pub plugin_id: Token,
    /// The host running its instance.
    pub host_id: Token,
}

/// The coordinator's whole state.
#[derive(Debug)]
pub struct Registry {
    lease: Duration,
    plugins: BTreeMap<Token, Plugin>,
    names: HashMap<String, Token>,
    sessions: HashMap<Token, Session>,
    links: HashMap<Token, LinkRec>,
    /// Keys of records changed since the last [`Registry::take_changes`].
    changed: BTreeSet<String>,
    /// Where public ids (plugins, sessions, members, links) come from.
    ids: Ids,
    /// Members who left, until their tickets expire (seconds since the Unix epoch).
    revoked: BTreeMap<Token, u64>,
    /// How long a member may be without a room connection.
    member_grace: Duration,
}

/// A source of public ids: random in service, deterministic in tests. Member tokens
/// (secrets) are always random.
struct Ids(Box<dyn FnMut() -> Token + Send>);

impl std::fmt::Debug for Ids {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Ids")
    }
}

/// A record to write to (`Some`) or delete from (`None`) the coordinator's store.
pub type Change = (String, Option<Vec<u8>>);

/// Store key of a plugin record.
fn plugin_key(id: &Token) -> String {
    format!("plugin.{id}")
}
/// Store key of a session record.
fn session_key(id: &Token) -> String {
    format!("session.{id}")
}
/// Store key of a link record.
fn link_key(id: &Token) -> String {
    format!("link.{id}")
}

fn to_cbor<T: Serialize>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    ciborium::into_writer(v, &mut out).expect("records serialize into a Vec");
    out
}

fn err(code: ErrorCode, msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(code, msg)
}

impl Registry {
    /// An empty registry granting leases of `lease`.
    pub fn new(lease: Duration) -> Self {
        Registry {
            lease,
            plugins: BTreeMap::new(),
            names: HashMap::new(),
            sessions: HashMap::new(),
            links: HashMap::new(),
            changed: BTreeSet::new(),
            revoked: BTreeMap::new(),
            member_grace: MEMBER_GRACE,
            ids: Ids(Box::new(Token::random)),
        }
    }

    /// Removes members after `grace` without a room connection (default [`MEMBER_GRACE`]).
    pub fn with_member_grace(mut self, grace: Duration) -> Self {
        self.member_grace = grace;
        self
    }

    /// Takes public ids from `ids` instead of at random (for deterministic tests).
    pub fn with_ids(mut self, ids: impl FnMut() -> Token + Send + 'static) -> Self {
        self.ids = Ids(Box::new(ids));
        self
    }

    fn next_id(&mut self) -> Token {
        (self.ids.0)()
    }

    /// The records changed since the last call, in their current state, for the store.
    pub fn take_changes(&mut self) -> Vec<Change> {
        std::mem::take(&mut self.changed)
            .into_iter()
            .map(|key| {
                let (kind, id) = key.split_once('.').expect("keys are kind.id");
                let id = Token::new(id).expect("keys hold tokens");
                let value = match kind {
                    "plugin" => self.plugins.get(&id).map(to_cbor),
                    "session" => self.sessions.get(&id).map(to_cbor),
                    "revoked" => self.revoked.get(&id).map(to_cbor),
                    _ => self.links.get(&id).map(to_cbor),
                };
                (key, value)
            })
            .collect()
    }

    /// Rebuilds a registry from stored records. Host leases restart at `now`, so hosts
    /// have a full lease to reach the new coordinator. Undecodable records are skipped
    /// and reported.
    pub fn restore(
        lease: Duration,
        records: impl IntoIterator<Item = (String, Vec<u8>)>,
        now: Instant,
    ) -> (Self, Vec<String>) {
        let mut r = Registry::new(lease);
        let mut bad = Vec::new();
        for (key, bytes) in records {
            let Some((kind, id)) = key.split_once('.') else {
                continue;
            };
            let Ok(id) = Token::new(id) else {
                bad.push(key);
                continue;
            };
            let ok = match kind {
                "plugin" => ciborium::from_reader::<Plugin, _>(&bytes[..]).map(|p| {
                    r.names
                        .insert(p.metadata.name.trim().to_string(), id.clone());
                    r.plugins.insert(id, p);
                }),
                "session" => ciborium::from_reader::<Session, _>(&bytes[..]).map(|s| {
                    r.sessions.insert(id, s);
                }),
                "link" => ciborium::from_reader::<LinkRec, _>(&bytes[..]).map(|l| {
                    r.links.insert(id, l);
                }),
                "revoked" => ciborium::from_reader::<u64, _>(&bytes[..]).map(|until| {
                    r.revoked.insert(id, until);
                }),
                _ => continue,
            };
            if ok.is_err() {
                bad.push(key);
            }
        }
        // Whether each member is still connected is for the broker to say (CONNZ);
        // until then they count as absent since now.
        for session in r.sessions.values_mut() {
            for m in session.members.iter_mut() {
                m.absent_since = Some(now);
            }
        }
        for plugin in r.plugins.values_mut() {
            for (hid, host) in plugin.hosts.iter_mut() {
                host.expires = now + lease;
                host.links = r
                    .links
                    .values()
                    .filter(|l| l.plugin_id == plugin.id && &l.host_id == hid)
                    .count() as u32;
            }
        }
        (r, bad)
    }

    /// The lease length granted to hosts.
    pub fn lease(&self) -> Duration {
        self.lease
    }
}

fn no_session(sid: &Token) -> ErrorBody {
    err(ErrorCode::NotFound, format!("no open session {sid}"))
}

#[cfg(test)]
mod tests;
