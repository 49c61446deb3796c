//! The coordinator's state machine: registry, sessions, links, leases.
//!
//! Every operation takes the current time and returns a reply plus [`Effect`]s (events
//! and messages for the service adapter to publish). Nothing here does I/O, so every
//! rule (presenter-only, leases, idempotent closes) is tested directly.
//!
//! Over 800 lines: the registry operations (plugins and hosts, sessions, links) and their unit tests; one file per record kind is the seam to split along (issue 8, part 2).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::{Duration, Instant};

use crate::api::control::{
    Event, Heartbeat, HostRef, LinkClose, LinkCloseOrder, LinkClosedEvent, LinkClosedReport,
    LinkOffer, LinkOpen, LinkOpened, Member, PluginInfo, PluginList, PluginRemoved,
    PresenterHandover, Register, Registered, SessionJoin, SessionMembers, SessionOpen,
    SessionOpened, SessionPresenter, UserAuth, UserInfo,
};
use crate::api::link::{CloseCode, CloseReason, ToPlugin, ToSession};
use crate::api::{Empty, ErrorBody, ErrorCode, PresenterInfo};
use crate::wire::subject::{self, Token};
use serde::{Deserialize, Serialize};

/// Most sessions, plugins or links the registry holds (bounded memory).
pub const MAX_ENTRIES: usize = 100_000;
/// Most members of one session.
pub const MAX_MEMBERS: usize = 256;

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
    /// Ask a host to stop a link's instance.
    CloseLink {
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
}

#[derive(Debug, Serialize, Deserialize)]
struct Session {
    members: Vec<MemberRec>,
    presenter: Token,
    links: BTreeSet<Token>,
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
    plugin_key: String,
    plugins: BTreeMap<Token, Plugin>,
    names: HashMap<String, Token>,
    sessions: HashMap<Token, Session>,
    links: HashMap<Token, LinkRec>,
    /// Keys of records changed since the last [`Registry::take_changes`].
    changed: BTreeSet<String>,
    /// Where public ids (plugins, sessions, members, links) come from.
    ids: Ids,
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
    /// An empty registry granting leases of `lease`; registrations must present
    /// `plugin_key` (empty: none required).
    pub fn new(lease: Duration, plugin_key: impl Into<String>) -> Self {
        Registry {
            lease,
            plugin_key: plugin_key.into(),
            plugins: BTreeMap::new(),
            names: HashMap::new(),
            sessions: HashMap::new(),
            links: HashMap::new(),
            changed: BTreeSet::new(),
            ids: Ids(Box::new(Token::random)),
        }
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
        plugin_key: impl Into<String>,
        records: impl IntoIterator<Item = (String, Vec<u8>)>,
        now: Instant,
    ) -> (Self, Vec<String>) {
        let mut r = Registry::new(lease, plugin_key);
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
                _ => continue,
            };
            if ok.is_err() {
                bad.push(key);
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

    fn plugin_info(p: &Plugin) -> PluginInfo {
        PluginInfo {
            plugin_id: p.id.clone(),
            metadata: p.metadata.clone(),
            hosts: p.hosts.len() as u32,
            capacity: p.hosts.values().map(|h| h.capacity).sum(),
            links: p.hosts.values().map(|h| h.links).sum(),
        }
    }

    /// `plugin.register`: adds the host to the plugin of that name (creating it).
    pub fn register(
        &mut self,
        req: Register,
        now: Instant,
    ) -> Result<(Registered, Vec<Effect>), ErrorBody> {
        if !self.plugin_key.is_empty() && req.key != self.plugin_key {
            return Err(err(
                ErrorCode::Forbidden,
                "wrong plugin key: start the plugin with the deployment's key (-k/--key or NTS_KEY)",
            ));
        }
        req.metadata
            .validate()
            .map_err(|e| err(ErrorCode::BadRequest, e.message))?;
        if req.capacity == 0 {
            return Err(err(ErrorCode::BadRequest, "capacity must be at least 1"));
        }
        let name = req.metadata.name.trim().to_string();
        let id = match self.names.get(&name) {
            Some(id) => id.clone(),
            None => {
                if self.plugins.len() >= MAX_ENTRIES {
                    return Err(err(ErrorCode::Unavailable, "plugin registry is full"));
                }
                let id = self.next_id();
                self.names.insert(name.clone(), id.clone());
                self.plugins.insert(
                    id.clone(),
                    Plugin {
                        id: id.clone(),
                        metadata: req.metadata.clone(),
                        hosts: BTreeMap::new(),
                    },
                );
                id
            }
        };
        let plugin = self
            .plugins
            .get_mut(&id)
            .expect("name index points at a plugin");
        if plugin.metadata != req.metadata {
            tracing::info!(plugin = %name, "metadata updated by host {}", req.host_id);
            plugin.metadata = req.metadata;
        }
        let links = plugin.hosts.get(&req.host_id).map_or(0, |h| h.links);
        plugin.hosts.insert(
            req.host_id,
            HostLease {
                capacity: req.capacity,
                links,
                expires: now + self.lease,
            },
        );
        let info = Self::plugin_info(plugin);
        self.changed.insert(plugin_key(&id));
        let effects = vec![Effect::Event {
            subject: subject::plugin_event(&id, "registered"),
            event: Event::PluginRegistered(info),
        }];
        Ok((
            Registered {
                plugin_id: id,
                lease_ms: self.lease.as_millis() as u64,
            },
            effects,
        ))
    }

    /// `plugin.heartbeat`: renews a host's lease. Unknown hosts must re-register.
    pub fn heartbeat(&mut self, hb: Heartbeat, now: Instant) -> Result<(), ErrorBody> {
        let lease = self.lease;
        let host = self
            .plugins
            .get_mut(&hb.plugin_id)
            .and_then(|p| p.hosts.get_mut(&hb.host_id))
            .ok_or_else(|| {
                err(
                    ErrorCode::NotFound,
                    "unknown plugin host (lease expired or coordinator restarted): register again",
                )
            })?;
        host.expires = now + lease;
        host.links = hb.links;
        Ok(())
    }

    /// `plugin.deregister`: a host stops gracefully.
    pub fn deregister(&mut self, r: HostRef) -> Vec<Effect> {
        self.remove_host(
            &r.plugin_id,
            &r.host_id,
            CloseCode::HostStopping,
            "the plugin's host stopped",
        )
    }

    /// Drops hosts whose lease ran out; their links close with `host_lost`.
    pub fn expire(&mut self, now: Instant) -> Vec<Effect> {
        let dead: Vec<(Token, Token)> = self
            .plugins
            .values()
            .flat_map(|p| {
                p.hosts
                    .iter()
                    .filter(|(_, h)| h.expires <= now)
                    .map(|(hid, _)| (p.id.clone(), hid.clone()))
            })
            .collect();
        let mut effects = Vec::new();
        for (pid, hid) in dead {
            tracing::warn!(plugin = %pid, host = %hid, "host lease expired");
            effects.extend(self.remove_host(
                &pid,
                &hid,
                CloseCode::HostLost,
                "the plugin's host stopped responding (lease expired)",
            ));
        }
        effects
    }

    /// Every registered host's id.
    pub fn host_ids(&self) -> Vec<Token> {
        self.plugins
            .values()
            .flat_map(|p| p.hosts.keys().cloned())
            .collect()
    }

    /// Removes a host at once (e.g. the broker reported its connection gone).
    pub fn host_lost(&mut self, host_id: &Token, why: &str) -> Vec<Effect> {
        let pids: Vec<Token> = self
            .plugins
            .values()
            .filter(|p| p.hosts.contains_key(host_id))
            .map(|p| p.id.clone())
            .collect();
        pids.iter()
            .flat_map(|pid| self.remove_host(pid, host_id, CloseCode::HostLost, why))
            .collect()
    }

    fn remove_host(&mut self, pid: &Token, hid: &Token, code: CloseCode, why: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(plugin) = self.plugins.get_mut(pid) else {
            return effects;
        };
        if plugin.hosts.remove(hid).is_none() {
            return effects;
        }
        self.changed.insert(plugin_key(pid));
        let lost: Vec<Token> = self
            .links
            .iter()
            .filter(|(_, l)| &l.plugin_id == pid && &l.host_id == hid)
            .map(|(id, _)| id.clone())
            .collect();
        for lid in lost {
            effects.extend(self.close_link(&lid, CloseReason::new(code, why), true));
        }
        let plugin = self.plugins.get(pid).expect("checked above");
        if plugin.hosts.is_empty() {
            self.names.remove(plugin.metadata.name.trim());
            self.plugins.remove(pid);
            effects.push(Effect::Event {
                subject: subject::plugin_event(pid, "removed"),
                event: Event::PluginRemoved(PluginRemoved {
                    plugin_id: pid.clone(),
                    reason: why.into(),
                }),
            });
        }
        effects
    }

    /// `plugin.list`, sorted by name.
    pub fn list(&self) -> PluginList {
        let mut plugins: Vec<PluginInfo> = self.plugins.values().map(Self::plugin_info).collect();
        plugins.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        PluginList { plugins }
    }

    fn new_member(&mut self, user: UserInfo) -> Result<MemberRec, ErrorBody> {
        let name = user.name.trim();
        if name.is_empty() || name.len() > crate::api::MAX_NAME_LEN {
            return Err(err(
                ErrorCode::BadRequest,
                "user name must be 1-128 characters",
            ));
        }
        let user_id = self.next_id();
        let info = PresenterInfo {
            account_id: user.account_id.unwrap_or_else(|| user_id.to_string()),
            account_name: name.to_string(),
            account_email: user.email.unwrap_or_default(),
            org: user.org,
        };
        Ok(MemberRec {
            user_id,
            token: Token::random(),
            info,
        })
    }

    /// `session.open`: the first user becomes presenter.
    pub fn open_session(
        &mut self,
        req: SessionOpen,
    ) -> Result<(SessionOpened, Vec<Effect>), ErrorBody> {
        if req.room.len() > crate::api::MAX_NAME_LEN {
            return Err(err(
                ErrorCode::BadRequest,
                "room name must be at most 128 characters",
            ));
        }
        if self.sessions.len() >= MAX_ENTRIES {
            return Err(err(ErrorCode::Unavailable, "too many open sessions"));
        }
        let member = self.new_member(req.user)?;
        let sid = self.next_id();
        let reply = SessionOpened {
            session_id: sid.clone(),
            user_id: member.user_id.clone(),
            token: member.token.clone(),
            presenter: member.user_id.clone(),
            presenter_info: member.info.clone(),
        };
        let session = Session {
            presenter: member.user_id.clone(),
            members: vec![member],
            links: BTreeSet::new(),
        };
        self.sessions.insert(sid.clone(), session);
        self.changed.insert(session_key(&sid));
        let effects = vec![self.members_event(&sid), self.presenter_event(&sid)];
        Ok((reply, effects))
    }

    /// `session.join`.
    pub fn join_session(
        &mut self,
        req: SessionJoin,
    ) -> Result<(SessionOpened, Vec<Effect>), ErrorBody> {
        let member = self.new_member(req.user)?;
        let session = self.session_mut(&req.session_id)?;
        if session.members.len() >= MAX_MEMBERS {
            return Err(err(
                ErrorCode::Unavailable,
                format!("session is full ({MAX_MEMBERS} members)"),
            ));
        }
        let reply = SessionOpened {
            session_id: req.session_id.clone(),
            user_id: member.user_id.clone(),
            token: member.token.clone(),
            presenter: session.presenter.clone(),
            presenter_info: Self::presenter_info(session),
        };
        session.members.push(member);
        self.changed.insert(session_key(&req.session_id));
        Ok((reply, vec![self.members_event(&req.session_id)]))
    }

    /// `session.leave`: the presenter role passes to the next member; the last one out
    /// closes the session and its links.
    pub fn leave_session(&mut self, req: UserAuth) -> Result<Vec<Effect>, ErrorBody> {
        let session = self.session_mut(&req.session_id)?;
        let pos = session
            .members
            .iter()
            .position(|m| m.token == req.token)
            .ok_or_else(|| err(ErrorCode::Forbidden, "not a member of this session"))?;
        let gone = session.members.remove(pos);
        let last_out = session.members.is_empty();
        self.changed.insert(session_key(&req.session_id));
        if last_out {
            return Ok(self.close_session(&req.session_id));
        }
        let mut effects = vec![self.members_event(&req.session_id)];
        let session = self.sessions.get_mut(&req.session_id).expect("exists");
        if session.presenter == gone.user_id {
            session.presenter = session.members[0].user_id.clone();
            effects.extend(self.presenter_effects(&req.session_id));
        }
        Ok(effects)
    }

    fn close_session(&mut self, sid: &Token) -> Vec<Effect> {
        let Some(session) = self.sessions.get(sid) else {
            return vec![];
        };
        let links: Vec<Token> = session.links.iter().cloned().collect();
        let mut effects = Vec::new();
        for lid in links {
            effects.extend(self.close_link(
                &lid,
                CloseReason::new(CloseCode::SessionClosed, "the session closed"),
                false,
            ));
        }
        self.sessions.remove(sid);
        self.changed.insert(session_key(sid));
        effects.push(Effect::Event {
            subject: subject::session_event(sid, "closed"),
            event: Event::SessionClosed(Empty {}),
        });
        effects
    }

    /// `session.presenter`: only the presenter can hand the role over, to a member.
    pub fn change_presenter(&mut self, req: PresenterHandover) -> Result<Vec<Effect>, ErrorBody> {
        let session = self.session_mut(&req.session_id)?;
        Self::require_presenter(session, &req.token)?;
        if !session.members.iter().any(|m| m.user_id == req.to) {
            return Err(err(
                ErrorCode::NotFound,
                format!("user {} is not a member of this session", req.to),
            ));
        }
        if session.presenter == req.to {
            return Ok(vec![]);
        }
        session.presenter = req.to;
        self.changed.insert(session_key(&req.session_id));
        Ok(self.presenter_effects(&req.session_id))
    }

    /// `link.open`, first half: checks the presenter and the plugin, returns the offer
    /// to send to the plugin's hosts.
    pub fn begin_link(&mut self, req: LinkOpen) -> Result<LinkOffer, ErrorBody> {
        let session = self
            .sessions
            .get(&req.session_id)
            .ok_or_else(|| no_session(&req.session_id))?;
        Self::require_presenter(session, &req.token)?;
        let presenter = Self::presenter_info(session);
        let plugin_id = self.find_plugin(&req.plugin)?.id.clone();
        if self.links.len() >= MAX_ENTRIES {
            return Err(err(ErrorCode::Unavailable, "too many open links"));
        }
        Ok(LinkOffer {
            link_id: self.next_id(),
            session_id: req.session_id,
            plugin_id,
            presenter,
        })
    }

    /// Hosts of `pid` with spare capacity, most spare first, excluding `tried`.
    pub fn candidates(&self, pid: &Token, tried: &[Token]) -> Vec<Token> {
        let Some(plugin) = self.plugins.get(pid) else {
            return vec![];
        };
        let mut hosts: Vec<(u32, &Token)> = plugin
            .hosts
            .iter()
            .filter(|(hid, h)| h.links < h.capacity && !tried.contains(hid))
            .map(|(hid, h)| (h.capacity - h.links, hid))
            .collect();
        hosts.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
        hosts.into_iter().map(|(_, hid)| hid.clone()).collect()
    }

    /// `link.open`, second half: a host accepted. Fails (and the adapter must close the
    /// instance) if the session or the host went away meanwhile.
    pub fn complete_link(
        &mut self,
        offer: &LinkOffer,
        host_id: Token,
    ) -> Result<(LinkOpened, Vec<Effect>), ErrorBody> {
        let host = self
            .plugins
            .get_mut(&offer.plugin_id)
            .and_then(|p| p.hosts.get_mut(&host_id))
            .ok_or_else(|| {
                err(
                    ErrorCode::Unavailable,
                    "the plugin's host went away while connecting; try again",
                )
            })?;
        let session = self
            .sessions
            .get_mut(&offer.session_id)
            .ok_or_else(|| no_session(&offer.session_id))?;
        host.links += 1;
        session.links.insert(offer.link_id.clone());
        let opened = LinkOpened {
            link_id: offer.link_id.clone(),
            plugin_id: offer.plugin_id.clone(),
            host_id: host_id.clone(),
        };
        self.changed.extend([
            link_key(&offer.link_id),
            session_key(&offer.session_id),
            plugin_key(&offer.plugin_id),
        ]);
        self.links.insert(
            offer.link_id.clone(),
            LinkRec {
                session_id: offer.session_id.clone(),
                plugin_id: offer.plugin_id.clone(),
                host_id,
            },
        );
        let effects = vec![Effect::Event {
            subject: subject::session_event(&offer.session_id, "link_opened"),
            event: Event::LinkOpened(opened.clone()),
        }];
        Ok((opened, effects))
    }

    /// `link.close`: presenter only; returns the host to order and the order.
    pub fn begin_close(&self, req: &LinkClose) -> Result<(LinkRec, LinkCloseOrder), ErrorBody> {
        let session = self
            .sessions
            .get(&req.session_id)
            .ok_or_else(|| no_session(&req.session_id))?;
        Self::require_presenter(session, &req.token)?;
        let link = self
            .links
            .get(&req.link_id)
            .filter(|l| l.session_id == req.session_id)
            .ok_or_else(|| {
                err(
                    ErrorCode::NotFound,
                    format!("no open link {} in this session", req.link_id),
                )
            })?;
        let order = LinkCloseOrder {
            link_id: req.link_id.clone(),
            reason: CloseReason::new(
                CloseCode::ClosedByPresenter,
                "the presenter disconnected the plugin",
            ),
        };
        Ok((link.clone(), order))
    }

    /// `link.closed` from a host, or the coordinator's own decision: forgets the link
    /// and publishes its end. Idempotent.
    pub fn link_closed(&mut self, report: LinkClosedReport) -> Vec<Effect> {
        match self.links.get(&report.link_id) {
            Some(l) if l.host_id == report.host_id => {
                self.close_link(&report.link_id, report.reason, false)
            }
            _ => vec![],
        }
    }

    /// The link record, if open.
    pub fn link(&self, lid: &Token) -> Option<&LinkRec> {
        self.links.get(lid)
    }

    /// Removes a link and emits its `link_closed` event. With `tell_session`, also sends
    /// `closed` on the link itself (the host cannot: it is gone).
    fn close_link(&mut self, lid: &Token, reason: CloseReason, tell_session: bool) -> Vec<Effect> {
        let Some(link) = self.links.remove(lid) else {
            return vec![];
        };
        self.changed.extend([
            link_key(lid),
            session_key(&link.session_id),
            plugin_key(&link.plugin_id),
        ]);
        if let Some(h) = self
            .plugins
            .get_mut(&link.plugin_id)
            .and_then(|p| p.hosts.get_mut(&link.host_id))
        {
            h.links = h.links.saturating_sub(1);
        }
        if let Some(s) = self.sessions.get_mut(&link.session_id) {
            s.links.remove(lid);
        }
        let mut effects = Vec::new();
        if reason.code == CloseCode::SessionClosed {
            effects.push(Effect::CloseLink {
                host_id: link.host_id.clone(),
                order: LinkCloseOrder {
                    link_id: lid.clone(),
                    reason: reason.clone(),
                },
            });
        }
        if tell_session {
            let subjects = subject::link(&link.plugin_id, &link.session_id, lid);
            effects.push(Effect::ToSession {
                subject: subjects.to_session,
                msg: ToSession::Closed(reason.clone()),
            });
        }
        effects.push(Effect::Event {
            subject: subject::session_event(&link.session_id, "link_closed"),
            event: Event::LinkClosed(LinkClosedEvent {
                link_id: lid.clone(),
                plugin_id: link.plugin_id,
                reason,
            }),
        });
        effects
    }

    fn find_plugin(&self, key: &str) -> Result<&Plugin, ErrorBody> {
        let by_id = Token::new(key).ok().and_then(|t| self.plugins.get(&t));
        let by_name = || {
            self.names
                .get(key.trim())
                .and_then(|id| self.plugins.get(id))
        };
        by_id.or_else(by_name).ok_or_else(|| {
            let known: Vec<&str> = self
                .plugins
                .values()
                .map(|p| p.metadata.name.as_str())
                .collect();
            err(
                ErrorCode::NotFound,
                format!(
                    "no plugin named {key:?}; available: {}",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })
    }

    fn session_mut(&mut self, sid: &Token) -> Result<&mut Session, ErrorBody> {
        self.sessions.get_mut(sid).ok_or_else(|| no_session(sid))
    }

    fn require_presenter(session: &Session, token: &Token) -> Result<(), ErrorBody> {
        let member = session
            .members
            .iter()
            .find(|m| &m.token == token)
            .ok_or_else(|| {
                err(
                    ErrorCode::Forbidden,
                    "not a member of this session (bad token)",
                )
            })?;
        if member.user_id != session.presenter {
            return Err(err(
                ErrorCode::NotPresenter,
                "only the session's presenter can connect or disconnect plugins; ask the presenter, or become presenter first",
            ));
        }
        Ok(())
    }

    fn presenter_info(session: &Session) -> PresenterInfo {
        session
            .members
            .iter()
            .find(|m| m.user_id == session.presenter)
            .map(|m| m.info.clone())
            .unwrap_or_default()
    }

    fn members_event(&self, sid: &Token) -> Effect {
        let session = &self.sessions[sid];
        let members = session
            .members
            .iter()
            .map(|m| Member {
                user_id: m.user_id.clone(),
                name: m.info.account_name.clone(),
            })
            .collect();
        Effect::Event {
            subject: subject::session_event(sid, "members"),
            event: Event::SessionMembers(SessionMembers { members }),
        }
    }

    fn presenter_event(&self, sid: &Token) -> Effect {
        let session = &self.sessions[sid];
        Effect::Event {
            subject: subject::session_event(sid, "presenter"),
            event: Event::SessionPresenter(SessionPresenter {
                user_id: session.presenter.clone(),
                presenter: Self::presenter_info(session),
            }),
        }
    }

    /// The presenter event plus `presenter_change` into every link of the session.
    fn presenter_effects(&self, sid: &Token) -> Vec<Effect> {
        let session = &self.sessions[sid];
        let info = Self::presenter_info(session);
        let mut effects = vec![self.presenter_event(sid)];
        for lid in &session.links {
            if let Some(link) = self.links.get(lid) {
                effects.push(Effect::ToPlugin {
                    subject: subject::link(&link.plugin_id, sid, lid).to_plugin,
                    msg: ToPlugin::PresenterChange(info.clone()),
                });
            }
        }
        effects
    }
}

fn no_session(sid: &Token) -> ErrorBody {
    err(ErrorCode::NotFound, format!("no open session {sid}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::PluginMetadata;

    const LEASE: Duration = Duration::from_secs(5);

    /// Ids `id1`, `id2`, … in the order the registry asks for them.
    fn counting() -> impl FnMut() -> Token + Send + 'static {
        let mut n = 0;
        move || {
            n += 1;
            Token::new(format!("id{n}")).expect("a valid token")
        }
    }

    #[test]
    fn ids_come_from_the_registry_s_source() {
        let now = Instant::now();
        let mut r = Registry::new(LEASE, "").with_ids(counting());
        let pid = reg(&mut r, "hello", &Token::new("host").unwrap(), now);
        assert_eq!(pid.as_str(), "id1");
        let (opened, _) = r
            .open_session(SessionOpen {
                room: "room".into(),
                user: UserInfo {
                    name: "alice".into(),
                    ..Default::default()
                },
            })
            .unwrap();
        assert_eq!(opened.user_id.as_str(), "id2", "the member first");
        assert_eq!(opened.session_id.as_str(), "id3");
        assert_ne!(opened.token.as_str(), "id4", "secret tokens stay random");
    }

    fn reg(r: &mut Registry, name: &str, host: &Token, now: Instant) -> Token {
        let req = Register {
            key: "k".into(),
            host_id: host.clone(),
            metadata: PluginMetadata {
                name: name.into(),
                ..Default::default()
            },
            capacity: 4,
        };
        r.register(req, now).unwrap().0.plugin_id
    }

    fn open(r: &mut Registry, who: &str) -> SessionOpened {
        r.open_session(SessionOpen {
            room: "room".into(),
            user: UserInfo {
                name: who.into(),
                ..Default::default()
            },
        })
        .unwrap()
        .0
    }

    fn join(r: &mut Registry, s: &SessionOpened, who: &str) -> SessionOpened {
        let user = UserInfo {
            name: who.into(),
            ..Default::default()
        };
        r.join_session(SessionJoin {
            session_id: s.session_id.clone(),
            user,
        })
        .unwrap()
        .0
    }

    fn link(r: &mut Registry, s: &SessionOpened, plugin: &str, host: &Token) -> LinkOpened {
        let p = r
            .begin_link(LinkOpen {
                session_id: s.session_id.clone(),
                token: s.token.clone(),
                plugin: plugin.into(),
            })
            .unwrap();
        r.complete_link(&p, host.clone()).unwrap().0
    }

    #[test]
    fn restored_registry_keeps_sessions_links_and_presenters() {
        let mut r = Registry::new(LEASE, "");
        let t0 = Instant::now();
        let host = Token::random();
        let pid = reg(&mut r, "hello", &host, t0);
        let alice = open(&mut r, "alice");
        let bob = join(&mut r, &alice, "bob");
        let l = link(&mut r, &alice, "hello", &host);
        let gone = open(&mut r, "carol");
        r.leave_session(UserAuth {
            session_id: gone.session_id.clone(),
            token: gone.token.clone(),
        })
        .unwrap();

        // The store as the adapter keeps it: every change applied in order.
        let mut store = std::collections::BTreeMap::new();
        for (k, v) in r.take_changes() {
            match v {
                Some(v) => store.insert(k, v),
                None => store.remove(&k),
            };
        }
        assert!(r.take_changes().is_empty(), "changes are taken once");
        assert!(
            !store.contains_key(&format!("session.{}", gone.session_id)),
            "closed sessions are deleted"
        );

        let later = t0 + LEASE * 3;
        let (mut r2, bad) = Registry::restore(LEASE, "", store, later);
        assert!(bad.is_empty());
        assert!(r2.expire(later).is_empty(), "restored leases start afresh");
        assert_eq!(r2.link(&l.link_id).map(|l| &l.host_id), Some(&host));
        assert_eq!(r2.list().plugins[0].links, 1);
        // Presenter rules survive: bob still may not connect, alice may.
        let refused = r2.begin_link(LinkOpen {
            session_id: bob.session_id.clone(),
            token: bob.token,
            plugin: "hello".into(),
        });
        assert_eq!(refused.unwrap_err().code, ErrorCode::NotPresenter);
        assert!(
            r2.begin_link(LinkOpen {
                session_id: alice.session_id,
                token: alice.token,
                plugin: pid.to_string()
            })
            .is_ok()
        );
    }

    #[test]
    fn wrong_key_is_refused() {
        let mut r = Registry::new(LEASE, "secret");
        let req = Register {
            key: "nope".into(),
            host_id: Token::random(),
            metadata: PluginMetadata {
                name: "x".into(),
                ..Default::default()
            },
            capacity: 1,
        };
        assert_eq!(
            r.register(req, Instant::now()).unwrap_err().code,
            ErrorCode::Forbidden
        );
    }

    #[test]
    fn hosts_of_one_name_share_a_plugin() {
        let mut r = Registry::new(LEASE, "");
        let now = Instant::now();
        let a = reg(&mut r, "hello", &Token::random(), now);
        let b = reg(&mut r, "hello", &Token::random(), now);
        assert_eq!(a, b);
        let list = r.list();
        assert_eq!(list.plugins.len(), 1);
        assert_eq!((list.plugins[0].hosts, list.plugins[0].capacity), (2, 8));
    }

    #[test]
    fn only_the_presenter_links_and_unlinks() {
        let mut r = Registry::new(LEASE, "");
        let host = Token::random();
        reg(&mut r, "hello", &host, Instant::now());
        let alice = open(&mut r, "alice");
        let bob = join(&mut r, &alice, "bob");
        let refused = r
            .begin_link(LinkOpen {
                session_id: bob.session_id.clone(),
                token: bob.token.clone(),
                plugin: "hello".into(),
            })
            .unwrap_err();
        assert_eq!(refused.code, ErrorCode::NotPresenter);
        let l = link(&mut r, &alice, "hello", &host);
        let close = LinkClose {
            session_id: bob.session_id.clone(),
            token: bob.token.clone(),
            link_id: l.link_id.clone(),
        };
        assert_eq!(
            r.begin_close(&close).unwrap_err().code,
            ErrorCode::NotPresenter
        );
    }

    #[test]
    fn unknown_plugin_names_the_available_ones() {
        let mut r = Registry::new(LEASE, "");
        reg(&mut r, "hello", &Token::random(), Instant::now());
        let s = open(&mut r, "alice");
        let e = r
            .begin_link(LinkOpen {
                session_id: s.session_id,
                token: s.token,
                plugin: "nope".into(),
            })
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
        assert!(e.message.contains("hello"), "{}", e.message);
    }

    #[test]
    fn presenter_change_reaches_every_link() {
        let mut r = Registry::new(LEASE, "");
        let host = Token::random();
        reg(&mut r, "hello", &host, Instant::now());
        let alice = open(&mut r, "alice");
        let bob = join(&mut r, &alice, "bob");
        let l = link(&mut r, &alice, "hello", &host);
        let effects = r
            .change_presenter(PresenterHandover {
                session_id: alice.session_id.clone(),
                token: alice.token.clone(),
                to: bob.user_id.clone(),
            })
            .unwrap();
        let to_plugin: Vec<_> = effects
            .iter()
            .filter_map(|e| match e {
                Effect::ToPlugin {
                    subject,
                    msg: ToPlugin::PresenterChange(info),
                } => Some((subject.clone(), info.account_name.clone())),
                _ => None,
            })
            .collect();
        assert_eq!(to_plugin.len(), 1);
        assert!(to_plugin[0].0.contains(l.link_id.as_str()));
        assert_eq!(to_plugin[0].1, "bob");
        // Alice is no longer presenter.
        let e = r
            .begin_link(LinkOpen {
                session_id: alice.session_id,
                token: alice.token,
                plugin: "hello".into(),
            })
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotPresenter);
    }

    #[test]
    fn expired_host_closes_its_links_and_leaves_the_list() {
        let mut r = Registry::new(LEASE, "");
        let t0 = Instant::now();
        let host = Token::random();
        let pid = reg(&mut r, "hello", &host, t0);
        let s = open(&mut r, "alice");
        let l = link(&mut r, &s, "hello", &host);
        r.heartbeat(
            Heartbeat {
                plugin_id: pid.clone(),
                host_id: host.clone(),
                links: 1,
            },
            t0 + LEASE / 2,
        )
        .unwrap();
        assert!(
            r.expire(t0 + LEASE).is_empty(),
            "heartbeat renewed the lease"
        );
        let effects = r.expire(t0 + LEASE * 2);
        assert!(effects.iter().any(|e| matches!(e, Effect::ToSession { msg: ToSession::Closed(c), .. } if c.code == CloseCode::HostLost)));
        assert!(effects.iter().any(|e| matches!(
            e,
            Effect::Event {
                event: Event::PluginRemoved(_),
                ..
            }
        )));
        assert!(r.link(&l.link_id).is_none());
        assert!(r.list().plugins.is_empty());
        let e = r
            .heartbeat(
                Heartbeat {
                    plugin_id: pid,
                    host_id: host,
                    links: 0,
                },
                t0 + LEASE * 2,
            )
            .unwrap_err();
        assert_eq!(e.code, ErrorCode::NotFound);
    }

    #[test]
    fn link_closed_is_idempotent_and_checks_the_host() {
        let mut r = Registry::new(LEASE, "");
        let host = Token::random();
        reg(&mut r, "hello", &host, Instant::now());
        let s = open(&mut r, "alice");
        let l = link(&mut r, &s, "hello", &host);
        let report = |h: &Token| LinkClosedReport {
            link_id: l.link_id.clone(),
            host_id: h.clone(),
            reason: CloseReason::new(CloseCode::InstanceExited, "bye"),
        };
        assert!(
            r.link_closed(report(&Token::random())).is_empty(),
            "another host cannot close it"
        );
        assert_eq!(r.link_closed(report(&host)).len(), 1);
        assert!(r.link_closed(report(&host)).is_empty());
    }

    #[test]
    fn last_member_leaving_closes_session_and_links() {
        let mut r = Registry::new(LEASE, "");
        let host = Token::random();
        reg(&mut r, "hello", &host, Instant::now());
        let s = open(&mut r, "alice");
        let l = link(&mut r, &s, "hello", &host);
        let effects = r
            .leave_session(UserAuth {
                session_id: s.session_id.clone(),
                token: s.token.clone(),
            })
            .unwrap();
        assert!(
            effects.iter().any(
                |e| matches!(e, Effect::CloseLink { order, .. } if order.link_id == l.link_id)
            )
        );
        assert!(effects.iter().any(|e| matches!(
            e,
            Effect::Event {
                event: Event::SessionClosed(_),
                ..
            }
        )));
        assert!(r.link(&l.link_id).is_none());
    }
}
