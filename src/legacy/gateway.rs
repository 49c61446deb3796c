//! The gateway's network side: a TLS listener speaking nanome-lib's packets, one task per
//! connection driving a [`Connection`]. The system is behind a [`Registrar`], which
//! decides registrations and, for each plugin it admits, says where that connection's
//! actions go (`legacy::service` in nts; a test's own in `tests/legacy_live.rs`).
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
/// Longest wait for the registrar's decision (registrations take turns after a restart:
/// hundreds of plugins reconnect at once, and nanome-lib waits for its ack).
const DECISION: Duration = Duration::from_secs(60);
/// Longest wait for one write to a plugin.
const WRITE: Duration = Duration::from_secs(10);
/// How often silence is checked.
const TICK: Duration = Duration::from_secs(10);

/// Decides registrations: admits a plugin (its id, and where its connection's actions go)
/// or says why it is refused.
pub trait Registrar: Send + Sync + 'static {
    /// Registers `registration`; `previous` is the id it asks back (a reconnect), and
    /// `commands` reaches its connection.
    fn register(
        &self,
        registration: Registration,
        previous: Option<u32>,
        commands: mpsc::Sender<Command>,
    ) -> impl Future<Output = Result<Admitted, Refusal>> + Send;
}

/// A registration the system accepted.
#[derive(Debug, Clone)]
pub struct Admitted {
    /// The plugin's id (never 0).
    pub plugin_id: u32,
    /// Where the connection's actions go from now on: session traffic, logs, dropped
    /// packets and, last, its close.
    pub events: mpsc::Sender<Action>,
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
                    let (acceptor, registrar, stop) =
                        (acceptor.clone(), registrar.clone(), stop.clone());
                    let conn = next;
                    tokio::spawn(async move {
                        let mut sink = None;
                        let why = serve(stream, acceptor, registrar, &mut sink, stop).await;
                        tracing::info!(%peer, conn, "legacy plugin connection closed: {why}");
                        if let Some(events) = sink {
                            let _ =
                                tokio::time::timeout(WRITE, events.send(Action::Close(why))).await;
                        }
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
    pending: &mut Option<oneshot::Receiver<Result<Admitted, Refusal>>>,
) -> Result<Admitted, Refusal> {
    match pending {
        Some(rx) => rx
            .await
            .unwrap_or_else(|_| Err(Refusal("the registrar gave no answer".into()))),
        None => std::future::pending().await,
    }
}

/// Serves one connection; returns why it ended. Once admitted, its actions go to `sink`.
async fn serve<R: Registrar>(
    stream: TcpStream,
    acceptor: tokio_rustls::TlsAcceptor,
    registrar: Arc<R>,
    sink: &mut Option<mpsc::Sender<Action>>,
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
    let mut decision: Option<oneshot::Receiver<Result<Admitted, Refusal>>> = None;
    let (commands, mut queued) = mpsc::channel(COMMANDS);
    let mut tick = tokio::time::interval(TICK);
    loop {
        let actions = tokio::select! {
            _ = stop.cancelled() => return "the gateway is stopping".into(),
            _ = tick.tick() => conn.tick(Instant::now()),
            d = decided(&mut decision), if decision.is_some() => {
                decision = None;
                conn.decided(d.map(|admitted| {
                    *sink = Some(admitted.events);
                    admitted.plugin_id
                }))
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
                    let (registrar, commands) = (registrar.clone(), commands.clone());
                    tokio::spawn(async move {
                        let decided = tokio::time::timeout(
                            DECISION,
                            registrar.register(registration, previous, commands),
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
                Action::Dropped(why) => tracing::info!("a legacy plugin's packet dropped: {why}"),
                other => {
                    let Some(events) = sink.as_ref() else {
                        // Only a registered plugin has session traffic or logs.
                        continue;
                    };
                    // The system takes its plugins' traffic in order; one that stops taking
                    // it holds this connection back, then closes it.
                    match tokio::time::timeout(WRITE, events.send(other)).await {
                        Ok(Ok(())) => {}
                        Ok(Err(_)) => return "the plugin's registration ended".into(),
                        Err(_) => {
                            return format!(
                                "the system took none of the plugin's traffic for {} s",
                                WRITE.as_secs()
                            );
                        }
                    }
                }
            }
        }
    }
}
