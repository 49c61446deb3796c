//! The gateway against the real nanome-lib (0.42.1 from PyPI, installed by `scripts/test`
//! into a cached virtualenv named by `NTS_NANOME_PYTHON`): an unmodified plugin registers
//! over TLS and is acked, opens a session when Nanome's `connect` comes and answers `run`;
//! one with a refused key exits as nanome-lib does on a refusal.

use nts::api::link::CloseCode;
use nts::legacy::conn::{Action, Refusal};
use nts::legacy::gateway::{Admitted, Command, Registrar, listen, self_signed_tls};
use nts::legacy::registration::Registration;
use nts::legacy::serial::{Frame, Reader};
use nts::session::{Link, Session};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

const KEY: &str = "ABCDEF0123456789";
const DEADLINE: Duration = Duration::from_secs(60);

/// What the test's registrar was asked: the registration, the id asked back, and where
/// that connection's commands go.
type Asked = (Registration, Option<u32>, mpsc::Sender<Command>);

/// Accepts [`KEY`] with id 7 (its connection's actions to the test), refuses any other;
/// tells the test what it was asked.
struct Keys {
    asked: mpsc::Sender<Asked>,
    actions: mpsc::Sender<Action>,
}

impl Registrar for Keys {
    async fn register(
        &self,
        r: Registration,
        previous: Option<u32>,
        commands: mpsc::Sender<Command>,
    ) -> Result<Admitted, Refusal> {
        let ok = r.auth.as_deref() == Some(KEY);
        let _ = self.asked.send((r, previous, commands)).await;
        if ok {
            Ok(Admitted {
                plugin_id: 7,
                events: self.actions.clone(),
            })
        } else {
            Err(Refusal("unknown key".into()))
        }
    }
}

fn python() -> String {
    std::env::var("NTS_NANOME_PYTHON")
        .expect("NTS_NANOME_PYTHON names a Python with nanome==0.42.1 (scripts/test installs one)")
}

/// A Python with nanome-lib 0.39.4, which many published plugins pin.
fn python_039() -> String {
    std::env::var("NTS_NANOME_039_PYTHON").expect(
        "NTS_NANOME_039_PYTHON names a Python with nanome==0.39.4 (scripts/test installs one)",
    )
}

/// A plugin process and its group: dropped, the whole group is killed (nanome-lib's
/// session processes are its children).
struct Group(tokio::process::Child);

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pid) = self.0.id() {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid as i32),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

impl std::ops::Deref for Group {
    type Target = tokio::process::Child;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl std::ops::DerefMut for Group {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

/// Starts the probe plugin; its log (stdout and stderr together) comes line by line.
fn plugin(port: u16, key: &str) -> (Group, mpsc::Receiver<String>) {
    run_plugin("probe.py", port, key)
}

/// Starts `script` with `python`.
fn run_plugin(script: &str, port: u16, key: &str) -> (Group, mpsc::Receiver<String>) {
    run_plugin_with(&python(), script, port, key)
}

/// Starts `tests/legacy-plugins/<script>` with `python`, in a process group of its own
/// (its session processes with it); its log comes line by line.
fn run_plugin_with(
    python: &str,
    script: &str,
    port: u16,
    key: &str,
) -> (Group, mpsc::Receiver<String>) {
    run_plugin_env(python, script, port, key, &[])
}

/// [`run_plugin_with`], with extra environment (nanome-lib's `PLUGIN_*` settings).
fn run_plugin_env(
    python: &str,
    script: &str,
    port: u16,
    key: &str,
    env: &[(&str, &str)],
) -> (Group, mpsc::Receiver<String>) {
    use tokio::io::AsyncBufReadExt;
    let script = format!(
        "{}/tests/legacy-plugins/{script}",
        env!("CARGO_MANIFEST_DIR")
    );
    let home = tempfile::tempdir().unwrap().keep(); // nanome-lib writes its config under $HOME
    let mut child = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(r#"exec "$0" "$@" 2>&1"#)
        .arg(python)
        .arg(script)
        .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-k", key])
        .env("HOME", &home)
        .envs(env.iter().copied())
        .process_group(0)
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
    (Group(child), rx)
}

/// The accepted connection's next action.
async fn action(events: &mut mpsc::Receiver<Action>) -> Action {
    events.recv().await.expect("the connection's actions go on")
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
        Arc::new(Keys {
            asked: asked_tx,
            actions: events_tx,
        }),
        stop.clone(),
    )
    .await
    .unwrap();

    let (mut accepted, mut log) = plugin(addr.port(), KEY);
    let (r, previous, commands) = tokio::time::timeout(DEADLINE, asked.recv())
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

    let (mut refused, mut refused_log) = plugin(addr.port(), "FFFF");
    let (r, _, _) = tokio::time::timeout(DEADLINE, asked.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(r.auth.as_deref(), Some("FFFF"));
    let status = tokio::time::timeout(DEADLINE, refused.wait())
        .await
        .expect("a refused plugin exits")
        .unwrap();
    assert_eq!(status.code(), Some(1), "nanome-lib exits 1 on a refusal");
    if let Err(seen) = logged(&mut refused_log, "Connection refused by NTS").await {
        panic!("the refused plugin did not say why it exits; it logged: {seen:#?}");
    }
    assert!(
        accepted.try_wait().unwrap().is_none(),
        "the other plugin is unharmed"
    );
    stop.cancel();
}

mod common;

/// A glycine: five atoms (N, CA, C, O, OXT) whose bonds the session infers by distance.
const GLY_PDB: &str = "\
ATOM      1  N   GLY A   1      -1.195   0.339   0.000  1.00  0.00           N
ATOM      2  CA  GLY A   1       0.000  -0.507   0.000  1.00  0.00           C
ATOM      3  C   GLY A   1       1.256   0.348   0.000  1.00  0.00           C
ATOM      4  O   GLY A   1       1.197   1.570   0.000  1.00  0.00           O
ATOM      5  OXT GLY A   1       2.381  -0.290   0.000  1.00  0.00           O
END
";

/// `nts legacy` on `sys` (with `extra` flags), listening on a free port: it and the port.
async fn nts_legacy(sys: &common::System, extra: &[&str]) -> (common::Proc, u16) {
    let mut gateway = common::spawn(
        sys.nts()
            .args(["legacy", "--listen", "127.0.0.1:0"])
            .args(extra),
    );
    let ready = gateway.wait_line("ready").await;
    let port = ready
        .rsplit(':')
        .next()
        .and_then(|p| p.trim().parse().ok())
        .unwrap_or_else(|| panic!("no port in {ready:?}"));
    (gateway, port)
}

/// Waits until the plugin whose log is `log` says it was registered.
async fn registered(log: &mut mpsc::Receiver<String>) {
    if let Err(seen) = logged(log, "Registered with plugin ID").await {
        panic!("the plugin was not registered; it logged: {seen:#?}");
    }
}

/// A file holding plugin `name`'s key, in `dir`.
fn key_file(sys: &common::System, dir: &std::path::Path, name: &str) -> String {
    let path = dir.join(format!("{name}.key"));
    std::fs::write(&path, common::plugin_key(&sys.profile, name)).unwrap();
    path.to_str().unwrap().to_string()
}

/// A session of its own (user `who`) connected to `plugin`.
async fn connect(sys: &common::System, who: &str, plugin: &str) -> (Session, Link) {
    let lobby = sys.lobby().await;
    let session = Session::open(&lobby, &format!("room-{who}"), common::user(who))
        .await
        .unwrap();
    let link = session.connect(plugin).await.unwrap();
    (session, link)
}

/// The same plugin through `nts legacy` on a real deployment: registered with its plugin
/// key (from a file, as nanome-lib reads keys), listed to sessions like a native plugin,
/// run from the headless session; a kind the bridge does not translate is an error the
/// session sees by name; a wrong key is refused while the other plugin runs on.
#[tokio::test]
async fn a_nanome_lib_plugin_joins_through_nts_legacy_as_a_plugin_like_any_other() {
    joins_as_a_plugin_like_any_other(&python()).await;
}

/// The same with nanome-lib 0.39.4 (its own serializer versions negotiated).
#[tokio::test]
async fn a_nanome_lib_0_39_plugin_joins_the_same_way() {
    joins_as_a_plugin_like_any_other(&python_039()).await;
}

async fn joins_as_a_plugin_like_any_other(python: &str) {
    let sys = common::System::start().await;
    let (mut gateway, port) = nts_legacy(&sys, &[]).await;
    let keys = tempfile::tempdir().unwrap();
    let key_file = keys.path().join("probe.key");
    std::fs::write(&key_file, common::plugin_key(&sys.profile, "Probe")).unwrap();

    let (mut probe, mut log) =
        run_plugin_with(python, "probe.py", port, key_file.to_str().unwrap());
    registered(&mut log).await;
    let list = common::output(sys.nts().args(["session", "list", "--json"])).await;
    let doc: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let probe_entry = doc["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Probe")
        .unwrap_or_else(|| panic!("Probe is not listed: {doc}"));
    assert_eq!(probe_entry["category"], "Test");
    assert_eq!(probe_entry["tags"], serde_json::json!(["Test", "Other"]));

    let run = common::output(sys.nts().args([
        "session",
        "run",
        "Probe",
        "--json",
        "--exit-on",
        "notification",
        "--for",
        "30",
    ]))
    .await;
    let out = common::text(&run.stdout);
    assert!(run.status.success(), "{out}\n{}", common::text(&run.stderr));
    let notification = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["kind"] == "notification")
        .unwrap_or_else(|| panic!("no notification in {out}"));
    assert!(
        notification.to_string().contains("\"hi\""),
        "{notification}"
    );

    // Advanced settings, with a structure loaded: the probe reads the complex list, the
    // complex deep, updates it, reads the workspace, adds a copy, then asks for what the
    // bridge does not translate.
    let pdb = keys.path().join("gly.pdb");
    std::fs::write(&pdb, GLY_PDB).unwrap();
    let run = common::output(sys.nts().args([
        "session",
        "run",
        "Probe",
        "--advanced",
        "--load",
        pdb.to_str().unwrap(),
        "--json",
        "--exit-on",
        "error",
        "--for",
        "30",
    ]))
    .await;
    let out = common::text(&run.stdout);
    let said: Vec<String> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|v| v["kind"] == "notification")
        .map(|v| v["body"]["text"].as_str().unwrap_or_default().to_string())
        // The run ends at the SMILES export's error; the plugin's answer to its empty
        // result may or may not arrive first.
        .filter(|t| t != "no smiles")
        .collect();
    assert_eq!(
        said,
        [
            "1 complexes",
            "gly: 5 atoms, 4 bonds",
            "workspace: moved",
            "added 1",
            "now: 5+5",
            "transforms",
            "shapes 2 of 2",
            "destroyed 2",
            "streamed",
            "x 8.8",
            "exported pdb"
        ],
        "{out}\n{}",
        common::text(&run.stderr)
    );
    assert!(
        out.contains("not supported by the legacy bridge: export as SMILES"),
        "{out}"
    );
    assert!(
        out.contains("https://example.org/docs"),
        "the URL opened: {out}"
    );

    let wrong = keys.path().join("wrong.key");
    std::fs::write(&wrong, common::plugin_key(&sys.profile, "Someone else")).unwrap();
    let (mut refused, mut refused_log) =
        run_plugin_with(python, "probe.py", port, wrong.to_str().unwrap());
    let status = tokio::time::timeout(DEADLINE, refused.wait())
        .await
        .expect("a refused plugin exits")
        .unwrap();
    assert_eq!(status.code(), Some(1), "nanome-lib exits 1 on a refusal");
    if let Err(seen) = logged(&mut refused_log, "Connection refused by NTS").await {
        panic!("the refused plugin did not say why; it logged: {seen:#?}");
    }
    assert!(
        probe.try_wait().unwrap().is_none(),
        "the other plugin is unharmed"
    );
    gateway.signal(nix::sys::signal::Signal::SIGINT);
    assert!(gateway.wait().await.success());
}

/// A session process that dies (an exception in `on_run`) closes that session's link with
/// the reason and nothing else; the plugin process dying closes every link it had as a
/// lost plugin, which leaves the list.
#[tokio::test]
async fn a_crashed_session_closes_its_link_and_a_dead_plugin_is_lost() {
    let sys = common::System::start().await;
    let (_gateway, port) = nts_legacy(&sys, &["--reattach", "1"]).await;
    let keys = tempfile::tempdir().unwrap();
    let (mut crasher, mut log) =
        run_plugin("crasher.py", port, &key_file(&sys, keys.path(), "Crasher"));
    registered(&mut log).await;
    let (_s1, mut crashing) = connect(&sys, "alice", "Crasher").await;
    let (_s2, mut alive) = connect(&sys, "bob", "Crasher").await;
    crashing.run().await.unwrap();
    let reason = common::closed(&mut crashing).await;
    assert_eq!(reason.code, CloseCode::InstanceCrashed, "{reason:?}");
    assert!(reason.message.contains("ended"), "{reason:?}");
    alive.advanced_settings().await.unwrap();
    assert_eq!(common::next_notification(&mut alive).await, "alive");

    crasher.start_kill().unwrap();
    let reason = common::closed(&mut alive).await;
    assert_eq!(reason.code, CloseCode::HostLost, "{reason:?}");
    assert!(reason.message.contains("Crasher"), "{reason:?}");
    let lobby = sys.lobby().await;
    let gone = tokio::time::timeout(common::WAIT, async {
        loop {
            let list = lobby.plugins().await.unwrap();
            if !list.plugins.iter().any(|p| p.metadata.name == "Crasher") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(gone.is_ok(), "a lost legacy plugin leaves the plugin list");
}

/// Relays TCP from a port of its own to `to` until told to cut every connection it
/// carries (a network blip between a plugin and the gateway).
async fn proxy(to: u16) -> (u16, tokio::sync::watch::Sender<u32>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (cut, cuts) = tokio::sync::watch::channel(0u32);
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let mut cuts = cuts.clone();
            cuts.mark_unchanged();
            tokio::spawn(async move {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(("127.0.0.1", to)).await
                else {
                    return;
                };
                tokio::select! {
                    _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                    _ = cuts.changed() => {}
                }
            });
        }
    });
    (port, cut)
}

/// A plugin whose connection drops comes back asking for its id: it gets it, and the
/// session it served goes on over the new connection (nanome-lib's session processes
/// survive a reconnect; the gateway keeps the link while it waits).
#[tokio::test]
async fn a_plugin_that_reconnects_keeps_its_id_and_its_sessions() {
    let sys = common::System::start().await;
    let (_gateway, port) = nts_legacy(&sys, &[]).await;
    let (via, cut) = proxy(port).await;
    let keys = tempfile::tempdir().unwrap();
    let (mut probe, mut log) = plugin(via, &key_file(&sys, keys.path(), "Probe"));
    registered(&mut log).await;
    let (_session, mut link) = connect(&sys, "alice", "Probe").await;
    link.run().await.unwrap();
    assert_eq!(common::next_notification(&mut link).await, "hi");

    cut.send_modify(|n| *n += 1);
    // nanome-lib sees the connection close, reconnects a second later with its id, and is
    // acked with the same one.
    if let Err(seen) = logged(&mut log, "Registered with plugin ID 1").await {
        panic!("the plugin did not get its id back; it logged: {seen:#?}");
    }
    link.run().await.unwrap();
    assert_eq!(common::next_notification(&mut link).await, "hi");
    assert!(probe.try_wait().unwrap().is_none());
}

/// A connection that sends a malformed packet (a negative or absurd length, an unknown
/// type, a registration that is not JSON) is closed alone; a registered plugin on the same
/// gateway goes on serving.
#[tokio::test]
async fn a_malformed_packet_closes_only_its_own_connection() {
    let sys = common::System::start().await;
    let (_gateway, port) = nts_legacy(&sys, &[]).await;
    let keys = tempfile::tempdir().unwrap();
    let (mut probe, mut log) = plugin(port, &key_file(&sys, keys.path(), "Probe"));
    registered(&mut log).await;
    let (_session, mut link) = connect(&sys, "alice", "Probe").await;
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/legacy-plugins/garbage.py"
    );
    for kind in ["negative", "huge", "type", "json"] {
        let out = tokio::time::timeout(
            DEADLINE,
            tokio::process::Command::new(python())
                .args([script, &port.to_string(), kind])
                .output(),
        )
        .await
        .expect("the gateway closes a malformed connection")
        .unwrap();
        let said = String::from_utf8_lossy(&out.stdout);
        assert!(
            said.starts_with("closed"),
            "{kind}: {said} {}",
            String::from_utf8_lossy(&out.stderr)
        );
        link.run().await.unwrap();
        assert_eq!(
            common::next_notification(&mut link).await,
            "hi",
            "after {kind}"
        );
    }
    assert!(probe.try_wait().unwrap().is_none());
}

/// Two gateways serve one deployment: a plugin connected to each is two hosts of one
/// plugin, and sessions reach it through either.
#[tokio::test]
async fn two_gateways_serve_one_plugin_as_two_hosts() {
    let sys = common::System::start().await;
    let (mut g1, port1) = nts_legacy(&sys, &[]).await;
    let (_g2, port2) = nts_legacy(&sys, &[]).await;
    let keys = tempfile::tempdir().unwrap();
    let key = key_file(&sys, keys.path(), "Probe");
    let (_p1, mut log1) = plugin(port1, &key);
    let (_p2, mut log2) = plugin(port2, &key);
    for log in [&mut log1, &mut log2] {
        registered(log).await;
    }
    let lobby = sys.lobby().await;
    let list = lobby.plugins().await.unwrap();
    let probe = list
        .plugins
        .iter()
        .find(|p| p.metadata.name == "Probe")
        .expect("listed");
    assert_eq!(probe.hosts, 2, "{probe:?}");
    let (_s, mut l) = connect(&sys, "a", "Probe").await;
    l.run().await.unwrap();
    assert_eq!(common::next_notification(&mut l).await, "hi");
    // The first gateway stops (its plugin's host deregisters): the plugin is still there,
    // through the other.
    g1.signal(nix::sys::signal::Signal::SIGINT);
    assert!(g1.wait().await.success());
    let list = lobby.plugins().await.unwrap();
    let probe = list.plugins.iter().find(|p| p.metadata.name == "Probe");
    assert_eq!(probe.map(|p| p.hosts), Some(1), "{probe:?}");
    for who in ["b", "c", "d"] {
        let (_s, mut l) = connect(&sys, who, "Probe").await;
        l.run().await.unwrap();
        assert_eq!(common::next_notification(&mut l).await, "hi");
    }
}

/// A presenter change reaches the plugin as nanome-lib's `presenter_change`; it asks who
/// presents now and hears the new presenter.
#[tokio::test]
async fn a_presenter_change_reaches_the_plugin_and_it_hears_the_new_presenter() {
    let sys = common::System::start().await;
    let (_gateway, port) = nts_legacy(&sys, &[]).await;
    let keys = tempfile::tempdir().unwrap();
    let (_probe, mut log) = plugin(port, &key_file(&sys, keys.path(), "Probe"));
    registered(&mut log).await;
    let (alice, bob) = common::room_of_two(&sys, "alice", "bob").await;
    let mut link = alice.connect("Probe").await.unwrap();
    alice.set_presenter(bob.user_id()).await.unwrap();
    assert_eq!(common::next_notification(&mut link).await, "presenter: bob");
}

/// With nanome-lib's remote logging on, a session process's log records reach that link's
/// log (`nts logs`), as a native instance's stderr does.
#[tokio::test]
async fn a_plugins_remote_log_records_reach_nts_logs() {
    let sys = common::System::start().await;
    let (_gateway, port) = nts_legacy(&sys, &[]).await;
    let keys = tempfile::tempdir().unwrap();
    let key = key_file(&sys, keys.path(), "Probe");
    let (_probe, mut log) = run_plugin_env(
        &python(),
        "probe.py",
        port,
        &key,
        &[("PLUGIN_REMOTE_LOGGING", "true")],
    );
    registered(&mut log).await;
    let mut logs =
        common::spawn_ready(sys.nts().args(["logs", "--plugin", "Probe", "--for", "30"])).await;
    let run = common::output(sys.nts().args([
        "session",
        "run",
        "Probe",
        "--exit-on",
        "notification",
        "--for",
        "20",
    ]))
    .await;
    assert!(run.status.success(), "{}", common::text(&run.stderr));
    let line = logs.wait_line("Probe/").await;
    let mut lines = vec![line];
    while !lines.iter().any(|l| l.contains("run pressed")) {
        lines.push(logs.wait_line("Probe/").await);
    }
}

/// A nanome-lib menu (loaded from JSON and built in code) is shown to the session, which
/// acts on it as a VR user would: each widget's event reaches the plugin, whose answers (a
/// label changed by `update_content`, notifications) come back.
#[tokio::test]
async fn a_nanome_lib_menu_is_shown_and_every_widget_answers() {
    use nts::api::link::ToSession;
    use nts::api::ui::Content;
    use nts::session::LinkEvent;
    use nts::session::ui::UiAction;
    let sys = common::System::start().await;
    let (_gateway, port) = nts_legacy(&sys, &[]).await;
    let keys = tempfile::tempdir().unwrap();
    let (_plugin, mut log) = run_plugin("menus.py", port, &key_file(&sys, keys.path(), "Menus"));
    registered(&mut log).await;
    let (_session, mut link) = connect(&sys, "alice", "Menus").await;
    link.run().await.unwrap();
    // The menu arrives whole: the JSON part and the part built in code.
    loop {
        if let LinkEvent::Message(env) = common::next_event(&mut link).await
            && matches!(env.msg, ToSession::MenuUpdate(_))
        {
            break;
        }
    }
    let menus = link.menus().await;
    assert_eq!(menus.len(), 1);
    assert_eq!(menus[0].title, "Counter");
    let shown = link.render_menus().await;
    assert!(
        shown.contains("count: 0") && shown.contains("Add"),
        "{shown}"
    );
    let (mut slider, mut dropdown) = (None, None);
    menus[0].root.walk(&mut |n| match &n.content {
        Some(Content::Slider(s)) => slider = Some(s.id),
        Some(Content::Dropdown(d)) => dropdown = Some(d.id),
        _ => {}
    });
    let (slider, dropdown) = (slider.expect("a slider"), dropdown.expect("a dropdown"));
    let act = |line: String| UiAction::parse(&line).unwrap();

    for _ in 0..2 {
        link.act(&act("press Add".into())).await.unwrap();
        loop {
            if let LinkEvent::Message(env) = common::next_event(&mut link).await
                && matches!(env.msg, ToSession::ContentUpdate(_))
            {
                break;
            }
        }
    }
    assert!(
        link.render_menus().await.contains("count: 2"),
        "{}",
        link.render_menus().await
    );
    link.act(&act(r#"submit "Your name" Ada"#.into()))
        .await
        .unwrap();
    assert_eq!(common::next_notification(&mut link).await, "hello Ada");
    link.act(&act(format!("slide #{slider} 7"))).await.unwrap();
    assert_eq!(common::next_notification(&mut link).await, "level 7");
    link.act(&act(format!("select #{dropdown} beta")))
        .await
        .unwrap();
    assert_eq!(common::next_notification(&mut link).await, "picked beta");
}

/// The reconnect herd: after an NTS restart every nanome-lib plugin reconnects in the
/// same second (no jitter in its backoff). 200 registering at once are all admitted, each
/// with its own id, and all are listed to sessions.
#[tokio::test]
async fn a_herd_of_reconnecting_plugins_is_absorbed() {
    use tokio::io::AsyncBufReadExt;
    const HERD: usize = 200;
    let sys = common::System::start().await;
    let (_gateway, port) = nts_legacy(&sys, &["--mint-keys"]).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/legacy-plugins/herd.py");
    let mut herd = tokio::process::Command::new(python())
        .args([script, &port.to_string(), &HERD.to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = tokio::io::BufReader::new(herd.stdout.take().unwrap()).lines();
    let line = tokio::time::timeout(Duration::from_secs(120), out.next_line())
        .await
        .expect("the herd is admitted within two minutes")
        .unwrap()
        .unwrap_or_default();
    assert_eq!(line, format!("acked {HERD} distinct {HERD}"));
    let lobby = sys.lobby().await;
    let list = lobby.plugins().await.unwrap();
    let listed = list
        .plugins
        .iter()
        .filter(|p| p.metadata.name.starts_with("Herd-"))
        .count();
    assert_eq!(listed, HERD);
}

/// A ligand and two waters, to follow [`GLY_PDB`]'s atoms.
const LIGAND_AND_WATER: &str = "\
HETATM    6  C1  LIG B   1       5.000   5.000   5.000  1.00  0.00           C
HETATM    7  O   HOH C   1       9.000   9.000   9.000  1.00  0.00           O
HETATM    8  O   HOH C   2      12.000  12.000  12.000  1.00  0.00           O
END
";

/// What a legacy plugin said (its notifications) and what the session was told went wrong
/// (errors, as text), until it says `last`.
async fn said_until(link: &mut Link, last: &str) -> (Vec<String>, Vec<String>) {
    let (mut said, mut errors) = (vec![], vec![]);
    while said.last().map(String::as_str) != Some(last) {
        match common::next_event(link).await {
            nts::session::LinkEvent::Message(env) => match env.msg {
                nts::api::link::ToSession::Notification(n) => said.push(n.text),
                nts::api::link::ToSession::Error(e) => errors.push(e.message),
                _ => {}
            },
            nts::session::LinkEvent::Closed(r) => {
                panic!("the link closed ({r:?}); the plugin said {said:#?}, errors {errors:#?}")
            }
        }
    }
    (said, errors)
}

/// The rest of nanome-lib's API through the gateway, from an unmodified plugin: an
/// interaction made, found and destroyed; the files API inside the session's files
/// directory (and refused outside it, with nanome-lib's code); files sent to load, read by
/// nts's readers (a bad one reported, the good one loaded); a macro saved and listed; a
/// colour scheme; hooks on a complex that report the user's edits and selection; and an
/// integration the session calls, answered by the plugin.
#[tokio::test]
async fn a_nanome_lib_plugin_uses_interactions_files_macros_hooks_and_integrations() {
    use nts::api::integration::{IntegrationRequest, IntegrationResult};
    let sys = common::System::start().await;
    let (_gateway, port) = nts_legacy(&sys, &[]).await;
    let keys = tempfile::tempdir().unwrap();
    let (_bench, mut log) = run_plugin(
        "workbench.py",
        port,
        &key_file(&sys, keys.path(), "Workbench"),
    );
    registered(&mut log).await;
    // The plugin's log, shown when the test fails.
    tokio::spawn(async move {
        while let Some(line) = log.recv().await {
            eprintln!("workbench: {line}");
        }
    });

    let files = tempfile::tempdir().unwrap();
    let root = files.path().join("root");
    std::fs::create_dir(&root).unwrap();
    std::fs::write(files.path().join("outside.txt"), "not the plugin's").unwrap();
    let pdb = keys.path().join("gly.pdb");
    std::fs::write(
        &pdb,
        format!("{}{LIGAND_AND_WATER}", GLY_PDB.trim_end_matches("END\n")),
    )
    .unwrap();
    let lobby = sys.lobby().await;
    let mut session = Session::open(&lobby, "room-bench", common::user("bench"))
        .await
        .unwrap();
    session.set_files_dir(root.clone());
    session
        .add_complexes(vec![nts::files::load(&pdb).unwrap()])
        .await
        .unwrap();
    let mut link = session.connect("Workbench").await.unwrap();
    link.advanced_settings().await.unwrap();
    let (said, errors) = said_until(&mut link, "workbench done").await;
    assert_eq!(
        said,
        [
            "interaction made",
            "found 1: HydrogenBond",
            "after destroy 0",
            "put 0",
            "ls 0: note.txt 21",
            "get 0: hello from nanome-lib",
            "rm missing 1",
            "escape 4",
            "directory 0: note.txt",
            "files: 0 hello from nanome-lib,1 ",
            "saved: out/saved.txt 0",
            "load: 0,1",
            "complexes: gly,ala",
            "substructures: A Protein 1,LIG Ligand 1,solvent Solvent 2",
            "ligands: LIG",
            "macros: spin",
            "volume added",
            "workbench done",
        ],
        "errors the session saw: {errors:#?}"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("out/note.txt")).unwrap(),
        "hello from nanome-lib"
    );
    assert_eq!(
        std::fs::read_to_string(root.join("out/saved.txt")).unwrap(),
        "saved by save_files"
    );
    assert!(
        errors.iter().any(|e| e.contains("junk.pdb")),
        "the bad file is named: {errors:#?}"
    );

    // The session calls the integration the plugin declared; the plugin answers.
    let ws = session.workspace().await;
    let gly = ws.complexes[0].clone();
    let result = link
        .integration(
            IntegrationRequest::HydrogenAdd {
                complexes: vec![gly.clone()],
            },
            DEADLINE,
        )
        .await
        .unwrap();
    let IntegrationResult::Complexes { complexes } = result else {
        panic!("hydrogen_add answered {result:?}")
    };
    assert_eq!(complexes[0].name, "gly with H");
    assert_eq!(complexes[0].atoms().count(), gly.atoms().count());

    // The user edits the hooked complex, then selects two of its atoms.
    let mut edited = gly.clone();
    edited.name = "renamed".into();
    session
        .update_complexes(vec![edited.clone()])
        .await
        .unwrap();
    let (said, _) = said_until(&mut link, "updated: renamed").await;
    assert_eq!(said, ["updated: renamed"]);
    for a in edited.atoms_mut().take(2) {
        a.selected = true;
    }
    session.update_complexes(vec![edited]).await.unwrap();
    let (said, _) = said_until(&mut link, "selected: 2").await;
    assert!(
        said.iter()
            .all(|s| s.starts_with("updated") || s.starts_with("selected")),
        "{said:?}"
    );
}
