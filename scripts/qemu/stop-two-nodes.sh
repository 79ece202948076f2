#!/usr/bin/env bash
# Stops what start-two-nodes.sh started for DIR: destroys the domains and networks of both nodes (libvirtd leaves
# them running when it exits), stops libvirtd and virtlogd by their pid files, ends whatever else still runs in
# the two network namespaces (a QEMU left by a failed run), and removes the namespaces and the veth pair.
# Safe to run when nothing, or only part, is running.
# Usage: scripts/qemu/stop-two-nodes.sh DIR
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir="$1"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Waits for pids that were sent SIGTERM, then kills those still there after 15 s.
await() {
  local pid deadline=$((SECONDS + 15))
  for pid in "$@"; do
    while kill -0 "$pid" 2>/dev/null; do
      if [ $SECONDS -ge $deadline ]; then
        echo "$pid ignored SIGTERM; killing it" >&2
        kill -KILL "$pid" 2>/dev/null || true
        break
      fi
      sleep 0.1
    done
  done
}

for n in 1 2; do
  uri="qemu+unix:///system?socket=$dir/$n/run/libvirt-sock"
  if alive "$dir/$n/libvirtd.pid"; then
    for domain in $(timeout 20 virsh -c "$uri" list --name 2>/dev/null); do
      timeout 20 virsh -c "$uri" destroy "$domain" >/dev/null 2>&1 && echo "Destroyed domain $domain on node $n"
    done
    for network in $(timeout 20 virsh -c "$uri" net-list --name 2>/dev/null); do
      timeout 20 virsh -c "$uri" net-destroy "$network" >/dev/null 2>&1 && echo "Stopped network $network on node $n"
    done
  fi
done

# Each daemon takes a second or two to exit: all four are asked at once.
daemons=()
for n in 1 2; do
  for daemon in libvirtd virtlogd; do
    if alive "$dir/$n/$daemon.pid"; then
      pid="$(cat "$dir/$n/$daemon.pid")"
      kill -TERM "$pid" 2>/dev/null && daemons+=("$pid") && echo "Stopping $daemon of node $n ($pid)"
    fi
  done
done
await "${daemons[@]}"
rm -f "$dir"/[12]/libvirtd.pid "$dir"/[12]/virtlogd.pid

for n in 1 2; do
  if ip netns list | grep -qw "vc-n$n"; then
    leftovers=()
    for pid in $(ip netns pids "vc-n$n" 2>/dev/null); do
      echo "Ending $(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | cut -c1-60) ($pid), left in vc-n$n"
      kill -TERM "$pid" 2>/dev/null && leftovers+=("$pid")
    done
    await "${leftovers[@]}"
    ip netns del "vc-n$n"
  fi
done
# A start that failed between creating the pair and moving it leaves the ends on the host.
for link in vc-v1 vc-v2; do
  ip link show "$link" >/dev/null 2>&1 && ip link del "$link"
done
exit 0
