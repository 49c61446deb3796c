//! Durable coordinator state and leadership, in a JetStream KV bucket.
//!
//! Every registry record lives under its own key (`plugin.<id>`, `session.<id>`,
//! `link.<id>`), written before the request that changed it is answered. The key `leader`
//! holds a lease `{id, until_ms}` renewed by the active coordinator; a standby takes it over
//! with compare-and-set once it runs out, loads the records and starts serving. No session,
//! presenter or link is lost when the active coordinator dies.
//!
//! **Fencing.** Every write of the leader — records and lease renewals alike — expects
//! the bucket's stream to end at the leader's own previous write
//! (`Nats-Expected-Last-Sequence`). A standby that takes the lease over writes in between,
//! so a leader that was paused past its lease cannot write even once more: its next write
//! is refused, and it steps down.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, kv};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{Mutex, mpsc, oneshot, watch};

use super::state::Change;

/// Name of the coordinator's KV bucket.
pub const BUCKET: &str = "nts_coordinator";
/// Key of the leader lease.
const LEADER: &str = "leader";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The bucket could not be reached or used.
    #[error("coordinator store: {0}")]
    Unavailable(String),
    /// Another coordinator wrote since this one's last write: it holds the lease now.
    #[error("coordinator store: another coordinator took over the leader lease")]
    Fenced,
}

crate::error::error_kind!(StoreError => StoreErrorKind {
    /// Transient or configuration: retry or fix the broker.
    Unavailable,
    /// Leadership is lost: step down.
    Fenced,
});

fn err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(format!("{what}: {e}"))
}

/// The coordinator's KV bucket.
#[derive(Clone)]
pub struct Store {
    kv: kv::Store,
    js: jetstream::Context,
    /// Stream sequence of this coordinator's last write while it leads (the fence);
    /// held across each write, so writes are serialised.
    fence: std::sync::Arc<Mutex<Option<u64>>>,
    /// Turns `false` when a write was fenced off or a renewal refused.
    leading: std::sync::Arc<watch::Sender<bool>>,
    /// Set by a graceful stop, so its end of the renewals is not reported as a loss.
    resigned: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Lease {
    id: String,
    until_ms: u64,
}

/// How long one store operation may take before it counts as failed.
const WRITE_TIMEOUT: Duration = Duration::from_secs(3);

fn lease_value(id: &str, lease: Duration) -> Vec<u8> {
    serde_json::to_vec(&Lease {
        id: id.into(),
        until_ms: now_ms() + lease.as_millis() as u64,
    })
    .unwrap_or_default()
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Store {
    /// Opens (or creates) the bucket with `replicas` copies (1 on one server, 3 in a cluster).
    pub async fn open(client: async_nats::Client, replicas: usize) -> Result<Store, StoreError> {
        let js = jetstream::new(client);
        let kv = match js.get_key_value(BUCKET).await {
            Ok(kv) => kv,
            Err(_) => js
                .create_key_value(kv::Config {
                    bucket: BUCKET.into(),
                    description: "nts coordinator state: plugins, sessions, links, leader lease"
                        .into(),
                    history: 1,
                    num_replicas: replicas.max(1),
                    storage: jetstream::stream::StorageType::File,
                    ..Default::default()
                })
                .await
                .map_err(|e| err("creating the KV bucket (is JetStream enabled?)", e))?,
        };
        Ok(Store {
            kv,
            js,
            fence: Default::default(),
            leading: std::sync::Arc::new(watch::channel(false).0),
            resigned: Default::default(),
        })
    }

    /// Writes `value` under `key` (`None`: deletes it) only if nobody wrote since this
    /// coordinator's last write.
    async fn fenced_write(&self, key: &str, value: Option<Vec<u8>>) -> Result<(), StoreError> {
        use async_nats::jetstream::context::PublishErrorKind;
        let mut fence = self.fence.lock().await;
        let Some(last) = *fence else {
            return Err(StoreError::Fenced);
        };
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(
            async_nats::header::NATS_EXPECTED_LAST_SEQUENCE,
            last.to_string().as_str(),
        );
        if value.is_none() {
            headers.insert("KV-Operation", "DEL");
        }
        let subject = format!("$KV.{BUCKET}.{key}");
        let payload = value.unwrap_or_default().into();
        let ack = async {
            self.js
                .publish_with_headers(subject, headers, payload)
                .await?
                .await
        };
        match crate::runtime::within(WRITE_TIMEOUT, ack).await {
            Some(Ok(ack)) => {
                *fence = Some(ack.sequence);
                Ok(())
            }
            Some(Err(e)) if e.kind() == PublishErrorKind::WrongLastSequence => {
                *fence = None;
                self.leading.send_replace(false);
                Err(StoreError::Fenced)
            }
            Some(Err(e)) => Err(err("writing a record", e)),
            None => Err(err(
                "writing a record",
                format!("no answer within {WRITE_TIMEOUT:?}"),
            )),
        }
    }

    /// Every stored record (the leader lease excluded).
    pub async fn load(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let mut keys = self.kv.keys().await.map_err(|e| err("listing keys", e))?;
        let mut out = Vec::new();
        while let Some(key) = keys.next().await {
            let key = key.map_err(|e| err("listing keys", e))?;
            if key == LEADER {
                continue;
            }
            if let Some(value) = self
                .kv
                .get(&key)
                .await
                .map_err(|e| err("reading a record", e))?
            {
                out.push((key, value.to_vec()));
            }
        }
        Ok(out)
    }

    /// Follows the `revoked.<id>` records (written by whichever coordinator leads) into
    /// `into`, for this coordinator's callout; the standby's too. Runs until aborted,
    /// watching again after a broker restart.
    pub async fn watch_revocations(self, into: crate::coordinator::callout::Revocations) {
        use async_nats::jetstream::kv::Operation;
        loop {
            match self.kv.watch_with_history("revoked.*").await {
                Ok(mut entries) => {
                    while let Some(Ok(entry)) = entries.next().await {
                        let Some(id) = entry
                            .key
                            .strip_prefix("revoked.")
                            .and_then(|id| crate::wire::subject::Token::new(id).ok())
                        else {
                            continue;
                        };
                        if entry.operation != Operation::Put {
                            continue;
                        }
                        if let Ok(until) = ciborium::from_reader::<u64, _>(&entry.value[..]) {
                            into.revoke(id, until);
                        }
                    }
                }
                Err(e) => tracing::debug!("watching revocations: {e}; retrying"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Writes and deletes records, in order, fenced. A transient failure (the broker
    /// restarting) is retried for a few seconds.
    pub async fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        for (key, value) in changes {
            let mut tries = 0;
            loop {
                match self.fenced_write(&key, value.clone()).await {
                    Ok(()) => break,
                    Err(StoreError::Fenced) => return Err(StoreError::Fenced),
                    Err(e) if tries >= 20 => return Err(e),
                    Err(_) => {
                        tries += 1;
                        tokio::time::sleep(Duration::from_millis(250)).await;
                    }
                }
            }
        }
        Ok(())
    }

    /// A single writer that applies batches in the order they are queued; each batch's
    /// sender learns when it is durable.
    pub fn writer(self) -> mpsc::UnboundedSender<(Vec<Change>, oneshot::Sender<()>)> {
        let (tx, mut rx) = mpsc::unbounded_channel::<(Vec<Change>, oneshot::Sender<()>)>();
        tokio::spawn(async move {
            while let Some((changes, done)) = rx.recv().await {
                match self.apply(changes).await {
                    Ok(()) => {}
                    Err(StoreError::Fenced) => {
                        tracing::warn!("a write was refused: another coordinator leads now")
                    }
                    Err(e) => {
                        tracing::error!("{e}; a coordinator taking over would miss this change")
                    }
                }
                let _ = done.send(());
            }
        });
        tx
    }

    /// Waits until this coordinator holds the leader lease, then keeps renewing it. The
    /// returned receiver turns `false` if the lease is lost (another coordinator took it,
    /// or a write was fenced off). A renewal that fails because the broker is unreachable
    /// is retried: it loses nothing, since any other coordinator's takeover would fence
    /// the next write.
    /// `on_standby` runs once if another coordinator holds the lease.
    pub async fn lead(
        &self,
        id: &str,
        lease: Duration,
        on_standby: impl FnOnce(),
    ) -> Result<watch::Receiver<bool>, StoreError> {
        let mut on_standby = Some(on_standby);
        loop {
            match self.try_take(id, lease).await {
                Ok(true) => break,
                Ok(false) => {
                    if let Some(f) = on_standby.take() {
                        tracing::info!(
                            "standby: another coordinator is active; waiting for its lease to run out"
                        );
                        f();
                    }
                }
                Err(e) => tracing::warn!("taking the leader lease failed: {e}; retrying"),
            }
            tokio::time::sleep(lease / 4).await;
        }
        self.leading.send_replace(true);
        let rx = self.leading.subscribe();
        let me = self.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            let warn = crate::runtime::RateLimited::new(Duration::from_secs(10));
            loop {
                tick.tick().await;
                if !*me.leading.borrow() || me.leading.receiver_count() == 0 {
                    return;
                }
                match me.fenced_write(LEADER, Some(lease_value(&id, lease))).await {
                    Ok(()) => {}
                    Err(StoreError::Fenced) => {
                        if !me.resigned.load(std::sync::atomic::Ordering::SeqCst) {
                            tracing::error!("lost the leader lease to another coordinator");
                        }
                        return;
                    }
                    Err(e) => {
                        if let Some(n) = warn.due() {
                            tracing::warn!(
                                "renewing the leader lease failed: {e}{}",
                                crate::runtime::more(n)
                            );
                        }
                    }
                }
            }
        });
        Ok(rx)
    }

    /// Takes the lease with compare-and-set if it is free, expired or already ours;
    /// `Ok(false)` if another coordinator holds it or moved first. On success this
    /// write's sequence becomes the fence.
    async fn try_take(&self, id: &str, lease: Duration) -> Result<bool, StoreError> {
        let mut fence = self.fence.lock().await;
        let mine = lease_value(id, lease);
        let entry = crate::runtime::within(WRITE_TIMEOUT, self.kv.entry(LEADER))
            .await
            .ok_or_else(|| err("reading the leader lease", "no answer"))?
            .map_err(|e| err("reading the leader lease", e))?;
        let written = match entry {
            Some(e) => {
                if e.operation == kv::Operation::Put {
                    let current: Option<Lease> = serde_json::from_slice(&e.value).ok();
                    let free = current.is_none_or(|l| l.id == id || l.until_ms < now_ms());
                    if !free {
                        return Ok(false);
                    }
                }
                match self.kv.update(LEADER, mine.into(), e.revision).await {
                    Ok(rev) => rev,
                    Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {
                        return Ok(false);
                    }
                    Err(e) => return Err(err("taking the leader lease", e)),
                }
            }
            None => match self.kv.create(LEADER, mine.into()).await {
                Ok(rev) => rev,
                Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => return Ok(false),
                Err(e) => return Err(err("taking the leader lease", e)),
            },
        };
        *fence = Some(written);
        Ok(true)
    }

    /// Gives the lease up (graceful stop), so a standby takes over at once. Stops the
    /// renewals first, so a graceful stop is not mistaken for a lost lease.
    pub async fn resign(&self, _id: &str) {
        self.resigned
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.leading.send_replace(false);
        if let Err(e) = self.fenced_write(LEADER, None).await {
            tracing::debug!("giving up the leader lease: {e}");
        }
        *self.fence.lock().await = None;
    }
}
