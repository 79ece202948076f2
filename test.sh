#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need from Debian first (libvirt client library and
# tools, libvirtd and QEMU, Chromium for the browser tests, oathtool) and from npm (Redocly CLI for the API document).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-system-packages.sh test
# Real libvirtd and QEMU for the adapter's tests against a real hypervisor (guests run under TCG).
scripts/qemu/install.sh
dotnet tool restore >/dev/null
# Redocly CLI, pinned by build/openapi-lint/package-lock.json, for the test that lints the API document (needs Node.js
# 20.19 or later, as this machine has; Debian 12's own nodejs is 18).
command -v npm >/dev/null || scripts/install-system-packages.sh node
npm ci --prefix build/openapi-lint --no-audit --no-fund --loglevel=error >/dev/null
dotnet build VirtualCore.Platform.sln -nologo -v quiet
dotnet format VirtualCore.Platform.sln --verify-no-changes --no-restore
# The SDK's two packages and the adapter template, as partners get them (docs/partners/packaging-and-installing.md).
for project in plugins-sdk/VirtualCore.Plugins.Sdk plugins-sdk/VirtualCore.Plugins.Sdk.Testing templates/VirtualCore.Templates; do
  dotnet pack "$project" -c Release -nologo -v quiet -o artifacts/packages
done
log="$(mktemp)"
status=0
dotnet test VirtualCore.Platform.sln --no-build -nologo 2>&1 | tee "$log" || status=$?
# Bounded runs of the load harness (the README has the full ones): every job completes on the embedded default and
# over RabbitMQ + PostgreSQL, and a portal seeded at a small scale answers every read.
harness=(dotnet tests/VirtualCore.LoadHarness/bin/Debug/net10.0/VirtualCore.LoadHarness.dll --portal hosts/VirtualCore.Portal/bin/Debug/net10.0/VirtualCore.Portal.dll)
"${harness[@]}" --topology both --vms 40 --clients 8 --rounds 1 --port 5192 --out artifacts/benchmarks/load-ci.md || status=$?
"${harness[@]}" --scenario upload --size-mib 64 --port 5194 --out artifacts/benchmarks/upload-ci.md || status=$?
"${harness[@]}" --scenario download --size-mib 64 --port 5195 --out artifacts/benchmarks/download-ci.md || status=$?
"${harness[@]}" --scenario invoices --customers 500 --contracts 5000 --port 5196 --out artifacts/benchmarks/invoices-ci.md || status=$?
"${harness[@]}" --scenario scale --vms 400 --nodes 20 --customers 40 --customer-vms 100 --jobs 20000 --port 5193 --out artifacts/benchmarks/scale-ci.md || status=$?
# One closing line for all test assemblies together.
awk '/^(Passed|Failed)!/ { for (i = 1; i <= NF; i++) { gsub(",", "", $(i+1)); if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1); if ($i == "Skipped:") s += $(i+1) } }
     END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$log"
# The failed tests again, at the end where a short excerpt of the log still shows them.
if grep -q -E '^\s+Failed [A-Za-z]' "$log"; then
  echo "failed tests:"
  grep -A 6 -E '^\s+Failed [A-Za-z]' "$log" | cut -c1-300 | head -n 80
fi
rm -f "$log"
exit "$status"
