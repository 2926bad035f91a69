#!/usr/bin/python3
"""Boots the project's test guest under QEMU through virtbus, reads its serial
console until the guest says it is ready, then shuts it down with the ACPI
power button and waits until it is off. With libvirtbus, the client library,
through GObject Introspection.

    VB_ADDRESS=unix:path=... ./run-test-guest.py GUEST_DIR DISK_IMAGE

GUEST_DIR holds vmlinux and initramfs.img (build them with
`ninja -C build tests/guest/guest.stamp`; they land in build/tests/guest).
From a build tree, point GI_TYPELIB_PATH and LD_LIBRARY_PATH at
build/objects/client (docs/client-library.md).
"""
import os
import sys

import gi

try:
    gi.require_version("Virtbus", "1.0")
except ValueError:
    print("run-test-guest.py: libvirtbus is not found: set GI_TYPELIB_PATH and "
          "LD_LIBRARY_PATH to build/objects/client, or install virtbus", file=sys.stderr)
    sys.exit(2)
from gi.repository import GLib, Virtbus  # noqa: E402

XML = """<domain type='qemu'>
  <name>example-guest</name>
  <memory unit='MiB'>192</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>{guest}/vmlinux</kernel>
    <initrd>{guest}/initramfs.img</initrd>
    <cmdline>console=ttyS0 quiet</cmdline>
  </os>
  <features>
    <acpi/>
  </features>
  <devices>
    <disk type='file' device='disk'>
      <source file='{disk}'/>
      <target dev='vda' bus='virtio'/>
    </disk>
    <serial type='pty'>
      <target port='0'/>
    </serial>
  </devices>
</domain>
"""


def run_until(client, predicate, seconds):
    """Runs the main loop, where the client takes in the service's signals,
    until predicate() holds; False after @seconds."""
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


def main():
    address = os.environ.get("VB_ADDRESS")
    if not address or len(sys.argv) != 3:
        print("usage: VB_ADDRESS=... run-test-guest.py GUEST_DIR DISK_IMAGE", file=sys.stderr)
        return 2
    client = Virtbus.Client.new_for_address_sync(address, None)
    xml = XML.format(guest=sys.argv[1], disk=sys.argv[2])
    path = client.get_manager().call_define_domain_sync(xml, 0, None)
    if not run_until(client, lambda: client.get_object(path), 10):
        print("the domain did not appear", file=sys.stderr)
        return 1
    domain = client.lookup_domain("example-guest")
    domain.call_start_sync(0, None)
    run_until(client, lambda: domain.props.state == "running", 30)
    print("state:", domain.props.state)

    # The console is a stream (a Gio.SocketConnection): whatever the guest
    # prints can be read from it.
    console = client.open_console(domain, Virtbus.ConsoleFlags.NONE, None)
    console.get_socket().set_timeout(90)
    seen = b""
    while b"VIRTBUS-GUEST-READY" not in seen:
        chunk = console.get_input_stream().read_bytes(4096, None).get_data()
        if not chunk:
            print("the console closed", file=sys.stderr)
            return 1
        seen += chunk
    print("console: VIRTBUS-GUEST-READY")
    console.close(None)

    domain.call_shutdown_sync(0, None)
    if not run_until(client, lambda: domain.props.state == "shutoff", 60):
        print("the guest did not power off", file=sys.stderr)
        return 1
    print("state:", domain.props.state, domain.props.state_reason)
    domain.call_undefine_sync(0, None)
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GLib.Error as error:
        print("error:", Virtbus.error_get_message(error), file=sys.stderr)
        sys.exit(1)
