//! One legacy session's translation, sans-IO: nts link envelopes from the session become
//! nanome-lib commands for the plugin's session process, and its messages become
//! envelopes for the session.
//!
//! Request ids: a plugin's request `r` is the session's request `r + 1` (nts keeps 0 for
//! "not a request"), so a reply finds its way back without a table. Kinds with no
//! translation yet are never silent: the session gets an error naming the kind ("not
//! supported by the legacy bridge: …"), and the gateway logs it.

use super::kinds::{Command, Message};
use super::serial::{Frame, Reader, SerialError, VersionTable, Writer};
use crate::api::link::{Notification, NotificationType, ToPlugin, ToSession};
use crate::api::{Empty, ErrorBody, ErrorCode, Org, PresenterInfo};
use crate::wire::{Envelope, Message as _};

/// The serializers the gateway reads and writes, at the versions it implements: the table
/// sent in each session's `connect` (nanome-lib takes the lower of its version and this
/// one, and 0 for a name missing here).
pub const VERSIONS: &[(&str, u8)] = &[
    ("GetPresenterInfo", 0),
    ("GetPresenterInfoResponse", 1),
    ("PresenterChange", 0),
    ("SendNotification", 0),
    ("Run", 0),
    ("AdvancedSettings", 0),
];

/// The table of [`VERSIONS`], as `connect` sends it.
pub fn versions() -> VersionTable {
    VERSIONS.iter().map(|(n, v)| (n.to_string(), *v)).collect()
}

/// What translating one message produced.
#[derive(Debug, Clone, PartialEq)]
pub enum Out {
    /// A command payload (`request id | name hash | body`) for the plugin's session.
    Plugin(Vec<u8>),
    /// An envelope for the session.
    Session(Envelope<ToSession>),
}

/// One session's translator.
#[derive(Debug, Default)]
pub struct Translator {
    /// What the plugin's session reads and writes (negotiated at `connect`).
    versions: VersionTable,
}

/// The plugin's request id as the session's envelope id.
fn session_id_of(request: u32) -> u64 {
    u64::from(request) + 1
}

/// The session's reply id as the plugin's request id; `None` for what no plugin request
/// could have been (0, or beyond a u32).
fn plugin_id_of(id: u64) -> Option<u32> {
    id.checked_sub(1).and_then(|r| u32::try_from(r).ok())
}

/// The error the session gets for a kind the bridge does not translate.
pub fn unsupported(kind: &str) -> String {
    format!("not supported by the legacy bridge: {kind}")
}

impl Translator {
    /// A translator for a session whose serializer versions are `versions` (negotiated).
    pub fn new(versions: VersionTable) -> Translator {
        Translator { versions }
    }

    /// The version the plugin's session uses for `serializer` (0 when not negotiated).
    pub fn version(&self, serializer: &str) -> u8 {
        self.versions
            .iter()
            .find(|(n, _)| n == serializer)
            .map_or(0, |(_, v)| *v)
    }

    /// A message from the session for the plugin.
    pub fn to_plugin(&mut self, env: Envelope<ToPlugin>) -> Vec<Out> {
        let Envelope { id, msg } = env;
        let command = |kind: Command, request: u32, body: &[u8]| {
            vec![Out::Plugin(Frame::encode(request, kind.name(), body))]
        };
        match msg {
            ToPlugin::Run(_) => command(Command::Run, 0, &[]),
            ToPlugin::AdvancedSettings(_) => command(Command::AdvancedSettings, 0, &[]),
            // nanome-lib asks for the presenter's details itself on a change.
            ToPlugin::PresenterChange(_) => command(Command::PresenterChange, 0, &[]),
            ToPlugin::PresenterInfo(info) => match plugin_id_of(id) {
                Some(request) => command(
                    Command::PresenterInfoResponse,
                    request,
                    &presenter_info(&info),
                ),
                None => vec![],
            },
            // nanome-lib has no ping: the gateway answers for the plugin's session, which
            // it knows is there (its connection is alive).
            ToPlugin::Ping(_) => vec![Out::Session(Envelope::with_id(
                id,
                ToSession::Pong(Empty {}),
            ))],
            // Consumed by the gateway; host-only kinds never come from a session.
            ToPlugin::Credit(_) | ToPlugin::Start(_) | ToPlugin::Stop(_) => vec![],
            other => {
                let kind = other.kind();
                tracing::info!(kind = kind.as_str(), "{}", unsupported(kind.as_str()));
                // A request gets its error as the reply; an event, in the session's log.
                vec![Out::Session(Envelope::with_id(
                    id,
                    ToSession::Error(ErrorBody::new(
                        ErrorCode::UnknownKind,
                        unsupported(kind.as_str()),
                    )),
                ))]
            }
        }
    }

    /// A message (`request id | name hash | body`) from the plugin's session.
    pub fn from_plugin(&mut self, payload: &[u8]) -> Vec<Out> {
        let error = |id: u64, message: String| {
            tracing::info!("{message}");
            vec![Out::Session(Envelope::with_id(
                id,
                ToSession::Error(ErrorBody::new(ErrorCode::BadRequest, message)),
            ))]
        };
        let frame = match Frame::parse(payload) {
            Ok(f) => f,
            Err(e) => return error(0, format!("the plugin sent a malformed message: {e}")),
        };
        let id = session_id_of(frame.request_id);
        let Some(kind) = Message::from_hash(frame.hash) else {
            return error(
                0,
                format!(
                    "the plugin sent a message of unknown kind (name hash {:#010x})",
                    frame.hash
                ),
            );
        };
        let event = |msg: ToSession| vec![Out::Session(Envelope::event(msg))];
        let body = |r: Result<ToSession, SerialError>| match r {
            Ok(msg) => vec![Out::Session(Envelope::with_id(id, msg))],
            Err(e) => error(id, format!("the plugin's {kind} could not be read: {e}")),
        };
        match kind {
            // A second hello changes nothing: the versions were agreed at the first.
            Message::Connect => vec![],
            Message::NotificationSend => match notification(frame.body) {
                Ok(n) => event(ToSession::Notification(n)),
                Err(e) => error(0, format!("the plugin's {kind} could not be read: {e}")),
            },
            Message::PresenterInfoRequest => body(Ok(ToSession::PresenterInfoRequest(Empty {}))),
            other => {
                tracing::info!(kind = other.name(), "{}", unsupported(other.name()));
                vec![Out::Session(Envelope::with_id(
                    id,
                    ToSession::Error(ErrorBody::new(
                        ErrorCode::UnknownKind,
                        unsupported(other.name()),
                    )),
                ))]
            }
        }
    }
}

/// `GetPresenterInfoResponse` (v1): account id, name, e-mail, whether there is an org,
/// then its id and name.
fn presenter_info(info: &PresenterInfo) -> Vec<u8> {
    let mut w = Writer::default();
    w.string(&info.account_id)
        .string(&info.account_name)
        .string(&info.account_email);
    match &info.org {
        Some(Org { id, name }) => {
            // nanome-lib reads an int: ids beyond it are clamped rather than wrapped.
            let id = i32::try_from(*id).unwrap_or(if *id < 0 { i32::MIN } else { i32::MAX });
            w.bool(true).i32(id).string(name);
        }
        None => {
            w.bool(false);
        }
    }
    w.bytes
}

/// `SendNotification`: a u32 type (message, success, warning, error) and the text.
fn notification(body: &[u8]) -> Result<Notification, SerialError> {
    let mut r = Reader::new(body);
    let kind = match r.u32("the notification type")? {
        0 => NotificationType::Message,
        1 => NotificationType::Success,
        2 => NotificationType::Warning,
        3 => NotificationType::Error,
        n => {
            return Err(SerialError::Invalid {
                at: 0,
                what: format!("notification type {n} is none of 0 to 3"),
            });
        }
    };
    let text = r.string("the notification text")?;
    Ok(Notification { kind, text })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plugin_payload(out: &[Out]) -> &[u8] {
        match out {
            [Out::Plugin(p)] => p,
            other => panic!("expected one command, got {other:?}"),
        }
    }

    fn session(out: Vec<Out>) -> Envelope<ToSession> {
        match <[Out; 1]>::try_from(out) {
            Ok([Out::Session(e)]) => e,
            Ok(other) => panic!("expected one envelope, got {other:?}"),
            Err(v) => panic!("expected one envelope, got {v:?}"),
        }
    }

    /// The captured packets' payloads (after the 15-byte header).
    fn vector(name: &str) -> Vec<u8> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/legacy-vectors");
        let file = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(name))
            .unwrap();
        std::fs::read(file).unwrap()[15..].to_vec()
    }

    #[test]
    fn run_and_presenter_info_are_the_captured_commands() {
        let mut t = Translator::default();
        let run = t.to_plugin(Envelope::event(ToPlugin::Run(Empty {})));
        assert_eq!(plugin_payload(&run), vector("08_"));
        // The reply to the plugin's request 1 (the session's request 2).
        let info = PresenterInfo {
            account_id: "acc-1".into(),
            account_name: "Alice".into(),
            account_email: "alice@example.com".into(),
            org: Some(Org {
                id: 99,
                name: "ACME".into(),
            }),
        };
        let out = t.to_plugin(Envelope::with_id(2, ToPlugin::PresenterInfo(info)));
        assert_eq!(plugin_payload(&out), vector("07_"));
    }

    #[test]
    fn the_plugins_notification_and_request_reach_the_session() {
        let mut t = Translator::default();
        let e = session(t.from_plugin(&vector("09_")));
        assert_eq!(e.id, 0);
        assert_eq!(
            e.msg,
            ToSession::Notification(Notification {
                kind: NotificationType::Message,
                text: "hi".into()
            })
        );
        let e = session(t.from_plugin(&vector("06_")));
        assert_eq!(
            (e.id, e.msg),
            (2, ToSession::PresenterInfoRequest(Empty {}))
        );
    }

    #[test]
    fn what_is_not_translated_is_an_error_naming_it_never_silence() {
        let mut t = Translator::default();
        // complex_list_request, request 3: the session's request 4 gets the error.
        let e = session(t.from_plugin(&vector("10_")));
        assert_eq!(e.id, 4);
        match e.msg {
            ToSession::Error(b) => assert_eq!(
                b.message,
                "not supported by the legacy bridge: complex_list_request"
            ),
            other => panic!("{other:?}"),
        }
        let e = session(t.to_plugin(Envelope::with_id(9, ToPlugin::ComplexRemoved(Empty {}))));
        assert_eq!(e.id, 9);
        assert!(matches!(e.msg, ToSession::Error(ref b) if b.message.ends_with("complex_removed")));
    }

    #[test]
    fn garbage_from_the_plugin_is_an_error_for_the_session() {
        let mut t = Translator::default();
        for bad in [
            &[1u8, 2, 3][..],
            &[0, 0, 0, 0, 0xff, 0xff, 0xff, 0x3f],
            // A notification of type 7, and one whose text runs past the end.
            &Frame::encode(0, "notification_send", &[7, 0, 0, 0, 0, 0, 0, 0]),
            &Frame::encode(0, "notification_send", &[0, 0, 0, 0, 9, 0, 0, 0, b'a']),
        ] {
            let e = session(t.from_plugin(bad));
            assert!(matches!(e.msg, ToSession::Error(_)), "{bad:?}: {e:?}");
        }
    }

    #[test]
    fn a_presenter_without_an_org_and_a_huge_org_id() {
        let mut info = PresenterInfo {
            account_id: "a".into(),
            account_name: "b".into(),
            account_email: String::new(),
            org: None,
        };
        assert_eq!(
            presenter_info(&info),
            [1, 0, 0, 0, b'a', 1, 0, 0, 0, b'b', 0, 0, 0, 0, 0]
        );
        info.org = Some(Org {
            id: i64::MAX,
            name: String::new(),
        });
        let bytes = presenter_info(&info);
        assert_eq!(&bytes[14..19], &[1, 0xff, 0xff, 0xff, 0x7f]);
    }

    #[test]
    fn ids_map_both_ways_and_zero_is_never_a_reply() {
        assert_eq!(session_id_of(0), 1);
        assert_eq!(plugin_id_of(1), Some(0));
        assert_eq!(plugin_id_of(0), None);
        assert_eq!(plugin_id_of(u64::from(u32::MAX) + 2), None);
        assert_eq!(plugin_id_of(session_id_of(u32::MAX)), Some(u32::MAX));
    }
}
