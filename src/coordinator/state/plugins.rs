//! Plugins and their hosts: registration, leases, heartbeats, expiry and the plugin list.

use super::{Effect, HostLease, MAX_ENTRIES, Plugin, Registry, err, plugin_key};
use crate::api::control::{
    Event, Heartbeat, HostRef, PluginInfo, PluginList, PluginRemoved, Register, Registered,
};
use crate::api::link::{CloseCode, CloseReason};
use crate::api::{ErrorBody, ErrorCode};
use crate::wire::subject::{self, Token};
use std::collections::BTreeMap;
use std::time::Instant;

impl Registry {
    fn plugin_info(p: &Plugin) -> PluginInfo {
        PluginInfo {
            plugin_id: p.id.clone(),
            metadata: p.metadata.clone(),
            hosts: p.hosts.len() as u32,
            capacity: p.hosts.values().map(|h| h.capacity).sum(),
            links: p.hosts.values().map(|h| h.links).sum(),
        }
    }

    /// `plugin.register`: adds the host to the plugin of that name (creating it).
    pub fn register(
        &mut self,
        req: Register,
        now: Instant,
    ) -> Result<(Registered, Vec<Effect>), ErrorBody> {
        req.metadata
            .validate()
            .map_err(|e| err(ErrorCode::BadRequest, e.message))?;
        if req.capacity == 0 {
            return Err(err(ErrorCode::BadRequest, "capacity must be at least 1"));
        }
        let name = req.metadata.name.trim().to_string();
        let id = match self.names.get(&name) {
            Some(id) => id.clone(),
            None => {
                if self.plugins.len() >= MAX_ENTRIES {
                    return Err(err(ErrorCode::Unavailable, "plugin registry is full"));
                }
                // The id follows from the name, as in the host's credential.
                let id = subject::plugin_id_for(&name);
                self.names.insert(name.clone(), id.clone());
                self.plugins.insert(
                    id.clone(),
                    Plugin {
                        id: id.clone(),
                        metadata: req.metadata.clone(),
                        hosts: BTreeMap::new(),
                    },
                );
                id
            }
        };
        let plugin = self
            .plugins
            .get_mut(&id)
            .expect("name index points at a plugin");
        if plugin.metadata != req.metadata {
            tracing::info!(plugin = %name, "metadata updated by host {}", req.host_id);
            plugin.metadata = req.metadata;
        }
        if plugin.hosts.len() >= super::MAX_HOSTS_PER_PLUGIN
            && !plugin.hosts.contains_key(&req.host_id)
        {
            return Err(err(
                ErrorCode::Unavailable,
                format!(
                    "plugin {name:?} has {} hosts already",
                    super::MAX_HOSTS_PER_PLUGIN
                ),
            ));
        }
        let links = plugin.hosts.get(&req.host_id).map_or(0, |h| h.links);
        plugin.hosts.insert(
            req.host_id,
            HostLease {
                capacity: req.capacity,
                links,
                expires: now + self.lease,
            },
        );
        let info = Self::plugin_info(plugin);
        self.changed.insert(plugin_key(&id));
        let effects = vec![Effect::Event {
            subject: subject::plugin_event(&id, "registered"),
            event: Event::PluginRegistered(info),
        }];
        Ok((
            Registered {
                plugin_id: id,
                lease_ms: self.lease.as_millis() as u64,
            },
            effects,
        ))
    }

    /// `plugin.heartbeat`: renews a host's lease. Unknown hosts must re-register.
    pub fn heartbeat(&mut self, hb: Heartbeat, now: Instant) -> Result<(), ErrorBody> {
        let lease = self.lease;
        let host = self
            .plugins
            .get_mut(&hb.plugin_id)
            .and_then(|p| p.hosts.get_mut(&hb.host_id))
            .ok_or_else(|| {
                err(
                    ErrorCode::NotFound,
                    "unknown plugin host (lease expired or coordinator restarted): register again",
                )
            })?;
        host.expires = now + lease;
        host.links = hb.links;
        Ok(())
    }

    /// `plugin.deregister`: a host stops gracefully.
    pub fn deregister(&mut self, r: HostRef) -> Vec<Effect> {
        self.remove_host(
            &r.plugin_id,
            &r.host_id,
            CloseCode::HostStopping,
            "the plugin's host stopped",
        )
    }

    /// Drops hosts whose lease ran out; their links close with `host_lost`.
    pub fn expire(&mut self, now: Instant) -> Vec<Effect> {
        let dead: Vec<(Token, Token)> = self
            .plugins
            .values()
            .flat_map(|p| {
                p.hosts
                    .iter()
                    .filter(|(_, h)| h.expires <= now)
                    .map(|(hid, _)| (p.id.clone(), hid.clone()))
            })
            .collect();
        let mut effects = Vec::new();
        for (pid, hid) in dead {
            tracing::warn!(plugin = %pid, host = %hid, "host lease expired");
            effects.extend(self.remove_host(
                &pid,
                &hid,
                CloseCode::HostLost,
                "the plugin's host stopped responding (lease expired)",
            ));
        }
        effects
    }

    /// Every registered host's id.
    pub fn host_ids(&self) -> Vec<Token> {
        self.plugins
            .values()
            .flat_map(|p| p.hosts.keys().cloned())
            .collect()
    }

    /// Removes a host at once (e.g. the broker reported its connection gone).
    pub fn host_lost(&mut self, host_id: &Token, why: &str) -> Vec<Effect> {
        let pids: Vec<Token> = self
            .plugins
            .values()
            .filter(|p| p.hosts.contains_key(host_id))
            .map(|p| p.id.clone())
            .collect();
        pids.iter()
            .flat_map(|pid| self.remove_host(pid, host_id, CloseCode::HostLost, why))
            .collect()
    }

    fn remove_host(&mut self, pid: &Token, hid: &Token, code: CloseCode, why: &str) -> Vec<Effect> {
        let mut effects = Vec::new();
        let Some(plugin) = self.plugins.get_mut(pid) else {
            return effects;
        };
        if plugin.hosts.remove(hid).is_none() {
            return effects;
        }
        self.changed.insert(plugin_key(pid));
        let lost: Vec<Token> = self
            .links
            .iter()
            .filter(|(_, l)| &l.plugin_id == pid && &l.host_id == hid)
            .map(|(id, _)| id.clone())
            .collect();
        for lid in lost {
            effects.extend(self.close_link(&lid, CloseReason::new(code, why), true));
        }
        let plugin = self.plugins.get(pid).expect("checked above");
        if plugin.hosts.is_empty() {
            self.names.remove(plugin.metadata.name.trim());
            self.plugins.remove(pid);
            effects.push(Effect::Event {
                subject: subject::plugin_event(pid, "removed"),
                event: Event::PluginRemoved(PluginRemoved {
                    plugin_id: pid.clone(),
                    reason: why.into(),
                }),
            });
        }
        effects
    }

    /// `plugin.list`, sorted by name.
    pub fn list(&self) -> PluginList {
        let mut plugins: Vec<PluginInfo> = self.plugins.values().map(Self::plugin_info).collect();
        plugins.sort_by(|a, b| a.metadata.name.cmp(&b.metadata.name));
        PluginList { plugins }
    }

    pub(super) fn find_plugin(&self, key: &str) -> Result<&Plugin, ErrorBody> {
        let by_id = Token::new(key).ok().and_then(|t| self.plugins.get(&t));
        let by_name = || {
            self.names
                .get(key.trim())
                .and_then(|id| self.plugins.get(id))
        };
        by_id.or_else(by_name).ok_or_else(|| {
            let known: Vec<&str> = self
                .plugins
                .values()
                .map(|p| p.metadata.name.as_str())
                .collect();
            err(
                ErrorCode::NotFound,
                format!(
                    "no plugin named {key:?}; available: {}",
                    if known.is_empty() {
                        "none".into()
                    } else {
                        known.join(", ")
                    }
                ),
            )
        })
    }
}
