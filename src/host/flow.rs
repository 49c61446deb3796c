//! Flow control from an instance to its session: the relay reads no further from the
//! instance's stdout while the session is behind.
//!
//! The broker gives publishers no backpressure: it buffers for a slow subscriber until
//! it cuts it off, and the client library queues publishes in memory. So the session
//! tells the host, in `credit` messages, how many bytes of the link it has taken in; the
//! host relays at most [`LINK_WINDOW`] beyond that, and all links of a host together at
//! most [`HOST_BUDGET`]. While a link waits, its instance blocks writing to a full pipe —
//! nothing is dropped, and a host's memory stays bounded whatever its instances write.
//!
//! [`Window`] is the sans-IO accounting; [`Flow`] its async adapter, one per link.

use std::sync::{Arc, Mutex};

use tokio::sync::{Notify, Semaphore};

pub use crate::api::link::LINK_WINDOW;
/// Bytes all links of one host may have in flight together.
pub const HOST_BUDGET: u64 = 256 << 20;
/// The host budget is counted in units of this many bytes (semaphore permits).
const UNIT: u64 = 1024;

/// One link's accounting: bytes sent to the session and bytes it has credited.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Window {
    sent: u64,
    acked: u64,
    limit: u64,
}

impl Window {
    /// A window of `limit` bytes.
    pub fn new(limit: u64) -> Self {
        Window {
            sent: 0,
            acked: 0,
            limit,
        }
    }

    /// Bytes sent and not yet credited.
    pub fn in_flight(&self) -> u64 {
        self.sent - self.acked
    }

    /// Whether a message of `len` bytes may go now. With nothing in flight any message
    /// may (one larger than the window must still pass).
    pub fn may_send(&self, len: u64) -> bool {
        self.in_flight() == 0 || self.in_flight().saturating_add(len) <= self.limit
    }

    /// Records a message of `len` bytes sent.
    pub fn sent(&mut self, len: u64) {
        self.sent = self.sent.saturating_add(len);
    }

    /// Records the session's credit (a running total; stale or excessive values are
    /// clamped); returns how many bytes it released.
    pub fn credit(&mut self, received: u64) -> u64 {
        let received = received.min(self.sent);
        if received <= self.acked {
            return 0;
        }
        let released = received - self.acked;
        self.acked = received;
        released
    }
}

/// The host-wide budget shared by all links; also counts the bytes relayed, so the host
/// knows when a burst went through.
#[derive(Debug, Clone)]
pub struct Budget {
    /// Free units of the budget.
    units: Arc<Semaphore>,
    /// Bytes relayed through it so far.
    relayed: Arc<std::sync::atomic::AtomicU64>,
}

impl Budget {
    /// A budget of `bytes`.
    pub fn new(bytes: u64) -> Self {
        Budget {
            units: Arc::new(Semaphore::new((bytes / UNIT).max(1) as usize)),
            relayed: Default::default(),
        }
    }

    /// Bytes relayed through this budget so far.
    pub fn relayed(&self) -> u64 {
        self.relayed.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn give_back(&self, units: u64) {
        self.units.add_permits(units as usize);
    }

    fn units(len: u64, cap: usize) -> u32 {
        (len.div_ceil(UNIT) as usize)
            .clamp(1, cap)
            .min(u32::MAX as usize) as u32
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget::new(HOST_BUDGET)
    }
}

/// One link's flow control: waits for window and budget before each relayed message.
#[derive(Debug)]
pub struct Flow {
    /// The window, and the budget units this link holds for its bytes in flight.
    state: Mutex<(Window, u64)>,
    credited: Notify,
    budget: Budget,
    budget_cap: usize,
}

impl Flow {
    /// Flow control with a window of `window` bytes drawing on `budget`.
    pub fn new(window: u64, budget: Budget) -> Self {
        let budget_cap = budget.units.available_permits().max(1);
        Flow {
            state: Mutex::new((Window::new(window), 0)),
            credited: Notify::new(),
            budget,
            budget_cap,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, (Window, u64)> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits until a message of `len` bytes may be relayed, then counts it as sent.
    /// Returns whether it had to wait (the session or the host was behind).
    pub async fn reserve(&self, len: u64) -> bool {
        let mut waited = false;
        loop {
            let notified = self.credited.notified();
            if self.state().0.may_send(len) {
                break;
            }
            waited = true;
            notified.await;
        }
        let units = Budget::units(len, self.budget_cap);
        if let Ok(permit) = self.budget.units.try_acquire_many(units) {
            permit.forget();
        } else {
            waited = true;
            match self.budget.units.acquire_many(units).await {
                Ok(permit) => permit.forget(),
                Err(_) => return waited, // never closed
            }
        }
        {
            let mut state = self.state();
            state.0.sent(len);
            state.1 += units as u64;
        }
        self.budget
            .relayed
            .fetch_add(len, std::sync::atomic::Ordering::Relaxed);
        waited
    }

    /// Counts a message the host itself sent on the link (no waiting: they are small
    /// and rare, and the session counts every byte it receives).
    pub fn sent_by_host(&self, len: u64) {
        self.state().0.sent(len);
    }

    /// Applies a session's credit: frees window and budget.
    pub fn credit(&self, received: u64) {
        {
            let mut state = self.state();
            if state.0.credit(received) == 0 {
                return;
            }
            // Hold budget only for what is still in flight.
            let freed = state.1.saturating_sub(state.0.in_flight().div_ceil(UNIT));
            state.1 -= freed;
            self.budget.give_back(freed);
        }
        self.credited.notify_waiters();
    }
}

impl Drop for Flow {
    /// A link that ends gives its budget back, credited or not.
    fn drop(&mut self) {
        let state = self.state.get_mut().unwrap_or_else(|p| p.into_inner());
        self.budget.give_back(std::mem::take(&mut state.1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_admits_up_to_its_limit_and_one_large_message_alone() {
        let mut w = Window::new(100);
        assert!(w.may_send(1000), "nothing in flight: any size passes");
        w.sent(60);
        assert!(w.may_send(40));
        assert!(!w.may_send(41));
        assert_eq!(w.credit(50), 50);
        assert_eq!(w.in_flight(), 10);
        assert!(w.may_send(90));
    }

    #[test]
    fn credit_is_a_clamped_running_total() {
        let mut w = Window::new(100);
        w.sent(80);
        assert_eq!(w.credit(30), 30);
        assert_eq!(w.credit(20), 0, "a stale credit releases nothing");
        assert_eq!(
            w.credit(u64::MAX),
            50,
            "credit beyond what was sent is clamped"
        );
        assert_eq!(w.in_flight(), 0);
    }

    #[tokio::test]
    async fn a_link_waits_for_credit_and_gives_its_budget_back() {
        let budget = Budget::new(64 * UNIT);
        let flow = std::sync::Arc::new(Flow::new(10 * UNIT, budget.clone()));
        assert!(!flow.reserve(8 * UNIT).await);
        let blocked = {
            let flow = flow.clone();
            tokio::spawn(async move { flow.reserve(4 * UNIT).await })
        };
        tokio::task::yield_now().await;
        assert!(!blocked.is_finished(), "12 units exceed the window of 10");
        flow.credit(8 * UNIT);
        assert!(blocked.await.unwrap(), "it waited, then went");
        assert_eq!(budget.units.available_permits(), 60);
        drop(flow);
        assert_eq!(budget.units.available_permits(), 64, "all given back");
    }

    #[tokio::test]
    async fn links_share_the_host_budget() {
        let budget = Budget::new(10 * UNIT);
        let a = Flow::new(100 * UNIT, budget.clone());
        let b = std::sync::Arc::new(Flow::new(100 * UNIT, budget.clone()));
        a.reserve(8 * UNIT).await;
        let waiting = {
            let b = b.clone();
            tokio::spawn(async move { b.reserve(4 * UNIT).await })
        };
        tokio::task::yield_now().await;
        assert!(!waiting.is_finished(), "the host budget is spent");
        a.credit(8 * UNIT);
        assert!(waiting.await.unwrap());
    }
}
