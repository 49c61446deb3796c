"""An ordinary nanome-lib plugin, unmodified: what tests/legacy_live.rs runs through the gateway.

    python probe.py -a HOST -p PORT -k KEY
"""
import nanome


class Probe(nanome.PluginInstance):
    def on_run(self):
        self.send_notification(nanome.util.enums.NotificationTypes.message, "hi")


if __name__ == "__main__":
    nanome.Plugin.setup("Probe", "Protocol probe", ["Test", "Other"], False, Probe)
