//! One nanome-lib plugin's connection to the gateway, as a state machine: packets and
//! decisions in, [`Action`]s out, no sockets and no clock of its own (the caller passes
//! `now`), so every rule of the protocol is tested without a network.
//!
//! The life of a connection: the plugin registers (type 1, JSON); the gateway asks the
//! system ([`Action::Register`]) and tells the result with [`Connection::decided`]: an ack
//! carrying the id (never 0, the old one on a reconnect when the system gives it back) or a
//! refusal (type 5) before any ack. Registered, the plugin's keep-alives (both header
//! layouts) are answered, its session traffic (type 4) goes out as [`Action::FromSession`],
//! a session it ends (type 5 with a session id) as [`Action::SessionEnded`], its log records
//! (type 10) as [`Action::Log`]. A plugin silent past [`SILENCE`] is dropped. Anything a
//! plugin has no business sending is dropped with a reason; a protocol violation closes
//! this one connection.

use super::packet::{Packet, PacketType};
use super::registration::Registration;
use super::serial::{ConnectCommand, ConnectReply, Frame, VersionTable};
use std::time::{Duration, Instant};

/// A plugin silent this long is dropped (nanome-lib sends a keep-alive every 60 s).
pub const SILENCE: Duration = Duration::from_secs(150);

/// Where a connection is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum State {
    /// Connected; no registration yet.
    Connected,
    /// Registration sent to the system; waiting for its decision.
    Registering,
    /// Registered with this id.
    Registered(u32),
    /// Closed: nothing more is read or sent.
    Closed,
}

/// What the gateway does for a connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    /// Write this packet to the plugin.
    Send(Packet),
    /// Ask the system to register the plugin; `previous` is the id it asks back (a
    /// reconnect), if any. Answer with [`Connection::decided`].
    Register {
        /// What the plugin says of itself.
        registration: Registration,
        /// The id it had.
        previous: Option<u32>,
    },
    /// A session's `connect` reply: the session's serializer versions and compression.
    SessionConnected {
        /// The session.
        session_id: u32,
        /// The reply.
        reply: ConnectReply,
    },
    /// A message from one of the plugin's sessions, for that session (request ids as sent).
    FromSession {
        /// The session.
        session_id: u32,
        /// The payload: `request id | name hash | body`.
        payload: Vec<u8>,
    },
    /// The plugin's process for a session ended (crashed, or timed out).
    SessionEnded {
        /// The session.
        session_id: u32,
    },
    /// A log record from the plugin (GELF JSON).
    Log(Vec<u8>),
    /// A packet was dropped, with why (for the log).
    Dropped(String),
    /// Close the connection, with why (for the log and the plugin's sessions).
    Close(String),
}

/// One plugin connection.
#[derive(Debug)]
pub struct Connection {
    state: State,
    last_heard: Instant,
}

/// Why a decision refused a registration, or the reason for a kick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal(pub String);

impl Connection {
    /// A connection opened at `now`.
    pub fn new(now: Instant) -> Connection {
        Connection {
            state: State::Connected,
            last_heard: now,
        }
    }

    /// Where it is.
    pub fn state(&self) -> State {
        self.state
    }

    /// The plugin's id, once registered.
    pub fn plugin_id(&self) -> Option<u32> {
        match self.state {
            State::Registered(id) => Some(id),
            _ => None,
        }
    }

    fn close(&mut self, why: impl Into<String>) -> Vec<Action> {
        self.state = State::Closed;
        vec![Action::Close(why.into())]
    }

    /// A refusal packet, then the close.
    fn refuse(&mut self, why: String) -> Vec<Action> {
        let mut out = vec![Action::Send(Packet::new(PacketType::PluginDisconnection))];
        out.extend(self.close(why));
        out
    }

    /// A packet from the plugin, at `now`.
    pub fn received(&mut self, p: Packet, now: Instant) -> Vec<Action> {
        self.last_heard = now;
        let kind = p.header.kind;
        match (self.state, kind) {
            (State::Closed, _) => vec![],
            (State::Connected, PacketType::PluginConnection) => {
                match Registration::parse(&p.payload) {
                    Ok(registration) => {
                        self.state = State::Registering;
                        let previous = (p.header.plugin_id != 0).then_some(p.header.plugin_id);
                        vec![Action::Register {
                            registration,
                            previous,
                        }]
                    }
                    Err(e) => self.refuse(format!("registration refused: {e}")),
                }
            }
            // The beta SDK's first keep-alive may overtake the ack it follows.
            (State::Registering, PacketType::KeepAlive) => vec![],
            (State::Connected | State::Registering, _) => self.close(format!(
                "a {kind:?} packet before the registration was accepted"
            )),
            (State::Registered(_), PacketType::PluginConnection) => {
                self.close("a second registration on one connection")
            }
            (State::Registered(id), PacketType::KeepAlive) => {
                let mut echo = Packet::new(PacketType::KeepAlive);
                echo.header.plugin_id = id;
                vec![Action::Send(echo)]
            }
            (State::Registered(_), PacketType::MessageToClient) => {
                let session_id = p.header.session_id;
                match Frame::parse(&p.payload) {
                    Ok(f) if f.is("connect") => match ConnectReply::parse(&p.payload) {
                        Ok(reply) => vec![Action::SessionConnected { session_id, reply }],
                        Err(e) => vec![Action::Dropped(format!(
                            "session {session_id}'s connect reply: {e}"
                        ))],
                    },
                    Ok(_) => vec![Action::FromSession {
                        session_id,
                        payload: p.payload,
                    }],
                    Err(e) => vec![Action::Dropped(format!(
                        "a message for session {session_id}: {e}"
                    ))],
                }
            }
            (State::Registered(_), PacketType::PluginDisconnection) => match p.header.session_id {
                0 => self.close("the plugin disconnected"),
                session_id => vec![Action::SessionEnded { session_id }],
            },
            (State::Registered(_), PacketType::LiveLogs) => vec![Action::Log(p.payload)],
            (State::Registered(_), other) => vec![Action::Dropped(format!(
                "a {other:?} packet, which a plugin does not send"
            ))],
        }
    }

    /// The system's decision on the registration: the plugin's id, or a refusal.
    pub fn decided(&mut self, decision: Result<u32, Refusal>) -> Vec<Action> {
        if self.state != State::Registering {
            return vec![];
        }
        match decision {
            Ok(0) => self.refuse("the system assigned plugin id 0, which means none".into()),
            Ok(id) => {
                self.state = State::Registered(id);
                let mut ack = Packet::new(PacketType::PluginConnection);
                ack.header.plugin_id = id;
                vec![Action::Send(ack)]
            }
            Err(Refusal(why)) => self.refuse(why),
        }
    }

    /// Opens a session of the plugin: Nanome's `connect` command with its versions. A
    /// session id already open restarts that session on the plugin's side.
    pub fn open_session(&self, session_id: u32, versions: VersionTable) -> Vec<Action> {
        let Some(id) = self.plugin_id() else {
            return vec![];
        };
        let payload = ConnectCommand {
            request_id: 0,
            versions,
        }
        .encode();
        vec![Action::Send(to_session(session_id, id, payload))]
    }

    /// A command for one of the plugin's sessions (`request id | name hash | body`).
    /// Shorter than 8 bytes it is not sent: it would kill a 0.42.1 plugin's host.
    pub fn to_session(&self, session_id: u32, payload: Vec<u8>) -> Vec<Action> {
        let Some(id) = self.plugin_id() else {
            return vec![Action::Dropped(format!(
                "a command for session {session_id} before the plugin registered"
            ))];
        };
        if payload.len() < 8 {
            return vec![Action::Dropped(format!(
                "a command of {} bytes for session {session_id}: at least 8 are needed",
                payload.len()
            ))];
        }
        vec![Action::Send(to_session(session_id, id, payload))]
    }

    /// A session of the plugin ended on Nanome's side (type 6; no answer comes).
    pub fn end_session(&self, session_id: u32) -> Vec<Action> {
        let Some(id) = self.plugin_id() else {
            return vec![];
        };
        let mut p = Packet::new(PacketType::ClientDisconnection);
        p.header.session_id = session_id;
        p.header.plugin_id = id;
        vec![Action::Send(p)]
    }

    /// Asks the plugin for its logs (type 9; the id is digits only, as 0.42.1 requires).
    pub fn logs_request(&self, request: u32) -> Vec<Action> {
        let Some(id) = self.plugin_id() else {
            return vec![];
        };
        let mut p = Packet::new(PacketType::LogsRequest);
        p.header.plugin_id = id;
        p.payload = request.to_string().into_bytes();
        vec![Action::Send(p)]
    }

    /// Removes the plugin (type 5 after registration): it reconnects and registers anew.
    pub fn kick(&mut self, why: &str) -> Vec<Action> {
        if self.state == State::Closed {
            return vec![];
        }
        self.refuse(format!("kicked: {why}"))
    }

    /// The clock moved to `now`: a plugin silent past [`SILENCE`] is dropped.
    pub fn tick(&mut self, now: Instant) -> Vec<Action> {
        if self.state != State::Closed && now.duration_since(self.last_heard) > SILENCE {
            return self.close(format!(
                "the plugin was silent for more than {} s",
                SILENCE.as_secs()
            ));
        }
        vec![]
    }
}

/// A type-3 packet for `session_id` of plugin `plugin_id`.
fn to_session(session_id: u32, plugin_id: u32, payload: Vec<u8>) -> Packet {
    let mut p = Packet::new(PacketType::MessageToPlugin);
    p.header.session_id = session_id;
    p.header.plugin_id = plugin_id;
    p.payload = payload;
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registration(previous: u32) -> Packet {
        let mut p = Packet::new(PacketType::PluginConnection);
        p.header.plugin_id = previous;
        p.payload = br#"{"name": "Probe", "tags": ["Test"], "auth": null}"#.to_vec();
        p
    }

    fn sent(actions: &[Action]) -> Vec<&Packet> {
        actions
            .iter()
            .filter_map(|a| match a {
                Action::Send(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    fn registered(now: Instant) -> Connection {
        let mut c = Connection::new(now);
        c.received(registration(0), now);
        c.decided(Ok(7));
        c
    }

    #[test]
    fn a_registration_is_acked_with_its_id_and_a_reconnect_asks_its_old_one() {
        let now = Instant::now();
        let mut c = Connection::new(now);
        let a = c.received(registration(7), now);
        assert!(
            matches!(&a[..], [Action::Register { registration, previous: Some(7) }] if registration.name == "Probe"),
            "{a:?}"
        );
        let a = c.decided(Ok(7));
        let ack = sent(&a)[0];
        assert_eq!(
            (ack.header.kind, ack.header.plugin_id),
            (PacketType::PluginConnection, 7)
        );
        assert!(ack.payload.is_empty(), "the beta SDK reads only the header");
        assert_eq!(c.state(), State::Registered(7));
    }

    #[test]
    fn a_refusal_comes_before_any_ack_and_closes() {
        let now = Instant::now();
        let mut c = Connection::new(now);
        c.received(registration(0), now);
        let a = c.decided(Err(Refusal("bad key".into())));
        assert_eq!(sent(&a)[0].header.kind, PacketType::PluginDisconnection);
        assert!(matches!(a.last(), Some(Action::Close(why)) if why == "bad key"));
        assert_eq!(c.state(), State::Closed);
        // Id 0 means none: never assigned.
        let mut c = Connection::new(now);
        c.received(registration(0), now);
        assert_eq!(
            sent(&c.decided(Ok(0)))[0].header.kind,
            PacketType::PluginDisconnection
        );
        // A registration that is not nanome-lib's JSON is refused the same way.
        let mut c = Connection::new(now);
        let mut bad = registration(0);
        bad.payload = b"{".to_vec();
        let a = c.received(bad, now);
        assert_eq!(sent(&a)[0].header.kind, PacketType::PluginDisconnection);
        assert_eq!(c.state(), State::Closed);
    }

    #[test]
    fn keep_alives_are_answered_in_either_layout_and_silence_drops() {
        let t0 = Instant::now();
        let mut c = registered(t0);
        for (session, plugin) in [(7, 0), (0, 7)] {
            let mut k = Packet::new(PacketType::KeepAlive);
            (k.header.session_id, k.header.plugin_id) = (session, plugin);
            let a = c.received(k, t0 + Duration::from_secs(60));
            assert_eq!(sent(&a)[0].header.kind, PacketType::KeepAlive);
        }
        assert!(
            c.tick(t0 + Duration::from_secs(200)).is_empty(),
            "heard at 60 s"
        );
        let a = c.tick(t0 + Duration::from_secs(60) + SILENCE + Duration::from_secs(1));
        assert!(matches!(&a[..], [Action::Close(_)]), "{a:?}");
    }

    #[test]
    fn session_traffic_goes_out_by_session_and_bad_commands_never_reach_the_plugin() {
        let now = Instant::now();
        let mut c = registered(now);
        let mut m = Packet::new(PacketType::MessageToClient);
        m.header.session_id = 42;
        m.payload = Frame::encode(3, "complex_list_request", &[]);
        let a = c.received(m.clone(), now);
        assert_eq!(
            a,
            [Action::FromSession {
                session_id: 42,
                payload: m.payload.clone()
            }]
        );
        m.payload = vec![1, 2, 3];
        assert!(matches!(&c.received(m, now)[..], [Action::Dropped(_)]));
        let mut end = Packet::new(PacketType::PluginDisconnection);
        end.header.session_id = 43;
        assert_eq!(
            c.received(end, now),
            [Action::SessionEnded { session_id: 43 }]
        );
        assert_eq!(
            c.state(),
            State::Registered(7),
            "a session's end is not the plugin's"
        );
        // Commands shorter than a frame are not sent (they kill 0.42.1 hosts).
        assert!(matches!(
            &c.to_session(42, vec![0; 4])[..],
            [Action::Dropped(_)]
        ));
        let open = c.open_session(42, vec![("Atom".into(), 5)]);
        let p = sent(&open)[0];
        assert_eq!(
            (p.header.kind, p.header.session_id),
            (PacketType::MessageToPlugin, 42)
        );
        assert!(Frame::parse(&p.payload).unwrap().is("connect"));
        assert_eq!(sent(&c.logs_request(123))[0].payload, b"123");
        assert_eq!(
            sent(&c.end_session(42))[0].header.kind,
            PacketType::ClientDisconnection
        );
    }

    #[test]
    fn protocol_violations_close_only_this_connection() {
        let now = Instant::now();
        let mut c = Connection::new(now);
        let a = c.received(Packet::new(PacketType::MessageToClient), now);
        assert!(matches!(&a[..], [Action::Close(_)]));
        let mut c = registered(now);
        assert!(matches!(
            &c.received(registration(0), now)[..],
            [Action::Close(_)]
        ));
        let mut c = registered(now);
        let a = c.received(Packet::new(PacketType::MessageToPlugin), now);
        assert!(matches!(&a[..], [Action::Dropped(_)]), "{a:?}");
        let a = c.kick("restart");
        assert_eq!(sent(&a)[0].header.kind, PacketType::PluginDisconnection);
        assert!(
            c.received(Packet::new(PacketType::KeepAlive), now)
                .is_empty(),
            "closed"
        );
    }
}
