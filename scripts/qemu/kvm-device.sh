#!/usr/bin/env bash
# Gives /dev/kvm the owner and mode Debian's udev rule gives it (group kvm, 0660) where no udev ran and the kernel
# left it root-only (0600). libvirtd checks, each time it looks up its cached QEMU capabilities, whether the QEMU
# user may open /dev/kvm, and compares that with what it saw when it probed; a device the probe saw as usable and
# the QEMU user cannot open makes every cached probe stale, so libvirtd probes QEMU again (about 40 s under
# emulation) on every domain definition. Guests here still run emulated ("qemu" domains) unless told otherwise.
# Does nothing where /dev/kvm is missing or its group is not root.
# Usage: scripts/qemu/kvm-device.sh
set -euo pipefail
[ -c /dev/kvm ] || exit 0
getent group kvm >/dev/null || exit 0
if [ "$(stat -c %G /dev/kvm)" = root ]; then
  chgrp kvm /dev/kvm
  chmod 0660 /dev/kvm
fi
