//! Shapes drawn in the session: spheres, lines, labels and meshes, anchored to the
//! workspace, a complex or an atom (several anchors: placed at their centroid).

use serde::{Deserialize, Serialize};

use super::stream::f32_bytes;
use super::structure::Vec3;

/// Most shapes a session keeps; most vertices in one mesh.
pub const MAX_SHAPES: usize = 10_000;
/// Most vertices in one mesh.
pub const MAX_VERTICES: usize = 1_000_000;

/// What an anchor follows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AnchorType {
    /// The workspace (target unused).
    #[default]
    Workspace,
    /// A complex (target: its index).
    Complex,
    /// An atom (target: its index).
    Atom,
}

/// Where a shape is attached.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Anchor {
    /// What it follows.
    pub anchor_type: AnchorType,
    /// The complex or atom index.
    pub target: i64,
    /// Offset in the target's frame.
    pub local_offset: Vec3,
    /// Offset in the workspace frame.
    pub global_offset: Vec3,
    /// Offset towards the viewer.
    pub viewer_offset: Vec3,
}

/// The geometry of a shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Geometry {
    /// A sphere around its anchor.
    Sphere {
        /// Radius (Å).
        radius: f32,
    },
    /// A line between its first two anchors.
    Line {
        /// Thickness (Å).
        thickness: f32,
        /// Dash length (Å).
        dash_length: f32,
        /// Gap between dashes (Å).
        dash_distance: f32,
    },
    /// Text at its anchor.
    Label {
        /// The text.
        text: String,
        /// Font size.
        font_size: f32,
    },
    /// A triangle mesh; arrays are flat, little-endian `f32` byte strings.
    Mesh {
        /// 3 floats per vertex.
        #[serde(with = "f32_bytes")]
        vertices: Vec<f32>,
        /// 3 floats per vertex, or none.
        #[serde(default, with = "f32_bytes")]
        normals: Vec<f32>,
        /// 4 floats (RGBA, 0–1) per vertex, or none.
        #[serde(default, with = "f32_bytes")]
        colors: Vec<f32>,
        /// Vertex indices, 3 per triangle.
        triangles: Vec<u32>,
        /// Draw without lighting.
        #[serde(default)]
        unlit: bool,
    },
}

/// A shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Shape {
    /// Index in the session; −1 before the first upload.
    #[serde(default = "unindexed")]
    pub index: i32,
    /// Geometry.
    pub geometry: Geometry,
    /// Anchors.
    pub anchors: Vec<Anchor>,
    /// Colour `0xRRGGBBAA`.
    #[serde(default = "grey")]
    pub color: u32,
}

fn unindexed() -> i32 {
    -1
}
fn grey() -> u32 {
    0x808080ff
}

impl Shape {
    /// A sphere of `radius` at an anchor.
    pub fn sphere(radius: f32, anchor: Anchor) -> Self {
        Shape {
            index: -1,
            geometry: Geometry::Sphere { radius },
            anchors: vec![anchor],
            color: grey(),
        }
    }

    /// A line between two anchors.
    pub fn line(from: Anchor, to: Anchor) -> Self {
        let geometry = Geometry::Line {
            thickness: 0.1,
            dash_length: 0.4,
            dash_distance: 0.1,
        };
        Shape {
            index: -1,
            geometry,
            anchors: vec![from, to],
            color: grey(),
        }
    }

    /// A label at an anchor.
    pub fn label(text: impl Into<String>, anchor: Anchor) -> Self {
        Shape {
            index: -1,
            geometry: Geometry::Label {
                text: text.into(),
                font_size: 0.5,
            },
            anchors: vec![anchor],
            color: grey(),
        }
    }

    /// Checks what a decoder cannot: anchor counts and mesh consistency.
    pub fn validate(&self) -> Result<(), super::Invalid> {
        let need = if matches!(self.geometry, Geometry::Line { .. }) {
            2
        } else {
            1
        };
        if self.anchors.len() < need || self.anchors.len() > 64 {
            return Err(super::Invalid::new(format!(
                "this shape needs {need} to 64 anchors, it has {}",
                self.anchors.len()
            )));
        }
        if let Geometry::Mesh {
            vertices,
            normals,
            colors,
            triangles,
            ..
        } = &self.geometry
        {
            let n = vertices.len() / 3;
            if vertices.len() % 3 != 0 || n > MAX_VERTICES {
                return Err(super::Invalid::new(format!(
                    "a mesh has 3 floats per vertex and at most {MAX_VERTICES} vertices"
                )));
            }
            if !(normals.is_empty() || normals.len() == vertices.len())
                || !(colors.is_empty() || colors.len() == n * 4)
            {
                return Err(super::Invalid::new(
                    "mesh normals need 3 floats and colours 4 floats per vertex (or none)",
                ));
            }
            if triangles.len() % 3 != 0 || triangles.iter().any(|&t| t as usize >= n) {
                return Err(super::Invalid::new(format!(
                    "mesh triangles are 3 indices each, all below the {n} vertices"
                )));
            }
        }
        if let Geometry::Label { text, .. } = &self.geometry
            && text.len() > 4096
        {
            return Err(super::Invalid::new("a label holds at most 4096 bytes"));
        }
        Ok(())
    }
}

/// Shapes to create or replace (an index ≥ 0 replaces that shape).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ShapeList {
    /// The shapes.
    pub shapes: Vec<Shape>,
}

/// The outcome for each uploaded shape, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShapeResults {
    /// One per shape.
    pub results: Vec<ShapeResult>,
}

/// One shape's outcome.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShapeResult {
    /// The shape's index (−1 if refused).
    pub index: i32,
    /// Why it was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// Shapes to destroy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShapeIndices {
    /// Shape indices.
    pub indices: Vec<i32>,
}

/// Which shapes existed and were destroyed, in order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShapesDestroyed {
    /// One per index.
    pub destroyed: Vec<bool>,
}
