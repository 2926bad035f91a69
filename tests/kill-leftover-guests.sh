#!/usr/bin/env bash
# kill-leftover-guests.sh [TEST_DIR...]: ends with SIGKILL the QEMU guests
# that test runs left behind (guests outlive the service by design, and a
# test that died may leave some), as `dev.sh test` does after the suite.
# Each test's directory (/tmp/vbtest-*, or the ones given) has the status
# files of its service's guests, TEST_DIR/run/qemu-status/<uuid>.json, each
# naming the pid and start time of a QEMU.
#
# It runs as root, and any local user can make a /tmp/vbtest-* directory
# and write a "pid" into it. So a status file counts only when it, its
# directory, the run directory and the test directory are root's, no
# symbolic link, and writable by nobody else; and its pid is killed only
# while it is still the QEMU the file describes: the recorded start time (a
# pid the kernel gave to another process since has another) and a QEMU's
# command line whose monitor socket is in that run directory, under the
# file's uuid. Anything else is left alone.
set -uo pipefail

# Root's, not a symbolic link, not writable by its group or others.
roots_only() {
  local owner mode
  [ -e "$1" ] && [ ! -L "$1" ] || return 1
  read -r owner mode < <(stat -c '%u %a' -- "$1") || return 1
  [ "$owner" = 0 ] && (((8#$mode & 8#022) == 0))
}

# The number of KEY in the status file FILE (virtbusd writes one key a line).
status_number() {
  sed -n "s/^ *\"$2\" *: *\([0-9][0-9]*\).*/\1/p" -- "$1" | head -n 1
}

# Field 22 of /proc/PID/stat, as virtbusd records it; the command's name
# (field 2) may hold spaces and parentheses, so count after the last ')'.
start_time() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  # shellcheck disable=SC2086 # split into the fields on purpose
  set -- $stat
  echo "${20:-}"
}

# Whether PID runs a QEMU (its argv[0] qemu-system-*) with the monitor
# socket of the domain UUID in the run directory RUN.
runs_qemu_of() {
  local pid=$1 want="path=$2/qemu/$3/" arg first=true found=false
  # The command line has option values with their commas doubled.
  want=${want//,/,,}
  while IFS= read -r -d '' arg; do
    if $first; then
      case ${arg##*/} in qemu-system-*) ;; *) return 1 ;; esac
      first=false
    elif [[ $arg == *"$want"* ]]; then
      found=true
    fi
  done <"/proc/$pid/cmdline" 2>/dev/null || return 1
  $found
}

dirs=("$@")
[ $# -gt 0 ] || dirs=(/tmp/vbtest-*)
for dir in "${dirs[@]}"; do
  run=$dir/run
  roots_only "$dir" && roots_only "$run" && roots_only "$run/qemu-status" || continue
  for status in "$run/qemu-status"/*.json; do
    [ -f "$status" ] && roots_only "$status" || continue
    uuid=$(basename "$status" .json)
    pid=$(status_number "$status" pid)
    start=$(status_number "$status" start-time)
    [ -n "$pid" ] && [ -n "$start" ] || continue
    [ "$(start_time "$pid")" = "$start" ] && runs_qemu_of "$pid" "$run" "$uuid" || continue
    kill -9 "$pid" 2>/dev/null || true
  done
done
exit 0
