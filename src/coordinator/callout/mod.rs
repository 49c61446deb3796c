//! The auth callout: `nats-server` asks the coordinator, for every connection that is not
//! one of the deployment's own (`coordinator`, `auth`, `sys`, `operator`), who it is and
//! what it may do. The answer is a user JWT with exactly that connection's permissions,
//! so the broker itself confines each connection to what it owns.
//!
//! A client presents an nts ticket as its CONNECT token and a connection name that says
//! which connection it is (`host/<hid>`, `lobby/<conn>`, `member/<sid>/<uid>`). The
//! decision is made from the ticket's signature and claims alone ([`decide`]), so every
//! coordinator — the standby too — can answer, in one queue group.

pub mod grant;
pub mod jwt;

use std::sync::Arc;

use futures::StreamExt;
use tokio_util::sync::CancellationToken;

use crate::connect::ticket::{Claims, TicketKind, Verifier};
use crate::wire::caller::Caller;
use crate::wire::subject::{self, Token};

/// Where the server publishes its requests (in the callout's own account).
pub const REQUEST_SUBJECT: &str = "$SYS.REQ.USER.AUTH";
/// The queue group of every coordinator's callout.
pub const QUEUE: &str = "nts-auth";

/// Why a connection is refused (for the server's log and ours; the client sees only
/// "Authorization Violation").
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// No usable ticket.
    #[error("{0}")]
    Ticket(#[from] crate::connect::ticket::TicketError),
    /// The connection name does not match the ticket.
    #[error("connection name {name:?} does not fit a {kind} ticket (expected {expected})")]
    Name {
        /// The name the client chose.
        name: String,
        /// The ticket's kind.
        kind: &'static str,
        /// What the name should look like.
        expected: &'static str,
    },
    /// The ticket was revoked by the operator.
    #[error("the ticket was revoked")]
    Revoked,
}

crate::error::error_kind!(Refusal => RefusalKind {
    /// No usable ticket.
    Ticket,
    /// The connection name does not match the ticket.
    Name,
    /// The ticket was revoked by the operator.
    Revoked,
});

/// Decides who the connection presenting `token` under `name` is, at `now`.
pub fn decide(
    verifier: &Verifier,
    token: &str,
    name: &str,
    now: u64,
    revoked: impl Fn(&Token) -> bool,
) -> Result<(Caller, bool, Claims), Refusal> {
    let claims = verifier.verify_at(token, now)?;
    // A member's ticket is revoked with its membership (by member id).
    if revoked(&claims.id) || claims.user_id.as_ref().is_some_and(&revoked) {
        return Err(Refusal::Revoked);
    }
    let bad = |expected| Refusal::Name {
        name: name.chars().take(80).collect(),
        kind: claims.kind.as_str(),
        expected,
    };
    let parts: Vec<&str> = name.split('/').collect();
    let (caller, data) = match (claims.kind, parts.as_slice()) {
        (TicketKind::Plugin, ["host", hid, rest @ ..]) if rest.is_empty() || rest == ["data"] => {
            let host_id = Token::new(*hid).map_err(|_| bad("host/<id> or host/<id>/data"))?;
            let caller = Caller::Host {
                plugin_id: subject::plugin_id_for(&claims.name),
                host_id,
            };
            (caller, !rest.is_empty())
        }
        (TicketKind::Plugin, _) => return Err(bad("host/<id> or host/<id>/data")),
        (TicketKind::User, ["lobby", conn]) => {
            let user =
                Token::new(claims.name.clone()).map_err(|_| bad("a user name of id characters"))?;
            let conn = Token::new(*conn).map_err(|_| bad("lobby/<id>"))?;
            (Caller::Lobby { user, conn }, false)
        }
        (TicketKind::User, _) => return Err(bad("lobby/<id>")),
        (TicketKind::Member, ["member", sid, uid])
            if claims.session_id.as_ref().map(Token::as_str) == Some(*sid)
                && claims.user_id.as_ref().map(Token::as_str) == Some(*uid) =>
        {
            let caller = Caller::Member {
                session_id: claims.session_id.clone().expect("matched"),
                user_id: claims.user_id.clone().expect("matched"),
            };
            (caller, false)
        }
        (TicketKind::Member, _) => return Err(bad("member/<session>/<member> of the ticket")),
    };
    Ok((caller, data, claims))
}

/// The callout's keys: the issuer that signs user JWTs (its public key is in the
/// server's `auth_callout.issuer`) and the ticket keys it trusts; and what was revoked.
pub struct Callout {
    /// Signs the answers.
    pub issuer: nkeys::KeyPair,
    /// Checks the tickets.
    pub tickets: Verifier,
    /// Ticket and member ids that may not connect any more.
    pub revoked: Revocations,
}

/// Revoked ticket and member ids, each until its tickets expire. Cheap to clone: every
/// clone is the same set (the coordinator adds what it revokes and what the store says
/// other coordinators revoked; the callout reads it).
#[derive(Clone, Default)]
pub struct Revocations(Arc<std::sync::Mutex<std::collections::HashMap<Token, u64>>>);

impl Revocations {
    /// Revokes `id` until `until` (seconds since the Unix epoch).
    pub fn revoke(&self, id: Token, until: u64) {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, until);
    }

    /// Whether `id` is revoked at `now` (expired entries are dropped as they are met).
    pub fn contains(&self, id: &Token, now: u64) -> bool {
        let mut set = self.0.lock().unwrap_or_else(|p| p.into_inner());
        match set.get(id) {
            Some(until) if *until > now => true,
            Some(_) => {
                set.remove(id);
                false
            }
            None => false,
        }
    }
}

/// Answers the server's authorization requests arriving on `requests` (subscribed to
/// [`REQUEST_SUBJECT`] in queue group [`QUEUE`] by `client`, the `auth` user in the
/// callout account) until `shutdown`; each request in its own task, so a slow one
/// delays no other connection.
pub async fn serve(
    client: async_nats::Client,
    mut requests: async_nats::Subscriber,
    callout: Arc<Callout>,
    shutdown: CancellationToken,
) {
    loop {
        let msg = tokio::select! {
            () = shutdown.cancelled() => return,
            msg = requests.next() => match msg {
                Some(m) => m,
                None => return,
            },
        };
        let (client, callout) = (client.clone(), callout.clone());
        tokio::spawn(async move {
            let Some(reply) = msg.reply else { return };
            let issuer_pub = callout.issuer.public_key();
            let req = match jwt::read_request(&msg.payload, &issuer_pub) {
                Ok(r) => r,
                Err(e) => {
                    tracing::warn!("ignoring an authorization request: {e}");
                    return;
                }
            };
            let now = crate::connect::ticket::unix_now();
            let opts = &req.connect_opts;
            let revoked = |id: &Token| callout.revoked.contains(id, now);
            let answer = match decide(&callout.tickets, &opts.auth_token, &opts.name, now, revoked)
            {
                Ok((caller, data, claims)) => {
                    tracing::debug!(name = %opts.name, "admitted a {} connection", caller.role());
                    jwt::allow(
                        &req,
                        &grant::grant(&caller, data, Some(claims.exp)),
                        &callout.issuer,
                        now,
                    )
                }
                Err(why) => {
                    tracing::info!(
                        name = %opts.name.chars().take(80).collect::<String>(),
                        from = %req.client_info.host,
                        "refused a connection: {why}"
                    );
                    jwt::refuse(&req, &why.to_string(), &callout.issuer, now)
                }
            };
            let sent = crate::runtime::within(
                std::time::Duration::from_secs(2),
                client.publish(reply, answer.into()),
            );
            if !matches!(sent.await, Some(Ok(()))) {
                tracing::warn!("could not answer an authorization request (broker unreachable)");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connect::ticket::TicketKey;
    use std::time::Duration;

    fn setup() -> (TicketKey, Verifier) {
        let key = TicketKey::generate();
        let v = Verifier::new([key.public_key().as_str()]).unwrap();
        (key, v)
    }

    #[test]
    fn a_plugin_ticket_names_its_hosts_plugin_and_connection() {
        let (key, v) = setup();
        let t = key.issue(&Claims::new(
            TicketKind::Plugin,
            "notes",
            Duration::from_secs(60),
        ));
        let never = |_: &Token| false;
        let (caller, data, _) = decide(&v, &t, "host/h1/data", 0, never).unwrap();
        assert!(data);
        assert_eq!(
            caller,
            Caller::Host {
                plugin_id: subject::plugin_id_for("notes"),
                host_id: Token::new("h1").unwrap(),
            }
        );
        for name in ["lobby/c1", "host/h1/ctl", "host/a*b", "host", ""] {
            assert_eq!(
                decide(&v, &t, name, 0, never).unwrap_err().kind(),
                RefusalKind::Name,
                "{name}"
            );
        }
    }

    #[test]
    fn a_revoked_ticket_is_refused() {
        let (key, v) = setup();
        let claims = Claims::new(TicketKind::User, "ada", Duration::from_secs(60));
        let t = key.issue(&claims);
        assert!(decide(&v, &t, "lobby/c1", 0, |_| false).is_ok());
        assert_eq!(
            decide(&v, &t, "lobby/c1", 0, |id| *id == claims.id),
            Err(Refusal::Revoked)
        );
    }
}
