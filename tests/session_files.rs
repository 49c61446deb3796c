//! The files API: a plugin works in the session's files directory and nowhere else.

mod common;

use common::*;
use tokio::process::Command;

async fn run(sys: &System, args: &[&str]) -> (bool, String) {
    let out = tokio::time::timeout(
        WAIT,
        sys.nts()
            .args(["session", "run"])
            .args(args)
            .args(["--exit-on", "notification", "--json"])
            .output(),
    )
    .await
    .unwrap()
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let note = stdout
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .find(|v| v["kind"] == "notification")
        .map(|v| v["body"]["text"].as_str().unwrap_or_default().to_string())
        .unwrap_or_else(|| {
            format!(
                "no notification; stderr: {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
    (out.status.success(), note)
}

#[tokio::test]
async fn a_plugin_reads_and_writes_the_sessions_files() {
    let sys = System::start().await;
    let _notes = sys.plugin("notes").await;
    let dir = sys.dir.path().join("session-files");
    let d = dir.to_str().unwrap();
    let (ok, note) = run(&sys, &["notes", "--user", "Ada", "--files", d]).await;
    assert!(ok);
    assert_eq!(note, "1 notes: 1.txt");
    assert_eq!(
        std::fs::read_to_string(dir.join("notes/1.txt")).unwrap(),
        "note 1 by Ada\n"
    );
    let (_, note) = run(&sys, &["notes", "--files", d]).await;
    assert_eq!(
        note, "2 notes: 1.txt, 2.txt",
        "the directory persists across sessions that share it"
    );
}

#[tokio::test]
async fn paths_outside_the_directory_are_refused() {
    let sys = System::start().await;
    let _notes = sys.plugin("notes").await;
    let d = sys.dir.path().join("f");
    let (_, note) = run(
        &sys,
        &["notes", "--advanced", "--files", d.to_str().unwrap()],
    )
    .await;
    assert!(
        note.starts_with("refused as it should be") && note.contains("forbidden"),
        "{note}"
    );
}

#[tokio::test]
async fn no_directory_or_no_permission_means_no_files() {
    let sys = System::start().await;
    let _notes = sys.plugin("notes").await;
    let (_, note) = run(&sys, &["notes"]).await;
    assert!(note.contains("offers no files"), "{note}");

    // The same code hosted without declaring the permission.
    let mut cmd = Command::new(NTS);
    cmd.args([
        "host",
        "--name",
        "undeclared",
        "--",
        "/usr/bin/env",
        "NTS_INSTANCE=1",
        NTS,
        "plugin",
        "notes",
    ])
    .env("NTS_PROFILE", &sys.profile_path);
    let _host = spawn_ready(&mut cmd).await;
    let d = sys.dir.path().join("g");
    let (_, note) = run(&sys, &["undeclared", "--files", d.to_str().unwrap()]).await;
    assert!(note.contains("local_files_access"), "{note}");
    assert!(!d.join("notes").exists(), "nothing was written");
}
