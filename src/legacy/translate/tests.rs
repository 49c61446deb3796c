//! Unit tests of `legacy::translate`.

use super::*;
use crate::api::link::FileOp;

fn plugin_payload(out: &[Out]) -> &[u8] {
    match out {
        [Out::Plugin(p)] => p,
        other => panic!("expected one command, got {other:?}"),
    }
}

fn session(out: Vec<Out>) -> Envelope<ToSession> {
    match <[Out; 1]>::try_from(out) {
        Ok([Out::Session(e)]) => e,
        Ok(other) => panic!("expected one envelope, got {other:?}"),
        Err(v) => panic!("expected one envelope, got {v:?}"),
    }
}

/// The captured packets' payloads (after the 15-byte header).
fn vector(name: &str) -> Vec<u8> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/legacy-vectors");
    let file = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(name))
        .unwrap();
    std::fs::read(file).unwrap()[15..].to_vec()
}

#[test]
fn run_and_presenter_info_are_the_captured_commands() {
    let mut t = Translator::default();
    let run = t.to_plugin(Envelope::event(ToPlugin::Run(Empty {})));
    assert_eq!(plugin_payload(&run), vector("08_"));
    // The plugin's request 1 is the session's request 2; its reply goes back as 1.
    let e = session(t.from_plugin(&vector("06_")));
    assert_eq!(
        (e.id, e.msg),
        (2, ToSession::PresenterInfoRequest(Empty {}))
    );
    let info = PresenterInfo {
        account_id: "acc-1".into(),
        account_name: "Alice".into(),
        account_email: "alice@example.com".into(),
        org: Some(Org {
            id: 99,
            name: "ACME".into(),
        }),
    };
    let out = t.to_plugin(Envelope::with_id(2, ToPlugin::PresenterInfo(info.clone())));
    assert_eq!(plugin_payload(&out), vector("07_"));
    assert_eq!(t.pending(), 0);
    // A second reply to the same request, or one to a request never made: dropped.
    assert!(
        t.to_plugin(Envelope::with_id(2, ToPlugin::PresenterInfo(info)))
            .is_empty()
    );
}

#[test]
fn the_plugins_notification_reaches_the_session() {
    let mut t = Translator::default();
    let e = session(t.from_plugin(&vector("09_")));
    assert_eq!(e.id, 0);
    assert_eq!(
        e.msg,
        ToSession::Notification(Notification {
            kind: NotificationType::Message,
            text: "hi".into()
        })
    );
}

#[test]
fn the_complex_list_goes_both_ways_as_nanome_sends_it() {
    let mut t = Translator::default();
    // complex_list_request, request 3: the session's request 4.
    let e = session(t.from_plugin(&vector("10_")));
    assert_eq!((e.id, e.msg), (4, ToSession::ComplexListRequest(Empty {})));
    let out = t.to_plugin(Envelope::with_id(
        4,
        ToPlugin::Complexes(ComplexList::default()),
    ));
    // The captured empty reply is request 3's.
    let mut want = vector("11_");
    want[..4].copy_from_slice(&3u32.to_le_bytes());
    assert_eq!(plugin_payload(&out), want);
}

#[test]
fn what_is_not_translated_is_an_error_naming_it_never_silence() {
    let mut t = Translator::default();
    let out = t.from_plugin(&Frame::encode(5, "compute_hbonds", &[]));
    let [Out::Session(e), Out::Plugin(done)] = &out[..] else {
        panic!("{out:?}")
    };
    assert_eq!(e.id, 0, "an event: the id is the plugin's own");
    match &e.msg {
        ToSession::Error(b) => {
            assert_eq!(
                b.message,
                "not supported by the legacy bridge: compute_hbonds"
            )
        }
        other => panic!("{other:?}"),
    }
    // nanome-lib waits for compute_hbonds_done: it gets it.
    let f = Frame::parse(done).unwrap();
    assert!(f.is("compute_hbonds_done") && f.request_id == 5);
    let e = session(t.to_plugin(Envelope::with_id(
        9,
        ToPlugin::Substructures(crate::api::analysis::SubstructureList {
            substructures: vec![],
        }),
    )));
    assert_eq!(e.id, 9);
    assert!(matches!(e.msg, ToSession::Error(ref b) if b.message.ends_with("substructures")));
}

#[test]
fn a_refused_or_unreadable_request_still_gets_nanome_libs_empty_answer() {
    let mut t = Translator::default();
    let e = session(t.from_plugin(&Frame::encode(0, "workspace_request", &[])));
    assert_eq!(e.id, 1);
    let out = t.to_plugin(Envelope::with_id(
        1,
        ToPlugin::Error(ErrorBody::new(ErrorCode::Timeout, "slow")),
    ));
    let payload = plugin_payload(&out);
    let f = Frame::parse(payload).unwrap();
    assert!(f.is("workspace_response") && f.request_id == 0);
    // An add_to_workspace whose complexes cannot be read: the session is told, the
    // plugin gets no complexes back.
    let out = t.from_plugin(&Frame::encode(7, "add_to_workspace", &[9, 9]));
    assert!(matches!(&out[0], Out::Session(e) if matches!(e.msg, ToSession::Error(_))));
    let Out::Plugin(p) = &out[1] else {
        panic!("{out:?}")
    };
    let f = Frame::parse(p).unwrap();
    assert!(f.is("add_to_workspace_done") && f.request_id == 7);
}

/// A request nanome-lib always waits on, which the bridge does not translate: the
/// session hears of it by name, the plugin gets the empty answer (no callback hangs).
#[test]
fn an_untranslated_request_nanome_lib_waits_on_gets_an_empty_answer() {
    let mut t = Translator::default();
    // An export as a Nanome workspace (format 0), of the whole workspace.
    let out = t.from_plugin(&Frame::encode(4, "export_files", &[0, 0]));
    assert!(
        matches!(&out[0], Out::Session(e) if matches!(&e.msg, ToSession::Error(b) if b.message.ends_with("export as a Nanome workspace")))
    );
    let Out::Plugin(p) = &out[1] else {
        panic!("{out:?}")
    };
    let f = Frame::parse(p).unwrap();
    assert!(f.is("export_files_result") && f.request_id == 4);
    assert_eq!(f.body, [0, 0, 0, 0], "an empty list");
}

#[test]
fn remove_from_workspace_is_a_deep_update_of_empty_complexes() {
    let mut t = Translator::default();
    let empty = crate::api::structure::Complex {
        index: 12,
        ..Default::default()
    };
    let mut body = structure::write_complexes(Versions::LATEST, [&empty].into_iter());
    for _ in 0..5 {
        body.extend_from_slice(&0u32.to_le_bytes());
    }
    let e = session(t.from_plugin(&Frame::encode(2, "structures_deep_update", &body)));
    assert_eq!(
        e.msg,
        ToSession::RemoveFromWorkspace(Indices { indices: vec![12] })
    );
    let out = t.to_plugin(Envelope::with_id(3, ToPlugin::Done(Empty {})));
    assert!(
        Frame::parse(plugin_payload(&out))
            .unwrap()
            .is("structures_deep_update_done")
    );
}

#[test]
fn garbage_from_the_plugin_is_an_error_for_the_session() {
    let mut t = Translator::default();
    for bad in [
        &[1u8, 2, 3][..],
        &[0, 0, 0, 0, 0xff, 0xff, 0xff, 0x3f],
        // A notification of type 7, and one whose text runs past the end.
        &Frame::encode(0, "notification_send", &[7, 0, 0, 0, 0, 0, 0, 0]),
        &Frame::encode(0, "notification_send", &[0, 0, 0, 0, 9, 0, 0, 0, b'a']),
    ] {
        let e = session(t.from_plugin(bad));
        assert!(matches!(e.msg, ToSession::Error(_)), "{bad:?}: {e:?}");
    }
}

#[test]
fn a_presenter_without_an_org_and_a_huge_org_id() {
    let mut info = PresenterInfo {
        account_id: "a".into(),
        account_name: "b".into(),
        account_email: String::new(),
        org: None,
    };
    assert_eq!(
        presenter_info(&info),
        [1, 0, 0, 0, b'a', 1, 0, 0, 0, b'b', 0, 0, 0, 0, 0]
    );
    info.org = Some(Org {
        id: i64::MAX,
        name: String::new(),
    });
    let bytes = presenter_info(&info);
    assert_eq!(&bytes[14..19], &[1, 0xff, 0xff, 0xff, 0x7f]);
}

#[test]
fn ids_map_both_ways_and_zero_is_never_a_reply() {
    assert_eq!(session_id_of(0), 1);
    assert_eq!(plugin_id_of(1), Some(0));
    assert_eq!(plugin_id_of(0), None);
    assert_eq!(plugin_id_of(u64::from(u32::MAX) + 2), None);
    assert_eq!(plugin_id_of(session_id_of(u32::MAX)), Some(u32::MAX));
}

#[test]
fn interactions_go_to_the_session_and_their_answers_come_back() {
    use crate::api::interaction::{Interaction, InteractionKind};
    let mut t = Translator::default();
    let x = Interaction::new(InteractionKind::Ionic, 1, 2);
    let body = interaction::write_list(std::slice::from_ref(&x));
    let e = session(t.from_plugin(&Frame::encode(3, "create_interactions", &body)));
    assert_eq!(e.id, 4);
    assert!(matches!(&e.msg, ToSession::InteractionsCreate(l) if l.interactions == [x.clone()]));
    let out = t.to_plugin(Envelope::with_id(
        4,
        ToPlugin::InteractionsCreated(Indices { indices: vec![17] }),
    ));
    let f = Frame::parse(plugin_payload(&out)).unwrap();
    assert!(f.is("create_interactions_result") && f.request_id == 3);
    assert_eq!(f.body, interaction::write_created(&[17]));
}

#[test]
fn a_file_refusal_reaches_the_plugin_as_its_file_error() {
    let mut t = Translator::default();
    let mut w = Writer::default();
    w.string("../secret");
    let e = session(t.from_plugin(&Frame::encode(0, "get", &w.bytes)));
    assert!(matches!(&e.msg, ToSession::File(FileOp::Get { path }) if path == "../secret"));
    let out = t.to_plugin(Envelope::with_id(
        1,
        ToPlugin::Error(ErrorBody::new(ErrorCode::Forbidden, "outside")),
    ));
    let f = Frame::parse(plugin_payload(&out)).unwrap();
    assert!(f.is("get_response"));
    // unauthorized_access, and no bytes.
    assert_eq!(f.body, [4, 0, 0, 0, 0, 0, 0, 0]);
}

#[test]
fn files_sent_to_load_are_read_here_and_each_gets_its_answer() {
    let mut t = Translator::default();
    let pdb = "ATOM      1  CA  GLY A   1       1.000   2.000   3.000  1.00  0.00           C\n";
    let mut w = Writer::default();
    w.u32(2)
        .string("one.pdb")
        .byte_array(pdb.as_bytes())
        .string("two.pdb")
        .byte_array(b"nothing")
        .bool(true)
        .bool(true);
    let out = t.from_plugin(&Frame::encode(8, "load_file", &w.bytes));
    let [Out::Session(bad), Out::Session(add)] = &out[..] else {
        panic!("{out:?}")
    };
    assert!(matches!(&bad.msg, ToSession::Error(e) if e.message.contains("two.pdb")));
    let ToSession::AddToWorkspace(list) = &add.msg else {
        panic!("{add:?}")
    };
    assert_eq!((add.id, list.complexes.len()), (9, 1));
    let out = t.to_plugin(Envelope::with_id(9, ToPlugin::Complexes(list.clone())));
    let f = Frame::parse(plugin_payload(&out)).unwrap();
    assert!(f.is("load_file_done") && f.request_id == 8);
    assert_eq!(f.body, files::write_load_done(&[true, false]));
}

#[test]
fn an_integration_is_asked_and_only_its_answer_is_taken() {
    use crate::api::integration::{IntegrationRequest, IntegrationResult};
    let mut t = Translator::default();
    let out = t.to_plugin(Envelope::with_id(
        12,
        ToPlugin::Integration(IntegrationRequest::RunInteractions),
    ));
    let f = Frame::parse(plugin_payload(&out)).unwrap();
    assert!(f.is("integration"));
    let mut r = Reader::new(f.body);
    assert_eq!(r.u32("id").unwrap(), 12);
    let hash = r.u32("hash").unwrap();
    // The plugin answers request 12; then again, and an id no one asked.
    let answer = |id: u32| {
        let mut w = Writer::default();
        w.u32(id).u32(hash);
        Frame::encode(0, "integration", &w.bytes)
    };
    let e = session(t.from_plugin(&answer(12)));
    assert_eq!(
        (e.id, e.msg),
        (12, ToSession::IntegrationResult(IntegrationResult::Done))
    );
    for id in [12, 40] {
        let e = session(t.from_plugin(&answer(id)));
        assert!(matches!(&e.msg, ToSession::Error(b) if b.message.contains("no one asked")));
        assert_eq!(e.id, 0);
    }
}

#[test]
fn complex_hooks_accumulate() {
    let mut t = Translator::default();
    let index = 5i64.to_le_bytes();
    let e = session(t.from_plugin(&Frame::encode(0, "hook_complex_updated", &index)));
    assert!(matches!(e.msg, ToSession::ComplexHook(h) if h.updated && !h.selection));
    let e = session(t.from_plugin(&Frame::encode(1, "hook_selection_changed", &index)));
    assert!(matches!(e.msg, ToSession::ComplexHook(h) if h.updated && h.selection));
}

/// A body nanome-lib 0.42.1's own serializers wrote (`tests/legacy-vectors/bodies/make.py`).
fn nanome_lib_body(name: &str) -> Vec<u8> {
    std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/legacy-vectors/bodies")
            .join(format!("{name}_nanome_lib.bin")),
    )
    .unwrap()
}

/// What nanome-lib writes for the newer kinds reads as what it meant.
#[test]
fn reads_what_nanome_lib_writes_for_interactions_volumes_loads_macros_and_integrations() {
    use crate::api::integration::IntegrationResult;
    use crate::api::interaction::InteractionKind;
    let mut t = Translator::default();
    let msg = |t: &mut Translator, kind: &str, body: &str| {
        session(t.from_plugin(&Frame::encode(2, kind, &nanome_lib_body(body)))).msg
    };
    let ToSession::InteractionsCreate(list) =
        msg(&mut t, "create_interactions", "create_interactions")
    else {
        panic!()
    };
    let [hb, ionic] = &list.interactions[..] else {
        panic!("{list:?}")
    };
    assert_eq!(
        (hb.kind, hb.visible, hb.index),
        (InteractionKind::HydrogenBond, true, -1)
    );
    assert_eq!(
        (ionic.kind, &ionic.atom1, ionic.atom1_conformation),
        (InteractionKind::Ionic, &vec![1, 2], Some(0))
    );
    assert!(!ionic.visible);

    let ToSession::InteractionsRequest(q) = msg(&mut t, "get_interactions", "get_interactions")
    else {
        panic!()
    };
    assert_eq!(
        (q.complexes, q.atoms, q.kind),
        (vec![4], vec![7, 8], Some(InteractionKind::Polar))
    );

    let ToSession::AddVolume(add) = msg(&mut t, "add_volume", "add_volume_gly") else {
        panic!()
    };
    assert_eq!(add.complex.atoms().count(), 5);
    assert_eq!((add.volume.width, add.volume.name.as_str()), (2, "esp"));
    assert_eq!(
        add.volume.data,
        [0.25f32.to_le_bytes(), (-0.5f32).to_le_bytes()].concat()
    );
    assert_eq!(add.volume.cell.lengths[0], 3.0);
    assert_eq!(add.properties.layers.len(), 1);
    add.volume.validate().unwrap();

    let ToSession::MacroSave(m) = msg(&mut t, "save_macro", "save_macro") else {
        panic!()
    };
    assert_eq!((m.title.as_str(), m.logic.as_str()), ("spin", "print(1)"));

    let ToSession::AddToWorkspace(list) = msg(&mut t, "load_file", "load_file") else {
        panic!()
    };
    assert_eq!(list.complexes[0].atoms().count(), 5);

    // The plugin's answer to integration request 5 (hydrogen_add), once asked.
    t.to_plugin(Envelope::with_id(
        5,
        ToPlugin::Integration(crate::api::integration::IntegrationRequest::RunInteractions),
    ));
    let e = session(t.from_plugin(&Frame::encode(
        0,
        "integration",
        &nanome_lib_body("integration_hydrogen_add_gly"),
    )));
    assert_eq!(e.id, 5);
    let ToSession::IntegrationResult(IntegrationResult::Complexes { complexes }) = e.msg else {
        panic!("{:?}", e.msg)
    };
    assert_eq!(complexes[0].atoms().count(), 5);
}

#[test]
fn a_request_the_session_leaves_unanswered_gets_the_empty_answer_at_the_deadline() {
    let mut t = Translator::default();
    session(t.from_plugin(&Frame::encode(3, "complex_list_request", &[])));
    let now = Instant::now();
    assert!(t.expire(now).is_empty());
    let out = t.expire(now + DEADLINE + Duration::from_secs(1));
    let [Out::Session(e), Out::Plugin(p)] = &out[..] else {
        panic!("{out:?}")
    };
    assert!(matches!(&e.msg, ToSession::Error(b) if b.code == ErrorCode::Timeout));
    let f = Frame::parse(p).unwrap();
    assert!(f.is("complex_list_response") && f.request_id == 3);
    assert_eq!(t.pending(), 0);
    // The late answer finds no request.
    assert!(
        t.to_plugin(Envelope::with_id(
            4,
            ToPlugin::Complexes(ComplexList::default())
        ))
        .is_empty()
    );
}

#[test]
fn what_nanome_lib_does_not_wait_on_goes_as_an_event_and_never_times_out() {
    let mut t = Translator::default();
    let mut w = Writer::default();
    w.string("https://example.org").bool(false);
    let e = session(t.from_plugin(&Frame::encode(9, "open_url", &w.bytes)));
    assert_eq!(e.id, 0);
    assert_eq!(t.pending(), 0);
    assert!(t.expire(Instant::now() + DEADLINE * 2).is_empty());
}

#[test]
fn a_request_pushed_out_of_a_full_table_still_gets_its_empty_answer() {
    let mut t = Translator::default();
    for r in 0..MAX_PENDING as u32 {
        t.from_plugin(&Frame::encode(r, "workspace_request", &[]));
    }
    let out = t.from_plugin(&Frame::encode(MAX_PENDING as u32, "workspace_request", &[]));
    let [Out::Plugin(p), Out::Session(e)] = &out[..] else {
        panic!("{out:?}")
    };
    let f = Frame::parse(p).unwrap();
    assert!(
        f.is("workspace_response") && f.request_id == 0,
        "the oldest is answered"
    );
    assert_eq!(e.id, MAX_PENDING as u64 + 1);
    assert_eq!(t.pending(), MAX_PENDING);
}

#[test]
fn a_files_request_answered_done_gets_its_no_error_code() {
    let mut t = Translator::default();
    let mut w = Writer::default();
    w.string("d");
    session(t.from_plugin(&Frame::encode(2, "mkdir", &w.bytes)));
    let out = t.to_plugin(Envelope::with_id(3, ToPlugin::Done(Empty {})));
    let f = Frame::parse(plugin_payload(&out)).unwrap();
    assert!(f.is("mkdir_response") && f.request_id == 2);
    assert_eq!(f.body, [0, 0, 0, 0]);
}
