//! The menus as text: what a user would see, node by node.

use super::SessionUi;
use crate::api::ui::{Content, LayoutNode};
use std::fmt::Write as _;

impl SessionUi {
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
pub(super) fn visible<'a>(n: &'a LayoutNode, f: &mut dyn FnMut(&'a LayoutNode)) {
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
