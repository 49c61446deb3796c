//! Dropdowns: a list of items, one chosen.

use super::next_id;
use serde::{Deserialize, Serialize};

/// A dropdown (nanome-lib's `Dropdown`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dropdown {
    /// Content id.
    pub id: u32,
    /// Show `permanent_title` instead of the selected item.
    pub use_permanent_title: bool,
    /// The fixed title.
    pub permanent_title: String,
    /// Items shown when open.
    pub max_displayed_items: u32,
    /// The items.
    pub items: Vec<DropdownItem>,
    /// Cannot be opened (sent, unlike nanome-lib).
    pub unusable: bool,
}

impl Default for Dropdown {
    fn default() -> Self {
        Dropdown {
            id: 0,
            use_permanent_title: false,
            permanent_title: String::new(),
            max_displayed_items: 3,
            items: Vec::new(),
            unusable: false,
        }
    }
}

impl Dropdown {
    /// A dropdown with a fresh id and these item names, none selected.
    pub fn new<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Self {
        Dropdown {
            id: next_id(),
            items: items
                .into_iter()
                .map(|name| DropdownItem {
                    name: name.into(),
                    ..DropdownItem::default()
                })
                .collect(),
            ..Dropdown::default()
        }
    }

    /// The selected item's position, if any.
    pub fn selected(&self) -> Option<usize> {
        self.items.iter().position(|i| i.selected)
    }
}

/// One item of a dropdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DropdownItem {
    /// Text.
    pub name: String,
    /// Selected.
    pub selected: bool,
    /// Choosing it closes the dropdown.
    pub close_on_selected: bool,
}

impl Default for DropdownItem {
    fn default() -> Self {
        DropdownItem {
            name: "item".into(),
            selected: false,
            close_on_selected: true,
        }
    }
}
