//! nanome-lib's shape serializers (`SetShape` 0–2, `DeleteShape` 0–1, `Shape` 1,
//! `ShapeAnchor` 0, `MeshShape` 0–1, sphere, line, label) read into nts's shapes, and their
//! results written back. A mesh's texture and UVs are dropped: nts's meshes have vertex
//! colours only.

use super::serial::{Reader, SerialError, VersionTable, Writer, version_of};
use crate::api::shape::{Anchor, AnchorType, Geometry, MAX_SHAPES, MAX_VERTICES, Shape};

/// The versions of the shape serializers a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    set: u8,
    delete: u8,
    mesh: u8,
}

impl Versions {
    /// The versions in a negotiated table (0 for a name missing, as nanome-lib does).
    pub fn of(table: &VersionTable) -> Versions {
        let v = |name: &str| version_of(table, name);
        Versions {
            set: v("SetShape"),
            delete: v("DeleteShape"),
            mesh: v("MeshShape"),
        }
    }
}

fn floats(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<f32>, SerialError> {
    let n = r.count_at_most(4, MAX_VERTICES * 4, what)?;
    (0..n).map(|_| r.f32(what)).collect()
}

fn anchor_type(r: &Reader<'_>, b: u8) -> Result<AnchorType, SerialError> {
    match b {
        0 => Ok(AnchorType::Workspace),
        1 => Ok(AnchorType::Complex),
        2 => Ok(AnchorType::Atom),
        n => Err(r.invalid(format!("anchor type {n} is none nanome-lib has"))),
    }
}

fn geometry(r: &mut Reader<'_>, v: Versions) -> Result<Geometry, SerialError> {
    Ok(match r.u8("the shape's type")? {
        0 => Geometry::Sphere {
            radius: r.f32("a sphere's radius")?,
        },
        1 => Geometry::Line {
            thickness: r.f32("a line's thickness")?,
            dash_length: r.f32("a line's dash length")?,
            dash_distance: r.f32("a line's dash distance")?,
        },
        2 => Geometry::Label {
            text: r.string("a label's text")?,
            font_size: r.f32("a label's font size")?,
        },
        3 => {
            let vertices = floats(r, "a mesh's vertices")?;
            let normals = floats(r, "a mesh's normals")?;
            let colors = floats(r, "a mesh's colours")?;
            let n = r.count(4, "a mesh's triangles")?;
            if n > MAX_VERTICES * 6 {
                return Err(r.invalid(format!("a mesh of {n} triangle indices")));
            }
            let triangles = (0..n)
                .map(|_| r.i32("a triangle index").map(|i| i.max(0) as u32))
                .collect::<Result<_, _>>()?;
            floats(r, "a mesh's UVs")?;
            let t = r.count(1, "a mesh's texture")?;
            r.take(t, "a mesh's texture")?;
            let unlit = v.mesh >= 1 && r.bool("a mesh's unlit flag")?;
            Geometry::Mesh {
                vertices,
                normals,
                colors,
                triangles,
                unlit,
            }
        }
        n => return Err(r.invalid(format!("shape type {n} is none nanome-lib has"))),
    })
}

/// One `Shape` (v1): geometry, index, anchors, colour.
fn shape(r: &mut Reader<'_>, v: Versions) -> Result<Shape, SerialError> {
    let geometry = geometry(r, v)?;
    let index = r.i32("the shape's index")?;
    let n = r.count(45, "the shape's anchors")?;
    let anchors = (0..n)
        .map(|_| {
            let target = r.i64("an anchor's target")?;
            let b = r.u8("an anchor's type")?;
            Ok(Anchor {
                anchor_type: anchor_type(r, b)?,
                target,
                local_offset: r.vec3("an anchor's offset")?,
                global_offset: r.vec3("an anchor's offset")?,
                viewer_offset: r.vec3("an anchor's offset")?,
            })
        })
        .collect::<Result<_, SerialError>>()?;
    Ok(Shape {
        index,
        geometry,
        anchors,
        color: r.u32("the shape's colour")?,
    })
}

/// `set_shape`: the shapes to create or replace.
pub fn read_set(r: &mut Reader<'_>, v: Versions) -> Result<Vec<Shape>, SerialError> {
    match v.set {
        0 => {
            // One shape, one anchor given as a target, its type and a position.
            let geometry = geometry(r, v)?;
            let index = r.i32("the shape's index")?;
            let target = r.i64("the shape's target")?;
            let b = r.u8("the shape's anchor")?;
            let anchor_type = anchor_type(r, b)?;
            let local_offset = r.vec3("the shape's position")?;
            r.take(16, "the shape's rotation")?;
            Ok(vec![Shape {
                index,
                geometry,
                anchors: vec![Anchor {
                    anchor_type,
                    target,
                    local_offset,
                    ..Anchor::default()
                }],
                color: r.u32("the shape's colour")?,
            }])
        }
        1 => Ok(vec![shape(r, v)?]),
        _ => {
            let n = r.count(14, "the shapes")?;
            if n > MAX_SHAPES {
                return Err(r.invalid(format!("{n} shapes; at most {MAX_SHAPES}")));
            }
            (0..n).map(|_| shape(r, v)).collect()
        }
    }
}

/// `delete_shape`: the indices to destroy.
pub fn read_delete(r: &mut Reader<'_>, v: Versions) -> Result<Vec<i32>, SerialError> {
    if v.delete == 0 {
        return Ok(vec![r.i32("the shape's index")?]);
    }
    let n = r.count(4, "the shape indices")?;
    (0..n).map(|_| r.i32("a shape index")).collect()
}

/// `set_shape_result`: each shape's index and whether it was made.
pub fn write_set_result(v: Versions, results: &[(i32, bool)]) -> Vec<u8> {
    let mut w = Writer::default();
    if v.set < 2 {
        let (index, ok) = results.first().copied().unwrap_or((-1, false));
        w.i32(index).bool(ok);
    } else {
        w.u32(results.len() as u32);
        for (index, _) in results {
            w.i32(*index);
        }
        w.u32(results.len() as u32);
        for (_, ok) in results {
            w.u8(u8::from(*ok));
        }
    }
    w.bytes
}

/// `delete_shape_result`: whether each was destroyed.
pub fn write_delete_result(v: Versions, destroyed: &[bool]) -> Vec<u8> {
    let mut w = Writer::default();
    if v.delete == 0 {
        w.bool(destroyed.first().copied().unwrap_or(false));
    } else {
        w.u32(destroyed.len() as u32);
        for d in destroyed {
            w.u8(u8::from(*d));
        }
    }
    w.bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn latest() -> Versions {
        Versions {
            set: 2,
            delete: 1,
            mesh: 1,
        }
    }

    /// A sphere anchored on an atom, as nanome-lib 0.42.1 writes it (by its serializer's
    /// order: type, radius, index, anchors, colour).
    fn sphere_bytes() -> Vec<u8> {
        let mut w = Writer::default();
        w.u32(1).u8(0).f32(1.5).i32(-1).u32(1);
        w.i64(42).u8(2);
        for _ in 0..9 {
            w.f32(0.0);
        }
        w.u32(0xFF00_00FF);
        w.bytes
    }

    #[test]
    fn a_sphere_on_an_atom_and_the_results_back() {
        let shapes = read_set(&mut Reader::new(&sphere_bytes()), latest()).unwrap();
        assert_eq!(shapes.len(), 1);
        assert_eq!(shapes[0].geometry, Geometry::Sphere { radius: 1.5 });
        assert_eq!(shapes[0].anchors[0].anchor_type, AnchorType::Atom);
        assert_eq!(shapes[0].anchors[0].target, 42);
        assert_eq!(shapes[0].color, 0xFF00_00FF);
        assert_eq!(
            write_set_result(latest(), &[(3, true)]),
            [1, 0, 0, 0, 3, 0, 0, 0, 1, 0, 0, 0, 1]
        );
        assert_eq!(
            write_delete_result(latest(), &[true, false]),
            [2, 0, 0, 0, 1, 0]
        );
        let bytes = sphere_bytes();
        for cut in 0..bytes.len() {
            assert!(read_set(&mut Reader::new(&bytes[..cut]), latest()).is_err());
        }
    }
}
