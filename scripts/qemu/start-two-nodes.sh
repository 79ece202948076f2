#!/usr/bin/env bash
# Starts two rack servers on this machine for live migration: each runs its own virtlogd and libvirtd
# (QEMU driver) in a network namespace of its own (vc-n1, vc-n2, joined by a veth pair on 10.77.0.0/24 unless told otherwise)
# and a private mount namespace in which DIR/N replaces /etc/libvirt, /run/libvirt, /var/lib/libvirt,
# /var/cache/libvirt and /var/log/libvirt, and DIR/N/images the portal's image folder /var/lib/virtualcore/images
# (local disks, as on separate machines). Each node runs the NAT network "default" (start-network.sh:
# 10.78.1.0/24 and 10.78.2.0/24). Prints the two connection URIs, node 1 first.
# Does nothing but print the URIs when both nodes already run; clears a half-started pair first.
# Another pair can run beside it: VC_NODES_PREFIX (default vc) names its namespaces and veth ends, and
# VC_NODES_SUBNET (default 10.77.0) its /24; its host UUIDs follow from the prefix.
# Usage: [VC_NODES_PREFIX=vp VC_NODES_SUBNET=10.79.0] scripts/qemu/start-two-nodes.sh DIR
set -euo pipefail
prefix="${VC_NODES_PREFIX:-vc}"
subnet="${VC_NODES_SUBNET:-10.77.0}"
uuid_base="$(printf '%s' "$prefix" | md5sum | cut -c1-8)"
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || { echo "network namespaces and libvirtd in system mode need root" >&2; exit 1; }
for tool in ip unshare libvirtd virtlogd virsh; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/qemu/install.sh" >&2; exit 1; }
done
mkdir -p "$1"
dir="$(cd "$1" && pwd)"
here="$(cd "$(dirname "$0")" && pwd)"
timeout_seconds=60

uri() { echo "qemu+unix:///system?socket=$dir/$1/run/libvirt-sock"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
answers() { timeout 10 virsh -c "$(uri "$1")" version >/dev/null 2>&1; }
running() {
  ip netns list | grep -qw "$prefix-n$1" && alive "$dir/$1/libvirtd.pid" && alive "$dir/$1/virtlogd.pid" && answers "$1"
}

if running 1 && running 2; then
  "$here/start-network.sh" "$(uri 1)" 1
  "$here/start-network.sh" "$(uri 2)" 2
  uri 1
  uri 2
  exit 0
fi
"$here/stop-two-nodes.sh" "$dir" >/dev/null

"$here/kvm-device.sh"
ip netns add "$prefix-n1"
ip netns add "$prefix-n2"
# The pair is made inside the namespaces: the machine's own network never sees it come or go.
ip -n "$prefix-n1" link add "$prefix-v1" type veth peer name "$prefix-v2" netns "$prefix-n2"
for n in 1 2; do
  ip -n "$prefix-n$n" addr add "$subnet.$n/24" dev "$prefix-v$n"
  ip -n "$prefix-n$n" link set lo up
  ip -n "$prefix-n$n" link set "$prefix-v$n" up
done

for n in 1 2; do
  node="$dir/$n"
  # State from an earlier pair would bring back its domains; logs are kept for diagnosis.
  rm -rf "$node/etc" "$node/run" "$node/lib" "$node/cache" "$node/images"
  mkdir -p "$node"/{etc,run,lib,cache,images,log/qemu} /var/lib/virtualcore/images
  # The mount points: /run is empty after a boot until a libvirtd of the host has run once.
  mkdir -p /etc/libvirt /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
  # QEMU's capabilities are probed on first start (seconds); the host's cache is valid for the same binaries.
  [ -d /var/cache/libvirt/qemu ] && cp -a /var/cache/libvirt/qemu "$node/cache/" 2>/dev/null || true
  # The packaged libvirtd.conf asks polkit for write access, which needs a D-Bus this machine lacks.
  # libvirt refuses to migrate between daemons with the same host UUID, so each node gets its own.
  cat > "$node/etc/libvirtd.conf" <<CONF
host_uuid = "$uuid_base-0000-4000-8000-00000000000$n"
auth_unix_ro = "none"
auth_unix_rw = "none"
unix_sock_rw_perms = "0700"
log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
CONF
  cat > "$node/etc/virtlogd.conf" <<CONF
log_outputs = "3:file:/var/log/libvirt/virtlogd.log"
CONF
  # No cgroups: nothing here delegates them to libvirtd. QEMU listens for incoming migrations on the node's
  # own veth address and tells the source to connect there.
  cat > "$node/etc/qemu.conf" <<CONF
cgroup_controllers = [ ]
migration_address = "$subnet.$n"
migration_host = "$subnet.$n"
CONF
  # A private mount namespace with private propagation: the bind mounts exist for this node's daemons
  # (and the QEMU processes they start) only, and vanish with them.
  ip netns exec "$prefix-n$n" unshare --mount --propagation private bash -euc '
    node="$1"
    mount --bind "$node/etc" /etc/libvirt
    mount --bind "$node/run" /run/libvirt
    mount --bind "$node/lib" /var/lib/libvirt
    mount --bind "$node/cache" /var/cache/libvirt
    mount --bind "$node/log" /var/log/libvirt
    mount --bind "$node/images" /var/lib/virtualcore/images
    virtlogd -d -f /etc/libvirt/virtlogd.conf -p "$node/virtlogd.pid"
    libvirtd -d -f /etc/libvirt/libvirtd.conf -p "$node/libvirtd.pid"
  ' bash "$node"
done

deadline=$((SECONDS + timeout_seconds))
for n in 1 2; do
  until answers "$n"; do
    if [ $SECONDS -ge $deadline ]; then
      echo "libvirtd of node $n did not answer on $(uri "$n") within ${timeout_seconds}s; see $dir/$n/log/libvirtd.log" >&2
      "$here/stop-two-nodes.sh" "$dir" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
done
# libvirtd runs dnsmasq and the NAT rules in its own network namespace; both nodes start theirs at once.
"$here/start-network.sh" "$(uri 1)" 1 & first=$!
"$here/start-network.sh" "$(uri 2)" 2 & second=$!
if ! wait "$first" || ! wait "$second"; then
  wait
  "$here/stop-two-nodes.sh" "$dir" >&2 || true
  exit 1
fi
uri 1
uri 2
