"""An ordinary nanome-lib plugin, unmodified: what tests/legacy_live.rs runs through the gateway.

    python probe.py -a HOST -p PORT -k KEY
"""
import nanome


class Probe(nanome.PluginInstance):
    def on_run(self):
        self.send_notification(nanome.util.enums.NotificationTypes.message, "hi")

    def on_advanced_settings(self):
        self.request_complex_list(self.on_complexes)

    def on_complexes(self, complexes):
        self.send_notification(nanome.util.enums.NotificationTypes.message, "%d complexes" % len(complexes))


if __name__ == "__main__":
    nanome.Plugin.setup("Probe", "Protocol probe", ["Test", "Other"], True, Probe)
