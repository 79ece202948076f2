#!/usr/bin/env bash
# Stops the virtlogd and libvirtd that start-libvirtd.sh started for STATEDIR. Running domains and networks are
# destroyed first: libvirtd leaves them (QEMU, dnsmasq) running when it exits. Does nothing when they are not running.
# Removes the network namespace start-libvirtd.sh ran them in (NETNS, vc-n0 unless set) once nothing runs in it.
# Usage: scripts/qemu/stop-libvirtd.sh STATEDIR
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 STATEDIR" >&2; exit 2; }
state="$1"
uri="qemu:///system"
netns="${NETNS:-vc-n0}"

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

stop() {
  local name="$1" pidfile="$state/$1.pid"
  if ! alive "$pidfile"; then
    rm -f "$pidfile"
    return
  fi
  local pid deadline=$((SECONDS + 15))
  pid="$(cat "$pidfile")"
  kill -TERM "$pid"
  while kill -0 "$pid" 2>/dev/null; do
    if [ $SECONDS -ge $deadline ]; then
      echo "$name ($pid) ignored SIGTERM; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
      break
    fi
    sleep 0.1
  done
  rm -f "$pidfile"
  echo "Stopped $name ($pid)"
}

if alive "$state/libvirtd.pid"; then
  for domain in $(timeout 20 virsh -c "$uri" list --name 2>/dev/null || true); do
    timeout 20 virsh -c "$uri" destroy "$domain" >/dev/null && echo "Destroyed running domain $domain"
  done
  # A network's dnsmasq, like a domain, outlives libvirtd.
  for network in $(timeout 20 virsh -c "$uri" net-list --name 2>/dev/null || true); do
    timeout 20 virsh -c "$uri" net-destroy "$network" >/dev/null && echo "Stopped network $network"
  done
fi
stop libvirtd
stop virtlogd
if ip netns list 2>/dev/null | grep -qw "$netns" && [ -z "$(ip netns pids "$netns" 2>/dev/null)" ]; then
  ip netns del "$netns"
fi
