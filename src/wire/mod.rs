//! The wire: what travels between roles, independent of any socket.
//!
//! Every NATS message body and every stdio frame is one CBOR [`Envelope`]
//! `{version, kind, id, body}`. This module owns the envelope codec, the length-prefixed
//! stdio framing between a host and its instances, and the subject names. It does no I/O
//! of its own except the thin async frame adapters in [`frame`].

pub mod caller;
pub mod chunk;
pub mod envelope;
pub mod frame;
pub mod skim;
pub mod subject;

pub use envelope::{
    DecodeError, Envelope, Kind, KindOnly, Message, PROTOCOL_VERSION, decode, encode,
    encode_borrowed,
};
pub use frame::{FrameDecoder, FrameError, MAX_FRAME_DEFAULT};
