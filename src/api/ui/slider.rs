//! Sliders: a value between bounds.

use super::next_id;
use serde::{Deserialize, Serialize};

/// A slider (nanome-lib's `Slider`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Slider {
    /// Content id.
    pub id: u32,
    /// Value.
    pub current_value: f32,
    /// Lowest value.
    pub min_value: f32,
    /// Highest value.
    pub max_value: f32,
}

impl Default for Slider {
    fn default() -> Self {
        Slider {
            id: 0,
            current_value: 0.0,
            min_value: 0.0,
            max_value: 1.0,
        }
    }
}

impl Slider {
    /// A slider with a fresh id.
    pub fn new(min: f32, max: f32, current: f32) -> Self {
        Slider {
            id: next_id(),
            current_value: current,
            min_value: min,
            max_value: max,
        }
    }
}
