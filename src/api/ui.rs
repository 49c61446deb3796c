//! Plugin menus: a [`Menu`] holds a tree of [`LayoutNode`]s, each with at most one piece
//! of [`Content`] (button, label, text input, slider, list, dropdown, image, loading bar,
//! mesh), plus the events the session sends back when its users act on them.
//!
//! Names, fields and defaults follow nanome-lib 0.42.1 (`nanome.ui`), with its quirks fixed:
//! a menu travels as one tree (no flat node table with child ids), images carry their bytes
//! on every update (no cache keyed by path only), `Dropdown::unusable` is sent, and an event
//! for an unknown menu is dropped with a log line instead of raising. Every struct decodes
//! with its defaults for missing keys, so a hand-written menu needs only what it changes.
//! Content ids and node ids are below 2^24 (as in nanome-lib); [`next_id`] hands them out.
//!
//! Over 800 lines: every menu content kind with nanome-lib's defaults; one file per content kind is the seam to split along (issue 8, part 2).

use std::sync::atomic::{AtomicU32, Ordering};

use serde::{Deserialize, Serialize};

use super::structure::{Quat, Vec3};

/// The largest content or node id (ids share 24 bits with a plugin id in nanome-lib).
pub const MAX_ID: u32 = (1 << 24) - 1;
/// The deepest a node tree may nest.
pub const MAX_DEPTH: usize = 32;
/// The most nodes (including list items) one plugin's menus may hold.
pub const MAX_NODES: usize = 4096;
/// The most items of one list or dropdown.
pub const MAX_ITEMS: usize = 1024;

static NEXT_ID: AtomicU32 = AtomicU32::new(1);

/// A fresh id for a node or a piece of content (process-wide, like nanome-lib's counter).
pub fn next_id() -> u32 {
    // Wraps inside the 24-bit space; a plugin holding 16 million live ids is not a use case.
    NEXT_ID.fetch_add(1, Ordering::Relaxed) % MAX_ID + 1
}

/// RGBA, 8 bits each, red in the high byte (nanome-lib's `Color.hex`).
pub type Color = u32;
/// Opaque white.
pub const WHITE: Color = 0xFFFF_FFFF;
/// Opaque black.
pub const BLACK: Color = 0x0000_00FF;
/// Nanome's grey.
pub const GREY: Color = 0x7F7F_7FFF;

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

/// What a node shows (nanome-lib's `UIContent` subclasses), tagged by `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Content {
    /// A button (boxed: it is by far the largest content).
    Button(Box<Button>),
    /// A 3D mesh (a coloured panel).
    Mesh(UiMesh),
    /// A slider.
    Slider(Slider),
    /// A text field.
    TextInput(TextInput),
    /// A label.
    Label(Label),
    /// A scrolling list of nodes.
    List(UiList),
    /// An image.
    Image(Image),
    /// A progress bar.
    LoadingBar(LoadingBar),
    /// A dropdown.
    Dropdown(Dropdown),
}

impl Content {
    /// The content's id.
    pub fn id(&self) -> u32 {
        match self {
            Content::Button(c) => c.id,
            Content::Mesh(c) => c.id,
            Content::Slider(c) => c.id,
            Content::TextInput(c) => c.id,
            Content::Label(c) => c.id,
            Content::List(c) => c.id,
            Content::Image(c) => c.id,
            Content::LoadingBar(c) => c.id,
            Content::Dropdown(c) => c.id,
        }
    }

    /// The kind, as on the wire (`button`, `slider`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            Content::Button(_) => "button",
            Content::Mesh(_) => "mesh",
            Content::Slider(_) => "slider",
            Content::TextInput(_) => "text_input",
            Content::Label(_) => "label",
            Content::List(_) => "list",
            Content::Image(_) => "image",
            Content::LoadingBar(_) => "loading_bar",
            Content::Dropdown(_) => "dropdown",
        }
    }
}

macro_rules! into_content {
    ($($ty:ident => $variant:ident),*) => {$(
        impl From<$ty> for Content {
            fn from(c: $ty) -> Content {
                Content::$variant(c)
            }
        }
    )*};
}
impl From<Button> for Content {
    fn from(c: Button) -> Content {
        Content::Button(Box::new(c))
    }
}
into_content!(UiMesh => Mesh, Slider => Slider, TextInput => TextInput,
    Label => Label, UiList => List, Image => Image, LoadingBar => LoadingBar, Dropdown => Dropdown);

/// One value per button state (nanome-lib's `MultiStateVariable`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct MultiState<T> {
    /// Normal.
    pub idle: T,
    /// Selected.
    pub selected: T,
    /// Pointed at.
    pub highlighted: T,
    /// Selected and pointed at.
    pub selected_highlighted: T,
    /// Cannot be pressed.
    pub unusable: T,
}

impl<T: Clone> MultiState<T> {
    /// The same value in every state (`set_all`).
    pub fn all(v: T) -> Self {
        MultiState {
            idle: v.clone(),
            selected: v.clone(),
            highlighted: v.clone(),
            selected_highlighted: v.clone(),
            unusable: v,
        }
    }
}

/// Vertical text alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VertAlign {
    /// Top.
    Top,
    /// Middle.
    #[default]
    Middle,
    /// Bottom.
    Bottom,
}

/// Horizontal text alignment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HorizAlign {
    /// Left.
    Left,
    /// Middle.
    #[default]
    Middle,
    /// Right.
    Right,
}

/// Where a tooltip sits relative to its button.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TooltipPositioning {
    /// Top right.
    TopRight,
    /// Top.
    Top,
    /// Top left.
    TopLeft,
    /// Left.
    Left,
    /// Bottom left.
    BottomLeft,
    /// Bottom.
    Bottom,
    /// Bottom right.
    BottomRight,
    /// Right.
    #[default]
    Right,
    /// Centre.
    Center,
}

/// A button (nanome-lib's `Button`, v6 field set).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Button {
    /// Content id.
    pub id: u32,
    /// A name for scripts and logs.
    pub name: String,
    /// Selected (a toggle that is on).
    pub selected: bool,
    /// Cannot be pressed.
    pub unusable: bool,
    /// Becomes unusable once pressed.
    pub disable_on_press: bool,
    /// Pressing flips `selected`.
    pub toggle_on_press: bool,
    /// Send `button_hover` events (nanome-lib: `register_hover_callback`).
    pub hover_events: bool,
    /// Text.
    pub text: ButtonText,
    /// Icon.
    pub icon: ButtonIcon,
    /// Background mesh.
    pub mesh: ButtonMesh,
    /// Outline.
    pub outline: ButtonOutline,
    /// Tooltip.
    pub tooltip: Tooltip,
    /// Toggle-switch look.
    pub switch: ButtonSwitch,
}

impl Button {
    /// A button with a fresh id showing `text` in every state.
    pub fn new(text: impl Into<String>) -> Self {
        let mut b = Button {
            id: next_id(),
            ..Button::default()
        };
        b.text.value = MultiState::all(text.into());
        b
    }

    /// A toggle switch (nanome-lib's `add_new_toggle_switch`).
    pub fn toggle_switch(text: impl Into<String>) -> Self {
        let mut b = Button::new(text);
        b.toggle_on_press = true;
        b.switch.active = true;
        b.outline.active = false;
        b.mesh.active = false;
        b.text.horizontal_align = HorizAlign::Left;
        b
    }

    /// The text shown when idle.
    pub fn label(&self) -> &str {
        &self.text.value.idle
    }
}

/// A button's text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonText {
    /// Shown.
    pub active: bool,
    /// Text per state.
    pub value: MultiState<String>,
    /// Fit the text to the button.
    pub auto_size: bool,
    /// Smallest size when auto-sizing.
    pub min_size: f32,
    /// Largest size when auto-sizing.
    pub max_size: f32,
    /// Size when not auto-sizing.
    pub size: f32,
    /// Underlined.
    pub underlined: bool,
    /// Cut with "…" when too long.
    pub ellipsis: bool,
    /// Bold per state.
    pub bold: MultiState<bool>,
    /// Colour per state.
    pub color: MultiState<Color>,
    /// Padding: left, right, top, bottom.
    pub padding: [f32; 4],
    /// Extra space between lines.
    pub line_spacing: f32,
    /// Vertical alignment.
    pub vertical_align: VertAlign,
    /// Horizontal alignment.
    pub horizontal_align: HorizAlign,
}

impl Default for ButtonText {
    fn default() -> Self {
        ButtonText {
            active: true,
            value: MultiState::all("text".into()),
            auto_size: true,
            min_size: 0.0,
            max_size: 0.3,
            size: 0.2,
            underlined: false,
            ellipsis: true,
            bold: MultiState::all(true),
            color: MultiState::all(WHITE),
            padding: [0.0; 4],
            line_spacing: 0.0,
            vertical_align: VertAlign::Middle,
            horizontal_align: HorizAlign::Middle,
        }
    }
}

/// A button's icon: image bytes (PNG or JPEG) per state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonIcon {
    /// Shown.
    pub active: bool,
    /// Image per state (empty: none).
    pub value: MultiState<serde_bytes::ByteBuf>,
    /// Tint per state.
    pub color: MultiState<Color>,
    /// Sharpness.
    pub sharpness: f32,
    /// Size relative to the button.
    pub size: f32,
    /// Icon/text ratio.
    pub ratio: f32,
    /// Offset.
    pub position: Vec3,
    /// Rotation, Euler degrees.
    pub rotation: Vec3,
}

impl Default for ButtonIcon {
    fn default() -> Self {
        ButtonIcon {
            active: false,
            value: MultiState::default(),
            color: MultiState::all(WHITE),
            sharpness: 0.5,
            size: 1.0,
            ratio: 0.5,
            position: [0.0; 3],
            rotation: [0.0; 3],
        }
    }
}

/// A button's background mesh.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonMesh {
    /// Shown.
    pub active: bool,
    /// Shown per state.
    pub enabled: MultiState<bool>,
    /// Colour per state.
    pub color: MultiState<Color>,
}

impl Default for ButtonMesh {
    fn default() -> Self {
        ButtonMesh {
            active: false,
            enabled: MultiState::all(true),
            color: MultiState::all(BLACK),
        }
    }
}

/// A button's outline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonOutline {
    /// Shown.
    pub active: bool,
    /// Thickness per state.
    pub size: MultiState<f32>,
    /// Colour per state.
    pub color: MultiState<Color>,
}

impl Default for ButtonOutline {
    fn default() -> Self {
        ButtonOutline {
            active: true,
            size: MultiState::all(0.3),
            color: MultiState {
                idle: WHITE,
                selected: 0x00E5_BFFF,
                highlighted: 0x2FDB_BFFF,
                selected_highlighted: 0x00F9_D0FF,
                unusable: GREY,
            },
        }
    }
}

/// A button's tooltip.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Tooltip {
    /// Title.
    pub title: String,
    /// Body.
    pub content: String,
    /// Size in metres.
    pub bounds: Vec3,
    /// Side of the button it attaches to.
    pub positioning_target: TooltipPositioning,
    /// Corner of the tooltip that attaches.
    pub positioning_origin: TooltipPositioning,
}

impl Default for Tooltip {
    fn default() -> Self {
        Tooltip {
            title: String::new(),
            content: String::new(),
            bounds: [1.73, 0.6, 0.05],
            positioning_target: TooltipPositioning::Right,
            positioning_origin: TooltipPositioning::TopLeft,
        }
    }
}

/// A button drawn as a toggle switch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ButtonSwitch {
    /// Drawn as a switch.
    pub active: bool,
    /// Colour when on.
    pub on_color: Color,
    /// Colour when off.
    pub off_color: Color,
}

impl Default for ButtonSwitch {
    fn default() -> Self {
        ButtonSwitch {
            active: false,
            on_color: 0x00FF_D5FF,
            off_color: 0x7272_72FF,
        }
    }
}

/// A label (nanome-lib's `Label`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Label {
    /// Content id.
    pub id: u32,
    /// Text.
    pub text_value: String,
    /// Vertical alignment.
    pub text_vertical_align: VertAlign,
    /// Horizontal alignment.
    pub text_horizontal_align: HorizAlign,
    /// Fit the text to the node.
    pub text_auto_size: bool,
    /// Largest size when auto-sizing.
    pub text_max_size: f32,
    /// Smallest size when auto-sizing.
    pub text_min_size: f32,
    /// Size when not auto-sizing.
    pub text_size: f32,
    /// Colour.
    pub text_color: Color,
    /// Bold.
    pub text_bold: bool,
    /// Italic.
    pub text_italic: bool,
    /// Underlined.
    pub text_underlined: bool,
}

impl Default for Label {
    fn default() -> Self {
        Label {
            id: 0,
            text_value: String::new(),
            text_vertical_align: VertAlign::Top,
            text_horizontal_align: HorizAlign::Left,
            text_auto_size: true,
            text_max_size: 1.0,
            text_min_size: 0.0,
            text_size: 1.0,
            text_color: WHITE,
            text_bold: false,
            text_italic: false,
            text_underlined: false,
        }
    }
}

impl Label {
    /// A label with a fresh id.
    pub fn new(text: impl Into<String>) -> Self {
        Label {
            id: next_id(),
            text_value: text.into(),
            ..Label::default()
        }
    }
}

/// A text field (nanome-lib's `TextInput`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct TextInput {
    /// Content id.
    pub id: u32,
    /// Longest text, in characters.
    pub max_length: u32,
    /// Shown while empty.
    pub placeholder_text: String,
    /// The text.
    pub input_text: String,
    /// Hide the characters.
    pub password: bool,
    /// Digits only.
    pub number: bool,
    /// Placeholder colour.
    pub placeholder_text_color: Color,
    /// Text colour.
    pub text_color: Color,
    /// Background colour.
    pub background_color: Color,
    /// Text size.
    pub text_size: f32,
    /// Alignment.
    pub text_horizontal_align: HorizAlign,
    /// Several lines.
    pub multi_line: bool,
    /// Padding: left, right, top, bottom.
    pub padding: [f32; 4],
}

impl Default for TextInput {
    fn default() -> Self {
        TextInput {
            id: 0,
            max_length: 10,
            placeholder_text: String::new(),
            input_text: String::new(),
            password: false,
            number: false,
            placeholder_text_color: 0x7C7F_89FF,
            text_color: BLACK,
            background_color: WHITE,
            text_size: 1.0,
            text_horizontal_align: HorizAlign::Left,
            multi_line: false,
            padding: [0.015, 0.01, 0.0, 0.0],
        }
    }
}

impl TextInput {
    /// An empty text field with a fresh id.
    pub fn new(placeholder: impl Into<String>, max_length: u32) -> Self {
        TextInput {
            id: next_id(),
            placeholder_text: placeholder.into(),
            max_length,
            ..TextInput::default()
        }
    }
}

/// A slider (nanome-lib's `Slider`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Slider {
    /// Content id.
    pub id: u32,
    /// Value.
    pub current_value: f32,
    /// Lowest value.
    pub min_value: f32,
    /// Highest value.
    pub max_value: f32,
}

impl Default for Slider {
    fn default() -> Self {
        Slider {
            id: 0,
            current_value: 0.0,
            min_value: 0.0,
            max_value: 1.0,
        }
    }
}

impl Slider {
    /// A slider with a fresh id.
    pub fn new(min: f32, max: f32, current: f32) -> Self {
        Slider {
            id: next_id(),
            current_value: current,
            min_value: min,
            max_value: max,
        }
    }
}

/// A scrolling list of nodes (nanome-lib's `UIList`); re-send it to change its items.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiList {
    /// Content id.
    pub id: u32,
    /// The items, each a node tree.
    pub items: Vec<LayoutNode>,
    /// Columns shown.
    pub display_columns: u32,
    /// Rows shown.
    pub display_rows: u32,
    /// Columns in all.
    pub total_columns: u32,
    /// Cannot be scrolled.
    pub unusable: bool,
}

impl Default for UiList {
    fn default() -> Self {
        UiList {
            id: 0,
            items: Vec::new(),
            display_columns: 1,
            display_rows: 10,
            total_columns: 1,
            unusable: false,
        }
    }
}

impl UiList {
    /// An empty list with a fresh id.
    pub fn new() -> Self {
        UiList {
            id: next_id(),
            ..UiList::default()
        }
    }
}

/// How an image fills its node.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingOption {
    /// Stretch to the node.
    #[default]
    Stretch,
    /// Cover the node, cropping.
    Fill,
    /// Fit inside the node.
    Fit,
}

/// An image (nanome-lib's `Image`): PNG or JPEG bytes, sent whole on every update.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Image {
    /// Content id.
    pub id: u32,
    /// Tint.
    pub color: Color,
    /// How it fills its node.
    pub scaling_option: ScalingOption,
    /// File name, for logs and scripts.
    pub name: String,
    /// Encoded image.
    pub data: serde_bytes::ByteBuf,
    /// Send `image_press`/`image_hold`/`image_release` events (nanome-lib: the image hooks).
    pub pointer_events: bool,
}

impl Default for Image {
    fn default() -> Self {
        Image {
            id: 0,
            color: WHITE,
            scaling_option: ScalingOption::Stretch,
            name: String::new(),
            data: serde_bytes::ByteBuf::new(),
            pointer_events: false,
        }
    }
}

impl Image {
    /// An image with a fresh id.
    pub fn new(name: impl Into<String>, data: Vec<u8>) -> Self {
        Image {
            id: next_id(),
            name: name.into(),
            data: serde_bytes::ByteBuf::from(data),
            ..Image::default()
        }
    }
}

/// A progress bar (nanome-lib's `LoadingBar`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct LoadingBar {
    /// Content id.
    pub id: u32,
    /// Progress, 0 to 1.
    pub percentage: f32,
    /// Title.
    pub title: String,
    /// Description.
    pub description: String,
    /// Shown as failed.
    pub failure: bool,
}

impl LoadingBar {
    /// An empty bar with a fresh id.
    pub fn new(title: impl Into<String>) -> Self {
        LoadingBar {
            id: next_id(),
            title: title.into(),
            ..LoadingBar::default()
        }
    }
}

/// A dropdown (nanome-lib's `Dropdown`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Dropdown {
    /// Content id.
    pub id: u32,
    /// Show `permanent_title` instead of the selected item.
    pub use_permanent_title: bool,
    /// The fixed title.
    pub permanent_title: String,
    /// Items shown when open.
    pub max_displayed_items: u32,
    /// The items.
    pub items: Vec<DropdownItem>,
    /// Cannot be opened (sent, unlike nanome-lib).
    pub unusable: bool,
}

impl Default for Dropdown {
    fn default() -> Self {
        Dropdown {
            id: 0,
            use_permanent_title: false,
            permanent_title: String::new(),
            max_displayed_items: 3,
            items: Vec::new(),
            unusable: false,
        }
    }
}

impl Dropdown {
    /// A dropdown with a fresh id and these item names, none selected.
    pub fn new<S: Into<String>>(items: impl IntoIterator<Item = S>) -> Self {
        Dropdown {
            id: next_id(),
            items: items
                .into_iter()
                .map(|name| DropdownItem {
                    name: name.into(),
                    ..DropdownItem::default()
                })
                .collect(),
            ..Dropdown::default()
        }
    }

    /// The selected item's position, if any.
    pub fn selected(&self) -> Option<usize> {
        self.items.iter().position(|i| i.selected)
    }
}

/// One item of a dropdown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DropdownItem {
    /// Text.
    pub name: String,
    /// Selected.
    pub selected: bool,
    /// Choosing it closes the dropdown.
    pub close_on_selected: bool,
}

impl Default for DropdownItem {
    fn default() -> Self {
        DropdownItem {
            name: "item".into(),
            selected: false,
            close_on_selected: true,
        }
    }
}

/// A coloured panel (nanome-lib's UI `Mesh`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UiMesh {
    /// Content id.
    pub id: u32,
    /// Colour.
    pub mesh_color: Color,
}

impl Default for UiMesh {
    fn default() -> Self {
        UiMesh {
            id: 0,
            mesh_color: GREY,
        }
    }
}

impl UiMesh {
    /// A grey panel with a fresh id.
    pub fn new() -> Self {
        UiMesh {
            id: next_id(),
            ..UiMesh::default()
        }
    }
}

// ---- messages ----

/// `menu_update`: show or replace a menu. Shallow updates change only the menu's own
/// fields (title, size, enabled, locked) and keep its tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MenuUpdate {
    /// The menu (boxed: menus are large next to other messages).
    pub menu: Box<Menu>,
    /// Only the menu's own fields.
    #[serde(default)]
    pub shallow: bool,
}

/// `content_update`: replace pieces of content, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentUpdate {
    /// The new content (each id must be in a menu already).
    pub content: Vec<Content>,
}

/// `node_update`: replace nodes with their subtrees, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeUpdate {
    /// The new nodes (each id must be in a menu already).
    pub nodes: Vec<LayoutNode>,
}

/// Names a menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuRef {
    /// The menu's index.
    pub index: u8,
}

/// Where a menu floats in the room (`menu_transform_set`, and the reply to
/// `menu_transform_request`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct MenuTransform {
    /// The menu's index.
    pub index: u8,
    /// Position in the room, metres.
    pub position: Vec3,
    /// Rotation.
    pub rotation: Quat,
    /// Scale.
    pub scale: Vec3,
}

/// `menu_toggle`: a user opened or closed a menu.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MenuToggle {
    /// The menu's index.
    pub index: u8,
    /// Open now.
    pub enabled: bool,
}

/// `button_press` (state: selected after the press) and `button_hover` (state: hovering).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ButtonEvent {
    /// The button.
    pub content_id: u32,
    /// See the kind.
    pub state: bool,
}

/// `slider_change` (while moving) and `slider_release`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SliderEvent {
    /// The slider.
    pub content_id: u32,
    /// The value.
    pub value: f32,
}

/// `text_change` and `text_submit`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextEvent {
    /// The text field.
    pub content_id: u32,
    /// The text.
    pub text: String,
}

/// `image_press`, `image_hold` and `image_release`: where on the image, 0 to 1 from the
/// bottom left.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ImageEvent {
    /// The image.
    pub content_id: u32,
    /// Horizontal position.
    pub x: f32,
    /// Vertical position.
    pub y: f32,
}

/// `dropdown_item_click`: a user chose an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DropdownEvent {
    /// The dropdown.
    pub content_id: u32,
    /// The item's position.
    pub item: u32,
}

#[cfg(test)]
mod tests {
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
        let json = r#"{"index":1,"root":{"id":5,"children":[{"id":6,"content":{"type":"button","id":7}}]}}"#;
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
}
