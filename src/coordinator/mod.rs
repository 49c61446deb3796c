//! The coordinator: NTS's control plane, off the data path.
//!
//! It knows the plugins (registry with leases), the sessions (members, presenter) and the
//! links, grants presenter-only operations, and publishes an event for every change.
//! [`state`] is the sans-IO core (requests in, replies and effects out, unit-tested
//! without a broker); [`service`] is the NATS service around it.

pub mod callout;
pub mod client;
pub mod limits;
pub mod service;
pub mod state;
pub mod store;

pub use service::{Coordinator, CoordinatorConfig};
pub use state::{Effect, Registry};
