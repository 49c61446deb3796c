//! Scripted actions ("press Add", "slide speed 7"): parsed, resolved against the shown
//! menus, and turned into the UI events a VR user would cause.

use super::SessionUi;
use super::render::visible;
use crate::api::link::ToPlugin;
use crate::api::ui::{
    ButtonEvent, Content, DropdownEvent, ImageEvent, MenuToggle, SliderEvent, TextEvent,
};

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
}
