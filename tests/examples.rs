//! The plugins under `examples/`, each run as the standalone program a plugin author
//! would build (`cargo run --example NAME`), driven by the headless session. (`hbonds`
//! and `wiggle` are tested the same way in `structures.rs`.)

mod common;

use common::*;

#[tokio::test]
async fn menu_example_reacts_to_scripted_buttons_slider_text_and_dropdown() {
    let sys = System::start().await;
    let _menu = sys.example("menu").await;
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
    let _menu = sys.example("menu").await;
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
    let _menu = sys.example("menu").await;
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

/// An alanine, a ligand atom and two waters.
const MIXED: &str = "\
ATOM      1  N   ALA B   1      30.000   0.000   0.000  1.00 10.00           N
ATOM      2  CA  ALA B   1      31.458   0.000   0.000  1.00 12.00           C
ATOM      3  C   ALA B   1      32.009   1.420   0.000  1.00 14.00           C
ATOM      4  O   ALA B   1      31.251   2.390   0.000  1.00 16.00           O
HETATM    5  C1  LIG B   2      34.000   0.000   0.000  1.00 20.00           C
HETATM    6  O   HOH B   3       0.000   0.000   0.000  1.00  0.00           O
HETATM    7  O   HOH B   4       2.800   0.000   0.000  1.00  0.00           O
END
";

#[tokio::test]
async fn tour_example_uses_substructures_colours_hooks_streams_volumes_and_interactions() {
    use nts::session::Session;
    let sys = System::start().await;
    let _tour = sys.example("tour").await;
    let path = sys.dir.path().join("mixed.pdb");
    std::fs::write(&path, MIXED).unwrap();
    let s = Session::open(&sys.lobby().await, "room", user("ann"))
        .await
        .unwrap();
    let loaded = s
        .add_complexes(vec![nts::files::load(&path).unwrap()])
        .await
        .unwrap();
    let index = loaded[0].index;
    let mut link = s.connect("tour").await.unwrap();
    link.run().await.unwrap();
    let mut said = Vec::new();
    loop {
        let n = next_notification(&mut link).await;
        assert!(!n.starts_with("tour failed"), "{n}");
        said.push(n);
        if said.last().map(String::as_str) == Some("tour done") {
            break;
        }
    }
    assert_eq!(said[0], "substructures: 1 protein, 1 ligand, 1 solvent");
    assert_eq!(said[1], "coloured 7 atoms by element");
    assert!(said[2].starts_with("volume added as complex "), "{said:?}");
    assert_eq!(said[3], "1 interaction(s) on the complex");
    assert_eq!(said[4], "menu at [0.0, 1.5, 0.8]");
    // The reading stream's first frame comes once the run callback returns.
    assert_eq!(
        next_notification(&mut link).await,
        "first atom at (30.000, 0.000, 0.000)"
    );

    // What the plugin did is in the session: element colours, a volume.
    let ws = s.workspace().await;
    let colours: Vec<u32> = ws.complexes[0].atoms().map(|a| a.atom_color).collect();
    assert_eq!(colours[0], 0x3050_F8FF, "nitrogen blue");
    assert_eq!(colours[3], 0xFF0D_0DFF, "oxygen red");
    let volumes = s.volumes().await;
    assert_eq!(volumes.len(), 1);
    assert_eq!(volumes[0].1.volume.data.len(), 8 * 8 * 8 * 4);
    assert_eq!(ws.complexes.len(), 2, "the volume's complex was added");

    // A user moves the first atom and deselects two: the hooks and the stream report it.
    let mut edited = ws.complexes[0].clone();
    edited.atoms_mut().next().unwrap().position = [29.0, 1.0, 0.5];
    for a in edited.atoms_mut().skip(5) {
        a.selected = false;
    }
    s.update_complexes(vec![edited]).await.unwrap();
    let mut after = vec![
        next_notification(&mut link).await,
        next_notification(&mut link).await,
        next_notification(&mut link).await,
    ];
    after.sort();
    assert_eq!(
        after,
        [
            format!("complex {index} updated"),
            "first atom at (29.000, 1.000, 0.500)".to_string(),
            format!("selection of {index}: 5 atoms"),
        ]
    );
}
