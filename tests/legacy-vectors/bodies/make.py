"""Writes the message bodies in this directory with nanome-lib 0.42.1's own serializers,
for the golden tests of src/legacy/{structure,ui,translate}/tests.rs:

    python tests/legacy-vectors/bodies/make.py        # with nanome==0.42.1 installed
"""
import os
import sys

from nanome._internal.network.context import ContextSerialization
from nanome.api.structure import Complex
from nanome.api.structure import messages as structure_messages
from nanome.api.ui import DropdownItem, Menu
from nanome.api.ui import messages as ui_messages
from nanome.api.files import messages as files_messages
from nanome.api.integration import messages as integration_messages
from nanome.api.interactions import Interaction
from nanome.api.interactions import messages as interaction_messages
from nanome.api.macro import Macro
from nanome.api.macro import messages as macro_messages
from nanome.api.volumetric import messages as volume_messages
from nanome.api.volumetric.models import VolumeData, VolumeLayer, VolumeProperties
from nanome.api._hashes import Hashes
from nanome._internal.enums import IntegrationCommands
from nanome.util import Color
from nanome.util.enums import InteractionKind, VolumeType

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


    def write(name, serializer, value, table):
        with open(os.path.join(HERE, name), "wb") as f:
            f.write(body(serializer, value, table))

    atoms = list(gly.atoms)
    write("create_interactions_nanome_lib.bin", interaction_messages.CreateInteractions(),
          [Interaction(InteractionKind.HydrogenBond, [atoms[0].index], [atoms[3].index]),
           Interaction(InteractionKind.Ionic, [1, 2], [3], 0, None, False)],
          {"Interaction": 1})
    write("get_interactions_nanome_lib.bin", interaction_messages.GetInteractions(),
          ([4], [], [], [], [7, 8], InteractionKind.Polar), {})
    data = VolumeData()
    data._width, data._height, data._depth = 2, 1, 1
    data._data = [0.25, -0.5]
    data._type = VolumeType.electrostatic
    data._name = "esp"
    data._cell._A = 3.0
    props = VolumeProperties()
    layer = VolumeLayer()
    layer._color = Color.Red()
    layer._rmsd = 1.5
    props._layers = [layer]
    write("add_volume_gly_nanome_lib.bin", volume_messages.AddVolume(),
          (gly, -1, data, props), structures)
    Hashes.init_hashes()
    hydrogen = Hashes.IntegrationHashes[IntegrationCommands.hydrogen_add]
    write("integration_hydrogen_add_gly_nanome_lib.bin", integration_messages.IntegrationSerializer(),
          (5, hydrogen, [gly]), structures)
    write("load_file_nanome_lib.bin", files_messages.LoadFile(),
          ([("gly.pdb", GLY.encode())], True, True), {})
    write("save_macro_nanome_lib.bin", macro_messages.SaveMacro(),
          (Macro("spin", "print(1)"), False, "Workbench"), {})


if __name__ == "__main__":
    sys.exit(main())
