//! Unit tests of menus in the session: rendering, actions and refused updates.

use crate::api::link::{ToPlugin, ToSession};
use crate::api::ui::{LayoutNode, MAX_DEPTH, MAX_ITEMS, Menu};

use super::*;
use crate::api::ui::{Button, Dropdown, Label, Slider, TextInput, UiList};

fn shown() -> (SessionUi, Menu) {
    let mut menu = Menu::new(0, "Counter");
    menu.root
        .add_child(LayoutNode::with("count", Label::new("count: 0")));
    menu.root
        .add_child(LayoutNode::with("add", Button::new("Add")));
    menu.root
        .add_child(LayoutNode::with("speed", Slider::new(0.0, 10.0, 5.0)));
    menu.root
        .add_child(LayoutNode::with("name", TextInput::new("your name", 8)));
    menu.root
        .add_child(LayoutNode::with("mode", Dropdown::new(["fast", "slow"])));
    let mut ui = SessionUi::default();
    let reply = ui.handle(&ToSession::MenuUpdate(crate::api::ui::MenuUpdate {
        menu: Box::new(menu.clone()),
        shallow: false,
    }));
    assert!(matches!(reply, Some(Ok(ToPlugin::Done(_)))), "{reply:?}");
    (ui, menu)
}

#[test]
fn renders_every_content_line() {
    let (ui, _) = shown();
    let text = ui.render();
    assert!(text.starts_with("menu 0 \"Counter\" open"), "{text}");
    for want in [
        "label #",
        "\"count: 0\"",
        "button #",
        "\"Add\"",
        "slider #",
        "5 in 0..10",
        "text_input #",
        "dropdown #",
        "[fast, slow]",
    ] {
        assert!(text.contains(want), "{want:?} missing from\n{text}");
    }
}

#[test]
fn actions_become_events_and_update_the_copy() {
    let (mut ui, menu) = shown();
    let ev = ui.act(&UiAction::parse("press Add").unwrap()).unwrap();
    assert!(matches!(ev.as_slice(), [ToPlugin::ButtonPress(_)]));
    let ev = ui
        .act(&UiAction::parse("slide speed 7.5").unwrap())
        .unwrap();
    assert!(matches!(
        ev.as_slice(),
        [ToPlugin::SliderChange(a), ToPlugin::SliderRelease(b)] if a.value == 7.5 && b.value == 7.5
    ));
    assert!(ui.render().contains("7.5 in 0..10"));
    let ev = ui
        .act(&UiAction::parse("submit \"your name\" Ada").unwrap())
        .unwrap();
    assert!(
        matches!(ev.as_slice(), [ToPlugin::TextChange(_), ToPlugin::TextSubmit(t)] if t.text == "Ada")
    );
    let ev = ui
        .act(&UiAction::parse("select mode slow").unwrap())
        .unwrap();
    assert!(matches!(ev.as_slice(), [ToPlugin::DropdownItemClick(d)] if d.item == 1));
    assert!(ui.render().contains("[fast, *slow*]"));
    let label_id = menu
        .find_node("count")
        .unwrap()
        .content
        .as_ref()
        .unwrap()
        .id();
    let mut label = Label::new("count: 1");
    label.id = label_id;
    let reply = ui.handle(&ToSession::ContentUpdate(crate::api::ui::ContentUpdate {
        content: vec![label.into()],
    }));
    assert!(matches!(reply, Some(Ok(_))));
    assert_eq!(ui.act(&UiAction::WaitFor("count: 1".into())), Ok(vec![]));
    let ev = ui.act(&UiAction::parse("close Counter").unwrap()).unwrap();
    assert!(matches!(ev.as_slice(), [ToPlugin::MenuToggle(t)] if !t.enabled));
    // A closed menu's content cannot be acted on.
    assert!(ui.act(&UiAction::parse("press Add").unwrap()).is_err());
}

#[test]
fn bad_actions_say_why() {
    let (mut ui, _) = shown();
    let e = ui
        .act(&UiAction::parse("slide speed 11").unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("from 0 to 10"), "{e}");
    let e = ui
        .act(&UiAction::parse("type \"your name\" far-too-long").unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("at most 8"), "{e}");
    let e = ui.act(&UiAction::parse("press Nope").unwrap()).unwrap_err();
    assert!(e.may_resolve_later());
    let e = ui
        .act(&UiAction::parse("select mode medium").unwrap())
        .unwrap_err();
    assert!(e.to_string().contains("fast"), "{e}");
    assert!(UiAction::parse("jump Add").is_err());
    assert!(UiAction::parse("slide speed fast").is_err());
    assert!(UiAction::parse("press").is_err());
    assert!(UiAction::parse("press \"Add").is_err());
}

#[test]
fn bad_menus_are_refused_whole() {
    let (mut ui, menu) = shown();
    let before = ui.render();
    // Duplicate content id.
    let mut dup = Menu::new(1, "dup");
    let mut b = Button::new("x");
    b.id = menu.nodes()[2].content.as_ref().unwrap().id();
    dup.root.add_child(LayoutNode::with("x", b));
    let r = ui.handle(&ToSession::MenuUpdate(crate::api::ui::MenuUpdate {
        menu: Box::new(dup),
        shallow: false,
    }));
    assert!(
        matches!(r, Some(Err(ref e)) if e.message.contains("unique")),
        "{r:?}"
    );
    // Too deep.
    let mut deep = Menu::new(2, "deep");
    let mut node = LayoutNode::new("leaf");
    for _ in 0..MAX_DEPTH + 1 {
        let mut parent = LayoutNode::new("n");
        parent.children.push(node);
        node = parent;
    }
    deep.root = node;
    let r = ui.handle(&ToSession::MenuUpdate(crate::api::ui::MenuUpdate {
        menu: Box::new(deep),
        shallow: false,
    }));
    assert!(
        matches!(r, Some(Err(ref e)) if e.message.contains("deeper")),
        "{r:?}"
    );
    // An inverted slider, an unknown content id.
    let mut s = Slider::new(5.0, 1.0, 2.0);
    s.id = 77;
    let r = ui.handle(&ToSession::ContentUpdate(crate::api::ui::ContentUpdate {
        content: vec![s.into()],
    }));
    assert!(matches!(r, Some(Err(_))));
    let mut list = UiList::new();
    list.items = (0..MAX_ITEMS + 1).map(|_| LayoutNode::new("i")).collect();
    let mut big = Menu::new(3, "big");
    big.root.add_child(LayoutNode::with("l", list));
    let r = ui.handle(&ToSession::MenuUpdate(crate::api::ui::MenuUpdate {
        menu: Box::new(big),
        shallow: false,
    }));
    assert!(matches!(r, Some(Err(_))));
    assert_eq!(ui.render(), before);
}
