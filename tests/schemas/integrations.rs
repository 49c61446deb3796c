//! Hand-built integrations, accepted and rejected.

use crate::envelopes::{assert_rejected, cbor, envelope, int, map, text};
use crate::structures::array;
use crate::{LINK, Schema};
use ciborium::Value;
use nts::api::link::*;
use nts::wire::decode;

/// An `integration` envelope whose body is `{kind: call, fields...}`: the body's own
/// `kind` sits beside the call's fields, and differs from the envelope's `kind`.
pub(crate) fn integration(call: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut body = vec![("kind", text(call))];
    body.extend(fields);
    envelope(1, "integration", 11, map(body))
}

/// An `integration_result` envelope whose body is `{kind: result, fields...}`.
fn integration_result(result: &str, fields: Vec<(&str, Value)>) -> Value {
    let mut body = vec![("kind", text(result))];
    body.extend(fields);
    envelope(1, "integration_result", 11, map(body))
}

/// A `minimization_start` call's fields.
fn minimization_fields() -> Vec<(&'static str, Value)> {
    vec![
        ("forcefield", int(1)),
        ("steps", int(2500)),
        ("steepest", Value::Bool(true)),
        ("cutoff", Value::Float(12.5)),
    ]
}

/// An `export_file` call's fields with `data`.
fn export_file_fields(data: Value) -> Vec<(&'static str, Value)> {
    vec![
        ("location", text("Workspace")),
        ("filename", text("out.pdb")),
        ("data", data),
    ]
}

#[test]
fn schema_accepts_hand_built_integrations() {
    // The helpers above build valid messages: the negative cases below differ by one field.
    let plugin = Schema::new("to-plugin", LINK);
    for v in [
        integration(
            "hydrogen_add",
            vec![("complexes", array(vec![map(vec![])]))],
        ),
        integration("minimization_start", minimization_fields()),
        // A call without arguments is a map with only its kind.
        integration("minimization_stop", vec![]),
        integration("run_interactions", vec![]),
        integration(
            "export_file",
            export_file_fields(Value::Bytes(b"END\n".to_vec())),
        ),
        integration(
            "generate_molecule_image",
            vec![
                ("complexes", array(vec![])),
                ("width", int(64)),
                ("height", int(48)),
            ],
        ),
        integration("import_smiles", vec![("smiles", array(vec![text("CCO")]))]),
    ] {
        let bytes = cbor(&v);
        plugin
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToPlugin>(&bytes, 1 << 20).unwrap();
    }
    let session = Schema::new("to-session", LINK);
    for v in [
        integration_result("complexes", vec![("complexes", array(vec![map(vec![])]))]),
        integration_result("success", vec![("ok", Value::Bool(false))]),
        integration_result("locations", vec![("names", array(vec![text("Workspace")]))]),
        integration_result(
            "images",
            vec![("images", array(vec![Value::Bytes(vec![0x89, b'P'])]))],
        ),
        integration_result("smiles", vec![("smiles", array(vec![text("CCO")]))]),
        integration_result("done", vec![]),
    ] {
        let bytes = cbor(&v);
        session
            .validate(&bytes)
            .unwrap_or_else(|e| panic!("{v:?}: {e}"));
        decode::<ToSession>(&bytes, 1 << 20).unwrap();
    }
}

#[test]
fn schema_rejects_malformed_integrations() {
    for bad in ["teleport", "HydrogenAdd", "minimization", "hydrogen", ""] {
        let v = integration(bad, vec![("complexes", array(vec![]))]);
        assert_rejected::<ToPlugin>(&format!("integration kind {bad:?}"), "to-plugin", LINK, v);
    }
    let untagged = envelope(
        1,
        "integration",
        11,
        map(vec![("complexes", array(vec![]))]),
    );
    assert_rejected::<ToPlugin>("an integration without kind", "to-plugin", LINK, untagged);
    for missing in ["forcefield", "steps", "steepest", "cutoff"] {
        let mut fields = minimization_fields();
        fields.retain(|(k, _)| *k != missing);
        let v = integration("minimization_start", fields);
        assert_rejected::<ToPlugin>(
            &format!("minimization_start without {missing}"),
            "to-plugin",
            LINK,
            v,
        );
    }
    let mut fields = minimization_fields();
    fields[1].1 = int(i64::from(i32::MAX) + 1);
    let long = integration("minimization_start", fields);
    assert_rejected::<ToPlugin>("steps beyond i32", "to-plugin", LINK, long);
    let mut fields = minimization_fields();
    fields[0].1 = int(256);
    let forcefield = integration("minimization_start", fields);
    assert_rejected::<ToPlugin>("forcefield beyond u8", "to-plugin", LINK, forcefield);
    let no_complexes = integration("structure_prep", vec![]);
    assert_rejected::<ToPlugin>(
        "structure_prep without complexes",
        "to-plugin",
        LINK,
        no_complexes,
    );
    let no_data = integration(
        "export_file",
        vec![
            ("location", text("Workspace")),
            ("filename", text("out.pdb")),
        ],
    );
    assert_rejected::<ToPlugin>("export_file without data", "to-plugin", LINK, no_data);
    let negative_width = integration(
        "generate_molecule_image",
        vec![
            ("complexes", array(vec![])),
            ("width", int(-1)),
            ("height", int(48)),
        ],
    );
    assert_rejected::<ToPlugin>("a negative image width", "to-plugin", LINK, negative_width);
    for bad in [int(7), Value::Null, array(vec![text("CCO")])] {
        let v = integration(
            "import_smiles",
            vec![("smiles", array(vec![text("CCO"), bad.clone()]))],
        );
        assert_rejected::<ToPlugin>(&format!("import_smiles with {bad:?}"), "to-plugin", LINK, v);
    }
    // The Rust decoder (serde) takes UTF-8 bytes for a text, so only the schema refuses a
    // SMILES as a byte string.
    let bytes_smiles = integration(
        "import_smiles",
        vec![("smiles", array(vec![Value::Bytes(b"CCO".to_vec())]))],
    );
    assert!(
        Schema::new("to-plugin", LINK)
            .validate(&cbor(&bytes_smiles))
            .is_err(),
        "schema accepted a SMILES as bytes"
    );
    let one_smiles = integration("import_smiles", vec![("smiles", text("CCO"))]);
    assert_rejected::<ToPlugin>("a SMILES not in a list", "to-plugin", LINK, one_smiles);
    // File data must be a byte string. The Rust decoder (serde_bytes) also takes a text
    // as its UTF-8 bytes, so only the schema refuses one.
    let text_data = cbor(&integration(
        "export_file",
        export_file_fields(text("HETATM")),
    ));
    let plugin = Schema::new("to-plugin", LINK);
    assert!(
        plugin.validate(&text_data).is_err(),
        "schema accepted export_file data as a text"
    );
    let int_data = integration("export_file", export_file_fields(array(vec![int(72)])));
    assert!(
        plugin.validate(&cbor(&int_data)).is_err(),
        "schema accepted export_file data as an array"
    );
    // Results.
    for bad in ["teleport", "complex", "error", ""] {
        let v = integration_result(bad, vec![("ok", Value::Bool(true))]);
        assert_rejected::<ToSession>(&format!("result kind {bad:?}"), "to-session", LINK, v);
    }
    let int_ok = integration_result("success", vec![("ok", int(1))]);
    assert_rejected::<ToSession>("an integer ok", "to-session", LINK, int_ok);
    let no_names = integration_result("locations", vec![]);
    assert_rejected::<ToSession>("locations without names", "to-session", LINK, no_names);
    let int_smiles = integration_result("smiles", vec![("smiles", array(vec![int(1)]))]);
    assert_rejected::<ToSession>(
        "a SMILES result with an integer",
        "to-session",
        LINK,
        int_smiles,
    );
    // Fields under another kind's tag.
    let crossed = integration_result("success", vec![("names", array(vec![]))]);
    assert_rejected::<ToSession>("success with names", "to-session", LINK, crossed);
    let crossed = integration("import_smiles", vec![("complexes", array(vec![]))]);
    assert_rejected::<ToPlugin>("import_smiles with complexes", "to-plugin", LINK, crossed);
    // Integrations go one way each: sessions call, instances answer.
    let call_to_session = integration("minimization_stop", vec![]);
    assert_rejected::<ToSession>(
        "integration to the session",
        "to-session",
        LINK,
        call_to_session,
    );
    let result_to_plugin = integration_result("done", vec![]);
    assert_rejected::<ToPlugin>(
        "integration_result to an instance",
        "to-plugin",
        LINK,
        result_to_plugin,
    );
    // Bodies are closed maps: a call without arguments takes none. (The Rust decoder
    // ignores unknown keys, so schema only.)
    let stop_with_steps = integration("minimization_stop", vec![("steps", int(10))]);
    assert!(
        plugin.validate(&cbor(&stop_with_steps)).is_err(),
        "schema accepted minimization_stop with steps"
    );
}
