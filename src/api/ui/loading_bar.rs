//! Loading bars: a progress bar with a title and a description.

use super::next_id;
use serde::{Deserialize, Serialize};

/// A progress bar (nanome-lib's `LoadingBar`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadingBar {
    /// Content id.
    pub id: u32,
    /// Progress, 0 to 1.
    pub percentage: f32,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Shown as failed.
    pub failure: bool,
}

impl LoadingBar {
    /// An empty bar with a fresh id.
    pub fn new(title: impl Into<String>) -> Self {
        LoadingBar {
            id: next_id(),
            title: title.into(),
            ..LoadingBar::default()
        }
    }
}
