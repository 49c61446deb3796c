//! Realistic samples of every message kind, by plane, for `check_family`.

pub(crate) mod analysis;
pub(crate) mod control;
pub(crate) mod link;
pub(crate) mod menu;
pub(crate) mod session;
pub(crate) mod structure;
