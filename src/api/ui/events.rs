//! The menu messages: updates a plugin sends, and the events users cause.

use super::Content;
use super::menu::{LayoutNode, Menu};
use crate::api::structure::{Quat, Vec3};
use serde::{Deserialize, Serialize};

/// `menu_update`: show or replace a menu. Shallow updates change only the menu's own
/// fields (title, size, enabled, locked) and keep its tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuUpdate {
    /// The menu (boxed: menus are large next to other messages).
    pub menu: Box<Menu>,
    /// Only the menu's own fields.
    #[serde(default)]
    pub shallow: bool,
}

/// `content_update`: replace pieces of content, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentUpdate {
    /// The new content (each id must be in a menu already).
    pub content: Vec<Content>,
}

/// `node_update`: replace nodes with their subtrees, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeUpdate {
    /// The new nodes (each id must be in a menu already).
    pub nodes: Vec<LayoutNode>,
}

/// Names a menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuRef {
    /// The menu's index.
    pub index: u8,
}

/// Where a menu floats in the room (`menu_transform_set`, and the reply to
/// `menu_transform_request`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MenuTransform {
    /// The menu's index.
    pub index: u8,
    /// Position in the room, metres.
    pub position: Vec3,
    /// Rotation.
    pub rotation: Quat,
    /// Scale.
    pub scale: Vec3,
}

/// `menu_toggle`: a user opened or closed a menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuToggle {
    /// The menu's index.
    pub index: u8,
    /// Open now.
    pub enabled: bool,
}

/// `button_press` (state: selected after the press) and `button_hover` (state: hovering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonEvent {
    /// The button.
    pub content_id: u32,
    /// See the kind.
    pub state: bool,
}

/// `slider_change` (while moving) and `slider_release`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SliderEvent {
    /// The slider.
    pub content_id: u32,
    /// The value.
    pub value: f32,
}

/// `text_change` and `text_submit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextEvent {
    /// The text field.
    pub content_id: u32,
    /// The text.
    pub text: String,
}

/// `image_press`, `image_hold` and `image_release`: where on the image, 0 to 1 from the
/// bottom left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImageEvent {
    /// The image.
    pub content_id: u32,
    /// Horizontal position.
    pub x: f32,
    /// Vertical position.
    pub y: f32,
}

/// `dropdown_item_click`: a user chose an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropdownEvent {
    /// The dropdown.
    pub content_id: u32,
    /// The item's position.
    pub item: u32,
}
