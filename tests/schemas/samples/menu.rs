//! Menu samples: every content kind (full and default), a full menu, UI events and updates.

use nts::api::link::*;
use nts::api::ui::*;
use std::f32::consts::FRAC_1_SQRT_2;

/// A PNG signature and the start of its header: the schema only sees a byte string.
pub(crate) const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

fn png() -> serde_bytes::ByteBuf {
    serde_bytes::ByteBuf::from(PNG)
}

/// A button with every field away from its default.
fn full_button(id: u32) -> Button {
    Button {
        id,
        name: "dock ✓".into(),
        selected: true,
        unusable: true,
        disable_on_press: true,
        toggle_on_press: true,
        hover_events: true,
        text: ButtonText {
            active: false,
            value: MultiState {
                idle: "Dock".into(),
                selected: "Docking…".into(),
                highlighted: "Dock!".into(),
                selected_highlighted: String::new(),
                unusable: "—".into(),
            },
            auto_size: false,
            min_size: 0.1,
            max_size: 0.5,
            size: 0.25,
            underlined: true,
            ellipsis: false,
            bold: MultiState {
                selected: false,
                ..MultiState::all(true)
            },
            color: MultiState {
                unusable: GREY,
                ..MultiState::all(BLACK)
            },
            padding: [0.01, 0.02, 0.0, -0.0],
            line_spacing: 0.5,
            vertical_align: VertAlign::Bottom,
            horizontal_align: HorizAlign::Right,
        },
        icon: ButtonIcon {
            active: true,
            value: MultiState {
                idle: png(),
                selected: serde_bytes::ByteBuf::from(vec![0xff, 0xd8, 0xff]),
                ..MultiState::default()
            },
            color: MultiState::all(0x3366_ffff),
            sharpness: 1.0,
            size: 0.8,
            ratio: 0.25,
            position: [0.0, 0.01, -0.02],
            rotation: [0.0, 0.0, 90.0],
        },
        mesh: ButtonMesh {
            active: true,
            enabled: MultiState {
                unusable: false,
                ..MultiState::all(true)
            },
            color: MultiState::all(0x2020_20ff),
        },
        outline: ButtonOutline {
            active: false,
            size: MultiState {
                highlighted: 0.5,
                ..MultiState::all(0.1)
            },
            color: MultiState::default(),
        },
        tooltip: Tooltip {
            title: "Dock".into(),
            content: "Docks the ligand.".into(),
            bounds: [1.0, 0.5, 0.05],
            positioning_target: TooltipPositioning::Bottom,
            positioning_origin: TooltipPositioning::Center,
        },
        switch: ButtonSwitch {
            active: true,
            on_color: 0x00ff_00ff,
            off_color: 0xff00_00ff,
        },
    }
}

/// A node showing `content`.
fn node(id: u32, name: &str, content: impl Into<Content>) -> LayoutNode {
    LayoutNode {
        id,
        name: name.into(),
        content: Some(content.into()),
        ..Default::default()
    }
}

/// Every content type away from its defaults, ids from `base`: a list whose items nest
/// nodes (one with a list of its own) and a dropdown with items among them.
fn content_samples(base: u32) -> Vec<Content> {
    let inner_list = UiList {
        id: base + 100,
        items: vec![node(base + 101, "inner", UiMesh::default())],
        ..Default::default()
    };
    let row = |i: u32| LayoutNode {
        id: base + 10 + i,
        name: format!("row {i}"),
        layout_orientation: Orientation::Horizontal,
        children: vec![
            node(
                base + 20 + i,
                "name",
                Label {
                    id: base + 30 + i,
                    text_value: format!("pose {i}"),
                    ..Default::default()
                },
            ),
            node(base + 40 + i, "pick", full_button(base + 50 + i)).fixed(0.1),
        ],
        ..Default::default()
    };
    vec![
        full_button(base).into(),
        UiMesh {
            id: base + 1,
            mesh_color: 0x1020_30ff,
        }
        .into(),
        Slider {
            id: base + 2,
            current_value: 0.25,
            min_value: -1.0,
            max_value: f32::MAX,
        }
        .into(),
        TextInput {
            id: base + 3,
            max_length: u32::MAX,
            placeholder_text: "SMILES…".into(),
            input_text: "CCO".into(),
            password: true,
            number: true,
            placeholder_text_color: GREY,
            text_color: WHITE,
            background_color: 0,
            text_size: 0.5,
            text_horizontal_align: HorizAlign::Right,
            multi_line: true,
            padding: [0.0; 4],
        }
        .into(),
        Label {
            id: base + 4,
            text_value: "Résultats ✓\nline 2".into(),
            text_vertical_align: VertAlign::Bottom,
            text_horizontal_align: HorizAlign::Middle,
            text_auto_size: false,
            text_max_size: 2.0,
            text_min_size: 0.5,
            text_size: 0.3,
            text_color: BLACK,
            text_bold: true,
            text_italic: true,
            text_underlined: true,
        }
        .into(),
        UiList {
            id: base + 5,
            items: vec![row(1), row(2), node(base + 60, "nested", inner_list)],
            display_columns: 2,
            display_rows: 5,
            total_columns: 4,
            unusable: true,
        }
        .into(),
        Image {
            id: base + 6,
            color: 0xffff_ff80,
            scaling_option: ScalingOption::Fit,
            name: "logo.png".into(),
            data: png(),
            pointer_events: true,
        }
        .into(),
        Image {
            id: base + 7,
            scaling_option: ScalingOption::Fill,
            ..Default::default()
        }
        .into(),
        LoadingBar {
            id: base + 8,
            percentage: 0.5,
            title: "Docking".into(),
            description: "pose 3 of 9".into(),
            failure: true,
        }
        .into(),
        Dropdown {
            id: base + 9,
            use_permanent_title: true,
            permanent_title: "Forcefield".into(),
            max_displayed_items: 2,
            items: vec![
                DropdownItem {
                    name: "UFF".into(),
                    selected: true,
                    close_on_selected: false,
                },
                DropdownItem::default(),
                DropdownItem {
                    name: String::new(),
                    ..Default::default()
                },
            ],
            unusable: true,
        }
        .into(),
    ]
}

/// Every content type at its defaults (a list and a dropdown without items).
fn default_contents() -> Vec<Content> {
    vec![
        Content::Button(Box::default()),
        UiMesh::default().into(),
        Slider::default().into(),
        TextInput::default().into(),
        Label::default().into(),
        UiList::default().into(),
        Image::default().into(),
        LoadingBar::default().into(),
        Dropdown::default().into(),
    ]
}

/// Buttons whose tooltips take every positioning, as target and origin.
fn tooltip_buttons() -> impl Iterator<Item = Content> {
    let all = [
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
    all.into_iter().zip(all.into_iter().rev()).enumerate().map(
        |(i, (positioning_target, positioning_origin))| {
            let mut b = Button {
                id: 900 + i as u32,
                ..Default::default()
            };
            b.tooltip.positioning_target = positioning_target;
            b.tooltip.positioning_origin = positioning_origin;
            b.into()
        },
    )
}

/// A two-column menu: every content type on the left (list items and dropdown items
/// included), an empty disabled column on the right; every layout value somewhere.
fn full_menu() -> Menu {
    let left = LayoutNode {
        id: 2,
        name: "left".into(),
        layer: 1,
        children: content_samples(10)
            .into_iter()
            .enumerate()
            .map(|(i, c)| node(200 + i as u32, c.type_name(), c))
            .collect(),
        ..LayoutNode::default().ratio(0.7)
    };
    let right = LayoutNode {
        id: 3,
        name: "right".into(),
        enabled: false,
        layer: i32::MIN,
        forward_dist: 0.01,
        padding_type: PaddingType::Ratio,
        padding: [0.1, 0.1, 0.05, 0.05],
        children: vec![LayoutNode::default()],
        ..LayoutNode::default().fixed(0.25)
    };
    Menu {
        index: 1,
        enabled: true,
        title: "Docking ✓".into(),
        locked: true,
        width: 1.2,
        height: 0.9,
        root: LayoutNode {
            id: 1,
            name: "root".into(),
            children: vec![left, right],
            ..LayoutNode::default().horizontal()
        },
    }
}

fn menu_transform(index: u8) -> MenuTransform {
    MenuTransform {
        index,
        position: [0.0, 1.5, -0.75],
        rotation: [0.0, FRAC_1_SQRT_2, 0.0, FRAC_1_SQRT_2],
        scale: [1.0, 1.0, 1.0],
    }
}

/// The session's events about menus: every kind, with extremes somewhere.
pub(crate) fn ui_event_samples() -> Vec<ToPlugin> {
    vec![
        ToPlugin::MenuToggle(MenuToggle {
            index: 0,
            enabled: true,
        }),
        ToPlugin::MenuToggle(MenuToggle {
            index: u8::MAX,
            enabled: false,
        }),
        ToPlugin::ButtonPress(ButtonEvent {
            content_id: 10,
            state: true,
        }),
        ToPlugin::ButtonPress(ButtonEvent {
            content_id: 0,
            state: false,
        }),
        ToPlugin::ButtonHover(ButtonEvent {
            content_id: MAX_ID,
            state: true,
        }),
        ToPlugin::SliderChange(SliderEvent {
            content_id: 12,
            value: 0.25,
        }),
        ToPlugin::SliderChange(SliderEvent {
            content_id: 12,
            value: -0.0,
        }),
        ToPlugin::SliderRelease(SliderEvent {
            content_id: 12,
            value: f32::MAX,
        }),
        ToPlugin::TextChange(TextEvent {
            content_id: 13,
            text: "CCO ✓".into(),
        }),
        ToPlugin::TextSubmit(TextEvent {
            content_id: 13,
            text: String::new(),
        }),
        ToPlugin::ImagePress(ImageEvent {
            content_id: 16,
            x: 0.0,
            y: 1.0,
        }),
        ToPlugin::ImageHold(ImageEvent {
            content_id: 16,
            x: 0.5,
            y: 0.25,
        }),
        ToPlugin::ImageRelease(ImageEvent {
            content_id: 16,
            x: 1.0,
            y: 1e-3,
        }),
        ToPlugin::DropdownItemClick(DropdownEvent {
            content_id: 19,
            item: 0,
        }),
        ToPlugin::DropdownItemClick(DropdownEvent {
            content_id: 19,
            item: u32::MAX,
        }),
        ToPlugin::MenuTransform(menu_transform(1)),
    ]
}

/// What an instance sends about menus: every kind, deep and shallow, full and empty.
pub(crate) fn ui_update_samples() -> Vec<ToSession> {
    let mut contents = content_samples(10);
    contents.extend(default_contents());
    contents.extend(tooltip_buttons());
    let menu = full_menu();
    vec![
        ToSession::MenuUpdate(MenuUpdate {
            menu: Box::new(menu.clone()),
            shallow: false,
        }),
        ToSession::MenuUpdate(MenuUpdate {
            menu: Box::new(Menu {
                index: 1,
                enabled: false,
                title: "Docking (3/9)".into(),
                root: LayoutNode::default(),
                ..Menu::default()
            }),
            shallow: true,
        }),
        ToSession::MenuUpdate(MenuUpdate {
            menu: Box::new(Menu {
                index: u8::MAX,
                title: String::new(),
                width: 0.0,
                height: f32::MAX,
                root: LayoutNode::default(),
                ..Menu::default()
            }),
            shallow: false,
        }),
        ToSession::ContentUpdate(ContentUpdate { content: contents }),
        ToSession::ContentUpdate(ContentUpdate { content: vec![] }),
        ToSession::NodeUpdate(NodeUpdate {
            nodes: vec![menu.root.children[0].clone(), LayoutNode::default()],
        }),
        ToSession::NodeUpdate(NodeUpdate { nodes: vec![] }),
        ToSession::MenuTransformSet(menu_transform(0)),
        ToSession::MenuTransformSet(MenuTransform {
            index: u8::MAX,
            position: [f32::MIN, 0.0, f32::MAX],
            rotation: [0.0, 0.0, 0.0, 1.0],
            scale: [0.0; 3],
        }),
        ToSession::MenuTransformRequest(MenuRef { index: 0 }),
        ToSession::MenuTransformRequest(MenuRef { index: u8::MAX }),
    ]
}
