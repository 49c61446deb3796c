//! The rules of a link's life on a host, without processes, pipes or sockets: what each
//! frame from the instance, each message from the session, an exit, an order and a
//! deadline do. [`super::link`] feeds events in and carries the actions out, so every rule
//! here is unit-tested on its own.
//!
//! ```text
//! Starting ──ready──▶ Ready ──close──▶ Stopping ──deadline──▶ Terminating
//!    │ deadline ─────────────────────────▲   │                     │
//!    └──────── violation / output closed + deadline ──────────────▶│
//! any ──exited──▶ Reaping ──drained──▶ Closed (End: reason, tell the session if it was ready)
//! ```

use std::time::{Duration, Instant};

use crate::api::link::{CloseCode, CloseReason, ToPluginKind, ToSessionKind};
use crate::api::{ErrorBody, ErrorCode};
use crate::wire::envelope::DecodeError;

/// What to do with one frame the instance wrote.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Output {
    /// Its handshake answer: the link may be accepted.
    Ready,
    /// Relay it to the session (after taking flow-control credit).
    Relay,
    /// It broke the protocol; the instance is stopped.
    Violation(String),
}

/// The rule for a frame from the instance, known by its kind.
pub(crate) fn output(kind: Result<ToSessionKind, DecodeError>) -> Output {
    match kind {
        Ok(ToSessionKind::Ready) => Output::Ready,
        Ok(ToSessionKind::Closed) => {
            Output::Violation("an instance may not send \"closed\"; exit instead".into())
        }
        Ok(_) => Output::Relay,
        Err(e) => Output::Violation(format!("bad frame: {e}")),
    }
}

/// What to do with one message from the session.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Inbound {
    /// Write it to the instance's stdin, byte for byte.
    Forward,
    /// It is for the host (flow-control credit): decode and apply it.
    ForHost,
    /// Answer the session with this error (echoing the request id); the instance never
    /// sees it.
    Refuse(u64, ErrorBody),
}

/// The rule for a message from the session, known by its id and kind.
pub(crate) fn inbound(kind: Result<(u64, ToPluginKind), DecodeError>) -> Inbound {
    match kind {
        Ok((id, kind)) if kind.is_host_only() => Inbound::Refuse(
            id,
            ErrorBody::new(
                ErrorCode::BadRequest,
                format!("\"{kind}\" is reserved to the host"),
            ),
        ),
        Ok((_, kind)) if kind.is_for_host() => Inbound::ForHost,
        Ok(_) => Inbound::Forward,
        Err(e) => Inbound::Refuse(e.request_id(), ErrorBody::from(&e)),
    }
}

/// How the instance process ended.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Exit {
    /// Its exit code, if it exited.
    pub code: Option<i32>,
    /// The signal that killed it, if one did.
    pub signal: Option<i32>,
}

impl Exit {
    /// From a process status (`None`: the status could not be read).
    pub fn of(status: Option<std::process::ExitStatus>) -> Exit {
        use std::os::unix::process::ExitStatusExt;
        status.map_or(Exit::default(), |s| Exit {
            code: s.code(),
            signal: s.signal(),
        })
    }
}

/// Something that happened to the link.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    /// The instance answered `start` with `ready`.
    Ready,
    /// The instance broke the frame protocol.
    Violation(String),
    /// The instance closed its stdout.
    OutputClosed,
    /// The session, the coordinator or the host ordered the link closed.
    Close(CloseReason),
    /// The instance process ended.
    Exited(Exit),
    /// After [`Action::Reap`]: what it left behind is stopped and its output relayed.
    Drained,
    /// The deadline from [`Lifecycle::deadline`] passed.
    Timeout,
}

/// What the adapter must do.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Action {
    /// The handshake is complete: accept the link.
    Accept,
    /// Write a `stop` frame with this message to the instance (bounded by the stop grace).
    Stop(String),
    /// SIGTERM now, SIGKILL after this grace; then feed [`Event::Exited`].
    Terminate(Duration),
    /// Stop what is left of the instance's processes and relay what it wrote; then feed
    /// [`Event::Drained`].
    Reap,
    /// The link is over. Tell the session why if it was ever accepted.
    End {
        /// Why the link closed.
        reason: CloseReason,
        /// Whether the session knows the link (it was accepted).
        tell_session: bool,
    },
}

/// Where a link is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Phase {
    /// Spawned; waiting for `ready`.
    Starting,
    /// Accepted and relaying.
    Ready,
    /// Its output closed while it runs: it has the stop grace to exit.
    Quiet,
    /// Told to stop: it has the stop grace to exit.
    Stopping,
    /// Being terminated (SIGTERM, then SIGKILL).
    Terminating,
    /// Exited; what it left is being stopped and its output drained.
    Reaping,
    /// Over.
    Closed,
}

/// Why the host ended a link (when the instance did not simply exit).
#[derive(Debug, Clone, PartialEq)]
enum Cause {
    Order(CloseReason),
    Violation(String),
    KeptRunning,
}

/// The timings the rules use.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timings {
    /// How long an instance may take to answer `start` with `ready`.
    pub handshake: Duration,
    /// How long an instance has to exit after `stop` (or after closing its output).
    pub stop_grace: Duration,
    /// How long after SIGTERM before SIGKILL.
    pub term_grace: Duration,
}

/// One link's state.
#[derive(Debug)]
pub(crate) struct Lifecycle {
    phase: Phase,
    timings: Timings,
    deadline: Option<Instant>,
    accepted: bool,
    cause: Option<Cause>,
    late_violation: Option<String>,
    exit: Exit,
}

impl Lifecycle {
    /// A link whose instance was spawned at `now` and sent `start`.
    pub fn new(now: Instant, timings: Timings) -> Self {
        Lifecycle {
            phase: Phase::Starting,
            timings,
            deadline: Some(now + timings.handshake),
            accepted: false,
            cause: None,
            late_violation: None,
            exit: Exit::default(),
        }
    }

    /// Where the link is.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// When to feed [`Event::Timeout`], if the link waits for something.
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// Applies `event` at `now`; returns what to do, in order.
    pub fn handle(&mut self, now: Instant, event: Event) -> Vec<Action> {
        use Phase::*;
        match (self.phase, event) {
            (Closed, _) => vec![],
            (Reaping, Event::Drained) => {
                self.phase = Closed;
                vec![Action::End {
                    reason: self.reason(),
                    tell_session: self.accepted,
                }]
            }
            (Reaping, Event::Ready) => self.accept(),
            (Reaping, Event::Violation(p)) => {
                self.late_violation.get_or_insert(p);
                vec![]
            }
            (Reaping, _) => vec![],
            (_, Event::Exited(exit)) => {
                self.exit = exit;
                self.phase = Reaping;
                self.deadline = None;
                vec![Action::Reap]
            }
            (Starting, Event::Ready) => {
                self.phase = Ready;
                self.deadline = None;
                self.accept()
            }
            (Starting, Event::Timeout) => {
                let message = format!(
                    "the plugin instance did not complete its handshake within {:?}",
                    self.timings.handshake
                );
                self.stop(
                    now,
                    CloseReason::new(CloseCode::HandshakeFailed, message.clone()),
                )
            }
            (Starting | Ready | Quiet, Event::Close(order)) => self.stop(now, order),
            (Starting | Ready, Event::Violation(p)) => {
                self.cause = Some(Cause::Violation(p));
                self.terminate(Duration::ZERO)
            }
            (Starting | Ready, Event::OutputClosed) => {
                // Closing stdout is how an exiting instance ends; one that keeps running
                // after it can never be heard again.
                self.phase = Quiet;
                self.deadline = Some(now + self.timings.stop_grace);
                vec![]
            }
            (Quiet, Event::Timeout) => {
                self.cause = Some(Cause::KeptRunning);
                self.terminate(self.timings.term_grace)
            }
            (Stopping, Event::Timeout) => self.terminate(self.timings.term_grace),
            (Stopping | Terminating, Event::Violation(p)) => {
                self.late_violation.get_or_insert(p);
                vec![]
            }
            // A second order, a late `ready`, an output closing while stopping: nothing new.
            (_, _) => vec![],
        }
    }

    fn accept(&mut self) -> Vec<Action> {
        if self.accepted {
            return vec![];
        }
        self.accepted = true;
        vec![Action::Accept]
    }

    fn stop(&mut self, now: Instant, order: CloseReason) -> Vec<Action> {
        let message = order.message.clone();
        self.cause = Some(Cause::Order(order));
        self.phase = Phase::Stopping;
        self.deadline = Some(now + self.timings.stop_grace);
        vec![Action::Stop(message)]
    }

    fn terminate(&mut self, grace: Duration) -> Vec<Action> {
        self.phase = Phase::Terminating;
        self.deadline = None;
        vec![Action::Terminate(grace)]
    }

    /// Why the link closed: the order's code if there was one, else the exit's; a broken
    /// protocol (even right before exiting) or output closed while running overrides.
    fn reason(&self) -> CloseReason {
        let order = match &self.cause {
            Some(Cause::Order(o)) => Some(o.clone()),
            _ => None,
        };
        let mut reason = exit_reason(self.exit, order);
        match (&self.cause, &self.late_violation) {
            (Some(Cause::Violation(p)), _) => {
                reason.code = CloseCode::ProtocolError;
                reason.message =
                    format!("the plugin instance broke the frame protocol and was stopped: {p}");
            }
            (Some(Cause::KeptRunning), _) => {
                reason.code = CloseCode::ProtocolError;
                reason.message = "the plugin instance closed its output but kept running, so \
                                  it was stopped (an instance must keep stdout open while it serves)"
                    .into();
            }
            (_, Some(p)) => {
                reason.code = CloseCode::ProtocolError;
                reason.message = format!("the plugin instance broke the frame protocol: {p}");
            }
            _ => {}
        }
        reason
    }
}

/// The close reason from an exit; an explicit order keeps its code and message.
fn exit_reason(exit: Exit, order: Option<CloseReason>) -> CloseReason {
    let mut reason = match order {
        Some(o) => o,
        None => match (exit.code, exit.signal) {
            (Some(0), _) => {
                CloseReason::new(CloseCode::InstanceExited, "the plugin instance exited")
            }
            (Some(c), _) => CloseReason::new(
                CloseCode::InstanceCrashed,
                format!("the plugin instance failed with exit code {c}"),
            ),
            (None, Some(s)) => CloseReason::new(
                CloseCode::InstanceCrashed,
                format!("the plugin instance was killed by signal {s}"),
            ),
            (None, None) => CloseReason::new(
                CloseCode::InstanceCrashed,
                "the plugin instance ended (status unknown)",
            ),
        },
    };
    reason.exit_code = exit.code;
    reason.signal = exit.signal;
    reason
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timings = Timings {
        handshake: Duration::from_secs(10),
        stop_grace: Duration::from_secs(2),
        term_grace: Duration::from_secs(3),
    };

    fn exited(code: i32) -> Event {
        Event::Exited(Exit {
            code: Some(code),
            signal: None,
        })
    }

    fn killed(signal: i32) -> Event {
        Event::Exited(Exit {
            code: None,
            signal: Some(signal),
        })
    }

    /// Feeds `events`, answering `Terminate` with nothing (the test feeds the exit) and
    /// returning every action and the final reason.
    fn run(events: Vec<Event>) -> (Vec<Action>, Option<(CloseReason, bool)>) {
        let t0 = Instant::now();
        let mut l = Lifecycle::new(t0, T);
        let mut all = Vec::new();
        for e in events {
            all.extend(l.handle(t0, e));
        }
        let end = all.iter().find_map(|a| match a {
            Action::End {
                reason,
                tell_session,
            } => Some((reason.clone(), *tell_session)),
            _ => None,
        });
        (all, end)
    }

    #[test]
    fn ready_accepts_and_an_exit_tells_the_session() {
        let (actions, end) = run(vec![Event::Ready, exited(0), Event::Drained]);
        assert_eq!(actions[0], Action::Accept);
        assert_eq!(actions[1], Action::Reap);
        let (reason, tell) = end.unwrap();
        assert_eq!(reason.code, CloseCode::InstanceExited);
        assert_eq!(reason.exit_code, Some(0));
        assert!(tell);
    }

    #[test]
    fn the_handshake_deadline_stops_then_terminates() {
        let t0 = Instant::now();
        let mut l = Lifecycle::new(t0, T);
        assert_eq!(l.deadline(), Some(t0 + T.handshake));
        let a = l.handle(t0 + T.handshake, Event::Timeout);
        assert!(matches!(&a[..], [Action::Stop(m)] if m.contains("handshake within 10s")));
        assert_eq!(l.phase(), Phase::Stopping);
        assert_eq!(l.deadline(), Some(t0 + T.handshake + T.stop_grace));
        assert_eq!(
            l.handle(t0, Event::Timeout),
            [Action::Terminate(T.term_grace)]
        );
        assert_eq!(l.deadline(), None);
        assert_eq!(l.handle(t0, killed(15)), [Action::Reap]);
        let end = l.handle(t0, Event::Drained);
        let [
            Action::End {
                reason,
                tell_session,
            },
        ] = &end[..]
        else {
            panic!("{end:?}")
        };
        assert_eq!(reason.code, CloseCode::HandshakeFailed);
        assert_eq!(reason.signal, Some(15));
        assert!(
            !tell_session,
            "a link never accepted is unknown to the session"
        );
    }

    #[test]
    fn an_order_keeps_its_code_whatever_the_exit() {
        let order = CloseReason::new(CloseCode::SessionClosed, "bye");
        let (actions, end) = run(vec![
            Event::Ready,
            Event::Close(order.clone()),
            Event::Close(CloseReason::new(CloseCode::HostStopping, "again")),
            exited(3),
            Event::Drained,
        ]);
        assert_eq!(actions[1], Action::Stop("bye".into()));
        assert_eq!(
            actions.len(),
            4,
            "the second order does nothing: {actions:?}"
        );
        let (reason, _) = end.unwrap();
        assert_eq!(reason.code, CloseCode::SessionClosed);
        assert_eq!(reason.exit_code, Some(3));
    }

    #[test]
    fn a_violation_terminates_at_once_and_is_the_reason() {
        let (actions, end) = run(vec![
            Event::Ready,
            Event::Violation("bad frame: x".into()),
            killed(9),
            Event::Drained,
        ]);
        assert_eq!(actions[1], Action::Terminate(Duration::ZERO));
        let (reason, tell) = end.unwrap();
        assert_eq!(reason.code, CloseCode::ProtocolError);
        assert!(reason.message.contains("was stopped: bad frame: x"));
        assert!(tell);
    }

    #[test]
    fn output_closed_then_exit_within_grace_is_a_plain_exit() {
        let (_, end) = run(vec![
            Event::Ready,
            Event::OutputClosed,
            exited(0),
            Event::Drained,
        ]);
        assert_eq!(end.unwrap().0.code, CloseCode::InstanceExited);
    }

    #[test]
    fn output_closed_but_running_is_stopped_with_a_reason() {
        let t0 = Instant::now();
        let mut l = Lifecycle::new(t0, T);
        l.handle(t0, Event::Ready);
        assert!(l.handle(t0, Event::OutputClosed).is_empty());
        assert_eq!(l.phase(), Phase::Quiet);
        assert_eq!(l.deadline(), Some(t0 + T.stop_grace));
        assert_eq!(
            l.handle(t0, Event::Timeout),
            [Action::Terminate(T.term_grace)]
        );
        l.handle(t0, killed(15));
        let end = l.handle(t0, Event::Drained);
        let [Action::End { reason, .. }] = &end[..] else {
            panic!("{end:?}")
        };
        assert_eq!(reason.code, CloseCode::ProtocolError);
        assert!(
            reason
                .message
                .contains("closed its output but kept running")
        );
    }

    #[test]
    fn a_bad_frame_right_before_exiting_still_counts() {
        let (_, end) = run(vec![
            Event::Ready,
            exited(0),
            Event::Violation("bad frame: y".into()),
            Event::Drained,
        ]);
        let (reason, _) = end.unwrap();
        assert_eq!(reason.code, CloseCode::ProtocolError);
        assert!(reason.message.contains("bad frame: y"));
    }

    #[test]
    fn ready_then_immediate_exit_is_accepted_and_told() {
        let (actions, end) = run(vec![exited(0), Event::Ready, Event::Drained]);
        assert_eq!(actions, [Action::Reap, Action::Accept, actions[2].clone()]);
        assert!(end.unwrap().1);
    }

    #[test]
    fn a_crash_before_ready_is_not_told_and_nothing_follows_the_end() {
        let t0 = Instant::now();
        let mut l = Lifecycle::new(t0, T);
        l.handle(t0, exited(2));
        let end = l.handle(t0, Event::Drained);
        assert!(matches!(
            &end[..],
            [Action::End { reason, tell_session: false }] if reason.code == CloseCode::InstanceCrashed
        ));
        for e in [Event::Ready, Event::Timeout, exited(0), Event::Drained] {
            assert!(l.handle(t0, e).is_empty());
        }
        assert_eq!(l.phase(), Phase::Closed);
    }

    #[test]
    fn frame_and_message_rules() {
        assert_eq!(output(Ok(ToSessionKind::Ready)), Output::Ready);
        assert!(matches!(
            output(Ok(ToSessionKind::Closed)),
            Output::Violation(_)
        ));
        assert_eq!(output(Ok(ToSessionKind::Notification)), Output::Relay);
        assert!(matches!(
            output(Err(DecodeError::Malformed("x".into()))),
            Output::Violation(m) if m.starts_with("bad frame")
        ));
        assert!(matches!(
            inbound(Ok((7, ToPluginKind::Start))),
            Inbound::Refuse(7, e) if e.code == ErrorCode::BadRequest
        ));
        assert_eq!(inbound(Ok((0, ToPluginKind::Credit))), Inbound::ForHost);
        assert_eq!(inbound(Ok((1, ToPluginKind::Run))), Inbound::Forward);
        assert!(matches!(
            inbound(Err(DecodeError::Malformed("x".into()))),
            Inbound::Refuse(0, _)
        ));
    }
}
