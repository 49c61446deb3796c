"""Writes the message bodies in this directory with nanome-lib 0.42.1's own serializers,
for the golden tests of src/legacy/{structure,ui}/tests.rs:

    python tests/legacy-vectors/bodies/make.py        # with nanome==0.42.1 installed
"""
import os
import sys

from nanome._internal.network.context import ContextSerialization
from nanome.api.structure import Complex
from nanome.api.structure import messages as structure_messages
from nanome.api.ui import DropdownItem, Menu
from nanome.api.ui import messages as ui_messages

HERE = os.path.dirname(os.path.abspath(__file__))
PLUGINS = os.path.join(HERE, "..", "..", "legacy-plugins")
GLY = """\
ATOM      1  N   GLY A   1      -1.195   0.339   0.000  1.00  0.00           N
ATOM      2  CA  GLY A   1       0.000  -0.507   0.000  1.00  0.00           C
ATOM      3  C   GLY A   1       1.256   0.348   0.000  1.00  0.00           C
ATOM      4  O   GLY A   1       1.197   1.570   0.000  1.00  0.00           O
ATOM      5  OXT GLY A   1       2.381  -0.290   0.000  1.00  0.00           O
END
"""


def body(serializer, value, table):
    ctx = ContextSerialization(0, table)
    serializer.serialize(0 if not isinstance(value, tuple) else 2, value, ctx)
    return ctx.to_array()


def main():
    pdb = os.path.join(HERE, "gly.pdb.tmp")
    with open(pdb, "w") as f:
        f.write(GLY)
    try:
        gly = Complex.io.from_pdb(path=pdb)
    finally:
        os.remove(pdb)
    structures = {"Atom": 8, "Bond": 1, "Residue": 2, "Chain": 0, "Molecule": 1, "Complex": 3}
    with open(os.path.join(HERE, "add_to_workspace_gly_nanome_lib.bin"), "wb") as f:
        f.write(body(structure_messages.AddToWorkspace(), [gly], structures))

    menu = Menu.io.from_json(os.path.join(PLUGINS, "menus.json"))
    root = menu.root
    root.create_child_node("name").add_new_text_input("Your name")
    root.create_child_node("level").add_new_slider(0, 10, 5)
    dropdown = root.create_child_node("pick").add_new_dropdown()
    dropdown.items = [DropdownItem("alpha"), DropdownItem("beta")]
    menu.enabled = True
    ui = {"UpdateMenu": 2, "Menu": 0, "LayoutNode": 1, "Button": 6, "Label": 1,
          "TextInput": 3, "Slider": 1, "Dropdown": 0, "DropdownItem": 0, "UIContent": 0}
    with open(os.path.join(HERE, "update_menu_counter_nanome_lib.bin"), "wb") as f:
        f.write(body(ui_messages.UpdateMenu(), (menu, False), ui))


if __name__ == "__main__":
    sys.exit(main())
