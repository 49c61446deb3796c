//! The example plugins `nts up` starts, built into the `nts` binary (`nts plugin NAME`).
//!
//! Each is an ordinary [`PluginInstance`](crate::instance::PluginInstance); a standalone
//! plugin crate looks the same (see `examples/hello.rs`).

pub mod crash;
pub mod hbonds;
pub mod hello;
pub mod notes;
pub mod wiggle;

use crate::instance::Plugin;

/// Names of the built-in plugins.
pub const BUILTIN: &[&str] = &["hello", "crash", "hbonds", "notes", "wiggle"];

/// The metadata of a built-in plugin, by name.
pub fn builtin(name: &str) -> Option<Plugin> {
    match name {
        "hello" => Some(hello::plugin()),
        "crash" => Some(crash::plugin()),
        "hbonds" => Some(hbonds::plugin()),
        "notes" => Some(notes::plugin()),
        "wiggle" => Some(wiggle::plugin()),
        _ => None,
    }
}
