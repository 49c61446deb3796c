//! Text inputs: a field users type into.

use super::{BLACK, Color, HorizAlign, WHITE, next_id};
use serde::{Deserialize, Serialize};

/// A text field (nanome-lib's `TextInput`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextInput {
    /// Content id.
    pub id: u32,
    /// Longest text, in characters.
    pub max_length: u32,
    /// Shown while empty.
    pub placeholder_text: String,
    /// The text.
    pub input_text: String,
    /// Hide the characters.
    pub password: bool,
    /// Digits only.
    pub number: bool,
    /// Placeholder colour.
    pub placeholder_text_color: Color,
    /// Text colour.
    pub text_color: Color,
    /// Background colour.
    pub background_color: Color,
    /// Text size.
    pub text_size: f32,
    /// Alignment.
    pub text_horizontal_align: HorizAlign,
    /// Several lines.
    pub multi_line: bool,
    /// Padding: left, right, top, bottom.
    pub padding: [f32; 4],
}

impl Default for TextInput {
    fn default() -> Self {
        TextInput {
            id: 0,
            max_length: 10,
            placeholder_text: String::new(),
            input_text: String::new(),
            password: false,
            number: false,
            placeholder_text_color: 0x7C7F_89FF,
            text_color: BLACK,
            background_color: WHITE,
            text_size: 1.0,
            text_horizontal_align: HorizAlign::Left,
            multi_line: false,
            padding: [0.015, 0.01, 0.0, 0.0],
        }
    }
}

impl TextInput {
    /// An empty text field with a fresh id.
    pub fn new(placeholder: impl Into<String>, max_length: u32) -> Self {
        TextInput {
            id: next_id(),
            placeholder_text: placeholder.into(),
            max_length,
            ..TextInput::default()
        }
    }
}
