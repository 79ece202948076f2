#!/usr/bin/env bash
# Stops the RabbitMQ node that start-rabbitmq.sh started in DIR, and the epmd it left behind. Safe to run when it
# does not run.
# Usage: scripts/servers/stop-rabbitmq.sh DIR
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
dir="$(cd "$1" 2>/dev/null && pwd)" || exit 0
[ -f "$dir/rabbitmq.conf" ] || exit 0
port="$(sed -n 's/^listeners.tcp.default = 127.0.0.1://p' "$dir/rabbitmq.conf")"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/rabbitmq-env.sh" "$dir" "$port"
sbin=/usr/lib/rabbitmq/bin
"$sbin/rabbitmqctl" -q shutdown --timeout 60 >/dev/null 2>&1 || true
if [ -f "$dir/server.pid" ]; then
  pid="$(cat "$dir/server.pid")"
  deadline=$((SECONDS + 30))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -KILL -- -"$pid" 2>/dev/null
  rm -f "$dir/server.pid"
fi
# epmd outlives the node; only the one on this node's own port is ended.
for pid in $(pgrep -x epmd); do
  { tr "\0" " " < "/proc/$pid/environ"; } 2>/dev/null | grep -qw "ERL_EPMD_PORT=$ERL_EPMD_PORT" && kill "$pid"
done
exit 0
