//! The instance side of menus: sending menus, content and nodes, and turning the
//! session's UI events into [`UiEvent`]s for [`PluginInstance::on_ui_event`].
//!
//! The SDK keeps the menus it sent (nanome-lib's `_menus`), so an event finds its content
//! by id and applies what the user did (a slider's value, a text field's text, a toggled
//! button, a chosen dropdown item, an open or closed menu) before the callback runs; the
//! callback gets the updated content.
//!
//! [`PluginInstance::on_ui_event`]: super::PluginInstance::on_ui_event

use std::collections::BTreeMap;

use super::{Instance, RequestError};
use crate::api::link::ToPlugin;
use crate::api::request as req;
use crate::api::structure::{Quat, Vec3};
use crate::api::ui::{
    Button, Content, ContentUpdate, Dropdown, Image, LayoutNode, Menu, MenuRef, MenuTransform,
    MenuUpdate, NodeUpdate, Slider, TextInput,
};

/// What a user did to one of the plugin's menus, with the content as it is now.
#[derive(Debug, Clone, PartialEq)]
pub enum UiEvent {
    /// A menu was opened or closed.
    MenuToggled {
        /// The menu's index.
        index: u8,
        /// Open now.
        enabled: bool,
    },
    /// A button was pressed (a toggle button's `selected` is already flipped).
    ButtonPressed(Button),
    /// A pointer entered (`true`) or left a button.
    ButtonHovered(Button, bool),
    /// A slider is moving (`current_value` is set).
    SliderChanged(Slider),
    /// A slider was let go.
    SliderReleased(Slider),
    /// A text field's text changed (`input_text` is set).
    TextChanged(TextInput),
    /// A text field was submitted.
    TextSubmitted(TextInput),
    /// A dropdown item was chosen (it alone is `selected` now); the item's position.
    DropdownItemClicked(Dropdown, usize),
    /// An image was pressed at (x, y), 0 to 1 from the bottom left.
    ImagePressed(Image, f32, f32),
    /// An image is held at (x, y).
    ImageHeld(Image, f32, f32),
    /// An image was released at (x, y).
    ImageReleased(Image, f32, f32),
}

impl UiEvent {
    /// The id of the content the event is about (`None` for menu toggles).
    pub fn content_id(&self) -> Option<u32> {
        Some(match self {
            UiEvent::MenuToggled { .. } => return None,
            UiEvent::ButtonPressed(b) | UiEvent::ButtonHovered(b, _) => b.id,
            UiEvent::SliderChanged(s) | UiEvent::SliderReleased(s) => s.id,
            UiEvent::TextChanged(t) | UiEvent::TextSubmitted(t) => t.id,
            UiEvent::DropdownItemClicked(d, _) => d.id,
            UiEvent::ImagePressed(i, ..)
            | UiEvent::ImageHeld(i, ..)
            | UiEvent::ImageReleased(i, ..) => i.id,
        })
    }
}

/// The menus this instance has sent, by index.
#[derive(Debug, Default)]
pub(super) struct Menus {
    menus: BTreeMap<u8, Menu>,
}

impl Menus {
    fn content_mut(&mut self, id: u32) -> Option<&mut Content> {
        self.menus.values_mut().find_map(|m| m.find_content_mut(id))
    }

    /// Applies a UI event to the kept menus; `None` if it is not a UI event or names
    /// content this instance never sent (logged: nanome-lib raised here).
    pub(super) fn apply(&mut self, msg: &ToPlugin) -> Option<UiEvent> {
        let unknown = |what: &str, id: u32| {
            eprintln!(
                "nts instance: ignoring a UI event for {what} {id}, which no menu sent holds"
            );
            None
        };
        macro_rules! content {
            ($id:expr, $variant:ident) => {
                match self.content_mut($id) {
                    Some(Content::$variant(c)) => c,
                    _ => return unknown(stringify!($variant), $id),
                }
            };
        }
        Some(match msg {
            ToPlugin::MenuToggle(t) => match self.menus.get_mut(&t.index) {
                Some(menu) => {
                    menu.enabled = t.enabled;
                    UiEvent::MenuToggled {
                        index: t.index,
                        enabled: t.enabled,
                    }
                }
                None => return unknown("menu", u32::from(t.index)),
            },
            ToPlugin::ButtonPress(e) => {
                let b = content!(e.content_id, Button);
                if b.toggle_on_press {
                    b.selected = e.state;
                }
                if b.disable_on_press {
                    b.unusable = true;
                }
                UiEvent::ButtonPressed((**b).clone())
            }
            ToPlugin::ButtonHover(e) => {
                UiEvent::ButtonHovered((**content!(e.content_id, Button)).clone(), e.state)
            }
            ToPlugin::SliderChange(e) | ToPlugin::SliderRelease(e) => {
                let s = content!(e.content_id, Slider);
                s.current_value = e.value;
                match msg {
                    ToPlugin::SliderChange(_) => UiEvent::SliderChanged(s.clone()),
                    _ => UiEvent::SliderReleased(s.clone()),
                }
            }
            ToPlugin::TextChange(e) | ToPlugin::TextSubmit(e) => {
                let t = content!(e.content_id, TextInput);
                t.input_text = e.text.clone();
                match msg {
                    ToPlugin::TextChange(_) => UiEvent::TextChanged(t.clone()),
                    _ => UiEvent::TextSubmitted(t.clone()),
                }
            }
            ToPlugin::DropdownItemClick(e) => {
                let d = content!(e.content_id, Dropdown);
                let item = e.item as usize;
                if item >= d.items.len() {
                    return unknown("dropdown item of", e.content_id);
                }
                for (i, it) in d.items.iter_mut().enumerate() {
                    it.selected = i == item;
                }
                UiEvent::DropdownItemClicked(d.clone(), item)
            }
            ToPlugin::ImagePress(e) | ToPlugin::ImageHold(e) | ToPlugin::ImageRelease(e) => {
                let i = content!(e.content_id, Image).clone();
                match msg {
                    ToPlugin::ImagePress(_) => UiEvent::ImagePressed(i, e.x, e.y),
                    ToPlugin::ImageHold(_) => UiEvent::ImageHeld(i, e.x, e.y),
                    _ => UiEvent::ImageReleased(i, e.x, e.y),
                }
            }
            _ => return None,
        })
    }
}

impl Instance {
    /// Shows `menu`, or replaces the menu with its index, tree and all (nanome-lib's
    /// `update_menu`). Waits until the session has checked and applied it.
    pub async fn update_menu(&self, menu: &Menu) -> Result<(), RequestError> {
        self.send_menu(menu, false).await
    }

    /// Changes only a shown menu's own fields (title, size, open, locked) and keeps its tree.
    pub async fn update_menu_shallow(&self, menu: &Menu) -> Result<(), RequestError> {
        self.send_menu(menu, true).await
    }

    async fn send_menu(&self, menu: &Menu, shallow: bool) -> Result<(), RequestError> {
        self.done::<req::MenuUpdate>(MenuUpdate {
            menu: Box::new(menu.clone()),
            shallow,
        })
        .await?;
        let mut menus = self.inner.menus.lock().expect("lock");
        match (shallow, menus.menus.get_mut(&menu.index)) {
            (true, Some(kept)) => {
                let root = std::mem::take(&mut kept.root);
                *kept = Menu {
                    root,
                    ..menu.clone()
                };
            }
            _ => {
                menus.menus.insert(menu.index, menu.clone());
            }
        }
        Ok(())
    }

    /// Replaces pieces of content already in a shown menu, by id (nanome-lib's
    /// `update_content`).
    pub async fn update_content(&self, content: &[Content]) -> Result<(), RequestError> {
        self.done::<req::ContentUpdate>(ContentUpdate {
            content: content.to_vec(),
        })
        .await?;
        let mut menus = self.inner.menus.lock().expect("lock");
        for c in content {
            if let Some(kept) = menus.content_mut(c.id()) {
                *kept = c.clone();
            }
        }
        Ok(())
    }

    /// Replaces nodes already in a shown menu, subtrees and all, by id (nanome-lib's
    /// `update_node`).
    pub async fn update_node(&self, nodes: &[LayoutNode]) -> Result<(), RequestError> {
        self.done::<req::NodeUpdate>(NodeUpdate {
            nodes: nodes.to_vec(),
        })
        .await?;
        let mut menus = self.inner.menus.lock().expect("lock");
        for n in nodes {
            menus.menus.values_mut().any(|m| m.replace_node(n));
        }
        Ok(())
    }

    /// A menu as this instance last sent it, with the users' changes applied.
    pub fn menu(&self, index: u8) -> Option<Menu> {
        self.inner
            .menus
            .lock()
            .expect("lock")
            .menus
            .get(&index)
            .cloned()
    }

    /// A piece of content, as it is now, from any menu this instance sent.
    pub fn content(&self, id: u32) -> Option<Content> {
        self.inner
            .menus
            .lock()
            .expect("lock")
            .menus
            .values()
            .find_map(|m| m.find_content(id).cloned())
    }

    /// Moves a menu in the room.
    pub async fn set_menu_transform(
        &self,
        index: u8,
        position: Vec3,
        rotation: Quat,
        scale: Vec3,
    ) -> Result<(), RequestError> {
        self.done::<req::MenuTransformSet>(MenuTransform {
            index,
            position,
            rotation,
            scale,
        })
        .await
    }

    /// Where a menu is in the room.
    pub async fn request_menu_transform(&self, index: u8) -> Result<MenuTransform, RequestError> {
        self.call::<req::MenuTransformRequest>(MenuRef { index }, super::DEFAULT_REQUEST_TIMEOUT)
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::ui::{ButtonEvent, DropdownEvent, MenuToggle, SliderEvent, TextEvent};

    fn menus() -> (Menus, Button, Slider, TextInput, Dropdown) {
        let mut menu = Menu::new(0, "m");
        let mut toggle = Button::new("t");
        toggle.toggle_on_press = true;
        let slider = Slider::new(0.0, 10.0, 5.0);
        let text = TextInput::new("name", 20);
        let dropdown = Dropdown::new(["a", "b", "c"]);
        for c in [
            Content::from(toggle.clone()),
            slider.clone().into(),
            text.clone().into(),
            dropdown.clone().into(),
        ] {
            menu.root.add_child(LayoutNode::with("n", c));
        }
        let mut m = Menus::default();
        m.menus.insert(0, menu);
        (m, toggle, slider, text, dropdown)
    }

    #[test]
    fn events_update_the_kept_content_before_the_callback() {
        let (mut m, toggle, slider, text, dd) = menus();
        let e = m.apply(&ToPlugin::ButtonPress(ButtonEvent {
            content_id: toggle.id,
            state: true,
        }));
        assert!(matches!(e, Some(UiEvent::ButtonPressed(ref b)) if b.selected));
        let e = m.apply(&ToPlugin::SliderRelease(SliderEvent {
            content_id: slider.id,
            value: 7.5,
        }));
        assert!(matches!(e, Some(UiEvent::SliderReleased(ref s)) if s.current_value == 7.5));
        let e = m.apply(&ToPlugin::TextSubmit(TextEvent {
            content_id: text.id,
            text: "hi".into(),
        }));
        assert!(matches!(e, Some(UiEvent::TextSubmitted(ref t)) if t.input_text == "hi"));
        let e = m.apply(&ToPlugin::DropdownItemClick(DropdownEvent {
            content_id: dd.id,
            item: 1,
        }));
        assert!(
            matches!(e, Some(UiEvent::DropdownItemClicked(ref d, 1)) if d.selected() == Some(1))
        );
        let e = m.apply(&ToPlugin::MenuToggle(MenuToggle {
            index: 0,
            enabled: false,
        }));
        assert_eq!(
            e,
            Some(UiEvent::MenuToggled {
                index: 0,
                enabled: false
            })
        );
        assert!(!m.menus[&0].enabled);
    }

    #[test]
    fn events_for_unknown_content_or_wrong_kinds_are_dropped() {
        let (mut m, _, slider, _, dd) = menus();
        // A button event naming a slider, an unknown id, an item out of range, a menu never sent.
        assert!(
            m.apply(&ToPlugin::ButtonPress(ButtonEvent {
                content_id: slider.id,
                state: true
            }))
            .is_none()
        );
        assert!(
            m.apply(&ToPlugin::SliderChange(SliderEvent {
                content_id: crate::api::ui::MAX_ID,
                value: 1.0
            }))
            .is_none()
        );
        assert!(
            m.apply(&ToPlugin::DropdownItemClick(DropdownEvent {
                content_id: dd.id,
                item: 3
            }))
            .is_none()
        );
        assert!(
            m.apply(&ToPlugin::MenuToggle(MenuToggle {
                index: 9,
                enabled: true
            }))
            .is_none()
        );
    }
}
