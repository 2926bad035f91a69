#!/usr/bin/env bash
# The two commands of the README:
#   sudo ./dev.sh run    install what is missing, build, run virtbusd on a private bus
#   sudo ./dev.sh test   install what is missing, build, run the whole test suite
#
# `run` puts virtbusd (and so its guests, bridges, firewall tables and
# dnsmasq) into a network namespace of this checkout's, with the bridge
# network driver; `run --host-network` runs it in the host's network
# instead. For the test suite (tests/test-dev-run.c), `run` reads:
#   VB_DEV_DIR    where the bus socket, state and run directories go (default .dev)
#   VB_DEV_NETNS  the network namespace's name (default vbdev-<hash of the checkout's path>)
#   VB_DEV_BUILT  a build directory already built: install and build nothing, run its virtbusd
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
build="${VB_DEV_BUILT:-$top/build}"

packages=(
  meson ninja-build pkg-config gcc libc6-dev
  libglib2.0-dev libglib2.0-bin libxml2-dev libpolkit-gobject-1-dev libjson-glib-dev
  dbus-daemon dbus-bin polkitd systemd
  python3-gi python3-dbusmock
  qemu-system-x86 qemu-utils ovmf xz-utils
  iproute2 util-linux dnsmasq-base nftables openssl
  # libvirtbus's GObject Introspection data (objects/client): the scanner,
  # the GIR files of GLib it includes, their typelibs.
  gobject-introspection libgirepository1.0-dev gir1.2-glib-2.0
  # the API reference's HTML and manual pages (rst2html5, rst2man: docs/meson.build)
  python3-docutils
  # virtbusctl's terminal tests (tests/test-ctl-terminal.c, test-ctl-console.c);
  # strace: the console's signal handlers come before raw mode (test-ctl-console.c)
  tmux strace
)

# The browser suite's (tests/test-cockpit-*.c, docs/browser-tests.md): Cockpit
# Machines as Debian ships it, the OS list's introspection data, and the browser
# that drives it. Without recommends: virtinst would offer Cockpit features that
# need a real libvirt connection, which the suite does not test.
browser_packages=(
  cockpit-ws cockpit-bridge cockpit-machines gir1.2-libosinfo-1.0 chromium
)

need_root() {
  if [ "$(id -u)" != 0 ]; then
    echo "dev.sh: $1 needs root (it installs packages and runs polkitd): sudo $0 $1" >&2
    exit 2
  fi
}

# install_missing [--no-install-recommends] PACKAGE...
install_missing() {
  local options=()
  local missing=()
  local p
  if [ "${1:-}" = --no-install-recommends ]; then
    options+=("$1")
    shift
  fi
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "dev.sh: installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${options[@]}" "${missing[@]}"
  fi
}

build() {
  if [ ! -f "$build/build.ninja" ]; then
    meson setup "$build" "$top" -Dwerror=true
  fi
  ninja -C "$build"
}

# The guest the QEMU tests boot: downloaded, so not part of a plain build.
build_test_guest() {
  ninja -C "$build" tests/guest/guest.stamp
}

# The namespace `run` puts the service in: one per checkout, so two checkouts'
# services do not share bridges. It stays after the service exits, with the
# guests and networks that outlive it, for the next run to take over.
dev_netns() {
  echo "${VB_DEV_NETNS:-vbdev-$(printf '%s' "$top" | sha256sum | cut -c1-8)}"
}

# The networks of the run directory whose bridge still exists where the last
# run made it (the namespace NETNS, or the host's network for ""), one
# "NAME (bridge BRIDGE)" a line.
networks_left() {
  local netns=$1 status bridge
  for status in "$dev/run/network"/*/status.json; do
    [ -f "$status" ] || continue
    bridge=$(sed -n 's/^ *"bridge" *: *"\([^"]*\)".*/\1/p' "$status" | head -n 1)
    [ -n "$bridge" ] || continue
    if [ -n "$netns" ]; then
      ip -n "$netns" link show "$bridge" >/dev/null 2>&1 || continue
    else
      [ -e "/sys/class/net/$bridge" ] || continue
    fi
    echo "$(basename "$(dirname "$status")") (bridge $bridge)"
  done
  return 0
}

# The QEMU PIDs of the run directory's status files that still run, one a line.
guests_left() {
  local status pid
  for status in "$dev/run/qemu-status"/*.json; do
    [ -f "$status" ] || continue
    pid=$(sed -n 's/^ *"pid" *: *\([0-9]*\).*/\1/p' "$status" | head -n 1)
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && echo "$pid"
  done
  return 0
}

# Refuses to switch between the namespace and the host's network while the
# last run's networks still run where it made them: a service in the other
# place would not find their bridges (and could take a host bridge of the
# same name, e.g. libvirt's virbr0, for its own).
check_network_mode() {
  local mode=$1 last netns left
  last=$(cat "$dev/network-mode" 2>/dev/null || true)
  [ -n "$last" ] && [ "$last" != "$mode" ] || return 0
  netns=""
  [ "$last" = host ] || netns=${last#netns }
  [ -z "$netns" ] || [ -e "/run/netns/$netns" ] || return 0
  left=$(networks_left "$netns")
  [ -n "$left" ] || return 0
  local where="the host's network" again="sudo $0 run --host-network"
  [ -z "$netns" ] || { where="the network namespace $netns"; again="sudo $0 run"; }
  echo "dev.sh: the last run left these networks running in $where:" >&2
  echo "$left" | sed 's/^/  /' >&2
  echo "dev.sh: stop them first ($again, then Network.Stop), or the new service would not find them" >&2
  exit 1
}

run_service() {
  local dev="${VB_DEV_DIR:-$top/.dev}"
  local host_network=false args=() arg
  for arg in "$@"; do
    if [ "$arg" = --host-network ]; then host_network=true; else args+=("$arg"); fi
  done
  mkdir -p "$dev/state" "$dev/run"
  chmod 755 "$dev"
  # Another run of this checkout serves on the same socket and state: say so
  # before the socket is taken from it (virtbusd would refuse the state too).
  local lock="$dev/state/virtbusd.lock"
  if [ -f "$lock" ] && ! flock -n "$lock" true; then
    echo "dev.sh: another virtbusd (pid $(cat "$lock")) runs on $dev/state: stop it first" >&2
    exit 1
  fi
  local netns="" mode=host enter=() where="the host's network"
  if ! $host_network; then
    netns=$(dev_netns)
    mode="netns $netns"
    enter=(ip netns exec "$netns")
    where="the network namespace $netns"
  fi
  check_network_mode "$mode"
  if [ -n "$netns" ] && [ ! -e "/run/netns/$netns" ]; then
    ip netns add "$netns"
    ip -n "$netns" link set lo up
  fi
  echo "$mode" > "$dev/network-mode"
  local socket="$dev/bus"
  sed "s|@SOCKET@|$socket|" "$top/tests/bus/test-bus.conf.in" > "$dev/bus.conf"
  rm -f "$socket"
  dbus-daemon --config-file="$dev/bus.conf" --nofork --nopidfile &
  bus_pid=$!
  local address="unix:path=$socket"
  for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.05; done
  trap 'kill $bus_pid 2>/dev/null || true' EXIT
  cat <<EOT
virtbusd is starting on a private bus, with its state in $dev/state,
in $where (bridge networks: their bridges, firewall tables and
dnsmasq, and the guests' taps live there).
Talk to it from another terminal:

  busctl --address=$address tree org.virtbus.Virt1
  busctl --address=$address introspect org.virtbus.Virt1 /org/virtbus/Virt1
  gdbus introspect --address $address --dest org.virtbus.Virt1 --object-path /org/virtbus/Virt1
  gdbus call --address $address --dest org.virtbus.Virt1 --object-path /org/virtbus/Virt1 \\
    --method org.virtbus.Virt1.Manager.DefineDomain "\$(cat docs/examples/test-domain.xml)" 0
EOT
  [ -z "$netns" ] || echo "
Look inside the namespace with: ip -n $netns link; ip netns exec $netns nft list ruleset"
  echo "
Press Ctrl-C to stop."
  local status=0
  # The bridge driver, which the service would not choose on a private bus;
  # an explicit --network-driver among the arguments comes later and wins.
  DBUS_SYSTEM_BUS_ADDRESS="$address" "${enter[@]}" "$build/service/daemon/virtbusd" \
    --address="$address" --state-dir="$dev/state" --run-dir="$dev/run" \
    --network-driver=bridge "${args[@]}" || status=$?
  # virtbusd's last lines said what keeps running; where it is, and how to end it.
  if [ -n "$netns" ] && { [ -n "$(networks_left "$netns")" ] || [ -n "$(guests_left)" ]; }; then
    cat <<EOT
dev.sh: what virtbusd said keeps running stays in the network namespace $netns;
the next \`sudo $0 run\` takes it over. To end all of it instead:
  ip netns pids $netns | xargs -r kill; ip netns del $netns
EOT
  fi
  return $status
}

# Guests outlive the service by design; a test that died may leave some.
# Each test's run directory names their PIDs.
kill_leftover_guests() {
  local status pid
  for status in /tmp/vbtest-*/run/qemu-status/*.json; do
    [ -f "$status" ] || continue
    pid=$(sed -n 's/^ *"pid" *: *\([0-9]*\).*/\1/p' "$status" | head -n 1)
    [ -n "$pid" ] && kill -9 "$pid" 2>/dev/null || true
  done
}

# One plain line for whoever reads only the end of the output.
summarize() {
  /usr/bin/python3 - "$build/meson-logs/testlog.json" <<'PY'
import json, sys
counts = {"passed": 0, "failed": 0, "skipped": 0}
for line in open(sys.argv[1]):
    result = json.loads(line).get("result", "")
    if result in ("OK", "EXPECTEDFAIL"):
        counts["passed"] += 1
    elif result == "SKIP":
        counts["skipped"] += 1
    else:
        counts["failed"] += 1
print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
PY
}

run_tests() {
  local status=0
  "$top/tests/setup-test-users.sh"
  meson test -C "$build" --print-errorlogs --num-processes 2 "$@" || status=$?
  kill_leftover_guests
  summarize || true
  return $status
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  run)
    need_root run
    if [ -z "${VB_DEV_BUILT:-}" ]; then
      install_missing "${packages[@]}"
      build
    fi
    run_service "$@" ;;
  test)
    need_root test
    install_missing "${packages[@]}"
    install_missing --no-install-recommends "${browser_packages[@]}"
    build; build_test_guest; run_tests "$@" ;;
  *) echo "usage: $0 run [--host-network] [VIRTBUSD OPTION...] | test [MESON TEST ARGUMENT...]" >&2; exit 2 ;;
esac
