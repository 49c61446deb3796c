//! Lists: a scrolling column of nodes.

use super::menu::LayoutNode;
use super::next_id;
use serde::{Deserialize, Serialize};

/// A scrolling list of nodes (nanome-lib's `UIList`); re-send it to change its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiList {
    /// Content id.
    pub id: u32,
    /// The items, each a node tree.
    pub items: Vec<LayoutNode>,
    /// Columns shown.
    pub display_columns: u32,
    /// Rows shown.
    pub display_rows: u32,
    /// Columns in all.
    pub total_columns: u32,
    /// Cannot be scrolled.
    pub unusable: bool,
}

impl Default for UiList {
    fn default() -> Self {
        UiList {
            id: 0,
            items: Vec::new(),
            display_columns: 1,
            display_rows: 10,
            total_columns: 1,
            unusable: false,
        }
    }
}

impl UiList {
    /// An empty list with a fresh id.
    pub fn new() -> Self {
        UiList {
            id: next_id(),
            ..UiList::default()
        }
    }
}
