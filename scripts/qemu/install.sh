#!/usr/bin/env bash
# Installs what the real-hypervisor tests need (libvirtd with the QEMU driver, QEMU, and the tools that
# build the tiny guest) from Debian, only the packages that are missing, and says which.
# Usage: scripts/qemu/install.sh
set -euo pipefail
wanted=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients qemu-system-x86
        qemu-utils dnsmasq-base busybox-static cpio kmod)
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "QEMU test packages present: ${wanted[*]}"
  exit 0
fi
echo "Installing from Debian: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
# No recommends: they would pull in a desktop's worth of QEMU display and audio back ends.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
