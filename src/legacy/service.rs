//! `nts legacy`: the gateway joined to a deployment. Each nanome-lib plugin that registers
//! becomes a host of its own on the broker — connected with the plugin's key (a plugin
//! ticket, which the broker's auth callout scopes to that plugin) and registered with the
//! coordinator with what the plugin says of itself — so to sessions it is a plugin like
//! any other. Its links are served by its [`bridge::Plugin`].
//!
//! A plugin whose connection drops keeps its registration and its sessions for
//! [`REATTACH`] (by default): nanome-lib reconnects within a second, asking for its old id, and its
//! session processes go on; one that does not come back is removed and its sessions told.

use super::bridge;
use super::conn::{Action, Refusal};
use super::gateway::{self, Admitted, Command, Registrar};
use super::ids::Ids;
use super::registration::Registration;
use crate::api::link::{CloseCode, CloseReason};
use crate::connect::Profile;
use crate::host::{Host, HostConfig, InstanceCommand, LinkSettings};
use crate::wire::subject::Token;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// How long a plugin whose connection dropped keeps its registration and sessions, by
/// default.
pub const REATTACH: Duration = Duration::from_secs(30);
/// A connection's actions queued for its plugin at most (beyond, the plugin waits).
const EVENTS: usize = 256;
/// Registrations joining the broker at once. After a restart every nanome-lib plugin
/// reconnects in the same second (its backoff has no jitter); each registration opens two
/// broker connections through the auth callout, and hundreds at once make the broker drop
/// connections. Queued ones wait for their turn (nanome-lib waits for its ack).
const JOINING: usize = 8;

/// How the gateway runs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where it listens (nanome-lib deployments use port 8888).
    pub listen: SocketAddr,
    /// The deployment: its broker and CA. When it is the operator's, a plugin that sends
    /// no key is given one minted for its name, if [`Settings::mint_keys`].
    pub profile: Profile,
    /// Mint keys for keyless plugins (development only: anyone who reaches the listener
    /// can then register any plugin name).
    pub mint_keys: bool,
    /// Sessions each plugin serves at once.
    pub capacity: u32,
    /// Link timings and limits.
    pub link: LinkSettings,
    /// How long a plugin whose connection dropped keeps its sessions ([`REATTACH`]).
    pub reattach: Duration,
}

/// The gateway: decides registrations and keeps the registered plugins.
pub struct Gateway {
    inner: Arc<Inner>,
}

struct Inner {
    settings: Settings,
    ids: Mutex<Ids>,
    plugins: Mutex<HashMap<u32, Arc<bridge::Plugin>>>,
    next_conn: AtomicU64,
    stop: CancellationToken,
    /// The plugins' hosts, so stopping can wait until each has deregistered.
    hosts: tokio_util::task::TaskTracker,
    /// Turns to join the broker ([`JOINING`] at once).
    joining: tokio::sync::Semaphore,
}

/// A running gateway.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    gateway: Arc<Inner>,
    stop: CancellationToken,
}

impl Running {
    /// Plugins registered now (connected or reconnecting).
    pub fn plugin_count(&self) -> usize {
        self.gateway.plugins.lock().expect("lock").len()
    }

    /// Stops listening, ends every plugin's sessions and deregisters them.
    pub async fn stop(self) {
        self.stop.cancel();
        let plugins: Vec<_> = self
            .gateway
            .plugins
            .lock()
            .expect("lock")
            .drain()
            .map(|(_, p)| p)
            .collect();
        let reason = CloseReason::new(CloseCode::HostStopping, "the legacy gateway is stopping");
        futures::future::join_all(plugins.iter().map(|p| p.lost(reason.clone()))).await;
        self.gateway.hosts.close();
        self.gateway.hosts.wait().await;
    }
}

/// Starts the gateway: listens with a self-signed certificate (nanome-lib checks none).
pub async fn start(settings: Settings) -> Result<Running, String> {
    let tls = gateway::self_signed_tls()?;
    let stop = CancellationToken::new();
    let inner = Arc::new(Inner {
        settings: settings.clone(),
        ids: Mutex::new(Ids::default()),
        plugins: Mutex::new(HashMap::new()),
        next_conn: AtomicU64::new(0),
        stop: stop.clone(),
        hosts: tokio_util::task::TaskTracker::new(),
        joining: tokio::sync::Semaphore::new(JOINING),
    });
    let registrar = Arc::new(Gateway {
        inner: inner.clone(),
    });
    let addr = gateway::listen(settings.listen, tls, registrar, stop.clone())
        .await
        .map_err(|e| {
            format!(
                "the legacy gateway cannot listen on {}: {e}",
                settings.listen
            )
        })?;
    Ok(Running {
        addr,
        gateway: inner,
        stop,
    })
}

impl Registrar for Gateway {
    async fn register(
        &self,
        registration: Registration,
        previous: Option<u32>,
        commands: mpsc::Sender<Command>,
    ) -> Result<Admitted, Refusal> {
        let this = &self.inner;
        let name = registration.name.trim().to_string();
        let key = registration
            .auth
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(String::from);
        let conn = this.next_conn.fetch_add(1, Ordering::Relaxed) + 1;
        // A reconnect within the grace period takes its plugin's sessions back — only with
        // the key it registered with.
        let back = previous.and_then(|p| {
            let plugins = this.plugins.lock().expect("lock");
            let plugin = plugins.get(&p)?;
            (plugin.name() == name && plugin.detached() && plugin.same_key(key.as_deref()))
                .then(|| (p, plugin.clone()))
        });
        if let Some((id, plugin)) = back {
            this.ids
                .lock()
                .expect("lock")
                .assign(&name, Some(id), Instant::now());
            plugin.attach(conn, commands);
            tracing::info!(plugin = %name, id, sessions = plugin.session_count(), "legacy plugin reconnected");
            return Ok(Admitted {
                plugin_id: id,
                events: this.events(id, conn, plugin),
            });
        }
        if key.is_none() && !this.settings.mint_keys {
            return Err(Refusal(format!(
                "plugin {name:?} sent no key: give it its plugin key in a file \
                 (`nts token plugin {name:?} > key.txt`, then `-k key.txt`)"
            )));
        }
        let id = this
            .ids
            .lock()
            .expect("lock")
            .assign(&name, previous, Instant::now())
            .ok_or_else(|| Refusal("the gateway holds its maximum of plugin ids".into()))?;
        let plugin = bridge::Plugin::new(&name, key.clone(), conn, commands);
        let mut config = HostConfig::new(
            registration.metadata(),
            // Never run: the bridge serves every link.
            InstanceCommand::new("/nonexistent", Vec::<String>::new()),
        );
        config.key = key.unwrap_or_default();
        config.capacity = this.settings.capacity;
        config.link = this.settings.link.clone();
        config.host_id = Token::random();
        let bridged: Arc<dyn crate::host::Bridge> = Arc::new(plugin.clone());
        let turn = this.joining.acquire().await;
        let joined =
            Host::connect_bridged(&this.settings.profile, config, false, Some(bridged)).await;
        drop(turn);
        let host = match joined {
            Ok(h) => h,
            Err(e) => {
                this.ids.lock().expect("lock").release(id, Instant::now());
                tracing::info!(plugin = %name, "legacy plugin refused: {e}");
                return Err(Refusal(e.to_string()));
            }
        };
        tracing::info!(plugin = %name, id, plugin_id = %host.plugin_id(), "legacy plugin registered");
        this.plugins
            .lock()
            .expect("lock")
            .insert(id, plugin.clone());
        let stop = plugin.stop.clone();
        let gateway_stop = this.stop.clone();
        this.hosts.spawn(async move {
            let serve = host.serve(stop.clone());
            tokio::pin!(serve);
            tokio::select! {
                r = &mut serve => { let _ = r; }
                _ = gateway_stop.cancelled() => {
                    stop.cancel();
                    let _ = serve.await;
                }
            }
        });
        Ok(Admitted {
            plugin_id: id,
            events: this.events(id, conn, plugin),
        })
    }
}

impl Inner {
    /// The channel connection `conn`'s actions go to, and the task that hands them to
    /// `plugin` and, when the connection closes, waits for a reconnect before it removes
    /// the plugin.
    fn events(
        self: &Arc<Self>,
        id: u32,
        conn: u64,
        plugin: Arc<bridge::Plugin>,
    ) -> mpsc::Sender<Action> {
        let (tx, mut rx) = mpsc::channel(EVENTS);
        let me = self.clone();
        tokio::spawn(async move {
            let why = loop {
                match rx.recv().await {
                    Some(Action::Close(why)) => break why,
                    Some(action) => plugin.dispatch(action).await,
                    None => break "the connection ended".to_string(),
                }
            };
            if !plugin.detach(conn) {
                return;
            }
            tracing::info!(
                plugin = %plugin.name(),
                id,
                "legacy plugin disconnected ({why}); its sessions wait {} s for it to reconnect",
                me.settings.reattach.as_secs_f64()
            );
            tokio::select! {
                _ = tokio::time::sleep(me.settings.reattach) => {}
                _ = plugin.stop.cancelled() => {}
            }
            if !plugin.detached() {
                return;
            }
            let reason = CloseReason::new(
                CloseCode::HostLost,
                format!(
                    "the legacy plugin {:?} lost its connection ({why}) and did not come back",
                    plugin.name()
                ),
            );
            plugin.lost(reason).await;
            me.forget(id, &plugin);
        });
        tx
    }

    /// Forgets plugin `id` if it is `plugin` (not a newer registration), keeping its id
    /// for it a while.
    fn forget(&self, id: u32, plugin: &Arc<bridge::Plugin>) {
        let mut plugins = self.plugins.lock().expect("lock");
        if plugins.get(&id).is_some_and(|p| Arc::ptr_eq(p, plugin)) {
            plugins.remove(&id);
            self.ids.lock().expect("lock").release(id, Instant::now());
        }
    }
}
