//! Who a connection is, as the broker knows it: the identity its credential was granted,
//! written into the subjects it may publish on. A control request's subject names its
//! caller (`nts.v1.ctl.<role>.<id>.<id>.<op>`), and the broker lets each connection
//! publish only under its own name, so the coordinator reads the caller from the subject
//! — never from the body. Each connection also has an inbox prefix of its own.

use super::subject::{CTL, Token};

/// The identity of a connection, bound to its credential by the auth callout.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Caller {
    /// A host of plugin `plugin_id` (derived from the plugin's name), with its own id.
    Host {
        /// The plugin it serves.
        plugin_id: Token,
        /// The host.
        host_id: Token,
    },
    /// A user before joining a room: lists plugins, opens and joins rooms.
    Lobby {
        /// The user's name (from the user ticket).
        user: Token,
        /// This connection's id (chosen by the client, secret).
        conn: Token,
    },
    /// One member of one room.
    Member {
        /// The room.
        session_id: Token,
        /// The member.
        user_id: Token,
    },
    /// An operator tool (`nts health`, `nts logs`) or the coordinator itself.
    Operator {
        /// The operator's name.
        name: Token,
        /// This connection's id.
        conn: Token,
    },
}

impl Caller {
    /// An operator connection of `name` with a fresh connection id.
    pub fn operator(name: &str) -> Caller {
        Caller::Operator {
            name: Token::new(name).unwrap_or_else(|_| Token::new("operator").expect("valid")),
            conn: Token::random(),
        }
    }

    /// Host `host_id` of the plugin named `plugin` (its id follows from the name).
    pub fn host(plugin: &str, host_id: Token) -> Caller {
        Caller::Host {
            plugin_id: super::subject::plugin_id_for(plugin),
            host_id,
        }
    }

    /// The role token in subjects.
    pub fn role(&self) -> &'static str {
        match self {
            Caller::Host { .. } => "host",
            Caller::Lobby { .. } => "lobby",
            Caller::Member { .. } => "member",
            Caller::Operator { .. } => "operator",
        }
    }

    fn ids(&self) -> (&Token, &Token) {
        match self {
            Caller::Host { plugin_id, host_id } => (plugin_id, host_id),
            Caller::Lobby { user, conn } => (user, conn),
            Caller::Member {
                session_id,
                user_id,
            } => (session_id, user_id),
            Caller::Operator { name, conn } => (name, conn),
        }
    }

    /// `nts.v1.ctl.<role>.<a>.<b>`: the prefix of every control request this caller sends.
    pub fn ctl_prefix(&self) -> String {
        let (a, b) = self.ids();
        format!("{CTL}.{}.{a}.{b}", self.role())
    }

    /// The subject of control request `op` (e.g. `link.open`) sent by this caller.
    pub fn ctl(&self, op: &str) -> String {
        format!("{}.{op}", self.ctl_prefix())
    }

    /// Reads the caller and the operation from a control subject; `None` if the subject
    /// is not one (the coordinator then ignores it).
    pub fn of_ctl(subject: &str) -> Option<(Caller, &str)> {
        let rest = subject.strip_prefix(CTL)?.strip_prefix('.')?;
        let mut parts = rest.splitn(4, '.');
        let (role, a, b, op) = (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let (a, b) = (Token::new(a).ok()?, Token::new(b).ok()?);
        let caller = match role {
            "host" => Caller::Host {
                plugin_id: a,
                host_id: b,
            },
            "lobby" => Caller::Lobby { user: a, conn: b },
            "member" => Caller::Member {
                session_id: a,
                user_id: b,
            },
            "operator" => Caller::Operator { name: a, conn: b },
            _ => return None,
        };
        Some((caller, op))
    }

    /// The connection name the client must use (and the broker user name it is given):
    /// `host/<hid>` (control) and `host/<hid>/data` (`data`) for a host's two connections,
    /// `lobby/<conn>`, `member/<sid>/<uid>`, `operator/<conn>`.
    pub fn connection_name(&self, data: bool) -> String {
        match self {
            Caller::Host { host_id, .. } => super::subject::host_connection_name(host_id, data),
            Caller::Lobby { conn, .. } => format!("lobby/{conn}"),
            Caller::Member {
                session_id,
                user_id,
            } => format!("member/{session_id}/{user_id}"),
            Caller::Operator { conn, .. } => format!("operator/{conn}"),
        }
    }

    /// The inbox prefix of this caller's connection (`data`: a host's data connection).
    /// Replies to its requests go there, and only it may subscribe to it.
    pub fn inbox(&self, data: bool) -> String {
        let (a, b) = self.ids();
        let conn = if data { "data" } else { "ctl" };
        format!("{INBOX}.{}.{a}.{b}.{conn}", self.role())
    }
}

/// The root of every nts inbox (not NATS's default `_INBOX`, which nobody may use).
pub const INBOX: &str = "_INBOX_nts";

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Token {
        Token::new(s).unwrap()
    }

    #[test]
    fn control_subjects_name_their_caller_and_parse_back() {
        let callers = [
            Caller::Host {
                plugin_id: t("p1"),
                host_id: t("h1"),
            },
            Caller::Lobby {
                user: t("ada"),
                conn: t("c1"),
            },
            Caller::Member {
                session_id: t("s1"),
                user_id: t("u1"),
            },
            Caller::Operator {
                name: t("admin"),
                conn: t("c2"),
            },
        ];
        for c in callers {
            let subject = c.ctl("link.open");
            assert_eq!(Caller::of_ctl(&subject), Some((c.clone(), "link.open")));
            assert!(c.inbox(false).starts_with("_INBOX_nts."));
            assert_ne!(c.inbox(false), c.inbox(true));
        }
        assert_eq!(
            Caller::Member {
                session_id: t("s1"),
                user_id: t("u1")
            }
            .ctl("session.leave"),
            "nts.v1.ctl.member.s1.u1.session.leave"
        );
    }

    #[test]
    fn subjects_that_are_not_control_requests_name_nobody() {
        for s in [
            "nts.v1.ctl.link.open",
            "nts.v1.ctl.admin.a.b.x",
            "nts.v1.ctl.host.a*.b.x",
            "nts.v1.ctl.host.a.b",
            "nts.v1.link.p.s.l.to_plugin",
        ] {
            assert_eq!(Caller::of_ctl(s), None, "{s}");
        }
    }
}
