//! Unit tests of menus: ids, finding and replacing nodes, decoding with defaults.

use super::*;

#[test]
fn ids_are_fresh_and_within_24_bits() {
    let a = next_id();
    let b = next_id();
    assert_ne!(a, b);
    assert!(a <= MAX_ID && b <= MAX_ID && a > 0);
}

#[test]
fn find_and_replace_reach_list_items() {
    let mut menu = Menu::new(0, "m");
    let mut list = UiList::new();
    let inner = Button::new("inner");
    let inner_id = inner.id;
    let item = LayoutNode::with("item", inner);
    let item_id = item.id;
    list.items.push(item);
    menu.root.add_child(LayoutNode::with("list", list));
    assert!(menu.find_content(inner_id).is_some());
    assert_eq!(menu.find_node("item").map(|n| n.id), Some(item_id));
    let mut replacement = LayoutNode::with("item2", Label::new("x"));
    replacement.id = item_id;
    assert!(menu.replace_node(&replacement));
    assert!(menu.find_content(inner_id).is_none());
    assert!(menu.find_node("item2").is_some());
    let mut missing = LayoutNode::new("nope");
    missing.id = MAX_ID;
    assert!(!menu.replace_node(&missing));
}

#[test]
fn a_minimal_hand_written_menu_decodes_with_defaults() {
    let json =
        r#"{"index":1,"root":{"id":5,"children":[{"id":6,"content":{"type":"button","id":7}}]}}"#;
    let menu: Menu = serde_json::from_str(json).unwrap();
    assert_eq!(menu.width, 0.7);
    assert!(menu.enabled);
    let Some(Content::Button(b)) = menu.find_content(7) else {
        panic!("button")
    };
    assert_eq!(b.label(), "text");
    assert!(b.outline.active);
}

#[test]
fn unknown_content_types_are_refused() {
    let json = r#"{"type":"hologram","id":1}"#;
    assert!(serde_json::from_str::<Content>(json).is_err());
}
