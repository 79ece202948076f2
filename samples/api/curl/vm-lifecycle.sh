#!/usr/bin/env bash
# A vServer's life over the REST API with curl and jq: create, wait for the job, start, show, power off, delete.
# Usage: VCORE_URL=https://cloud.example.com VCORE_TOKEN=vct_… ./vm-lifecycle.sh [name]
# (an API token of scope manage: Profile → API tokens in the portal, or `vcore login`). Every refusal is a problem
# document; the script prints its title and detail and stops.
set -euo pipefail
: "${VCORE_URL:?set VCORE_URL to the portal address}"
: "${VCORE_TOKEN:?set VCORE_TOKEN to an API token}"
name="${1:-sample-$(date +%s)}"
api="${VCORE_URL%/}/api/v1"

# One request; the JSON answer on stdout, or the problem's title and detail on stderr and exit 1.
call() {
  local method="$1" path="$2" body="${3:-}" out status
  out="$(mktemp)"
  status="$(curl -sS -o "$out" -w '%{http_code}' -X "$method" -H "Authorization: Bearer $VCORE_TOKEN" \
    -H 'Accept: application/json' ${body:+-H 'Content-Type: application/json' --data "$body"} "$api$path")"
  if [ "$status" -ge 400 ]; then
    echo "$method $path: $status $(jq -r '[.title, .detail] | map(select(. != null)) | join(" ")' "$out" 2>/dev/null)" >&2
    rm -f "$out"
    return 1
  fi
  cat "$out"
  rm -f "$out"
}

# Follows a job until it has completed (prints its info) or failed (exit 1).
wait_for() {
  local job="$1" status info
  for _ in $(seq 1 600); do
    read -r status info < <(call GET "/jobs/$job" | jq -r '[.status, .info] | @tsv')
    case "$status" in
      completed) echo "  $info"; return 0 ;;
      failed) echo "  failed: $info" >&2; return 1 ;;
    esac
    sleep 0.5
  done
  echo "job $job still $status after 5 minutes" >&2
  return 1
}

echo "Creating $name…"
accepted="$(call POST /vms "$(jq -nc --arg name "$name" '{name: $name, vCpus: 1, memoryGiB: 1, diskGiB: 10}')")"
vm="$(jq -r .vmId <<<"$accepted")"
wait_for "$(jq -r .jobId <<<"$accepted")"

echo "Starting $name…"
wait_for "$(call POST "/vms/$vm/start" | jq -r .jobId)"
call GET "/vms/$vm" | jq -r '"\(.name): \(.state) on \(.nodeName), \(.vCpus) vCPU, \(.memoryGiB) GiB RAM, \(.diskGiB) GiB disk"'

echo "Powering off and deleting $name…"
wait_for "$(call POST "/vms/$vm/power-off" | jq -r .jobId)"
wait_for "$(call DELETE "/vms/$vm?confirm=$(jq -rn --arg n "$name" '$n|@uri')" | jq -r .jobId)"
