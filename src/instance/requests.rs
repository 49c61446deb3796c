//! The SDK's request wrappers: one method per session request (notifications, the
//! workspace and its structures, shapes, the room and macros).

use super::{DEFAULT_REQUEST_TIMEOUT, Instance, RequestError};
use crate::api::link::{
    ComplexList, Indices, Notification, NotificationType, StructuresUpdate, ToSession,
};
use crate::api::request as req;
use crate::api::room::{
    ControllerTransforms, Macro, MacroRef, OpenUrl, PluginListButton, SetPluginListButton,
    SetSkybox, Skybox,
};
use crate::api::shape::{Shape, ShapeIndices, ShapeList, ShapeResult};
use crate::api::structure::{Complex, Workspace};
use crate::api::{Empty, PresenterInfo};
use crate::wire::Envelope;
use std::time::Duration;

impl Instance {
    /// Shows a notification to the session's users.
    pub async fn send_notification(
        &self,
        kind: NotificationType,
        text: impl Into<String>,
    ) -> Result<(), RequestError> {
        self.send(Envelope::event(ToSession::Notification(Notification {
            kind,
            text: text.into(),
        })))
        .await
    }

    /// Asks who presents the session, with the default 10 s deadline.
    pub async fn request_presenter_info(&self) -> Result<PresenterInfo, RequestError> {
        self.request_presenter_info_within(DEFAULT_REQUEST_TIMEOUT)
            .await
    }

    /// Asks who presents the session; fails with [`RequestError::TimedOut`] after `deadline`.
    pub async fn request_presenter_info_within(
        &self,
        deadline: Duration,
    ) -> Result<PresenterInfo, RequestError> {
        self.call::<req::PresenterInfoRequest>(Empty {}, deadline)
            .await
    }

    /// The session's whole workspace, deep.
    pub async fn request_workspace(&self) -> Result<Workspace, RequestError> {
        self.call::<req::WorkspaceRequest>(Empty {}, DEFAULT_REQUEST_TIMEOUT)
            .await
    }

    /// The complexes in the workspace, shallow (no molecules).
    pub async fn request_complex_list(&self) -> Result<Vec<Complex>, RequestError> {
        self.call::<req::ComplexListRequest>(Empty {}, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|c| c.complexes)
    }

    /// Complexes by index, deep; `None` for an index the session does not have.
    pub async fn request_complexes(
        &self,
        indices: &[i64],
    ) -> Result<Vec<Option<Complex>>, RequestError> {
        let indices = Indices {
            indices: indices.to_vec(),
        };
        self.call::<req::ComplexesRequest>(indices, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|c| c.complexes)
    }

    /// Replaces the session's workspace.
    pub async fn update_workspace(&self, workspace: Workspace) -> Result<(), RequestError> {
        self.done::<req::WorkspaceUpdate>(workspace).await
    }

    /// Adds complexes; returns them with the indices the session assigned.
    pub async fn add_to_workspace(
        &self,
        complexes: Vec<Complex>,
    ) -> Result<Vec<Complex>, RequestError> {
        self.call::<req::AddToWorkspace>(ComplexList { complexes }, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|c| c.complexes)
    }

    /// Removes complexes by index.
    pub async fn remove_from_workspace(&self, indices: &[i64]) -> Result<(), RequestError> {
        self.done::<req::RemoveFromWorkspace>(Indices {
            indices: indices.to_vec(),
        })
        .await
    }

    /// Updates complexes in place, with everything they contain.
    pub async fn update_structures_deep(
        &self,
        complexes: Vec<Complex>,
    ) -> Result<(), RequestError> {
        self.done::<req::StructuresUpdate>(StructuresUpdate {
            deep: true,
            complexes,
        })
        .await
    }

    /// Updates only the complexes' own fields (name, visibility, position, ...).
    pub async fn update_structures_shallow(
        &self,
        complexes: Vec<Complex>,
    ) -> Result<(), RequestError> {
        self.done::<req::StructuresUpdate>(StructuresUpdate {
            deep: false,
            complexes,
        })
        .await
    }

    /// Zooms the session's view on atoms by index.
    pub async fn zoom_on_structures(&self, atom_indices: &[i64]) -> Result<(), RequestError> {
        self.done::<req::ZoomOn>(Indices {
            indices: atom_indices.to_vec(),
        })
        .await
    }

    /// Centres the session's view on atoms by index.
    pub async fn center_on_structures(&self, atom_indices: &[i64]) -> Result<(), RequestError> {
        self.done::<req::CenterOn>(Indices {
            indices: atom_indices.to_vec(),
        })
        .await
    }

    /// Creates shapes (or replaces those whose index is set); one result per shape.
    pub async fn upload_shapes(
        &self,
        shapes: Vec<Shape>,
    ) -> Result<Vec<ShapeResult>, RequestError> {
        self.call::<req::ShapesUpload>(ShapeList { shapes }, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|r| r.results)
    }

    /// Destroys shapes; one flag per index, false if it did not exist.
    pub async fn destroy_shapes(&self, indices: &[i32]) -> Result<Vec<bool>, RequestError> {
        let indices = ShapeIndices {
            indices: indices.to_vec(),
        };
        self.call::<req::ShapesDestroy>(indices, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|r| r.destroyed)
    }

    /// Opens a web page for the session's users.
    pub async fn open_url(&self, url: &str, desktop_browser: bool) -> Result<(), RequestError> {
        let url = if url.contains("://") {
            url.to_string()
        } else {
            format!("http://{url}")
        };
        self.send(Envelope::event(ToSession::OpenUrl(OpenUrl {
            url,
            desktop_browser,
        })))
        .await
    }

    /// Sets the room's skybox.
    pub async fn set_skybox(&self, skybox: Skybox) -> Result<(), RequestError> {
        self.send(Envelope::event(ToSession::SetSkybox(SetSkybox { skybox })))
            .await
    }

    /// Changes a plugin list button's text and/or whether it can be pressed.
    pub async fn set_plugin_list_button(
        &self,
        button: PluginListButton,
        text: Option<&str>,
        usable: Option<bool>,
    ) -> Result<(), RequestError> {
        let msg = SetPluginListButton {
            button,
            text: text.map(str::to_string),
            usable,
        };
        self.send(Envelope::event(ToSession::SetPluginListButton(msg)))
            .await
    }

    /// The presenter's head and controller poses.
    pub async fn request_controller_transforms(
        &self,
    ) -> Result<ControllerTransforms, RequestError> {
        self.call::<req::ControllerTransformsRequest>(Empty {}, DEFAULT_REQUEST_TIMEOUT)
            .await
    }

    /// Saves a Lua macro for this plugin.
    pub async fn save_macro(&self, m: Macro) -> Result<(), RequestError> {
        self.done::<req::MacroSave>(m).await
    }

    /// Runs a Lua macro.
    pub async fn run_macro(&self, m: Macro) -> Result<(), RequestError> {
        self.done::<req::MacroRun>(m).await
    }

    /// Stops the running macro.
    pub async fn stop_macro(&self) -> Result<(), RequestError> {
        self.done::<req::MacroStop>(Empty {}).await
    }

    /// Deletes a saved macro.
    pub async fn delete_macro(&self, title: &str) -> Result<(), RequestError> {
        self.done::<req::MacroDelete>(MacroRef {
            title: title.into(),
        })
        .await
    }

    /// This plugin's saved macros.
    pub async fn list_macros(&self) -> Result<Vec<Macro>, RequestError> {
        self.call::<req::MacroList>(Empty {}, DEFAULT_REQUEST_TIMEOUT)
            .await
            .map(|m| m.macros)
    }
}
