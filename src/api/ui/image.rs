//! Images: bytes shown with a scaling option.

use super::{Color, WHITE, next_id};
use serde::{Deserialize, Serialize};

/// How an image fills its node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingOption {
    /// Stretch to the node.
    #[default]
    Stretch,
    /// Cover the node, cropping.
    Fill,
    /// Fit inside the node.
    Fit,
}

/// An image (nanome-lib's `Image`): PNG or JPEG bytes, sent whole on every update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Image {
    /// Content id.
    pub id: u32,
    /// Tint.
    pub color: Color,
    /// How it fills its node.
    pub scaling_option: ScalingOption,
    /// File name, for logs and scripts.
    pub name: String,
    /// Encoded image.
    pub data: serde_bytes::ByteBuf,
    /// Send `image_press`/`image_hold`/`image_release` events (nanome-lib: the image hooks).
    pub pointer_events: bool,
}

impl Default for Image {
    fn default() -> Self {
        Image {
            id: 0,
            color: WHITE,
            scaling_option: ScalingOption::Stretch,
            name: String::new(),
            data: serde_bytes::ByteBuf::new(),
            pointer_events: false,
        }
    }
}

impl Image {
    /// An image with a fresh id.
    pub fn new(name: impl Into<String>, data: Vec<u8>) -> Self {
        Image {
            id: next_id(),
            name: name.into(),
            data: serde_bytes::ByteBuf::from(data),
            ..Image::default()
        }
    }
}
