//! Buttons: text, icon, mesh, outline, tooltip and switch, with a value per state.

use super::{BLACK, Color, GREY, HorizAlign, VertAlign, WHITE, next_id};
use crate::api::structure::Vec3;
use serde::{Deserialize, Serialize};

/// One value per button state (nanome-lib's `MultiStateVariable`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MultiState<T> {
    /// Normal.
    pub idle: T,
    /// Selected.
    pub selected: T,
    /// Pointed at.
    pub highlighted: T,
    /// Selected and pointed at.
    pub selected_highlighted: T,
    /// Cannot be pressed.
    pub unusable: T,
}

impl<T: Clone> MultiState<T> {
    /// The same value in every state (`set_all`).
    pub fn all(v: T) -> Self {
        MultiState {
            idle: v.clone(),
            selected: v.clone(),
            highlighted: v.clone(),
            selected_highlighted: v.clone(),
            unusable: v,
        }
    }
}

/// Where a tooltip sits relative to its button.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TooltipPositioning {
    /// Top right.
    TopRight,
    /// Top.
    Top,
    /// Top left.
    TopLeft,
    /// Left.
    Left,
    /// Bottom left.
    BottomLeft,
    /// Bottom.
    Bottom,
    /// Bottom right.
    BottomRight,
    /// Right.
    #[default]
    Right,
    /// Centre.
    Center,
}

/// A button (nanome-lib's `Button`, v6 field set).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Button {
    /// Content id.
    pub id: u32,
    /// A name for scripts and logs.
    pub name: String,
    /// Selected (a toggle that is on).
    pub selected: bool,
    /// Cannot be pressed.
    pub unusable: bool,
    /// Becomes unusable once pressed.
    pub disable_on_press: bool,
    /// Pressing flips `selected`.
    pub toggle_on_press: bool,
    /// Send `button_hover` events (nanome-lib: `register_hover_callback`).
    pub hover_events: bool,
    /// Text.
    pub text: ButtonText,
    /// Icon.
    pub icon: ButtonIcon,
    /// Background mesh.
    pub mesh: ButtonMesh,
    /// Outline.
    pub outline: ButtonOutline,
    /// Tooltip.
    pub tooltip: Tooltip,
    /// Toggle-switch look.
    pub switch: ButtonSwitch,
}

impl Button {
    /// A button with a fresh id showing `text` in every state.
    pub fn new(text: impl Into<String>) -> Self {
        let mut b = Button {
            id: next_id(),
            ..Button::default()
        };
        b.text.value = MultiState::all(text.into());
        b
    }

    /// A toggle switch (nanome-lib's `add_new_toggle_switch`).
    pub fn toggle_switch(text: impl Into<String>) -> Self {
        let mut b = Button::new(text);
        b.toggle_on_press = true;
        b.switch.active = true;
        b.outline.active = false;
        b.mesh.active = false;
        b.text.horizontal_align = HorizAlign::Left;
        b
    }

    /// The text shown when idle.
    pub fn label(&self) -> &str {
        &self.text.value.idle
    }
}

/// A button's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonText {
    /// Shown.
    pub active: bool,
    /// Text per state.
    pub value: MultiState<String>,
    /// Fit the text to the button.
    pub auto_size: bool,
    /// Smallest size when auto-sizing.
    pub min_size: f32,
    /// Largest size when auto-sizing.
    pub max_size: f32,
    /// Size when not auto-sizing.
    pub size: f32,
    /// Underlined.
    pub underlined: bool,
    /// Cut with "…" when too long.
    pub ellipsis: bool,
    /// Bold per state.
    pub bold: MultiState<bool>,
    /// Colour per state.
    pub color: MultiState<Color>,
    /// Padding: left, right, top, bottom.
    pub padding: [f32; 4],
    /// Extra space between lines.
    pub line_spacing: f32,
    /// Vertical alignment.
    pub vertical_align: VertAlign,
    /// Horizontal alignment.
    pub horizontal_align: HorizAlign,
}

impl Default for ButtonText {
    fn default() -> Self {
        ButtonText {
            active: true,
            value: MultiState::all("text".into()),
            auto_size: true,
            min_size: 0.0,
            max_size: 0.3,
            size: 0.2,
            underlined: false,
            ellipsis: true,
            bold: MultiState::all(true),
            color: MultiState::all(WHITE),
            padding: [0.0; 4],
            line_spacing: 0.0,
            vertical_align: VertAlign::Middle,
            horizontal_align: HorizAlign::Middle,
        }
    }
}

/// A button's icon: image bytes (PNG or JPEG) per state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonIcon {
    /// Shown.
    pub active: bool,
    /// Image per state (empty: none).
    pub value: MultiState<serde_bytes::ByteBuf>,
    /// Tint per state.
    pub color: MultiState<Color>,
    /// Sharpness.
    pub sharpness: f32,
    /// Size relative to the button.
    pub size: f32,
    /// Icon/text ratio.
    pub ratio: f32,
    /// Offset.
    pub position: Vec3,
    /// Rotation, Euler degrees.
    pub rotation: Vec3,
}

impl Default for ButtonIcon {
    fn default() -> Self {
        ButtonIcon {
            active: false,
            value: MultiState::default(),
            color: MultiState::all(WHITE),
            sharpness: 0.5,
            size: 1.0,
            ratio: 0.5,
            position: [0.0; 3],
            rotation: [0.0; 3],
        }
    }
}

/// A button's background mesh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonMesh {
    /// Shown.
    pub active: bool,
    /// Shown per state.
    pub enabled: MultiState<bool>,
    /// Colour per state.
    pub color: MultiState<Color>,
}

impl Default for ButtonMesh {
    fn default() -> Self {
        ButtonMesh {
            active: false,
            enabled: MultiState::all(true),
            color: MultiState::all(BLACK),
        }
    }
}

/// A button's outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonOutline {
    /// Shown.
    pub active: bool,
    /// Thickness per state.
    pub size: MultiState<f32>,
    /// Colour per state.
    pub color: MultiState<Color>,
}

impl Default for ButtonOutline {
    fn default() -> Self {
        ButtonOutline {
            active: true,
            size: MultiState::all(0.3),
            color: MultiState {
                idle: WHITE,
                selected: 0x00E5_BFFF,
                highlighted: 0x2FDB_BFFF,
                selected_highlighted: 0x00F9_D0FF,
                unusable: GREY,
            },
        }
    }
}

/// A button's tooltip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tooltip {
    /// Title.
    pub title: String,
    /// Body.
    pub content: String,
    /// Size in metres.
    pub bounds: Vec3,
    /// Side of the button it attaches to.
    pub positioning_target: TooltipPositioning,
    /// Corner of the tooltip that attaches.
    pub positioning_origin: TooltipPositioning,
}

impl Default for Tooltip {
    fn default() -> Self {
        Tooltip {
            title: String::new(),
            content: String::new(),
            bounds: [1.73, 0.6, 0.05],
            positioning_target: TooltipPositioning::Right,
            positioning_origin: TooltipPositioning::TopLeft,
        }
    }
}

/// A button drawn as a toggle switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonSwitch {
    /// Drawn as a switch.
    pub active: bool,
    /// Colour when on.
    pub on_color: Color,
    /// Colour when off.
    pub off_color: Color,
}

impl Default for ButtonSwitch {
    fn default() -> Self {
        ButtonSwitch {
            active: false,
            on_color: 0x00FF_D5FF,
            off_color: 0x7272_72FF,
        }
    }
}
