#!/usr/bin/env bash
# Publishes what an operator installs: the portal and the node agent in Release, framework-dependent for linux-x64
# (the hosts need the ASP.NET Core 10 runtime), each with the hypervisor adapter plugins in its plugins/ folder.
# Usage: scripts/publish.sh [OUT]   (default: artifacts/ in the repository)
#   OUT/portal/   VirtualCore.Portal.dll, appsettings.json, themes/, plugins/ (for embedded rack servers)
#   OUT/agent/    VirtualCore.NodeAgent.dll, plugins/<adapter>/<adapter>.dll
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
# OUT is taken from where the script is called; the default is beside the sources.
out="${1:-$root/artifacts}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cd "$root"
rid=linux-x64
publish=(-c Release -r "$rid" --self-contained false -nologo -v quiet -p:DebugType=embedded)

rm -rf "$out/portal" "$out/agent" "$out/.plugins"

# Adapters are plugins: no host references them (build/Plugins.targets copies them only into build output), so each
# is published on its own and placed in plugins/<name>/, where AdapterPlugins looks for <name>.dll.
adapters=(VirtualCore.Adapters.Libvirt)
for adapter in "${adapters[@]}"; do
  echo "Publishing the adapter plugin $adapter…"
  dotnet publish "hypervisor-adapters/$adapter" "${publish[@]}" -o "$out/.plugins/$adapter"
done

echo "Publishing the portal…"
dotnet publish hosts/VirtualCore.Portal "${publish[@]}" -o "$out/portal"
echo "Publishing the node agent…"
dotnet publish hosts/VirtualCore.NodeAgent "${publish[@]}" -o "$out/agent"

for host in portal agent; do
  mkdir -p "$out/$host/plugins"
  cp -r "$out/.plugins/." "$out/$host/plugins/"
done
rm -rf "$out/.plugins"

# The portal reads its templates from themes/ beside its assembly (Themes:Root); fail here rather than at start.
for required in portal/VirtualCore.Portal.dll portal/appsettings.json portal/themes/Default/theme.json \
  agent/VirtualCore.NodeAgent.dll; do
  [ -e "$out/$required" ] || { echo "publish: $out/$required is missing" >&2; exit 1; }
done
for adapter in "${adapters[@]}"; do
  for host in portal agent; do
    [ -e "$out/$host/plugins/$adapter/$adapter.dll" ] || { echo "publish: $out/$host/plugins/$adapter/$adapter.dll is missing" >&2; exit 1; }
  done
done

version="$(git -C "$root" describe --always --dirty 2>/dev/null || echo unknown)"
echo "$version" > "$out/VERSION"
echo "Published $version to $out (portal/, agent/); run each with: dotnet <dir>/<Host>.dll from its own directory."
