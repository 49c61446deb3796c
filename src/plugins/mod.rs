//! The example plugins `nts up` starts, built into the `nts` binary (`nts plugin NAME`).
//!
//! Each is an ordinary [`PluginInstance`](crate::instance::PluginInstance). The ones that
//! teach (`menu`, `hbonds`, `wiggle`, `tour`) live under `examples/` as standalone programs,
//! written against the crate as any plugin crate is (`nts::…`), and are compiled in here
//! too; `hello`, `crash` and `notes` are small enough to live here.

pub mod crash;
pub mod echo;
#[path = "../../examples/hbonds.rs"]
pub mod hbonds;
pub mod hello;
#[path = "../../examples/menu.rs"]
pub mod menu;
pub mod notes;
#[path = "../../examples/tour.rs"]
pub mod tour;
#[path = "../../examples/wiggle.rs"]
pub mod wiggle;

use crate::plugin::Plugin;

/// Names of the built-in plugins.
pub const BUILTIN: &[&str] = &[
    "hello", "crash", "hbonds", "notes", "wiggle", "menu", "tour",
];

/// A host configuration for built-in plugin `name`, whose instances are `exe plugin NAME`
/// (the `nts` binary) in instance mode.
pub fn host_config(name: &str, exe: &std::path::Path) -> Option<crate::host::HostConfig> {
    let command = crate::host::InstanceCommand::instance_mode(exe, ["plugin", name]);
    Some(crate::host::HostConfig::new(
        builtin(name)?.metadata().clone(),
        command,
    ))
}

/// The metadata of a built-in plugin, by name.
pub fn builtin(name: &str) -> Option<Plugin> {
    match name {
        "hello" => Some(hello::plugin()),
        "crash" => Some(crash::plugin()),
        "hbonds" => Some(hbonds::plugin()),
        "notes" => Some(notes::plugin()),
        "wiggle" => Some(wiggle::plugin()),
        "menu" => Some(menu::plugin()),
        "tour" => Some(tour::plugin()),
        "workspace-echo" => Some(echo::plugin()),
        _ => None,
    }
}
