#!/usr/bin/env bash
# The two commands of the README:
#   sudo ./dev.sh run    install what is missing, build, run virtbusd on a private bus
#   sudo ./dev.sh test   install what is missing, build, run the whole test suite
#
# `run` puts virtbusd (and so its guests, bridges, firewall tables and
# dnsmasq) into a network namespace of this checkout's, with the bridge
# network driver; `run --host-network` runs it in the host's network
# instead. Its bus is tests/bus/dev-bus.conf.in's: every local user may
# call, only root may own a name. For the test suite (tests/test-dev-run.c),
# `run` reads:
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
  qemu-system-x86 qemu-system-gui qemu-utils ovmf xz-utils
  # the emulated TPM's helper process (drivers/qemu/qemu-command-tpm.c)
  swtpm swtpm-tools
  # placement='auto': numad's NUMA advice (drivers/qemu/qemu-numad.c)
  numad
  # the network disks QEMU cannot open itself (drivers/qemu/qemu-command-disk-nbdkit.c)
  nbdkit
  # passt user networking (drivers/qemu/qemu-command-passt.c)
  passt
  # an X server for the sdl display on a named X display (tests/test-xml-netdisplay.c)
  xvfb
  # Open vSwitch ports of taps (drivers/qemu/qemu-ovs.c; tests/test-xml-net.c runs its own)
  openvswitch-switch
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

# The length of a path in bytes, as the kernel counts it.
byte_length() {
  local LC_ALL=C
  echo "${#1}"
}

# A path as the value of a D-Bus address: every byte but [-0-9A-Za-z_/.]
# percent-escaped. The address then holds nothing special to the shell or to
# XML either, whatever the checkout's path holds.
dbus_escape() {
  local LC_ALL=C
  local path=$1 escaped="" c i
  for ((i = 0; i < ${#path}; i++)); do
    c=${path:i:1}
    case $c in
      [-0-9A-Za-z_/.]) escaped+=$c ;;
      *) printf -v c '%%%02X' "'$c"; escaped+=$c ;;
    esac
  done
  echo "$escaped"
}

# Socket paths must fit: the bus's in dbus-daemon's limit (99 bytes, below
# the kernel's 107), or it would not start; QEMU's monitor sockets
# (RUN/qemu/<uuid>/monitor.sock) in the kernel's, or guests would not.
check_socket_paths() {
  local dev=$1 monitor
  if (($(byte_length "$dev/bus") > 99)); then
    echo "dev.sh: the bus socket $dev/bus would have a path of $(byte_length "$dev/bus") bytes;" \
      "dbus-daemon takes at most 99: use a checkout with a shorter path" >&2
    exit 1
  fi
  monitor="$dev/run/qemu/00000000-0000-0000-0000-000000000000/monitor.sock"
  if (($(byte_length "$monitor") > 107)); then
    echo "dev.sh: warning: QEMU's monitor sockets in $dev/run would have paths of" \
      "$(byte_length "$monitor") bytes, more than a Unix socket takes (107): QEMU guests" \
      "will not start; test-driver domains and networks will" >&2
  fi
}

# Refuses a second run of the same checkout (one dev.sh run per $dev, for as
# long as it runs), before anything of the first one's is touched: its bus
# socket, which a new run replaces, and its network mode. The lock is an
# flock on $dev/dev.lock held by this shell on descriptor $dev_lock (which
# dbus-daemon and virtbusd do not inherit), so two runs started at once
# cannot both pass. A virtbusd left running by a dev.sh that was killed
# holds the state directory's lock: that refuses too.
lock_dev_dir() {
  local dev=$1 lock="$1/state/virtbusd.lock"
  exec {dev_lock}>>"$dev/dev.lock"
  if flock -n "$dev_lock" && ! { [ -f "$lock" ] && ! flock -n "$lock" true; }; then
    return 0
  fi
  if [ -f "$lock" ] && ! flock -n "$lock" true; then
    echo "dev.sh: another virtbusd (pid $(cat "$lock")) runs on $dev/state: stop it first" >&2
  else
    echo "dev.sh: another \`dev.sh run\` is starting or stopping on $dev: wait for it" >&2
  fi
  exit 1
}

run_service() {
  local dev="${VB_DEV_DIR:-$top/.dev}"
  local host_network=false args=() arg
  for arg in "$@"; do
    if [ "$arg" = --host-network ]; then host_network=true; else args+=("$arg"); fi
  done
  check_socket_paths "$dev"
  mkdir -p "$dev/state" "$dev/run"
  chmod 755 "$dev"
  lock_dev_dir "$dev"
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
  # The bus: only root may own a name on it, so nobody else can stand in
  # for polkitd there (tests/bus/dev-bus.conf.in says why).
  local socket="$dev/bus" config address
  address="unix:path=$(dbus_escape "$socket")"
  config=$(<"$top/tests/bus/dev-bus.conf.in")
  printf '%s\n' "${config//@ADDRESS@/"$address"}" >"$dev/bus.conf"
  rm -f "$socket"
  dbus-daemon --config-file="$dev/bus.conf" --nofork --nopidfile {dev_lock}>&- &
  bus_pid=$!
  trap 'kill $bus_pid 2>/dev/null || true' EXIT
  for _ in $(seq 200); do
    [ -S "$socket" ] && break
    kill -0 "$bus_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ ! -S "$socket" ]; then
    echo "dev.sh: dbus-daemon did not start on $socket (its message is above)" >&2
    exit 1
  fi
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
    --network-driver=bridge "${args[@]}" {dev_lock}>&- || status=$?
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
  # Guests outlive the service by design; a test that died may leave some.
  # Only root's own test directories count: see the script.
  "$top/tests/kill-leftover-guests.sh"
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
