//! The coordinator as a NATS service (`nts-coordinator`, endpoints `nts.v1.ctl.<kind>`).
//!
//! Each request is decoded, applied to the [`Registry`] under a short lock (never held
//! across an await), answered, and its effects published. `link.open` is the one request
//! that waits on a host; it runs in its own task so the control plane stays responsive.
//!
//! Over 800 lines: the NATS service, the contained-operation wrapper and the broker-event watchers; the watchers (disconnect advisories, CONNZ) are the seam to split along next.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::service::ServiceExt;
use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::state::{Effect, Registry};
use super::store::Store;
use crate::api::control::{
    CtlReply, CtlRequest, HostReply, HostRequest, LinkClosedReport, LinkOffer,
};
use crate::api::link::{CloseCode, CloseReason};
use crate::api::{Empty, ErrorBody, ErrorCode};
use crate::wire::subject::{self, Token};
use crate::wire::{self, Envelope};

/// How long the leader lease lasts without renewal: a standby takes over within it.
pub const LEADER_LEASE: Duration = Duration::from_secs(1);

/// Most offers made for one `link.open` (the queue group, then single hosts).
const MAX_OFFERS: u64 = 9;

/// How one link offer went.
enum Offer {
    /// This host runs the instance.
    Accepted(Token),
    /// This host is full (or otherwise declined); others may not be.
    Declined(Token, ErrorBody),
    /// Nobody answered (a named host, or the whole queue group when `None`).
    Unreachable(Option<Token>, ErrorBody),
    /// The host tried and failed (e.g. the instance did not start); not retried.
    Failed(ErrorBody),
}

/// Largest control request accepted.
pub const MAX_CTL_REQUEST: usize = 1024 * 1024;

/// Coordinator settings.
#[derive(Debug, Clone)]
pub struct CoordinatorConfig {
    /// Host lease length (hosts heartbeat at a third of it).
    pub lease: Duration,
    /// Key plugins must present (empty: none).
    pub plugin_key: String,
    /// How long a host may take to start an instance and complete its handshake.
    pub offer_timeout: Duration,
    /// Testing only: panic inside the registry operation of the first request of this
    /// kind (`nts coordinator --inject-panic KIND`), to prove a failed operation is
    /// contained.
    pub inject_panic: Option<String>,
}

impl Default for CoordinatorConfig {
    fn default() -> Self {
        CoordinatorConfig {
            lease: Duration::from_secs(6),
            plugin_key: String::new(),
            offer_timeout: Duration::from_secs(15),
            inject_panic: None,
        }
    }
}

/// Why the coordinator stopped.
#[derive(Debug, thiserror::Error)]
pub enum CoordinatorError {
    /// The NATS service could not be started.
    #[error("starting the coordinator service failed: {0}")]
    Service(String),
}

crate::error::error_kind!(CoordinatorError => CoordinatorErrorKind {
    /// The NATS service could not be started.
    Service,
});

/// Where a coordinator is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Connecting, loading state.
    Starting,
    /// Another coordinator is active; waiting to take over.
    Standby,
    /// Serving requests.
    Active,
}

/// Queue of record batches for the store writer, each with its "durable" signal.
type Writer = tokio::sync::mpsc::UnboundedSender<(
    Vec<super::state::Change>,
    tokio::sync::oneshot::Sender<()>,
)>;

/// Whether the injected fault (`CoordinatorConfig::inject_panic`) already fired.
static INJECTED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The running coordinator's handle: cheap to clone.
#[derive(Clone)]
pub struct Coordinator {
    client: async_nats::Client,
    state: Arc<Mutex<Registry>>,
    config: CoordinatorConfig,
    /// A system-account connection for the broker's disconnect advisories, if available.
    system: Option<async_nats::Client>,
    /// Durable state and leadership, if configured.
    store: Option<(Store, Writer)>,
    /// This coordinator's id (in the leader lease).
    id: Token,
    status: Arc<tokio::sync::watch::Sender<Status>>,
    /// Set while the registry is rebuilt after a failed operation.
    reloading: Arc<std::sync::atomic::AtomicBool>,
}

impl Coordinator {
    /// A coordinator using `client` (connected as the coordinator role).
    pub fn new(client: async_nats::Client, config: CoordinatorConfig) -> Self {
        let state = Arc::new(Mutex::new(Registry::new(
            config.lease,
            config.plugin_key.clone(),
        )));
        Coordinator {
            client,
            state,
            config,
            system: None,
            store: None,
            id: Token::random(),
            status: Arc::new(tokio::sync::watch::channel(Status::Starting).0),
            reloading: Arc::new(std::sync::atomic::AtomicBool::new(false)),
        }
    }

    /// Keeps state in `store` (JetStream KV) and serves only while holding its leader
    /// lease: a standby coordinator with the same store takes over when this one dies.
    pub fn with_store(mut self, store: Store) -> Self {
        let writer = store.clone().writer();
        self.store = Some((store, writer));
        self
    }

    /// Follows this coordinator's status (standby, active).
    pub fn status(&self) -> tokio::sync::watch::Receiver<Status> {
        self.status.subscribe()
    }

    /// Sends the state changes made so far to the store and waits until they are durable.
    /// Taking and queueing happen under the state lock, so batches reach the store in the
    /// order the changes were made.
    async fn commit(&self) {
        let Some((_, writer)) = &self.store else {
            let _ = self.lock().take_changes();
            return;
        };
        let durable = {
            let mut state = self.lock();
            let changes = state.take_changes();
            if changes.is_empty() {
                return;
            }
            let (tx, rx) = tokio::sync::oneshot::channel();
            let _ = writer.send((changes, tx));
            rx
        };
        let _ = durable.await;
    }

    /// Also watches the broker's `$SYS` disconnect advisories (a connection as the system
    /// user): a host whose connection closes is treated as lost at once instead of when its
    /// lease runs out.
    pub fn with_broker_events(mut self, system: async_nats::Client) -> Self {
        self.system = Some(system);
        self
    }

    /// Serves until `shutdown`. With a store, first waits for the leader lease and loads
    /// the stored state. [`Coordinator::status`] turns `Active` once the endpoints answer.
    pub async fn run(mut self, shutdown: CancellationToken) -> Result<(), CoordinatorError> {
        let mut leadership = match self.store.clone() {
            Some((store, _)) => {
                let status = self.status.clone();
                let on_standby = move || {
                    status.send_replace(Status::Standby);
                };
                let lost = tokio::select! {
                    _ = shutdown.cancelled() => return Ok(()),
                    lead = store.lead(self.id.as_str(), LEADER_LEASE, on_standby) => lead.map_err(|e| CoordinatorError::Service(e.to_string()))?,
                };
                let records = store
                    .load()
                    .await
                    .map_err(|e| CoordinatorError::Service(e.to_string()))?;
                let count = records.len();
                self.state = Arc::new(Mutex::new(self.restore(records)));
                tracing::info!(records = count, "leader lease taken; state loaded");
                Some(lost)
            }
            None => None,
        };
        let service = self
            .client
            .service_builder()
            .description("nts control plane: plugin registry, sessions, presenters, links")
            .start(subject::COORDINATOR_SERVICE, env!("CARGO_PKG_VERSION"))
            .await
            .map_err(|e| CoordinatorError::Service(e.to_string()))?;
        let group = service.group(subject::CTL);
        let mut endpoints = Vec::new();
        for kind in <CtlRequest as wire::Message>::KINDS {
            endpoints.push(
                group
                    .endpoint(*kind)
                    .await
                    .map_err(|e| CoordinatorError::Service(e.to_string()))?,
            );
        }
        let mut requests = futures::stream::select_all(endpoints);

        // Readiness is one completed round trip, not a flush (the SUBs must be processed).
        let probe = wire::encode(&Envelope::event(CtlRequest::PluginList(Empty {})));
        let (tx, mut rx) = tokio::sync::oneshot::channel();
        let client = self.client.clone();
        tokio::spawn(async move {
            let r = client
                .request(subject::ctl("plugin.list"), probe.into())
                .await;
            let _ = tx.send(r.is_ok());
        });

        let sweeper = self.clone();
        let sweep_token = shutdown.clone();
        let sweep = tokio::spawn(async move {
            let mut tick = tokio::time::interval(sweeper.config.lease / 4);
            loop {
                tokio::select! {
                    _ = sweep_token.cancelled() => break,
                    _ = tick.tick() => {
                        let effects = sweeper.with("lease sweep", |s| s.expire(Instant::now())).unwrap_or_default();
                        sweeper.apply(effects).await;
                    }
                }
            }
        });

        let watcher = match self.system.clone() {
            Some(sys) => {
                let subscription =
                    sys.subscribe("$SYS.ACCOUNT.*.DISCONNECT")
                        .await
                        .map_err(|e| {
                            CoordinatorError::Service(format!("subscribing to broker events: {e}"))
                        })?;
                // One round trip: the SUB is in place before the coordinator reports ready.
                sys.request("$SYS.REQ.SERVER.PING", "".into())
                    .await
                    .map_err(|e| {
                        CoordinatorError::Service(format!(
                            "the broker's system account did not answer: {e}"
                        ))
                    })?;
                // Hosts restored from the store whose connections are gone (the whole
                // system restarted, or they died while no coordinator watched) are
                // dropped now, not when their restarted leases run out.
                if leadership.is_some() {
                    self.drop_disconnected_hosts(&sys).await;
                }
                Some(tokio::spawn(self.clone().watch_disconnects(subscription)))
            }
            None => None,
        };

        let mut probing = true;
        let lost = async {
            match leadership.as_mut() {
                Some(rx) => {
                    let _ = rx.wait_for(|held| !held).await;
                }
                None => std::future::pending::<()>().await,
            }
        };
        tokio::pin!(lost);
        let result = loop {
            tokio::select! {
                _ = shutdown.cancelled() => break Ok(()),
                _ = &mut lost => break Err(CoordinatorError::Service("another coordinator took the leader lease; stopping".into())),
                probe = &mut rx, if probing => {
                    probing = false;
                    if matches!(probe, Ok(true)) {
                        tracing::info!("coordinator active");
                        self.status.send_replace(Status::Active);
                    } else {
                        break Err(CoordinatorError::Service("the coordinator could not reach its own endpoints".into()));
                    }
                }
                req = requests.next() => {
                    let Some(req) = req else { break Ok(()) };
                    let me = self.clone();
                    tokio::spawn(async move { me.handle(req).await });
                }
            }
        };
        sweep.abort();
        if let Some(w) = watcher {
            w.abort();
        }
        let _ = crate::runtime::within(Duration::from_secs(2), service.stop()).await;
        if let Some((store, _)) = &self.store {
            // Let a standby take over now rather than when the lease runs out.
            store.resign(self.id.as_str()).await;
        }
        result
    }

    /// Asks every broker server for its host connections; removes the registered hosts
    /// that none of them has. Best effort: on no answer, the leases decide.
    async fn drop_disconnected_hosts(&self, sys: &async_nats::Client) {
        let known = self.with("restore", |s| s.host_ids()).unwrap_or_default();
        if known.is_empty() {
            return;
        }
        let Some(live) = live_host_connections(sys).await else {
            tracing::debug!("the broker did not list its connections; host leases will decide");
            return;
        };
        for host in known.into_iter().filter(|h| !live.contains(h)) {
            let effects = self
                .with("restore", |s| {
                    s.host_lost(
                        &host,
                        "the plugin's host is not connected to the broker any more",
                    )
                })
                .unwrap_or_default();
            tracing::info!(host = %host, "dropped a stored host that is not connected");
            self.apply(effects).await;
        }
    }

    /// Turns each host disconnect advisory into `host_lost`.
    async fn watch_disconnects(self, mut advisories: async_nats::Subscriber) {
        while let Some(msg) = advisories.next().await {
            let Some((host_id, reason)) = disconnected_host(&msg.payload) else {
                continue;
            };
            let why = format!("the plugin's host lost its broker connection ({reason})");
            let effects = self
                .with("host disconnect", |s| s.host_lost(&host_id, &why))
                .unwrap_or_default();
            // A host that deregistered first is already gone: nothing to say.
            if !effects.is_empty() {
                tracing::warn!(host = %host_id, "host disconnected from the broker ({reason})");
            }
            self.apply(effects).await;
        }
    }

    async fn handle(&self, req: async_nats::service::Request) {
        let endpoint = req
            .message
            .subject
            .as_str()
            .strip_prefix("nts.v1.ctl.")
            .unwrap_or_default()
            .to_string();
        let (id, result) = match wire::decode::<CtlRequest>(&req.message.payload, MAX_CTL_REQUEST) {
            Ok(env) if wire::Message::kind(&env.msg).as_str() != endpoint => (
                env.id,
                Err(ErrorBody::new(
                    ErrorCode::BadRequest,
                    format!(
                        "kind {:?} sent to endpoint {endpoint:?}: send each request to nts.v1.ctl.<kind>",
                        wire::Message::kind(&env.msg).as_str()
                    ),
                )),
            ),
            Ok(env) => (env.id, self.dispatch(env.msg).await),
            Err(e) => (e.request_id(), Err(ErrorBody::from(&e))),
        };
        if let Err(e) = &result {
            tracing::info!(endpoint, code = %e.code, "refused: {}", e.message);
        }
        respond(&req, id, result).await;
    }

    async fn dispatch(&self, req: CtlRequest) -> Result<CtlReply, ErrorBody> {
        let now = Instant::now();
        let kind = wire::Message::kind(&req).as_str();
        let ok = CtlReply::Ok(Empty {});
        let (reply, effects) = match req {
            CtlRequest::PluginRegister(r) => {
                let (reg, fx) = self.with(kind, |s| s.register(r, now))??;
                (CtlReply::PluginRegistered(reg), fx)
            }
            CtlRequest::PluginHeartbeat(hb) => {
                self.with(kind, |s| s.heartbeat(hb, now))??;
                (ok, vec![])
            }
            CtlRequest::PluginDeregister(r) => {
                let fx = self.with(kind, |s| s.deregister(r))?;
                (ok, fx)
            }
            CtlRequest::PluginList(_) => {
                (CtlReply::PluginList(self.with(kind, |s| s.list())?), vec![])
            }
            CtlRequest::SessionOpen(r) => {
                let (opened, fx) = self.with(kind, |s| s.open_session(r))??;
                (CtlReply::SessionOpened(opened), fx)
            }
            CtlRequest::SessionJoin(r) => {
                let (opened, fx) = self.with(kind, |s| s.join_session(r))??;
                (CtlReply::SessionOpened(opened), fx)
            }
            CtlRequest::SessionLeave(r) => {
                let fx = self.with(kind, |s| s.leave_session(r))??;
                (ok, fx)
            }
            CtlRequest::SessionPresenter(r) => {
                let fx = self.with(kind, |s| s.change_presenter(r))??;
                (ok, fx)
            }
            CtlRequest::LinkOpen(r) => return self.open_link(r).await,
            CtlRequest::LinkClose(r) => {
                let (link, order) = self.with(kind, |s| s.begin_close(&r))??;
                // A host that confirms reports `link.closed` itself, with the exit status;
                // for one that does not answer, the coordinator closes the link on its own.
                let fx = if self.order_close(&link.host_id, order.clone()).await {
                    vec![]
                } else {
                    self.with(kind, |s| {
                        s.link_closed(LinkClosedReport {
                            link_id: order.link_id,
                            host_id: link.host_id,
                            reason: order.reason,
                        })
                    })?
                };
                (ok, fx)
            }
            CtlRequest::LinkClosed(r) => {
                let fx = self.with(kind, |s| s.link_closed(r))?;
                (ok, fx)
            }
        };
        self.apply(effects).await;
        Ok(reply)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // Operations run inside `with`, which contains their panics: the lock is never
        // poisoned by one, and would not stop service if it were.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs one registry operation. A panic inside it is contained: the caller gets an
    /// `internal` error, the rest of the coordinator keeps serving, and the registry is
    /// rebuilt from the store (the state before the failed operation), since the panic
    /// may have left it half-changed.
    fn with<T>(&self, op: &str, f: impl FnOnce(&mut Registry) -> T) -> Result<T, ErrorBody> {
        use std::sync::atomic::Ordering;
        if self.reloading.load(Ordering::SeqCst) {
            return Err(ErrorBody::new(
                ErrorCode::Unavailable,
                "the coordinator is rebuilding its state after an internal error; try again in a moment",
            ));
        }
        let inject = self.config.inject_panic.as_deref() == Some(op)
            && !INJECTED.swap(true, Ordering::SeqCst);
        let mut state = self.lock();
        let result = crate::runtime::contain(|| {
            if inject {
                panic!("injected fault in {op}");
            }
            f(&mut state)
        });
        if result.is_err() {
            // What the failed operation changed must not reach the store.
            let _ = state.take_changes();
            if self.store.is_some() {
                self.reloading.store(true, Ordering::SeqCst);
            }
        }
        drop(state);
        result.map_err(|what| {
            tracing::error!(
                "an internal error in {op} was contained ({what}); rebuilding the registry"
            );
            self.reload();
            ErrorBody::new(
                ErrorCode::Internal,
                format!("the coordinator failed handling {op} (an internal error, logged); nothing was changed, try again"),
            )
        })
    }

    /// A registry rebuilt from stored records (unreadable ones are logged and skipped).
    fn restore(&self, records: Vec<(String, Vec<u8>)>) -> Registry {
        let (registry, bad) = Registry::restore(
            self.config.lease,
            self.config.plugin_key.clone(),
            records,
            Instant::now(),
        );
        for key in bad {
            tracing::error!(key, "skipping an unreadable stored record");
        }
        registry
    }

    /// Rebuilds the registry from the store after a contained panic; without a store
    /// the in-memory state is kept as it is.
    fn reload(&self) {
        use std::sync::atomic::Ordering;
        let Some((store, _)) = self.store.clone() else {
            return;
        };
        let me = self.clone();
        tokio::spawn(async move {
            loop {
                match crate::runtime::within(Duration::from_secs(10), store.load())
                    .await
                    .unwrap_or_else(|| {
                        Err(super::store::StoreError::Unavailable(
                            "loading the records took over 10 s".into(),
                        ))
                    }) {
                    Ok(records) => {
                        *me.lock() = me.restore(records);
                        me.reloading.store(false, Ordering::SeqCst);
                        tracing::info!("registry rebuilt from the store; serving again");
                        return;
                    }
                    Err(e) => {
                        tracing::warn!("rebuilding the registry failed: {e}; retrying");
                        tokio::time::sleep(Duration::from_millis(500)).await;
                    }
                }
            }
        });
    }

    /// Offers the link to the plugin's hosts until one accepts: first to the queue group
    /// (the broker picks a host), then, after a decline, directly to the hosts that still
    /// have spare capacity, most spare first.
    async fn open_link(&self, req: crate::api::control::LinkOpen) -> Result<CtlReply, ErrorBody> {
        let offer = self.with("link.open", |s| s.begin_link(req))??;
        let mut tried: Vec<Token> = Vec::new();
        let mut subject = subject::plugin_link(&offer.plugin_id);
        let mut last = ErrorBody::new(
            ErrorCode::AtCapacity,
            "every host of this plugin is at capacity; try again later",
        );
        for attempt in 1..=MAX_OFFERS {
            match self.offer_once(&subject, &offer, attempt).await {
                Offer::Accepted(host_id) => return self.finish_link(&offer, host_id).await,
                Offer::Declined(host_id, reason) => {
                    tried.push(host_id);
                    last = reason;
                }
                Offer::Unreachable(host_id, reason) if host_id.is_some() => {
                    tried.extend(host_id);
                    last = reason;
                }
                Offer::Unreachable(_, reason) | Offer::Failed(reason) => return Err(reason),
            }
            let next = self
                .with("link.open", |s| s.candidates(&offer.plugin_id, &tried))?
                .into_iter()
                .next();
            match next {
                Some(host) => subject = subject::host_ctl(&host),
                None => break,
            }
        }
        Err(last)
    }

    /// Records an accepted link; if the session went away meanwhile, stops the instance.
    async fn finish_link(&self, offer: &LinkOffer, host_id: Token) -> Result<CtlReply, ErrorBody> {
        let completed = self
            .with("link.open", |s| s.complete_link(offer, host_id.clone()))
            .and_then(|r| r);
        match completed {
            Ok((opened, fx)) => {
                self.apply(fx).await;
                Ok(CtlReply::LinkOpened(opened))
            }
            Err(e) => {
                let reason = CloseReason::new(CloseCode::SessionClosed, e.message.clone());
                let order = crate::api::control::LinkCloseOrder {
                    link_id: offer.link_id.clone(),
                    reason,
                };
                self.order_close(&host_id, order).await;
                Err(e)
            }
        }
    }

    /// One offer on `subject` (the queue group or one host).
    async fn offer_once(&self, subject: &str, offer: &LinkOffer, attempt: u64) -> Offer {
        let payload = wire::encode(&Envelope::with_id(
            attempt,
            HostRequest::LinkOffer(offer.clone()),
        ));
        let request = async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(self.config.offer_timeout));
        let host = subject
            .strip_prefix("nts.v1.host.")
            .and_then(|r| r.strip_suffix(".ctl"))
            .and_then(|h| Token::new(h).ok());
        let msg = match self.client.send_request(subject.to_string(), request).await {
            Ok(msg) => msg,
            Err(e) => {
                use async_nats::RequestErrorKind as K;
                let body = match e.kind() {
                    K::NoResponders => ErrorBody::new(
                        ErrorCode::Unavailable,
                        "the plugin has no running host; start the plugin and try again",
                    ),
                    K::TimedOut => ErrorBody::new(
                        ErrorCode::Timeout,
                        format!(
                            "the plugin's host did not start an instance within {:?}",
                            self.config.offer_timeout
                        ),
                    ),
                    _ => ErrorBody::new(
                        ErrorCode::Unavailable,
                        format!("offering the link failed: {e}"),
                    ),
                };
                return Offer::Unreachable(host, body);
            }
        };
        match wire::decode::<HostReply>(&msg.payload, MAX_CTL_REQUEST) {
            Ok(Envelope {
                msg: HostReply::LinkAccepted(h),
                ..
            }) => Offer::Accepted(h.host_id),
            Ok(Envelope {
                msg: HostReply::LinkDeclined(d),
                ..
            }) => Offer::Declined(d.host_id, d.reason),
            Ok(Envelope {
                msg: HostReply::Error(e),
                ..
            }) => Offer::Failed(e),
            Ok(other) => Offer::Failed(ErrorBody::new(
                ErrorCode::Internal,
                format!(
                    "host answered the offer with {:?}",
                    wire::Message::kind(&other.msg).as_str()
                ),
            )),
            Err(e) => Offer::Failed(ErrorBody::new(
                ErrorCode::Internal,
                format!("host sent a bad reply: {e}"),
            )),
        }
    }

    /// Asks a host to stop a link's instance; waits for its answer (bounded). Returns
    /// whether the host confirmed.
    async fn order_close(
        &self,
        host_id: &Token,
        order: crate::api::control::LinkCloseOrder,
    ) -> bool {
        let payload = wire::encode(&Envelope::event(HostRequest::LinkClose(order)));
        let request = async_nats::Request::new()
            .payload(payload.into())
            .timeout(Some(self.config.offer_timeout));
        match self
            .client
            .send_request(subject::host_ctl(host_id), request)
            .await
        {
            Ok(reply) => matches!(
                wire::decode::<HostReply>(&reply.payload, MAX_CTL_REQUEST),
                Ok(Envelope {
                    msg: HostReply::Ok(_),
                    ..
                })
            ),
            Err(e) => {
                tracing::warn!(host = %host_id, "host did not confirm closing a link: {e}");
                false
            }
        }
    }

    /// Makes the state changes so far durable, then publishes effects (close orders run
    /// in the background). Every mutation path ends here, before its reply.
    async fn apply(&self, effects: Vec<Effect>) {
        self.commit().await;
        for effect in effects {
            let (subject, payload) = match effect {
                Effect::Event { subject, event } => {
                    (subject, wire::encode(&Envelope::event(event)))
                }
                Effect::ToPlugin { subject, msg } => (subject, wire::encode(&Envelope::event(msg))),
                Effect::ToSession { subject, msg } => {
                    (subject, wire::encode(&Envelope::event(msg)))
                }
                Effect::CloseLink { host_id, order } => {
                    let me = self.clone();
                    tokio::spawn(async move { me.order_close(&host_id, order).await });
                    continue;
                }
            };
            if let Err(e) = self.client.publish(subject.clone(), payload.into()).await {
                tracing::warn!(subject, "publishing an event failed: {e}");
            }
        }
    }
}

/// Answers a request: an envelope with the reply, or an `error` envelope plus the NATS
/// service error headers.
async fn respond(req: &async_nats::service::Request, id: u64, result: Result<CtlReply, ErrorBody>) {
    let mut headers = async_nats::HeaderMap::new();
    let reply = match result {
        Ok(r) => r,
        Err(e) => {
            headers.insert(
                "Nats-Service-Error",
                format!("{}: {}", e.code, e.message).as_str(),
            );
            headers.insert(
                "Nats-Service-Error-Code",
                e.code.status().to_string().as_str(),
            );
            CtlReply::Error(e)
        }
    };
    let payload = Bytes::from(wire::encode(&Envelope::with_id(id, reply)));
    if let Err(e) = req.respond_with_headers(Ok(payload), headers).await {
        tracing::warn!("answering a control request failed: {e}");
    }
}

/// The ids of hosts connected to any server of the broker (from each server's `CONNZ`
/// for the `host` user), or `None` if no server answered within a second.
async fn live_host_connections(
    sys: &async_nats::Client,
) -> Option<std::collections::HashSet<Token>> {
    #[derive(serde::Deserialize)]
    struct Reply {
        data: Connz,
    }
    #[derive(serde::Deserialize)]
    struct Connz {
        #[serde(default)]
        connections: Vec<Conn>,
    }
    #[derive(serde::Deserialize)]
    struct Conn {
        #[serde(default)]
        name: String,
    }
    let inbox = sys.new_inbox();
    let mut replies = sys.subscribe(inbox.clone()).await.ok()?;
    let filter = br#"{"user":"host","limit":100000}"#;
    sys.publish_with_reply(
        "$SYS.REQ.SERVER.PING.CONNZ",
        inbox,
        filter.as_slice().into(),
    )
    .await
    .ok()?;
    let mut live = std::collections::HashSet::new();
    let mut answered = false;
    // Every server answers; collect until they fall silent.
    let mut window = Duration::from_secs(1);
    while let Ok(Some(msg)) = tokio::time::timeout(window, replies.next()).await {
        window = Duration::from_millis(200);
        if msg.payload.len() > 64 << 20 {
            continue;
        }
        let Ok(reply) = serde_json::from_slice::<Reply>(&msg.payload) else {
            continue;
        };
        answered = true;
        live.extend(reply.data.connections.into_iter().filter_map(|c| {
            let id = c.name.strip_prefix(subject::HOST_CONNECTION_PREFIX)?;
            Token::new(id).ok()
        }));
    }
    answered.then_some(live)
}

/// The host id and reason in a `$SYS…DISCONNECT` advisory, if it is about a host.
fn disconnected_host(payload: &[u8]) -> Option<(Token, String)> {
    #[derive(serde::Deserialize)]
    struct Advisory {
        client: Client,
        #[serde(default)]
        reason: String,
    }
    #[derive(serde::Deserialize)]
    struct Client {
        #[serde(default)]
        name: String,
    }
    if payload.len() > MAX_CTL_REQUEST {
        return None;
    }
    let advisory: Advisory = serde_json::from_slice(payload).ok()?;
    let id = advisory
        .client
        .name
        .strip_prefix(subject::HOST_CONNECTION_PREFIX)?;
    Some((Token::new(id).ok()?, advisory.reason))
}

#[cfg(test)]
mod tests {
    use super::disconnected_host;

    #[test]
    fn reads_host_disconnect_advisories() {
        let adv = br#"{"type":"io.nats.server.advisory.v1.client_disconnect","client":{"acc":"NTS","user":"host","name":"host/abc123"},"reason":"Client Closed"}"#;
        let (host, reason) = disconnected_host(adv).unwrap();
        assert_eq!(
            (host.as_str(), reason.as_str()),
            ("abc123", "Client Closed")
        );
        assert!(disconnected_host(br#"{"client":{"name":"session"}}"#).is_none());
        assert!(disconnected_host(br#"{"client":{"name":"host/a.b"}}"#).is_none());
        assert!(disconnected_host(b"not json").is_none());
    }
}
