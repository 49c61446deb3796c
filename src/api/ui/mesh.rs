//! Meshes: a coloured panel.

use super::{Color, GREY, next_id};
use serde::{Deserialize, Serialize};

/// A coloured panel (nanome-lib's UI `Mesh`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiMesh {
    /// Content id.
    pub id: u32,
    /// Colour.
    pub mesh_color: Color,
}

impl Default for UiMesh {
    fn default() -> Self {
        UiMesh {
            id: 0,
            mesh_color: GREY,
        }
    }
}

impl UiMesh {
    /// A grey panel with a fresh id.
    pub fn new() -> Self {
        UiMesh {
            id: next_id(),
            ..UiMesh::default()
        }
    }
}
