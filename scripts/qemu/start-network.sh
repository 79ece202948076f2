#!/usr/bin/env bash
# Makes sure the libvirtd at URI runs the network "default" that guests' NICs join (the portal's NICs name it):
# NAT to the node's own network, with DHCP from libvirt's dnsmasq (dnsmasq-base). A "default" network the node
# already has is started as it is; otherwise one is defined on 10.78.N.0/24 with the bridge vcore-brN, so that
# several nodes on one machine do not clash. Does nothing when it runs already.
# Usage: scripts/qemu/start-network.sh URI N
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 URI N" >&2; exit 2; }
uri="$1"
n="$2"
case "$n" in
  [0-9] | [1-9][0-9] | 1[0-9][0-9] | 2[0-4][0-9] | 25[0-5]) ;;
  *) echo "N must be a number from 0 to 255, not '$n'" >&2; exit 2 ;;
esac
virsh_() { timeout 30 virsh -q -c "$uri" "$@"; }

if ! virsh_ net-info default >/dev/null 2>&1; then
  xml="$(mktemp)"
  trap 'rm -f "$xml"' EXIT
  cat > "$xml" <<XML
<network>
  <name>default</name>
  <forward mode="nat"/>
  <bridge name="vcore-br$n" stp="off" delay="0"/>
  <ip address="10.78.$n.1" netmask="255.255.255.0">
    <dhcp>
      <range start="10.78.$n.10" end="10.78.$n.250"/>
    </dhcp>
  </ip>
</network>
XML
  virsh_ net-define "$xml" >/dev/null
fi
if ! virsh_ net-info default | grep -Eq '^Active:[[:space:]]+yes'; then
  virsh_ net-start default >/dev/null
fi
