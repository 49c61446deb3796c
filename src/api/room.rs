//! Room, user interface and macro messages that are not about structures: open a URL,
//! set the skybox, relabel the plugin list buttons, read the controllers, Lua macros.

use serde::{Deserialize, Serialize};

use super::structure::{Quat, Vec3};

/// Open a web page for the session's users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenUrl {
    /// The URL (`http://` is assumed when it has no scheme, as in nanome-lib).
    pub url: String,
    /// Open it in the desktop browser instead of the in-VR one.
    #[serde(default)]
    pub desktop_browser: bool,
}

/// The room's backdrop (nanome-lib's `SkyBoxes`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Skybox {
    /// Blue skies and clouds.
    BlueSkiesAndClouds,
    /// Sunset.
    Sunset,
    /// Beach.
    Beach,
    /// Black.
    Black,
    /// White.
    White,
    /// Grey gradient.
    Graydient,
}

/// Set the room's skybox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetSkybox {
    /// The skybox.
    pub skybox: Skybox,
}

/// One of the plugin's buttons in the plugin list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginListButton {
    /// "Run".
    Run,
    /// "Advanced settings".
    AdvancedSettings,
}

/// Change a plugin list button's text or whether it can be pressed. Absent fields keep
/// their current value (nanome-lib reset them; fixed here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetPluginListButton {
    /// Which button.
    pub button: PluginListButton,
    /// New text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Whether it can be pressed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usable: Option<bool>,
}

/// A tracked device's pose.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pose {
    /// Position in the room.
    pub position: Vec3,
    /// Rotation.
    pub rotation: Quat,
}

/// The presenter's head and controllers.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ControllerTransforms {
    /// Head.
    pub head: Pose,
    /// Left controller.
    pub left: Pose,
    /// Right controller.
    pub right: Pose,
}

/// A Lua macro.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Macro {
    /// Title (the macro's name).
    pub title: String,
    /// Lua source.
    pub logic: String,
}

/// A macro by title.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacroRef {
    /// Title.
    pub title: String,
}

/// The macros a plugin saved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MacroList {
    /// Macros, by title.
    pub macros: Vec<Macro>,
}
