#!/usr/bin/env bash
# The two commands of the README:
#   sudo ./dev.sh run    install what is missing, build, run virtbusd on a private bus
#   sudo ./dev.sh test   install what is missing, build, run the whole test suite
set -euo pipefail

top=$(cd "$(dirname "$0")" && pwd)
build="$top/build"

packages=(
  meson ninja-build pkg-config gcc libc6-dev
  libglib2.0-dev libglib2.0-bin libxml2-dev libpolkit-gobject-1-dev libjson-glib-dev
  dbus-daemon dbus-bin polkitd systemd
  python3-gi python3-dbusmock
  qemu-system-x86 qemu-utils ovmf xz-utils
  iproute2 util-linux dnsmasq-base nftables openssl
  # virtbusctl's terminal tests (tests/test-ctl-terminal.c, test-ctl-console.c)
  tmux
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

run_service() {
  local dev="$top/.dev"
  mkdir -p "$dev/state" "$dev/run"
  chmod 755 "$dev"
  local socket="$dev/bus"
  sed "s|@SOCKET@|$socket|" "$top/tests/bus/test-bus.conf.in" > "$dev/bus.conf"
  rm -f "$socket"
  dbus-daemon --config-file="$dev/bus.conf" --nofork --nopidfile &
  bus_pid=$!
  local address="unix:path=$socket"
  for _ in $(seq 100); do [ -S "$socket" ] && break; sleep 0.05; done
  trap 'kill $bus_pid 2>/dev/null || true' EXIT
  cat <<EOT
virtbusd is starting on a private bus, with its state in $dev/state.
Talk to it from another terminal:

  busctl --address=$address tree org.virtbus.Virt1
  busctl --address=$address introspect org.virtbus.Virt1 /org/virtbus/Virt1
  gdbus introspect --address $address --dest org.virtbus.Virt1 --object-path /org/virtbus/Virt1
  gdbus call --address $address --dest org.virtbus.Virt1 --object-path /org/virtbus/Virt1 \\
    --method org.virtbus.Virt1.Manager.DefineDomain "\$(cat docs/examples/test-domain.xml)" 0

Press Ctrl-C to stop.
EOT
  DBUS_SYSTEM_BUS_ADDRESS="$address" "$build/service/daemon/virtbusd" --address="$address" \
    --state-dir="$dev/state" --run-dir="$dev/run" "$@"
}

# Guests outlive the service by design; a test that died may leave some.
# Each test's run directory names their PIDs.
kill_leftover_guests() {
  local status pid
  for status in /tmp/vbtest-*/run/qemu/*/status.json; do
    [ -f "$status" ] || continue
    pid=$(sed -n 's/.*"pid" *: *\([0-9]*\).*/\1/p' "$status" | head -n 1)
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
  run) need_root run; install_missing "${packages[@]}"; build; run_service "$@" ;;
  test)
    need_root test
    install_missing "${packages[@]}"
    install_missing --no-install-recommends "${browser_packages[@]}"
    build; build_test_guest; run_tests "$@" ;;
  *) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
