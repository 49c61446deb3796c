//! The session's router: one task that owns the session's state (links, workspace, menus,
//! macros, presenter), receives everything addressed to the session, delivers it to the
//! right link and answers plugin requests on the way. [`Session`](super::Session) and
//! [`Link`](super::Link) hold a cheap `Router` handle and send it `Command`s. The one
//! thing shared is each link's table of requests waiting for a reply (`Waiters`: one
//! lock, held for one map operation, never together with another), so a request costs
//! no round trip through this task; there is no lock order to get wrong.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use crate::api::ErrorBody;

use futures::StreamExt;
use tokio::sync::mpsc;

mod handle;
mod room;
mod route;
mod structures;

pub(crate) use handle::{Command, Router, Waiters};
use route::Route;

use super::files::FilesView;
use super::workspace::{Changes, SessionWorkspace};
use super::{LinkEvent, MAX_INBOUND};
use crate::api::PresenterInfo;
use crate::api::control::Event;
use crate::api::link::{CloseReason, ToPlugin, ToSession};
use crate::api::structure::Packed;
use crate::wire::subject::{self, Token};
use crate::wire::{self, Envelope};

/// Messages kept for links whose `link.open` reply has not arrived yet.
const MAX_EARLY: usize = 1024;

/// An event on its way to a [`super::Link`], holding its share of the link's budget
/// until the link takes it.
pub(crate) struct Delivery {
    pub(crate) event: LinkEvent,
    _held: Option<tokio::sync::OwnedSemaphorePermit>,
}

impl Delivery {
    fn new(event: LinkEvent) -> Self {
        Delivery { event, _held: None }
    }
}

/// Bytes of events a link may hold untaken before the router waits for it (counted in
/// KiB): with flow-control credit sent only after delivery, a slow reader holds its
/// plugin back instead of filling the session's memory.
const LINK_HOLD_KIB: usize = (crate::api::link::LINK_WINDOW / 1024) as usize;
/// How long the router waits for a link that holds its whole budget before delivering
/// anyway: a reader that is itself waiting on the router (a request to the plugin) must
/// not deadlock the session.
const LINK_HOLD_WAIT: std::time::Duration = std::time::Duration::from_secs(5);

static HOLD_EXCEEDED: crate::runtime::RateLimited =
    crate::runtime::RateLimited::new(std::time::Duration::from_secs(10));

struct Slot {
    tx: mpsc::Sender<Delivery>,
    /// KiB of delivered events the link has not taken yet may still hold.
    hold: Arc<tokio::sync::Semaphore>,
    /// The link's `to_plugin` subject, for session-originated events.
    to_plugin: String,
    /// The plugin it connects (macros are kept per plugin).
    plugin_id: Token,
    /// The link's view of the session's files, or why it has none.
    files: Result<Arc<Mutex<FilesView>>, crate::api::ErrorBody>,
    /// Requests this session sent the instance (ping, integration), by id.
    replies: Waiters,
}

#[derive(Default)]
struct Routes {
    links: HashMap<Token, Slot>,
    early: HashMap<Token, Vec<LinkEvent>>,
    early_count: usize,
    /// Links that ended; their late duplicates are dropped.
    closed: std::collections::HashSet<Token>,
}

/// The router task's state; only that task touches it.
struct Core {
    client: async_nats::Client,
    presenter: PresenterInfo,
    routes: Routes,
    workspace: SessionWorkspace,
    /// Chunked transfers in progress, per link: one plugin's transfers never evict
    /// another's.
    chunks: HashMap<Token, wire::chunk::Reassembler>,
    frames: FrameStats,
    macros: HashMap<Token, std::collections::BTreeMap<String, crate::api::room::Macro>>,
    /// Each link's menus, kept apart from `routes` because an instance may send its menu
    /// before the session has its `link.open` reply.
    menus: HashMap<Token, super::ui::SessionUi>,
    /// Flow-control credit owed to each link's host.
    credits: Credits,
    /// What the handles ask.
    commands: mpsc::Receiver<Command>,
}

/// Links whose flow-control counters are kept before closed ones are pruned.
const MAX_CREDITED_LINKS: usize = 256;

/// Bytes of a link taken in between two credits: an eighth of the host's window, so the
/// host rarely waits while the session keeps up.
const CREDIT_STEP: u64 = crate::api::link::LINK_WINDOW / 8;

/// Per link, the bytes received and the total last credited to its host.
#[derive(Default)]
struct Credits(HashMap<Token, (u64, u64)>);

impl Credits {
    /// Counts `len` bytes on `lid`; the running total when a credit is due.
    fn received(&mut self, lid: &Token, len: u64) -> Option<u64> {
        if !self.0.contains_key(lid) {
            self.0.insert(lid.clone(), (0, 0));
        }
        let (total, credited) = self.0.get_mut(lid)?;
        *total = total.saturating_add(len);
        (*total - *credited >= CREDIT_STEP).then(|| {
            *credited = *total;
            *total
        })
    }

    fn len(&self) -> usize {
        self.0.len()
    }

    fn retain(&mut self, keep: impl Fn(&Token) -> bool) {
        self.0.retain(|lid, _| keep(lid));
    }
}

/// Links whose menus one session keeps at most.
const MAX_MENU_LINKS: usize = 4096;

/// When stream frames arrived (for benchmarks and monitoring).
#[derive(Debug, Clone, Copy, Default)]
pub struct FrameStats {
    /// Frames applied.
    pub count: u64,
    /// First frame.
    pub first: Option<std::time::Instant>,
    /// Latest frame.
    pub last: Option<std::time::Instant>,
}

impl FrameStats {
    fn record(&mut self) {
        let now = std::time::Instant::now();
        self.count += 1;
        self.first.get_or_insert(now);
        self.last = Some(now);
    }
}

impl Core {
    fn new(
        client: async_nats::Client,
        presenter: PresenterInfo,
        commands: mpsc::Receiver<Command>,
    ) -> Self {
        Core {
            client,
            presenter,
            routes: Routes::default(),
            workspace: SessionWorkspace::default(),
            chunks: HashMap::new(),
            frames: FrameStats::default(),
            macros: HashMap::new(),
            menus: HashMap::new(),
            credits: Credits::default(),
            commands,
        }
    }

    /// Starts delivering a link's events, first those that arrived before its reply.
    fn add_link(
        &mut self,
        lid: Token,
        plugin_id: Token,
        to_plugin: String,
        files: Result<FilesView, ErrorBody>,
        tx: mpsc::Sender<Delivery>,
        replies: Waiters,
    ) {
        let r = &mut self.routes;
        if let Some(early) = r.early.remove(&lid) {
            r.early_count -= early.len();
            let closed = early.iter().any(|e| matches!(e, LinkEvent::Closed(_)));
            for e in early {
                let _ = tx.try_send(Delivery::new(e));
            }
            if closed {
                r.closed.insert(lid);
                return;
            }
        }
        r.links.insert(
            lid,
            Slot {
                tx,
                hold: Arc::new(tokio::sync::Semaphore::new(LINK_HOLD_KIB)),
                to_plugin,
                plugin_id,
                files: files.map(|v| Arc::new(Mutex::new(v))),
                replies,
            },
        );
    }

    /// Handles a UI message from a link, keeping that link's menus from its first one.
    fn handle_ui(
        &mut self,
        lid: &Token,
        msg: &ToSession,
    ) -> Option<Result<ToPlugin, crate::api::ErrorBody>> {
        let menus = &mut self.menus;
        if !menus.contains_key(lid) {
            let mut fresh = super::ui::SessionUi::default();
            let reply = fresh.handle(msg)?;
            if menus.len() >= MAX_MENU_LINKS {
                return Some(Err(crate::api::ErrorBody::new(
                    crate::api::ErrorCode::Unavailable,
                    "this session keeps menus for too many links",
                )));
            }
            menus.insert(lid.clone(), fresh);
            return Some(reply);
        }
        menus.get_mut(lid)?.handle(msg)
    }

    /// Carries out a handle's command.
    async fn command(&mut self, cmd: Command) {
        match cmd {
            Command::AddLink {
                lid,
                plugin_id,
                to_plugin,
                files,
                tx,
                waiters,
            } => self.add_link(lid, plugin_id, to_plugin, files, tx, waiters),
            Command::Presenter(tx) => {
                let _ = tx.send(self.presenter.clone());
            }
            Command::FrameStats(tx) => {
                let _ = tx.send(self.frames);
            }
            Command::Shapes(tx) => {
                let _ = tx.send(self.workspace.shapes().cloned().collect());
            }
            Command::Volumes(tx) => {
                let volumes = self.workspace.volumes();
                let _ = tx.send(volumes.iter().map(|(i, v)| (*i, v.clone())).collect());
            }
            Command::Workspace(tx) => {
                let _ = tx.send(self.workspace.workspace().clone());
            }
            Command::AddComplexes(complexes, tx) => {
                // Answered shallow: the complexes are in the workspace, and a copy of a
                // million atoms would double the session's memory for a moment.
                let added = self.workspace.insert(complexes).map(|slots| {
                    self.workspace.workspace().complexes[slots]
                        .iter()
                        .map(Packed::shallow)
                        .collect()
                });
                if added.is_ok() {
                    self.announce(None, Changes::added()).await;
                }
                let _ = tx.send(added);
            }
            Command::UpdateComplexes(complexes, tx) => {
                let msg = ToSession::StructuresUpdate(crate::api::link::StructuresUpdate {
                    deep: true,
                    complexes,
                });
                let answer = match self.workspace.handle(&msg) {
                    Some((Err(e), _)) => Err(e),
                    Some((Ok(_), changes)) => {
                        self.announce(None, changes).await;
                        Ok(())
                    }
                    None => Ok(()),
                };
                let _ = tx.send(answer);
            }
            Command::Menus(lid, tx) => {
                let menus = self.menus.get(&lid);
                let _ = tx.send(
                    menus
                        .map(|m| m.menus().cloned().collect())
                        .unwrap_or_default(),
                );
            }
            Command::RenderMenus(lid, tx) => {
                let _ = tx.send(self.menus.get(&lid).map(|m| m.render()).unwrap_or_default());
            }
            Command::Act(lid, action, tx) => {
                let events = match self.menus.get_mut(&lid) {
                    Some(ui) => ui.act(&action),
                    // No menu yet: the same answer as an empty set of menus (wait for one).
                    None => super::ui::SessionUi::default().act(&action),
                };
                let _ = tx.send(events);
            }
        }
    }

    /// Answers a plugin request (in chunks if it is larger than one message may be).
    async fn reply(&self, to: &str, id: u64, reply: Result<ToPlugin, crate::api::ErrorBody>) {
        let env = Envelope::with_id(id, reply.unwrap_or_else(ToPlugin::Error));
        if let Err(e) = super::publish_to_plugin(&self.client, to, &env).await {
            tracing::warn!("answering a plugin failed: {e}");
        }
    }

    /// Sends `complex_added` / `complex_removed` to every link of the session, and what
    /// else the change causes (hook events, reading stream frames) to links other than
    /// the one that made it.
    async fn announce(&mut self, origin: Option<&Token>, changes: Changes) {
        if changes == Changes::default() {
            return; // most requests (and every plain stream frame) change nothing to tell
        }
        let followups = self.workspace.followups(origin, &changes);
        for (lid, event) in followups {
            let to = self.routes.links.get(&lid).map(|s| s.to_plugin.clone());
            if let Some(to) = to
                && let Err(e) =
                    super::publish_to_plugin(&self.client, &to, &Envelope::event(event)).await
            {
                tracing::warn!(link = %lid, "sending a workspace event failed: {e}");
            }
        }
        let events = [
            (changes.added, ToPlugin::ComplexAdded(crate::api::Empty {})),
            (
                changes.removed,
                ToPlugin::ComplexRemoved(crate::api::Empty {}),
            ),
        ];
        let subjects: Vec<String> = self
            .routes
            .links
            .values()
            .map(|s| s.to_plugin.clone())
            .collect();
        for (happened, event) in events {
            if !happened {
                continue;
            }
            let bytes = bytes::Bytes::from(wire::encode(&Envelope::event(event)));
            for s in &subjects {
                let _ = self.client.publish(s.clone(), bytes.clone()).await;
            }
        }
    }

    async fn run(
        mut self,
        mut inbound: async_nats::Subscriber,
        mut events: async_nats::Subscriber,
    ) {
        loop {
            // Biased: commands first, so a reply's waiter is registered before the reply
            // (sent after the command was queued) is handled; a link's own `closed` (from
            // its host) before the coordinator's event about the same close, which the
            // broker delivers after it.
            tokio::select! {
                biased;
                Some(cmd) = self.commands.recv() => self.command(cmd).await,
                Some(msg) = inbound.next() => {
                    let Some(lid) = subject::link_id_of(&msg.subject) else {
                        continue;
                    };
                    let len = crate::api::link::credit_cost(msg.payload.len());
                    let from = msg.subject.clone();
                    self.on_inbound(lid.clone(), msg).await;
                    // Credit only what was handled: a session that falls behind holds
                    // its plugins back instead of being flooded.
                    if let Some(received) = self.credits.received(&lid, len) {
                        let to = subject::to_plugin_of(&from).unwrap_or_default();
                        let credit = Envelope::event(ToPlugin::Credit(crate::api::link::Credit { received }));
                        if let Err(e) = super::publish_to_plugin(&self.client, &to, &credit).await {
                            tracing::debug!("sending flow-control credit failed: {e}");
                        }
                    }
                    if self.credits.len() > MAX_CREDITED_LINKS {
                        let links = &self.routes.links;
                        self.credits.retain(|lid| links.contains_key(lid));
                    }
                }
                Some(msg) = events.next() => self.on_event(msg).await,
                else => return,
            }
        }
    }

    async fn on_inbound(&mut self, lid: Token, msg: async_nats::Message) {
        // Stream frames are applied in place, without decoding their values into a copy.
        if msg.payload.len() <= MAX_INBOUND
            && let Some(frame) = wire::skim::stream_frame(&msg.payload)
        {
            let (reply, changes) = self.workspace.feed_frame(&lid, &frame);
            self.frames.record();
            if frame.id != 0 || matches!(reply, Err(_) | Ok(ToPlugin::StreamInterrupt(_))) {
                let to = subject::to_plugin_of(&msg.subject).unwrap_or_default();
                self.reply(&to, frame.id, reply).await;
            }
            self.announce(Some(&lid), changes).await;
            return;
        }
        let env = match structures::decode(&msg.payload, MAX_INBOUND) {
            Ok(env) => env,
            Err(e) => return self.refuse(&lid, &msg, &e).await,
        };
        let env = match env.msg {
            structures::Inbound::Other(ToSession::Chunk(part)) => {
                // A link's first words may come before the link is added: keep its
                // transfers, but never more than a bounded number of links' worth.
                if self.chunks.len() >= MAX_CREDITED_LINKS && !self.chunks.contains_key(&lid) {
                    let links = &self.routes.links;
                    self.chunks.retain(|l, _| links.contains_key(l));
                }
                let whole = match self.chunks.entry(lid.clone()).or_default().push(part) {
                    Ok(Some(whole)) => whole,
                    Ok(None) => return,
                    Err(e) => {
                        tracing::warn!(link = %lid, "dropping a chunked message from a plugin: {e}");
                        return;
                    }
                };
                match structures::decode(&whole, wire::chunk::MAX_TRANSFER) {
                    Ok(Envelope {
                        msg: structures::Inbound::Other(ToSession::Chunk(_)),
                        ..
                    }) => {
                        tracing::warn!(link = %lid, "dropping a chunk inside a chunked message");
                        return;
                    }
                    Ok(env) => env,
                    Err(e) => {
                        tracing::warn!(link = %lid, "dropping a bad chunked message from a plugin: {e}");
                        return;
                    }
                }
            }
            msg => Envelope { id: env.id, msg },
        };
        // Built only when something is answered: most messages are not requests.
        let to = || subject::to_plugin_of(&msg.subject).unwrap_or_default();
        let env = match env.msg {
            structures::Inbound::Structures(m) => {
                let env = Envelope { id: env.id, msg: m };
                let shown = self.structures(&lid, env, &to()).await;
                return self
                    .deliver(lid, LinkEvent::Message(shown), msg.payload.len())
                    .await;
            }
            structures::Inbound::Other(m) => Envelope { id: env.id, msg: m },
        };
        match Route::of(wire::Message::kind(&env.msg)) {
            // Replies to this session's own requests (ping, integration) go to their
            // waiter; without one (no id, or given up) they are shown.
            Route::Reply => {
                let waiter = (env.id != 0)
                    .then(|| self.routes.links.get(&lid)?.replies.take(env.id))
                    .flatten();
                if let Some(w) = waiter {
                    let _ = w.send(env.msg);
                    return;
                }
            }
            Route::Room => {
                if let Some(reply) = self.room_request(&lid, &env.msg) {
                    self.reply(&to(), env.id, reply).await;
                }
            }
            Route::Ui => {
                if let Some(reply) = self.handle_ui(&lid, &env.msg) {
                    // Menu changes answer only when asked (id) or when refused.
                    if env.id != 0 || reply.is_err() {
                        self.reply(&to(), env.id, reply).await;
                    }
                }
            }
            Route::File => {
                if let ToSession::File(op) = &env.msg {
                    let reply = self
                        .file_op(&lid, op.clone())
                        .await
                        .map(ToPlugin::FileReply);
                    self.reply(&to(), env.id, reply).await;
                }
            }
            Route::Workspace if matches!(env.msg, ToSession::WorkspaceRequest(_)) => {
                self.answer_workspace(env.id, &to()).await;
            }
            Route::Workspace if matches!(env.msg, ToSession::ComplexesRequest(_)) => {
                if let ToSession::ComplexesRequest(req) = &env.msg {
                    self.answer_complexes(env.id, req, &to()).await;
                }
            }
            Route::Workspace => {
                let answer = self.workspace.handle_for(&lid, &env.msg);
                if let Some((reply, changes)) = answer {
                    // Envelopes with id 0 are not requests: they get only errors and
                    // interrupts back.
                    let wanted =
                        env.id != 0 || matches!(reply, Err(_) | Ok(ToPlugin::StreamInterrupt(_)));
                    if wanted {
                        self.reply(&to(), env.id, reply).await;
                    }
                    self.announce(Some(&lid), changes).await;
                    // Stream frames are applied, not shown: they would flood the link's events.
                    if matches!(env.msg, ToSession::StreamFeed(_)) {
                        self.frames.record();
                        return;
                    }
                }
            }
            Route::Show => {}
        }
        let event = match env.msg {
            ToSession::Closed(reason) => LinkEvent::Closed(reason),
            _ => LinkEvent::Message(env),
        };
        self.deliver(lid, event, msg.payload.len()).await;
    }

    /// Drops a message that does not decode; a request whose body is wrong still gets its
    /// error, if its id can be read.
    async fn refuse(&self, lid: &Token, msg: &async_nats::Message, e: &wire::DecodeError) {
        tracing::warn!(link = %lid, "dropping a bad message from a plugin: {e}");
        let mut error = crate::api::ErrorBody::from(e);
        let id = match e.request_id() {
            0 => match wire::skim::kind_of::<ToSession>(&msg.payload, MAX_INBOUND) {
                Ok((id, kind)) => {
                    error.message = format!(
                        "the body of \"{kind}\" does not match its schema: {e} (see docs/PROTOCOL.md)"
                    );
                    id
                }
                Err(_) => 0,
            },
            id => id,
        };
        if id != 0 {
            let to = subject::to_plugin_of(&msg.subject).unwrap_or_default();
            self.reply(&to, id, Err(error)).await;
        }
    }

    /// Awaits `fut` while carrying out handles' commands, so a handle this task waits for
    /// (a link's reader) can still ask it things: no wait between the two can deadlock.
    async fn serving<T>(&mut self, fut: impl std::future::Future<Output = T>) -> T {
        tokio::pin!(fut);
        loop {
            tokio::select! {
                biased;
                out = &mut fut => return out,
                Some(cmd) = self.commands.recv() => self.command(cmd).await,
            }
        }
    }

    async fn on_event(&mut self, msg: async_nats::Message) {
        let env = match wire::decode::<Event>(&msg.payload, MAX_INBOUND) {
            Ok(env) => env,
            Err(e) => {
                tracing::warn!("dropping a bad session event: {e}");
                return;
            }
        };
        match env.msg {
            Event::SessionPresenter(p) => self.presenter = p.presenter,
            Event::LinkClosed(c) => {
                self.deliver(c.link_id, LinkEvent::Closed(c.reason), 0)
                    .await
            }
            Event::SessionClosed(_) => {
                let lids: Vec<Token> = self.routes.links.keys().cloned().collect();
                for lid in lids {
                    let reason = CloseReason::new(
                        crate::api::link::CloseCode::SessionClosed,
                        "the session closed",
                    );
                    self.deliver(lid, LinkEvent::Closed(reason), 0).await;
                }
            }
            _ => {}
        }
    }

    /// Hands an event to its link. A link's first `Closed` ends it; later ones (the
    /// host's and the coordinator's both arrive) are dropped.
    /// `size` bytes of the link's budget are held until the link takes the event.
    async fn deliver(&mut self, lid: Token, event: LinkEvent, size: usize) {
        let closing = matches!(event, LinkEvent::Closed(_));
        let tx = {
            let r = &mut self.routes;
            if r.closed.contains(&lid) {
                return;
            }
            if closing {
                self.workspace.drop_link(&lid);
                self.menus.remove(&lid);
                r.closed.insert(lid.clone());
                self.chunks.remove(&lid);
                r.links.remove(&lid).map(|s| (s.tx, s.hold))
            } else {
                r.links.get(&lid).map(|s| (s.tx.clone(), s.hold.clone()))
            }
        };
        match tx {
            Some((tx, hold)) => {
                let kib = (size.div_ceil(1024) as u32).min(LINK_HOLD_KIB as u32);
                // The link's reader may itself be waiting on this task (a menu query, a
                // request): keep serving commands while waiting for it.
                let held = match self
                    .serving(crate::runtime::within(
                        LINK_HOLD_WAIT,
                        hold.acquire_many_owned(kib),
                    ))
                    .await
                {
                    Some(Ok(permit)) => Some(permit),
                    _ => {
                        if let Some(more) = HOLD_EXCEEDED.due() {
                            tracing::warn!(
                                link = %lid,
                                "a link's reader has not taken its events for {LINK_HOLD_WAIT:?}; delivering beyond its budget{}",
                                crate::runtime::more(more)
                            );
                        }
                        None
                    }
                };
                let _ = self.serving(tx.send(Delivery { event, _held: held })).await;
            }
            None => {
                let r = &mut self.routes;
                if closing {
                    r.closed.remove(&lid);
                }
                if r.early_count < MAX_EARLY && !r.links.contains_key(&lid) {
                    r.early_count += 1;
                    r.early.entry(lid).or_default().push(event);
                }
            }
        }
    }
}
