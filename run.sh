#!/usr/bin/env bash
# Runs the portal on its embedded defaults: SQLite under ./data, the in-memory bus and three simulated rack
# servers on libvirt's test driver. Installs what it needs from Debian first.
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-system-packages.sh run
echo "Building VirtualCore Platform…"
dotnet build hosts/VirtualCore.Portal -c Release -nologo -v quiet
url="${VCORE_URL:-http://127.0.0.1:5080}"
echo "Starting the portal at $url — sign in at $url/login as demo / demo-pass-1 (operator: operator / operator-pass-1)."
# The environment "Embedded" marks the embedded default: the only one with demo data (ASP.NET Core's default,
# Production, refuses to start with demo logins).
exec dotnet hosts/VirtualCore.Portal/bin/Release/net10.0/VirtualCore.Portal.dll \
  --environment Embedded --contentRoot "$PWD/hosts/VirtualCore.Portal" --DataDirectory "$PWD/data" --urls "$url"
