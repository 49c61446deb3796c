//! NATS subject names, built only from validated [`Token`]s.
//!
//! The hierarchy is designed so the broker can enforce who may touch what with
//! per-connection permissions (see `docs/ARCHITECTURE.md`, "Security"):
//!
//! | subject | publisher → subscriber |
//! |---|---|
//! | `nts.v1.ctl.<role>.<a>.<b>.<op>` | the caller named in it → coordinator (service `nts-coordinator`) |
//! | `nts.v1.plugin.<pid>.link` | coordinator → the plugin's hosts (queue group `hosts`) |
//! | `nts.v1.host.<pid>.<hid>.ctl` | coordinator → one host |
//! | `nts.v1.link.<pid>.<sid>.<lid>.to_plugin` | session, coordinator → host → instance |
//! | `nts.v1.link.<pid>.<sid>.<lid>.to_session` | host (instance) → session |
//! | `nts.v1.evt.plugin.<pid>.<what>` | coordinator → anyone |
//! | `nts.v1.evt.session.<sid>.<what>` | coordinator → the session's members |
//! | `nts.v1.logs.<pid>.<sid>.<lid>` | host → the room's members, operators |
//!
//! Every subject names what it belongs to, so the broker confines each connection with
//! patterns alone: a member of room `sid` to `nts.v1.link.*.<sid>.*.to_plugin` (publish)
//! and `…to_session` (subscribe); a host of plugin `pid` to `nts.v1.link.<pid>.…`. A
//! control request names its caller ([`super::caller::Caller`]), and each connection may
//! publish only under its own name.

/// Broker connection names of hosts start with this, followed by the host id (so the
/// coordinator recognises a host's disconnect).
pub const HOST_CONNECTION_PREFIX: &str = "host/";

use std::fmt;

/// Common prefix of every nts subject.
pub const PREFIX: &str = "nts.v1";
/// Name of the coordinator's NATS service (`nats micro ls` shows it).
pub const COORDINATOR_SERVICE: &str = "nts-coordinator";
/// Subject group of the coordinator's endpoints.
pub const CTL: &str = "nts.v1.ctl";
/// Queue group the hosts of one plugin share.
pub const HOST_QUEUE: &str = "hosts";
/// Longest id accepted as a subject token.
pub const MAX_TOKEN_LEN: usize = 64;

/// A validated subject token: 1–64 characters of `[A-Za-z0-9_-]`.
///
/// Ids arrive from the wire; only tokens can be spliced into subjects, so a peer cannot
/// smuggle `.`, `*` or `>` into a subject and reach someone else's traffic.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
#[serde(transparent)]
pub struct Token(String);

/// Why a string is not a valid token.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("invalid id {value:?}: ids are 1-{MAX_TOKEN_LEN} characters of A-Z, a-z, 0-9, '_' or '-'")]
pub struct TokenError {
    /// The rejected value (truncated to 80 characters).
    pub value: String,
}

impl Token {
    /// Validates `s` as a token.
    pub fn new(s: impl Into<String>) -> Result<Self, TokenError> {
        let s = s.into();
        let ok = !s.is_empty()
            && s.len() <= MAX_TOKEN_LEN
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Token(s))
        } else {
            Err(TokenError {
                value: s.chars().take(80).collect(),
            })
        }
    }

    /// A fresh random id: 16 lowercase base-32 characters (80 bits).
    pub fn random() -> Self {
        const ALPHABET: &[u8] = b"abcdefghijklmnopqrstuvwxyz234567";
        let bytes: [u8; 16] = rand::random();
        Token(
            bytes
                .iter()
                .map(|b| ALPHABET[(b & 31) as usize] as char)
                .collect(),
        )
    }

    /// The token as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> serde::Deserialize<'de> for Token {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Token::new(s).map_err(serde::de::Error::custom)
    }
}

impl std::str::FromStr for Token {
    type Err = TokenError;
    fn from_str(s: &str) -> Result<Self, TokenError> {
        Token::new(s)
    }
}

/// The broker connection name of host `hid`: `host/<hid>` for its control connection (the
/// one whose loss means the host is lost), `host/<hid>/data` for its link traffic.
pub fn host_connection_name(hid: &Token, data: bool) -> String {
    let suffix = if data { "/data" } else { "" };
    format!("{HOST_CONNECTION_PREFIX}{hid}{suffix}")
}

/// The subject (below [`CTL`]) of the coordinator's endpoint for `op`: every caller's
/// requests of that kind, `<role>.<a>.<b>.<op>`.
pub fn ctl_endpoint(op: &str) -> String {
    format!("*.*.*.{op}")
}

/// The id of the plugin named `name`: derived from the name alone (`p` and 15 base-32
/// characters of its SHA-256), so a host's credential — which names its plugin — fixes
/// the subjects it may use before it registers, and every coordinator agrees on it.
pub fn plugin_id_for(name: &str) -> Token {
    use sha2::Digest;
    let digest = sha2::Sha256::new()
        .chain_update(b"nts-plugin-id\0")
        .chain_update(name.trim().as_bytes())
        .finalize();
    let text = data_encoding::BASE32_NOPAD
        .encode(&digest)
        .to_ascii_lowercase();
    Token(format!("p{}", &text[..15]))
}

/// `nts.v1.plugin.<pid>.link`: where the coordinator offers links to a plugin's hosts.
pub fn plugin_link(pid: &Token) -> String {
    format!("{PREFIX}.plugin.{pid}.link")
}

/// `nts.v1.host.<pid>.<hid>.ctl`: commands for host `hid` of plugin `pid`.
pub fn host_ctl(pid: &Token, hid: &Token) -> String {
    format!("{PREFIX}.host.{pid}.{hid}.ctl")
}

/// The host a `nts.v1.host.<pid>.<hid>.ctl` subject addresses.
pub fn host_of_ctl(subject: &str) -> Option<Token> {
    let rest = subject
        .strip_prefix(PREFIX)?
        .strip_prefix(".host.")?
        .strip_suffix(".ctl")?;
    let (pid, hid) = rest.split_once('.')?;
    Token::new(pid).ok()?;
    Token::new(hid).ok()
}

/// The two data subjects of one link.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkSubjects {
    /// Session → instance.
    pub to_plugin: String,
    /// Instance → session.
    pub to_session: String,
}

/// Subjects of link `lid` between session `sid` and plugin `pid`.
pub fn link(pid: &Token, sid: &Token, lid: &Token) -> LinkSubjects {
    LinkSubjects {
        to_plugin: format!("{PREFIX}.link.{pid}.{sid}.{lid}.to_plugin"),
        to_session: format!("{PREFIX}.link.{pid}.{sid}.{lid}.to_session"),
    }
}

/// Wildcard for everything any plugin sends to session `sid`.
pub fn session_inbound(sid: &Token) -> String {
    format!("{PREFIX}.link.*.{sid}.*.to_session")
}

/// The `to_plugin` subject of the link whose `to_session` subject is `to_session`: where
/// a session answers what came in on the other.
pub fn to_plugin_of(to_session: &str) -> Option<String> {
    let link = to_session.strip_suffix(".to_session")?;
    Some(format!("{link}.to_plugin"))
}

/// Extracts the link id from a `…link.<pid>.<sid>.<lid>.<dir>` subject.
pub fn link_id_of(subject: &str) -> Option<Token> {
    let mut parts = subject.rsplit('.');
    let _dir = parts.next()?;
    Token::new(parts.next()?).ok()
}

/// `nts.v1.evt.plugin.<pid>.<what>`.
pub fn plugin_event(pid: &Token, what: &str) -> String {
    format!("{PREFIX}.evt.plugin.{pid}.{what}")
}

/// `nts.v1.evt.session.<sid>.<what>`.
pub fn session_event(sid: &Token, what: &str) -> String {
    format!("{PREFIX}.evt.session.{sid}.{what}")
}

/// All events of session `sid`.
pub fn session_events(sid: &Token) -> String {
    format!("{PREFIX}.evt.session.{sid}.>")
}

/// `nts.v1.logs.<pid>.<sid>.<lid>`: the log lines of one link's instance.
pub fn logs(pid: &Token, sid: &Token, lid: &Token) -> String {
    format!("{PREFIX}.logs.{pid}.{sid}.{lid}")
}

/// Every instance's logs (`None`) or those of plugin `pid`.
pub fn logs_of(pid: Option<&Token>) -> String {
    match pid {
        Some(pid) => format!("{PREFIX}.logs.{pid}.>"),
        None => format!("{PREFIX}.logs.>"),
    }
}

/// The logs of every instance serving room `sid`.
pub fn session_logs(sid: &Token) -> String {
    format!("{PREFIX}.logs.*.{sid}.*")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_parse_back_where_they_are_built() {
        let (p, s, l) = (Token::random(), Token::random(), Token::random());
        let link = link(&p, &s, &l);
        assert_eq!(to_plugin_of(&link.to_session), Some(link.to_plugin.clone()));
        assert_eq!(to_plugin_of(&link.to_plugin), None);
        assert_eq!(host_of_ctl(&host_ctl(&s, &p)), Some(p.clone()));
        assert_eq!(host_of_ctl("nts.v1.host.p.a*b.ctl"), None);
        assert_eq!(host_of_ctl("nts.v1.host.ab.ctl"), None);
        assert_eq!(logs_of(None), "nts.v1.logs.>");
        assert!(logs_of(Some(&p)).starts_with(&format!("nts.v1.logs.{p}.")));
    }

    #[test]
    fn plugin_ids_come_from_names() {
        let a = plugin_id_for("notes");
        assert_eq!(a, plugin_id_for(" notes "));
        assert_ne!(a, plugin_id_for("Notes"));
        assert_eq!(a.as_str().len(), 16);
        assert!(Token::new(a.as_str()).is_ok());
    }

    #[test]
    fn tokens_refuse_subject_syntax() {
        for bad in ["", "a.b", "*", ">", "a b", "ä", &"x".repeat(65)] {
            assert!(Token::new(bad).is_err(), "{bad:?} must be refused");
        }
        assert!(Token::new("abc-DEF_123").is_ok());
    }

    #[test]
    fn random_tokens_are_valid_and_distinct() {
        let a = Token::random();
        assert_eq!(Token::new(a.as_str()), Ok(a.clone()));
        assert_ne!(a, Token::random());
    }

    #[test]
    fn link_subjects_round_trip_the_link_id() {
        let (p, s, l) = (Token::random(), Token::random(), Token::random());
        let subj = link(&p, &s, &l);
        assert_eq!(link_id_of(&subj.to_session), Some(l.clone()));
        assert_eq!(link_id_of(&subj.to_plugin), Some(l));
    }

    #[test]
    fn deserializing_a_bad_token_fails() {
        let mut buf = Vec::new();
        ciborium::into_writer(&"a.>", &mut buf).unwrap();
        assert!(ciborium::from_reader::<Token, _>(&buf[..]).is_err());
    }
}
