#!/usr/bin/env bash
# The layers of docs/architecture.md are enforced by the compiler: each layer
# is a static library whose include path holds only its own folder and, by its
# meson dependencies, the layers below it. This script checks the two things
# the compiler cannot see, and fails (exit 1, naming each offence) when:
#   - an #include of the project names a path ("../ops/x.h", "qemu/x.h"):
#     the compiler resolves such a path from the including file's folder, so
#     it would reach past the include path;
#   - a layer's meson.build adds an include folder other than its own, or
#     depends on a layer it may not see (the table below).
#
#   tests/check-layering.sh [SOURCE_ROOT]
set -euo pipefail

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# Each layer's meson.build and the dependencies (meson variables) it may use:
# the layers below it, and external libraries.
declare -A allowed=(
  [service/util/meson.build]="virtbus_deps"
  [service/conf/meson.build]="util_dep"
  [service/model/meson.build]="conf_dep"
  [drivers/meson.build]="model_dep"
  [drivers/test/meson.build]="contract_dep"
  [drivers/qemu/meson.build]="contract_dep"
  [drivers/network/meson.build]="contract_dep"
  [drivers/storage/meson.build]="contract_dep"
  [service/ops/meson.build]="contract_dep"
  [objects/meson.build]="-"
  [objects/common/meson.build]="util_dep polkit_dep"
  [objects/virt1/meson.build]="ops_dep objects_common_dep"
  [objects/libvirt/meson.build]="ops_dep objects_common_dep"
  [service/daemon/meson.build]="*"
  # libvirtbus, the client library: D-Bus only, nothing of the service.
  [objects/client/meson.build]="gio_dep gio_unix_dep"
  # virtbusctl: the client library (and json-glib for --json), nothing else.
  [objects/ctl/meson.build]="libvirtbus_client_dep json_glib_dep"
)

offenders=0
offend() {
  echo "$1"
  offenders=$((offenders + 1))
}

# Every meson.build of a layer folder must be in the table: a new folder
# states what it may see.
while IFS= read -r build; do
  [ -n "${allowed[$build]:-}" ] || offend "$build: a layer not in tests/check-layering.sh's table"
done < <(find service drivers objects -name meson.build | sort)

for build in "${!allowed[@]}"; do
  [ -f "$build" ] || { offend "$build: missing (the table names it)"; continue; }
  # include_directories('.') only: a layer's own folder.
  while IFS= read -r arg; do
    [ "$arg" = "'.'" ] || offend "$build: include_directories($arg): a layer includes its own folder only"
  done < <(grep -o "include_directories([^)]*)" "$build" | sed "s/include_directories(\(.*\))/\1/")
  [ "${allowed[$build]}" = "*" ] && continue
  # The dependencies it names, less those it declares itself.
  code=$(sed 's/#.*//' "$build")
  own=$(grep -o '^[a-z0-9_]*_deps\? =' <<<"$code" | sed 's/ =$//' || true)
  while IFS= read -r dep; do
    [ -n "$dep" ] || continue
    grep -qx "$dep" <<<"$own" && continue
    case " ${allowed[$build]} " in
      *" $dep "*) ;;
      *) offend "$build: uses $dep, which this layer may not see (allowed: ${allowed[$build]})" ;;
    esac
  done < <(grep -o '\b[a-z0-9_]*_deps\?\b' <<<"$code" | sort -u)
done

# Includes of the project's own headers name a file, never a path.
checked=0
while IFS= read -r file; do
  checked=$((checked + 1))
  line_no=0
  while IFS= read -r line; do
    line_no=$((line_no + 1))
    if [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
      spec=${BASH_REMATCH[1]}
      [[ $spec == */* ]] && offend "$file:$line_no: #include \"$spec\" names a path; include the header by its name"
    elif [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
      spec=${BASH_REMATCH[1]}
      [[ $spec == *..* ]] && offend "$file:$line_no: #include <$spec> climbs out of an include folder"
    fi
  done <"$file"
done < <(find service drivers objects \( -name '*.c' -o -name '*.h' \) | sort)

if [ "$offenders" -gt 0 ]; then
  echo "check-layering.sh: $offenders offence(s) against the layers (see docs/architecture.md)" >&2
  exit 1
fi
echo "check-layering.sh: ${#allowed[@]} layer builds and $checked files respect the layers"
