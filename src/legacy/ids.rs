//! Plugin ids for legacy connections: never 0 (0 means "none" on the wire), unique among
//! live connections, and given back to a plugin that reconnects asking for its old id —
//! nanome-lib's session processes keep the id they were spawned with, so a plugin whose id
//! changed would lose its live sessions. An id stays reserved for its plugin for a grace
//! period after its connection ends, so a reconnect (1 s later in nanome-lib, or 16 s after
//! a missed keep-alive) finds it free. Sans-IO: the caller passes the time.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// How long an id stays reserved for its plugin after its connection ends.
pub const GRACE: Duration = Duration::from_secs(120);

/// Most ids held (live or reserved) at once.
pub const MAX_IDS: usize = 65_536;

#[derive(Debug, Clone)]
enum Holder {
    /// A live connection of the plugin named.
    Live(String),
    /// Reserved for the plugin named until the instant.
    Reserved(String, Instant),
}

/// The ids in use.
#[derive(Debug, Default)]
pub struct Ids {
    held: HashMap<u32, Holder>,
    next: u32,
}

impl Ids {
    /// An id for a connection of plugin `name` asking for `previous`: that one if it is free
    /// or reserved for this plugin, else a fresh one. `None` when [`MAX_IDS`] are held.
    pub fn assign(&mut self, name: &str, previous: Option<u32>, now: Instant) -> Option<u32> {
        self.expire(now);
        if let Some(p) = previous.filter(|p| *p != 0) {
            let free = match self.held.get(&p) {
                None => true,
                Some(Holder::Reserved(owner, _)) => owner == name,
                Some(Holder::Live(_)) => false,
            };
            if free {
                self.held.insert(p, Holder::Live(name.to_string()));
                return Some(p);
            }
        }
        if self.held.len() >= MAX_IDS {
            return None;
        }
        loop {
            self.next = self.next.wrapping_add(1).max(1);
            if !self.held.contains_key(&self.next) {
                self.held.insert(self.next, Holder::Live(name.to_string()));
                return Some(self.next);
            }
        }
    }

    /// Connection `id` ended: its id is kept for its plugin for [`GRACE`].
    pub fn release(&mut self, id: u32, now: Instant) {
        if let Some(Holder::Live(name)) = self.held.remove(&id) {
            self.held.insert(id, Holder::Reserved(name, now + GRACE));
        }
    }

    /// Frees reservations past their grace.
    fn expire(&mut self, now: Instant) {
        self.held
            .retain(|_, h| !matches!(h, Holder::Reserved(_, until) if *until <= now));
    }

    /// Ids live or reserved.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    /// Whether none is held.
    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_never_zero_and_unique() {
        let now = Instant::now();
        let mut ids = Ids::default();
        let a = ids.assign("a", None, now).unwrap();
        let b = ids.assign("b", Some(0), now).unwrap();
        assert!(a != 0 && b != 0 && a != b);
        // Asking for a live id gets another.
        let c = ids.assign("c", Some(a), now).unwrap();
        assert!(c != a && c != b && c != 0);
    }

    #[test]
    fn a_reconnect_gets_its_id_back_within_the_grace_only() {
        let t0 = Instant::now();
        let mut ids = Ids::default();
        let a = ids.assign("probe", None, t0).unwrap();
        ids.release(a, t0);
        // Another plugin cannot take it while it is reserved.
        assert_ne!(ids.assign("other", Some(a), t0), Some(a));
        assert_eq!(
            ids.assign("probe", Some(a), t0 + Duration::from_secs(16)),
            Some(a)
        );
        ids.release(a, t0 + Duration::from_secs(20));
        // Past the grace it is anyone's.
        let later = t0 + Duration::from_secs(20) + GRACE;
        assert_eq!(ids.assign("other", Some(a), later), Some(a));
        // A plugin asking for an id never given (the gateway restarted) gets it if free.
        assert_eq!(ids.assign("probe", Some(77), later), Some(77));
    }

    #[test]
    fn the_counter_wraps_past_zero_and_skips_held_ids() {
        let now = Instant::now();
        let mut ids = Ids {
            next: u32::MAX - 1,
            ..Ids::default()
        };
        assert_eq!(ids.assign("a", None, now), Some(u32::MAX));
        assert_eq!(ids.assign("b", Some(1), now), Some(1));
        assert_eq!(ids.assign("c", None, now), Some(2), "0 and 1 skipped");
    }
}
