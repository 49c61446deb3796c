//! The legacy gateway's packet layer on bytes captured from nanome-lib 0.42.1 (and its beta
//! SDK) talking to a test NTS: every captured packet decodes and encodes back to the same
//! bytes, registrations read as the plugin meant them, and every command and message name
//! hashes as nanome-lib's table says (`tests/legacy-vectors/`).

use nts::legacy::hash::name_hash;
use nts::legacy::packet::{Decoder, Packet, PacketType};
use nts::legacy::registration::Registration;
use nts::legacy::serial::{ConnectCommand, ConnectReply, Frame, Reader, negotiate};
use std::path::{Path, PathBuf};

fn vectors() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/legacy-vectors");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    v.sort();
    assert!(
        v.len() >= 25,
        "the captured vectors are in {}",
        dir.display()
    );
    v
}

/// The one packet of vector `prefix`.
fn packet(prefix: &str) -> Packet {
    let path = vectors()
        .into_iter()
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with(prefix))
        .unwrap_or_else(|| panic!("vector {prefix}"));
    let mut d = Decoder::default();
    d.feed(&std::fs::read(path).unwrap());
    d.next_packet().unwrap().unwrap()
}

#[test]
fn every_captured_packet_decodes_and_encodes_to_the_same_bytes() {
    for path in vectors() {
        let bytes = std::fs::read(&path).unwrap();
        let mut d = Decoder::default();
        d.feed(&bytes);
        let p = d
            .next_packet()
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
            .unwrap_or_else(|| panic!("{}: incomplete", path.display()));
        assert_eq!(d.next_packet().unwrap(), None, "{}", path.display());
        assert_eq!(d.buffered(), 0, "{}: one packet per file", path.display());
        assert_eq!(p.encode(), bytes, "{}", path.display());
    }
}

#[test]
fn registrations_read_as_the_plugin_meant_them() {
    let p = packet("01_");
    assert_eq!(p.header.kind, PacketType::PluginConnection);
    assert_eq!(p.header.plugin_id, 0, "a new plugin");
    let r = Registration::parse(&p.payload).unwrap();
    assert_eq!(
        (r.name.as_str(), r.category.as_str(), r.has_advanced),
        ("Probe", "Test", true)
    );
    assert_eq!(r.tags, ["Test", "Other"]);
    assert_eq!(r.auth.as_deref(), Some("ABCDEF0123456789"));
    assert_eq!(r.permissions, [name_hash("local_files_access")]);
    assert_eq!(r.integration_names(), ["hydrogen", "minimization"]);
    let shown = r.metadata();
    assert_eq!(shown.permissions, ["local_files_access"]);
    assert_eq!(shown.integrations, ["hydrogen", "minimization"]);
    assert_eq!((shown.name.as_str(), shown.has_advanced), ("Probe", true));
    // A reconnect asks for its old id back; a key read from a file, a name from the env.
    assert_eq!(packet("16_").header.plugin_id, 7);
    let r = Registration::parse(&packet("21_").payload).unwrap();
    assert_eq!(
        (r.name.as_str(), r.auth.as_deref()),
        ("Probe (env name)", Some("my-secret-key-from-file"))
    );
    let beta = Registration::parse(&packet("23_").payload).unwrap();
    assert_eq!(beta.name, "BetaProbe");
}

#[test]
fn both_keep_alive_layouts_and_the_ack_are_as_captured() {
    // Classic: the plugin id in the session field; beta: in the plugin field.
    let classic = packet("15_").header;
    assert_eq!(
        (classic.kind, classic.session_id, classic.plugin_id),
        (PacketType::KeepAlive, 7, 0)
    );
    let beta = packet("24_").header;
    assert_eq!(
        (beta.kind, beta.session_id, beta.plugin_id),
        (PacketType::KeepAlive, 0, 0x15)
    );
    let ack = packet("02_");
    assert_eq!(
        (ack.header.kind, ack.header.plugin_id, ack.payload.len()),
        (PacketType::PluginConnection, 7, 0)
    );
    let mut ours = Packet::new(PacketType::PluginConnection);
    ours.header.plugin_id = 7;
    assert_eq!(ours, ack, "an ack as nanome-lib expects it (no payload)");
}

#[test]
fn commands_and_messages_carry_a_request_id_and_a_name_hash() {
    let hash_of = |p: &Packet| u32::from_le_bytes(p.payload[4..8].try_into().unwrap());
    for (prefix, kind, name) in [
        ("04_", PacketType::MessageToPlugin, "connect"),
        ("05_", PacketType::MessageToClient, "connect"),
        ("06_", PacketType::MessageToClient, "presenter_info_request"),
        ("08_", PacketType::MessageToPlugin, "run"),
        ("09_", PacketType::MessageToClient, "notification_send"),
        ("10_", PacketType::MessageToClient, "complex_list_request"),
        ("11_", PacketType::MessageToPlugin, "complex_list_response"),
        ("12_", PacketType::MessageToPlugin, "presenter_change"),
    ] {
        let p = packet(prefix);
        assert_eq!(p.header.kind, kind, "{prefix}");
        assert_eq!(p.header.session_id, 42, "{prefix}");
        assert_eq!(hash_of(&p), name_hash(name), "{prefix} is {name}");
    }
}

#[test]
fn every_name_in_nanome_libs_table_hashes_as_listed() {
    let table = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/legacy-vectors/hashes.txt"),
    )
    .unwrap();
    let mut checked = 0;
    for line in table.lines() {
        let f: Vec<&str> = line.split_whitespace().collect();
        match f.as_slice() {
            // "C 0 connect 0x06ea386f 116013167 …", "M …"
            [dir, _, name, hex, ..] if (*dir == "C" || *dir == "M") && hex.starts_with("0x") => {
                let want = u32::from_str_radix(&hex[2..], 16).unwrap();
                assert_eq!(name_hash(name), want, "{line}");
                checked += 1;
            }
            // "I 0 hydrogen_add 287474962", "IR …", "P …"
            [dir, _, name, dec] if ["I", "IR", "P"].contains(dir) => {
                assert_eq!(name_hash(name), dec.parse::<u32>().unwrap(), "{line}");
                checked += 1;
            }
            _ => {}
        }
    }
    assert_eq!(checked, 60 + 60 + 13 + 11 + 1, "every row was read");
}

#[test]
fn the_connect_exchange_reads_and_writes_as_captured() {
    // Nanome's connect: 138 serializer versions, ToClientProtocol among them.
    let cmd_packet = packet("04_");
    let cmd = ConnectCommand::parse(&cmd_packet.payload).unwrap();
    assert_eq!((cmd.request_id, cmd.versions.len()), (0, 138));
    let version = |t: &[(String, u8)], n: &str| t.iter().find(|(k, _)| k == n).map(|(_, v)| *v);
    assert_eq!(version(&cmd.versions, "Atom"), Some(5));
    assert_eq!(version(&cmd.versions, "ToClientProtocol"), Some(1));
    assert_eq!(cmd.encode(), cmd_packet.payload, "the same bytes back");
    // The plugin's reply: no compression, its own 137 versions.
    let reply_packet = packet("05_");
    let reply = ConnectReply::parse(&reply_packet.payload).unwrap();
    assert_eq!(
        (reply.request_id, reply.compression, reply.versions.len()),
        (0, 0, 137)
    );
    assert_eq!(version(&reply.versions, "Atom"), Some(8), "un-negotiated");
    assert_eq!(reply.encode(), reply_packet.payload);
    let both = negotiate(&reply.versions, &cmd.versions);
    assert_eq!(version(&both, "Atom"), Some(5));
    assert_eq!(
        version(&both, "ToClientProtocol"),
        None,
        "the plugin has no such serializer"
    );
    // The beta SDK's reply: a random request id and the negotiated table.
    let beta = ConnectReply::parse(&packet("25_").payload).unwrap();
    assert_eq!(beta.compression, 0);
    assert!(!beta.versions.is_empty());
    assert_eq!(beta.encode(), packet("25_").payload);
}

#[test]
fn presenter_info_reads_as_captured() {
    // Vector 07: account, name, email, has_org, org id, org name.
    let p = packet("07_");
    let f = Frame::parse(&p.payload).unwrap();
    assert!(f.is("presenter_info_response") && f.request_id == 1);
    let mut r = Reader::new(f.body);
    let fields = (
        r.string("account").unwrap(),
        r.string("name").unwrap(),
        r.string("email").unwrap(),
        r.bool("has_org").unwrap(),
        r.i32("org id").unwrap(),
        r.string("org name").unwrap(),
    );
    assert_eq!(
        fields,
        (
            "acc-1".into(),
            "Alice".into(),
            "alice@example.com".into(),
            true,
            99,
            "ACME".into()
        )
    );
    assert_eq!(r.remaining(), 0);
    // A request with no body (no expects_response byte in 0.42.1).
    let req = packet("06_");
    let req = Frame::parse(&req.payload).unwrap();
    assert!(req.is("presenter_info_request") && req.body.is_empty());
    // The 4-byte payload that killed nanome-lib's host is an error here.
    assert!(Frame::parse(&packet("22_").payload).is_err());
}
