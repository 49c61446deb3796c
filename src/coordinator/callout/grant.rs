//! What each identity may do on the broker: the permissions the callout writes into a
//! connection's user JWT. Allow-lists only (an empty list would mean "everything" to the
//! server), plus a deny-list no allow can open: JetStream, KV, object store, `$SYS`,
//! `$SRV` and NATS's default inbox.

use super::jwt::{Grant, Subjects};
use crate::api::control::{CtlRequestKind, may_send};
use crate::wire::Kind as _;
use crate::wire::caller::Caller;
use crate::wire::subject::PREFIX;

/// Subjects no callout-issued connection may publish to or subscribe to.
pub const ALWAYS_DENIED: &[&str] = &["$JS.>", "$KV.>", "$O.>", "$SYS.>", "$SRV.>", "_INBOX.>"];

/// The grant of `caller`'s connection; `data` for a host's data connection (its own
/// inbox). `expires`: when the credential ends, if it does.
pub fn grant(caller: &Caller, data: bool, expires: Option<u64>) -> Grant {
    let ctl: Vec<String> = CtlRequestKind::ALL
        .iter()
        .filter(|op| may_send(caller, **op))
        .map(|op| caller.ctl(op.as_str()))
        .collect();
    let inbox = format!("{}.>", caller.inbox(data));
    let plugin_events = format!("{PREFIX}.evt.plugin.>");
    let (mut publish, subscribe, respond) = match caller {
        Caller::Host {
            plugin_id: p,
            host_id: h,
        } => (
            vec![
                format!("{PREFIX}.link.{p}.*.*.to_session"),
                format!("{PREFIX}.logs.{p}.*.*"),
            ],
            vec![
                format!("{PREFIX}.plugin.{p}.link"),
                format!("{PREFIX}.host.{p}.{h}.ctl"),
                format!("{PREFIX}.link.{p}.*.*.to_plugin"),
                inbox,
            ],
            // Hosts answer link offers and close orders.
            true,
        ),
        Caller::Lobby { .. } => (vec![], vec![inbox, plugin_events], false),
        Caller::Member { session_id: s, .. } => (
            vec![format!("{PREFIX}.link.*.{s}.*.to_plugin")],
            vec![
                format!("{PREFIX}.link.*.{s}.*.to_session"),
                format!("{PREFIX}.evt.session.{s}.>"),
                format!("{PREFIX}.logs.*.{s}.*"),
                plugin_events,
                inbox,
            ],
            false,
        ),
        Caller::Operator { .. } => (
            vec![],
            vec![format!("{PREFIX}.evt.>"), format!("{PREFIX}.logs.>"), inbox],
            false,
        ),
    };
    publish.extend(ctl);
    let denied: Vec<String> = ALWAYS_DENIED.iter().map(|s| s.to_string()).collect();
    Grant {
        name: caller.connection_name(data),
        publish: Subjects {
            allow: publish,
            deny: denied.clone(),
        },
        subscribe: Subjects {
            allow: subscribe,
            deny: denied,
        },
        respond,
        expires,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::subject::Token;

    fn t(s: &str) -> Token {
        Token::new(s).unwrap()
    }

    /// Whether `subject` matches NATS pattern `pattern` (`*` one token, `>` the rest).
    fn matches(pattern: &str, subject: &str) -> bool {
        let (mut p, mut s) = (pattern.split('.'), subject.split('.'));
        loop {
            match (p.next(), s.next()) {
                (Some(">"), Some(_)) => return true,
                (Some("*"), Some(_)) => {}
                (Some(a), Some(b)) if a == b => {}
                (None, None) => return true,
                _ => return false,
            }
        }
    }

    fn allowed(s: &Subjects, subject: &str) -> bool {
        s.allow.iter().any(|p| matches(p, subject)) && !s.deny.iter().any(|p| matches(p, subject))
    }

    #[test]
    fn a_member_reaches_its_own_room_only() {
        let me = Caller::Member {
            session_id: t("s1"),
            user_id: t("u1"),
        };
        let g = grant(&me, false, None);
        assert!(!g.publish.allow.is_empty() && !g.subscribe.allow.is_empty());
        for ok in [
            "nts.v1.link.p1.s1.l1.to_session",
            "nts.v1.evt.session.s1.link.closed",
            "nts.v1.logs.p1.s1.l1",
            "_INBOX_nts.member.s1.u1.ctl.abc.1",
        ] {
            assert!(allowed(&g.subscribe, ok), "{ok}");
        }
        for no in [
            ">",
            "nts.v1.link.p1.s2.l1.to_session",
            "nts.v1.link.*.*.*.to_session",
            "nts.v1.evt.session.s2.link.closed",
            "nts.v1.logs.p1.s2.l1",
            "_INBOX_nts.member.s1.u2.ctl.x",
            "_INBOX_nts.lobby.ada.c1.ctl.x",
            "$KV.nts_coordinator.leader",
            "$SYS.REQ.USER.AUTH",
            "_INBOX.x",
        ] {
            assert!(!allowed(&g.subscribe, no), "{no}");
        }
        assert!(allowed(&g.publish, "nts.v1.link.p1.s1.l1.to_plugin"));
        assert!(allowed(&g.publish, "nts.v1.ctl.member.s1.u1.link.open"));
        for no in [
            "nts.v1.link.p1.s2.l1.to_plugin",
            "nts.v1.ctl.member.s1.u2.link.open",
            "nts.v1.ctl.member.s1.u1.plugin.deregister",
            "nts.v1.ctl.host.p1.h1.plugin.deregister",
            "nts.v1.link.p1.s1.l1.to_session",
            "$JS.API.STREAM.DELETE.KV_nts_coordinator",
        ] {
            assert!(!allowed(&g.publish, no), "{no}");
        }
        assert!(!g.respond);
    }

    #[test]
    fn a_host_reaches_its_own_plugin_only() {
        let me = Caller::Host {
            plugin_id: t("p1"),
            host_id: t("h1"),
        };
        let g = grant(&me, false, None);
        assert!(allowed(&g.subscribe, "nts.v1.plugin.p1.link"));
        assert!(allowed(&g.subscribe, "nts.v1.host.p1.h1.ctl"));
        assert!(allowed(&g.subscribe, "nts.v1.link.p1.s1.l1.to_plugin"));
        assert!(!allowed(&g.subscribe, "nts.v1.link.p2.s1.l1.to_plugin"));
        assert!(!allowed(&g.subscribe, "nts.v1.host.p1.h2.ctl"));
        assert!(!allowed(&g.subscribe, "nts.v1.link.p1.s1.l1.to_session"));
        assert!(allowed(&g.publish, "nts.v1.link.p1.s1.l1.to_session"));
        assert!(!allowed(&g.publish, "nts.v1.link.p2.s1.l1.to_session"));
        assert!(!allowed(&g.publish, "nts.v1.link.p1.s1.l1.to_plugin"));
        assert!(allowed(
            &g.publish,
            "nts.v1.ctl.host.p1.h1.plugin.heartbeat"
        ));
        assert!(!allowed(
            &g.publish,
            "nts.v1.ctl.host.p1.h2.plugin.heartbeat"
        ));
        assert!(!allowed(&g.publish, "nts.v1.ctl.host.p1.h1.link.open"));
        assert!(g.respond);
        let data = grant(&me, true, None);
        assert_eq!(data.name, "host/h1/data");
        assert_ne!(data.subscribe.allow, g.subscribe.allow, "its own inbox");
    }

    #[test]
    fn a_lobby_connection_can_only_list_open_and_join() {
        let me = Caller::Lobby {
            user: t("ada"),
            conn: t("c1"),
        };
        let g = grant(&me, false, Some(42));
        let mut ops: Vec<&str> = g
            .publish
            .allow
            .iter()
            .map(|s| s.trim_start_matches("nts.v1.ctl.lobby.ada.c1."))
            .collect();
        ops.sort();
        assert_eq!(ops, ["plugin.list", "session.join", "session.open"]);
        assert!(!allowed(&g.subscribe, "nts.v1.link.p1.s1.l1.to_session"));
        assert!(!allowed(
            &g.subscribe,
            "nts.v1.evt.session.s1.session.members"
        ));
        assert_eq!(g.expires, Some(42));
    }
}
