#!/bin/bash
# Builds the test guest into OUTDIR:
#   vmlinuz         Debian's kernel as packaged (a bzImage)
#   vmlinux         the same kernel unpacked (ELF, boots through PVH: faster)
#   initramfs.img   cpio newc + gzip: busybox, modules, dirtier, /init
#   kernel-version  e.g. 6.1.0-56-amd64
#
#   tests/guest/build-guest.sh OUTDIR
#
# The kernel is Debian's (package linux-image-amd64, fetched with
# `apt-get download` and unpacked into a temp dir, never installed); the
# initramfs holds busybox (package busybox-static, fetched the same way), the
# virtio/ACPI modules from the same kernel package, our dirtier, and an /init.
# The result is cached: when OUTDIR already has the files and its stamp holds
# the hash of this script and of dirtier.c, nothing is done. Needs apt-get
# (with reachable package lists), dpkg-deb, gzip, xz, and gcc with libc6-dev
# for the static dirtier.
#
# Guest kernel command line options (besides console=ttyS0):
#   vb.dirty_mib_s=N   MiB per second the dirtier writes (default 0)
#   vb.mem_mib=N       working set the dirtier touches (default 16)
#   vb.counter=0       no "VB-COUNTER n" lines (the dirtying still runs)
# `quiet` is worth adding: every kernel line on the emulated UART costs boot
# time under TCG.
#
# What the guest does: loads its modules, starts busybox acpid (the ACPI power
# button, i.e. QMP system_powerdown, runs `poweroff -f`), prints
# VIRTBUS-GUEST-READY on ttyS0, starts the dirtier in the background on ttyS0
# and keeps a root shell on ttyS0, so a test can type commands on the serial
# console. The shell's prompt (and the ESC[6n cursor query of busybox's line
# editor) can share a line with a counter line: match "VB-COUNTER <n>"
# anywhere in a line, not at its start.
#
# Measured on this project's machine (2 cores, shared with other work, QEMU
# 7.2, kernel 6.1.0-56-amd64), from starting `qemu-system-x86_64 -accel tcg
# -m 256 -nographic -kernel K -initrd initramfs.img -append 'console=ttyS0
# quiet'` to the line VIRTBUS-GUEST-READY on the serial console:
#   K = vmlinuz: 7.7-9.7 s (up to 12 s while the other core was busy); about
#                5 s of it pass before the kernel's first line, in SeaBIOS
#                loading the image and the XZ decompression under TCG
#   K = vmlinux: 3.5-4.4 s
# QMP system_powerdown: the guest's acpid runs poweroff -f, QEMU emits
# POWERDOWN, then SHUTDOWN {"guest": true, "reason": "guest-shutdown"} about
# 50 ms later, and exits with status 0.
# QMP stop / cont: no console output while stopped; after cont the counter
# goes on with the next number (20 before the stop, 21 about 100 ms after the
# cont): no burst, no skipped number.
set -euo pipefail

if [ $# -ne 1 ]; then
  echo "usage: $0 OUTDIR" >&2
  exit 2
fi

outdir=$1
srcdir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
script="$srcdir/$(basename "${BASH_SOURCE[0]}")"
dirtier_src="$srcdir/dirtier.c"

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
stamp="$outdir/guest.stamp"

# The stamp names everything that decides the output we control; the Debian
# packages are whatever the archive serves at the time of a rebuild.
want_stamp=$(cat "$script" "$dirtier_src" | sha256sum | cut -d' ' -f1)
if [ -f "$outdir/vmlinuz" ] && [ -f "$outdir/vmlinux" ] && [ -f "$outdir/initramfs.img" ] && [ -f "$stamp" ] \
   && [ "$(cat "$stamp")" = "$want_stamp" ]; then
  echo "build-guest: $outdir is up to date"
  exit 0
fi

for tool in apt-get dpkg-deb gzip xz od gcc sha256sum; do
  if ! command -v "$tool" >/dev/null; then
    echo "build-guest: '$tool' is missing (install apt, dpkg, gzip, xz-utils, coreutils, gcc, libc6-dev)" >&2
    exit 1
  fi
done

work=$(mktemp -d /tmp/virtbus-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT

# Fetch a package's .deb into $work/debs and print its path. Running the
# download as root keeps apt from needing its _apt sandbox user to write into
# our private temp dir.
fetch_deb() {
  mkdir -p "$work/debs"
  (cd "$work/debs" && apt-get -q -o APT::Sandbox::User=root download "$1" >/dev/null)
  ls "$work/debs/$1"_*.deb
}

echo "build-guest: fetching packages"
meta_deb=$(fetch_deb linux-image-amd64)
# The metapackage depends on the versioned image package (linux-image-X-amd64).
kernel_pkg=$(dpkg-deb -f "$meta_deb" Depends | tr ',' '\n' | sed -n 's/^ *\(linux-image-[0-9][^ ]*\).*/\1/p' | head -n1)
if [ -z "$kernel_pkg" ]; then
  echo "build-guest: cannot find the kernel package behind linux-image-amd64" >&2
  exit 1
fi
kernel_deb=$(fetch_deb "$kernel_pkg")
busybox_deb=$(fetch_deb busybox-static)

dpkg-deb -x "$kernel_deb" "$work/kernel"
dpkg-deb -x "$busybox_deb" "$work/busybox"
busybox="$work/busybox/bin/busybox"
kver=$(ls "$work/kernel/lib/modules")
moddir="$work/kernel/lib/modules/$kver"
kconfig="$work/kernel/boot/config-$kver"

# The package ships no modules.dep (depmod runs at install time); busybox's
# depmod, which we have anyway, writes one without needing kmod on the host.
"$busybox" depmod -b "$work/kernel" "$kver"

# The modules the guest uses, each only when the kernel config says it is a
# module (=m); built-in ones (=y) need nothing.
wanted=""
for pair in ACPI_BUTTON:button INPUT_EVDEV:evdev VIRTIO_PCI:virtio_pci \
            VIRTIO_BLK:virtio_blk VIRTIO_NET:virtio_net VIRTIO_CONSOLE:virtio_console \
            VIRTIO_BALLOON:virtio_balloon \
            PVPANIC_MMIO:pvpanic_mmio PVPANIC_PCI:pvpanic_pci I6300ESB_WDT:i6300esb \
            NET_9P_VIRTIO:9pnet_virtio 9P_FS:9p VIRTIO_FS:virtiofs \
            BLK_DEV_FD:floppy ACPI_NFIT:nfit BLK_DEV_PMEM:nd_pmem \
            VIRTIO_MEM:virtio_mem VIRTIO_PMEM:virtio_pmem BLK_DEV_NVME:nvme; do
  option=${pair%%:*}
  module=${pair#*:}
  if grep -q "^CONFIG_${option}=m" "$kconfig"; then
    wanted="$wanted $module"
  fi
done

# Resolve the dependencies recursively from modules.dep and emit every module
# after the ones it needs, each once: the order insmod must follow.
declare -A dep_of=() path_of=() seen=()
while IFS= read -r line; do
  path=${line%%:*}
  name=$(basename "$path" .ko)
  name=${name//-/_}
  path_of[$name]=$path
  dep_of[$name]=${line#*:}
done < "$moddir/modules.dep"

load_order=()
visit() {
  local name=$1 dep dep_name
  [ -n "${seen[$name]:-}" ] && return
  seen[$name]=1
  if [ -z "${path_of[$name]:-}" ]; then
    echo "build-guest: module $name is not in $kver's modules.dep" >&2
    exit 1
  fi
  for dep in ${dep_of[$name]}; do
    dep_name=$(basename "$dep" .ko)
    visit "${dep_name//-/_}"
  done
  load_order+=("${path_of[$name]}")
}
for module in $wanted; do
  visit "$module"
done

root="$work/root"
mkdir -p "$root"/{bin,dev,proc,sys,tmp,etc/acpi/PWRF,lib/modules}
cp "$busybox" "$root/bin/busybox"
for path in "${load_order[@]}"; do
  cp "$moddir/$path" "$root/lib/modules/"
  basename "$path" >> "$root/etc/modules.load"
done
cp "$work/kernel/boot/vmlinuz-$kver" "$work/vmlinuz"

# Also unpack the bzImage's payload into the plain ELF vmlinux: QEMU boots that
# through its PVH entry point (CONFIG_PVH=y in Debian's kernel), which skips
# the in-guest XZ decompression, the slowest part of a TCG boot (about 4 s of
# the 8). The payload's place is in the boot protocol header: setup_sects at
# 0x1f1, payload_offset/payload_length at 0x248/0x24c (protocol >= 2.08),
# counted from the end of the setup code.
header_u32() { od -An -tu4 -j "$2" -N4 "$1" | tr -d ' '; }
vmlinuz="$work/vmlinuz"
if [ "$(od -An -c -j $((0x202)) -N4 "$vmlinuz" | tr -d ' ')" != "HdrS" ]; then
  echo "build-guest: $kernel_pkg's vmlinuz is not a bzImage" >&2
  exit 1
fi
setup_sects=$(od -An -tu1 -j $((0x1f1)) -N1 "$vmlinuz" | tr -d ' ')
payload_start=$(( (setup_sects + 1) * 512 + $(header_u32 "$vmlinuz" $((0x248))) ))
payload_length=$(header_u32 "$vmlinuz" $((0x24c)))
if ! dd if="$vmlinuz" iflag=skip_bytes,count_bytes skip="$payload_start" \
        count="$payload_length" status=none | xz -dc --single-stream > "$work/vmlinux"; then
  echo "build-guest: cannot unpack the kernel payload (not XZ? is xz-utils installed?)" >&2
  exit 1
fi

gcc -static -O2 -s -Wall -Wextra -o "$root/bin/dirtier" "$dirtier_src"

# Busybox acpid maps the power button (event PWRF) to this file; /bin/sh (not
# a bare exec) because acpid leaves SIGCHLD ignored for the children it runs.
cat > "$root/etc/acpi/PWRF/00000080" <<'EOF'
#!/bin/sh
echo "virtbus-guest: power button, powering off" > /dev/ttyS0
poweroff -f
EOF
chmod 755 "$root/etc/acpi/PWRF/00000080"

cat > "$root/init" <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

rate=0
mem=16
counter=1
for word in $(cat /proc/cmdline); do
  case "$word" in
    vb.dirty_mib_s=*) rate=${word#*=} ;;
    vb.mem_mib=*) mem=${word#*=} ;;
    vb.counter=*) counter=${word#*=} ;;
  esac
done

while read -r module; do
  insmod "/lib/modules/$module" || echo "virtbus-guest: insmod $module failed" > /dev/ttyS0
done < /etc/modules.load

# -d keeps acpid in the foreground, the only mode in which it ran the power
# button action here; its log goes to the console, which also shows the event.
acpid -d -c /etc/acpi > /dev/ttyS0 2>&1 &
acpid_pid=$!

# Ready means ready for the power button too: acpid must hold its input
# device open, or a press that comes early is lost.
tries=0
while [ $tries -lt 100 ] && ! ls -l /proc/$acpid_pid/fd 2>/dev/null | grep -q /dev/input/event; do
  sleep 0.05
  tries=$((tries + 1))
done

echo VIRTBUS-GUEST-READY > /dev/ttyS0

quiet=""
[ "$counter" = 0 ] && quiet=-q
dirtier -r "$rate" -m "$mem" $quiet > /dev/ttyS0 2>&1 &

# PID 1 must never exit, so a shell that is left (exit, ^D) is started again.
while true; do
  setsid cttyhack sh
done
EOF
chmod 755 "$root/init"

# newc is the format the kernel unpacks; busybox's cpio writes it, so the host
# needs no cpio package.
(cd "$root" && find . | LC_ALL=C sort | "$busybox" cpio -o -H newc 2>/dev/null) \
  | gzip -9 > "$work/initramfs.img"

# Move the results in before writing the stamp: an interrupted run leaves no
# stamp, so the next run builds again.
rm -f "$stamp"
mv "$work/vmlinuz" "$outdir/vmlinuz"
mv "$work/vmlinux" "$outdir/vmlinux"
mv "$work/initramfs.img" "$outdir/initramfs.img"
echo "$kver" > "$outdir/kernel-version"
echo "$want_stamp" > "$stamp"
echo "build-guest: built $outdir (kernel $kver)"
