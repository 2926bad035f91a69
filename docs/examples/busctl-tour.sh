#!/bin/bash
# The README's tour with busctl: defines the domain of test-domain.xml, starts,
# suspends, resumes and destroys it, printing State and StateReason after each
# step, then undefines it.
#
#   VB_ADDRESS=unix:path=/path/to/bus ./busctl-tour.sh
#
# VB_ADDRESS is the bus virtbusd serves on; `sudo ./dev.sh run` prints it.
set -euo pipefail
cd "$(dirname "$0")"

if [ -z "${VB_ADDRESS:-}" ]; then
  echo "busctl-tour.sh: set VB_ADDRESS to virtbusd's bus address (sudo ./dev.sh run prints it)" >&2
  exit 2
fi

# busctl prints a value as its type and the value: o "/org/virtbus/Virt1/domain/…".
unquote() { sed 's/^[a-z] "\(.*\)"$/\1/'; }

# Prints "after STEP: STATE REASON".
show_state() {
  local state
  state=$(busctl --address="$VB_ADDRESS" get-property org.virtbus.Virt1 "$path" \
    org.virtbus.Virt1.Domain State StateReason | unquote | paste -sd ' ')
  echo "after $1: $state"
}

path=$(busctl --address="$VB_ADDRESS" call org.virtbus.Virt1 /org/virtbus/Virt1 \
  org.virtbus.Virt1.Manager DefineDomain su "$(cat test-domain.xml)" 0 | unquote)
echo "defined $path"
show_state DefineDomain

busctl --address="$VB_ADDRESS" call org.virtbus.Virt1 "$path" org.virtbus.Virt1.Domain Start u 0
show_state Start

busctl --address="$VB_ADDRESS" call org.virtbus.Virt1 "$path" org.virtbus.Virt1.Domain Suspend
show_state Suspend

busctl --address="$VB_ADDRESS" call org.virtbus.Virt1 "$path" org.virtbus.Virt1.Domain Resume
show_state Resume

busctl --address="$VB_ADDRESS" call org.virtbus.Virt1 "$path" org.virtbus.Virt1.Domain Destroy u 0
show_state Destroy

busctl --address="$VB_ADDRESS" call org.virtbus.Virt1 "$path" org.virtbus.Virt1.Domain Undefine u 0
echo "undefined $path"
