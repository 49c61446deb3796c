//! `notes`: keeps a note per run in the session's files (the files API).
//!
//! Run writes `notes/<n>.txt` naming the presenter and lists the notes; advanced settings
//! tries to read outside the session's directory, to show that it cannot.

use crate::api::link::NotificationType;
use crate::instance::{Instance, PluginInstance};
use crate::plugin::Plugin;

/// The plugin's registration: it declares the files permission.
pub fn plugin() -> Plugin {
    Plugin::new(
        "notes",
        "Writes a note per run into the session's files and lists them.",
    )
    .category("Examples")
    .tags(["example", "files"])
    .permissions([crate::session::files::PERMISSION])
    .version(env!("CARGO_PKG_VERSION"))
}

/// One instance per session.
#[derive(Debug, Default)]
pub struct Notes;

impl PluginInstance for Notes {
    async fn on_run(&mut self, nts: &Instance) {
        let files = nts.files();
        let result = async {
            if files.ls("/notes").await.is_err() {
                files.mkdir("/notes").await?;
            }
            let n = files.ls("/notes").await?.len() + 1;
            let who = nts
                .request_presenter_info()
                .await
                .map(|p| p.account_name)
                .unwrap_or_default();
            files
                .put(
                    &format!("/notes/{n}.txt"),
                    format!("note {n} by {who}\n").into_bytes(),
                )
                .await?;
            let names: Vec<String> = files
                .ls("/notes")
                .await?
                .into_iter()
                .map(|e| e.name)
                .collect();
            Ok::<_, crate::instance::RequestError>(format!(
                "{} notes: {}",
                names.len(),
                names.join(", ")
            ))
        }
        .await;
        let (kind, text) = match result {
            Ok(t) => (NotificationType::Success, t),
            Err(e) => (NotificationType::Error, format!("notes failed: {e}")),
        };
        let _ = nts.send_notification(kind, text).await;
    }

    async fn on_advanced_settings(&mut self, nts: &Instance) {
        let text = match nts.files().get("../../../etc/passwd").await {
            Ok(data) => format!("read {} bytes outside the session's files!", data.len()),
            Err(e) => format!("refused as it should be: {e}"),
        };
        let _ = nts.send_notification(NotificationType::Message, text).await;
    }
}
