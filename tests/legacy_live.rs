//! The gateway against the real nanome-lib (0.42.1 from PyPI, installed by `scripts/test`
//! into a cached virtualenv named by `NTS_NANOME_PYTHON`): an unmodified plugin registers
//! over TLS and is acked, opens a session when Nanome's `connect` comes and answers `run`;
//! one with a refused key exits as nanome-lib does on a refusal.

use nts::legacy::conn::{Action, Refusal};
use nts::legacy::gateway::{Command, Event, Registrar, listen, self_signed_tls};
use nts::legacy::registration::Registration;
use nts::legacy::serial::{Frame, Reader};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const KEY: &str = "ABCDEF0123456789";
const DEADLINE: Duration = Duration::from_secs(60);

/// Accepts [`KEY`] with id 7, refuses any other; tells the test what it was asked.
struct Keys(mpsc::Sender<(Registration, Option<u32>)>);

impl Registrar for Keys {
    async fn register(&self, r: Registration, previous: Option<u32>) -> Result<u32, Refusal> {
        let ok = r.auth.as_deref() == Some(KEY);
        let _ = self.0.send((r, previous)).await;
        if ok {
            Ok(7)
        } else {
            Err(Refusal("unknown key".into()))
        }
    }
}

fn python() -> String {
    std::env::var("NTS_NANOME_PYTHON")
        .expect("NTS_NANOME_PYTHON names a Python with nanome==0.42.1 (scripts/test installs one)")
}

/// Starts the probe plugin; its log (stdout and stderr together) comes line by line.
fn plugin(port: u16, key: &str) -> (tokio::process::Child, mpsc::Receiver<String>) {
    use tokio::io::AsyncBufReadExt;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/legacy-plugins/probe.py");
    let home = tempfile::tempdir().unwrap().keep(); // nanome-lib writes its config under $HOME
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(r#"exec "$0" "$@" 2>&1"#)
        .arg(python())
        .arg(script)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-k", key])
        .env("HOME", &home)
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("the plugin starts");
    let (tx, rx) = mpsc::channel(256);
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            if tx.send(line).await.is_err() {
                break;
            }
        }
    });
    (child, rx)
}

/// The next event, which must be a connection's action.
async fn action(events: &mut mpsc::Receiver<Event>) -> Action {
    match events.recv().await {
        Some(Event::Connection { action, .. }) => action,
        other => panic!("{other:?}"),
    }
}

/// Waits for a log line containing `text`; the lines seen, if it never comes.
async fn logged(log: &mut mpsc::Receiver<String>, text: &str) -> Result<(), Vec<String>> {
    let mut seen = Vec::new();
    let found = tokio::time::timeout(DEADLINE, async {
        while let Some(line) = log.recv().await {
            if line.contains(text) {
                return true;
            }
            seen.push(line);
        }
        false
    })
    .await;
    match found {
        Ok(true) => Ok(()),
        _ => Err(seen),
    }
}

#[tokio::test]
async fn an_unmodified_nanome_lib_plugin_registers_and_a_refused_one_exits() {
    let (asked_tx, mut asked) = mpsc::channel(8);
    let (events_tx, mut events) = mpsc::channel(64);
    let stop = CancellationToken::new();
    let addr = listen(
        "127.0.0.1:0".parse().unwrap(),
        self_signed_tls().unwrap(),
        Arc::new(Keys(asked_tx)),
        events_tx,
        stop.clone(),
    )
    .await
    .unwrap();

    let (mut accepted, mut log) = plugin(addr.port(), KEY);
    let (r, previous) = tokio::time::timeout(DEADLINE, asked.recv())
        .await
        .expect("the plugin registers within a minute")
        .unwrap();
    assert_eq!((r.name.as_str(), r.category.as_str()), ("Probe", "Test"));
    assert_eq!(r.tags, ["Test", "Other"]);
    assert_eq!(previous, None, "a new plugin asks for no id");
    // nanome-lib took the ack: it logs the id it was given.
    if let Err(seen) = logged(&mut log, "Registered with plugin ID 7").await {
        panic!("the plugin did not log its id; it logged: {seen:#?}");
    }
    assert!(
        accepted.try_wait().unwrap().is_none(),
        "the accepted plugin runs on"
    );

    let Some(Event::Registered {
        plugin_id: 7,
        commands,
        ..
    }) = tokio::time::timeout(DEADLINE, events.recv()).await.unwrap()
    else {
        panic!("the registration is the first event")
    };

    // A session: Nanome's connect; the plugin's session process answers with its own
    // versions and asks who the presenter is, as every 0.42.1 session does.
    commands
        .send(Command::OpenSession {
            session_id: 42,
            versions: vec![("Atom".into(), 5), ("Complex".into(), 3)],
        })
        .await
        .unwrap();
    let mut said = Vec::new();
    let reply = tokio::time::timeout(DEADLINE, async {
        loop {
            match action(&mut events).await {
                Action::SessionConnected {
                    session_id: 42,
                    reply,
                } => break reply,
                Action::FromSession {
                    session_id: 42,
                    payload,
                } => said.push(payload),
                other => panic!("{other:?}"),
            }
        }
    })
    .await
    .expect("the session connects");
    assert_eq!((reply.compression, reply.versions.len()), (0, 137));
    // `run`: the plugin's on_run sends the notification "hi".
    commands
        .send(Command::ToSession {
            session_id: 42,
            payload: Frame::encode(0, "run", &[]),
        })
        .await
        .unwrap();
    let text = tokio::time::timeout(DEADLINE, async {
        loop {
            while let Some(payload) = said.pop() {
                let f = Frame::parse(&payload).unwrap();
                if f.is("notification_send") {
                    let mut r = Reader::new(f.body);
                    r.u32("the notification type").unwrap();
                    return r.string("the text").unwrap();
                }
                assert!(f.is("presenter_info_request"), "{:#x}", f.hash);
            }
            match action(&mut events).await {
                Action::FromSession {
                    session_id: 42,
                    payload,
                } => said.push(payload),
                other => panic!("{other:?}"),
            }
        }
    })
    .await
    .expect("the plugin answers run");
    assert_eq!(text, "hi");

    let (mut refused, _refused_log) = plugin(addr.port(), "FFFF");
    let (r, _) = tokio::time::timeout(DEADLINE, asked.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.auth.as_deref(), Some("FFFF"));
    let status = tokio::time::timeout(DEADLINE, refused.wait())
        .await
        .expect("a refused plugin exits")
        .unwrap();
    assert_eq!(status.code(), Some(1), "nanome-lib exits 1 on a refusal");
    let closed = tokio::time::timeout(DEADLINE, events.recv())
        .await
        .unwrap()
        .unwrap();
    assert!(
        matches!(&closed, Event::Connection { action: Action::Close(why), .. } if why == "unknown key"),
        "{closed:?}"
    );
    assert!(
        accepted.try_wait().unwrap().is_none(),
        "the other plugin is unharmed"
    );
    stop.cancel();
}
