//! The broker-event watchers: connect and disconnect advisories (hosts lost, members'
//! leases), and the CONNZ listing that reconciles restored state after a takeover.

use super::{Coordinator, MAX_CTL_REQUEST};
use crate::wire::subject::{self, Token};
use futures::StreamExt;
use std::time::Duration;

impl Coordinator {
    /// After a takeover, asks every broker server once who is connected: restored members
    /// that are count as present (the others are absent until they connect), and
    /// registered hosts that none has are removed. Best effort: with no answer, every
    /// member counts as present and the host leases decide.
    pub(super) async fn reconcile_connections(&self, sys: &async_nats::Client) {
        let known = self.with("restore", |s| s.host_ids()).unwrap_or_default();
        let members = self.with("restore", |s| s.member_count()).unwrap_or(0);
        if known.is_empty() && members == 0 {
            return;
        }
        let Some(conns) = connz(sys, serde_json::json!({})).await else {
            tracing::debug!("the broker did not list its connections; leases will decide");
            let _ = self.with("restore", |s| s.members_all_present());
            return;
        };
        let now = std::time::Instant::now();
        let mut live_hosts = std::collections::HashSet::new();
        for (_, c) in conns {
            if let Some((sid, uid)) = member_of(&c.authorized_user) {
                let _ = self.with("restore", |s| s.member_seen(&sid, &uid, true, now));
            } else if let Some(hid) = host_of(&c.authorized_user) {
                live_hosts.insert(hid);
            }
        }
        for host in known.into_iter().filter(|h| !live_hosts.contains(h)) {
            let effects = self
                .with("restore", |s| {
                    s.host_lost(
                        &host,
                        "the plugin's host is not connected to the broker any more",
                    )
                })
                .unwrap_or_default();
            tracing::info!(host = %host, "dropped a stored host that is not connected");
            self.apply(effects).await;
        }
    }

    /// Follows the broker's connect and disconnect advisories: a host's lost control
    /// connection is `host_lost`; a member's connection coming and going starts and stops
    /// its lease ([`crate::coordinator::state::MEMBER_GRACE`]).
    pub(super) async fn watch_connections(self, mut advisories: async_nats::Subscriber) {
        while let Some(msg) = advisories.next().await {
            let present = match msg.subject.rsplit('.').next() {
                Some("CONNECT") => true,
                Some("DISCONNECT") => false,
                _ => continue,
            };
            let Some((user, reason)) = advisory(&msg.payload) else {
                continue;
            };
            if let Some((sid, uid)) = member_of(&user) {
                let now = std::time::Instant::now();
                let _ = self.with("member connection", |s| {
                    s.member_seen(&sid, &uid, present, now)
                });
                continue;
            }
            let Some(host_id) = host_of(&user).filter(|_| !present) else {
                continue;
            };
            let why = format!("the plugin's host lost its broker connection ({reason})");
            let effects = self
                .with("host disconnect", |s| s.host_lost(&host_id, &why))
                .unwrap_or_default();
            // A host that deregistered first is already gone: nothing to say.
            if !effects.is_empty() {
                tracing::warn!(host = %host_id, "host disconnected from the broker ({reason})");
            }
            self.apply(effects).await;
        }
    }
}

/// One connection in a `CONNZ` answer.
#[derive(serde::Deserialize)]
struct Conn {
    #[serde(default)]
    cid: u64,
    /// The user name the callout gave the connection (`host/<hid>`, `member/<sid>/<uid>`),
    /// which — unlike a connection name — a client cannot choose.
    #[serde(default)]
    authorized_user: String,
}

/// The nts account's authenticated connections on every server, each with its server's
/// id; `filter` adds CONNZ options (e.g. `user`). `None` if no server answered.
async fn connz(sys: &async_nats::Client, filter: serde_json::Value) -> Option<Vec<(String, Conn)>> {
    #[derive(serde::Deserialize)]
    struct Reply {
        server: Server,
        data: Connz,
    }
    #[derive(serde::Deserialize)]
    struct Server {
        id: String,
    }
    #[derive(serde::Deserialize)]
    struct Connz {
        #[serde(default)]
        connections: Vec<Conn>,
    }
    let mut options = serde_json::json!({"acc": "NTS", "auth": true, "limit": 100000});
    if let (Some(o), Some(extra)) = (options.as_object_mut(), filter.as_object()) {
        o.extend(extra.clone());
    }
    let inbox = sys.new_inbox();
    let mut replies = sys.subscribe(inbox.clone()).await.ok()?;
    sys.publish_with_reply(
        "$SYS.REQ.SERVER.PING.CONNZ",
        inbox,
        serde_json::to_vec(&options).ok()?.into(),
    )
    .await
    .ok()?;
    let mut out = Vec::new();
    let mut answered = false;
    // Every server answers; collect until they fall silent.
    let mut window = Duration::from_secs(1);
    while let Ok(Some(msg)) = tokio::time::timeout(window, replies.next()).await {
        window = Duration::from_millis(200);
        if msg.payload.len() > 64 << 20 {
            continue;
        }
        let Ok(reply) = serde_json::from_slice::<Reply>(&msg.payload) else {
            continue;
        };
        answered = true;
        out.extend(
            reply
                .data
                .connections
                .into_iter()
                .map(|c| (reply.server.id.clone(), c)),
        );
    }
    answered.then_some(out)
}

/// Drops every connection whose broker user name is `user`, on whichever server it is.
/// Returns how many were dropped.
pub(super) async fn kick(sys: &async_nats::Client, user: &str) -> usize {
    let Some(conns) = connz(sys, serde_json::json!({ "user": user })).await else {
        return 0;
    };
    let mut kicked = 0;
    for (server, c) in conns.into_iter().filter(|(_, c)| c.authorized_user == user) {
        let body = serde_json::json!({ "cid": c.cid }).to_string();
        let asked = crate::runtime::within(
            Duration::from_secs(2),
            sys.request(format!("$SYS.REQ.SERVER.{server}.KICK"), body.into()),
        );
        if matches!(asked.await, Some(Ok(_))) {
            kicked += 1;
        }
    }
    kicked
}

/// The broker user name and the reason in a `$SYS…CONNECT`/`DISCONNECT` advisory.
fn advisory(payload: &[u8]) -> Option<(String, String)> {
    #[derive(serde::Deserialize)]
    struct Advisory {
        client: Client,
        #[serde(default)]
        reason: String,
    }
    #[derive(serde::Deserialize)]
    struct Client {
        /// The user name the callout gave the connection (never the client's choice).
        #[serde(default)]
        user: String,
    }
    if payload.len() > MAX_CTL_REQUEST {
        return None;
    }
    let advisory: Advisory = serde_json::from_slice(payload).ok()?;
    Some((advisory.client.user, advisory.reason))
}

/// The host whose control connection has broker user name `user` (`host/<hid>`).
fn host_of(user: &str) -> Option<Token> {
    Token::new(user.strip_prefix(subject::HOST_CONNECTION_PREFIX)?).ok()
}

/// The room and member of a member connection's user name (`member/<sid>/<uid>`).
fn member_of(user: &str) -> Option<(Token, Token)> {
    let (sid, uid) = user.strip_prefix("member/")?.split_once('/')?;
    Some((Token::new(sid).ok()?, Token::new(uid).ok()?))
}

/// The host id and reason in a `$SYS…DISCONNECT` advisory, if it is about a host.
#[cfg(test)]
fn disconnected_host(payload: &[u8]) -> Option<(Token, String)> {
    let (user, reason) = advisory(payload)?;
    Some((host_of(&user)?, reason))
}

#[cfg(test)]
mod tests {
    use super::disconnected_host;
    use crate::wire::subject::Token;

    #[test]
    fn reads_host_disconnect_advisories() {
        let adv = br#"{"type":"io.nats.server.advisory.v1.client_disconnect","client":{"acc":"NTS","user":"host/abc123","name":"host/abc123"},"reason":"Client Closed"}"#;
        let (host, reason) = disconnected_host(adv).unwrap();
        assert_eq!(
            (host.as_str(), reason.as_str()),
            ("abc123", "Client Closed")
        );
        assert!(disconnected_host(br#"{"client":{"user":"member/s/u"}}"#).is_none());
        assert!(disconnected_host(br#"{"client":{"user":"host/a.b"}}"#).is_none());
        // A connection name is the client's choice: it never makes a host.
        assert!(
            disconnected_host(br#"{"client":{"user":"operator","name":"host/abc123"}}"#).is_none()
        );
        assert!(disconnected_host(b"not json").is_none());
        assert_eq!(
            super::member_of("member/s1/u1"),
            Some((Token::new("s1").unwrap(), Token::new("u1").unwrap()))
        );
        assert_eq!(super::member_of("member/s1/u1/x"), None);
        assert_eq!(super::member_of("host/h1"), None);
    }
}
