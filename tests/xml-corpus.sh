#!/bin/bash
# Defines every domain XML file given (or every *.xml in the directories
# given) on a private virtbusd with the QEMU driver, one at a time, and
# prints one line per file: "accepted", or "refused" with the service's
# message. Then the counts, and the refusals grouped by what they name.
#
# For measuring what share of a corpus of real configurations virtbus takes,
# such as the x86_64 inputs of libvirt's tests/qemuxmlconfdata (not part of
# this project: point it at a checkout of libvirt's):
#
#   tests/xml-corpus.sh [--build DIR] [--keep] FILE|DIR...
#
# Needs a build (default build/), dbus-daemon and qemu-system-x86_64. Each
# file is undefined again after it was accepted, so files that share a name
# or UUID (libvirt's tests mostly call their guest QEMUGuest1) do not meet.
set -u

build=build
keep=
while [ $# -gt 0 ]; do
  case "$1" in
  --build) build="$2"; shift 2 ;;
  --keep) keep=1; shift ;;
  --) shift; break ;;
  -*) echo "unknown option $1" >&2; exit 2 ;;
  *) break ;;
  esac
done
[ $# -gt 0 ] || { echo "usage: $0 [--build DIR] [--keep] FILE|DIR..." >&2; exit 2; }

daemon="$build/service/daemon/virtbusd"
ctl="$build/objects/ctl/virtbusctl"
[ -x "$daemon" ] && [ -x "$ctl" ] || { echo "no build in $build" >&2; exit 2; }

work=$(mktemp -d /tmp/vb-corpus-XXXXXX)
bus_pid= daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  [ -n "$bus_pid" ] && kill "$bus_pid" 2>/dev/null
  [ -n "$keep" ] || rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/bus.conf" <<EOF
<busconfig>
  <type>session</type>
  <listen>unix:path=$work/bus</listen>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF
dbus-daemon --config-file="$work/bus.conf" --nofork --print-pid >"$work/bus.pid" &
bus_pid=$!
address="unix:path=$work/bus"
for _ in $(seq 100); do [ -S "$work/bus" ] && break; sleep 0.05; done

"$daemon" --address "$address" --state-dir "$work/state" --run-dir "$work/run" \
  --cache-dir "$work/cache" --network-driver test --no-libvirt-dbus >"$work/daemon.log" 2>&1 &
daemon_pid=$!
for _ in $(seq 200); do
  "$ctl" --address "$address" --quiet list >/dev/null 2>&1 && break
  sleep 0.05
done

files=()
for arg in "$@"; do
  if [ -d "$arg" ]; then
    while IFS= read -r f; do files+=("$f"); done < <(find "$arg" -maxdepth 1 -name '*.xml' | sort)
  else
    files+=("$arg")
  fi
done

accepted=0 refused=0
: >"$work/refusals"
for f in "${files[@]}"; do
  name=$(basename "$f")
  if out=$("$ctl" --address "$address" --json define "$f" 2>&1); then
    accepted=$((accepted + 1))
    echo "accepted $name"
    uuid=$(printf '%s' "$out" | sed -n 's/.*"uuid" *: *"\([^"]*\)".*/\1/p' | head -1)
    domain=$(sed -n 's:.*<name>\(.*\)</name>.*:\1:p' "$f" | head -1)
    "$ctl" --address "$address" --quiet undefine "${uuid:-$domain}" >/dev/null 2>&1 \
      || "$ctl" --address "$address" --quiet undefine "$domain" >/dev/null 2>&1
  else
    refused=$((refused + 1))
    message=$(printf '%s' "$out" | tr '\n' ' ')
    echo "refused  $name: $message"
    printf '%s\n' "$message" >>"$work/refusals"
  fi
  kill -0 "$daemon_pid" 2>/dev/null || { echo "virtbusd died at $name" >&2; exit 1; }
done

total=$((accepted + refused))
echo
echo "accepted $accepted of $total ($((total ? accepted * 100 / total : 0))%)"
echo
echo "refusals by what they name:"
sed -n 's/.*\(<[a-zA-Z_:-]*>\).*/\1/p; t; s/.*/(other)/p' "$work/refusals" | sort | uniq -c | sort -rn
