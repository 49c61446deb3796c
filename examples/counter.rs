//! A complete plugin in one file: counts how often the presenter pressed "Run".
//!
//! Each connected session gets its own process, so each has its own counter.
//!
//! ```text
//! cargo run --example counter            # registers with the system `nts up` started
//! nts session run counter                # in another terminal
//! ```

use nts::api::PresenterInfo;
use nts::api::link::NotificationType;
use nts::instance::{Instance, PluginInstance};
use nts::plugin::Plugin;

#[derive(Default)]
struct Counter {
    runs: u32,
}

impl PluginInstance for Counter {
    async fn start(&mut self, nts: &Instance) {
        eprintln!("counter: serving session {}", nts.info().session_id);
    }

    async fn on_run(&mut self, nts: &Instance) {
        self.runs += 1;
        let who = match nts.request_presenter_info().await {
            Ok(p) => p.account_name,
            Err(e) => format!("someone ({e})"),
        };
        let _ = nts
            .send_notification(
                NotificationType::Message,
                format!("run #{} by {who}", self.runs),
            )
            .await;
    }

    async fn on_presenter_change(&mut self, nts: &Instance, presenter: PresenterInfo) {
        let _ = nts
            .send_notification(
                NotificationType::Message,
                format!("{} presents now", presenter.account_name),
            )
            .await;
    }

    async fn on_stop(&mut self, _nts: &Instance) {
        eprintln!("counter: stopping after {} runs", self.runs);
    }
}

fn main() -> std::process::ExitCode {
    Plugin::new("counter", "Counts runs, one counter per session.")
        .category("Examples")
        .run(Counter::default)
}
