//! Plugin menus: a [`Menu`] holds a tree of [`LayoutNode`]s, each with at most one piece
//! of [`Content`] (button, label, text input, slider, list, dropdown, image, loading bar,
//! mesh), plus the events the session sends back when its users act on them.
//!
//! Names, fields and defaults follow nanome-lib 0.42.1 (`nanome.ui`), with its quirks fixed:
//! a menu travels as one tree (no flat node table with child ids), images carry their bytes
//! on every update (no cache keyed by path only), `Dropdown::unusable` is sent, and an event
//! for an unknown menu is dropped with a log line instead of raising. Every struct decodes
//! with its defaults for missing keys, so a hand-written menu needs only what it changes.
//! Content ids and node ids are below 2^24 (as in nanome-lib); [`next_id`] hands them out.

mod button;
mod dropdown;
mod events;
mod image;
mod label;
mod list;
mod loading_bar;
mod menu;
mod mesh;
mod slider;
mod text_input;

use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

pub use button::{
    Button, ButtonIcon, ButtonMesh, ButtonOutline, ButtonSwitch, ButtonText, MultiState, Tooltip,
    TooltipPositioning,
};
pub use dropdown::{Dropdown, DropdownItem};
pub use events::{
    ButtonEvent, ContentUpdate, DropdownEvent, ImageEvent, MenuRef, MenuToggle, MenuTransform,
    MenuUpdate, NodeUpdate, SliderEvent, TextEvent,
};
pub use image::{Image, ScalingOption};
pub use label::Label;
pub use list::UiList;
pub use loading_bar::LoadingBar;
pub use menu::{LayoutNode, Menu, Orientation, PaddingType, SizingType};
pub use mesh::UiMesh;
pub use slider::Slider;
pub use text_input::TextInput;

/// The largest content or node id (ids share 24 bits with a plugin id in nanome-lib).
pub const MAX_ID: u32 = (1 << 24) - 1;
/// The deepest a node tree may nest.
pub const MAX_DEPTH: usize = 32;
/// The most nodes (including list items) one plugin's menus may hold.
pub const MAX_NODES: usize = 4096;
/// The most items of one list or dropdown.
pub const MAX_ITEMS: usize = 1024;

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// A fresh id for a node or a piece of content (process-wide, like nanome-lib's counter).
pub fn next_id() -> u32 {
    // Wraps inside the 24-bit space; a plugin holding 16 million live ids is not a use case.
    NEXT_ID.fetch_add(1, Ordering::Relaxed) % MAX_ID + 1
}

/// RGBA, 8 bits each, red in the high byte (nanome-lib's `Color.hex`).
pub type Color = u32;
/// Opaque white.
pub const WHITE: Color = 0xFFFF_FFFF;
/// Opaque black.
pub const BLACK: Color = 0x0000_00FF;
/// Nanome's grey.
pub const GREY: Color = 0x7F7F_7FFF;

/// What a node shows (nanome-lib's `UIContent` subclasses), tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// A button (boxed: it is by far the largest content).
    Button(Box<Button>),
    /// A 3D mesh (a coloured panel).
    Mesh(UiMesh),
    /// A slider.
    Slider(Slider),
    /// A text field.
    TextInput(TextInput),
    /// A label.
    Label(Label),
    /// A scrolling list of nodes.
    List(UiList),
    /// An image.
    Image(Image),
    /// A progress bar.
    LoadingBar(LoadingBar),
    /// A dropdown.
    Dropdown(Dropdown),
}

impl Content {
    /// The content's id.
    pub fn id(&self) -> u32 {
        match self {
            Content::Button(c) => c.id,
            Content::Mesh(c) => c.id,
            Content::Slider(c) => c.id,
            Content::TextInput(c) => c.id,
            Content::Label(c) => c.id,
            Content::List(c) => c.id,
            Content::Image(c) => c.id,
            Content::LoadingBar(c) => c.id,
            Content::Dropdown(c) => c.id,
        }
    }

    /// The kind, as on the wire (`button`, `slider`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Content::Button(_) => "button",
            Content::Mesh(_) => "mesh",
            Content::Slider(_) => "slider",
            Content::TextInput(_) => "text_input",
            Content::Label(_) => "label",
            Content::List(_) => "list",
            Content::Image(_) => "image",
            Content::LoadingBar(_) => "loading_bar",
            Content::Dropdown(_) => "dropdown",
        }
    }
}

macro_rules! into_content {
    ($($ty:ident => $variant:ident),*) => {$(
        impl From<$ty> for Content {
            fn from(c: $ty) -> Content {
                Content::$variant(c)
            }
        }
    )*};
}
impl From<Button> for Content {
    fn from(c: Button) -> Content {
        Content::Button(Box::new(c))
    }
}
into_content!(UiMesh => Mesh, Slider => Slider, TextInput => TextInput,
    Label => Label, UiList => List, Image => Image, LoadingBar => LoadingBar, Dropdown => Dropdown);

/// Vertical text alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VertAlign {
    /// Top.
    Top,
    /// Middle.
    #[default]
    Middle,
    /// Bottom.
    Bottom,
}

/// Horizontal text alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HorizAlign {
    /// Left.
    Left,
    /// Middle.
    #[default]
    Middle,
    /// Right.
    Right,
}

#[cfg(test)]
mod tests;
