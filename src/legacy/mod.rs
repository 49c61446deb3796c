//! The legacy gateway: lets unmodified nanome-lib plugins (0.39–0.42) join nts over their
//! own protocol, a TLS stream of packets with a 15-byte header (`docs/ARCHITECTURE.md`,
//! "Legacy gateway").
//!
//! Built so far (issue 11), sans-IO and tested on captured bytes unless marked:
//! - [`packet`]: the packets, bounded before they are buffered;
//! - [`registration`]: what a plugin says of itself when it connects;
//! - [`hash`]: the name hash commands and messages are identified by;
//! - [`serial`]: the serialization they share, the `connect` exchange and version tables;
//! - [`conn`]: one plugin connection's state machine (registration, refusal, keep-alive,
//!   sessions, kicks);
//! - [`ids`]: plugin ids (never 0, given back on a reconnect within a grace period);
//! - [`kinds`]: the command and message kinds a name hash stands for, per direction;
//! - [`structure`]: nanome-lib's structure serializers (the atom-table patterns) against
//!   nts's structure tree;
//! - [`shape`]: nanome-lib's shapes (spheres, lines, labels, meshes) and their results;
//! - [`stream`]: nanome-lib's streams (creation, frames both ways, interrupts);
//! - [`interaction`]: nanome-lib's interactions (create, query, delete);
//! - [`export`]: nanome-lib's `request_export`, written by nts's writers;
//! - [`files`]: nanome-lib's files API and `load_file` (read by nts's own readers);
//! - [`macros`]: nanome-lib's macros;
//! - [`volume`]: nanome-lib's volumes (a grid added to a complex);
//! - [`integration`]: integrations called on a plugin, and its results;
//! - [`ui`]: nanome-lib's menu serializers against nts's menu tree, and the UI events;
//! - [`translate`]: one session's translation between nts's link messages and nanome-lib's;
//! - [`gateway`]: the TLS listener serving connections (tokio; registrations decided by a
//!   [`gateway::Registrar`]), run against the real nanome-lib in the tests;
//! - [`bridge`]: a registered plugin inside nts, serving its host's links with its sessions;
//! - [`service`]: `nts legacy`, the gateway joined to a deployment (each plugin a host with
//!   its own key, a reconnect keeping its sessions).

pub mod bridge;
pub mod conn;
pub mod export;
pub mod files;
pub mod gateway;
pub mod hash;
pub mod ids;
pub mod integration;
pub mod interaction;
pub mod kinds;
pub mod macros;
pub mod packet;
pub mod registration;
pub mod serial;
pub mod service;
pub mod shape;
pub mod stream;
pub mod structure;
pub mod translate;
pub mod ui;
pub mod volume;
