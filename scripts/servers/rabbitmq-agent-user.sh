#!/usr/bin/env bash
# Creates (or updates) the RabbitMQ user of one node's agent, agent-NODE, with the least rights the agent needs on
# VHOST (default vcore): it declares, binds and consumes its own command queue vcore-node-NODE and the exchange of
# that name, and declares and publishes to the exchanges of the node reports (heartbeat, usage, job started/progress/
# completed/failed, domain state). It can neither read another node's queue nor publish to another node's exchange,
# nor publish commands. The agent creates no other queue: it sends no requests, so MassTransit's temporary bus
# queue is never made.
# Runs rabbitmqctl from PATH, or $RABBITMQCTL, against the node its usual environment names.
# Usage: scripts/servers/rabbitmq-agent-user.sh NODE PASSWORD [VHOST]
set -euo pipefail
[ $# -ge 2 ] && [ $# -le 3 ] || { echo "usage: $0 NODE PASSWORD [VHOST]" >&2; exit 2; }
node="$1"
password="$2"
vhost="${3:-vcore}"
ctl="${RABBITMQCTL:-rabbitmqctl}"
# Node names are plain words; anything else could widen the permission patterns below.
[[ "$node" =~ ^[A-Za-z0-9][A-Za-z0-9-]*$ ]] || { echo "node name '$node' must be letters, digits and dashes" >&2; exit 2; }
user="agent-$node"
own="vcore-node-$node"
reports='vcore\.node\.v1\.(heartbeat|usage|job-started|job-progress|job-completed|job-failed|domain-state-changed)'
if "$ctl" -q list_users | awk '{ print $1 }' | grep -qx "$user"; then
  "$ctl" -q change_password "$user" "$password" >/dev/null
else
  "$ctl" -q add_user "$user" "$password" >/dev/null
fi
"$ctl" -q list_vhosts | grep -qx "$vhost" || "$ctl" -q add_vhost "$vhost" >/dev/null
# configure: declare its queue and exchange, and the report exchanges MassTransit declares before publishing.
# write: publish reports, and bind its own queue to its own exchange. read: consume its queue (and be the binding's source).
"$ctl" -q set_permissions -p "$vhost" "$user" "^($own|$reports)\$" "^($own|$reports)\$" "^$own\$" >/dev/null
echo "RabbitMQ user $user may consume $own and publish node reports on vhost $vhost"
