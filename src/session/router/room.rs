//! The requests the session answers for the room itself: presenter and controller
//! poses, macros (kept per plugin), and the files API on a blocking thread.

use super::Core;
use crate::api::link::{ToPlugin, ToSession};
use crate::wire::subject::Token;

impl Core {
    /// Answers presenter, controller and macro requests; macros are kept per plugin.
    pub(super) fn room_request(
        &mut self,
        lid: &Token,
        msg: &ToSession,
    ) -> Option<Result<ToPlugin, crate::api::ErrorBody>> {
        use crate::api::room::{ControllerTransforms, MacroList, Pose};
        let done = Ok(ToPlugin::Done(crate::api::Empty {}));
        let plugin = self.routes.links.get(lid).map(|s| s.plugin_id.clone());
        Some(match msg {
            ToSession::PresenterInfoRequest(_) => {
                Ok(ToPlugin::PresenterInfo(self.presenter.clone()))
            }
            ToSession::ControllerTransformsRequest(_) => {
                // A headless presenter stands at the origin, controllers at their sides.
                let pose = |x: f32, y: f32| Pose {
                    position: [x, y, 0.0],
                    rotation: crate::api::structure::IDENTITY,
                };
                Ok(ToPlugin::ControllerTransforms(ControllerTransforms {
                    head: pose(0.0, 1.6),
                    left: pose(-0.3, 1.1),
                    right: pose(0.3, 1.1),
                }))
            }
            ToSession::MacroSave(m) => {
                let Some(p) = plugin else { return Some(done) };
                if m.title.is_empty() || m.title.len() > 256 || m.logic.len() > 1 << 20 {
                    return Some(Err(crate::api::ErrorBody::new(
                        crate::api::ErrorCode::BadRequest,
                        "a macro needs a title (1-256 bytes) and at most 1 MiB of Lua",
                    )));
                }
                let mine = self.macros.entry(p).or_default();
                if mine.len() >= 1024 && !mine.contains_key(&m.title) {
                    return Some(Err(crate::api::ErrorBody::new(
                        crate::api::ErrorCode::BadRequest,
                        "at most 1024 macros per plugin",
                    )));
                }
                mine.insert(m.title.clone(), m.clone());
                done
            }
            ToSession::MacroDelete(r) => {
                if let Some(p) = plugin
                    && let Some(mine) = self.macros.get_mut(&p)
                {
                    mine.remove(&r.title);
                }
                done
            }
            ToSession::MacroList(_) => {
                let macros = plugin
                    .and_then(|p| self.macros.get(&p).map(|m| m.values().cloned().collect()))
                    .unwrap_or_default();
                Ok(ToPlugin::Macros(MacroList { macros }))
            }
            ToSession::MacroRun(_) => Err(crate::api::ErrorBody::new(
                crate::api::ErrorCode::Unavailable,
                "the headless session does not run Lua macros (saving, listing and deleting work)",
            )),
            ToSession::MacroStop(_) => done,
            _ => return None,
        })
    }

    /// Runs a file operation for a link, on a blocking thread.
    pub(super) async fn file_op(
        &self,
        lid: &Token,
        op: crate::api::link::FileOp,
    ) -> Result<crate::api::link::FileReply, crate::api::ErrorBody> {
        let view = self.routes.links.get(lid).map(|s| s.files.clone());
        let view = match view {
            Some(Ok(v)) => v,
            Some(Err(why)) => return Err(why),
            None => {
                return Err(crate::api::ErrorBody::new(
                    crate::api::ErrorCode::Closed,
                    "the link is closed",
                ));
            }
        };
        tokio::task::spawn_blocking(move || view.lock().expect("lock").apply(&op))
            .await
            .unwrap_or_else(|e| {
                Err(crate::api::ErrorBody::new(
                    crate::api::ErrorCode::Internal,
                    e.to_string(),
                ))
            })
    }
}
