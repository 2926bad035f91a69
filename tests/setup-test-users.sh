#!/usr/bin/env bash
# What tests/test-authz.c needs on the machine, as root, before `meson test`:
# our polkit actions and the group rule where polkitd reads them, the group
# "virtbus", a user who is not in it (vbtest-user) and one who is
# (vbtest-admin), vbtest-saver, whom a test-only rule grants
# org.virtbus.Virt1.domain.save alone, and vbtest-qemu, the user QEMU runs as
# when tests start the service in system mode. Running it again changes nothing.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)

if [ "$(id -u)" != 0 ]; then
  echo "setup-test-users.sh: needs root (it installs polkit files and adds users): sudo $0" >&2
  exit 2
fi

# polkitd only knows actions from this directory, and rules from rules.d.
install -D -m 0644 "$top/policy/org.virtbus.Virt1.policy" \
  /usr/share/polkit-1/actions/org.virtbus.Virt1.policy
# mkdir -p leaves an existing rules.d (polkitd's, mode 0700) as it is.
mkdir -p /etc/polkit-1/rules.d
install -m 0644 "$top/policy/50-virtbus-group.rules.example" \
  /etc/polkit-1/rules.d/50-virtbus.rules
install -m 0644 "$top/tests/polkit/49-virtbus-test-saver.rules" \
  /etc/polkit-1/rules.d/49-virtbus-test-saver.rules

nologin=$(command -v nologin || echo /usr/sbin/nologin)

getent group virtbus >/dev/null || groupadd --system virtbus

add_user() {
  local name=$1
  getent passwd "$name" >/dev/null \
    || useradd --system --no-create-home --home-dir /nonexistent --shell "$nologin" \
      --user-group "$name"
}

add_user vbtest-user
add_user vbtest-admin
add_user vbtest-saver
# The user QEMU runs as when tests start the service in system mode.
add_user vbtest-qemu
usermod -a -G virtbus vbtest-admin
# QEMU (guests and the capability and KVM probes) needs /dev/kvm, which
# belongs to the group kvm where udev's rules give it one.
if getent group kvm >/dev/null; then
  usermod -a -G kvm vbtest-qemu
fi
# vbtest-user and vbtest-saver must not be granted anything by the group rule.
for user in vbtest-user vbtest-saver; do
  if id -nG "$user" | tr ' ' '\n' | grep -qx virtbus; then
    gpasswd -d "$user" virtbus >/dev/null
  fi
done

echo "setup-test-users.sh: polkit action and rules installed; users vbtest-user, vbtest-admin (group virtbus), vbtest-saver ready, and vbtest-qemu for QEMU (in group kvm when it exists)"
