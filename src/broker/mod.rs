//! The broker: a supervised `nats-server` with generated TLS, as `nts up` and the tests run it.
//!
//! [`pki`] makes the dev CA and server certificate, [`server`] finds, configures, starts
//! and stops the `nats-server` process. The configuration itself is `broker/dev.conf`,
//! embedded here so the binary needs nothing beside it.

pub mod pki;
pub mod server;

pub use pki::DevPki;
pub use server::{Broker, BrokerError, BrokerOptions, describe_exit, find_nats_server};

/// The dev broker configuration (`broker/dev.conf`), with `$NTS_*` placeholders.
pub const DEV_CONF: &str = include_str!("../../broker/dev.conf");
/// Accounts and role permissions (`broker/accounts.conf`), included by every config.
pub const ACCOUNTS_CONF: &str = include_str!("../../broker/accounts.conf");
/// A cluster node's configuration (`broker/cluster.conf`).
pub const CLUSTER_CONF: &str = include_str!("../../broker/cluster.conf");
/// The nats-server version nts is built and tested against.
pub const NATS_SERVER_VERSION: &str = "2.15.1";
