//! Hand-built shapes, accepted and rejected, and the checks only the session makes.

use crate::envelopes::{assert_rejected, cbor, envelope, int, map, text};
use crate::structures::array;
use crate::{LINK, Schema};
use ciborium::Value;
use nts::api::link::*;
use nts::api::shape::*;
use nts::wire::decode;

/// A geometry `{type: kind, fields...}`: the tag sits in the same map as the fields.
fn geometry_value(kind: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut entries = vec![("type", text(kind))];
    entries.extend(fields);
    map(entries)
}

fn sphere_value() -> Value {
    geometry_value("sphere", vec![("radius", Value::Float(1.0))])
}

/// A line's fields.
fn line_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("thickness", Value::Float(0.1)),
        ("dash_length", Value::Float(0.4)),
        ("dash_distance", Value::Float(0.1)),
    ]
}

/// A mesh of one triangle with `triangles` (no normals, colours or unlit).
fn mesh_value(triangles: Vec<Value>) -> Value {
    geometry_value(
        "mesh",
        vec![
            ("vertices", Value::Bytes(vec![0; 36])),
            ("triangles", array(triangles)),
        ],
    )
}

fn anchor_value(anchor_type: &str, target: i64) -> Value {
    map(vec![
        ("anchor_type", text(anchor_type)),
        ("target", int(target)),
    ])
}

/// A shape with `geometry` (if any) on `anchors`, and its `extra` keys.
fn shape_value(geometry: Option<Value>, anchors: Vec<Value>, extra: Vec<(&str, Value)>) -> Value {
    let mut entries = vec![];
    if let Some(geometry) = geometry {
        entries.push(("geometry", geometry));
    }
    entries.push(("anchors", array(anchors)));
    entries.extend(extra);
    map(entries)
}

/// A `shapes_upload` envelope of `shapes`.
fn upload(shapes: Vec<Value>) -> Value {
    envelope(1, "shapes_upload", 5, map(vec![("shapes", array(shapes))]))
}

/// A `shapes_upload` envelope of one shape with `geometry` on an atom.
fn upload_geometry(geometry: Value) -> Value {
    upload(vec![shape_value(
        Some(geometry),
        vec![anchor_value("atom", 1001)],
        vec![],
    )])
}

#[test]
fn schema_accepts_hand_built_shapes() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let session = Schema::new("to-session", LINK);
    let two = || vec![anchor_value("atom", 1001), anchor_value("complex", 3)];
    for v in [
        upload_geometry(sphere_value()),
        upload(vec![shape_value(
            Some(geometry_value("line", line_fields())),
            two(),
            vec![("index", int(4)), ("color", int(0xff00_00ff))],
        )]),
        upload_geometry(geometry_value(
            "label",
            vec![("text", text("Cα")), ("font_size", Value::Float(0.5))],
        )),
        upload_geometry(mesh_value(vec![int(0), int(1), int(2)])),
        envelope(
            1,
            "shapes_destroy",
            6,
            map(vec![("indices", array(vec![int(1), int(-1)]))]),
        ),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
    let plugin = Schema::new("to-plugin", LINK);
    for v in [
        envelope(
            1,
            "shapes_uploaded",
            5,
            map(vec![(
                "results",
                array(vec![
                    map(vec![("index", int(1))]),
                    map(vec![("index", int(-1)), ("error", text("no shape 9"))]),
                ]),
            )]),
        ),
        envelope(
            1,
            "shapes_destroyed",
            6,
            map(vec![(
                "destroyed",
                array(vec![Value::Bool(true), Value::Bool(false)]),
            )]),
        ),
    ] {
        let bytes = cbor(&v);
        plugin
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
    }
}

#[test]
fn schema_accepts_shapes_with_defaults_omitted() {
    // A shape without index or color, on an empty anchor map (every anchor key has a
    // default), with a mesh without normals, colors or unlit.
    let v = upload(vec![shape_value(
        Some(mesh_value(vec![int(0), int(1), int(2)])),
        vec![map(vec![])],
        vec![],
    )]);
    let bytes = cbor(&v);
    Schema::new("to-session", LINK).validate(&bytes).unwrap();
    let env = decode::<ToSession>(&bytes, 1 << 20).unwrap();
    let ToSession::ShapesUpload(list) = env.msg else {
        panic!("not a shapes_upload: {env:?}")
    };
    assert_eq!(
        list.shapes,
        [Shape {
            index: -1,
            geometry: Geometry::Mesh {
                vertices: vec![0.0; 9],
                normals: vec![],
                colors: vec![],
                triangles: vec![0, 1, 2],
                unlit: false,
            },
            anchors: vec![Anchor::default()],
            color: 0x8080_80ff,
        }]
    );
}

#[test]
fn schema_rejects_malformed_shapes() {
    let cube = upload_geometry(geometry_value("cube", vec![("radius", Value::Float(1.0))]));
    assert_rejected::<ToSession>("geometry type \"cube\"", "to-session", LINK, cube);
    let capital = upload_geometry(geometry_value(
        "Sphere",
        vec![("radius", Value::Float(1.0))],
    ));
    assert_rejected::<ToSession>("geometry type \"Sphere\"", "to-session", LINK, capital);
    let untagged = upload_geometry(map(vec![("radius", Value::Float(1.0))]));
    assert_rejected::<ToSession>("a geometry without type", "to-session", LINK, untagged);
    let mut thin = line_fields();
    thin.retain(|(k, _)| *k != "thickness");
    let thin = upload_geometry(geometry_value("line", thin));
    assert_rejected::<ToSession>("a line without thickness", "to-session", LINK, thin);
    // A sphere's fields under a line's tag, and the other way round.
    let crossed = upload_geometry(geometry_value("line", vec![("radius", Value::Float(1.0))]));
    assert_rejected::<ToSession>("a line with a radius", "to-session", LINK, crossed);
    let crossed = upload_geometry(geometry_value("sphere", line_fields()));
    assert_rejected::<ToSession>("a sphere with a line's fields", "to-session", LINK, crossed);
    let int_text = upload_geometry(geometry_value(
        "label",
        vec![("text", int(7)), ("font_size", Value::Float(0.5))],
    ));
    assert_rejected::<ToSession>("an integer label text", "to-session", LINK, int_text);
    for bad in ["residue", "Atom", ""] {
        let v = upload(vec![shape_value(
            Some(sphere_value()),
            vec![anchor_value(bad, 1)],
            vec![],
        )]);
        assert_rejected::<ToSession>(&format!("anchor_type {bad:?}"), "to-session", LINK, v);
    }
    let short_offset = upload(vec![shape_value(
        Some(sphere_value()),
        vec![map(vec![(
            "local_offset",
            array(vec![Value::Float(0.0), Value::Float(1.0)]),
        )])],
        vec![],
    )]);
    assert_rejected::<ToSession>("a 2-element offset", "to-session", LINK, short_offset);
    let no_geometry = upload(vec![shape_value(
        None,
        vec![anchor_value("atom", 1001)],
        vec![],
    )]);
    assert_rejected::<ToSession>("a shape without geometry", "to-session", LINK, no_geometry);
    let no_anchors = upload(vec![map(vec![("geometry", sphere_value())])]);
    assert_rejected::<ToSession>("a shape without anchors", "to-session", LINK, no_anchors);
    let negative = upload_geometry(mesh_value(vec![int(0), int(-1), int(2)]));
    assert_rejected::<ToSession>("a negative triangle index", "to-session", LINK, negative);
    let beyond_u32 = upload_geometry(mesh_value(vec![
        int(0),
        int(1),
        int(i64::from(u32::MAX) + 1),
    ]));
    assert_rejected::<ToSession>(
        "a triangle index beyond u32",
        "to-session",
        LINK,
        beyond_u32,
    );
    let float_vertices = upload_geometry(geometry_value(
        "mesh",
        vec![
            ("vertices", array(vec![Value::Float(0.5); 9])),
            ("triangles", array(vec![int(0), int(1), int(2)])),
        ],
    ));
    assert_rejected::<ToSession>("vertices as an array", "to-session", LINK, float_vertices);
    let no_triangles = upload_geometry(geometry_value(
        "mesh",
        vec![("vertices", Value::Bytes(vec![0; 36]))],
    ));
    assert_rejected::<ToSession>("a mesh without triangles", "to-session", LINK, no_triangles);
    let big_index = upload(vec![shape_value(
        Some(sphere_value()),
        vec![anchor_value("atom", 1001)],
        vec![("index", int(i64::from(i32::MAX) + 1))],
    )]);
    assert_rejected::<ToSession>("a shape index beyond i32", "to-session", LINK, big_index);
    let negative_color = upload(vec![shape_value(
        Some(sphere_value()),
        vec![anchor_value("atom", 1001)],
        vec![("color", int(-1))],
    )]);
    assert_rejected::<ToSession>("a negative color", "to-session", LINK, negative_color);
    let destroy_beyond_i32 = envelope(
        1,
        "shapes_destroy",
        6,
        map(vec![("indices", array(vec![int(i64::from(i32::MIN) - 1)]))]),
    );
    assert_rejected::<ToSession>(
        "a destroyed index beyond i32",
        "to-session",
        LINK,
        destroy_beyond_i32,
    );
    let no_index = envelope(
        1,
        "shapes_uploaded",
        5,
        map(vec![(
            "results",
            array(vec![map(vec![("error", text("refused"))])]),
        )]),
    );
    assert_rejected::<ToPlugin>("a result without index", "to-plugin", LINK, no_index);
    let text_flags = envelope(
        1,
        "shapes_destroyed",
        6,
        map(vec![("destroyed", array(vec![text("yes")]))]),
    );
    assert_rejected::<ToPlugin>("destroyed flags as texts", "to-plugin", LINK, text_flags);
    // Shapes go one way each: instances upload and destroy, sessions report.
    let upload_to_plugin = upload_geometry(sphere_value());
    assert_rejected::<ToPlugin>(
        "shapes_upload to an instance",
        "to-plugin",
        LINK,
        upload_to_plugin,
    );
    let uploaded_to_session = envelope(
        1,
        "shapes_uploaded",
        5,
        map(vec![("results", array(vec![]))]),
    );
    assert_rejected::<ToSession>(
        "shapes_uploaded to the session",
        "to-session",
        LINK,
        uploaded_to_session,
    );
    // Geometries are closed maps: a key of another geometry is refused. (The Rust decoder
    // ignores unknown keys, so schema only.)
    let mut fields = vec![("radius", Value::Float(1.0))];
    fields.extend(line_fields());
    let both = upload_geometry(geometry_value("sphere", fields));
    assert!(
        Schema::new("to-session", LINK)
            .validate(&cbor(&both))
            .is_err(),
        "schema accepted a sphere with a line's fields"
    );
}

#[test]
fn shape_checks_only_the_session_makes() {
    // What shape.cddl says only the session checks: both the schema and the Rust decoder
    // accept these, and `Shape::validate` (run by the session per shape) refuses them.
    // (Anchor targets depend on the workspace, so they are not checked here.)
    let session = Schema::new("to-session", LINK);
    let atom = || anchor_value("atom", 1001);
    let ragged = |key: &str, len: usize| {
        let mut fields = vec![
            ("vertices", Value::Bytes(vec![0; 36])),
            ("triangles", array(vec![int(0), int(1), int(2)])),
        ];
        fields.push((key, Value::Bytes(vec![0; len])));
        geometry_value("mesh", fields)
    };
    let cases = [
        (
            "a sphere without anchors",
            shape_value(Some(sphere_value()), vec![], vec![]),
        ),
        (
            "a line with one anchor",
            shape_value(
                Some(geometry_value("line", line_fields())),
                vec![atom()],
                vec![],
            ),
        ),
        (
            "65 anchors",
            shape_value(Some(sphere_value()), vec![atom(); 65], vec![]),
        ),
        (
            "a triangle index beyond the vertices",
            shape_value(
                Some(mesh_value(vec![int(0), int(1), int(3)])),
                vec![atom()],
                vec![],
            ),
        ),
        (
            "a partial triangle",
            shape_value(Some(mesh_value(vec![int(0), int(1)])), vec![atom()], vec![]),
        ),
        (
            "vertices of 2 floats",
            shape_value(
                Some(geometry_value(
                    "mesh",
                    vec![
                        ("vertices", Value::Bytes(vec![0; 8])),
                        ("triangles", array(vec![])),
                    ],
                )),
                vec![atom()],
                vec![],
            ),
        ),
        (
            "normals for 2 vertices",
            shape_value(Some(ragged("normals", 24)), vec![atom()], vec![]),
        ),
        (
            "3 floats of colour per vertex",
            shape_value(Some(ragged("colors", 36)), vec![atom()], vec![]),
        ),
    ];
    for (what, shape) in cases {
        let bytes = cbor(&upload(vec![shape]));
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("schema refused {what}: {e}"));
        let env = decode::<ToSession>(&bytes, 1 << 20)
            .unwrap_or_else(|e| panic!("decoder refused {what}: {e:?}"));
        let ToSession::ShapesUpload(list) = env.msg else {
            panic!("not a shapes_upload: {env:?}")
        };
        assert!(
            list.shapes[0].validate().is_err(),
            "session accepted {what}"
        );
    }
    // Mesh arrays must be whole f32s: the schema cannot say so (see stream.cddl), the Rust
    // decoder refuses a ragged length.
    for key in ["vertices", "normals", "colors"] {
        let mut fields = vec![
            ("vertices", Value::Bytes(vec![0; 36])),
            ("triangles", array(vec![int(0), int(1), int(2)])),
        ];
        fields.retain(|(k, _)| *k != key);
        fields.push((key, Value::Bytes(vec![0; 7])));
        let bytes = cbor(&upload_geometry(geometry_value("mesh", fields)));
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("schema now checks f32 lengths of {key}: {e}"));
        assert!(
            decode::<ToSession>(&bytes, 1 << 20).is_err(),
            "decoder accepted 7 bytes of {key}"
        );
    }
}
