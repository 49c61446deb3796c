//! The gateway's network side: a TLS listener speaking nanome-lib's packets, one task per
//! connection driving a [`Connection`]. The system is behind a [`Registrar`] (which
//! decides registrations) and an event channel (what the plugins' sessions send); both are
//! wired to the coordinator and sessions in a later step of issue 11.
//!
//! Every wait has a deadline: the TLS handshake, the registrar's decision, each write to a
//! plugin. A connection that misbehaves is closed alone, with its reason logged.

use super::conn::{Action, Connection, Refusal};
use super::packet::Decoder;
use super::registration::Registration;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

/// Longest TLS handshake.
const HANDSHAKE: Duration = Duration::from_secs(10);
/// Longest wait for the registrar's decision.
const DECISION: Duration = Duration::from_secs(10);
/// Longest wait for one write to a plugin.
const WRITE: Duration = Duration::from_secs(10);
/// How often silence is checked.
const TICK: Duration = Duration::from_secs(10);

/// Decides registrations: the plugin's id, or why it is refused.
pub trait Registrar: Send + Sync + 'static {
    /// Registers `registration`; `previous` is the id it asks back (a reconnect).
    fn register(
        &self,
        registration: Registration,
        previous: Option<u32>,
    ) -> impl Future<Output = Result<u32, Refusal>> + Send;
}

/// What the system tells a registered plugin's connection.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    /// Open a session: Nanome's `connect` with these serializer versions.
    OpenSession {
        /// The session.
        session_id: u32,
        /// Nanome's versions.
        versions: super::serial::VersionTable,
    },
    /// A command for a session (`request id | name hash | body`).
    ToSession {
        /// The session.
        session_id: u32,
        /// The payload.
        payload: Vec<u8>,
    },
    /// A session ended on Nanome's side.
    EndSession {
        /// The session.
        session_id: u32,
    },
    /// Remove the plugin (it reconnects and registers anew).
    Kick(String),
}

/// Commands queued for one connection at most.
const COMMANDS: usize = 256;

/// What a connection tells the system.
#[derive(Debug, Clone)]
pub enum Event {
    /// A plugin registered: its id, what it said of itself, and where its commands go.
    Registered {
        /// The connection (numbered from 1 as they are accepted).
        conn: u64,
        /// The id it was given.
        plugin_id: u32,
        /// Its registration.
        registration: Registration,
        /// Its connection's commands.
        commands: mpsc::Sender<Command>,
    },
    /// A connection's action other than a packet to send or a registration.
    Connection {
        /// The connection (numbered from 1 as they are accepted).
        conn: u64,
        /// What happened.
        action: Action,
    },
}

/// A TLS server configuration with a fresh self-signed certificate: nanome-lib verifies
/// no certificate (and always sends SNI `nanome.ai`).
pub fn self_signed_tls() -> Result<rustls::ServerConfig, String> {
    let certified =
        rcgen::generate_simple_self_signed(vec!["nanome.ai".into(), "localhost".into()])
            .map_err(|e| format!("generating the gateway's certificate failed: {e}"))?;
    let key = rustls_pki_types::PrivateKeyDer::Pkcs8(rustls_pki_types::PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_no_client_auth()
        .with_single_cert(vec![certified.cert.der().clone()], key)
        .map_err(|e| format!("the gateway's certificate is unusable: {e}"))
}

/// Listens on `addr`; returns the bound address. Connections are served until `stop`.
pub async fn listen<R: Registrar>(
    addr: SocketAddr,
    tls: rustls::ServerConfig,
    registrar: Arc<R>,
    events: mpsc::Sender<Event>,
    stop: CancellationToken,
) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(tls));
    tokio::spawn(async move {
        let mut next = 0u64;
        loop {
            let accepted = tokio::select! {
                _ = stop.cancelled() => return,
                a = listener.accept() => a,
            };
            match accepted {
                Ok((stream, peer)) => {
                    next += 1;
                    let (acceptor, registrar, events, stop) = (
                        acceptor.clone(),
                        registrar.clone(),
                        events.clone(),
                        stop.clone(),
                    );
                    tokio::spawn(async move {
                        let why =
                            serve(next, stream, acceptor, registrar, events.clone(), stop).await;
                        tracing::info!(%peer, conn = next, "legacy plugin connection closed: {why}");
                        let _ = events
                            .send(Event::Connection {
                                conn: next,
                                action: Action::Close(why),
                            })
                            .await;
                    });
                }
                Err(e) => {
                    tracing::warn!("accepting a legacy plugin connection failed: {e}");
                    // Out of descriptors, most likely: let some close before the next try.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
    });
    Ok(bound)
}

/// The registrar's decision, once there is one pending.
async fn decided(
    pending: &mut Option<oneshot::Receiver<Result<u32, Refusal>>>,
) -> Result<u32, Refusal> {
    match pending {
        Some(rx) => rx
            .await
            .unwrap_or_else(|_| Err(Refusal("the registrar gave no answer".into()))),
        None => std::future::pending().await,
    }
}

/// Serves one connection; returns why it ended.
async fn serve<R: Registrar>(
    id: u64,
    stream: TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    registrar: Arc<R>,
    events: mpsc::Sender<Event>,
    stop: CancellationToken,
) -> String {
    let _ = stream.set_nodelay(true);
    let mut tls = match tokio::time::timeout(HANDSHAKE, acceptor.accept(stream)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(e)) => return format!("the TLS handshake failed: {e}"),
        Err(_) => return format!("no TLS handshake within {} s", HANDSHAKE.as_secs()),
    };
    let mut conn = Connection::new(Instant::now());
    let mut decoder = Decoder::default();
    let mut buf = vec![0u8; 64 << 10];
    let mut decision: Option<oneshot::Receiver<Result<u32, Refusal>>> = None;
    let mut registering: Option<Registration> = None;
    let (commands, mut queued) = mpsc::channel(COMMANDS);
    let mut tick = tokio::time::interval(TICK);
    loop {
        let actions = tokio::select! {
            _ = stop.cancelled() => return "the gateway is stopping".into(),
            _ = tick.tick() => conn.tick(Instant::now()),
            d = decided(&mut decision), if decision.is_some() => {
                decision = None;
                let actions = conn.decided(d);
                if let (Some(plugin_id), Some(registration)) = (conn.plugin_id(), registering.take()) {
                    let event = Event::Registered {
                        conn: id,
                        plugin_id,
                        registration,
                        commands: commands.clone(),
                    };
                    if tokio::time::timeout(WRITE, events.send(event)).await.is_err() {
                        return "the system did not take the registration".into();
                    }
                }
                actions
            }
            Some(cmd) = queued.recv() => match cmd {
                Command::OpenSession { session_id, versions } => conn.open_session(session_id, versions),
                Command::ToSession { session_id, payload } => conn.to_session(session_id, payload),
                Command::EndSession { session_id } => conn.end_session(session_id),
                Command::Kick(why) => conn.kick(&why),
            },
            read = tls.read(&mut buf) => match read {
                Ok(0) => return "the plugin closed the connection".into(),
                Err(e) => return format!("reading failed: {e}"),
                Ok(n) => {
                    decoder.feed(&buf[..n]);
                    let mut actions = Vec::new();
                    loop {
                        match decoder.next_packet() {
                            Ok(Some(p)) => actions.extend(conn.received(p, Instant::now())),
                            Ok(None) => break,
                            Err(e) => return format!("a bad packet: {e}"),
                        }
                    }
                    actions
                }
            },
        };
        for action in actions {
            match action {
                Action::Send(p) => {
                    match tokio::time::timeout(WRITE, tls.write_all(&p.encode())).await {
                        Ok(Ok(())) => {}
                        Ok(Err(e)) => return format!("writing failed: {e}"),
                        Err(_) => return format!("a write took over {} s", WRITE.as_secs()),
                    }
                }
                Action::Register {
                    registration,
                    previous,
                } => {
                    let (tx, rx) = oneshot::channel();
                    let registrar = registrar.clone();
                    registering = Some(registration.clone());
                    tokio::spawn(async move {
                        let decided = tokio::time::timeout(
                            DECISION,
                            registrar.register(registration, previous),
                        )
                        .await
                        .unwrap_or_else(|_| {
                            Err(Refusal(format!(
                                "no registration decision within {} s",
                                DECISION.as_secs()
                            )))
                        });
                        let _ = tx.send(decided);
                    });
                    decision = Some(rx);
                }
                Action::Close(why) => {
                    let _ = tokio::time::timeout(WRITE, tls.shutdown()).await;
                    return why;
                }
                other => {
                    let event = Event::Connection {
                        conn: id,
                        action: other,
                    };
                    if tokio::time::timeout(WRITE, events.send(event))
                        .await
                        .is_err()
                    {
                        tracing::warn!(
                            conn = id,
                            "the gateway's events are not taken: one dropped"
                        );
                    }
                }
            }
        }
    }
}
