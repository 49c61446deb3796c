//! Shapes: uploads checked one by one, replaced or destroyed by index.

use super::SessionWorkspace;
use crate::api::Invalid;
use crate::api::link::ToPlugin;
use crate::api::shape::{AnchorType, MAX_SHAPES, Shape, ShapeList, ShapeResult, ShapeResults};
use crate::api::structure::Packed;

impl SessionWorkspace {
    /// The shapes drawn now, by index.
    pub fn shapes(&self) -> impl Iterator<Item = &Shape> {
        self.shapes.values()
    }

    /// Creates or replaces shapes; each is checked on its own (geometry, anchor targets).
    pub(super) fn upload_shapes(&mut self, list: &ShapeList) -> ToPlugin {
        let complexes: std::collections::HashSet<i64> =
            self.workspace.complexes.iter().map(|c| c.index()).collect();
        let atoms: std::collections::HashSet<i64> = if list
            .shapes
            .iter()
            .flat_map(|s| &s.anchors)
            .any(|a| a.anchor_type == AnchorType::Atom)
        {
            self.workspace
                .complexes
                .iter()
                .flat_map(Packed::atom_indices)
                .collect()
        } else {
            Default::default()
        };
        let mut results = Vec::with_capacity(list.shapes.len());
        for shape in &list.shapes {
            let check = shape.validate().and_then(|()| {
                for a in &shape.anchors {
                    let known = match a.anchor_type {
                        AnchorType::Workspace => true,
                        AnchorType::Complex => complexes.contains(&a.target),
                        AnchorType::Atom => atoms.contains(&a.target),
                    };
                    if !known {
                        return Err(Invalid::new(format!(
                            "anchor target {} ({:?}) is not in the workspace",
                            a.target, a.anchor_type
                        )));
                    }
                }
                if shape.index < 0 && self.shapes.len() >= MAX_SHAPES {
                    return Err(Invalid::new(format!(
                        "a session holds at most {MAX_SHAPES} shapes"
                    )));
                }
                if shape.index >= 0 && !self.shapes.contains_key(&shape.index) {
                    return Err(Invalid::new(format!("no shape {} to replace", shape.index)));
                }
                Ok(())
            });
            results.push(match check {
                Ok(()) => {
                    let index = if shape.index >= 0 {
                        shape.index
                    } else {
                        self.next_shape += 1;
                        self.next_shape
                    };
                    self.shapes.insert(
                        index,
                        Shape {
                            index,
                            ..shape.clone()
                        },
                    );
                    ShapeResult { index, error: None }
                }
                Err(e) => ShapeResult {
                    index: -1,
                    error: Some(e.message),
                },
            });
        }
        ToPlugin::ShapesUploaded(ShapeResults { results })
    }
}
