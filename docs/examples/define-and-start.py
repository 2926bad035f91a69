#!/usr/bin/python3
"""Defines a domain from an XML file and starts it, with libvirtbus, the
client library, through GObject Introspection.

    VB_ADDRESS=unix:path=/path/to/bus /usr/bin/python3 define-and-start.py [test-domain.xml]

Prints the new object's path and its State after Start, e.g.

    defined /org/virtbus/Virt1/domain/7b0d6a1e_3c2f_4e58_9a41_2f6b8c9d0e13
    started: State=running StateReason=booted Id=1

and on failure the D-Bus error name and message, with exit status 1.
VB_ADDRESS is the bus virtbusd serves on; `sudo ./dev.sh run` prints it.
From a build tree, point GI_TYPELIB_PATH and LD_LIBRARY_PATH at
build/objects/client (docs/client-library.md); an install needs neither.
"""

import os
import sys

import gi

try:
    gi.require_version("Virtbus", "1.0")
except ValueError:
    print("define-and-start.py: libvirtbus is not found: set GI_TYPELIB_PATH and "
          "LD_LIBRARY_PATH to build/objects/client, or install virtbus", file=sys.stderr)
    sys.exit(2)
from gi.repository import Gio, GLib, Virtbus  # noqa: E402


def run_until(client, predicate, seconds=10):
    """Runs the main loop, where the client takes in the service's signals
    (new objects, changed properties), until predicate() holds."""
    if predicate():
        return True
    loop = GLib.MainLoop()
    manager = client.get_object_manager()

    def check(*_):
        if predicate():
            loop.quit()

    handlers = [manager.connect("object-added", check),
                manager.connect("interface-proxy-properties-changed", check)]
    timer = GLib.timeout_add_seconds(seconds, loop.quit)
    loop.run()
    for handler in handlers:
        manager.disconnect(handler)
    if predicate():
        GLib.source_remove(timer)
        return True
    return False


def describe(error):
    """A D-Bus error as "NAME: message", e.g. org.virtbus.Virt1.Error.InvalidXML: ..."""
    name = Gio.DBusError.get_remote_error(error)
    # Virtbus.error_get_message: the text without GDBus's "GDBus.Error:NAME: ".
    message = Virtbus.error_get_message(error)
    return f"{name}: {message}" if name else message


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
        client = Virtbus.Client.new_for_address_sync(address, None)
        path = client.get_manager().call_define_domain_sync(xml, 0, None)
        print(f"defined {path}")
        # The client adds the object when the service's InterfacesAdded comes.
        if not run_until(client, lambda: client.get_object(path)):
            print("define-and-start.py: the new domain did not appear", file=sys.stderr)
            return 1
        domain = client.get_object(path).get_domain()
        domain.call_start_sync(0, None)
        # Its properties follow the service's PropertiesChanged.
        if not run_until(client, lambda: domain.props.state != "shutoff"):
            print("define-and-start.py: the domain did not start", file=sys.stderr)
            return 1
        print(f"started: State={domain.props.state} StateReason={domain.props.state_reason} "
              f"Id={domain.props.id}")
    except GLib.Error as e:
        print(f"error: {describe(e)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
