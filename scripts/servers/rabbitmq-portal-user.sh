#!/usr/bin/env bash
# Creates (or updates) the RabbitMQ user the portal instances share, vcore-portal, with every right on VHOST (default
# vcore, created when missing): the portal declares its own queues and sends to every node's queue.
# Runs rabbitmqctl from PATH, or $RABBITMQCTL, against the node its usual environment names.
# Usage: scripts/servers/rabbitmq-portal-user.sh PASSWORD [VHOST]
set -euo pipefail
[ $# -ge 1 ] && [ $# -le 2 ] || { echo "usage: $0 PASSWORD [VHOST]" >&2; exit 2; }
password="$1"
vhost="${2:-vcore}"
ctl="${RABBITMQCTL:-rabbitmqctl}"
user=vcore-portal
if "$ctl" -q list_users | awk '{ print $1 }' | grep -qx "$user"; then
  "$ctl" -q change_password "$user" "$password" >/dev/null
else
  "$ctl" -q add_user "$user" "$password" >/dev/null
fi
"$ctl" -q list_vhosts | grep -qx "$vhost" || "$ctl" -q add_vhost "$vhost" >/dev/null
"$ctl" -q set_permissions -p "$vhost" "$user" '.*' '.*' '.*' >/dev/null
echo "RabbitMQ user $user has every right on vhost $vhost"
