//! Durable coordinator state and leadership, in a JetStream KV bucket.
//!
//! Every registry record lives under its own key (`plugin.<id>`, `session.<id>`,
//! `link.<id>`), written before the request that changed it is answered. The key `leader`
//! holds a lease `{id, until_ms}` renewed by the active coordinator; a standby takes it over
//! with compare-and-set once it runs out, loads the records and starts serving. No session,
//! presenter or link is lost when the active coordinator dies.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use async_nats::jetstream::{self, kv};
use futures::StreamExt;
use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot, watch};

use super::state::Change;

/// Name of the coordinator's KV bucket.
pub const BUCKET: &str = "nts_coordinator";
/// Key of the leader lease.
const LEADER: &str = "leader";

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[error("coordinator store: {0}")]
pub struct StoreError(pub String);

fn err(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError(format!("{what}: {e}"))
}

/// The coordinator's KV bucket.
#[derive(Clone)]
pub struct Store {
    kv: kv::Store,
}

#[derive(Debug, Serialize, Deserialize)]
struct Lease {
    id: String,
    until_ms: u64,
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
        Ok(Store { kv })
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

    /// Writes and deletes records, in order.
    pub async fn apply(&self, changes: Vec<Change>) -> Result<(), StoreError> {
        for (key, value) in changes {
            match value {
                Some(v) => self
                    .kv
                    .put(&key, v.into())
                    .await
                    .map(|_| ())
                    .map_err(|e| err("writing a record", e))?,
                None => self
                    .kv
                    .delete(&key)
                    .await
                    .map_err(|e| err("deleting a record", e))?,
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
                if let Err(e) = self.apply(changes).await {
                    tracing::error!("{e}; a coordinator taking over would miss this change");
                }
                let _ = done.send(());
            }
        });
        tx
    }

    /// Waits until this coordinator holds the leader lease, then keeps renewing it. The
    /// returned receiver turns `false` if the lease is lost (another coordinator took it).
    /// `on_standby` runs once if another coordinator holds the lease.
    pub async fn lead(
        &self,
        id: &str,
        lease: Duration,
        on_standby: impl FnOnce(),
    ) -> Result<watch::Receiver<bool>, StoreError> {
        let mut on_standby = Some(on_standby);
        loop {
            if self.try_lead(id, lease).await? {
                break;
            }
            if let Some(f) = on_standby.take() {
                tracing::info!(
                    "standby: another coordinator is active; waiting for its lease to run out"
                );
                f();
            }
            tokio::time::sleep(lease / 4).await;
        }
        let (tx, rx) = watch::channel(true);
        let me = self.clone();
        let id = id.to_string();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(lease / 3);
            loop {
                tick.tick().await;
                match me.try_lead(&id, lease).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::error!("lost the leader lease to another coordinator");
                        let _ = tx.send(false);
                        return;
                    }
                    Err(e) => tracing::warn!("renewing the leader lease failed: {e}"),
                }
                if tx.is_closed() {
                    return;
                }
            }
        });
        Ok(rx)
    }

    /// Takes or renews the lease if it is free, expired or already ours.
    async fn try_lead(&self, id: &str, lease: Duration) -> Result<bool, StoreError> {
        let mine = serde_json::to_vec(&Lease {
            id: id.into(),
            until_ms: now_ms() + lease.as_millis() as u64,
        })
        .expect("a lease serializes");
        let entry = self
            .kv
            .entry(LEADER)
            .await
            .map_err(|e| err("reading the leader lease", e))?;
        let result = match entry {
            Some(e) if e.operation == kv::Operation::Put => {
                let current: Option<Lease> = serde_json::from_slice(&e.value).ok();
                let free = current.is_none_or(|l| l.id == id || l.until_ms < now_ms());
                if !free {
                    return Ok(false);
                }
                self.kv
                    .update(LEADER, mine.into(), e.revision)
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            }
            Some(e) => self
                .kv
                .update(LEADER, mine.into(), e.revision)
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            None => self
                .kv
                .create(LEADER, mine.into())
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
        };
        // A failed compare-and-set means someone else moved first.
        Ok(result.is_ok())
    }

    /// Gives the lease up (graceful stop), so a standby takes over at once.
    pub async fn resign(&self, id: &str) {
        if let Ok(Some(e)) = self.kv.entry(LEADER).await
            && serde_json::from_slice::<Lease>(&e.value).is_ok_and(|l| l.id == id)
        {
            let _ = self
                .kv
                .delete_expect_revision(LEADER, Some(e.revision))
                .await;
        }
    }
}
