//! One registered nanome-lib plugin inside nts: the [`host::Bridge`] that serves its host's
//! links with the sessions of the plugin's own process, over its connection to the
//! gateway.
//!
//! Each link is one nanome-lib session: the bridge opens it (`connect` with the versions the
//! gateway translates), waits for the plugin's hello, then relays both ways through a
//! [`Translator`] until either side ends it. The plugin's connection can be replaced (a
//! reconnect within the grace period keeps its sessions); while it is away, commands for it
//! are refused with a reason rather than queued.

use super::conn::Action;
use super::gateway::Command;
use super::serial::{ConnectReply, negotiate};
use super::translate::{self, Out, Translator};
use crate::api::control::LinkOffer;
use crate::api::link::{CloseCode, CloseReason, ToPlugin, ToSession};
use crate::api::{ErrorBody, ErrorCode};
use crate::host::{self, LinkHandle, LinkSettings, Started};
use crate::wire::subject::{self, LinkSubjects};
use crate::wire::{self, Envelope};
use futures::StreamExt;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot, watch};
use tokio_util::sync::CancellationToken;

/// Messages queued from the plugin for one of its sessions at most (the connection waits
/// beyond that: the plugin is held back at its socket).
const SESSION_QUEUE: usize = 64;
/// Longest wait to hand a command to the plugin's connection.
const TO_PLUGIN: Duration = Duration::from_secs(10);

/// What the plugin's connection tells one of its sessions.
#[derive(Debug)]
enum FromPlugin {
    /// Its hello: the versions it speaks.
    Connected(ConnectReply),
    /// A message (`request id | name hash | body`).
    Message(Vec<u8>),
    /// A log line of this session's process.
    Log(String),
    /// The session's process ended, or the plugin is gone.
    Ended(CloseReason),
}

/// A registered legacy plugin.
pub struct Plugin {
    /// Its name (for logs).
    name: String,
    /// Its key as it sent it: a reconnect must present the same one.
    key: Option<String>,
    /// Its connection's commands, and which connection that is; `None` while it is away.
    conn: Mutex<Option<(u64, mpsc::Sender<Command>)>>,
    /// Its open sessions, by the session id the gateway gave them.
    sessions: Mutex<HashMap<u32, mpsc::Sender<FromPlugin>>>,
    next_session: AtomicU32,
    /// Woken whenever a session ends.
    ended: tokio::sync::Notify,
    /// Stops its host (deregisters it).
    pub(super) stop: CancellationToken,
}

impl std::fmt::Debug for Plugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plugin").field("name", &self.name).finish()
    }
}

impl Plugin {
    /// Plugin `name`, its connection `conn` reached through `commands`.
    pub fn new(
        name: &str,
        key: Option<String>,
        conn: u64,
        commands: mpsc::Sender<Command>,
    ) -> Arc<Plugin> {
        Arc::new(Plugin {
            name: name.to_string(),
            key,
            conn: Mutex::new(Some((conn, commands))),
            sessions: Mutex::new(HashMap::new()),
            next_session: AtomicU32::new(0),
            ended: tokio::sync::Notify::new(),
            stop: CancellationToken::new(),
        })
    }

    /// The plugin's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Whether `key` is the key this plugin registered with.
    pub fn same_key(&self, key: Option<&str>) -> bool {
        match (self.key.as_deref(), key) {
            (Some(a), Some(b)) => constant_time_eq(a.as_bytes(), b.as_bytes()),
            (None, None) => true,
            _ => false,
        }
    }

    /// Whether the plugin's connection is away.
    pub fn detached(&self) -> bool {
        self.conn.lock().expect("lock").is_none()
    }

    /// A new connection `conn` of the plugin (a reconnect) takes over.
    pub fn attach(&self, conn: u64, commands: mpsc::Sender<Command>) {
        *self.conn.lock().expect("lock") = Some((conn, commands));
    }

    /// Connection `conn` closed; `true` if it was the plugin's current one (now away).
    pub fn detach(&self, conn: u64) -> bool {
        let mut c = self.conn.lock().expect("lock");
        if c.as_ref().is_some_and(|(id, _)| *id == conn) {
            *c = None;
            true
        } else {
            false
        }
    }

    /// Sessions open now.
    pub fn session_count(&self) -> usize {
        self.sessions.lock().expect("lock").len()
    }

    /// Ends every session with `reason`, waits (bounded) until each has told its
    /// session, then stops the plugin's host — which would otherwise close them first
    /// with its own reason.
    pub async fn lost(&self, reason: CloseReason) {
        let sessions: Vec<_> = self
            .sessions
            .lock()
            .expect("lock")
            .values()
            .cloned()
            .collect();
        for s in sessions {
            let _ = s.send(FromPlugin::Ended(reason.clone())).await;
        }
        let all_ended = async {
            loop {
                let ended = self.ended.notified();
                if self.session_count() == 0 {
                    return;
                }
                ended.await;
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(5), all_ended).await;
        self.stop.cancel();
    }

    /// Hands a command to the plugin's connection.
    async fn command(&self, cmd: Command) -> Result<(), String> {
        let commands = self
            .conn
            .lock()
            .expect("lock")
            .as_ref()
            .map(|(_, c)| c.clone());
        let Some(commands) = commands else {
            return Err(format!(
                "the plugin {:?} is reconnecting to the gateway; try again shortly",
                self.name
            ));
        };
        match tokio::time::timeout(TO_PLUGIN, commands.send(cmd)).await {
            Ok(Ok(())) => Ok(()),
            Ok(Err(_)) => Err(format!("the plugin {:?} has disconnected", self.name)),
            Err(_) => Err(format!(
                "the plugin {:?} took no command for {} s",
                self.name,
                TO_PLUGIN.as_secs()
            )),
        }
    }

    /// One action of the plugin's connection (everything but its close).
    pub async fn dispatch(&self, action: Action) {
        let (session_id, event) = match action {
            Action::SessionConnected { session_id, reply } => {
                (session_id, FromPlugin::Connected(reply))
            }
            Action::FromSession {
                session_id,
                payload,
            } => (session_id, FromPlugin::Message(payload)),
            Action::SessionEnded { session_id } => (
                session_id,
                FromPlugin::Ended(CloseReason::new(
                    CloseCode::InstanceCrashed,
                    "the plugin's process for this session ended (an uncaught exception, \
                     or its session timeout)",
                )),
            ),
            Action::Log(record) => match log_line(&record) {
                Some((Some(sid), line)) if self.has_session(sid) => (sid, FromPlugin::Log(line)),
                Some((_, line)) => {
                    tracing::info!(plugin = %self.name, "{line}");
                    return;
                }
                None => return,
            },
            Action::Dropped(why) => {
                tracing::info!(plugin = %self.name, "dropped: {why}");
                return;
            }
            Action::Send(_) | Action::Register { .. } | Action::Close(_) => return,
        };
        let session = self
            .sessions
            .lock()
            .expect("lock")
            .get(&session_id)
            .cloned();
        match session {
            // Waits when the session is behind: the plugin is held back at its socket.
            Some(s) => {
                let _ = s.send(event).await;
            }
            None => tracing::debug!(
                plugin = %self.name,
                session = session_id,
                "a message for a session that is not open; dropped"
            ),
        }
    }

    fn has_session(&self, sid: u32) -> bool {
        self.sessions.lock().expect("lock").contains_key(&sid)
    }

    fn new_session(&self) -> (u32, mpsc::Receiver<FromPlugin>) {
        let (tx, rx) = mpsc::channel(SESSION_QUEUE);
        let mut sessions = self.sessions.lock().expect("lock");
        loop {
            // Never 0: nanome-lib's plugin-level packets carry session 0.
            let id = self
                .next_session
                .fetch_add(1, Ordering::Relaxed)
                .wrapping_add(1);
            if id != 0 && !sessions.contains_key(&id) {
                sessions.insert(id, tx);
                return (id, rx);
            }
        }
    }

    fn end_session(&self, sid: u32) {
        self.sessions.lock().expect("lock").remove(&sid);
        self.ended.notify_waiters();
    }

    /// Opens a session for `offer` and serves it.
    async fn open(
        self: Arc<Self>,
        data: async_nats::Client,
        settings: LinkSettings,
        offer: LinkOffer,
    ) -> Started {
        let subjects = subject::link(&offer.plugin_id, &offer.session_id, &offer.link_id);
        let logs = subject::logs(&offer.plugin_id, &offer.session_id, &offer.link_id);
        let fail = |code, msg: String| ErrorBody::new(code, msg);
        let inbound = data
            .subscribe(subjects.to_plugin.clone())
            .await
            .map_err(|e| fail(ErrorCode::Unavailable, format!("subscribing failed: {e}")))?;
        let (sid, mut from_plugin) = self.new_session();
        let opened = async {
            self.command(Command::OpenSession {
                session_id: sid,
                versions: translate::versions(),
            })
            .await
            .map_err(|e| fail(ErrorCode::Unavailable, e))?;
            loop {
                match from_plugin.recv().await {
                    Some(FromPlugin::Connected(reply)) => return Ok(reply),
                    Some(FromPlugin::Ended(reason)) => {
                        return Err(fail(ErrorCode::Unavailable, reason.message));
                    }
                    // Logs and messages before the hello: nothing to serve them yet.
                    Some(_) => {}
                    None => {
                        return Err(fail(ErrorCode::Unavailable, "the plugin is gone".into()));
                    }
                }
            }
        };
        let reply = match tokio::time::timeout(settings.handshake_timeout, opened).await {
            Ok(Ok(reply)) => reply,
            Ok(Err(e)) => {
                self.end_session(sid);
                return Err(e);
            }
            Err(_) => {
                self.end_session(sid);
                let _ = self.command(Command::EndSession { session_id: sid }).await;
                return Err(fail(
                    ErrorCode::Timeout,
                    format!(
                        "the plugin {:?} did not open its session within {} s",
                        self.name,
                        settings.handshake_timeout.as_secs()
                    ),
                ));
            }
        };
        let translator = Translator::new(negotiate(&reply.versions, &translate::versions()));
        let (close_tx, close_rx) = mpsc::channel(1);
        let (done_tx, done_rx) = watch::channel(false);
        let (ended_tx, ended_rx) = oneshot::channel();
        let link = Link {
            bridge: self.clone(),
            sid,
            data,
            subjects,
            logs,
            max: settings.max_frame,
        };
        let span = tracing::info_span!("legacy", plugin = %self.name, session = sid, link = %offer.link_id);
        tokio::spawn(tracing::Instrument::instrument(
            async move {
                let reason = link.serve(translator, inbound, from_plugin, close_rx).await;
                host::link::tell_closed(&link.data, &link.subjects, &reason).await;
                link.bridge.end_session(sid);
                let _ = done_tx.send(true);
                let _ = ended_tx.send(reason);
            },
            span,
        ));
        Ok((LinkHandle::bridged(close_tx, done_rx), ended_rx))
    }
}

impl host::Bridge for Arc<Plugin> {
    fn start(
        &self,
        data: async_nats::Client,
        settings: LinkSettings,
        offer: LinkOffer,
    ) -> futures::future::BoxFuture<'static, Started> {
        Box::pin(self.clone().open(data, settings, offer))
    }
}

/// One open session: a link of nts.
struct Link {
    bridge: Arc<Plugin>,
    sid: u32,
    data: async_nats::Client,
    subjects: LinkSubjects,
    logs: String,
    max: usize,
}

impl Link {
    /// Relays until either side ends the session; returns why it ended.
    async fn serve(
        &self,
        mut translator: Translator,
        mut inbound: async_nats::Subscriber,
        mut from_plugin: mpsc::Receiver<FromPlugin>,
        mut close: mpsc::Receiver<CloseReason>,
    ) -> CloseReason {
        // Requests the session leaves unanswered get their empty answer at the deadline.
        let mut clock = tokio::time::interval(Duration::from_secs(5));
        clock.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let outs = tokio::select! {
                _ = clock.tick() => translator.expire(std::time::Instant::now()),
                Some(reason) = close.recv() => {
                    // Nanome's side ended it: the plugin's process is told (`on_stop`).
                    let _ = self.bridge.command(Command::EndSession { session_id: self.sid }).await;
                    return reason;
                }
                msg = inbound.next() => match msg {
                    Some(msg) => match wire::decode::<ToPlugin>(&msg.payload, self.max) {
                        Ok(env) => crate::runtime::cpu_bound(msg.payload.len(), || translator.to_plugin(env)),
                        Err(e) => {
                            tracing::info!("a malformed message from the session: {e}");
                            vec![Out::Session(Envelope::with_id(
                                e.request_id(),
                                ToSession::Error(ErrorBody::from(&e)),
                            ))]
                        }
                    },
                    None => {
                        return CloseReason::new(
                            CloseCode::HostLost,
                            "the gateway lost its broker subscription",
                        );
                    }
                },
                event = from_plugin.recv() => match event {
                    Some(FromPlugin::Message(payload)) => crate::runtime::cpu_bound(payload.len(), || translator.from_plugin(&payload)),
                    Some(FromPlugin::Log(line)) => {
                        tracing::info!("{line}");
                        let _ = self.data.publish(self.logs.clone(), line.into()).await;
                        vec![]
                    }
                    Some(FromPlugin::Connected(_)) => vec![],
                    Some(FromPlugin::Ended(reason)) => return reason,
                    None => {
                        return CloseReason::new(CloseCode::HostLost, "the plugin is gone");
                    }
                },
            };
            for out in outs {
                match out {
                    Out::Plugin(payload) => {
                        let cmd = Command::ToSession {
                            session_id: self.sid,
                            payload,
                        };
                        if let Err(why) = self.bridge.command(cmd).await {
                            self.publish(&Envelope::event(ToSession::Error(ErrorBody::new(
                                ErrorCode::Unavailable,
                                why,
                            ))))
                            .await;
                        }
                    }
                    Out::Session(env) => self.publish(&env).await,
                }
            }
        }
    }

    async fn publish(&self, env: &Envelope<ToSession>) {
        let bytes = wire::encode(env);
        if let Err(e) = self
            .data
            .publish(self.subjects.to_session.clone(), bytes.into())
            .await
        {
            tracing::warn!("relaying to the session failed: {e}");
        }
    }
}

/// A GELF record's session (if it names one) and its line: level and message.
fn log_line(record: &[u8]) -> Option<(Option<u32>, String)> {
    let v: serde_json::Value = serde_json::from_slice(record).ok()?;
    let text = v.get("short_message")?.as_str()?;
    let level = match v.get("level").and_then(|l| l.as_u64()) {
        Some(0..=3) => "error",
        Some(4) => "warning",
        Some(7) => "debug",
        _ => "info",
    };
    // nanome-lib names a session's process `Session-<id>-<6 letters>`; some versions also
    // send `_session_id`.
    let session = v
        .get("_session_id")
        .and_then(|s| s.as_u64())
        .or_else(|| {
            let name = v.get("_process_name")?.as_str()?;
            name.strip_prefix("Session-")?
                .split('-')
                .next()?
                .parse()
                .ok()
        })
        .and_then(|s| u32::try_from(s).ok());
    Some((session, format!("{level}: {}", text.trim_end())))
}

/// Compares two keys in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gelf_records_become_lines_with_their_session() {
        let rec = br#"{"version": "1.0", "short_message": "Registered with plugin ID 11\n", "level": 6, "_session_id": 42}"#;
        assert_eq!(
            log_line(rec),
            Some((Some(42), "info: Registered with plugin ID 11".into()))
        );
        let rec = br#"{"short_message": "boom", "level": 3}"#;
        assert_eq!(log_line(rec), Some((None, "error: boom".into())));
        let rec = br#"{"short_message": "run", "level": 6, "_process_name": "Session-7-abcdef"}"#;
        assert_eq!(log_line(rec), Some((Some(7), "info: run".into())));
        let rec = br#"{"short_message": "x", "_process_name": "MainProcess"}"#;
        assert_eq!(log_line(rec), Some((None, "info: x".into())));
        assert_eq!(log_line(b"not json"), None);
        assert_eq!(log_line(br#"{"level": 3}"#), None);
    }

    #[test]
    fn keys_compare_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[tokio::test]
    async fn a_connection_is_replaced_only_by_itself_or_a_reconnect() {
        let (tx, _rx) = mpsc::channel(1);
        let b = Plugin::new("p", Some("k".into()), 1, tx.clone());
        assert!(!b.detached());
        assert!(!b.detach(2), "another connection's close changes nothing");
        assert!(b.detach(1));
        assert!(b.detached());
        assert!(b.command(Command::Kick("x".into())).await.is_err());
        b.attach(3, tx);
        assert!(!b.detached());
        assert!(b.same_key(Some("k")) && !b.same_key(Some("K")) && !b.same_key(None));
        let (a, _) = b.new_session();
        let (c, _) = b.new_session();
        assert!(a != 0 && c != 0 && a != c);
        assert_eq!(b.session_count(), 2);
    }
}
