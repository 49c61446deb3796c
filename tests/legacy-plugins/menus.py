"""A nanome-lib plugin with a menu, in ordinary nanome-lib style: part loaded with
`Menu.io.from_json`, part built in code (tests/legacy_live.rs drives it from the headless
session through the gateway).

    python menus.py -a HOST -p PORT -k KEY

Run opens the menu. "Add" counts in the label; the text field greets on submit; the
slider and the dropdown say what they were set to.
"""
import os

import nanome
from nanome.api.ui import DropdownItem, Menu
from nanome.util.enums import NotificationTypes

HERE = os.path.dirname(os.path.abspath(__file__))


class Menus(nanome.PluginInstance):
    def start(self):
        self.count = 0
        self.menu = Menu.io.from_json(os.path.join(HERE, "menus.json"))
        root = self.menu.root
        self.label = root.find_node("count").get_content()
        root.find_node("add").get_content().register_pressed_callback(self.pressed)
        field = root.create_child_node("name").add_new_text_input("Your name")
        field.register_submitted_callback(self.submitted)
        slider = root.create_child_node("level").add_new_slider(0, 10, 5)
        slider.register_released_callback(self.released)
        dropdown = root.create_child_node("pick").add_new_dropdown()
        dropdown.items = [DropdownItem("alpha"), DropdownItem("beta")]
        dropdown.register_item_clicked_callback(self.picked)

    def say(self, text):
        self.send_notification(NotificationTypes.message, text)

    def on_run(self):
        self.menu.enabled = True
        self.update_menu(self.menu)

    def pressed(self, button):
        self.count += 1
        self.label.text_value = "count: %d" % self.count
        self.update_content(self.label)

    def submitted(self, field):
        self.say("hello " + field.input_text)

    def released(self, slider):
        self.say("level %g" % slider.current_value)

    def picked(self, dropdown, item):
        self.say("picked " + item.name)


if __name__ == "__main__":
    nanome.Plugin.setup("Menus", "A menu", ["Test"], False, Menus)
