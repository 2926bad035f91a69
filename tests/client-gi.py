#!/usr/bin/python3
"""libvirtbus through its typelib, as a Python program uses it.

    VB_ADDRESS=... GI_TYPELIB_PATH=... LD_LIBRARY_PATH=... client-gi.py POOL_DIR

Run by tests/test-client-gi.c against a virtbusd on a private bus that holds
the test-driver domains web1 and db1. Prints one line per step; exits 1 with
the reason on the first thing that is not as it should be.
"""
import os
import sys
import threading
import time

import gi

gi.require_version("Virtbus", "1.0")
from gi.repository import Gio, GLib, Virtbus  # noqa: E402

MiB = 1 << 20


def wait_until(predicate, what, timeout=10):
    """Runs the default main context (the client's signals come there)
    until predicate() holds."""
    context = GLib.MainContext.default()
    end = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        context.iteration(False)
        time.sleep(0.001)


def expect_error(code, call, *args):
    try:
        call(*args)
    except GLib.Error as e:
        if not e.matches(Virtbus.error_quark(), code):
            raise AssertionError(f"expected {code}, got {e.domain} {e.code}: {e.message}")
        return Virtbus.error_get_message(e)
    raise AssertionError(f"expected {code}, the call succeeded")


def domain_names(client):
    names = []
    for obj in client.get_object_manager().get_objects():
        domain = obj.get_domain()
        if domain:
            names.append(domain.props.name)
    return sorted(names)


def upload_job(client, pool_dir, size):
    """A Job: an upload into a volume of a dir pool, fed slowly by a thread."""
    manager = client.get_manager()
    pool_xml = (f"<pool type='dir'><name>images</name>"
                f"<target><path>{pool_dir}</path></target></pool>")
    manager.call_define_storage_pool_sync(pool_xml, 0, None)
    wait_until(lambda: _has_pool(client), "the pool")
    pool = client.lookup_pool("images")
    pool.call_build_sync(0, None)
    pool.call_start_sync(0, None)
    vol_xml = (f"<volume><name>data.img</name><capacity unit='bytes'>{size}</capacity>"
               f"<target><format type='raw'/></target></volume>")
    pool.call_create_volume_sync(vol_xml, 0, None)
    wait_until(lambda: _has_volume(client), "the volume")
    volume = client.lookup_volume("images", "data.img")

    read_end, write_end = os.pipe()
    fds = Gio.UnixFDList.new_from_array([read_end])
    job, _ = volume.call_upload_sync(GLib.Variant("h", 0), 0, size, 0, fds, None)

    def feed():
        chunk = bytes(range(256)) * 256
        sent = 0
        while sent < size:
            sent += os.write(write_end, chunk[: size - sent])
            time.sleep(0.005)
        os.close(write_end)

    writer = threading.Thread(target=feed)
    writer.start()
    return job, writer


def _has_pool(client):
    try:
        client.lookup_pool("images")
        return True
    except GLib.Error:
        return False


def _has_volume(client):
    try:
        client.lookup_volume("images", "data.img")
        return True
    except GLib.Error:
        return False


def main():
    address = os.environ["VB_ADDRESS"]
    pool_dir = sys.argv[1]

    client = Virtbus.Client.new_for_address_sync(address, None)
    print("version:", client.get_manager().props.version)
    print("domains:", " ".join(domain_names(client)))

    # Start one by name: its State follows on the proxy.
    domain = client.lookup_domain("web1")
    domain.call_start_sync(0, None)
    wait_until(lambda: domain.props.state == "running", "web1 running")
    print("web1:", domain.props.state, domain.props.state_reason)
    by_uuid = client.lookup_domain(domain.props.uuid.upper())
    print("by uuid:", by_uuid.props.name)

    # Errors: VIRTBUS_ERROR codes, messages without GDBus's prefix.
    print("nope:", expect_error(Virtbus.Error.NOT_FOUND, client.lookup_domain, "nope"))
    message = expect_error(Virtbus.Error.OPERATION_INVALID, domain.call_start_sync, 0, None)
    assert not message.startswith("GDBus.Error"), message
    print("start again: OperationInvalid")

    # Wait for a Job, with progress.
    size = 8 * MiB
    job, writer = upload_job(client, pool_dir, size)
    seen = []

    def progress(job_proxy, data):
        seen.append((job_proxy.props.phase, job_proxy.props.bytes_processed))

    ok = client.wait_job(job, progress, None, None)
    writer.join()
    assert ok, "wait_job returned False"
    assert len(seen) >= 2, seen
    assert seen[-1] == ("completed", size), seen
    assert all(a[1] <= b[1] for a, b in zip(seen, seen[1:])), seen
    print("job:", seen[-1][0], seen[-1][1])

    # The same Job, asynchronously: it is over, the wait says so at once.
    loop = GLib.MainLoop()
    outcome = []

    def done(source, result, data):
        outcome.append(source.wait_job_finish(result))
        loop.quit()

    client.wait_job_async(job, None, None, None, done, None)
    loop.run()
    print("job again:", outcome[0])
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except (AssertionError, GLib.Error) as e:
        print(f"client-gi.py: {e}", file=sys.stderr)
        sys.exit(1)
