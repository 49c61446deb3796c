//! The headless session's view of one link's menus (sans-IO): it checks and applies
//! `menu_update`, `content_update` and `node_update`, renders the menus as text, and turns
//! scripted actions ("press Add", "slide speed 7") into the UI events a VR user would cause.

mod actions;
mod render;

use std::collections::{BTreeMap, HashSet};

use crate::api::link::{ToPlugin, ToSession};
use crate::api::structure::IDENTITY;
use crate::api::ui::{
    Content, LayoutNode, MAX_DEPTH, MAX_ID, MAX_ITEMS, MAX_NODES, Menu, MenuTransform,
};
use crate::api::{Empty, ErrorBody, ErrorCode};

pub use actions::{ActionError, ActionErrorKind, UiAction};

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
}

#[cfg(test)]
mod tests;
