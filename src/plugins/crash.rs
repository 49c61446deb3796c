//! `crash`: misbehaves on purpose, for tests and demos of failure handling.
//! Run aborts the process; advanced settings writes a malformed frame.

use crate::api::link::NotificationType;
use crate::instance::{Instance, PluginInstance};
use crate::plugin::Plugin;

/// The plugin's registration.
pub fn plugin() -> Plugin {
    Plugin::new(
        "crash",
        "Crashes on run; sends a malformed frame on advanced settings. For testing.",
    )
    .category("Examples")
    .tags(["example", "testing"])
    .has_advanced(true)
    .version(env!("CARGO_PKG_VERSION"))
}

/// One instance per session.
#[derive(Debug, Default)]
pub struct Crash;

impl PluginInstance for Crash {
    async fn on_run(&mut self, nts: &Instance) {
        let _ = nts
            .send_notification(NotificationType::Warning, "crashing now")
            .await;
        nts.flush().await;
        std::process::abort();
    }

    async fn on_advanced_settings(&mut self, nts: &Instance) {
        // A frame whose payload is not an envelope.
        nts.send_raw_frame(vec![0xff, 0x00, 0x13, 0x37]).await;
    }
}
