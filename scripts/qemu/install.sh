#!/usr/bin/env bash
# Installs what the real-hypervisor tests need (libvirtd with the QEMU driver, QEMU, the guest-building tools).
# Usage: scripts/qemu/install.sh
set -euo pipefail
exec "$(dirname "$0")/../install-system-packages.sh" qemu
