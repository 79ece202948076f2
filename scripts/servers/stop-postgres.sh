#!/usr/bin/env bash
# Stops the PostgreSQL cluster that start-postgres.sh started in DIR (fast shutdown: open sessions are ended).
# Safe to run when it does not run.
# Usage: scripts/servers/stop-postgres.sh DIR
set -uo pipefail
[ $# -eq 1 ] || { echo "usage: $0 DIR" >&2; exit 2; }
bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
dir="$1"
[ -f "$dir/data/postmaster.pid" ] || exit 0
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)
"${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 60 stop >/dev/null 2>&1 || true
exit 0
