#!/usr/bin/env bash
# Starts virtlogd and libvirtd (QEMU driver, system mode) as plain background processes, with their
# configuration, pid files and logs under STATEDIR, starts the NAT network "default" (start-network.sh), and
# prints the connection URI once libvirtd answers. Does nothing but print the URI when all of it already runs.
# libvirtd runs in a network namespace of its own (NETNS, vc-n0 unless set): its bridge, NAT rules and the guests'
# tap devices stay out of the machine's network, whose changes would otherwise reach every program watching it
# (a browser drops its requests with ERR_NETWORK_CHANGED). Clients reach libvirtd by its Unix socket, consoles by
# the descriptors libvirt hands over, so nothing needs a route into the namespace.
# Usage: scripts/qemu/start-libvirtd.sh STATEDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 STATEDIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "libvirtd in system mode needs root" >&2; exit 1; }
for tool in ip libvirtd virtlogd virsh; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/qemu/install.sh" >&2; exit 1; }
done
mkdir -p "$1"
state="$(cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
uri="qemu:///system"
netns="${NETNS:-vc-n0}"
timeout_seconds=60

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
answers() { timeout 10 virsh -c "$uri" version >/dev/null 2>&1; }

if alive "$state/libvirtd.pid" && alive "$state/virtlogd.pid" && answers; then
  "$here/start-network.sh" "$uri" 0
  echo "$uri"
  exit 0
fi
if ! alive "$state/libvirtd.pid" && answers; then
  echo "Another libvirtd already serves $uri; stop it first" >&2
  exit 1
fi

# The packaged libvirtd.conf asks polkit for write access, which needs a D-Bus this machine lacks.
cat > "$state/libvirtd.conf" <<CONF
auth_unix_ro = "none"
auth_unix_rw = "none"
unix_sock_rw_perms = "0700"
log_outputs = "3:file:$state/libvirtd.log"
CONF
cat > "$state/virtlogd.conf" <<CONF
log_outputs = "3:file:$state/virtlogd.log"
CONF
"$here/kvm-device.sh"
# Guest console and QEMU logs go to /var/log/libvirt/qemu; the package does not always create it.
mkdir -p /var/log/libvirt/qemu

if ! ip netns list | grep -qw "$netns"; then
  ip netns add "$netns"
  ip -n "$netns" link set lo up
fi
# In the namespace /sys is that namespace's and holds no cgroup hierarchies: libvirtd runs its guests without cgroups.
if ! alive "$state/virtlogd.pid"; then
  ip netns exec "$netns" virtlogd -d -f "$state/virtlogd.conf" -p "$state/virtlogd.pid"
fi
if ! alive "$state/libvirtd.pid"; then
  ip netns exec "$netns" libvirtd -d -f "$state/libvirtd.conf" -p "$state/libvirtd.pid"
fi

deadline=$((SECONDS + timeout_seconds))
until answers; do
  if ! alive "$state/libvirtd.pid" && [ $SECONDS -gt $((deadline - timeout_seconds + 5)) ]; then
    echo "libvirtd exited; see $state/libvirtd.log" >&2
    exit 1
  fi
  if [ $SECONDS -ge $deadline ]; then
    echo "libvirtd did not answer on $uri within ${timeout_seconds}s; see $state/libvirtd.log" >&2
    exit 1
  fi
  sleep 0.1
done
"$here/start-network.sh" "$uri" 0
echo "$uri"
