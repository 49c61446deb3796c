//! nts: the Nanome plugin system on a NATS broker.
//!
//! Roles, each a module: [`coordinator`] (control plane), [`host`] (spawns and
//! supervises one instance process per link), [`instance`] (the plugin author's SDK),
//! [`session`] (the Nanome side, headless). Shared: [`wire`] (envelope, frames, subjects)
//! and [`api`] (message types). [`broker`] runs and configures `nats-server`;
//! [`connect`] opens TLS connections to it with a role's credentials. [`legacy`] is the
//! gateway for nanome-lib plugins (its packet layer so far).
#![deny(unsafe_code)]
#![warn(missing_docs)]

// The example plugins under `examples/` are also built in (`plugins`); they name this
// crate `nts` as any plugin crate does.
extern crate self as nts;

pub mod api;
pub mod broker;
pub mod cli;
pub mod connect;
pub mod coordinator;
mod error;
pub mod files;
pub mod host;
pub mod instance;
pub mod legacy;
pub mod plugin;
pub mod plugins;
pub mod runtime;
pub mod session;
mod sys;
pub mod wire;
