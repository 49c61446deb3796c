//! Labels: static text.

use super::{Color, HorizAlign, VertAlign, WHITE, next_id};
use serde::{Deserialize, Serialize};

/// A label (nanome-lib's `Label`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Label {
    /// Content id.
    pub id: u32,
    /// Text.
    pub text_value: String,
    /// Vertical alignment.
    pub text_vertical_align: VertAlign,
    /// Horizontal alignment.
    pub text_horizontal_align: HorizAlign,
    /// Fit the text to the node.
    pub text_auto_size: bool,
    /// Largest size when auto-sizing.
    pub text_max_size: f32,
    /// Smallest size when auto-sizing.
    pub text_min_size: f32,
    /// Size when not auto-sizing.
    pub text_size: f32,
    /// Colour.
    pub text_color: Color,
    /// Bold.
    pub text_bold: bool,
    /// Italic.
    pub text_italic: bool,
    /// Underlined.
    pub text_underlined: bool,
}

impl Default for Label {
    fn default() -> Self {
        Label {
            id: 0,
            text_value: String::new(),
            text_vertical_align: VertAlign::Top,
            text_horizontal_align: HorizAlign::Left,
            text_auto_size: true,
            text_max_size: 1.0,
            text_min_size: 0.0,
            text_size: 1.0,
            text_color: WHITE,
            text_bold: false,
            text_italic: false,
            text_underlined: false,
        }
    }
}

impl Label {
    /// A label with a fresh id.
    pub fn new(text: impl Into<String>) -> Self {
        Label {
            id: next_id(),
            text_value: text.into(),
            ..Label::default()
        }
    }
}
