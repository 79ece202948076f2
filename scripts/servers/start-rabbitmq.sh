#!/usr/bin/env bash
# Starts a RabbitMQ node of its own with its state in DIR, listening for AMQP on 127.0.0.1:PORT only. Its Erlang
# distribution listens on 127.0.0.1 too, on PORT+20000, and its epmd on PORT-1300 (another node's epmd on the
# default port is left alone). Does nothing when the node already runs. The node has the default user "guest"
# (loopback only) until an operator removes it.
# Usage: scripts/servers/start-rabbitmq.sh DIR PORT
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DIR PORT" >&2; exit 2; }
sbin=/usr/lib/rabbitmq/bin
[ -x "$sbin/rabbitmq-server" ] || { echo "RabbitMQ is missing: scripts/install-system-packages.sh test" >&2; exit 1; }
mkdir -p "$1"
dir="$(cd "$1" && pwd)"
port="$2"
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/rabbitmq-env.sh" "$dir" "$port"
mkdir -p "$HOME" "$RABBITMQ_MNESIA_BASE" "$RABBITMQ_LOG_BASE"
if "$sbin/rabbitmq-diagnostics" -q ping >/dev/null 2>&1; then
  echo "RabbitMQ already runs in $dir"
  exit 0
fi
cat > "$RABBITMQ_CONFIG_FILE" <<CONF
listeners.tcp.default = 127.0.0.1:$port
loopback_users.guest = true
CONF
# The Erlang cookie must be private to its owner or the node refuses it.
[ -f "$HOME/.erlang.cookie" ] || { head -c 20 /dev/urandom | md5sum | cut -c1-20 > "$HOME/.erlang.cookie"; chmod 400 "$HOME/.erlang.cookie"; }
setsid "$sbin/rabbitmq-server" >"$dir/server.out" 2>&1 < /dev/null &
echo $! > "$dir/server.pid"
deadline=$((SECONDS + 90))
until "$sbin/rabbitmq-diagnostics" -q ping >/dev/null 2>&1; do
  if [ $SECONDS -ge $deadline ] || ! kill -0 "$(cat "$dir/server.pid")" 2>/dev/null; then
    echo "RabbitMQ did not start; see $dir/server.out and $RABBITMQ_LOG_BASE" >&2
    tail -20 "$dir/server.out" >&2
    exit 1
  fi
  sleep 0.3
done
"$sbin/rabbitmqctl" -q await_startup --timeout 90 >/dev/null
echo "RabbitMQ runs in $dir on 127.0.0.1:$port"
