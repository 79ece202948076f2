#!/usr/bin/env bash
# Starts a PostgreSQL 15 cluster of its own in DIR on 127.0.0.1:PORT (user postgres, trust authentication: a test
# and development server, never a production one). Creates the cluster on first use; does nothing when it runs.
# Usage: scripts/servers/start-postgres.sh DIR PORT
set -euo pipefail
[ $# -eq 2 ] || { echo "usage: $0 DIR PORT" >&2; exit 2; }
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[ -x "$bin/pg_ctl" ] || { echo "PostgreSQL is missing: scripts/install-system-packages.sh test" >&2; exit 1; }
mkdir -p "$1"
dir="$(cd "$1" && pwd)"
port="$2"
# PostgreSQL refuses to run as root: the cluster belongs to the postgres user.
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
mkdir -p "$dir/data" "$dir/socket"
[ "$(id -u)" -eq 0 ] && chown postgres:postgres "$dir" "$dir/data" "$dir/socket"
if "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
  echo "PostgreSQL already runs in $dir"
  exit 0
fi
if [ ! -f "$dir/data/PG_VERSION" ]; then
  "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log"
fi
# The socket goes to DIR, not /var/run/postgresql: another cluster on the machine may use that.
"${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 \
  -o "-p $port -k $dir/socket -c listen_addresses=127.0.0.1" start >/dev/null
echo "PostgreSQL runs in $dir on 127.0.0.1:$port"
