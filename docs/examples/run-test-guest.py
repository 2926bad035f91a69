#!/usr/bin/python3
"""Boots the project's test guest under QEMU through virtbus, reads its serial
console through Domain.OpenConsole until the guest says it is ready, then
shuts it down with the ACPI power button and waits until it is off.

    VB_ADDRESS=unix:path=... ./run-test-guest.py GUEST_DIR DISK_IMAGE

GUEST_DIR holds vmlinux and initramfs.img (build them with
`ninja -C build tests/guest/guest.stamp`; they land in build/tests/guest).
"""
import os
import socket
import sys
import time

from gi.repository import Gio, GLib

BUS = "org.virtbus.Virt1"
DOMAIN = "org.virtbus.Virt1.Domain"

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


def call(bus, path, iface, method, args=None, fd_list=None):
    return bus.call_with_unix_fd_list_sync(BUS, path, iface, method, args, None,
                                           Gio.DBusCallFlags.NONE, 60000, fd_list, None)


def get(bus, path, prop):
    reply, _ = call(bus, path, "org.freedesktop.DBus.Properties", "Get",
                    GLib.Variant("(ss)", (DOMAIN, prop)))
    return reply.unpack()[0]


def main():
    address = os.environ.get("VB_ADDRESS")
    if not address or len(sys.argv) != 3:
        print("usage: VB_ADDRESS=... run-test-guest.py GUEST_DIR DISK_IMAGE", file=sys.stderr)
        return 2
    bus = Gio.DBusConnection.new_for_address_sync(
        address, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)
    xml = XML.format(guest=sys.argv[1], disk=sys.argv[2])
    reply, _ = call(bus, "/org/virtbus/Virt1", "org.virtbus.Virt1.Manager", "DefineDomain",
                    GLib.Variant("(su)", (xml, 0)))
    path = reply.unpack()[0]
    call(bus, path, DOMAIN, "Start", GLib.Variant("(u)", (0,)))
    print("state:", get(bus, path, "State"))

    # The console is a socket: whatever the guest prints can be read from it.
    reply, fds = call(bus, path, DOMAIN, "OpenConsole", GLib.Variant("(u)", (0,)))
    console = socket.socket(fileno=fds.steal_fds()[reply.unpack()[0]])
    console.settimeout(90)
    seen = b""
    while b"VIRTBUS-GUEST-READY" not in seen:
        chunk = console.recv(4096)
        if not chunk:
            print("the console closed", file=sys.stderr)
            return 1
        seen += chunk
    print("console: VIRTBUS-GUEST-READY")
    console.close()

    call(bus, path, DOMAIN, "Shutdown", GLib.Variant("(u)", (0,)))
    deadline = time.monotonic() + 60
    while get(bus, path, "State") != "shutoff":
        if time.monotonic() > deadline:
            print("the guest did not power off", file=sys.stderr)
            return 1
        time.sleep(0.1)
    print("state:", get(bus, path, "State"), get(bus, path, "StateReason"))
    call(bus, path, DOMAIN, "Undefine", GLib.Variant("(u)", (0,)))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except GLib.Error as error:
        print("error:", error.message, file=sys.stderr)
        sys.exit(1)
