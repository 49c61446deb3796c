//! `workspace-echo`: for `nts bench` and the tests. On run, reads the whole workspace and
//! writes it back `ROUNDS` times, adds a copy of its first complex (of at most
//! [`MAX_COPIED`] atoms: the million-atom bench would double its workspace), then reports
//! each round trip's time and the copy's new index (not started by `nts up`).

use crate::api::link::NotificationType;
use crate::instance::{Instance, PluginInstance};
use crate::plugin::Plugin;

/// Round trips per run.
pub const ROUNDS: usize = 10;

/// Largest complex copied back into the workspace after the round trips.
pub const MAX_COPIED: usize = 100_000;

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
        let (mut times, mut reads, mut writes) = (Vec::new(), Vec::new(), Vec::new());
        let micros = |t: std::time::Instant| t.elapsed().as_micros().to_string();
        for _ in 0..ROUNDS {
            let t0 = std::time::Instant::now();
            let result = async {
                let ws = nts.request_workspace().await?;
                reads.push(micros(t0));
                let t1 = std::time::Instant::now();
                nts.update_workspace(ws).await?;
                writes.push(micros(t1));
                Ok::<_, crate::instance::RequestError>(())
            }
            .await;
            if let Err(e) = result {
                let _ = nts
                    .send_notification(NotificationType::Error, format!("echo failed: {e}"))
                    .await;
                return;
            }
            times.push(micros(t0));
        }
        let added = async {
            let ws = nts.request_workspace().await?;
            let Some(first) = ws.complexes.into_iter().next() else {
                return Ok(String::new());
            };
            let atoms = first.atom_count();
            if atoms > MAX_COPIED {
                return Ok(String::new());
            }
            let copy = nts.add_to_workspace(vec![first]).await?;
            Ok::<_, crate::instance::RequestError>(match copy.first() {
                Some(c) if c.atom_count() == atoms => {
                    format!("; copy added as complex {} with {atoms} atoms", c.index)
                }
                _ => "; the copy came back different".to_string(),
            })
        }
        .await
        .unwrap_or_else(|e| format!("; adding a copy failed: {e}"));
        let text = format!(
            "round trips (µs): {}; requests: {}; updates: {}{added}",
            times.join(" "),
            reads.join(" "),
            writes.join(" ")
        );
        let _ = nts.send_notification(NotificationType::Success, text).await;
    }
}
