//! Calling the coordinator: one typed request, one typed reply or a typed error.
//! Hosts and sessions both use this.

use std::time::Duration;

use crate::api::ErrorBody;
use crate::api::control::{CtlReply, CtlRequest};
use crate::wire::caller::Caller;
use crate::wire::{self, Envelope, Message};

/// Default deadline of a control request (link.open waits for a host to spawn).
pub const CTL_TIMEOUT: Duration = Duration::from_secs(20);

/// Why a control request failed.
#[derive(Debug, thiserror::Error)]
pub enum CtlError {
    /// The coordinator refused the request; the body says why.
    #[error("{0}")]
    Refused(ErrorBody),
    /// No coordinator is listening.
    #[error("no coordinator is running on this broker (start `nts up` or `nts coordinator`)")]
    NoCoordinator,
    /// The broker connection is down (the client keeps reconnecting).
    #[error(
        "the broker is unreachable (its connection is down and being retried); is `nts up` running?"
    )]
    Unreachable,
    /// The coordinator did not answer in time.
    #[error("the coordinator did not answer {kind} within {timeout:?}")]
    Timeout {
        /// Request kind.
        kind: &'static str,
        /// Deadline.
        timeout: Duration,
    },
    /// The broker connection failed.
    #[error("request {kind} failed: {message}")]
    Transport {
        /// Request kind.
        kind: &'static str,
        /// Cause.
        message: String,
    },
    /// The reply could not be decoded.
    #[error("the coordinator sent a bad reply to {kind}: {message}")]
    BadReply {
        /// Request kind.
        kind: &'static str,
        /// What is wrong.
        message: String,
    },
}

crate::error::error_kind!(CtlError => CtlErrorKind {
    /// The coordinator refused the request; the body says why.
    Refused,
    /// No coordinator is listening.
    NoCoordinator,
    /// Unreachable
    Unreachable,
    /// The coordinator did not answer in time.
    Timeout,
    /// The broker connection failed.
    Transport,
    /// The reply could not be decoded.
    BadReply,
});

impl CtlError {
    /// The refusal body, if the coordinator refused.
    pub fn refusal(&self) -> Option<&ErrorBody> {
        match self {
            CtlError::Refused(b) => Some(b),
            _ => None,
        }
    }
}

/// Sends `req` as `caller` (to `nts.v1.ctl.<role>.<a>.<b>.<kind>`, the only control
/// subjects the broker lets `caller`'s connection publish to) and returns the reply
/// (never `CtlReply::Error`: that becomes [`CtlError::Refused`]).
pub async fn call(
    client: &async_nats::Client,
    caller: &Caller,
    req: CtlRequest,
    timeout: Duration,
) -> Result<CtlReply, CtlError> {
    let kind = req.kind().as_str();
    if client.connection_state() == async_nats::connection::State::Disconnected {
        return Err(CtlError::Unreachable);
    }
    let payload = wire::encode(&Envelope::with_id(1, req));
    let request = async_nats::Request::new()
        .payload(payload.into())
        .timeout(Some(timeout));
    // The whole call is bounded, not only the wait for the reply: while the broker is
    // unreachable the client's queue fills and even sending would wait forever.
    let sent = crate::runtime::within(timeout, client.send_request(caller.ctl(kind), request));
    let msg = sent
        .await
        .ok_or(CtlError::Timeout { kind, timeout })?
        .map_err(|e| {
            use async_nats::RequestErrorKind as K;
            match e.kind() {
                K::NoResponders => CtlError::NoCoordinator,
                K::TimedOut => CtlError::Timeout { kind, timeout },
                _ => CtlError::Transport {
                    kind,
                    message: e.to_string(),
                },
            }
        })?;
    match wire::decode::<CtlReply>(&msg.payload, super::service::MAX_CTL_REQUEST) {
        Ok(Envelope {
            msg: CtlReply::Error(e),
            ..
        }) => Err(CtlError::Refused(e)),
        Ok(env) => Ok(env.msg),
        Err(e) => Err(CtlError::BadReply {
            kind,
            message: e.to_string(),
        }),
    }
}

/// The reply had the wrong kind for its request.
pub fn unexpected(kind: &'static str, reply: &CtlReply) -> CtlError {
    CtlError::BadReply {
        kind,
        message: format!("unexpected reply kind {:?}", reply.kind()),
    }
}
