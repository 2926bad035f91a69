#!/usr/bin/python3
"""Prints what a client of virtbus sees, as it happens, with PyGObject's Gio:
every Domain LifecycleEvent and every PropertiesChanged of virtbus's objects.

    VB_ADDRESS=unix:path=/path/to/bus /usr/bin/python3 watch-events.py [--count N] [--timeout S]

Once subscribed it prints "watching ..."; then one line per signal, e.g.

    PropertiesChanged /org/virtbus/Virt1/domain/7b0d…e13 org.virtbus.Virt1.Domain {'StateReason': <'booted'>, 'State': <'running'>, 'Id': <1>}
    LifecycleEvent /org/virtbus/Virt1/domain/7b0d…e13 ('started', 'booted')

It exits 0 after N LifecycleEvents (--count), or after S seconds (--timeout)
when no count was given; when the timeout comes before the N events, or on
any error, it exits 1. Without either option it runs until Ctrl-C.
VB_ADDRESS is the bus virtbusd serves on; `sudo ./dev.sh run` prints it.
"""

import argparse
import os
import signal
import sys

from gi.repository import Gio, GLib

BUS_NAME = "org.virtbus.Virt1"
MANAGER_PATH = "/org/virtbus/Virt1"
DOMAIN = "org.virtbus.Virt1.Domain"


def connect(address):
    """A client connection to the message bus at @address."""
    return Gio.DBusConnection.new_for_address_sync(
        address,
        Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION,
        None,
        None,
    )


class Watcher:
    def __init__(self, bus, count, timeout):
        self.bus = bus
        self.count = count
        self.timeout = timeout
        self.seen = 0
        self.status = 0
        self.loop = GLib.MainLoop()

    def on_lifecycle(self, bus, sender, path, interface, member, parameters):
        print(f"LifecycleEvent {path} {parameters.print_(False)}", flush=True)
        self.seen += 1
        if self.count and self.seen >= self.count:
            self.loop.quit()

    def on_properties_changed(self, bus, sender, path, interface, member, parameters):
        changed_interface = parameters.get_child_value(0).get_string()
        changed = parameters.get_child_value(1).print_(False)
        print(f"PropertiesChanged {path} {changed_interface} {changed}", flush=True)

    def on_timeout(self):
        if self.count:
            print(f"watch-events.py: timed out after {self.timeout:g} s with "
                  f"{self.seen} of {self.count} LifecycleEvents", file=sys.stderr)
            self.status = 1
        self.loop.quit()
        return GLib.SOURCE_REMOVE

    def run(self):
        self.bus.signal_subscribe(BUS_NAME, DOMAIN, "LifecycleEvent", None, None,
                                  Gio.DBusSignalFlags.NONE, self.on_lifecycle)
        self.bus.signal_subscribe(BUS_NAME, "org.freedesktop.DBus.Properties",
                                  "PropertiesChanged", None, None,
                                  Gio.DBusSignalFlags.NONE, self.on_properties_changed)
        # One round trip to the service: the bus has then seen our match rules
        # (they were sent first), and we know the service is there.
        self.bus.call_sync(BUS_NAME, MANAGER_PATH, "org.freedesktop.DBus.Peer", "Ping",
                           None, None, Gio.DBusCallFlags.NONE, -1, None)
        print(f"watching {BUS_NAME}", flush=True)
        if self.timeout > 0:
            GLib.timeout_add(int(self.timeout * 1000), self.on_timeout)
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, self.loop.quit)
        self.loop.run()
        print(f"saw {self.seen} LifecycleEvents", flush=True)
        return self.status


def main():
    parser = argparse.ArgumentParser(
        description="Print virtbus's LifecycleEvent and PropertiesChanged signals.")
    parser.add_argument("--count", type=int, default=0, metavar="N",
                        help="exit after N LifecycleEvents")
    parser.add_argument("--timeout", type=float, default=0, metavar="S",
                        help="give up after S seconds (exit 1 if --count was not reached)")
    args = parser.parse_args()
    address = os.environ.get("VB_ADDRESS")
    if not address:
        print("watch-events.py: set VB_ADDRESS to virtbusd's bus address "
              "(sudo ./dev.sh run prints it)", file=sys.stderr)
        return 2
    try:
        return Watcher(connect(address), args.count, args.timeout).run()
    except GLib.Error as e:
        print(f"watch-events.py: {e.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
