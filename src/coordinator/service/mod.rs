//! The coordinator as a NATS service (`nts-coordinator`, endpoints
//! `nts.v1.ctl.<role>.<a>.<b>.<kind>`: the caller's identity, then the request kind).
//!
//! Each request is checked against its caller (read from the subject, which the broker
//! lets only that caller publish to), decoded, applied to the [`Registry`] under a short lock (never held
//! across an await), answered, and its effects published. `link.open` is the one request
//! that waits on a host; it runs in its own task so the control plane stays responsive.

mod links;
mod watchers;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_nats::service::ServiceExt;
use bytes::Bytes;
use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use super::callout::{Callout, Revocations};
use super::state::{Effect, Registry};
use super::store::Store;
use crate::api::control::SessionOpened;
use crate::api::control::{CtlReply, CtlRequest, LinkClosedReport};
use crate::api::{Empty, ErrorBody, ErrorCode};
use crate::connect::ticket::{Claims, TicketKey, TicketKind};
use crate::wire::caller::Caller;
use crate::wire::subject::{self, Token};
use crate::wire::{self, Envelope};

/// How long the leader lease lasts without renewal: a standby takes over within it.
pub const LEADER_LEASE: Duration = Duration::from_secs(1);

/// Largest control request accepted.
pub const MAX_CTL_REQUEST: usize = 1024 * 1024;

/// Coordinator settings.
#[derive(Debug, Clone)]
pub struct CoordinatorConfig {
    /// Host lease length (hosts heartbeat at a third of it).
    pub lease: Duration,
    /// How long a room member may be without a room connection before it is removed.
    pub member_grace: Duration,
    /// Control requests per second each caller may send, sustained and at once (`None`:
    /// unlimited, for benchmarks).
    pub rate_limit: Option<(f64, f64)>,
    /// Signs the member tickets `session.open` and `session.join` hand out (without one,
    /// members get no ticket and cannot connect through the callout).
    pub tickets: Option<Arc<TicketKey>>,
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
            tickets: None,
            member_grace: super::state::MEMBER_GRACE,
            rate_limit: Some((super::limits::RATE, super::limits::BURST)),
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
    /// The auth callout this coordinator answers (its connection and keys), if any.
    callout: Option<(async_nats::Client, Arc<Callout>)>,
    /// Members who left and tickets the operator revoked: the callout refuses them.
    revocations: Revocations,
    /// Control requests per caller (`None`: unlimited).
    limits: Option<Arc<Mutex<super::limits::RateLimits>>>,
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
        let limits = config
            .rate_limit
            .map(|(rate, burst)| Arc::new(Mutex::new(super::limits::RateLimits::new(rate, burst))));
        let state = Arc::new(Mutex::new(
            Registry::new(config.lease).with_member_grace(config.member_grace),
        ));
        Coordinator {
            client,
            state,
            config,
            system: None,
            callout: None,
            revocations: Revocations::default(),
            limits,
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

    /// Also answers the broker's auth callout on `auth` (the `auth` user's connection):
    /// every coordinator does, the standby too, since the decision needs only the keys.
    pub fn with_callout(mut self, auth: async_nats::Client, mut callout: Callout) -> Self {
        callout.revoked = self.revocations.clone();
        self.callout = Some((auth, Arc::new(callout)));
        self
    }

    /// Serves until `shutdown`. With a store, first waits for the leader lease and loads
    /// the stored state. [`Coordinator::status`] turns `Active` once the endpoints answer.
    pub async fn run(self, shutdown: CancellationToken) -> Result<(), CoordinatorError> {
        let callout = match self.callout.clone() {
            Some((auth, keys)) => {
                let requests = auth
                    .queue_subscribe(
                        super::callout::REQUEST_SUBJECT,
                        super::callout::QUEUE.into(),
                    )
                    .await
                    .map_err(|e| {
                        CoordinatorError::Service(format!("subscribing to the auth callout: {e}"))
                    })?;
                // One round trip: the broker has the SUB before anyone is told we are up.
                crate::runtime::flush_within(&auth, Duration::from_secs(5)).await;
                Some(tokio::spawn(super::callout::serve(
                    auth,
                    requests,
                    keys,
                    shutdown.clone(),
                )))
            }
            None => None,
        };
        // What any coordinator revoked reaches every coordinator's callout.
        let watch = match self.store.clone() {
            Some((store, _)) => Some(tokio::spawn(
                store.watch_revocations(self.revocations.clone()),
            )),
            None => None,
        };
        let result = self.serve(shutdown).await;
        for task in callout.into_iter().chain(watch) {
            task.abort();
        }
        result
    }

    async fn serve(mut self, shutdown: CancellationToken) -> Result<(), CoordinatorError> {
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
                for (id, until) in self.lock().revocations() {
                    self.revocations.revoke(id.clone(), until);
                }
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
                    .endpoint_builder()
                    .name(kind)
                    .add(subject::ctl_endpoint(kind))
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
                .request(
                    Caller::operator("coordinator").ctl("plugin.list"),
                    probe.into(),
                )
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
                        // Member leases need the broker's connect events to be fair.
                        let members = sweeper.system.is_some();
                        let effects = sweeper.with("lease sweep", |s| {
                            s.prune_revoked(crate::connect::ticket::unix_now());
                            let mut fx = s.expire(Instant::now());
                            if members {
                                fx.extend(s.expire_members(Instant::now()));
                            }
                            fx
                        }).unwrap_or_default();
                        sweeper.apply(effects).await;
                    }
                }
            }
        });

        let watcher = match self.system.clone() {
            Some(sys) => {
                let events = |e: async_nats::SubscribeError| {
                    CoordinatorError::Service(format!("subscribing to broker events: {e}"))
                };
                // One subscription for both kinds, so a connection's connect and
                // disconnect arrive in the order the server sent them.
                let advisories = sys.subscribe("$SYS.ACCOUNT.*.*").await.map_err(events)?;
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
                    self.reconcile_connections(&sys).await;
                }
                Some(tokio::spawn(self.clone().watch_connections(advisories)))
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

    async fn handle(&self, req: async_nats::service::Request) {
        // The broker let this connection publish only under its own name: the subject
        // says who is asking.
        let Some((caller, endpoint)) = Caller::of_ctl(&req.message.subject) else {
            return;
        };
        let endpoint = endpoint.to_string();
        if let Err(wait) = self.rate_limit(&caller) {
            let e = ErrorBody::new(
                ErrorCode::RateLimited,
                format!(
                    "too many control requests from {}: try again in {} ms",
                    caller.connection_name(false),
                    wait.as_millis().max(1)
                ),
            );
            tracing::info!(endpoint, caller = %caller.connection_name(false), "rate limited");
            // Only the id, to answer: a refused request is not decoded.
            let id = wire::skim::envelope_head(&req.message.payload).map_or(0, |(id, _)| id);
            respond(&req, id, Err(e)).await;
            return;
        }
        let (id, result) = match wire::decode::<CtlRequest>(&req.message.payload, MAX_CTL_REQUEST) {
            Ok(env) if wire::Message::kind(&env.msg).as_str() != endpoint => (
                env.id,
                Err(ErrorBody::new(
                    ErrorCode::BadRequest,
                    format!(
                        "kind {:?} sent to endpoint {endpoint:?}: send each request to nts.v1.ctl.<role>.<id>.<id>.<kind>",
                        wire::Message::kind(&env.msg).as_str()
                    ),
                )),
            ),
            Ok(env) => (env.id, self.dispatch(&caller, env.msg).await),
            Err(e) => (e.request_id(), Err(ErrorBody::from(&e))),
        };
        if let Err(e) = &result {
            tracing::info!(endpoint, caller = %caller.connection_name(false), code = %e.code, "refused: {}", e.message);
        }
        respond(&req, id, result).await;
    }

    async fn dispatch(&self, caller: &Caller, req: CtlRequest) -> Result<CtlReply, ErrorBody> {
        let now = Instant::now();
        let kind = wire::Message::kind(&req).as_str();
        self.with(kind, |s| s.authorize(caller, &req))??;
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
                let (opened, fx) = self.with(kind, |s| s.open_session(&owner_of(caller), r))??;
                (CtlReply::SessionOpened(self.with_ticket(opened)), fx)
            }
            CtlRequest::SessionJoin(r) => {
                let (opened, fx) = self.with(kind, |s| s.join_session(&owner_of(caller), r))??;
                (CtlReply::SessionOpened(self.with_ticket(opened)), fx)
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
                let fx = if self
                    .order_close(&link.plugin_id, &link.host_id, order.clone())
                    .await
                {
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
            CtlRequest::TicketRevoke(r) => {
                let fx = self.with(kind, |s| s.revoke_ticket(r.id, r.until))?;
                (ok, fx)
            }
        };
        self.apply(effects).await;
        Ok(reply)
    }

    /// Counts one request of `caller` against its identity's bucket: a user's (over all its
    /// lobby connections), a member's, a host's.
    fn rate_limit(&self, caller: &Caller) -> Result<(), Duration> {
        let key = match caller {
            Caller::Lobby { user, .. } => format!("lobby.{user}"),
            other => other.connection_name(false),
        };
        match &self.limits {
            Some(limits) => limits
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take(&key, Instant::now()),
            None => Ok(()),
        }
    }

    /// `opened` with the new member's ticket: the credential of its room connection.
    fn with_ticket(&self, mut opened: SessionOpened) -> SessionOpened {
        if let Some(key) = &self.config.tickets {
            let mut claims = Claims::new(
                TicketKind::Member,
                opened.user_id.to_string(),
                super::state::MEMBER_TICKET,
            );
            claims.session_id = Some(opened.session_id.clone());
            claims.user_id = Some(opened.user_id.clone());
            opened.ticket = key.issue(&claims);
        }
        opened
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
        let (registry, bad) = Registry::restore(self.config.lease, records, Instant::now());
        for key in bad {
            tracing::error!(key, "skipping an unreadable stored record");
        }
        registry.with_member_grace(self.config.member_grace)
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
                Effect::Revoke { id, until, drop } => {
                    tracing::info!(id = %id, "revoked");
                    self.revocations.revoke(id, until);
                    // Permissions were fixed at connect: drop its connections too.
                    if let (Some(user), Some(sys)) = (drop, self.system.clone()) {
                        tokio::spawn(async move {
                            let n = watchers::kick(&sys, &user).await;
                            tracing::debug!(user = %user, connections = n, "dropped");
                        });
                    }
                    continue;
                }
                Effect::CloseLink {
                    plugin_id,
                    host_id,
                    order,
                } => {
                    let me = self.clone();
                    tokio::spawn(async move { me.order_close(&plugin_id, &host_id, order).await });
                    continue;
                }
            };
            if let Err(e) = self.client.publish(subject.clone(), payload.into()).await {
                tracing::warn!(subject, "publishing an event failed: {e}");
            }
        }
    }
}

/// The user a lobby caller is (per-user caps count by it).
fn owner_of(caller: &Caller) -> String {
    match caller {
        Caller::Lobby { user, .. } => user.to_string(),
        _ => String::new(),
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
