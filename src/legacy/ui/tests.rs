//! Unit tests of `legacy::ui`.

use super::*;

fn latest() -> Versions {
    Versions::of(
        &[
            ("UpdateMenu", 2),
            ("SendUIContent", 1),
            ("SendLayoutNode", 1),
            ("LayoutNode", 1),
            ("Button", 6),
            ("Label", 1),
            ("TextInput", 3),
            ("Image", 2),
            ("ButtonCallback", 2),
            ("MenuCallback", 1),
        ]
        .map(|(n, v)| (n.to_string(), v))
        .to_vec(),
    )
}

fn read_menu(bytes: &[u8]) -> Result<(Menu, bool), SerialError> {
    let (hooks, mut images) = (Hooks::default(), Images::default());
    let mut ui = Ui {
        v: latest(),
        hooks: &hooks,
        images: &mut images,
    };
    ui.update_menu(&mut Reader::new(bytes))
}

/// The body nanome-lib 0.42.1 itself serialized for `tests/legacy-plugins/menus.py`'s
/// menu (`menus.json` plus a text field, a slider and a dropdown built in code).
const COUNTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/legacy-vectors/bodies/update_menu_counter_nanome_lib.bin"
);

#[test]
fn reads_the_menu_nanome_lib_writes() {
    let bytes = std::fs::read(COUNTER).unwrap();
    let (menu, shallow) = read_menu(&bytes).unwrap();
    assert!(!shallow && menu.enabled);
    assert_eq!(menu.title, "Counter");
    let mut kinds = vec![];
    menu.root.walk(&mut |n| {
        if let Some(c) = &n.content {
            kinds.push(c.type_name());
        }
    });
    assert_eq!(
        kinds,
        ["label", "button", "text_input", "slider", "dropdown"]
    );
    let mut label = None;
    let mut ids = HashSet::new();
    menu.root.walk(&mut |n| {
        assert!(n.id >= 1, "ids start at 1 in nts");
        assert!(ids.insert(n.id), "node ids are unique");
        match &n.content {
            Some(Content::Label(l)) => label = Some(l.text_value.clone()),
            Some(Content::Button(b)) => assert_eq!(b.label(), "Add"),
            Some(Content::TextInput(t)) => assert_eq!(t.placeholder_text, "Your name"),
            Some(Content::Slider(s)) => {
                assert_eq!(
                    (s.min_value, s.current_value, s.max_value),
                    (0.0, 5.0, 10.0)
                )
            }
            Some(Content::Dropdown(d)) => {
                let names: Vec<&str> = d.items.iter().map(|i| i.name.as_str()).collect();
                assert_eq!(names, ["alpha", "beta"]);
            }
            _ => {}
        }
    });
    assert_eq!(label.as_deref(), Some("count: 0"));
}

#[test]
fn a_truncated_or_lying_menu_is_an_error_never_a_panic() {
    let bytes = std::fs::read(COUNTER).unwrap();
    for cut in 0..bytes.len() {
        assert!(read_menu(&bytes[..cut]).is_err(), "cut at {cut}");
    }
    // The root named as a child of itself: the node is used twice.
    let (menu, _) = read_menu(&bytes).unwrap();
    let root = unshifted(menu.root.id);
    let child = unshifted(menu.root.children[0].id);
    let mut lying = bytes.clone();
    // The first node's first child id, rewritten to the root's id.
    let at = lying
        .windows(8)
        .position(|w| w[..4] == 5u32.to_le_bytes() && w[4..] == child.to_le_bytes())
        .expect("the root's child list");
    lying[at + 4..at + 8].copy_from_slice(&root.to_le_bytes());
    let e = read_menu(&lying).unwrap_err();
    assert!(e.to_string().contains("used twice"), "{e}");
}

#[test]
fn events_carry_nanome_libs_ids() {
    let v = latest();
    assert_eq!(button(v, 1, true), [0, 0, 0, 0, 1]);
    assert_eq!(slider(8, 0.5)[..4], 7i32.to_le_bytes());
    assert_eq!(menu_toggle(v, 2, false), [2, 0]);
    let mut r = Reader::new(&[0, 4, 0, 0, 0]);
    let mut hooks = Hooks::default();
    hooks.hook(&mut r).unwrap();
    assert!(hooks.hover.contains(&5));
}
