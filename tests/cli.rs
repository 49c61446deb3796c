//! The `nts` command line as a user runs it: `nts up`, `nts session list|run`.

mod common;

use common::*;
use nix::sys::signal::Signal;
use tokio::process::Command;

#[tokio::test]
async fn session_list_prints_a_table_and_json() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let out = output(sys.nts().args(["session", "list"])).await;
    assert!(out.status.success());
    let table = text(&out.stdout);
    assert!(
        table.starts_with("NAME") && table.contains("hello"),
        "{table}"
    );

    let out = output(sys.nts().args(["session", "list", "--json"])).await;
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document");
    let plugins = doc["plugins"].as_array().unwrap();
    assert_eq!(plugins.len(), 1);
    assert_eq!(plugins[0]["name"], "hello");
    assert_eq!(plugins[0]["has_advanced"], true);
}

#[tokio::test]
async fn session_run_streams_json_lines_and_exits_after_for() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let out = output(sys.nts().args([
        "session", "run", "hello", "--json", "--for", "2", "--user", "Ada",
    ]))
    .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let lines: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each line is JSON"))
        .collect();
    let kinds: Vec<&str> = lines.iter().map(|l| l["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds.first(), Some(&"connected"));
    assert_eq!(kinds.last(), Some(&"closed"));
    let notes: Vec<&str> = lines
        .iter()
        .filter(|l| l["kind"] == "notification")
        .map(|l| l["body"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(notes, ["Hello from nts!", "Hello, Ada!"]);
}

#[tokio::test]
async fn session_run_advanced_settings() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let out = output(sys.nts().args([
        "session",
        "run",
        "hello",
        "--advanced",
        "--exit-on",
        "notification",
    ]))
    .await;
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(stdout.contains("hello serves session"), "{stdout}");
    assert!(
        stdout.contains("1 macro saved; head at 1.6 m"),
        "macros and controllers answered: {stdout}"
    );
    assert!(
        stdout.contains("open_url http://localhost/docs"),
        "{stdout}"
    );
    assert!(
        stdout.contains("set_plugin_list_button Run text=Some(\"Say hello again\")"),
        "{stdout}"
    );
}

#[tokio::test]
async fn session_run_reports_a_crash_with_a_nonzero_exit() {
    let sys = System::start().await;
    let _crash = sys.plugin("crash").await;
    let out = output(sys.nts().args(["session", "run", "crash"])).await;
    assert_eq!(out.status.code(), Some(3));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("crashing now") && stdout.contains("signal 6"),
        "{stdout}"
    );
}

#[tokio::test]
async fn session_run_failures_are_clear() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let out = output(sys.nts().args(["session", "run", "nope"])).await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("no plugin named \"nope\""),
        "{}",
        text(&out.stderr)
    );

    let out = output(sys.nts().args(["session", "run", "hello", "--for=0"])).await;
    assert!(!out.status.success());
    assert!(text(&out.stderr).contains("--for"), "{}", text(&out.stderr));

    // Refused before the run starts (a plugin that never exits would make them wait).
    for (flags, says) in [
        (
            &["--save", "out.xyz"][..],
            ".pdb, .cif, .sdf, .mol2 or .pqr",
        ),
        (&["--exit-on", ""][..], "not a message kind"),
        (&["--exit-on", "notifcation"][..], "not a message kind"),
    ] {
        let out = output(sys.nts().args(["session", "run", "hello"]).args(flags)).await;
        let err = text(&out.stderr);
        assert!(!out.status.success(), "{flags:?}");
        assert!(err.contains(says), "{flags:?}: {err}");
        assert!(
            !text(&out.stdout).contains("connected"),
            "{flags:?} ran first"
        );
    }

    // Special files and broken structures: one clear line, no panic text, no abort.
    let dir = tempfile::tempdir().unwrap();
    let zero = dir.path().join("zero.pdb");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let nan = dir.path().join("nan.pdb");
    std::fs::write(
        &nan,
        "ATOM      1  N   ALA A   1         nan     nan     nan  1.00  0.00           N\n",
    )
    .unwrap();
    for file in [&zero, &nan] {
        let out = output(
            sys.nts()
                .args(["session", "run", "hello", "--load"])
                .arg(file),
        )
        .await;
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{err}");
        assert!(err.contains("error: loading a structure failed"), "{err}");
        for bad in [
            "panicked",
            "RUST_BACKTRACE",
            "memory allocation",
            "Error {",
            "Custom(",
        ] {
            assert!(!err.contains(bad), "{bad:?} reached the user: {err}");
        }
    }
}

#[tokio::test]
async fn no_broker_and_no_profile_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = output(
        Command::new(NTS)
            .args(["session", "list"])
            .env("NTS_PROFILE", dir.path().join("missing.json")),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("nts up"),
        "{}",
        text(&out.stderr)
    );

    // A profile pointing at a port nobody listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let profile = nts::connect::Profile {
        url: format!("tls://127.0.0.1:{port}"),
        ca_file: dir.path().join("ca.pem"),
        ticket: nts::connect::ticket::TicketKey::generate().issue(
            &nts::connect::ticket::Claims::new(
                nts::connect::ticket::TicketKind::User,
                "ann",
                std::time::Duration::from_secs(60),
            ),
        ),
        credentials: Default::default(),
        keys: None,
    };
    std::fs::write(dir.path().join("ca.pem"), "").unwrap();
    profile.save(&dir.path().join("p.json")).unwrap();
    let out = output(
        Command::new(NTS)
            .args(["session", "run", "hello"])
            .env("NTS_PROFILE", dir.path().join("p.json")),
    )
    .await;
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("cannot connect to the broker"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn nts_up_runs_everything_and_stops_cleanly() {
    let home = tempfile::tempdir().unwrap();
    let mut up = spawn_ready(
        Command::new(NTS)
            .args(["up"])
            .env("NTS_HOME", home.path())
            .env_remove("NTS_PROFILE"),
    )
    .await;
    let children = children_of(up.pid);
    assert!(!children.is_empty(), "nats-server runs as a child");

    // Another terminal: no flags, the profile is found through NTS_HOME.
    let list = output(&mut nts_at(home.path(), &["session", "list", "--json"])).await;
    let doc: serde_json::Value = serde_json::from_slice(&list.stdout).expect("json");
    let names: Vec<&str> = doc["plugins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "crash", "hbonds", "hello", "menu", "notes", "tour", "wiggle"
        ]
    );
    let run = output(
        Command::new(NTS)
            .args(["session", "run", "hello", "--for", "1"])
            .env("NTS_HOME", home.path())
            .env_remove("NTS_PROFILE"),
    )
    .await;
    assert!(
        text(&run.stdout).contains("Hello from nts!"),
        "{}",
        text(&run.stdout)
    );

    up.signal(Signal::SIGINT);
    assert!(up.wait().await.success());
    for pid in children {
        assert!(gone(pid).await, "child {pid} of nts up outlived it");
    }
}

#[tokio::test]
async fn nts_logs_follows_instance_stderr() {
    let sys = System::start().await;
    let _hello = sys.plugin("hello").await;
    let mut logs = spawn_ready(sys.nts().args(["logs", "--plugin", "hello", "--for", "15"])).await;
    let out = output(sys.nts().args(["session", "run", "hello", "--for", "1"])).await;
    assert!(out.status.success());
    let line = logs.wait_line("hello/").await;
    assert!(line.contains("hello: run pressed in session"), "{line}");
}

#[tokio::test]
async fn a_normal_stop_of_nts_up_logs_no_error() {
    use tokio::io::AsyncReadExt;
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(NTS)
        .args(["up"])
        .env("NTS_HOME", home.path())
        .env_remove("NTS_PROFILE")
        .env_remove("RUST_LOG")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut out = tokio::io::BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    tokio::time::timeout(
        WAIT,
        tokio::io::AsyncBufReadExt::read_line(&mut out, &mut line),
    )
    .await
    .expect("ready in time")
    .unwrap();
    assert!(line.starts_with("ready"), "{line}");
    // One session run, so links open and close, then Ctrl-C.
    let run = output(
        Command::new(NTS)
            .args(["session", "run", "hello", "--for", "0.5"])
            .env("NTS_HOME", home.path())
            .env_remove("NTS_PROFILE"),
    )
    .await;
    assert!(run.status.success());
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(child.id().unwrap() as i32),
        Signal::SIGINT,
    )
    .unwrap();
    let status = tokio::time::timeout(WAIT, child.wait())
        .await
        .unwrap()
        .unwrap();
    let mut err = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut err)
        .await
        .unwrap();
    assert!(status.success(), "{err}");
    for bad in ["ERROR", "lost the leader lease", "unreachable"] {
        assert!(!err.contains(bad), "a normal stop logged {bad:?}: {err}");
    }
}
