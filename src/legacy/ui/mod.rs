//! nanome-lib's menu serializers (`UpdateMenu` 2, `SendUIContent` 1, `SendLayoutNode` 1,
//! `Menu` 0, `LayoutNode` 1, `Button` 6, `Label` 1, `TextInput` 3, `Slider` 1, `Image` 2,
//! `LoadingBar` 1, `Mesh` 1, `List` 1, `Dropdown` 0, and every lower version), read into
//! nts's menu tree, and the UI events written back.
//!
//! `update_menu` sends the menu, then every node flat (children by id, content by id),
//! then every content; the tree is rebuilt here, every id checked: a node is used once,
//! the root exists, nothing is deeper than [`MAX_DEPTH`]. Images travel through a per-session
//! cache (nanome-lib sends an image's bytes once, then only its key), bounded in bytes.
//! nanome-lib does not send node names, so a legacy menu's nodes are named by their ids;
//! its ids count from 0 and nts's from 1, so every id is shifted by one on the way in and
//! back on the way out.

use super::serial::{Reader, SerialError, VersionTable, Writer, version_of};
use crate::api::ui::{
    Button, ButtonIcon, ButtonMesh, ButtonOutline, ButtonSwitch, ButtonText, Content, Dropdown,
    DropdownItem, HorizAlign, Image, Label, LayoutNode, LoadingBar, MAX_DEPTH, MAX_ITEMS,
    MAX_NODES, Menu, MultiState, Orientation, PaddingType, ScalingOption, SizingType, Slider,
    TextInput, Tooltip, TooltipPositioning, UiList, UiMesh, VertAlign,
};
use std::collections::{HashMap, HashSet};

/// Bytes of images a session's cache keeps at most (a plugin serves up to its capacity of
/// sessions at once, each with its own cache; menu icons are kilobytes).
const IMAGE_CACHE: usize = 16 << 20;

/// The versions of the UI serializers a session uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Versions {
    update_menu: u8,
    content: u8,
    nodes: u8,
    node: u8,
    button: u8,
    label: u8,
    text_input: u8,
    image: u8,
    button_callback: u8,
    menu_callback: u8,
}

impl Versions {
    /// The versions in a negotiated table (0 for a name missing, as nanome-lib does).
    pub fn of(table: &VersionTable) -> Versions {
        let v = |name: &str| version_of(table, name);
        Versions {
            update_menu: v("UpdateMenu"),
            content: v("SendUIContent"),
            nodes: v("SendLayoutNode"),
            node: v("LayoutNode"),
            button: v("Button"),
            label: v("Label"),
            text_input: v("TextInput"),
            image: v("Image"),
            button_callback: v("ButtonCallback"),
            menu_callback: v("MenuCallback"),
        }
    }
}

/// What the UI hooks (`hook_ui_callback`) asked for: hover events of buttons, pointer
/// events of images, by content id.
#[derive(Debug, Default)]
pub struct Hooks {
    hover: HashSet<u32>,
    pointer: HashSet<u32>,
}

impl Hooks {
    /// Reads a `hook_ui_callback`: a byte (0 hover, 1–3 image press/hold/release) and the id.
    pub fn hook(&mut self, r: &mut Reader<'_>) -> Result<(), SerialError> {
        let kind = r.u8("the hook's kind")?;
        let id = content_id(r, 1)?;
        if self.hover.len() + self.pointer.len() >= MAX_NODES * 4 {
            return Ok(());
        }
        match kind {
            0 => self.hover.insert(id),
            _ => self.pointer.insert(id),
        };
        Ok(())
    }

    fn apply(&self, c: &mut Content) {
        match c {
            Content::Button(b) if self.hover.contains(&b.id) => b.hover_events = true,
            Content::Image(i) if self.pointer.contains(&i.id) => i.pointer_events = true,
            _ => {}
        }
    }
}

/// A session's images by key, bounded.
#[derive(Debug, Default)]
pub struct Images {
    by_key: HashMap<String, Vec<u8>>,
    bytes: usize,
}

impl Images {
    /// A cached image field: `bool cached | key | [bytes]`.
    fn read(&mut self, r: &mut Reader<'_>) -> Result<Vec<u8>, SerialError> {
        let cached = r.bool("an image's cache flag")?;
        let key = r.string("an image's key")?;
        if cached {
            return Ok(self.by_key.get(&key).cloned().unwrap_or_default());
        }
        let data = byte_array(r, "an image's bytes")?;
        if !data.is_empty() && self.bytes + data.len() <= IMAGE_CACHE {
            self.bytes += data.len();
            if let Some(old) = self.by_key.insert(key, data.clone()) {
                self.bytes -= old.len();
            }
        }
        Ok(data)
    }
}

fn byte_array(r: &mut Reader<'_>, what: &'static str) -> Result<Vec<u8>, SerialError> {
    let n = r.count(1, what)?;
    Ok(r.take(n, what)?.to_vec())
}

/// nanome-lib counts node and content ids from 0, nts from 1: an id here is nanome-lib's
/// plus one, and minus one again in the events going back.
fn shifted(id: u32) -> u32 {
    id.wrapping_add(1)
}

/// nanome-lib's id for an nts id.
fn unshifted(id: u32) -> i32 {
    id.wrapping_sub(1) as i32
}

/// A content id: version 0 carried the plugin's id in its top byte.
fn content_id(r: &mut Reader<'_>, v: u8) -> Result<u32, SerialError> {
    let id = r.i32("a content id")? as u32;
    Ok(shifted(if v == 0 { id & 0x00FF_FFFF } else { id }))
}

/// A node id.
fn node_id(r: &mut Reader<'_>, what: &'static str) -> Result<u32, SerialError> {
    Ok(shifted(r.i32(what)? as u32))
}

/// One of an enum's values by its index; nanome-lib's `safe_cast` falls back likewise.
fn pick<T: Copy + Default>(all: &[T], i: u32) -> T {
    all.get(i as usize).copied().unwrap_or_default()
}

const VERT: [VertAlign; 3] = [VertAlign::Top, VertAlign::Middle, VertAlign::Bottom];
const HORIZ: [HorizAlign; 3] = [HorizAlign::Left, HorizAlign::Middle, HorizAlign::Right];
const ORIENT: [Orientation; 2] = [Orientation::Vertical, Orientation::Horizontal];
const SIZING: [SizingType; 3] = [SizingType::Expand, SizingType::Fixed, SizingType::Ratio];
const PADDING: [PaddingType; 2] = [PaddingType::Fixed, PaddingType::Ratio];
const SCALING: [ScalingOption; 3] = [
    ScalingOption::Stretch,
    ScalingOption::Fill,
    ScalingOption::Fit,
];
const TOOLTIP: [TooltipPositioning; 9] = [
    TooltipPositioning::TopRight,
    TooltipPositioning::Top,
    TooltipPositioning::TopLeft,
    TooltipPositioning::Left,
    TooltipPositioning::BottomLeft,
    TooltipPositioning::Bottom,
    TooltipPositioning::BottomRight,
    TooltipPositioning::Right,
    TooltipPositioning::Center,
];

fn multi<T>(
    r: &mut Reader<'_>,
    mut one: impl FnMut(&mut Reader<'_>) -> Result<T, SerialError>,
) -> Result<MultiState<T>, SerialError> {
    Ok(MultiState {
        idle: one(r)?,
        selected: one(r)?,
        highlighted: one(r)?,
        selected_highlighted: one(r)?,
        unusable: one(r)?,
    })
}

/// What reading menus needs from the session: its versions, hooks and images.
pub struct Ui<'a> {
    /// The versions.
    pub v: Versions,
    /// The hooks asked for.
    pub hooks: &'a Hooks,
    /// The images seen.
    pub images: &'a mut Images,
}

impl Ui<'_> {
    fn button(&mut self, r: &mut Reader<'_>) -> Result<Button, SerialError> {
        let v = self.v.button;
        let mut b = Button {
            id: content_id(r, v)?,
            ..Button::default()
        };
        if v >= 3 {
            b.name = r.string("a button's name")?;
        }
        b.selected = r.bool("a button's selection")?;
        b.unusable = r.bool("a button's unusable flag")?;
        if v >= 4 {
            b.disable_on_press = r.bool("a button's disable-on-press flag")?;
        }
        if v >= 5 {
            b.toggle_on_press = r.bool("a button's toggle flag")?;
        }
        let mut text = ButtonText {
            active: r.bool("a button's text flag")?,
            value: multi(r, |r| r.string("a button's text"))?,
            auto_size: r.bool("a button's text auto-size")?,
            min_size: r.f32("a button's text size")?,
            max_size: r.f32("a button's text size")?,
            size: r.f32("a button's text size")?,
            underlined: r.bool("a button's underline")?,
            ..ButtonText::default()
        };
        if v >= 3 {
            text.ellipsis = r.bool("a button's ellipsis")?;
            text.bold = multi(r, |r| r.bool("a button's bold flag"))?;
            text.color = multi(r, |r| r.u32("a button's text colour"))?;
            // nanome-lib's order: top, bottom, left, right.
            let [t, b_, l, rt] = [
                r.f32("a button's padding")?,
                r.f32("a button's padding")?,
                r.f32("a button's padding")?,
                r.f32("a button's padding")?,
            ];
            text.padding = [l, rt, t, b_];
            text.line_spacing = r.f32("a button's line spacing")?;
        } else {
            text.bold = MultiState::all(r.bool("a button's bold flag")?);
        }
        text.vertical_align = pick(&VERT, r.u32("a button's alignment")?);
        text.horizontal_align = pick(&HORIZ, r.u32("a button's alignment")?);
        b.text = text;
        if v >= 2 {
            let mut icon = ButtonIcon {
                active: r.bool("a button's icon flag")?,
                ..ButtonIcon::default()
            };
            if v >= 6 {
                let images = &mut *self.images;
                icon.value = multi(r, |r| images.read(r).map(serde_bytes::ByteBuf::from))?;
            } else {
                for _ in 0..5 {
                    r.string("a button's icon path")?;
                }
                icon.value = multi(r, |r| {
                    byte_array(r, "a button's icon").map(serde_bytes::ByteBuf::from)
                })?;
            }
            icon.color = multi(r, |r| r.u32("a button's icon colour"))?;
            icon.sharpness = r.f32("a button's icon sharpness")?;
            icon.size = r.f32("a button's icon size")?;
            icon.ratio = r.f32("a button's icon ratio")?;
            icon.position = r.vec3("a button's icon position")?;
            icon.rotation = r.vec3("a button's icon rotation")?;
            b.icon = icon;
        }
        if v >= 3 {
            b.mesh = ButtonMesh {
                active: r.bool("a button's mesh flag")?,
                enabled: multi(r, |r| r.bool("a button's mesh flag"))?,
                color: multi(r, |r| r.u32("a button's mesh colour"))?,
            };
            b.outline = ButtonOutline {
                active: r.bool("a button's outline flag")?,
                size: multi(r, |r| r.f32("a button's outline size"))?,
                color: multi(r, |r| r.u32("a button's outline colour"))?,
            };
            b.tooltip = Tooltip {
                title: r.string("a button's tooltip")?,
                content: r.string("a button's tooltip")?,
                bounds: r.vec3("a button's tooltip bounds")?,
                positioning_target: pick(&TOOLTIP, r.u32("a tooltip's positioning")?),
                positioning_origin: pick(&TOOLTIP, r.u32("a tooltip's positioning")?),
            };
        }
        if v >= 5 {
            b.switch = ButtonSwitch {
                active: r.bool("a button's switch flag")?,
                on_color: r.u32("a button's switch colour")?,
                off_color: r.u32("a button's switch colour")?,
            };
        }
        Ok(b)
    }

    /// A `UIContent`: its type, then its serializer's fields.
    fn content(&mut self, r: &mut Reader<'_>, depth: usize) -> Result<Content, SerialError> {
        let kind = r.u32("a content's type")?;
        let mut c = match kind {
            0 => Content::Button(Box::new(self.button(r)?)),
            1 => Content::Mesh(UiMesh {
                id: content_id(r, 1)?,
                mesh_color: r.u32("a mesh's colour")?,
            }),
            2 => Content::Slider(Slider {
                id: content_id(r, 1)?,
                current_value: r.f32("a slider's value")?,
                min_value: r.f32("a slider's minimum")?,
                max_value: r.f32("a slider's maximum")?,
            }),
            3 => Content::TextInput(self.text_input(r)?),
            4 => {
                let v = self.v.label;
                Content::Label(Label {
                    id: content_id(r, v)?,
                    text_value: r.string("a label's text")?,
                    text_vertical_align: pick(&VERT, r.u32("a label's alignment")?),
                    text_horizontal_align: pick(&HORIZ, r.u32("a label's alignment")?),
                    text_auto_size: r.bool("a label's auto-size")?,
                    text_max_size: r.f32("a label's text size")?,
                    text_min_size: r.f32("a label's text size")?,
                    text_size: r.f32("a label's text size")?,
                    text_color: r.u32("a label's colour")?,
                    text_bold: r.bool("a label's bold flag")?,
                    text_italic: r.bool("a label's italic flag")?,
                    text_underlined: r.bool("a label's underline")?,
                })
            }
            5 => {
                let id = content_id(r, 1)?;
                let n = r.count(41, "a list's items")?;
                if n > MAX_ITEMS {
                    return Err(r.invalid(format!("a list of {n} items; at most {MAX_ITEMS}")));
                }
                let items = (0..n)
                    .map(|_| self.deep_node(r, depth + 1))
                    .collect::<Result<_, _>>()?;
                Content::List(UiList {
                    id,
                    items,
                    display_columns: r.i32("a list's columns")?.max(0) as u32,
                    display_rows: r.i32("a list's rows")?.max(0) as u32,
                    total_columns: r.i32("a list's columns")?.max(0) as u32,
                    unusable: r.bool("a list's unusable flag")?,
                })
            }
            6 => {
                let v = self.v.image;
                let id = content_id(r, v)?;
                let name = if v < 2 {
                    r.string("an image's path")?
                } else {
                    String::new()
                };
                let color = r.u32("an image's colour")?;
                let scaling_option = pick(&SCALING, r.u32("an image's scaling")?);
                let data = if v >= 2 {
                    self.images.read(r)?
                } else {
                    byte_array(r, "an image's bytes")?
                };
                Content::Image(Image {
                    id,
                    color,
                    scaling_option,
                    name,
                    data: serde_bytes::ByteBuf::from(data),
                    pointer_events: false,
                })
            }
            7 => Content::LoadingBar(LoadingBar {
                id: content_id(r, 1)?,
                percentage: r.f32("a loading bar's percentage")?,
                title: r.string("a loading bar's title")?,
                description: r.string("a loading bar's description")?,
                failure: r.bool("a loading bar's failure flag")?,
            }),
            8 => {
                let id = content_id(r, 1)?;
                let use_permanent_title = r.bool("a dropdown's title flag")?;
                let permanent_title = r.string("a dropdown's title")?;
                let max_displayed_items = r.i32("a dropdown's item count")?.max(0) as u32;
                let n = r.count(7, "a dropdown's items")?;
                if n > MAX_ITEMS {
                    return Err(r.invalid(format!("a dropdown of {n} items; at most {MAX_ITEMS}")));
                }
                let items = (0..n)
                    .map(|_| {
                        let item = DropdownItem {
                            name: r.string("a dropdown item's name")?,
                            selected: r.bool("a dropdown item's selection")?,
                            close_on_selected: r.bool("a dropdown item's close flag")?,
                        };
                        r.u8("a dropdown item's type")?;
                        Ok(item)
                    })
                    .collect::<Result<_, SerialError>>()?;
                Content::Dropdown(Dropdown {
                    id,
                    use_permanent_title,
                    permanent_title,
                    max_displayed_items,
                    items,
                    unusable: false,
                })
            }
            other => {
                return Err(r.invalid(format!("UI content type {other} is none nanome-lib has")));
            }
        };
        self.hooks.apply(&mut c);
        Ok(c)
    }

    fn text_input(&mut self, r: &mut Reader<'_>) -> Result<TextInput, SerialError> {
        let v = self.v.text_input;
        let mut t = TextInput {
            id: content_id(r, v)?,
            max_length: r.i32("a text field's length")?.max(0) as u32,
            placeholder_text: r.string("a text field's placeholder")?,
            input_text: r.string("a text field's text")?,
            ..TextInput::default()
        };
        if v >= 2 {
            t.password = r.bool("a text field's password flag")?;
            t.number = r.bool("a text field's number flag")?;
        }
        if v >= 3 {
            t.placeholder_text_color = r.u32("a text field's colour")?;
            t.text_color = r.u32("a text field's colour")?;
            t.background_color = r.u32("a text field's colour")?;
            t.text_size = r.f32("a text field's text size")?;
            t.text_horizontal_align = pick(&HORIZ, r.u32("a text field's alignment")?);
            t.multi_line = r.bool("a text field's multi-line flag")?;
            t.padding = [
                r.f32("a text field's padding")?,
                r.f32("a text field's padding")?,
                r.f32("a text field's padding")?,
                r.f32("a text field's padding")?,
            ];
        }
        Ok(t)
    }

    /// A node's own fields (both node serializers share them; the deep one writes its
    /// enums as signed ints, the same bytes).
    fn node_fields(r: &mut Reader<'_>) -> Result<LayoutNode, SerialError> {
        let id = node_id(r, "a node's id")?;
        Ok(LayoutNode {
            id,
            name: format!("node {id}"),
            enabled: r.bool("a node's enabled flag")?,
            layer: r.i32("a node's layer")?,
            layout_orientation: pick(&ORIENT, r.u32("a node's orientation")?),
            sizing_type: pick(&SIZING, r.u32("a node's sizing")?),
            sizing_value: r.f32("a node's size")?,
            forward_dist: r.f32("a node's forward distance")?,
            padding_type: pick(&PADDING, r.u32("a node's padding type")?),
            padding: [
                r.f32("a node's padding")?,
                r.f32("a node's padding")?,
                r.f32("a node's padding")?,
                r.f32("a node's padding")?,
            ],
            children: vec![],
            content: None,
        })
    }

    /// `LayoutNodeDeep`: the node with its children and content inline.
    fn deep_node(&mut self, r: &mut Reader<'_>, depth: usize) -> Result<LayoutNode, SerialError> {
        if depth > MAX_DEPTH {
            return Err(r.invalid(format!("menu nodes nested deeper than {MAX_DEPTH}")));
        }
        let mut node = Self::node_fields(r)?;
        let n = r.count(41, "a node's children")?;
        if n > MAX_NODES {
            return Err(r.invalid(format!("a node with {n} children; at most {MAX_NODES}")));
        }
        node.children = (0..n)
            .map(|_| self.deep_node(r, depth + 1))
            .collect::<Result<_, _>>()?;
        if r.bool("a node's content flag")? {
            node.content = Some(self.content(r, depth)?);
        }
        Ok(node)
    }

    /// `update_menu`: the menu and whether it is shallow (its fields only).
    pub fn update_menu(&mut self, r: &mut Reader<'_>) -> Result<(Menu, bool), SerialError> {
        let v = self.v.update_menu;
        let index = if v >= 1 { r.u8("the menu's index")? } else { 0 };
        let shallow = v >= 2 && r.bool("the shallow flag")?;
        let enabled = r.bool("the menu's enabled flag")?;
        let _ = r.i32("the menu's index")?;
        let title = r.string("the menu's title")?;
        let locked = r.bool("the menu's lock")?;
        let width = r.f32("the menu's width")?;
        let height = r.f32("the menu's height")?;
        let root_id = node_id(r, "the menu's root")?;
        // Flat nodes: fields, child ids, content id.
        let n = r.count(45, "the menu's nodes")?;
        if n > MAX_NODES {
            return Err(r.invalid(format!("a menu of {n} nodes; at most {MAX_NODES}")));
        }
        let mut nodes: HashMap<u32, (LayoutNode, Vec<u32>, Option<u32>)> = HashMap::new();
        for _ in 0..n {
            let node = Self::node_fields(r)?;
            let k = r.count(4, "a node's children")?;
            let children = (0..k)
                .map(|_| node_id(r, "a child id"))
                .collect::<Result<Vec<_>, _>>()?;
            let content = if r.bool("a node's content flag")? {
                Some(content_id(r, self.v.node)?)
            } else {
                None
            };
            if nodes.insert(node.id, (node, children, content)).is_some() {
                return Err(r.invalid("two nodes share an id".into()));
            }
        }
        let n = r.count(8, "the menu's content")?;
        if n > MAX_NODES {
            return Err(r.invalid(format!("a menu of {n} contents; at most {MAX_NODES}")));
        }
        let mut contents = HashMap::new();
        for _ in 0..n {
            let c = self.content(r, 0)?;
            contents.insert(c.id(), c);
        }
        let root = if shallow && nodes.is_empty() {
            LayoutNode {
                id: root_id,
                name: format!("node {root_id}"),
                ..LayoutNode::default()
            }
        } else {
            build(root_id, &mut nodes, &mut contents, 0).map_err(|what| r.invalid(what))?
        };
        Ok((
            Menu {
                index,
                enabled,
                title,
                locked,
                width,
                height,
                root,
            },
            shallow,
        ))
    }

    /// `update_content`: contents by id.
    pub fn update_content(&mut self, r: &mut Reader<'_>) -> Result<Vec<Content>, SerialError> {
        if self.v.content == 0 {
            return Ok(vec![self.content(r, 0)?]);
        }
        let n = r.count(8, "the content")?;
        if n > MAX_NODES {
            return Err(r.invalid(format!("{n} contents; at most {MAX_NODES}")));
        }
        (0..n).map(|_| self.content(r, 0)).collect()
    }

    /// `update_node`: nodes with their subtrees.
    pub fn update_node(&mut self, r: &mut Reader<'_>) -> Result<Vec<LayoutNode>, SerialError> {
        if self.v.nodes == 0 {
            return Ok(vec![self.deep_node(r, 0)?]);
        }
        let n = r.count(41, "the nodes")?;
        if n > MAX_NODES {
            return Err(r.invalid(format!("{n} nodes; at most {MAX_NODES}")));
        }
        (0..n).map(|_| self.deep_node(r, 0)).collect()
    }
}

/// Node `id` with its subtree, taken out of the flat lists (each node used once).
fn build(
    id: u32,
    nodes: &mut HashMap<u32, (LayoutNode, Vec<u32>, Option<u32>)>,
    contents: &mut HashMap<u32, Content>,
    depth: usize,
) -> Result<LayoutNode, String> {
    if depth > MAX_DEPTH {
        return Err(format!("menu nodes nested deeper than {MAX_DEPTH}"));
    }
    let (mut node, children, content) = nodes
        .remove(&id)
        .ok_or_else(|| format!("node {id} is named but not sent, or used twice"))?;
    node.children = children
        .into_iter()
        .map(|c| build(c, nodes, contents, depth + 1))
        .collect::<Result<_, _>>()?;
    node.content = match content {
        Some(cid) => Some(
            contents
                .remove(&cid)
                .ok_or_else(|| format!("content {cid} is named but not sent, or used twice"))?,
        ),
        None => None,
    };
    Ok(node)
}

/// `menu_toggle`: the menu's index and whether it is now open.
pub fn menu_toggle(v: Versions, index: u8, enabled: bool) -> Vec<u8> {
    let mut w = Writer::default();
    if v.menu_callback >= 1 {
        w.u8(index);
    }
    w.bool(enabled);
    w.bytes
}

/// `button_press` / `button_hover`: the button and its state.
pub fn button(v: Versions, id: u32, state: bool) -> Vec<u8> {
    let mut w = Writer::default();
    w.i32(unshifted(id));
    if v.button_callback >= 2 {
        w.bool(state);
    }
    w.bytes
}

/// `slider_change` / `slider_release`.
pub fn slider(id: u32, value: f32) -> Vec<u8> {
    let mut w = Writer::default();
    w.i32(unshifted(id)).f32(value);
    w.bytes
}

/// `text_change` / `text_submit`.
pub fn text(id: u32, text: &str) -> Vec<u8> {
    let mut w = Writer::default();
    w.i32(unshifted(id)).string(text);
    w.bytes
}

/// `image_press` / `_hold` / `_release`.
pub fn image(id: u32, x: f32, y: f32) -> Vec<u8> {
    let mut w = Writer::default();
    w.i32(unshifted(id)).f32(x).f32(y);
    w.bytes
}

/// `dropdown_item_click`.
pub fn dropdown(id: u32, item: u32) -> Vec<u8> {
    let mut w = Writer::default();
    w.i32(unshifted(id)).i32(item as i32);
    w.bytes
}

/// `menu_transform_response`: position, rotation, scale.
pub fn menu_transform(t: &crate::api::ui::MenuTransform) -> Vec<u8> {
    let mut w = Writer::default();
    for f in t.position.iter().chain(&t.rotation).chain(&t.scale) {
        w.f32(*f);
    }
    w.bytes
}

/// `menu_transform_set`: the menu's index, position, rotation, scale.
pub fn read_menu_transform(
    r: &mut Reader<'_>,
) -> Result<crate::api::ui::MenuTransform, SerialError> {
    Ok(crate::api::ui::MenuTransform {
        index: r.u8("the menu's index")?,
        position: r.vec3("the menu's position")?,
        rotation: [
            r.f32("the menu's rotation")?,
            r.f32("the menu's rotation")?,
            r.f32("the menu's rotation")?,
            r.f32("the menu's rotation")?,
        ],
        scale: r.vec3("the menu's scale")?,
    })
}

#[cfg(test)]
mod tests;
