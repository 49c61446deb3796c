//! The plugins under `examples/`, each run as the standalone program a plugin author
//! would build (`cargo run --example NAME`), driven by the headless session.

mod common;

use common::*;
use tokio::process::Command;

/// A built example program (cargo builds them with the tests).
fn example(name: &str) -> std::path::PathBuf {
    let bin = std::path::Path::new(NTS)
        .parent()
        .expect("target dir")
        .join("examples")
        .join(name);
    assert!(
        bin.exists(),
        "{} is missing: build it with `cargo build --examples`",
        bin.display()
    );
    bin
}

async fn start_example(sys: &System, name: &str) -> Proc {
    spawn_ready(Command::new(example(name)).env("NTS_PROFILE", &sys.profile_path)).await
}

async fn output(cmd: &mut Command) -> std::process::Output {
    tokio::time::timeout(WAIT, cmd.output())
        .await
        .expect("command finished in time")
        .expect("ran")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn menu_example_reacts_to_scripted_buttons_slider_text_and_dropdown() {
    let sys = System::start().await;
    let _menu = start_example(&sys, "menu").await;
    let out = output(sys.nts().args([
        "session",
        "run",
        "menu",
        "--act",
        "press +",
        "--act",
        "wait-for \"count: 1\"",
        "--act",
        "slide step 5",
        "--act",
        "wait-for \"step: 5\"",
        "--act",
        "press +",
        "--act",
        "press +",
        "--act",
        "wait-for \"count: 11\"",
        "--act",
        "press -",
        "--act",
        "wait-for \"count: 6\"",
        "--act",
        "submit \"your name\" Ada",
        "--act",
        "wait-for \"hello, Ada\"",
        "--act",
        "select colour red",
        "--act",
        "press loud",
        "--act",
        "wait-for \"[on]\"",
        // The toggle's notification is the last thing the plugin sends.
        "--exit-on",
        "notification",
    ]))
    .await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
    // The last rendering shows the state the plugin sent back.
    let last = stdout
        .rsplit("menu 0 \"Counter\" open")
        .next()
        .expect("a rendered menu");
    for want in [
        "label #",
        "\"count: 6\"",
        "\"step: 5\"",
        "\"hello, Ada\"",
        "dropdown #",
        "[white, *red*, green]",
        "\"loud\" [on]",
        "list #",
        "(4 items)",
        "\"+5 = 11\"",
        "\"-5 = 6\"",
        "loading_bar #",
        "6% \"to 100\"",
    ] {
        assert!(last.contains(want), "{want:?} missing from\n{last}");
    }
    assert!(stdout.contains("notification [warning] LOUD"), "{stdout}");
    assert!(stdout.contains("acted: press +"), "{stdout}");
}

#[tokio::test]
async fn menu_example_renders_json_and_reports_impossible_actions() {
    let sys = System::start().await;
    let _menu = start_example(&sys, "menu").await;
    let out =
        output(
            sys.nts()
                .args(["session", "run", "menu", "--json", "--act", "slide step 99"]),
        )
        .await;
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stdout));
    assert!(
        text(&out.stderr).contains("goes from 1 to 10, not 99"),
        "{}",
        text(&out.stderr)
    );
    let menus: Vec<serde_json::Value> = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).expect("JSON lines"))
        .filter(|l| l["kind"] == "menus")
        .collect();
    let first = &menus.first().expect("the menu was rendered")["body"][0];
    assert_eq!(first["title"], "Counter");
    let kinds: Vec<&str> = first["root"]["children"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|n| n["content"]["type"].as_str())
        .collect();
    assert!(
        kinds.contains(&"slider") && kinds.contains(&"list"),
        "{kinds:?}"
    );

    // A target that never appears: the run ends at --for with the waiting action named.
    let out = output(sys.nts().args([
        "session",
        "run",
        "menu",
        "--for",
        "2",
        "--act",
        "press Nope",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(4));
    assert!(
        text(&out.stderr).contains("press Nope"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn closing_the_menu_reaches_the_plugin() {
    let sys = System::start().await;
    let _menu = start_example(&sys, "menu").await;
    let out = output(sys.nts().args([
        "session",
        "run",
        "menu",
        "--act",
        "press +",
        "--act",
        "wait-for \"count: 1\"",
        "--act",
        "close Counter",
        "--exit-on",
        "notification",
    ]))
    .await;
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    assert!(
        stdout.contains("notification [message] menu closed at 1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("menu 0 \"Counter\" closed") || stdout.contains("acted: close Counter"),
        "{stdout}"
    );
}
