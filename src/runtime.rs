//! Process-wide plumbing every role shares: logging, signals, panics, deadlines and
//! rate-limited log lines. Below every role; depends on nothing of theirs.

use std::future::Future;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio_util::sync::CancellationToken;

/// Sets up logging to stderr (`RUST_LOG` overrides; `verbose` means debug) and the
/// panic hook ([`quiet_panics`]).
pub fn init_tracing(verbose: bool) {
    let default = if verbose {
        "debug,async_nats=info"
    } else {
        "info,async_nats=warn"
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
    quiet_panics();
}

/// Replaces the default panic hook, which prints Rust's message and a backtrace hint on
/// the user's screen, with one log line. Panics that code contains (a parser's, a
/// task's) then surface only as that line plus the clear error their caller reports.
/// With `RUST_BACKTRACE=1` the log line carries the backtrace.
pub fn quiet_panics() {
    std::panic::set_hook(Box::new(|info| {
        let trace = std::backtrace::Backtrace::capture();
        let trace = match trace.status() {
            std::backtrace::BacktraceStatus::Captured => format!("\n{trace}"),
            _ => String::new(),
        };
        let contained = CONTAINING.with(|c| c.get());
        let what = panic_message(info.payload());
        let at = info
            .location()
            .map(|l| format!(" at {}:{}", l.file(), l.line()))
            .unwrap_or_default();
        if contained {
            // The caller reports a clear error of its own; keep the detail in the log.
            tracing::debug!("contained panic{at}: {what}{trace}");
        } else {
            tracing::error!(
                "internal error{at}: {what} (this is a bug in nts; please report it){trace}"
            );
        }
    }));
}

thread_local! {
    /// Set while [`contain`] runs a closure on this thread.
    static CONTAINING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A panic caught by [`contain`]: its message, for the log (never for a user's screen).
#[derive(Debug, Clone, thiserror::Error)]
#[error("internal error: {message}")]
pub struct Panicked {
    /// The panic's message.
    pub message: String,
}

/// Runs `f`; a panic inside it becomes `Err(Panicked)` instead of unwinding, and the
/// panic hook logs it at debug level only (the caller turns it into a clear error).
pub fn contain<T>(f: impl FnOnce() -> T) -> Result<T, Panicked> {
    let was = CONTAINING.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    CONTAINING.with(|c| c.set(was));
    result.map_err(|panic| Panicked {
        message: panic_message(panic.as_ref()),
    })
}

/// A panic's message (`panic!` payloads are `&str` or `String`).
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown cause".into())
}

/// Cancels `token` on the first SIGINT or SIGTERM; a second one exits at once (status
/// 130), so a stop that hangs can always be cut short. The handlers are installed when
/// this is called, not when the returned future first runs: a signal that arrives before
/// the spawned task is polled is still caught. Call it inside the runtime.
pub fn cancel_on_signal(token: CancellationToken) -> impl Future<Output = ()> + Send + 'static {
    use tokio::signal::unix::{SignalKind, signal};
    let handlers = (
        signal(SignalKind::interrupt()),
        signal(SignalKind::terminate()),
    );
    async move {
        let (Ok(mut int), Ok(mut term)) = handlers else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        token.cancel();
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
        eprintln!("stopping at once (second signal)");
        std::process::exit(130);
    }
}

static STOPPING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Marks the process as stopping on purpose: connections that lose the broker from now
/// on (it is being stopped too) are not reported as problems.
pub fn set_stopping() {
    STOPPING.store(true, std::sync::atomic::Ordering::SeqCst);
}

/// Whether [`set_stopping`] was called.
pub fn stopping() -> bool {
    STOPPING.load(std::sync::atomic::Ordering::SeqCst)
}

/// The future's output, or `None` if `limit` passes first: every await on the network
/// goes through a deadline.
pub async fn within<F: Future>(limit: Duration, fut: F) -> Option<F::Output> {
    tokio::time::timeout(limit, fut).await.ok()
}

/// Flushes a connection within `limit`; `false` if the broker did not take it in time
/// (unreachable, or a full buffer). `flush` alone waits forever on a dead broker.
pub async fn flush_within(client: &async_nats::Client, limit: Duration) -> bool {
    matches!(within(limit, client.flush()).await, Some(Ok(())))
}

/// A log line that is written at most once per period; the lines suppressed in between
/// are counted and reported with the next one.
#[derive(Debug)]
pub struct RateLimited {
    period: Duration,
    state: Mutex<(Option<Instant>, u64)>,
}

impl RateLimited {
    /// At most one line per `period`.
    pub const fn new(period: Duration) -> Self {
        RateLimited {
            period,
            state: Mutex::new((None, 0)),
        }
    }

    /// `Some(suppressed)` when a line is due now (with how many were held back since the
    /// last one), `None` when this one is to be held back.
    pub fn due(&self) -> Option<u64> {
        self.due_at(Instant::now())
    }

    fn due_at(&self, now: Instant) -> Option<u64> {
        let mut s = self.state.lock().unwrap_or_else(|p| p.into_inner());
        match s.0 {
            Some(last) if now.duration_since(last) < self.period => {
                s.1 += 1;
                None
            }
            _ => {
                let held = s.1;
                *s = (Some(now), 0);
                Some(held)
            }
        }
    }
}

/// ", and N more like it" for a rate-limited line that held back `n` others.
pub fn more(n: u64) -> String {
    if n == 0 {
        String::new()
    } else {
        format!(" ({n} more like it since the last report)")
    }
}

/// Messages at least this large are decoded or translated off the runtime's worker.
pub const LARGE_MESSAGE: usize = 1 << 20;

/// Runs `work` (CPU only, no await) for a message of `len` bytes: inline when small; when
/// large, under `block_in_place` on a multi-threaded runtime, so the tasks queued on this
/// worker — a broker connection answering the server's pings among them — move to
/// another while it runs (a worker busy for seconds would get its connection dropped as
/// stale).
pub fn cpu_bound<T>(len: usize, work: impl FnOnce() -> T) -> T {
    let multi = tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread);
    if len >= LARGE_MESSAGE && multi {
        tokio::task::block_in_place(work)
    } else {
        work()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limited_lines_count_what_they_hold_back() {
        let r = RateLimited::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(r.due_at(t0), Some(0));
        assert_eq!(r.due_at(t0 + Duration::from_secs(1)), None);
        assert_eq!(r.due_at(t0 + Duration::from_secs(2)), None);
        assert_eq!(r.due_at(t0 + Duration::from_secs(11)), Some(2));
        assert_eq!(r.due_at(t0 + Duration::from_secs(12)), None);
    }
}
