#!/usr/bin/env bash
# Screenshots of every page, for every role, in both themes (the default and the sample Harbour) and both languages, into
# docs/screenshots/ (or the folder given). Needs what the test suite needs (./test.sh installs it): Chromium, libvirt.
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(realpath -m "${1:-docs/screenshots}")"
mkdir -p "$out"
dotnet build tests/VirtualCore.Portal.Tests -v quiet
VCORE_SCREENSHOTS="$out" dotnet test tests/VirtualCore.Portal.Tests --no-build --filter "FullyQualifiedName~PageAuditTests"
echo "Screenshots in $out:"
ls "$out"
