#!/bin/bash
# The busctl tour again with gdbus (GLib's client): defines the domain of
# test-domain.xml, starts, suspends, resumes and destroys it, printing State and
# StateReason after each step, then undefines it.
#
#   VB_ADDRESS=unix:path=/path/to/bus ./gdbus-tour.sh
#
# VB_ADDRESS is the bus virtbusd serves on; `sudo ./dev.sh run` prints it.
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${VB_ADDRESS:-}" ]; then
  echo "gdbus-tour.sh: set VB_ADDRESS to virtbusd's bus address (sudo ./dev.sh run prints it)" >&2
  exit 2
fi

# gdbus prints a reply as a GVariant tuple: (objectpath '/org/virtbus/Virt1/domain/…',)
# for a path, (<'running'>,) for a property, and () for a call that returns
# nothing, which the tour does not print.
unquote() { sed -e "s/^(objectpath '\(.*\)',)$/\1/" -e "s/^(<'\(.*\)'>,)$/\1/"; }

# Prints "after STEP: STATE REASON".
show_state() {
  local state reason
  state=$(gdbus call --address "$VB_ADDRESS" --dest org.virtbus.Virt1 --object-path "$path" \
    --method org.freedesktop.DBus.Properties.Get org.virtbus.Virt1.Domain State | unquote)
  reason=$(gdbus call --address "$VB_ADDRESS" --dest org.virtbus.Virt1 --object-path "$path" \
    --method org.freedesktop.DBus.Properties.Get org.virtbus.Virt1.Domain StateReason | unquote)
  echo "after $1: $state $reason"
}

path=$(gdbus call --address "$VB_ADDRESS" --dest org.virtbus.Virt1 --object-path /org/virtbus/Virt1 \
  --method org.virtbus.Virt1.Manager.DefineDomain "$(cat test-domain.xml)" 0 | unquote)
echo "defined $path"
show_state DefineDomain

gdbus call --address "$VB_ADDRESS" --dest org.virtbus.Virt1 --object-path "$path" \
  --method org.virtbus.Virt1.Domain.Start 0 >/dev/null
show_state Start

gdbus call --address "$VB_ADDRESS" --dest org.virtbus.Virt1 --object-path "$path" \
  --method org.virtbus.Virt1.Domain.Suspend >/dev/null
show_state Suspend

gdbus call --address "$VB_ADDRESS" --dest org.virtbus.Virt1 --object-path "$path" \
  --method org.virtbus.Virt1.Domain.Resume >/dev/null
show_state Resume

gdbus call --address "$VB_ADDRESS" --dest org.virtbus.Virt1 --object-path "$path" \
  --method org.virtbus.Virt1.Domain.Destroy 0 >/dev/null
show_state Destroy

gdbus call --address "$VB_ADDRESS" --dest org.virtbus.Virt1 --object-path "$path" \
  --method org.virtbus.Virt1.Domain.Undefine 0 >/dev/null
echo "undefined $path"
