"""A nanome-lib plugin whose `run` raises: its session's process dies as nanome-lib's do
(tests/legacy_live.rs). Advanced settings answer, so a live session can be told apart.

    python crasher.py -a HOST -p PORT -k KEY
"""
import nanome


class Crasher(nanome.PluginInstance):
    def on_run(self):
        raise RuntimeError("boom")

    def on_advanced_settings(self):
        self.send_notification(nanome.util.enums.NotificationTypes.message, "alive")


if __name__ == "__main__":
    nanome.Plugin.setup("Crasher", "Crashes on run", ["Test"], True, Crasher)
