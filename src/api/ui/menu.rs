//! The menu and its node tree: [`Menu`], [`LayoutNode`] and how nodes lay out.

use super::{Content, next_id};
use serde::{Deserialize, Serialize};

/// A plugin's menu (nanome-lib's `Menu`): a window in the room with a tree of nodes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Menu {
    /// Which of the plugin's menus (a plugin may show several).
    pub index: u8,
    /// Whether it is open.
    pub enabled: bool,
    /// Title bar text.
    pub title: String,
    /// Whether users may move it.
    pub locked: bool,
    /// Width in metres.
    pub width: f32,
    /// Height in metres.
    pub height: f32,
    /// The root of the node tree.
    pub root: LayoutNode,
}

impl Default for Menu {
    fn default() -> Self {
        Menu {
            index: 0,
            enabled: true,
            title: "title".into(),
            locked: false,
            width: 0.7,
            height: 0.6,
            // Id 0 is refused: a decoded menu must name its root's id.
            root: LayoutNode::default(),
        }
    }
}

impl Menu {
    /// An open menu with an empty root node.
    pub fn new(index: u8, title: impl Into<String>) -> Self {
        Menu {
            index,
            title: title.into(),
            root: LayoutNode::new("root"),
            ..Menu::default()
        }
    }

    /// Every node of the tree, depth first (list items included).
    pub fn nodes(&self) -> Vec<&LayoutNode> {
        let mut out = Vec::new();
        self.root.walk(&mut |n| out.push(n));
        out
    }

    /// The content with this id, anywhere in the tree (list items included).
    pub fn find_content(&self, id: u32) -> Option<&Content> {
        self.root.find_content(id)
    }

    /// The content with this id, mutable.
    pub fn find_content_mut(&mut self, id: u32) -> Option<&mut Content> {
        self.root.find_content_mut(id)
    }

    /// The first node with this name, depth first.
    pub fn find_node(&self, name: &str) -> Option<&LayoutNode> {
        self.root.find_node(name)
    }

    /// The first node with this name, mutable.
    pub fn find_node_mut(&mut self, name: &str) -> Option<&mut LayoutNode> {
        self.root.find_node_mut(name)
    }

    /// Replaces the node with the same id as `node` (its whole subtree); false if absent.
    pub fn replace_node(&mut self, node: &LayoutNode) -> bool {
        self.root.replace_node(node)
    }
}

/// How a node lays out its children.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Orientation {
    /// Top to bottom.
    #[default]
    Vertical,
    /// Left to right.
    Horizontal,
}

/// How a node's size is chosen within its parent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizingType {
    /// Share what the fixed and ratio siblings leave.
    #[default]
    Expand,
    /// `sizing_value` metres.
    Fixed,
    /// `sizing_value` as a fraction of the parent.
    Ratio,
}

/// Whether padding is in metres or a fraction of the node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaddingType {
    /// Metres.
    #[default]
    Fixed,
    /// Fraction of the node's size.
    Ratio,
}

/// One node of a menu's layout tree (nanome-lib's `LayoutNode`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct LayoutNode {
    /// Id, unique within the plugin's menus.
    pub id: u32,
    /// A name to find the node by (not unique).
    pub name: String,
    /// Whether it (and its subtree) is shown.
    pub enabled: bool,
    /// Drawing layer, for overlapping nodes.
    pub layer: i32,
    /// How children are laid out.
    pub layout_orientation: Orientation,
    /// How this node's size is chosen.
    pub sizing_type: SizingType,
    /// Size for `fixed` (metres) or `ratio` (fraction).
    pub sizing_value: f32,
    /// Distance in front of the parent, in metres.
    pub forward_dist: f32,
    /// How `padding` is measured.
    pub padding_type: PaddingType,
    /// Left, right, top, bottom.
    pub padding: [f32; 4],
    /// Child nodes, in layout order.
    pub children: Vec<LayoutNode>,
    /// What the node shows, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<Content>,
}

impl Default for LayoutNode {
    fn default() -> Self {
        LayoutNode {
            id: 0,
            name: "node".into(),
            enabled: true,
            layer: 0,
            layout_orientation: Orientation::Vertical,
            sizing_type: SizingType::Expand,
            sizing_value: 1.0,
            forward_dist: 0.0,
            padding_type: PaddingType::Fixed,
            padding: [0.0; 4],
            children: Vec::new(),
            content: None,
        }
    }
}

impl LayoutNode {
    /// An empty node with a fresh id.
    pub fn new(name: impl Into<String>) -> Self {
        LayoutNode {
            id: next_id(),
            name: name.into(),
            ..LayoutNode::default()
        }
    }

    /// A node with a fresh id showing `content`.
    pub fn with(name: impl Into<String>, content: impl Into<Content>) -> Self {
        LayoutNode {
            content: Some(content.into()),
            ..LayoutNode::new(name)
        }
    }

    /// Appends a child; returns it for further setup.
    pub fn add_child(&mut self, child: LayoutNode) -> &mut LayoutNode {
        self.children.push(child);
        self.children.last_mut().expect("just pushed")
    }

    /// Lays out children left to right.
    pub fn horizontal(mut self) -> Self {
        self.layout_orientation = Orientation::Horizontal;
        self
    }

    /// A fixed size in metres.
    pub fn fixed(mut self, metres: f32) -> Self {
        self.sizing_type = SizingType::Fixed;
        self.sizing_value = metres;
        self
    }

    /// A size as a fraction of the parent.
    pub fn ratio(mut self, fraction: f32) -> Self {
        self.sizing_type = SizingType::Ratio;
        self.sizing_value = fraction;
        self
    }

    /// Calls `f` on this node and every node below it (list items included), depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a LayoutNode)) {
        f(self);
        if let Some(Content::List(list)) = &self.content {
            for item in &list.items {
                item.walk(f);
            }
        }
        for c in &self.children {
            c.walk(f);
        }
    }

    fn items_mut(&mut self) -> impl Iterator<Item = &mut LayoutNode> {
        let items: &mut [LayoutNode] = match &mut self.content {
            Some(Content::List(list)) => &mut list.items,
            _ => &mut [],
        };
        items.iter_mut().chain(self.children.iter_mut())
    }

    /// The content with this id in this subtree.
    pub fn find_content(&self, id: u32) -> Option<&Content> {
        let mut found = None;
        self.walk(&mut |n| {
            if found.is_none()
                && let Some(c) = &n.content
                && c.id() == id
            {
                found = Some(c);
            }
        });
        found
    }

    /// The content with this id in this subtree, mutable.
    pub fn find_content_mut(&mut self, id: u32) -> Option<&mut Content> {
        if self.content.as_ref().is_some_and(|c| c.id() == id) {
            return self.content.as_mut();
        }
        self.items_mut().find_map(|n| n.find_content_mut(id))
    }

    /// The first node named `name` in this subtree.
    pub fn find_node(&self, name: &str) -> Option<&LayoutNode> {
        let mut found = None;
        self.walk(&mut |n| {
            if found.is_none() && n.name == name {
                found = Some(n);
            }
        });
        found
    }

    /// The first node named `name` in this subtree, mutable.
    pub fn find_node_mut(&mut self, name: &str) -> Option<&mut LayoutNode> {
        if self.name == name {
            return Some(self);
        }
        self.items_mut().find_map(|n| n.find_node_mut(name))
    }

    /// Replaces the node with `node`'s id in this subtree (a copy of `node`); false if absent.
    pub fn replace_node(&mut self, node: &LayoutNode) -> bool {
        if self.id == node.id {
            *self = node.clone();
            return true;
        }
        self.items_mut().any(|child| child.replace_node(node))
    }
}
