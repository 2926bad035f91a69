#!/usr/bin/env bash
# Fails (exit 1, listing each offending #include) when a file includes across
# the layers of docs/architecture.md the wrong way:
#   - a driver (drivers/test, drivers/qemu, drivers/network, drivers/storage, or
#     any other directory under drivers/) includes a header of objects/ or of
#     another driver's directory;
#   - the driver interface (the files directly in drivers/) includes a header
#     of objects/ or of one driver;
#   - objects/ includes a header of one driver;
#   - service/ includes a header of drivers/ or objects/, except service/main.c,
#     which wires everything together.
# Headers are found the way the compiler finds them: the including file's own
# directory first for "…" includes, then the project's include directories.
#
#   tests/check-layering.sh [SOURCE_ROOT]
set -euo pipefail

root=${1:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$root"

# Headers generated into the build directory, and the layer they belong to.
declare -A generated=(
  [vb-dbus-generated.h]=objects # gdbus-codegen output of introspection/
  [vb-config.h]=top             # configure_file(): allowed everywhere
)

# Where each header of the tree lives; a name may exist in several directories.
declare -A homes=()
while IFS= read -r header; do
  name=${header##*/}
  homes[$name]+="${header%/*} "
done < <(find service drivers objects -name '*.h' | sort)

# The include directories, in the order meson passes them (top_inc, driver_inc).
include_dirs=(. service drivers objects drivers/test drivers/qemu)

# The layer of a directory: objects, interface, driver:NAME, service, top.
layer_of() {
  case $1 in
    objects | objects/*) echo objects ;;
    drivers) echo interface ;;
    drivers/*) local d=${1#drivers/}; echo "driver:${d%%/*}" ;;
    service | service/*) echo service ;;
    *) echo top ;;
  esac
}

# Prints the directory the header @2, included by the file @1 ("quote" or
# "angle" in @3), is found in; nothing for a system header.
resolve() {
  local file=$1 spec=$2 kind=$3 dir=${1%/*} candidate
  if [ "$kind" = quote ] && [ -f "$dir/$spec" ]; then
    candidate=$(realpath -m --relative-to=. "$dir/$spec")
    echo "${candidate%/*}"
    return
  fi
  for candidate in "${include_dirs[@]}"; do
    if [ -f "$candidate/$spec" ]; then
      candidate=$(realpath -m --relative-to=. "$candidate/$spec")
      echo "${candidate%/*}"
      return
    fi
  done
  local name=${spec##*/}
  if [ -n "${generated[$name]:-}" ]; then
    echo "${generated[$name]}"
    return
  fi
  # A header of ours outside the include path (a driver's own directory that a
  # meson.build adds): any of the homes of that name.
  if [ -n "${homes[$name]:-}" ] && [ "$spec" = "$name" ]; then
    echo "${homes[$name]%% *}"
  fi
}

# Why @1 (a file's layer) must not include a header of layer @2; empty if fine.
violation() {
  local from=$1 to=$2
  case $from in
    driver:*)
      case $to in
        objects) echo "a driver must not include objects/ (it sees drivers/driver.h and service/ only)" ;;
        driver:*) [ "$to" != "$from" ] && echo "a driver must not include another driver's headers" ;;
      esac
      ;;
    interface)
      case $to in
        objects) echo "the driver interface must not include objects/" ;;
        driver:*) echo "the driver interface must not include one driver's headers" ;;
      esac
      ;;
    objects)
      case $to in
        driver:*) echo "objects/ must call the driver interface, never include one driver" ;;
      esac
      ;;
    service)
      case $to in
        objects | interface | driver:*) echo "service/ must not include drivers/ or objects/ (only service/main.c wires them)" ;;
      esac
      ;;
  esac
  return 0
}

offenders=0
checked=0
while IFS= read -r file; do
  checked=$((checked + 1))
  [ "$file" = service/main.c ] && continue
  from=$(layer_of "${file%/*}")
  line_no=0
  while IFS= read -r line; do
    line_no=$((line_no + 1))
    if [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\"([^\"]+)\" ]]; then
      spec=${BASH_REMATCH[1]} kind=quote
    elif [[ $line =~ ^[[:space:]]*#[[:space:]]*include[[:space:]]*\<([^\>]+)\> ]]; then
      spec=${BASH_REMATCH[1]} kind=angle
    else
      continue
    fi
    home=$(resolve "$file" "$spec" "$kind")
    [ -n "$home" ] || continue
    to=$(layer_of "$home")
    why=$(violation "$from" "$to")
    if [ -n "$why" ]; then
      echo "$file:$line_no: includes $spec ($home/): $why"
      offenders=$((offenders + 1))
    fi
  done <"$file"
done < <(find service drivers objects \( -name '*.c' -o -name '*.h' \) | sort)

if [ "$offenders" -gt 0 ]; then
  echo "check-layering.sh: $offenders include(s) cross the layers the wrong way (see docs/architecture.md)" >&2
  exit 1
fi
echo "check-layering.sh: $checked files, every include respects the layers"
