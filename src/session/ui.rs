//! The headless session's view of one link's menus (sans-IO): it checks and applies
//! `menu_update`, `content_update` and `node_update`, renders the menus as text, and turns
//! scripted actions ("press Add", "slide speed 7") into the UI events a VR user would cause.
//!
//! Over 800 lines: menu checking, rendering and scripted actions with their tests; rendering and actions are the seams to split along (issue 8, part 2).

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use crate::api::link::{ToPlugin, ToSession};
use crate::api::structure::IDENTITY;
use crate::api::ui::{
    ButtonEvent, Content, DropdownEvent, ImageEvent, LayoutNode, MAX_DEPTH, MAX_ID, MAX_ITEMS,
    MAX_NODES, Menu, MenuToggle, MenuTransform, SliderEvent, TextEvent,
};
use crate::api::{Empty, ErrorBody, ErrorCode};

/// One link's menus and where they float.
#[derive(Debug, Default, Clone)]
pub struct SessionUi {
    menus: BTreeMap<u8, Menu>,
    transforms: BTreeMap<u8, MenuTransform>,
}

fn bad(msg: impl Into<String>) -> ErrorBody {
    ErrorBody::new(ErrorCode::BadRequest, msg)
}

/// Checks one menu tree on its own: depth, sizes, ids, values.
fn check_tree(menu: &Menu) -> Result<(), ErrorBody> {
    fn node(
        n: &LayoutNode,
        depth: usize,
        count: &mut usize,
        ids: &mut HashSet<(bool, u32)>,
    ) -> Result<(), ErrorBody> {
        if depth > MAX_DEPTH {
            return Err(bad(format!(
                "the menu nests deeper than {MAX_DEPTH} nodes: flatten it"
            )));
        }
        *count += 1;
        if *count > MAX_NODES {
            return Err(bad(format!("the menus hold more than {MAX_NODES} nodes")));
        }
        if n.id == 0 || n.id > MAX_ID || !ids.insert((false, n.id)) {
            return Err(bad(format!(
                "node {:?} has id {}: node ids are 1..={MAX_ID} and unique",
                n.name, n.id
            )));
        }
        if !n.sizing_value.is_finite() || !n.forward_dist.is_finite() {
            return Err(bad(format!("node {} has a non-finite size", n.id)));
        }
        if let Some(c) = &n.content {
            let id = c.id();
            if id == 0 || id > MAX_ID || !ids.insert((true, id)) {
                return Err(bad(format!(
                    "{} content has id {id}: content ids are 1..={MAX_ID} and unique",
                    c.type_name()
                )));
            }
            check_content(c)?;
            if let Content::List(list) = c {
                for item in &list.items {
                    node(item, depth + 1, count, ids)?;
                }
            }
        }
        for child in &n.children {
            node(child, depth + 1, count, ids)?;
        }
        Ok(())
    }
    if !(menu.width.is_finite() && menu.height.is_finite()) {
        return Err(bad("the menu's width and height must be finite"));
    }
    node(&menu.root, 1, &mut 0, &mut HashSet::new())
}

fn check_content(c: &Content) -> Result<(), ErrorBody> {
    match c {
        Content::Slider(s) => {
            let ok = [s.min_value, s.max_value, s.current_value]
                .iter()
                .all(|v| v.is_finite())
                && s.min_value <= s.max_value;
            if !ok {
                return Err(bad(format!(
                    "slider {} needs finite values with min <= max (got {}..{}, {})",
                    s.id, s.min_value, s.max_value, s.current_value
                )));
            }
        }
        Content::List(l) if l.items.len() > MAX_ITEMS => {
            return Err(bad(format!(
                "list {} has {} items; at most {MAX_ITEMS}",
                l.id,
                l.items.len()
            )));
        }
        Content::Dropdown(d) if d.items.len() > MAX_ITEMS => {
            return Err(bad(format!(
                "dropdown {} has {} items; at most {MAX_ITEMS}",
                d.id,
                d.items.len()
            )));
        }
        Content::LoadingBar(b) if !b.percentage.is_finite() => {
            return Err(bad(format!("loading bar {} has a non-finite value", b.id)));
        }
        _ => {}
    }
    Ok(())
}

/// A scripted action on a menu, as a user in VR would do it.
#[derive(Debug, Clone, PartialEq)]
pub enum UiAction {
    /// Press a button.
    Press(String),
    /// Point at a button (`true`) or away from it.
    Hover(String, bool),
    /// Type text into a field (a `text_change`).
    Type(String, String),
    /// Type text into a field and submit it (`text_change`, then `text_submit`).
    Submit(String, String),
    /// Drag a slider to a value and let go (`slider_change`, then `slider_release`).
    Slide(String, f32),
    /// Choose a dropdown item, by name or position.
    Select(String, String),
    /// Click an image at (x, y) (`image_press`, then `image_release`).
    Click(String, f32, f32),
    /// Open (`true`) or close a menu, by index or title.
    Toggle(String, bool),
    /// Wait until the rendered menus contain this text.
    WaitFor(String),
}

/// Why an action cannot be done (yet).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ActionError {
    /// Nothing matches the target yet (the plugin may still be building its menu).
    #[error("no {kind} matches {target:?} in the shown menus")]
    NotFound {
        /// What was looked for.
        kind: &'static str,
        /// The target as written.
        target: String,
    },
    /// The action can never succeed as written.
    #[error("{0}")]
    Invalid(String),
}

crate::error::error_kind!(ActionError => ActionErrorKind {
    /// Nothing matches the target yet (the plugin may still be building its menu).
    NotFound,
    /// The action can never succeed as written.
    Invalid,
});

impl ActionError {
    /// Whether waiting for the plugin's next menu change might make the action possible.
    pub fn may_resolve_later(&self) -> bool {
        matches!(self, ActionError::NotFound { .. })
    }
}

impl UiAction {
    /// Parses `press TARGET`, `hover TARGET`, `unhover TARGET`, `type TARGET TEXT`,
    /// `submit TARGET TEXT`, `slide TARGET VALUE`, `select TARGET ITEM`,
    /// `click TARGET X Y`, `open MENU`, `close MENU`, `wait-for TEXT`.
    /// A target is `#ID`, a node name, a button's text or a text field's placeholder;
    /// quote targets and texts with spaces ("press \"Add one\"").
    pub fn parse(line: &str) -> Result<UiAction, ActionError> {
        let words = split_words(line)?;
        let arg = |i: usize| -> Result<String, ActionError> {
            words
                .get(i)
                .cloned()
                .ok_or_else(|| ActionError::Invalid(format!("{line:?}: missing argument {i}")))
        };
        let num = |i: usize| -> Result<f32, ActionError> {
            let w = arg(i)?;
            w.parse::<f32>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| ActionError::Invalid(format!("{line:?}: {w:?} is not a number")))
        };
        let verb = words.first().map(String::as_str).unwrap_or("");
        let action = match verb {
            "press" => UiAction::Press(arg(1)?),
            "hover" => UiAction::Hover(arg(1)?, true),
            "unhover" => UiAction::Hover(arg(1)?, false),
            "type" => UiAction::Type(arg(1)?, arg(2)?),
            "submit" => UiAction::Submit(arg(1)?, arg(2)?),
            "slide" => UiAction::Slide(arg(1)?, num(2)?),
            "select" => UiAction::Select(arg(1)?, arg(2)?),
            "click" => UiAction::Click(arg(1)?, num(2)?, num(3)?),
            "open" => UiAction::Toggle(arg(1)?, true),
            "close" => UiAction::Toggle(arg(1)?, false),
            "wait-for" => UiAction::WaitFor(arg(1)?),
            _ => {
                return Err(ActionError::Invalid(format!(
                    "{line:?}: unknown action; use press, hover, unhover, type, submit, slide, select, click, open, close or wait-for"
                )));
            }
        };
        let expected = match &action {
            UiAction::Press(_)
            | UiAction::Hover(..)
            | UiAction::Toggle(..)
            | UiAction::WaitFor(_) => 2,
            UiAction::Type(..)
            | UiAction::Submit(..)
            | UiAction::Slide(..)
            | UiAction::Select(..) => 3,
            UiAction::Click(..) => 4,
        };
        if words.len() != expected {
            return Err(ActionError::Invalid(format!(
                "{line:?}: {verb} takes {} argument(s)",
                expected - 1
            )));
        }
        Ok(action)
    }
}

/// Splits on spaces, keeping "double quoted" words whole.
fn split_words(line: &str) -> Result<Vec<String>, ActionError> {
    let mut words = Vec::new();
    let mut chars = line.trim().chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut w = String::new();
        if c == '"' {
            chars.next();
            loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => w.extend(chars.next()),
                    Some(ch) => w.push(ch),
                    None => {
                        return Err(ActionError::Invalid(format!(
                            "{line:?}: unterminated quote"
                        )));
                    }
                }
            }
        } else {
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() {
                    break;
                }
                w.push(ch);
                chars.next();
            }
        }
        words.push(w);
    }
    Ok(words)
}

impl SessionUi {
    /// Handles a UI message from the instance: `None` if it is not one, else the reply
    /// (`done` or `menu_transform`) or the error that refuses it (nothing is changed then).
    pub fn handle(&mut self, msg: &ToSession) -> Option<Result<ToPlugin, ErrorBody>> {
        let done = Ok(ToPlugin::Done(Empty {}));
        Some(match msg {
            ToSession::MenuUpdate(u) => self.update_menu(&u.menu, u.shallow).and(done),
            ToSession::ContentUpdate(u) => self.update_content(&u.content).and(done),
            ToSession::NodeUpdate(u) => self.update_nodes(&u.nodes).and(done),
            ToSession::MenuTransformSet(t) => {
                let finite = t
                    .position
                    .iter()
                    .chain(&t.rotation)
                    .chain(&t.scale)
                    .all(|v| v.is_finite());
                if finite {
                    self.transforms.insert(t.index, *t);
                    done
                } else {
                    Err(bad("a menu transform must be finite"))
                }
            }
            ToSession::MenuTransformRequest(r) => {
                Ok(ToPlugin::MenuTransform(self.transform(r.index)))
            }
            _ => return None,
        })
    }

    /// Where a menu is: as set, else one metre in front of the presenter.
    pub fn transform(&self, index: u8) -> MenuTransform {
        self.transforms
            .get(&index)
            .copied()
            .unwrap_or(MenuTransform {
                index,
                position: [0.0, 1.5, 1.0],
                rotation: IDENTITY,
                scale: [1.0; 3],
            })
    }

    /// The menus shown, by index.
    pub fn menus(&self) -> impl Iterator<Item = &Menu> {
        self.menus.values()
    }

    /// Checks that `candidate` replacing menu `index` keeps every id unique across menus
    /// and the node count bounded, then stores it.
    fn commit(&mut self, candidate: Menu) -> Result<(), ErrorBody> {
        check_tree(&candidate)?;
        let mut seen: HashSet<(bool, u32)> = HashSet::new();
        let mut count = 0;
        for n in candidate.nodes() {
            seen.insert((false, n.id));
            seen.extend(n.content.as_ref().map(|c| (true, c.id())));
            count += 1;
        }
        for (idx, other) in &self.menus {
            if *idx == candidate.index {
                continue;
            }
            for n in other.nodes() {
                count += 1;
                let clash = !seen.insert((false, n.id))
                    || n.content
                        .as_ref()
                        .is_some_and(|c| !seen.insert((true, c.id())));
                if clash {
                    return Err(bad(format!(
                        "menu {} reuses an id of menu {idx}: ids are unique across a plugin's menus",
                        candidate.index
                    )));
                }
            }
        }
        if count > MAX_NODES {
            return Err(bad(format!("the menus hold more than {MAX_NODES} nodes")));
        }
        self.menus.insert(candidate.index, candidate);
        Ok(())
    }

    fn update_menu(&mut self, menu: &Menu, shallow: bool) -> Result<(), ErrorBody> {
        if !shallow {
            return self.commit(menu.clone());
        }
        let Some(kept) = self.menus.get(&menu.index) else {
            return Err(bad(format!(
                "a shallow update of menu {} before it was sent whole",
                menu.index
            )));
        };
        let candidate = Menu {
            root: kept.root.clone(),
            ..menu.clone()
        };
        self.commit(candidate)
    }

    fn menu_holding(&self, pred: impl Fn(&Menu) -> bool) -> Option<u8> {
        self.menus.iter().find(|(_, m)| pred(m)).map(|(i, _)| *i)
    }

    fn update_content(&mut self, content: &[Content]) -> Result<(), ErrorBody> {
        let mut changed: BTreeMap<u8, Menu> = BTreeMap::new();
        for c in content {
            let id = c.id();
            let Some(idx) = self.menu_holding(|m| m.find_content(id).is_some()) else {
                return Err(bad(format!(
                    "content {id} is in no menu: send it with update_menu first"
                )));
            };
            let menu = changed
                .entry(idx)
                .or_insert_with(|| self.menus[&idx].clone());
            if let Some(slot) = menu.find_content_mut(id) {
                *slot = c.clone();
            }
        }
        self.commit_all(changed)
    }

    fn update_nodes(&mut self, nodes: &[LayoutNode]) -> Result<(), ErrorBody> {
        let mut changed: BTreeMap<u8, Menu> = BTreeMap::new();
        for n in nodes {
            let id = n.id;
            let Some(idx) = self.menu_holding(|m| m.nodes().iter().any(|x| x.id == id)) else {
                return Err(bad(format!(
                    "node {id} is in no menu: send it with update_menu first"
                )));
            };
            let menu = changed
                .entry(idx)
                .or_insert_with(|| self.menus[&idx].clone());
            menu.replace_node(n);
        }
        self.commit_all(changed)
    }

    /// Commits several changed menus, all or nothing.
    fn commit_all(&mut self, changed: BTreeMap<u8, Menu>) -> Result<(), ErrorBody> {
        let before = self.menus.clone();
        for (_, m) in changed {
            if let Err(e) = self.commit(m) {
                self.menus = before;
                return Err(e);
            }
        }
        Ok(())
    }

    /// Finds the one visible content a target names, of the kinds `accept` takes.
    fn resolve(
        &self,
        target: &str,
        kind: &'static str,
        accept: impl Fn(&Content) -> bool,
    ) -> Result<(u8, u32), ActionError> {
        let by_id = target.strip_prefix('#').and_then(|n| n.parse::<u32>().ok());
        let mut found: Vec<(u8, u32)> = Vec::new();
        for (idx, menu) in &self.menus {
            if !menu.enabled {
                continue;
            }
            visible(&menu.root, &mut |n| {
                let Some(c) = &n.content else { return };
                if !accept(c) {
                    return;
                }
                let named = match by_id {
                    Some(id) => c.id() == id,
                    None => {
                        n.name == target
                            || match c {
                                Content::Button(b) => b.label() == target || b.name == target,
                                Content::TextInput(t) => t.placeholder_text == target,
                                Content::Image(i) => i.name == target,
                                _ => false,
                            }
                    }
                };
                if named {
                    found.push((*idx, c.id()));
                }
            });
        }
        match found.as_slice() {
            [one] => Ok(*one),
            [] => Err(ActionError::NotFound {
                kind,
                target: target.into(),
            }),
            many => Err(ActionError::Invalid(format!(
                "{target:?} names {} {kind}s (ids {}): use #ID",
                many.len(),
                many.iter()
                    .map(|(_, id)| format!("#{id}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    fn content_mut(&mut self, menu: u8, id: u32) -> Option<&mut Content> {
        self.menus.get_mut(&menu)?.find_content_mut(id)
    }

    /// Does an action: the events to send the instance, in order, with the session's own
    /// copy of the menus updated as the VR app would (a slider moved, a toggle flipped).
    /// `WaitFor` returns no events once its text is shown.
    pub fn act(&mut self, action: &UiAction) -> Result<Vec<ToPlugin>, ActionError> {
        let invalid = |m: String| Err(ActionError::Invalid(m));
        match action {
            UiAction::Press(t) => {
                let (m, id) = self.resolve(t, "button", |c| matches!(c, Content::Button(_)))?;
                let Some(Content::Button(b)) = self.content_mut(m, id) else {
                    return invalid("the target changed while acting; try again".into());
                };
                if b.unusable {
                    return invalid(format!("button {t:?} is unusable"));
                }
                if b.toggle_on_press {
                    b.selected = !b.selected;
                }
                if b.disable_on_press {
                    b.unusable = true;
                }
                Ok(vec![ToPlugin::ButtonPress(ButtonEvent {
                    content_id: id,
                    state: b.selected,
                })])
            }
            UiAction::Hover(t, on) => {
                let (m, id) = self.resolve(t, "button", |c| matches!(c, Content::Button(_)))?;
                let Some(Content::Button(b)) = self.content_mut(m, id) else {
                    return invalid("the target changed while acting; try again".into());
                };
                if !b.hover_events {
                    return Ok(Vec::new());
                }
                Ok(vec![ToPlugin::ButtonHover(ButtonEvent {
                    content_id: id,
                    state: *on,
                })])
            }
            UiAction::Type(t, text) | UiAction::Submit(t, text) => {
                let (m, id) =
                    self.resolve(t, "text field", |c| matches!(c, Content::TextInput(_)))?;
                let Some(Content::TextInput(input)) = self.content_mut(m, id) else {
                    return invalid("the target changed while acting; try again".into());
                };
                let chars = text.chars().count();
                if chars > input.max_length as usize {
                    return invalid(format!(
                        "text field {t:?} takes at most {} characters, got {chars}",
                        input.max_length
                    ));
                }
                if input.number && text.parse::<f64>().is_err() {
                    return invalid(format!("text field {t:?} takes a number, got {text:?}"));
                }
                input.input_text = text.clone();
                let event = TextEvent {
                    content_id: id,
                    text: text.clone(),
                };
                let mut out = vec![ToPlugin::TextChange(event.clone())];
                if matches!(action, UiAction::Submit(..)) {
                    out.push(ToPlugin::TextSubmit(event));
                }
                Ok(out)
            }
            UiAction::Slide(t, value) => {
                let (m, id) = self.resolve(t, "slider", |c| matches!(c, Content::Slider(_)))?;
                let Some(Content::Slider(s)) = self.content_mut(m, id) else {
                    return invalid("the target changed while acting; try again".into());
                };
                if !(s.min_value..=s.max_value).contains(value) {
                    return invalid(format!(
                        "slider {t:?} goes from {} to {}, not {value}",
                        s.min_value, s.max_value
                    ));
                }
                s.current_value = *value;
                let event = SliderEvent {
                    content_id: id,
                    value: *value,
                };
                Ok(vec![
                    ToPlugin::SliderChange(event),
                    ToPlugin::SliderRelease(event),
                ])
            }
            UiAction::Select(t, item) => {
                let (m, id) = self.resolve(t, "dropdown", |c| matches!(c, Content::Dropdown(_)))?;
                let Some(Content::Dropdown(d)) = self.content_mut(m, id) else {
                    return invalid("the target changed while acting; try again".into());
                };
                if d.unusable {
                    return invalid(format!("dropdown {t:?} is unusable"));
                }
                let pos = d
                    .items
                    .iter()
                    .position(|i| &i.name == item)
                    .or_else(|| item.parse::<usize>().ok().filter(|&p| p < d.items.len()));
                let Some(pos) = pos else {
                    let names: Vec<&str> = d.items.iter().map(|i| i.name.as_str()).collect();
                    return invalid(format!(
                        "dropdown {t:?} has no item {item:?} (items: {names:?})"
                    ));
                };
                for (i, it) in d.items.iter_mut().enumerate() {
                    it.selected = i == pos;
                }
                Ok(vec![ToPlugin::DropdownItemClick(DropdownEvent {
                    content_id: id,
                    item: pos as u32,
                })])
            }
            UiAction::Click(t, x, y) => {
                let (_, id) = self.resolve(t, "image", |c| matches!(c, Content::Image(_)))?;
                if !(0.0..=1.0).contains(x) || !(0.0..=1.0).contains(y) {
                    return invalid(format!("click at ({x}, {y}): x and y go from 0 to 1"));
                }
                let pointer = matches!(self.menus.values().find_map(|m| m.find_content(id)), Some(Content::Image(i)) if i.pointer_events);
                if !pointer {
                    return Ok(Vec::new());
                }
                let e = ImageEvent {
                    content_id: id,
                    x: *x,
                    y: *y,
                };
                Ok(vec![ToPlugin::ImagePress(e), ToPlugin::ImageRelease(e)])
            }
            UiAction::Toggle(menu, open) => {
                let idx = menu
                    .parse::<u8>()
                    .ok()
                    .filter(|i| self.menus.contains_key(i))
                    .or_else(|| self.menu_holding(|m| &m.title == menu));
                let Some(idx) = idx else {
                    return Err(ActionError::NotFound {
                        kind: "menu",
                        target: menu.clone(),
                    });
                };
                if let Some(m) = self.menus.get_mut(&idx) {
                    m.enabled = *open;
                }
                Ok(vec![ToPlugin::MenuToggle(MenuToggle {
                    index: idx,
                    enabled: *open,
                })])
            }
            UiAction::WaitFor(text) => {
                if self.render().contains(text.as_str()) {
                    Ok(Vec::new())
                } else {
                    Err(ActionError::NotFound {
                        kind: "text",
                        target: text.clone(),
                    })
                }
            }
        }
    }

    /// The menus as indented text, one line per piece of content, for people and scripts.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for menu in self.menus.values() {
            let _ = writeln!(
                out,
                "menu {} {:?} {} {:.2}x{:.2}",
                menu.index,
                menu.title,
                if menu.enabled { "open" } else { "closed" },
                menu.width,
                menu.height
            );
            if menu.enabled {
                render_node(&menu.root, 1, &mut out);
            }
        }
        out
    }
}

/// Calls `f` on every node shown: enabled, under enabled parents (list items included).
fn visible<'a>(n: &'a LayoutNode, f: &mut dyn FnMut(&'a LayoutNode)) {
    if !n.enabled {
        return;
    }
    f(n);
    if let Some(Content::List(list)) = &n.content {
        for item in &list.items {
            visible(item, f);
        }
    }
    for c in &n.children {
        visible(c, f);
    }
}

fn render_node(n: &LayoutNode, depth: usize, out: &mut String) {
    if !n.enabled {
        return;
    }
    let mut depth = depth;
    if let Some(c) = &n.content {
        let pad = "  ".repeat(depth);
        let line = match c {
            Content::Button(b) => {
                let mut flags = String::new();
                if b.toggle_on_press {
                    flags.push_str(if b.selected { " [on]" } else { " [off]" });
                } else if b.selected {
                    flags.push_str(" [selected]");
                }
                if b.unusable {
                    flags.push_str(" [unusable]");
                }
                format!("button #{} {:?}{flags}", b.id, b.label())
            }
            Content::Label(l) => format!("label #{} {:?}", l.id, l.text_value),
            Content::TextInput(t) => format!(
                "text_input #{} {:?} (placeholder {:?})",
                t.id,
                if t.password {
                    "*".repeat(t.input_text.chars().count())
                } else {
                    t.input_text.clone()
                },
                t.placeholder_text
            ),
            Content::Slider(s) => format!(
                "slider #{} {} in {}..{}",
                s.id, s.current_value, s.min_value, s.max_value
            ),
            Content::Dropdown(d) => {
                let items: Vec<String> = d
                    .items
                    .iter()
                    .map(|i| {
                        if i.selected {
                            format!("*{}*", i.name)
                        } else {
                            i.name.clone()
                        }
                    })
                    .collect();
                format!("dropdown #{} [{}]", d.id, items.join(", "))
            }
            Content::List(l) => format!("list #{} ({} items)", l.id, l.items.len()),
            Content::Image(i) => format!("image #{} {:?} ({} bytes)", i.id, i.name, i.data.len()),
            Content::LoadingBar(b) => format!(
                "loading_bar #{} {:.0}% {:?}{}",
                b.id,
                b.percentage * 100.0,
                b.title,
                if b.failure { " [failed]" } else { "" }
            ),
            Content::Mesh(m) => format!("mesh #{} {:08x}", m.id, m.mesh_color),
        };
        let _ = writeln!(out, "{pad}{line}");
        if let Content::List(l) = c {
            for item in &l.items {
                render_node(item, depth + 1, out);
            }
        }
        depth += 1;
    }
    for child in &n.children {
        render_node(child, depth, out);
    }
}

#[cfg(test)]
mod tests {
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
}
