"""An ordinary nanome-lib plugin using the rest of the API, unmodified: interactions, the
files API, files sent to load, macros, a colour scheme, complex hooks and an integration.

    python workbench.py -a HOST -p PORT -k KEY

Advanced settings runs the chain below, one notification per step, ending with
"workbench done". Afterwards it reports updates and selection changes of the first
complex, and answers the hydrogen integration by renaming the complexes it is given.
"""
import os
import tempfile

import nanome
from nanome.api.interactions import Interaction
from nanome.api.macro import Macro
from nanome.api.volumetric.models import VolumeData, VolumeLayer, VolumeProperties
from nanome.util import Color, FileSaveData
from nanome.util.enums import (ColorScheme, ColorSchemeTarget, Integrations,
                               InteractionKind, NotificationTypes, Permissions,
                               VolumeType)

GLY = """\
ATOM      1  N   GLY A   1      -1.195   0.466   0.000  1.00  0.00           N
ATOM      2  CA  GLY A   1       0.000   1.290   0.000  1.00  0.00           C
ATOM      3  C   GLY A   1       1.250   0.430   0.000  1.00  0.00           C
ATOM      4  O   GLY A   1       1.200  -0.800   0.000  1.00  0.00           O
END
"""


class Workbench(nanome.PluginInstance):
    def say(self, text):
        self.send_notification(NotificationTypes.message, text)

    def start(self):
        self.integration.hydrogen_add = self.add_hydrogens
        self.scratch = tempfile.mkdtemp()

    def add_hydrogens(self, request):
        complexes = request.get_args()
        for c in complexes:
            c.name = c.name + " with H"
        request.send_response(complexes)

    def on_advanced_settings(self):
        self.request_complex_list(self.on_list)

    def on_list(self, complexes):
        self.index = complexes[0].index
        self.request_complexes([self.index], self.on_deep)

    def on_deep(self, deep):
        self.complex = deep[0]
        atoms = list(self.complex.atoms)
        self.bond = Interaction(InteractionKind.HydrogenBond, [atoms[0].index], [atoms[3].index])
        self.bond.upload(self.on_interaction)

    def on_interaction(self, index):
        self.say("interaction %s" % ("made" if self.bond.index >= 0 else "refused"))
        Interaction.get(self.on_found, complexes_idx=self.index)

    def on_found(self, found):
        kinds = ",".join(i.kind.name for i in found)
        self.say("found %d: %s" % (len(found), kinds))
        self.bond.destroy()
        Interaction.get(self.on_found_again)

    def on_found_again(self, found):
        self.say("after destroy %d" % len(found))
        local = os.path.join(self.scratch, "note.txt")
        with open(local, "w") as f:
            f.write("hello from nanome-lib")
        self.files.mkdir("out", lambda error: self.files.put(local, "out/note.txt", self.on_put))

    def on_put(self, error):
        self.say("put %d" % error)
        self.files.ls("out", self.on_ls)

    def on_ls(self, error, entries):
        self.say("ls %d: %s" % (error, ",".join("%s %d" % (e.name, e.size) for e in entries)))
        self.files.get("out/note.txt", os.path.join(self.scratch, "back.txt"), self.on_get)

    def on_get(self, error, dest):
        with open(dest) as f:
            self.say("get %d: %s" % (error, f.read()))
        self.files.rm("missing.txt", self.on_rm)

    def on_rm(self, error):
        self.say("rm missing %d" % error)
        self.files.get("../outside.txt", os.path.join(self.scratch, "x"), self.on_escape)

    def on_escape(self, error, _dest):
        self.say("escape %d" % error)
        # The deprecated files API, as older plugins use it.
        self.request_directory("out", self.on_directory, "*.txt")

    def on_directory(self, result):
        names = ",".join(e.name for e in result.entry_array)
        self.say("directory %d: %s" % (result.error_code, names))
        self.request_files(["out/note.txt", "missing.txt"], self.on_files)

    def on_files(self, files):
        self.say("files: " + ",".join("%d %s" % (f.error_code, f.data.decode()) for f in files))
        saved = FileSaveData()
        saved.path = "out/saved.txt"
        saved.data = b"saved by save_files"
        self.save_files([saved], self.on_saved)

    def on_saved(self, results):
        self.say("saved: " + ",".join("%s %d" % (r.path, r.error_code) for r in results))
        self.load_two()

    def load_two(self):
        good = os.path.join(self.scratch, "ala.pdb")
        with open(good, "w") as f:
            f.write(GLY)
        bad = os.path.join(self.scratch, "junk.pdb")
        with open(bad, "w") as f:
            f.write("this is not a structure\n")
        self.send_files_to_load([good, bad], self.on_loaded)

    def on_loaded(self, results):
        self.say("load: " + ",".join(str(int(r.success)) for r in results))
        self.request_complex_list(self.on_list_after_load)

    def on_list_after_load(self, complexes):
        self.say("complexes: " + ",".join(c.name for c in complexes))
        molecule = next(self.complex.molecules)
        molecule.get_substructures(self.on_substructures)

    def on_substructures(self, found):
        self.say("substructures: " + ",".join(
            "%s %s %d" % (s.name, s.structure_type.name, len(list(s.residues))) for s in found))
        next(self.complex.molecules).get_ligands(self.on_ligands)

    def on_ligands(self, found):
        self.say("ligands: " + ",".join(s.name for s in found))
        Macro("spin", "print('spin')").save()
        Macro.get_live(self.on_macros)

    def on_macros(self, macros):
        self.say("macros: " + ",".join(m.title for m in macros))
        self.apply_color_scheme(ColorScheme.Chain, ColorSchemeTarget.All, False)
        data = VolumeData()
        data._width = data._height = data._depth = 2
        data._data = [float(i) for i in range(8)]
        data._mean, data._rmsd = 3.5, 2.29
        data._type = VolumeType.electrostatic
        data._name = "esp"
        data._cell._A = data._cell._B = data._cell._C = 2.0
        data._cell._Alpha = data._cell._Beta = data._cell._Gamma = 90.0
        properties = VolumeProperties()
        layer = VolumeLayer()
        layer._color = Color.Red()
        layer._rmsd = 1.0
        properties._layers = [layer]
        self.add_volume(self.complex, data, properties, -1, self.on_volume)

    def on_volume(self, *_):
        self.say("volume added")
        self.complex.register_complex_updated_callback(self.on_complex_updated)
        self.complex.register_selection_changed_callback(self.on_selection_changed)
        self.say("workbench done")

    def on_complex_updated(self, complex):
        self.say("updated: " + complex.name)

    def on_selection_changed(self, complex):
        selected = sum(1 for a in complex.atoms if a.selected)
        self.say("selected: %d" % selected)


if __name__ == "__main__":
    nanome.Plugin.setup(
        "Workbench", "The rest of the API", ["Test"], True, Workbench,
        permissions=[Permissions.local_files_access],
        integrations=[Integrations.hydrogen],
    )
