//! The legacy gateway: lets unmodified nanome-lib plugins (0.39–0.42) join nts over their
//! own protocol, a TLS stream of packets with a 15-byte header (`docs/ARCHITECTURE.md`,
//! "Legacy gateway").
//!
//! Built so far, sans-IO and tested on captured bytes: the packet layer ([`packet`]), the
//! registration a plugin opens with ([`registration`]), the name hash its commands and
//! messages are identified by ([`hash`]), and the serialization they share with the
//! `connect` exchange and its version tables ([`serial`]), and one plugin connection's
//! state machine ([`conn`]: registration, refusal, keep-alive, sessions, kicks), served over
//! TLS by [`gateway`] (registrations decided by a [`gateway::Registrar`]). Wiring it to the
//! coordinator and sessions, and translating message bodies, come next (issue 11).

pub mod conn;
pub mod gateway;
pub mod hash;
pub mod packet;
pub mod registration;
pub mod serial;
