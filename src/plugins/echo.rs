//! `workspace-echo`: for `nts bench`. On run, reads the whole workspace and writes it back
//! `ROUNDS` times, then reports each round trip's time (not started by `nts up`).

use crate::api::link::NotificationType;
use crate::instance::{Instance, PluginInstance};
use crate::plugin::Plugin;

/// Round trips per run.
pub const ROUNDS: usize = 10;

/// The plugin's registration.
pub fn plugin() -> Plugin {
    Plugin::new(
        "workspace-echo",
        "Benchmark: reads the workspace and writes it back.",
    )
    .category("Benchmarks")
    .version(env!("CARGO_PKG_VERSION"))
}

/// One instance per session.
#[derive(Debug, Default)]
pub struct Echo;

impl PluginInstance for Echo {
    async fn on_run(&mut self, nts: &Instance) {
        let mut times = Vec::with_capacity(ROUNDS);
        for _ in 0..ROUNDS {
            let t0 = std::time::Instant::now();
            let result = async {
                let ws = nts.request_workspace().await?;
                nts.update_workspace(ws).await
            }
            .await;
            if let Err(e) = result {
                let _ = nts
                    .send_notification(NotificationType::Error, format!("echo failed: {e}"))
                    .await;
                return;
            }
            times.push(t0.elapsed().as_micros().to_string());
        }
        let text = format!("round trips (µs): {}", times.join(" "));
        let _ = nts.send_notification(NotificationType::Success, text).await;
    }
}
