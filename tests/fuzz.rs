//! A bounded fuzzing pass over every decoder that takes bytes from outside: the envelope
//! (each message family), the stdio frame reader, the stream-frame skimmer, chunk
//! reassembly, tickets, the callout's authorization request, and the PDB, mmCIF and SDF
//! readers.
//!
//! The toolchain is stable-only, where `cargo fuzz` (libFuzzer) and sanitizer builds do not
//! run, so this is a mutation fuzzer in the test suite: seeds from `fuzz/corpus/<target>/`
//! (committed) and from real encodings, mutated AFL-style (bit flips, byte sets, interesting
//! integers, truncation, duplication, splicing), each input run under `catch_unwind` with a
//! counting allocator. A target fails on a panic or on an execution that allocates more than
//! [`MAX_ALLOC`] at once. `NTS_FUZZ_EXECS` sets executions per target (CI: the default),
//! `NTS_FUZZ_SEED` the random seed (printed, so a failure can be replayed); a failing input
//! is written to `fuzz/findings/<target>-<seed>`.

use std::alloc::{GlobalAlloc, Layout, System};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

/// Counts live and peak heap bytes, so an input that makes a decoder allocate without bound
/// is caught.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new) };
        if !p.is_null() {
            if new > layout.size() {
                let now =
                    LIVE.fetch_add(new - layout.size(), Ordering::Relaxed) + new - layout.size();
                PEAK.fetch_max(now, Ordering::Relaxed);
            } else {
                LIVE.fetch_sub(layout.size() - new, Ordering::Relaxed);
            }
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Most heap one execution may add (inputs are at most 64 KiB).
const MAX_ALLOC: usize = 64 << 20;
/// Largest input tried.
const MAX_INPUT: usize = 64 << 10;
/// Default executions per target.
const DEFAULT_EXECS: u64 = 3000;

/// xorshift64*: small, fast, reproducible from its seed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[u64] = &[
    0,
    1,
    0x7f,
    0x80,
    0xff,
    0x100,
    0x7fff,
    0xffff,
    0x1_0000,
    0x7fff_ffff,
    0xffff_ffff,
    u64::MAX,
];

/// One AFL-style mutation of `input` (sometimes spliced with `other`).
fn mutate(rng: &mut Rng, input: &mut Vec<u8>, other: &[u8]) {
    let rounds = 1 + rng.below(8);
    for _ in 0..rounds {
        if input.is_empty() {
            input.push(rng.next() as u8);
            continue;
        }
        let at = rng.below(input.len());
        match rng.below(9) {
            0 => input[at] ^= 1 << rng.below(8),
            1 => input[at] = rng.next() as u8,
            2 => {
                let v = INTERESTING[rng.below(INTERESTING.len())];
                let width = [1, 2, 4, 8][rng.below(4)];
                for (i, b) in v.to_be_bytes()[8 - width..].iter().enumerate() {
                    if let Some(slot) = input.get_mut(at + i) {
                        *slot = *b;
                    }
                }
            }
            3 => input.truncate(at),
            4 => {
                let len = rng.below(64).min(input.len() - at);
                let piece = input[at..at + len].to_vec();
                let to = rng.below(input.len());
                input.splice(to..to, piece);
            }
            5 => {
                let len = rng.below(16).min(input.len() - at);
                input.drain(at..at + len);
            }
            6 if !other.is_empty() => {
                let from = rng.below(other.len());
                let len = rng.below(256).min(other.len() - from);
                input.splice(at..at, other[from..from + len].iter().copied());
            }
            7 => input.insert(at, [0x00, 0xff, 0x9f, 0xbf, 0x5b, 0x7b][rng.below(6)]),
            _ => {
                input[at] = input[at]
                    .wrapping_add(rng.next() as u8 % 35)
                    .wrapping_sub(17)
            }
        }
    }
    input.truncate(MAX_INPUT);
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

/// The committed seeds of `target` plus `extra` (real encodings).
fn corpus(target: &str, extra: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut seeds = extra;
    if let Ok(dir) = std::fs::read_dir(repo("fuzz/corpus").join(target)) {
        let mut files: Vec<_> = dir.flatten().map(|e| e.path()).collect();
        files.sort();
        for f in files {
            if let Ok(b) = std::fs::read(&f) {
                seeds.push(b);
            }
        }
    }
    assert!(!seeds.is_empty(), "{target} has no seeds");
    // `NTS_FUZZ_WRITE_SEEDS=1` keeps the built-in seeds in the corpus (to commit them).
    if std::env::var_os("NTS_FUZZ_WRITE_SEEDS").is_some() {
        let dir = repo("fuzz/corpus").join(target);
        let _ = std::fs::create_dir_all(&dir);
        for (i, s) in seeds.iter().enumerate() {
            let _ = std::fs::write(dir.join(format!("seed-{i}")), s);
        }
    }
    seeds
}

/// Runs `decode` on the seeds and on mutations of them; panics (with the input saved) on
/// a panic or an allocation over the bound. Returns the executions done.
fn fuzz(
    target: &str,
    seeds: Vec<Vec<u8>>,
    decode: impl Fn(&[u8]) + std::panic::RefUnwindSafe,
) -> u64 {
    // One target at a time: the allocation count is process-wide.
    static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());
    let _one = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let execs: u64 = std::env::var("NTS_FUZZ_EXECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_EXECS);
    let seed: u64 = std::env::var("NTS_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
                | 1
        });
    eprintln!(
        "fuzz {target}: seed {seed}, {execs} executions, {} seeds",
        seeds.len()
    );
    let mut rng = Rng(seed);
    let mut done = 0;
    let run = |input: &[u8]| {
        let before = LIVE.load(Ordering::Relaxed);
        PEAK.store(before, Ordering::Relaxed);
        let result = std::panic::catch_unwind(|| decode(input));
        let grew = PEAK.load(Ordering::Relaxed).saturating_sub(before);
        let failure = match result {
            Err(_) => Some("panicked".to_string()),
            Ok(()) if grew > MAX_ALLOC => Some(format!("allocated {grew} bytes")),
            Ok(()) => None,
        };
        if let Some(why) = failure {
            let dir = repo("fuzz/findings");
            let _ = std::fs::create_dir_all(&dir);
            let path = dir.join(format!("{target}-{seed}"));
            let _ = std::fs::write(&path, input);
            panic!("{target}: an input {why} (saved to {})", path.display());
        }
    };
    for s in &seeds {
        run(s);
        done += 1;
    }
    let mut input = Vec::new();
    while done < execs {
        let base = &seeds[rng.below(seeds.len())];
        let other = &seeds[rng.below(seeds.len())];
        input.clear();
        input.extend_from_slice(base);
        mutate(&mut rng, &mut input, other);
        run(&input);
        done += 1;
    }
    done
}

/// The harness itself: it must find a planted panic and a planted huge allocation.
mod harness {
    use super::*;

    #[test]
    #[should_panic(expected = "panicked")]
    fn finds_a_planted_panic() {
        std::panic::set_hook(Box::new(|_| {}));
        fuzz("planted-panic", vec![b"nts!".to_vec()], |b| {
            if b.len() > 2 && b[1] != b's' {
                panic!("planted");
            }
        });
    }

    #[test]
    #[should_panic(expected = "allocated")]
    fn finds_a_planted_allocation() {
        fuzz("planted-alloc", vec![b"nts!".to_vec()], |b| {
            if b.first() != Some(&b'n') {
                std::hint::black_box(vec![1u8; MAX_ALLOC + 1]);
            }
        });
    }
}

mod targets {
    use super::*;
    use nts::api::control::{CtlReply, CtlRequest, HostReply, HostRequest};
    use nts::api::link::{ToPlugin, ToSession};
    use nts::wire::{self, Envelope};

    fn quiet() {
        // Panics are expected to be caught; their default message would flood the log.
        std::panic::set_hook(Box::new(|_| {}));
    }

    fn envelopes() -> Vec<Vec<u8>> {
        use nts::api::Empty;
        vec![
            wire::encode(&Envelope::with_id(7, ToPlugin::Ping(Empty {}))),
            wire::encode(&Envelope::event(ToPlugin::Run(Empty {}))),
            wire::encode(&Envelope::with_id(3, CtlRequest::PluginList(Empty {}))),
            wire::encode(&Envelope::event(ToSession::Pong(Empty {}))),
            wire::encode(&Envelope::with_id(
                5,
                ToSession::AddToWorkspace(nts::api::link::ComplexList {
                    complexes: vec![columns_complex()],
                }),
            )),
        ]
    }

    /// A complex whose encoding has every kind of column: two chains, residues with
    /// insertion codes and labels, atoms of several elements and one that is none, bonds.
    fn columns_complex() -> nts::api::structure::Complex {
        use nts::api::structure::*;
        let atom = |name: &str, symbol: &str, x: f32| Atom {
            name: name.into(),
            symbol: symbol.into(),
            serial: 1 + x as i32,
            position: [x, 1.0, -2.0],
            bfactor: x * 2.0,
            ..Default::default()
        };
        let residue = |code: &str, icode: char| Residue {
            code: code.into(),
            insertion_code: icode,
            label_text: "label".into(),
            atoms: vec![
                atom("N", "N", 0.0),
                atom("CA", "C", 1.0),
                atom("X1", "Xx", 2.0),
            ],
            bonds: vec![Bond {
                index: -1,
                atom1: 0,
                atom2: 1,
                kind: BondKind::Aromatic,
            }],
            ..Default::default()
        };
        Complex {
            name: "columns".into(),
            molecules: vec![Molecule {
                chains: vec![
                    Chain {
                        name: "A".into(),
                        residues: vec![residue("ALA", ' '), residue("GLY", 'B')],
                        ..Default::default()
                    },
                    Chain {
                        index: 9,
                        name: "HA".into(),
                        residues: vec![residue("HOH", ' ')],
                    },
                ],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    #[test]
    fn envelope() {
        quiet();
        let n = fuzz("envelope", corpus("envelope", envelopes()), |b| {
            let _ = wire::decode::<ToPlugin>(b, 1 << 20);
            let _ = wire::decode::<ToSession>(b, 1 << 20);
            let _ = wire::decode::<CtlRequest>(b, 1 << 20);
            let _ = wire::decode::<CtlReply>(b, 1 << 20);
            let _ = wire::decode::<HostRequest>(b, 1 << 20);
            let _ = wire::decode::<HostReply>(b, 1 << 20);
            let _ = wire::skim::envelope_head(b);
        });
        assert!(n > 0);
    }

    #[test]
    fn frame() {
        quiet();
        let mut framed = wire::frame::header(5).unwrap().to_vec();
        framed.extend_from_slice(b"hello");
        fuzz("frame", corpus("frame", vec![framed]), |b| {
            let mut r = wire::frame::FrameDecoder::new(1 << 20);
            r.push(b);
            while let Ok(Some(_)) = r.next_frame() {}
            let _ = r.finish();
        });
    }

    #[test]
    fn stream_frame() {
        quiet();
        let floats: Vec<u8> = [1.0f32, 2.0, 3.0]
            .iter()
            .flat_map(|f| f.to_le_bytes())
            .collect();
        let seed = wire::skim::encode_stream_frame(9, 1, wire::skim::FrameValues::Float(&floats));
        fuzz("stream_frame", corpus("stream_frame", vec![seed]), |b| {
            let _ = wire::skim::stream_frame(b);
        });
    }

    #[test]
    fn chunks() {
        quiet();
        // An input is a sequence of chunk envelopes, each prefixed by its 2-byte length.
        let big = wire::encode(&Envelope::event(ToSession::Pong(nts::api::Empty {})));
        let mut seed = Vec::new();
        for part in wire::chunk::split(&big.repeat(200), 1200) {
            let env = wire::encode(&Envelope::event(ToSession::Chunk(part)));
            seed.extend_from_slice(&(env.len() as u16).to_be_bytes());
            seed.extend_from_slice(&env);
        }
        fuzz("chunks", corpus("chunks", vec![seed]), |mut b| {
            let mut r = wire::chunk::Reassembler::default();
            while b.len() >= 2 {
                let len = u16::from_be_bytes([b[0], b[1]]) as usize;
                let (msg, rest) = b[2..].split_at(len.min(b.len() - 2));
                b = rest;
                if let Ok(Envelope {
                    msg: ToSession::Chunk(part),
                    ..
                }) = wire::decode::<ToSession>(msg, 1 << 20)
                {
                    let _ = r.accept::<ToSession>(part);
                }
            }
        });
    }

    #[test]
    fn ticket() {
        quiet();
        use nts::connect::ticket::{Claims, TicketKey, TicketKind, Verifier, peek};
        let key = TicketKey::generate();
        let mut claims = Claims::new(
            TicketKind::Member,
            "ann",
            std::time::Duration::from_secs(60),
        );
        claims.session_id = Some(nts::wire::subject::Token::new("s1").unwrap());
        let seed = key.issue(&claims).into_bytes();
        let verifier = Verifier::new([key.public_key().as_str()]).unwrap();
        fuzz("ticket", corpus("ticket", vec![seed]), |b| {
            let text = String::from_utf8_lossy(b);
            let _ = peek(&text);
            let _ = verifier.verify_at(&text, 0);
            let _ =
                nts::coordinator::callout::decide(&verifier, &text, "member/s1/u1", 0, |_| false);
        });
    }

    #[test]
    fn authorization_request() {
        quiet();
        // The captured request's claims in the JWT shape the server sends (its signature is
        // not valid: the decoder must refuse it without trouble, and mutations probe it).
        let claims = std::fs::read(repo("tests/fixtures/auth-callout-request.json")).unwrap();
        let b64 = |b: &[u8]| data_encoding::BASE64URL_NOPAD.encode(b);
        let fixture = format!(
            "{}.{}.{}",
            b64(br#"{"typ":"JWT","alg":"ed25519-nkey"}"#),
            b64(&claims),
            b64(&[0u8; 64])
        )
        .into_bytes();
        let issuer = nkeys::KeyPair::new_account().public_key();
        fuzz(
            "authorization_request",
            corpus("authorization_request", vec![fixture]),
            |b| {
                let _ = nts::coordinator::callout::jwt::read_request(b, &issuer);
            },
        );
    }

    const PDB: &str = "ATOM      1  N   ALA A   1      11.104   6.134  -6.504  1.00  0.00           N\nATOM      2  CA  ALA A   1      11.639   6.071  -5.147  1.00  0.00           C\nHETATM    3  O   HOH A   2      12.000   7.000  -4.000  1.00  0.00           O\nCONECT    1    2\nEND\n";
    const CIF: &str = "data_x\nloop_\n_atom_site.group_PDB\n_atom_site.id\n_atom_site.type_symbol\n_atom_site.label_atom_id\n_atom_site.label_comp_id\n_atom_site.label_asym_id\n_atom_site.label_seq_id\n_atom_site.Cartn_x\n_atom_site.Cartn_y\n_atom_site.Cartn_z\n_atom_site.occupancy\n_atom_site.B_iso_or_equiv\n_atom_site.pdbx_PDB_model_num\nATOM 1 N N ALA A 1 11.104 6.134 -6.504 1.0 0.0 1\nATOM 2 C CA ALA A 1 11.639 6.071 -5.147 1.0 0.0 1\n";
    const SDF: &str = "water\n  nts\n\n  3  2  0  0  0  0  0  0  0  0999 V2000\n    0.0000    0.0000    0.0000 O   0  0  0  0  0  0  0  0  0  0  0  0\n    0.9572    0.0000    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0\n   -0.2400    0.9266    0.0000 H   0  0  0  0  0  0  0  0  0  0  0  0\n  1  2  1  0\n  1  3  1  0\nM  END\n$$$$\n";

    #[test]
    fn pdb() {
        quiet();
        fuzz("pdb", corpus("pdb", vec![PDB.as_bytes().to_vec()]), |b| {
            let _ = nts::files::parse(b, nts::files::Format::Pdb, &mut Default::default());
        });
    }

    #[test]
    fn mmcif() {
        quiet();
        fuzz(
            "mmcif",
            corpus("mmcif", vec![CIF.as_bytes().to_vec()]),
            |b| {
                let _ = nts::files::parse(b, nts::files::Format::Mmcif, &mut Default::default());
            },
        );
    }

    #[test]
    fn sdf() {
        quiet();
        fuzz("sdf", corpus("sdf", vec![SDF.as_bytes().to_vec()]), |b| {
            let _ = nts::files::sdf::parse(&String::from_utf8_lossy(b));
        });
    }

    const MOL2: &str = "@<TRIPOS>MOLECULE\nwater\n3 2\n@<TRIPOS>ATOM\n1 OW 0 0 0 O.3 1 HOH -0.8\n2 HW1 0.96 0 0 H 1 HOH 0.4\n3 HW2 -0.24 0.93 0 H 1 HOH 0.4\n@<TRIPOS>BOND\n1 1 2 1\n2 1 3 1\n";
    const PQR: &str = "ATOM      1  N   MET A   1     -13.564  21.372  -8.542 -0.3000 1.8240\nHETATM    2  O   HOH     2       1.000   2.000   3.000 -0.8340 1.6612\nEND\n";

    #[test]
    fn mol2() {
        quiet();
        fuzz(
            "mol2",
            corpus("mol2", vec![MOL2.as_bytes().to_vec()]),
            |b| {
                let _ = nts::files::parse(b, nts::files::Format::Mol2, &mut Default::default());
            },
        );
    }

    #[test]
    fn pqr() {
        quiet();
        fuzz("pqr", corpus("pqr", vec![PQR.as_bytes().to_vec()]), |b| {
            let _ = nts::files::parse(b, nts::files::Format::Pqr, &mut Default::default());
        });
    }

    #[test]
    fn legacy_packets() {
        quiet();
        // Every captured packet, back to back, is one seed; each alone is another.
        let dir = repo("tests/legacy-vectors");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "bin"))
            .collect();
        files.sort();
        let mut seeds: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
        seeds.push(seeds.concat());
        fuzz("legacy_packets", corpus("legacy_packets", seeds), |b| {
            let mut d = nts::legacy::packet::Decoder::new(1 << 20);
            for piece in b.chunks(7) {
                d.feed(piece);
                while let Ok(Some(p)) = d.next_packet() {
                    use nts::legacy::packet::PacketType as T;
                    use nts::legacy::serial::{ConnectCommand, ConnectReply};
                    match p.header.kind {
                        T::PluginConnection => {
                            let _ = nts::legacy::registration::Registration::parse(&p.payload);
                        }
                        T::MessageToPlugin => {
                            let _ = ConnectCommand::parse(&p.payload);
                        }
                        T::MessageToClient => {
                            let _ = ConnectReply::parse(&p.payload);
                        }
                        _ => {}
                    }
                }
            }
        });
    }

    /// What a legacy plugin's session sends, whole: a frame whose first byte picks the
    /// message kind (so every translated kind is reached), the rest its body; the
    /// translator must answer every one without a panic.
    #[test]
    fn legacy_messages() {
        quiet();
        use nts::legacy::kinds::Message;
        let bodies = repo("tests/legacy-vectors/bodies");
        let mut seeds = vec![];
        for (kind, file) in [
            (
                Message::AddToWorkspace,
                "add_to_workspace_gly_nanome_lib.bin",
            ),
            (Message::MenuUpdate, "update_menu_counter_nanome_lib.bin"),
            (
                Message::CreateInteractions,
                "create_interactions_nanome_lib.bin",
            ),
            (Message::GetInteractions, "get_interactions_nanome_lib.bin"),
            (Message::AddVolume, "add_volume_gly_nanome_lib.bin"),
            (
                Message::Integration,
                "integration_hydrogen_add_gly_nanome_lib.bin",
            ),
            (Message::LoadFile, "load_file_nanome_lib.bin"),
            (Message::SaveMacro, "save_macro_nanome_lib.bin"),
        ] {
            let index = Message::ALL.iter().position(|k| *k == kind).unwrap() as u8;
            let mut seed = vec![index];
            seed.extend(std::fs::read(bodies.join(file)).unwrap());
            seeds.push(seed);
        }
        fuzz("legacy_messages", corpus("legacy_messages", seeds), |b| {
            let Some((&pick, body)) = b.split_first() else {
                return;
            };
            let kind = Message::ALL[pick as usize % Message::ALL.len()];
            let payload = nts::legacy::serial::Frame::encode(3, kind.name(), body);
            let mut t = nts::legacy::translate::Translator::default();
            let out = t.from_plugin(&payload);
            assert!(
                !out.is_empty() || matches!(kind, Message::Connect | Message::HookUiCallback),
                "{kind} got no answer"
            );
        });
    }
}
