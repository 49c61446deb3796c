//! The plugin host: registers a plugin, takes link offers, runs one instance per link.
//!
//! A host owns its broker connection; its instances hold no credentials and talk only
//! stdio frames. [`link`] runs one link (spawn, handshake, relay, supervision);
//! this module does registration, heartbeats, offers, close orders and shutdown.

pub mod flow;
mod lifecycle;
pub mod link;
mod pool;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use tokio::sync::oneshot;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::api::control::{
    CtlReply, CtlRequest, Declined, Heartbeat, HostRef, HostReply, HostRequest, LinkClosedReport,
    Register,
};
use crate::api::link::{CloseCode, CloseReason};
use crate::api::{Empty, ErrorBody, ErrorCode, PluginMetadata};
use crate::coordinator::client::{self as ctl, CtlError};
use crate::wire::caller::Caller;
use crate::wire::subject::{self, Token};
use crate::wire::{self, Envelope};

pub use link::{LinkHandle, LinkSettings};

/// How long a plugin ticket minted from the operator's key lasts.
const MINTED_KEY: Duration = Duration::from_secs(365 * 24 * 3600);

/// The plugin ticket `config`'s host connects with: its configured key, or one minted
/// for its plugin name when `profile` is the operator's (it holds the ticket key).
fn plugin_key(
    profile: &crate::connect::Profile,
    config: &HostConfig,
) -> Result<String, crate::connect::ConnectError> {
    use crate::connect::ticket::{Claims, TicketKind};
    let name = config.metadata.name.trim();
    let key = config.key.trim();
    if !key.is_empty() {
        // Checked here for a clear message: the broker would refuse it anyway (or grant
        // another plugin's subjects, where this host's requests would be refused).
        let claims = crate::connect::ticket::peek(key)?;
        if claims.kind != TicketKind::Plugin {
            return Err(crate::connect::ticket::TicketError::WrongKind {
                got: claims.kind.as_str(),
                want: "plugin",
            }
            .into());
        }
        if claims.name.trim() != name {
            return Err(crate::connect::ConnectError::Missing(format!(
                "this key is for plugin {:?}, not {name:?}: ask the operator for one \
                 (`nts token plugin {name}`)",
                claims.name
            )));
        }
        return Ok(key.to_string());
    }
    let key = profile.keys().map_err(|_| {
        crate::connect::ConnectError::Missing(format!(
            "no key for plugin {name:?}: ask the operator for one (`nts token plugin {name}`) \
             and pass it with -k/--key or NTS_KEY"
        ))
    })?;
    let claims = Claims::new(TicketKind::Plugin, name, MINTED_KEY);
    Ok(key.ticket_key()?.issue(&claims))
}

pub use crate::wire::subject::HOST_CONNECTION_PREFIX;

/// How to start an instance process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstanceCommand {
    /// Program to run.
    pub program: PathBuf,
    /// Its arguments.
    pub args: Vec<String>,
    /// Extra environment variables.
    pub env: Vec<(String, String)>,
}

impl InstanceCommand {
    /// Runs `program` with `args`.
    pub fn new(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        InstanceCommand {
            program: program.into(),
            args: args.into_iter().map(Into::into).collect(),
            env: vec![],
        }
    }

    /// The current executable re-run with its own arguments in instance mode
    /// (`NTS_INSTANCE=1`): what `nts::plugin::Plugin::run` uses.
    pub fn current_exe() -> std::io::Result<Self> {
        Ok(Self::instance_mode(
            std::env::current_exe()?,
            std::env::args().skip(1),
        ))
    }

    /// `program` with `args`, in instance mode (`NTS_INSTANCE=1`): an SDK-built plugin
    /// executable, or `nts plugin NAME`.
    pub fn instance_mode(
        program: impl Into<PathBuf>,
        args: impl IntoIterator<Item = impl Into<String>>,
    ) -> Self {
        let mut cmd = InstanceCommand::new(program, args);
        cmd.env
            .push((crate::wire::frame::INSTANCE_ENV.into(), "1".into()));
        cmd
    }
}

/// Host settings.
#[derive(Debug, Clone)]
pub struct HostConfig {
    /// What the plugin list shows.
    pub metadata: PluginMetadata,
    /// How to start an instance.
    pub command: InstanceCommand,
    /// Most links served at once; further offers are declined.
    pub capacity: u32,
    /// The plugin's key: a plugin ticket (`nts token plugin NAME`). Empty: minted from the
    /// profile's ticket key, when the profile is the operator's.
    pub key: String,
    /// Link timing and limits.
    pub link: LinkSettings,
    /// This host's id (in its connection names, `host/<id>` and `host/<id>/data`, which its
    /// credential's grant requires and by which the coordinator recognises its disconnect).
    pub host_id: Token,
    /// Instance processes kept started ahead of their links (`host::pool`; at most
    /// 64): a link takes one instead of waiting for a spawn.
    pub warm: usize,
}

impl HostConfig {
    /// A host for `metadata` running `command`, capacity 32, default timings.
    pub fn new(metadata: PluginMetadata, command: InstanceCommand) -> Self {
        HostConfig {
            metadata,
            command,
            capacity: 32,
            key: String::new(),
            link: LinkSettings::default(),
            host_id: Token::random(),
            warm: DEFAULT_WARM,
        }
    }

    /// Who this host is on the broker: its plugin's id (from the name) and its own.
    pub fn caller(&self) -> Caller {
        Caller::host(&self.metadata.name, self.host_id.clone())
    }
}

/// Why a host stopped.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The broker could not be reached.
    #[error(transparent)]
    Connect(#[from] crate::connect::ConnectError),
    /// Registration was refused or failed.
    #[error("registering plugin {name:?} failed: {source}")]
    Register {
        /// Plugin name.
        name: String,
        /// Cause.
        source: CtlError,
    },
    /// A subscription failed.
    #[error("subscribing to {subject} failed: {message}")]
    Subscribe {
        /// Subject.
        subject: String,
        /// Cause.
        message: String,
    },
}

crate::error::error_kind!(HostError => HostErrorKind {
    /// The broker could not be reached.
    Connect,
    /// Registration was refused or failed.
    Register,
    /// A subscription failed.
    Subscribe,
});

/// What a started link gives its host: a handle to close it, and its close reason once
/// it ends.
pub type Started = Result<(LinkHandle, oneshot::Receiver<CloseReason>), ErrorBody>;

/// What serves a host's links when they are not instance processes: the legacy gateway,
/// whose plugins' sessions are already running behind their own connection. Everything
/// else — registration, heartbeats, offers and capacity, close orders, reports, shutdown —
/// stays the host's.
pub trait Bridge: Send + Sync + 'static {
    /// Starts `offer`'s link, its traffic on `data`; resolves once the link serves (as
    /// `link::start` does once its instance is ready). The link tells its session
    /// `closed` itself when it ends.
    fn start(
        &self,
        data: async_nats::Client,
        settings: LinkSettings,
        offer: crate::api::control::LinkOffer,
    ) -> futures::future::BoxFuture<'static, Started>;
}

/// Warm instance processes a host keeps by default: one, so a reconnect (the development
/// loop) finds one ready without keeping many idle processes per plugin.
pub const DEFAULT_WARM: usize = 1;

/// Shared state of a running host.
struct Shared {
    /// Control traffic: registration, heartbeats, offers, orders, reports.
    client: async_nats::Client,
    /// Who this host is (the subjects of its control requests).
    caller: Caller,
    /// Link traffic, on its own connection so that data cannot delay a heartbeat.
    data: async_nats::Client,
    /// Bytes all links may have in flight to their sessions.
    budget: flow::Budget,
    config: HostConfig,
    host_id: Token,
    /// The plugin's id: derived from its name, so fixed before registering and the same
    /// after any re-registration.
    plugin_id: Token,
    /// Every link, starting or running: the one count the capacity is checked against.
    links: Mutex<HashMap<Token, Slot>>,
    /// Lease length granted at the last registration.
    lease_ms: AtomicU64,
    /// Per-link end tasks (reaping, reporting), so shutdown can wait for them.
    endings: TaskTracker,
    /// What serves links instead of instance processes, if anything.
    bridge: Option<Arc<dyn Bridge>>,
    /// Instance processes started ahead of their links.
    pool: pool::Pool,
}

/// A link's place in the host's table.
enum Slot {
    /// Its instance is being spawned and greeted.
    Starting,
    /// Accepted and serving.
    Running(LinkHandle),
}

impl Slot {
    fn running(&self) -> Option<&LinkHandle> {
        match self {
            Slot::Running(h) => Some(h),
            Slot::Starting => None,
        }
    }
}

/// The warm processes of a host that [`Host::serve`] took (see [`Host::warm_watch`]).
#[derive(Clone)]
pub struct WarmWatch(Arc<Shared>);

impl WarmWatch {
    /// Process ids of the warm instance processes waiting for a link now.
    pub fn pids(&self) -> Vec<u32> {
        self.0.pool.pids()
    }
}

/// A running host, as seen by its caller.
pub struct Host {
    shared: Arc<Shared>,
    /// Offer and order subscriptions, made at registration and consumed by `serve`.
    subs: Option<(async_nats::Subscriber, async_nats::Subscriber)>,
}

impl Host {
    /// This host's id.
    pub fn host_id(&self) -> &Token {
        &self.shared.host_id
    }

    /// The plugin id the coordinator assigned.
    pub fn plugin_id(&self) -> Token {
        self.shared.plugin_id.clone()
    }

    /// A handle on the host's warm instance processes, which keeps working once
    /// [`Host::serve`] has taken the host.
    pub fn warm_watch(&self) -> WarmWatch {
        WarmWatch(self.shared.clone())
    }

    /// Links open now (accepted and serving).
    pub fn link_count(&self) -> usize {
        let links = self.shared.links.lock().expect("lock");
        links.values().filter(|s| s.running().is_some()).count()
    }

    /// Connects to `profile`'s broker as a host — control and link traffic each on its
    /// own connection — and registers (see [`Host::register_split`]). `retry` keeps
    /// trying the first connection (long-running hosts started before their broker).
    pub async fn connect(
        profile: &crate::connect::Profile,
        config: HostConfig,
        retry: bool,
    ) -> Result<Host, HostError> {
        Self::connect_bridged(profile, config, retry, None).await
    }

    /// [`Host::connect`], its links served by `bridge` (when given) instead of instance
    /// processes.
    pub async fn connect_bridged(
        profile: &crate::connect::Profile,
        config: HostConfig,
        retry: bool,
        bridge: Option<Arc<dyn Bridge>>,
    ) -> Result<Host, HostError> {
        use crate::connect::ConnectOptions;
        let key = plugin_key(profile, &config)?;
        let caller = config.caller();
        let open = |data: bool| {
            let opts = ConnectOptions::named("host");
            let opts = if retry { opts.retry_initial() } else { opts };
            crate::connect::connect_as(profile, &caller, data, &key, opts)
        };
        let control = open(false).await?;
        let data = open(true).await?;
        Self::register_with(control, data, config, bridge).await
    }

    /// Registers with the coordinator; the host then serves after [`Host::serve`].
    /// Control and link traffic share `client`; see [`Host::register_split`].
    pub async fn register(
        client: async_nats::Client,
        config: HostConfig,
    ) -> Result<Host, HostError> {
        Self::register_split(client.clone(), client, config).await
    }

    /// Registers with control traffic on `control` (connected as `host/<id>`, see
    /// [`HostConfig::caller`]) and link traffic on `data`, so a flood of frames
    /// cannot starve heartbeats. The process becomes its instances' subreaper, so
    /// descendants that escape an instance's process group can still be stopped.
    pub async fn register_split(
        control: async_nats::Client,
        data: async_nats::Client,
        config: HostConfig,
    ) -> Result<Host, HostError> {
        Self::register_with(control, data, config, None).await
    }

    async fn register_with(
        control: async_nats::Client,
        data: async_nats::Client,
        config: HostConfig,
        bridge: Option<Arc<dyn Bridge>>,
    ) -> Result<Host, HostError> {
        if bridge.is_none() {
            crate::sys::become_subreaper();
        }
        let host_id = config.host_id.clone();
        let caller = config.caller();
        let plugin_id = subject::plugin_id_for(&config.metadata.name);
        let warm = if bridge.is_some() { 0 } else { config.warm };
        let shared = Arc::new(Shared {
            client: control,
            caller,
            data,
            budget: flow::Budget::default(),
            config,
            host_id,
            plugin_id,
            links: Mutex::new(HashMap::new()),
            lease_ms: AtomicU64::new(0),
            endings: TaskTracker::new(),
            pool: pool::Pool::new(warm),
            bridge,
        });
        let (pid, _) = shared.register().await?;
        let offers = shared.subscribe_offers(&pid).await?;
        let subject = subject::host_ctl(&pid, &shared.host_id);
        let orders = shared
            .client
            .subscribe(subject.clone())
            .await
            .map_err(|e| HostError::Subscribe {
                subject,
                message: e.to_string(),
            })?;
        // A round trip on this connection: the broker has processed both SUBs once it
        // answers, so an offer sent after `register` returns finds this host.
        shared
            .heartbeat()
            .await
            .map_err(|source| HostError::Register {
                name: shared.config.metadata.name.clone(),
                source,
            })?;
        Ok(Host {
            shared,
            subs: Some((offers, orders)),
        })
    }

    /// Serves offers and close orders until `shutdown`, then stops every instance,
    /// tells their sessions and deregisters.
    pub async fn serve(mut self, shutdown: CancellationToken) -> Result<(), HostError> {
        let s = self.shared.clone();
        let (mut offers, mut orders) = self.subs.take().expect("subscribed at registration");
        let pid = self.plugin_id();
        let beat = tokio::spawn(heartbeats(self.shared.clone(), shutdown.clone()));
        self.shared.refill();
        let trim = tokio::spawn(release_after_bursts(self.shared.budget.clone()));
        tracing::info!(plugin = %s.config.metadata.name, plugin_id = %pid, host_id = %s.host_id, "host serving");

        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                Some(msg) = offers.next() => {
                    let shared = self.shared.clone();
                    tokio::spawn(shared.on_request(msg));
                }
                Some(msg) = orders.next() => {
                    let shared = self.shared.clone();
                    tokio::spawn(shared.on_request(msg));
                }
            }
        }
        beat.abort();
        trim.abort();
        self.shared.pool.clear().await;
        let _ = crate::runtime::within(Duration::from_secs(1), offers.unsubscribe()).await;
        self.shared
            .stop_all(CloseReason::new(
                CloseCode::HostStopping,
                "the plugin's host is shutting down",
            ))
            .await;
        let dereg = CtlRequest::PluginDeregister(HostRef {
            plugin_id: pid,
            host_id: s.host_id.clone(),
        });
        if let Err(e) = ctl::call(&s.client, &s.caller, dereg, Duration::from_secs(3)).await {
            tracing::warn!("deregistering failed (the lease will expire instead): {e}");
        }
        // Bounded: on a dead broker `flush` would wait forever.
        crate::runtime::flush_within(&s.data, Duration::from_secs(2)).await;
        crate::runtime::flush_within(&s.client, Duration::from_secs(2)).await;
        Ok(())
    }
}

impl Shared {
    /// Fills the warm pool, forking off the runtime's threads (nothing when it keeps none).
    fn refill(self: &Arc<Self>) {
        if self.pool.size() > 0 {
            let me = self.clone();
            tokio::task::spawn_blocking(move || me.pool.fill(&me.config.command));
        }
    }

    async fn subscribe_offers(&self, pid: &Token) -> Result<async_nats::Subscriber, HostError> {
        let subject = subject::plugin_link(pid);
        self.client
            .queue_subscribe(subject.clone(), subject::HOST_QUEUE.into())
            .await
            .map_err(|e| HostError::Subscribe {
                subject,
                message: e.to_string(),
            })
    }

    async fn heartbeat(&self) -> Result<(), CtlError> {
        let hb = CtlRequest::PluginHeartbeat(Heartbeat {
            plugin_id: self.plugin_id(),
            host_id: self.host_id.clone(),
            links: self.links.lock().expect("lock").len() as u32,
        });
        let lease = Duration::from_millis(self.lease_ms.load(Ordering::Relaxed).max(300));
        ctl::call(&self.client, &self.caller, hb, lease / 3)
            .await
            .map(|_| ())
    }

    async fn register(&self) -> Result<(Token, Duration), HostError> {
        let req = CtlRequest::PluginRegister(Register {
            host_id: self.host_id.clone(),
            metadata: self.config.metadata.clone(),
            capacity: self.config.capacity,
        });
        let name = self.config.metadata.name.clone();
        match ctl::call(&self.client, &self.caller, req, ctl::CTL_TIMEOUT).await {
            Ok(CtlReply::PluginRegistered(r)) => {
                self.lease_ms.store(r.lease_ms, Ordering::Relaxed);
                Ok((r.plugin_id, Duration::from_millis(r.lease_ms)))
            }
            Ok(other) => Err(HostError::Register {
                name,
                source: ctl::unexpected("plugin.register", &other),
            }),
            Err(source) => Err(HostError::Register { name, source }),
        }
    }

    fn plugin_id(&self) -> Token {
        self.plugin_id.clone()
    }

    /// Answers a coordinator request (offers arrive on both subjects, orders on ours).
    async fn on_request(self: Arc<Self>, msg: async_nats::Message) {
        let (id, reply) = match wire::decode::<HostRequest>(&msg.payload, link::MAX_CONTROL) {
            Ok(Envelope {
                id,
                msg: HostRequest::LinkOffer(offer),
            }) => (id, self.offer(offer).await),
            Ok(Envelope {
                id,
                msg: HostRequest::LinkClose(order),
            }) => (id, self.close_order(order).await),
            Err(e) => (e.request_id(), HostReply::Error(ErrorBody::from(&e))),
        };
        if let Some(to) = msg.reply {
            let _ = self
                .client
                .publish(to, wire::encode(&Envelope::with_id(id, reply)).into())
                .await;
        }
    }

    /// Starts an instance for the offer if there is capacity.
    async fn offer(self: &Arc<Self>, offer: crate::api::control::LinkOffer) -> HostReply {
        let lid = offer.link_id.clone();
        // Take the slot first, under the one lock, so concurrent offers cannot overshoot
        // the capacity and an offer repeated for a link already here starts nothing.
        {
            let mut links = self.links.lock().expect("lock");
            if links.contains_key(&lid) {
                return HostReply::Error(ErrorBody::new(
                    ErrorCode::BadRequest,
                    format!("link {lid} is already on this host"),
                ));
            }
            if links.len() >= self.config.capacity as usize {
                let why = format!(
                    "host {} is at capacity ({} links)",
                    self.host_id, self.config.capacity
                );
                return HostReply::LinkDeclined(Declined {
                    host_id: self.host_id.clone(),
                    reason: ErrorBody::new(ErrorCode::AtCapacity, why),
                });
            }
            links.insert(lid.clone(), Slot::Starting);
        }
        let started = match &self.bridge {
            Some(b) => {
                b.start(self.data.clone(), self.config.link.clone(), offer)
                    .await
            }
            None => {
                let started = link::start(
                    self.data.clone(),
                    &self.config,
                    offer,
                    self.budget.clone(),
                    &self.pool,
                )
                .await;
                // The slot taken is refilled once this link no longer waits.
                self.refill();
                started
            }
        };
        match started {
            Ok((handle, ended)) => {
                self.links
                    .lock()
                    .expect("lock")
                    .insert(lid.clone(), Slot::Running(handle));
                let me = self.clone();
                self.endings.spawn(async move {
                    let reason = ended.await.unwrap_or_else(|_| {
                        CloseReason::new(CloseCode::InstanceCrashed, "the link supervisor failed")
                    });
                    me.link_ended(lid, reason).await;
                });
                HostReply::LinkAccepted(HostRef {
                    plugin_id: self.plugin_id(),
                    host_id: self.host_id.clone(),
                })
            }
            Err(e) => {
                self.links.lock().expect("lock").remove(&lid);
                tracing::warn!(link = %lid, "starting an instance failed: {}", e.message);
                HostReply::Error(e)
            }
        }
    }

    /// Stops a link's instance; answers once it is reaped.
    async fn close_order(&self, order: crate::api::control::LinkCloseOrder) -> HostReply {
        let handle = self
            .links
            .lock()
            .expect("lock")
            .get(&order.link_id)
            .and_then(Slot::running)
            .cloned();
        match handle {
            Some(h) => {
                h.close(order.reason).await;
                HostReply::Ok(Empty {})
            }
            None => HostReply::Error(ErrorBody::new(
                ErrorCode::NotFound,
                format!("no link {} on this host", order.link_id),
            )),
        }
    }

    async fn link_ended(&self, lid: Token, reason: CloseReason) {
        self.links.lock().expect("lock").remove(&lid);
        tracing::info!(link = %lid, code = ?reason.code, "link closed: {reason}");
        let report = CtlRequest::LinkClosed(LinkClosedReport {
            link_id: lid,
            host_id: self.host_id.clone(),
            reason,
        });
        if let Err(e) = ctl::call(&self.client, &self.caller, report, Duration::from_secs(5)).await
        {
            tracing::warn!("reporting a closed link to the coordinator failed: {e}");
        }
    }

    /// Closes every link; returns once each instance is reaped and its session told.
    async fn close_links(&self, reason: CloseReason) {
        let handles: Vec<LinkHandle> = {
            let links = self.links.lock().expect("lock");
            links.values().filter_map(Slot::running).cloned().collect()
        };
        futures::future::join_all(handles.iter().map(|h| h.close(reason.clone()))).await;
    }

    /// Closes every link and waits until each instance has exited and been reported.
    async fn stop_all(&self, reason: CloseReason) {
        self.close_links(reason).await;
        // Each link's end task reaps, tells the session and reports to the coordinator.
        self.endings.close();
        self.endings.wait().await;
    }
}

/// Returns the memory of a burst to the system once the host's links have gone quiet
/// (at least `BURST` relayed, then `QUIET` seconds without traffic: a pause between
/// bursts of a stream must not make the next one fault its buffers in again).
async fn release_after_bursts(budget: flow::Budget) {
    const BURST: u64 = 64 << 20;
    const QUIET: u32 = 5;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let (mut trimmed_at, mut last, mut quiet) = (0u64, 0u64, 0u32);
    loop {
        tick.tick().await;
        let now = budget.relayed();
        quiet = if now == last { quiet + 1 } else { 0 };
        if quiet >= QUIET && now - trimmed_at >= BURST {
            crate::sys::release_memory();
            trimmed_at = now;
        }
        last = now;
    }
}

/// Renews the lease at a third of its length; re-registers if the coordinator forgot us.
async fn heartbeats(shared: Arc<Shared>, shutdown: CancellationToken) {
    let lease = Duration::from_millis(shared.lease_ms.load(Ordering::Relaxed).max(300));
    let mut tick = tokio::time::interval(lease / 3);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = tick.tick() => {}
        }
        match shared.heartbeat().await {
            Ok(_) => {}
            Err(CtlError::Refused(e)) if e.code == ErrorCode::NotFound => {
                tracing::warn!("coordinator does not know this host any more; registering again");
                // The coordinator dropped this host (lease expired or connection lost) and
                // told its sessions: those links are over, stop their instances.
                let reason = CloseReason::new(
                    CloseCode::HostLost,
                    "the coordinator lost contact with the plugin's host",
                );
                shared.close_links(reason).await;
                if let Err(e) = shared.register().await {
                    tracing::warn!("re-registering failed: {e}");
                }
            }
            Err(e) => tracing::warn!("heartbeat failed: {e}"),
        }
    }
}
