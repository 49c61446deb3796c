//! The CBOR envelope `{version, kind, id, body}` and its total decoder.
//!
//! An envelope is a CBOR map with four keys. `kind` names the message and decides the
//! type of `body`; `id` correlates a request with its reply (0 = not a request). Encoders
//! write the keys in the order `version, kind, id, body`; the decoder accepts any order
//! (a body that arrives before its kind is buffered and decoded afterwards).
//!
//! Message enums are declared with [`messages!`](crate::messages), which generates the
//! kind table so that the decoder dispatches on `kind` in one pass, with no intermediate
//! tree for the common (canonical-order) case.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, IgnoredAny, MapAccess, Visitor};
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Deserializer, Serialize};

/// The envelope version this build speaks. Peers with another major version are refused.
pub const PROTOCOL_VERSION: u16 = 1;

/// A family of messages that travel in envelopes (one enum per direction or plane).
pub trait Message: Sized {
    /// Every kind of this family, in declaration order.
    const KINDS: &'static [&'static str];
    /// The kind string of this message.
    fn kind(&self) -> &'static str;
    /// Writes this message's body as the `body` entry of an envelope map.
    fn serialize_body<S: SerializeMap>(&self, map: &mut S) -> Result<(), S::Error>;
    /// Reads the body for `kind` from the map; `Ok(None)` if the kind is unknown
    /// (the caller then skips the value).
    fn deserialize_body<'de, A: MapAccess<'de>>(
        kind: &str,
        map: &mut A,
    ) -> Result<Option<Self>, A::Error>;
}

/// Declares a message enum: each variant has a kind string and a body type.
///
/// ```
/// use nts::{messages, api::Empty};
/// messages! {
///     /// Messages of a toy protocol.
///     pub enum Toy {
///         /// A ping.
///         Ping("ping", Empty),
///         /// A text.
///         Say("say", String),
///     }
/// }
/// use nts::wire::Message;
/// assert_eq!(Toy::Ping(Empty {}).kind(), "ping");
/// ```
#[macro_export]
macro_rules! messages {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident ($kind:literal, $body:ty) ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant($body), )*
        }

        impl $crate::wire::Message for $name {
            const KINDS: &'static [&'static str] = &[$($kind),*];

            fn kind(&self) -> &'static str {
                match self { $(Self::$variant(_) => $kind,)* }
            }

            fn serialize_body<S: ::serde::ser::SerializeMap>(&self, map: &mut S) -> Result<(), S::Error> {
                match self { $(Self::$variant(body) => map.serialize_entry("body", body),)* }
            }

            fn deserialize_body<'de, A: ::serde::de::MapAccess<'de>>(
                kind: &str,
                map: &mut A,
            ) -> Result<Option<Self>, A::Error> {
                match kind {
                    $($kind => Ok(Some(Self::$variant(map.next_value::<$body>()?))),)*
                    _ => Ok(None),
                }
            }
        }
    };
}

/// One message with its correlation id.
#[derive(Debug, Clone, PartialEq)]
pub struct Envelope<M> {
    /// Request id: a reply echoes its request's id; 0 means "not a request".
    pub id: u64,
    /// The message.
    pub msg: M,
}

impl<M> Envelope<M> {
    /// An envelope that is not a request (id 0).
    pub fn event(msg: M) -> Self {
        Envelope { id: 0, msg }
    }

    /// An envelope carrying request or reply id `id`.
    pub fn with_id(id: u64, msg: M) -> Self {
        Envelope { id, msg }
    }
}

/// Why bytes could not be decoded into an envelope. Every variant says what to fix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DecodeError {
    /// The input exceeds the size allowed for this channel.
    #[error("message of {size} bytes exceeds the limit of {max} bytes")]
    TooLarge {
        /// Size of the input.
        size: usize,
        /// Limit in force.
        max: usize,
    },
    /// The bytes are not a well-formed envelope (bad CBOR, wrong types, missing keys).
    #[error("malformed envelope: {0}")]
    Malformed(String),
    /// The peer speaks another protocol version.
    #[error("unsupported protocol version {got} (this peer speaks version {PROTOCOL_VERSION})")]
    UnsupportedVersion {
        /// Version the peer sent.
        got: u64,
        /// The envelope id, so an error reply can echo it.
        id: u64,
    },
    /// The kind is not one this channel accepts.
    #[error("unknown message kind {kind:?} (expected one of: {expected})")]
    UnknownKind {
        /// The kind the peer sent.
        kind: String,
        /// The envelope id, so an error reply can echo it.
        id: u64,
        /// The kinds this channel accepts, comma-separated.
        expected: String,
    },
}

impl DecodeError {
    /// The request id of the offending envelope, when it could be read.
    pub fn request_id(&self) -> u64 {
        match self {
            DecodeError::UnsupportedVersion { id, .. } | DecodeError::UnknownKind { id, .. } => *id,
            _ => 0,
        }
    }
}

/// Encodes an envelope to CBOR.
pub fn encode<M: Message>(env: &Envelope<M>) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    // Writing into a Vec cannot fail, and every body type serializes infallibly
    // (no maps with non-string keys, no unsupported types).
    ciborium::into_writer(env, &mut out).expect("CBOR encoding into a Vec cannot fail");
    out
}

/// A message of family `M` read only as far as its kind: the body is walked (well-formed
/// CBOR, within the nesting limit) but not decoded. Relays use it: the host routes by kind
/// and leaves typed checks to the receiver, which decodes everything anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KindOnly<M> {
    kind: &'static str,
    family: PhantomData<M>,
}

impl<M: Message> KindOnly<M> {
    fn of(kind: &str) -> Option<Self> {
        M::KINDS.iter().find(|k| **k == kind).map(|k| KindOnly {
            kind: k,
            family: PhantomData,
        })
    }
}

impl<M: Message> Message for KindOnly<M> {
    const KINDS: &'static [&'static str] = M::KINDS;

    fn kind(&self) -> &'static str {
        self.kind
    }

    /// Writes an empty body: a `KindOnly` is for reading, relays forward the bytes.
    fn serialize_body<S: SerializeMap>(&self, map: &mut S) -> Result<(), S::Error> {
        map.serialize_entry("body", &())
    }

    fn deserialize_body<'de, A: MapAccess<'de>>(
        kind: &str,
        map: &mut A,
    ) -> Result<Option<Self>, A::Error> {
        let Some(found) = Self::of(kind) else {
            return Ok(None);
        };
        map.next_value::<IgnoredAny>()?;
        Ok(Some(found))
    }
}

/// A CBOR decoding error in words (ciborium's own `Display` is its `Debug`).
fn describe<E: fmt::Debug>(e: ciborium::de::Error<E>) -> String {
    match e {
        ciborium::de::Error::Semantic(_, msg) => msg,
        ciborium::de::Error::Syntax(at) => format!("invalid CBOR at byte {at}"),
        ciborium::de::Error::RecursionLimitExceeded => "nested too deeply".into(),
        ciborium::de::Error::Io(_) => "the message ends too early (truncated CBOR)".into(),
    }
}

/// Decodes an envelope, refusing inputs over `max` bytes before parsing.
pub fn decode<M: Message>(bytes: &[u8], max: usize) -> Result<Envelope<M>, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge {
            size: bytes.len(),
            max,
        });
    }
    let mut raw = read_raw::<M>(bytes, None)?;
    // A body before its kind was skipped (buffering it as a value tree would cost many
    // times its size); with the kind now known, a second pass decodes it in place.
    if matches!(raw.body, Body::Deferred)
        && let Some(kind) = raw.kind.clone()
    {
        raw = read_raw::<M>(bytes, Some(kind))?;
    }
    let id = raw.id.unwrap_or(0);
    match raw.version {
        Some(v) if v == u64::from(PROTOCOL_VERSION) => {}
        Some(got) => return Err(DecodeError::UnsupportedVersion { got, id }),
        None => return Err(DecodeError::Malformed("missing key \"version\"".into())),
    }
    let kind = raw
        .kind
        .ok_or_else(|| DecodeError::Malformed("missing key \"kind\"".into()))?;
    let msg = match raw.body {
        Body::Decoded(m) => m,
        Body::Unknown | Body::Deferred => return Err(unknown::<M>(kind, id)),
        Body::Missing => return Err(DecodeError::Malformed("missing key \"body\"".into())),
    };
    Ok(Envelope { id, msg })
}

/// One pass over an envelope; `preset` is its kind when a first pass found it after the body.
fn read_raw<M: Message>(bytes: &[u8], preset: Option<String>) -> Result<Raw<M>, DecodeError> {
    // ciborium takes no seed, so the preset kind reaches `Raw::deserialize` this way; it
    // is taken at the start, so envelopes nested in a body never see it.
    PRESET_KIND.with(|p| *p.borrow_mut() = preset);
    let raw = ciborium::from_reader::<Raw<M>, _>(bytes);
    PRESET_KIND.with(|p| p.borrow_mut().take());
    raw.map_err(|e| DecodeError::Malformed(describe(e)))
}

thread_local! {
    static PRESET_KIND: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
}

/// The envelope as JSON `{version, kind, id, body}` (byte strings become arrays), for
/// scripts and logs.
pub fn to_json<M: Message>(env: &Envelope<M>) -> serde_json::Value {
    let bytes = encode(env);
    let value: ciborium::Value = ciborium::from_reader(&bytes[..]).expect("own encoding decodes");
    serde_json::to_value(&value).unwrap_or(serde_json::Value::Null)
}

fn unknown<M: Message>(kind: String, id: u64) -> DecodeError {
    DecodeError::UnknownKind {
        kind,
        id,
        expected: M::KINDS.join(", "),
    }
}

impl<M: Message> Serialize for Envelope<M> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(4))?;
        map.serialize_entry("version", &PROTOCOL_VERSION)?;
        map.serialize_entry("kind", self.msg.kind())?;
        map.serialize_entry("id", &self.id)?;
        self.msg.serialize_body(&mut map)?;
        map.end()
    }
}

/// The body as the decoder found it.
enum Body<M> {
    Missing,
    Decoded(M),
    /// Body seen before `kind`: skipped, decoded by a second pass.
    Deferred,
    /// Kind unknown or version unsupported: body skipped.
    Unknown,
}

/// An envelope as read, before version and kind checks.
struct Raw<M> {
    version: Option<u64>,
    kind: Option<String>,
    id: Option<u64>,
    body: Body<M>,
}

impl<'de, M: Message> Deserialize<'de> for Raw<M> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let preset = PRESET_KIND.with(|p| p.borrow_mut().take());
        d.deserialize_map(RawVisitor::<M> {
            preset,
            family: PhantomData,
        })
    }
}

/// With `preset`, a body found before the kind is decoded as that kind.
struct RawVisitor<M> {
    preset: Option<String>,
    family: PhantomData<M>,
}

impl<'de, M: Message> Visitor<'de> for RawVisitor<M> {
    type Value = Raw<M>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an envelope map {version, kind, id, body}")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<M>, A::Error> {
        let mut raw = Raw {
            version: None,
            kind: None,
            id: None,
            body: Body::Missing,
        };
        while let Some(key) = map.next_key::<Key>()? {
            match key {
                Key::Version => raw.version = Some(map.next_value()?),
                Key::Kind => raw.kind = Some(map.next_value()?),
                Key::Id => raw.id = Some(map.next_value()?),
                Key::Body => {
                    if !matches!(raw.body, Body::Missing) {
                        return Err(de::Error::duplicate_field("body"));
                    }
                    let version_ok = raw.version.is_none_or(|v| v == u64::from(PROTOCOL_VERSION));
                    raw.body = match (raw.kind.as_ref().or(self.preset.as_ref()), version_ok) {
                        (_, false) => {
                            map.next_value::<IgnoredAny>()?;
                            Body::Unknown
                        }
                        (Some(kind), true) => match M::deserialize_body(kind, &mut map)? {
                            Some(m) => Body::Decoded(m),
                            None => {
                                map.next_value::<IgnoredAny>()?;
                                Body::Unknown
                            }
                        },
                        (None, true) => {
                            map.next_value::<IgnoredAny>()?;
                            Body::Deferred
                        }
                    };
                }
                Key::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(raw)
    }
}

/// Envelope keys; unknown keys are skipped for forward compatibility.
enum Key {
    Version,
    Kind,
    Id,
    Body,
    Other,
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a text key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Key, E> {
                Ok(match v {
                    "version" => Key::Version,
                    "kind" => Key::Kind,
                    "id" => Key::Id,
                    "body" => Key::Body,
                    _ => Key::Other,
                })
            }
        }
        d.deserialize_str(KeyVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::link::{Notification, NotificationType, ToPlugin, ToSession};
    use crate::api::{Empty, PresenterInfo};
    use ciborium::Value;

    fn cbor(v: &Value) -> Vec<u8> {
        let mut out = Vec::new();
        ciborium::into_writer(v, &mut out).unwrap();
        out
    }

    fn map(entries: Vec<(&str, Value)>) -> Value {
        Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| (Value::Text(k.into()), v))
                .collect(),
        )
    }

    #[test]
    fn round_trips_every_shape() {
        let msgs = vec![
            Envelope::with_id(7, ToSession::PresenterInfoRequest(Empty {})),
            Envelope::event(ToSession::Notification(Notification {
                kind: NotificationType::Success,
                text: "héllo".into(),
            })),
        ];
        for m in msgs {
            let bytes = encode(&m);
            assert_eq!(decode::<ToSession>(&bytes, 1024).unwrap(), m);
        }
    }

    #[test]
    fn writes_canonical_key_order() {
        let bytes = encode(&Envelope::with_id(3, ToPlugin::Run(Empty {})));
        let v: Value = ciborium::from_reader(&bytes[..]).unwrap();
        let keys: Vec<_> = v
            .as_map()
            .unwrap()
            .iter()
            .map(|(k, _)| k.as_text().unwrap().to_owned())
            .collect();
        assert_eq!(keys, ["version", "kind", "id", "body"]);
    }

    #[test]
    fn accepts_body_before_kind() {
        let info = PresenterInfo {
            account_id: "a1".into(),
            account_name: "Ann".into(),
            ..Default::default()
        };
        let mut body = Vec::new();
        ciborium::into_writer(&info, &mut body).unwrap();
        let body: Value = ciborium::from_reader(&body[..]).unwrap();
        let bytes = cbor(&map(vec![
            ("body", body),
            ("id", Value::Integer(9.into())),
            ("kind", Value::Text("presenter_info".into())),
            ("version", Value::Integer(1.into())),
        ]));
        let env = decode::<ToPlugin>(&bytes, 1024).unwrap();
        assert_eq!(env, Envelope::with_id(9, ToPlugin::PresenterInfo(info)));
    }

    #[test]
    fn unknown_kind_is_a_typed_error_with_the_id() {
        let bytes = cbor(&map(vec![
            ("version", Value::Integer(1.into())),
            ("kind", Value::Text("teleport".into())),
            ("id", Value::Integer(5.into())),
            ("body", Value::Map(vec![])),
        ]));
        match decode::<ToPlugin>(&bytes, 1024) {
            Err(DecodeError::UnknownKind { kind, id, expected }) => {
                assert_eq!((kind.as_str(), id), ("teleport", 5));
                assert!(expected.contains("run"));
            }
            other => panic!("expected UnknownKind, got {other:?}"),
        }
    }

    #[test]
    fn other_versions_are_refused() {
        let bytes = cbor(&map(vec![
            ("version", Value::Integer(2.into())),
            ("kind", Value::Text("run".into())),
            ("id", Value::Integer(4.into())),
            ("body", Value::Text("whatever v2 carries".into())),
        ]));
        assert_eq!(
            decode::<ToPlugin>(&bytes, 1024),
            Err(DecodeError::UnsupportedVersion { got: 2, id: 4 })
        );
    }

    #[test]
    fn bad_inputs_are_errors_not_panics() {
        let wrong_body = cbor(&map(vec![
            ("version", Value::Integer(1.into())),
            ("kind", Value::Text("notification".into())),
            ("id", Value::Integer(0.into())),
            (
                "body",
                map(vec![
                    ("type", Value::Text("shout".into())),
                    ("text", Value::Text("x".into())),
                ]),
            ),
        ]));
        let missing_kind = cbor(&map(vec![("version", Value::Integer(1.into()))]));
        let cases: Vec<Vec<u8>> = vec![
            vec![],
            vec![0xff],
            vec![0xbf, 0x61],
            cbor(&Value::Integer(3.into())),
            cbor(&Value::Array(vec![])),
            wrong_body,
            missing_kind,
            vec![0x9f; 10_000], // deep nesting
        ];
        for c in cases {
            assert!(
                decode::<ToSession>(&c, 1 << 20).is_err(),
                "accepted {c:02x?}"
            );
        }
    }

    #[test]
    fn size_limit_is_checked_first() {
        let bytes = encode(&Envelope::event(ToPlugin::Run(Empty {})));
        assert!(matches!(
            decode::<ToPlugin>(&bytes, 3),
            Err(DecodeError::TooLarge { max: 3, .. })
        ));
    }
}
