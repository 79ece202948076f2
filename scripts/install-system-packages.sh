#!/usr/bin/env bash
# Installs the Debian packages VirtualCore Platform needs that are not there yet, and says which.
# Usage: scripts/install-system-packages.sh run|test|qemu|node
set -euo pipefail
case "${1:-run}" in
  run)  wanted=(libvirt0 fonts-dejavu-core) ;;
  test) wanted=(libvirt0 libvirt-clients chromium oathtool postgresql rabbitmq-server xorriso fonts-dejavu-core poppler-utils curl jq) ;;
  # libvirtd with the QEMU driver, QEMU, and the tools that build the tiny test guest and its boot ISO.
  qemu) wanted=(libvirt-daemon libvirt-daemon-driver-qemu libvirt-daemon-system libvirt-clients qemu-system-x86
                qemu-utils dnsmasq-base busybox-static cpio kmod isolinux syslinux-common xorriso) ;;
  # Node.js and npm where the machine has none (the test command's linter of the API document).
  node) wanted=(nodejs npm) ;;
  *) echo "usage: $0 run|test|qemu|node" >&2; exit 2 ;;
esac
missing=()
for package in "${wanted[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "System packages present: ${wanted[*]}"
  exit 0
fi
echo "Installing from Debian: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
# No recommends: QEMU's would pull in a desktop's worth of display and audio back ends.
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "Installed: ${missing[*]}"
