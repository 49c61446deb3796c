//! `hello`: on run, greets the session and asks who presents it.

use crate::api::PresenterInfo;
use crate::api::link::NotificationType;
use crate::api::room::{Macro, PluginListButton};
use crate::instance::{Instance, PluginInstance};
use crate::plugin::Plugin;

/// The plugin's registration.
pub fn plugin() -> Plugin {
    Plugin::new("hello", "Says hello, then greets the presenter by name.")
        .category("Examples")
        .tags(["example", "getting-started"])
        .has_advanced(true)
        .version(env!("CARGO_PKG_VERSION"))
}

/// One instance per session.
#[derive(Debug, Default)]
pub struct Hello;

impl PluginInstance for Hello {
    async fn on_run(&mut self, nts: &Instance) {
        // stderr is the instance's log: the host forwards it to `nts logs`.
        eprintln!("hello: run pressed in session {}", nts.info().session_id);
        let _ = nts
            .send_notification(NotificationType::Message, "Hello from nts!")
            .await;
        match nts.request_presenter_info().await {
            Ok(p) => {
                let _ = nts
                    .send_notification(
                        NotificationType::Success,
                        format!("Hello, {}!", p.account_name),
                    )
                    .await;
            }
            Err(e) => {
                let _ = nts
                    .send_notification(
                        NotificationType::Error,
                        format!("could not get presenter info: {e}"),
                    )
                    .await;
            }
        }
    }

    async fn on_advanced_settings(&mut self, nts: &Instance) {
        // A tour of the room API: plugin list button, a saved macro, controllers, a URL.
        let _ = nts
            .set_plugin_list_button(PluginListButton::Run, Some("Say hello again"), None)
            .await;
        let greet = Macro {
            title: "greet".into(),
            logic: "print('hello')".into(),
        };
        let saved = match nts.save_macro(greet).await {
            Ok(()) => nts.list_macros().await.map(|m| m.len()).unwrap_or(0),
            Err(_) => 0,
        };
        let head = nts
            .request_controller_transforms()
            .await
            .map(|t| t.head.position[1])
            .unwrap_or(f32::NAN);
        let _ = nts.open_url("localhost/docs", false).await;
        let info = nts.info();
        let text = format!(
            "hello serves session {} on link {}; {saved} macro saved; head at {head:.1} m",
            info.session_id, info.link_id
        );
        let _ = nts.send_notification(NotificationType::Message, text).await;
    }

    async fn on_complex_added(&mut self, nts: &Instance) {
        let count = nts
            .request_complex_list()
            .await
            .map(|l| l.len())
            .unwrap_or(0);
        let _ = nts
            .send_notification(
                NotificationType::Message,
                format!("A complex was added; the workspace has {count}"),
            )
            .await;
    }

    async fn on_presenter_change(&mut self, nts: &Instance, presenter: PresenterInfo) {
        let text = format!("The presenter is now {}", presenter.account_name);
        let _ = nts.send_notification(NotificationType::Message, text).await;
    }
}
