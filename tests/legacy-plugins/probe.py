"""An ordinary nanome-lib plugin, unmodified: what tests/legacy_live.rs runs through the gateway.

    python probe.py -a HOST -p PORT -k KEY

Run: a notification. Advanced settings: the complex list, the first complex deep, a deep
update of it, the workspace, a copy added, shapes, a stream, an export as PDB, then a request the bridge does not
translate (an export as SMILES).
"""
import nanome
from nanome.util import Vector3
from nanome.api.shapes import Label, Shape, Sphere
from nanome.util.enums import ExportFormats, NotificationTypes, ShapeAnchorType, StreamType


class Probe(nanome.PluginInstance):
    def say(self, text):
        self.send_notification(NotificationTypes.message, text)

    def on_run(self):
        nanome.util.Logs.message("run pressed")
        self.say("hi")

    def on_presenter_change(self):
        self.request_presenter_info(lambda info: self.say("presenter: " + info.account_name))

    def on_advanced_settings(self):
        self.request_complex_list(self.on_list)

    def on_list(self, complexes):
        self.say("%d complexes" % len(complexes))
        if complexes:
            self.request_complexes([complexes[0].index], self.on_deep)

    def on_deep(self, deep):
        c = deep[0]
        self.index = c.index
        self.say("%s: %d atoms, %d bonds" % (c.name, len(list(c.atoms)), len(list(c.bonds))))
        c.name = "moved"
        c.position = Vector3(1, 2, 3)
        self.update_structures_deep([c], self.on_updated)

    def on_updated(self, *_):
        self.request_workspace(self.on_workspace)

    def on_workspace(self, workspace):
        self.say("workspace: " + ",".join(c.name for c in workspace.complexes))
        self.add_to_workspace([workspace.complexes[0]], self.on_added)

    def on_added(self, added):
        self.say("added %d" % len(added))
        self.request_workspace(self.on_final)

    def on_final(self, workspace):
        self.say("now: " + "+".join(str(len(list(c.atoms))) for c in workspace.complexes))
        self.request_controller_transforms(self.on_transforms)

    def on_transforms(self, head_position, *_):
        self.say("transforms")
        self.request_complexes([self.index], self.on_for_shapes)

    def on_for_shapes(self, deep):
        atom = next(deep[0].atoms)
        sphere = Sphere()
        sphere.radius = 1.5
        sphere.anchors[0].anchor_type = ShapeAnchorType.Atom
        sphere.anchors[0].target = atom.index
        label = Label()
        label.text = "here"
        label.anchors[0].anchor_type = ShapeAnchorType.Atom
        label.anchors[0].target = atom.index
        self.shapes = [sphere, label]
        Shape.upload_multiple(self.shapes, self.on_uploaded)

    def on_uploaded(self, results):
        made = [s.index for s in self.shapes if s.index != -1]
        self.say("shapes %d of %d" % (len(made), len(results)))
        Shape.destroy_multiple(self.shapes, self.on_destroyed)

    def on_destroyed(self, results):
        self.say("destroyed %d" % sum(1 for r in results if r))
        self.request_complexes([self.index], self.on_for_stream)

    def on_for_stream(self, deep):
        self.atoms = list(deep[0].atoms)
        indices = [a.index for a in self.atoms]
        self.create_writing_stream(indices, StreamType.position, self.on_stream)

    def on_stream(self, stream, error):
        moved = []
        for a in self.atoms:
            moved += [a.position.x + 10, a.position.y, a.position.z]
        stream.update(moved, self.on_streamed)

    def on_streamed(self, *_):
        self.say("streamed")
        self.request_complexes([self.index], self.on_moved)

    def on_moved(self, deep):
        self.say("x %.1f" % next(deep[0].atoms).position.x)
        self.open_url("https://example.org/docs")
        self.request_export(ExportFormats.PDB, self.on_export)

    def on_export(self, files):
        self.say("exported %s" % ("pdb" if b"ATOM" in files[0] else repr(files)))
        self.request_export(ExportFormats.SMILES, self.on_smiles)

    def on_smiles(self, *_):
        self.say("no smiles")


if __name__ == "__main__":
    nanome.Plugin.setup("Probe", "Protocol probe", ["Test", "Other"], True, Probe)
