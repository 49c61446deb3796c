//! `menu`: a plugin with a menu — a counter with buttons, a step slider, a name field,
//! a colour dropdown, a toggle, a history list and a progress bar. It shows how a plugin
//! builds a menu, reacts to every kind of UI event and updates only what changed.
//!
//! `nts up` runs it built in (`nts plugin menu`); this file is also a standalone program:
//!
//! ```text
//! cargo run --example menu                         # registers with the system `nts up` started
//! nts session run menu --act 'press +' --act 'wait-for "count: 1"'
//! ```

use nts::api::link::NotificationType;
use nts::api::ui::{
    Button, Content, Dropdown, Label, LayoutNode, LoadingBar, Menu, Slider, TextInput, UiList,
};
use nts::instance::{Instance, PluginInstance, UiEvent};
use nts::plugin::Plugin;

/// The plugin's registration.
pub fn plugin() -> Plugin {
    Plugin::new(
        "menu",
        "A counter menu: buttons, a slider, a text field, a dropdown, a list.",
    )
    .category("Examples")
    .tags(["example", "ui"])
    .version(env!("CARGO_PKG_VERSION"))
}

/// Most history lines kept in the list.
const HISTORY: usize = 8;

/// One instance per session: the counter and the ids of what it updates.
#[derive(Debug, Default)]
pub struct MenuDemo {
    count: i64,
    step: i64,
    history: Vec<String>,
    ids: Ids,
}

#[derive(Debug, Default)]
struct Ids {
    plus: u32,
    minus: u32,
    reset: u32,
    count: u32,
    step: u32,
    step_label: u32,
    name: u32,
    greeting: u32,
    colour: u32,
    loud: u32,
    history: u32,
    progress: u32,
}

impl MenuDemo {
    fn build(&mut self) -> Menu {
        let mut menu = Menu::new(0, "Counter");
        menu.width = 0.8;
        let count = Label::new("count: 0");
        let mut row = LayoutNode::new("buttons").horizontal().fixed(0.1);
        let plus = Button::new("+");
        let minus = Button::new("-");
        let reset = Button::new("Reset");
        let step_label = Label::new("step: 1");
        let step = Slider::new(1.0, 10.0, 1.0);
        let name = TextInput::new("your name", 24);
        let greeting = Label::new("hello, stranger");
        let colour = Dropdown::new(["white", "red", "green"]);
        let loud = Button::toggle_switch("loud");
        let history = UiList::new();
        let progress = LoadingBar::new("to 100");
        self.ids = Ids {
            plus: plus.id,
            minus: minus.id,
            reset: reset.id,
            count: count.id,
            step: step.id,
            step_label: step_label.id,
            name: name.id,
            greeting: greeting.id,
            colour: colour.id,
            loud: loud.id,
            history: history.id,
            progress: progress.id,
        };
        row.add_child(LayoutNode::with("plus", plus));
        row.add_child(LayoutNode::with("minus", minus));
        row.add_child(LayoutNode::with("reset", reset));
        let root = &mut menu.root;
        root.add_child(LayoutNode::with("count", count).fixed(0.08));
        root.add_child(row);
        root.add_child(LayoutNode::with("step label", step_label).fixed(0.05));
        root.add_child(LayoutNode::with("step", step).fixed(0.05));
        root.add_child(LayoutNode::with("name", name).fixed(0.06));
        root.add_child(LayoutNode::with("greeting", greeting).fixed(0.05));
        root.add_child(LayoutNode::with("colour", colour).fixed(0.06));
        root.add_child(LayoutNode::with("loud", loud).fixed(0.06));
        root.add_child(LayoutNode::with("history", history));
        root.add_child(LayoutNode::with("progress", progress).fixed(0.05));
        menu
    }

    /// A label as the SDK keeps it, with new text, ready to send back.
    fn set_label(nts: &Instance, id: u32, text: String) -> Option<Content> {
        match nts.content(id)? {
            Content::Label(mut l) => {
                l.text_value = text;
                Some(Content::Label(l))
            }
            _ => None,
        }
    }

    /// Adds `by` to the counter; the label, the history list and the bar change together.
    fn count_by(&mut self, nts: &Instance, by: i64) -> Vec<Content> {
        self.count += by;
        self.history.push(format!("{:+} = {}", by, self.count));
        if self.history.len() > HISTORY {
            self.history.remove(0);
        }
        self.counter_views(nts)
    }

    fn counter_views(&self, nts: &Instance) -> Vec<Content> {
        let mut out = Vec::new();
        out.extend(Self::set_label(
            nts,
            self.ids.count,
            format!("count: {}", self.count),
        ));
        let items: Vec<LayoutNode> = self
            .history
            .iter()
            .map(|line| LayoutNode::with("entry", Label::new(line.clone())))
            .collect();
        if let Some(Content::List(mut list)) = nts.content(self.ids.history) {
            list.items = items;
            out.push(Content::List(list));
        }
        let pct = (self.count.clamp(0, 100) as f32) / 100.0;
        if let Some(Content::LoadingBar(mut bar)) = nts.content(self.ids.progress) {
            bar.percentage = pct;
            out.push(Content::LoadingBar(bar));
        }
        out
    }
}

impl PluginInstance for MenuDemo {
    async fn on_run(&mut self, nts: &Instance) {
        self.count = 0;
        self.step = 1;
        self.history.clear();
        let menu = self.build();
        if let Err(e) = nts.update_menu(&menu).await {
            eprintln!("menu: showing the menu failed: {e}");
        }
    }

    async fn on_ui_event(&mut self, nts: &Instance, event: UiEvent) {
        let ids = &self.ids;
        let changed: Vec<Content> = match event {
            UiEvent::ButtonPressed(b) if b.id == ids.plus => self.count_by(nts, self.step),
            UiEvent::ButtonPressed(b) if b.id == ids.minus => self.count_by(nts, -self.step),
            UiEvent::ButtonPressed(b) if b.id == ids.reset => {
                self.count = 0;
                self.history.clear();
                self.counter_views(nts)
            }
            UiEvent::ButtonPressed(b) if b.id == ids.loud => {
                let kind = if b.selected {
                    NotificationType::Warning
                } else {
                    NotificationType::Message
                };
                let text = if b.selected { "LOUD" } else { "quiet" };
                let _ = nts.send_notification(kind, text).await;
                Vec::new()
            }
            UiEvent::SliderChanged(s) | UiEvent::SliderReleased(s) if s.id == ids.step => {
                self.step = s.current_value.round() as i64;
                Self::set_label(nts, self.ids.step_label, format!("step: {}", self.step))
                    .into_iter()
                    .collect()
            }
            UiEvent::TextSubmitted(t) if t.id == ids.name => {
                let name = t.input_text.trim();
                let text = if name.is_empty() {
                    "hello, stranger".to_string()
                } else {
                    format!("hello, {name}")
                };
                Self::set_label(nts, self.ids.greeting, text)
                    .into_iter()
                    .collect()
            }
            UiEvent::DropdownItemClicked(d, item) if d.id == ids.colour => {
                let colour = match d.items[item].name.as_str() {
                    "red" => 0xFF40_40FF,
                    "green" => 0x40FF_40FF,
                    _ => 0xFFFF_FFFF,
                };
                match nts.content(self.ids.count) {
                    Some(Content::Label(mut l)) => {
                        l.text_color = colour;
                        vec![Content::Label(l)]
                    }
                    _ => Vec::new(),
                }
            }
            UiEvent::MenuToggled { enabled: false, .. } => {
                let _ = nts
                    .send_notification(
                        NotificationType::Message,
                        format!("menu closed at {}", self.count),
                    )
                    .await;
                Vec::new()
            }
            _ => Vec::new(),
        };
        if !changed.is_empty()
            && let Err(e) = nts.update_content(&changed).await
        {
            eprintln!("menu: updating the menu failed: {e}");
        }
    }
}

#[allow(dead_code)] // built into `nts` as a module, where `main` is unused
fn main() -> std::process::ExitCode {
    plugin().run(MenuDemo::default)
}
