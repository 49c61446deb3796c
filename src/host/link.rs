//! One link on a host: take a warm instance or spawn one, complete the handshake, relay
//! frames, supervise.
//!
//! Tasks per link: a stdin writer (the only owner of the instance's stdin), a
//! broker → stdin relay, a stdout → broker relay, a stderr logger, and the supervisor,
//! which owns the child process and carries out what the link's `Lifecycle` decides.
//! Every end, whatever its cause, reaps the child and tells the session why. The rules
//! themselves live in `host::lifecycle`; this file is their tokio adapter.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::StreamExt;
use tokio::io::{AsyncBufRead, AsyncBufReadExt, BufReader};
use tokio::process::Child;
use tokio::sync::{mpsc, oneshot, watch};

use super::HostConfig;
use super::flow::{Budget, Flow, LINK_WINDOW};
use super::lifecycle::{self, Action, Event, Exit, Inbound, Lifecycle, Output, Timings};
use super::pool::{self, Pool, Spawned};
use crate::api::control::LinkOffer;
use crate::api::link::{
    CloseCode, CloseReason, StartInfo, StopInfo, ToPlugin, ToSession, credit_cost,
};
use crate::api::{ErrorBody, ErrorCode};
use crate::wire::frame::{self, FrameReader, Outgoing};
use crate::wire::subject::{self, LinkSubjects};
use crate::wire::{self, Envelope};

/// Largest control message (offers, orders) a host accepts.
pub const MAX_CONTROL: usize = 1024 * 1024;
/// stderr lines kept to explain a failed start.
const STDERR_TAIL: usize = 8;
/// Longest stderr line kept; the rest of a longer line is dropped before it is buffered.
pub const MAX_LOG_LINE: usize = 4096;
/// The environment variable that tags an instance and, inherited, all its descendants:
/// how a host finds the ones that left the instance's process group. Its value is the
/// link's id for an instance started for its link, `warm-<token>` for one from the pool.
pub const LINK_TAG: &str = "NTS_LINK_ID";

/// Rate limits for the log lines a misbehaving instance could otherwise flood.
static RELAY_FAILED: crate::runtime::RateLimited =
    crate::runtime::RateLimited::new(Duration::from_secs(10));
static FLOW_WAIT: crate::runtime::RateLimited =
    crate::runtime::RateLimited::new(Duration::from_secs(10));

/// Link timings and limits.
#[derive(Debug, Clone)]
pub struct LinkSettings {
    /// How long an instance may take to answer `start` with `ready`.
    pub handshake_timeout: Duration,
    /// How long an instance has to exit after `stop` before SIGTERM.
    pub stop_grace: Duration,
    /// How long after SIGTERM before SIGKILL.
    pub term_grace: Duration,
    /// Largest frame either side may send.
    pub max_frame: usize,
}

impl Default for LinkSettings {
    fn default() -> Self {
        LinkSettings {
            handshake_timeout: Duration::from_secs(10),
            stop_grace: Duration::from_secs(2),
            term_grace: Duration::from_secs(2),
            max_frame: frame::MAX_FRAME_DEFAULT,
        }
    }
}

/// A handle on a running link; cheap to clone.
#[derive(Debug, Clone)]
pub struct LinkHandle {
    close_tx: mpsc::Sender<CloseReason>,
    done: watch::Receiver<bool>,
    pid: Option<u32>,
}

impl LinkHandle {
    /// A handle on a link served by a [`super::Bridge`]: closing sends the reason on
    /// `close` and waits until `done` turns true.
    pub fn bridged(close: mpsc::Sender<CloseReason>, done: watch::Receiver<bool>) -> LinkHandle {
        LinkHandle {
            close_tx: close,
            done,
            pid: None,
        }
    }

    /// Stops the instance (stop frame, SIGTERM, SIGKILL) and returns once it is reaped
    /// and its session told.
    pub async fn close(&self, reason: CloseReason) {
        let _ = self.close_tx.send(reason).await;
        let mut done = self.done.clone();
        let _ = done.wait_for(|d| *d).await;
    }

    /// The instance's process id.
    pub fn pid(&self) -> Option<u32> {
        self.pid
    }
}

/// Starts the instance for `offer` and returns once it is ready. The receiver yields
/// the link's close reason when it ends.
pub(crate) async fn start(
    client: async_nats::Client,
    config: &HostConfig,
    offer: LinkOffer,
    budget: Budget,
    pool: &Pool,
) -> Result<(LinkHandle, oneshot::Receiver<CloseReason>), ErrorBody> {
    let settings = config.link.clone();
    let subjects = subject::link(&offer.plugin_id, &offer.session_id, &offer.link_id);
    let max_msg = settings
        .max_frame
        .min(client.server_info().max_payload.max(1));
    let fail = |code, msg: String| ErrorBody::new(code, msg);

    // A warm process if the pool has one, else one started for this link.
    let warm = pool.take();
    let from_pool = warm.is_some();
    let spawned = match warm {
        Some(s) => s,
        None => pool::spawn(&config.command, offer.link_id.as_str()).map_err(|e| {
            fail(
                ErrorCode::Internal,
                format!(
                    "cannot start the plugin instance {}: {e}",
                    config.command.program.display()
                ),
            )
        })?,
    };
    let Spawned {
        child,
        stdin,
        stdout,
        stderr,
        pid,
        tag,
    } = spawned;
    let span = tracing::info_span!("link", link = %offer.link_id, plugin = %config.metadata.name, pid, warm = from_pool);

    let tail = Arc::new(Mutex::new(VecDeque::new()));
    tokio::spawn(log_stderr(
        client.clone(),
        subject::logs(&offer.plugin_id, &offer.session_id, &offer.link_id),
        stderr,
        tail.clone(),
        span.clone(),
    ));

    let (stdin_tx, stdin_rx) = mpsc::channel::<Outgoing>(1024);
    tokio::spawn(frame::pump(stdin, stdin_rx));
    let start = ToPlugin::Start(StartInfo {
        plugin_id: offer.plugin_id.clone(),
        plugin_name: config.metadata.name.clone(),
        session_id: offer.session_id.clone(),
        link_id: offer.link_id.clone(),
        presenter: offer.presenter.clone(),
        max_message: max_msg.min(u32::MAX as usize) as u32,
    });
    let _ = stdin_tx
        .send(Outgoing::Frame(
            wire::encode(&Envelope::event(start)).into(),
        ))
        .await;

    // Subscribe before accepting, so the session's first message finds us.
    let inbound = crate::runtime::within(
        Duration::from_secs(5),
        client.subscribe(subjects.to_plugin.clone()),
    )
    .await
    .ok_or_else(|| "no answer within 5 s (is the broker reachable?)".to_string())
    .and_then(|r| r.map_err(|e| e.to_string()))
    .map_err(|e| {
        fail(
            ErrorCode::Unavailable,
            format!("subscribing to the link failed: {e}"),
        )
    })?;

    let (ready_tx, ready_rx) = oneshot::channel();
    // At most two events per link (`ready`, then how the output ended): never full.
    let (events_tx, events_rx) = mpsc::channel::<Event>(4);
    let flow = Arc::new(Flow::new(LINK_WINDOW, budget));
    let stdout_task = tokio::spawn(relay_stdout(
        client.clone(),
        subjects.clone(),
        FrameReader::new(stdout, settings.max_frame),
        max_msg,
        events_tx,
        flow.clone(),
    ));
    let inbound_task = tokio::spawn(relay_inbound(
        client.clone(),
        subjects.clone(),
        inbound,
        stdin_tx.clone(),
        max_msg,
        flow,
    ));

    let (close_tx, close_rx) = mpsc::channel::<CloseReason>(4);
    let (done_tx, done_rx) = watch::channel(false);
    let (ended_tx, ended_rx) = oneshot::channel();
    let sup = Supervisor {
        client: client.clone(),
        subjects,
        settings: settings.clone(),
        stdin_tx,
        tag,
        pid,
    };
    tokio::spawn(async move {
        let reason = sup
            .supervise(
                child,
                Channels {
                    close_rx,
                    events_rx,
                    ready_tx,
                },
                stdout_task,
                inbound_task,
            )
            .await;
        let _ = done_tx.send(true);
        let _ = ended_tx.send(reason);
    });
    let handle = LinkHandle {
        close_tx,
        done: done_rx,
        pid,
    };

    // The supervisor enforces the handshake deadline; it always ends or accepts.
    if ready_rx.await.is_ok() {
        tracing::info!(parent: &span, "instance ready");
        return Ok((handle, ended_rx));
    }
    let reason = ended_rx.await.unwrap_or_else(|_| {
        CloseReason::new(CloseCode::InstanceCrashed, "the link supervisor failed")
    });
    let tail = tail
        .lock()
        .expect("lock")
        .iter()
        .cloned()
        .collect::<Vec<String>>()
        .join(" | ");
    Err(if reason.code == CloseCode::HandshakeFailed {
        fail(
            ErrorCode::Timeout,
            format!("{}; its stderr: {tail}", reason.message),
        )
    } else {
        fail(
            ErrorCode::Internal,
            format!("the plugin instance failed to start: {reason}; its stderr: {tail}"),
        )
    })
}

struct Supervisor {
    client: async_nats::Client,
    subjects: LinkSubjects,
    settings: LinkSettings,
    stdin_tx: mpsc::Sender<Outgoing>,
    /// The instance's [`LINK_TAG`] value, which its descendants inherit.
    tag: String,
    pid: Option<u32>,
}

/// What reaches the supervisor besides the child process.
struct Channels {
    /// Close orders.
    close_rx: mpsc::Receiver<CloseReason>,
    /// From the stdout relay: `ready`, a violation, output closed.
    events_rx: mpsc::Receiver<Event>,
    /// Fired when the link is accepted.
    ready_tx: oneshot::Sender<()>,
}

impl Supervisor {
    /// Drives the link's [`Lifecycle`] with the child, the relays and the orders, and
    /// carries out its actions; returns why the link closed once it has.
    async fn supervise(
        self,
        mut child: Child,
        ch: Channels,
        stdout_task: tokio::task::JoinHandle<()>,
        inbound_task: tokio::task::JoinHandle<()>,
    ) -> CloseReason {
        let Channels {
            mut close_rx,
            mut events_rx,
            ready_tx,
        } = ch;
        let mut life = Lifecycle::new(
            Instant::now(),
            Timings {
                handshake: self.settings.handshake_timeout,
                stop_grace: self.settings.stop_grace,
                term_grace: self.settings.term_grace,
            },
        );
        let mut ready_tx = Some(ready_tx);
        let mut stdout_task = Some(stdout_task);
        let mut queued: VecDeque<Event> = VecDeque::new();
        let mut alive = true;
        loop {
            let event = match queued.pop_front() {
                Some(e) => e,
                None => {
                    let deadline = life.deadline();
                    let sleep =
                        tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now).into());
                    tokio::select! {
                        status = child.wait(), if alive => {
                            alive = false;
                            Event::Exited(Exit::of(status.ok()))
                        }
                        Some(order) = close_rx.recv() => Event::Close(order),
                        Some(e) = events_rx.recv() => e,
                        () = sleep, if deadline.is_some() => Event::Timeout,
                    }
                }
            };
            let actions = life.handle(Instant::now(), event);
            tracing::trace!(phase = ?life.phase(), ?actions, "link event");
            for action in actions {
                match action {
                    Action::Accept => {
                        if let Some(tx) = ready_tx.take() {
                            let _ = tx.send(());
                        }
                    }
                    Action::Stop(message) => {
                        let stop = ToPlugin::Stop(StopInfo { reason: message });
                        let frame = Outgoing::Frame(wire::encode(&Envelope::event(stop)).into());
                        // Bounded: an instance that stops reading its stdin must not hang
                        // its stop; the lifecycle's deadline terminates it.
                        let _ = crate::runtime::within(
                            self.settings.stop_grace,
                            self.stdin_tx.send(frame),
                        )
                        .await;
                    }
                    Action::Terminate(grace) => {
                        let status = crate::sys::terminate(&mut child, grace).await;
                        alive = false;
                        queued.push_back(Event::Exited(Exit::of(status)));
                    }
                    Action::Reap => {
                        self.reap(stdout_task.take(), &inbound_task).await;
                        // What the relay said while draining (a late bad frame) counts.
                        while let Ok(e) = events_rx.try_recv() {
                            queued.push_back(e);
                        }
                        queued.push_back(Event::Drained);
                    }
                    Action::End {
                        reason,
                        tell_session,
                    } => {
                        if tell_session {
                            self.tell_closed(&reason).await;
                        }
                        return reason;
                    }
                }
            }
        }
    }

    /// The instance is gone; so must be everything it started: what is left of its
    /// process group, and descendants that left the group (found by their tag). Then
    /// what it wrote before exiting is relayed.
    async fn reap(
        &self,
        stdout_task: Option<tokio::task::JoinHandle<()>>,
        inbound_task: &tokio::task::JoinHandle<()>,
    ) {
        if let Some(pid) = self.pid {
            crate::sys::kill_group(pid);
        }
        let strays = crate::sys::kill_tagged(LINK_TAG, &self.tag).await;
        if strays > 0 {
            tracing::info!("stopped {strays} process(es) the instance left behind");
        }
        inbound_task.abort();
        // The relay may be waiting for credit that can no longer come (the inbound relay
        // is gone) or for a dead broker: give it a second, then stop it, which also gives
        // the link's share of the host budget back.
        if let Some(task) = stdout_task {
            let abort = task.abort_handle();
            if tokio::time::timeout(Duration::from_secs(1), task)
                .await
                .is_err()
            {
                abort.abort();
                tracing::debug!("instance output still open after exit; relay stopped");
            }
        }
    }

    async fn tell_closed(&self, reason: &CloseReason) {
        tell_closed(&self.client, &self.subjects, reason).await;
    }
}

/// Tells a link's session why the link closed (bounded: the broker may be gone; the
/// coordinator tells it then). Every link's end does this, bridged or not.
pub async fn tell_closed(
    client: &async_nats::Client,
    subjects: &LinkSubjects,
    reason: &CloseReason,
) {
    let closed = wire::encode(&Envelope::event(ToSession::Closed(reason.clone())));
    let told = crate::runtime::within(
        Duration::from_secs(2),
        client.publish(subjects.to_session.clone(), closed.into()),
    );
    if !matches!(told.await, Some(Ok(()))) {
        tracing::warn!(
            "could not tell the session the link closed (the broker is unreachable); \
             the coordinator will"
        );
    }
}

/// Broker → instance: validates each envelope, refuses host-only kinds, takes the
/// session's flow-control credit, forwards the rest byte for byte.
async fn relay_inbound(
    client: async_nats::Client,
    subjects: LinkSubjects,
    mut inbound: async_nats::Subscriber,
    stdin_tx: mpsc::Sender<Outgoing>,
    max_msg: usize,
    flow: Arc<Flow>,
) {
    while let Some(msg) = inbound.next().await {
        // Checked as far as the kind; the instance's SDK decodes the body.
        match lifecycle::inbound(wire::skim::kind_of::<ToPlugin>(&msg.payload, max_msg)) {
            Inbound::Forward => {
                if stdin_tx.send(Outgoing::Frame(msg.payload)).await.is_err() {
                    return;
                }
            }
            Inbound::ForHost => match wire::decode::<ToPlugin>(&msg.payload, max_msg) {
                Ok(Envelope {
                    msg: ToPlugin::Credit(c),
                    ..
                }) => flow.credit(c.received),
                _ => tracing::debug!("ignoring a malformed credit"),
            },
            Inbound::Refuse(id, body) => {
                tracing::info!("refused a message for the instance: {body}");
                let reply = wire::encode(&Envelope::with_id(id, ToSession::Error(body)));
                flow.sent_by_host(credit_cost(reply.len()));
                let _ = client
                    .publish(subjects.to_session.clone(), reply.into())
                    .await;
            }
        }
    }
}

/// Instance → broker: validates each frame; the first `ready` completes the handshake.
/// Waits for flow-control credit before each message, so the pipe fills and the
/// instance blocks while its session is behind. Tells the supervisor `ready` and how
/// the output ended.
async fn relay_stdout(
    client: async_nats::Client,
    subjects: LinkSubjects,
    mut frames: FrameReader<tokio::process::ChildStdout>,
    max_msg: usize,
    events: mpsc::Sender<Event>,
    flow: Arc<Flow>,
) {
    let mut ready = false;
    loop {
        let frame = match frames.next().await {
            Ok(Some(f)) => f,
            Ok(None) => {
                let _ = events.try_send(Event::OutputClosed);
                return;
            }
            Err(e) => {
                let _ = events.try_send(Event::Violation(e.to_string()));
                return;
            }
        };
        // Checked as far as the kind (the session decodes the body, and answers a
        // malformed one with an error).
        // Skimming a large frame can take a while (a body before its kind is skipped item
        // by item): off the worker, so this host's broker connection keeps answering.
        let kind = crate::runtime::cpu_bound(frame.len(), || {
            wire::skim::kind_of::<ToSession>(&frame, max_msg).map(|(_, kind)| kind)
        });
        match lifecycle::output(kind) {
            Output::Ready => {
                if !std::mem::replace(&mut ready, true) {
                    let _ = events.try_send(Event::Ready);
                }
            }
            Output::Violation(problem) => {
                let _ = events.try_send(Event::Violation(problem));
                return;
            }
            Output::Relay => {
                if flow.reserve(credit_cost(frame.len())).await
                    && let Some(held) = FLOW_WAIT.due()
                {
                    tracing::info!(
                        "an instance writes faster than its session reads: holding its output{}",
                        crate::runtime::more(held)
                    );
                }
                if let Err(e) = client.publish(subjects.to_session.clone(), frame).await
                    && let Some(held) = RELAY_FAILED.due()
                {
                    tracing::warn!(
                        "relaying to the session failed: {e}{}",
                        crate::runtime::more(held)
                    );
                }
            }
        }
    }
}

/// Instance stderr → host log and `nts.v1.logs.<pid>.<lid>`: one line per message,
/// read as bytes (any encoding; invalid UTF-8 is replaced), at most [`MAX_LOG_LINE`]
/// bytes kept per line whatever its length.
async fn log_stderr(
    client: async_nats::Client,
    subject: String,
    stderr: tokio::process::ChildStderr,
    tail: Arc<Mutex<VecDeque<String>>>,
    span: tracing::Span,
) {
    let mut lines = BoundedLines::new(BufReader::new(stderr), MAX_LOG_LINE);
    while let Ok(Some(line)) = lines.next_line().await {
        tracing::info!(parent: &span, "instance: {line}");
        {
            let mut t = tail.lock().expect("lock");
            if t.len() == STDERR_TAIL {
                t.pop_front();
            }
            t.push_back(line.clone());
        }
        let _ = client.publish(subject.clone(), line.into()).await;
    }
}

/// Lines of a byte stream, each cut to a maximum length before it is buffered and
/// decoded lossily; a cut line ends with "…".
struct BoundedLines<R> {
    inner: R,
    max: usize,
}

impl<R: AsyncBufRead + Unpin> BoundedLines<R> {
    fn new(inner: R, max: usize) -> Self {
        BoundedLines { inner, max }
    }

    /// The next line without its newline; `None` at the end of the stream.
    async fn next_line(&mut self) -> std::io::Result<Option<String>> {
        let mut line = Vec::new();
        let mut cut = false;
        loop {
            let buf = self.inner.fill_buf().await?;
            if buf.is_empty() {
                if line.is_empty() && !cut {
                    return Ok(None);
                }
                break;
            }
            let (chunk, used, end) = match buf.iter().position(|b| *b == b'\n') {
                Some(i) => (&buf[..i], i + 1, true),
                None => (buf, buf.len(), false),
            };
            let room = self.max - line.len();
            if chunk.len() > room {
                cut = true;
            }
            line.extend_from_slice(&chunk[..chunk.len().min(room)]);
            self.inner.consume(used);
            if end {
                break;
            }
        }
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        let mut text = String::from_utf8_lossy(&line).into_owned();
        if cut {
            text.push('…');
        }
        Ok(Some(text))
    }
}

#[cfg(test)]
mod tests {
    use super::BoundedLines;

    async fn lines(input: &[u8], max: usize) -> Vec<String> {
        let mut r = BoundedLines::new(input, max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().await.unwrap() {
            out.push(l);
        }
        out
    }

    #[tokio::test]
    async fn stderr_lines_are_bytes_bounded_and_lossy() {
        assert_eq!(lines(b"a\nb\r\n\nlast", 10).await, ["a", "b", "", "last"]);
        assert_eq!(
            lines(b"\xff\xfeok\n", 10).await,
            ["\u{fffd}\u{fffd}ok"],
            "invalid UTF-8 is replaced, not fatal"
        );
        let long = [b'x'; 100_000];
        let got = lines(&long, 16).await;
        assert_eq!(got, [format!("{}…", "x".repeat(16))]);
        let mut two = b"0123456789abcdef-more\nnext\n".to_vec();
        two.extend_from_slice(b"");
        assert_eq!(lines(&two, 16).await, ["0123456789abcdef…", "next"]);
    }
}
