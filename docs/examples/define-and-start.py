#!/usr/bin/python3
"""Defines a domain from an XML file and starts it, with PyGObject's Gio.

    VB_ADDRESS=unix:path=/path/to/bus /usr/bin/python3 define-and-start.py [test-domain.xml]

Prints the new object's path and its State after Start, e.g.

    defined /org/virtbus/Virt1/domain/7b0d6a1e_3c2f_4e58_9a41_2f6b8c9d0e13
    started: State=running StateReason=booted Id=1

and on failure the D-Bus error name and message, with exit status 1.
VB_ADDRESS is the bus virtbusd serves on; `sudo ./dev.sh run` prints it.
"""

import os
import sys

from gi.repository import Gio, GLib

BUS_NAME = "org.virtbus.Virt1"
MANAGER_PATH = "/org/virtbus/Virt1"
MANAGER = "org.virtbus.Virt1.Manager"
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


def call(bus, path, interface, method, args, reply_type):
    return bus.call_sync(BUS_NAME, path, interface, method, args,
                         GLib.VariantType(reply_type) if reply_type else None,
                         Gio.DBusCallFlags.NONE, -1, None)


def get_property(bus, path, name):
    reply = call(bus, path, "org.freedesktop.DBus.Properties", "Get",
                 GLib.Variant("(ss)", (DOMAIN, name)), "(v)")
    return reply.unpack()[0]


def describe(error):
    """A D-Bus error as "NAME: message", e.g. org.virtbus.Virt1.Error.InvalidXML: ..."""
    name = Gio.DBusError.get_remote_error(error)
    if not name:
        return error.message
    # GDBus puts the name in front of the message too: "GDBus.Error:NAME: message".
    return f"{name}: {error.message.removeprefix(f'GDBus.Error:{name}: ')}"


def main():
    address = os.environ.get("VB_ADDRESS")
    if not address:
        print("define-and-start.py: set VB_ADDRESS to virtbusd's bus address "
              "(sudo ./dev.sh run prints it)", file=sys.stderr)
        return 2
    xml_file = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "test-domain.xml")
    try:
        with open(xml_file, encoding="utf-8") as f:
            xml = f.read()
    except OSError as e:
        print(f"define-and-start.py: {e}", file=sys.stderr)
        return 1

    try:
        bus = connect(address)
        (path,) = call(bus, MANAGER_PATH, MANAGER, "DefineDomain",
                       GLib.Variant("(su)", (xml, 0)), "(o)").unpack()
        print(f"defined {path}")
        call(bus, path, DOMAIN, "Start", GLib.Variant("(u)", (0,)), None)
        state = get_property(bus, path, "State")
        reason = get_property(bus, path, "StateReason")
        domain_id = get_property(bus, path, "Id")
        print(f"started: State={state} StateReason={reason} Id={domain_id}")
    except GLib.Error as e:
        print(f"error: {describe(e)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
