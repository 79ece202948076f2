#!/usr/bin/env pwsh
# A vServer's life over the REST API with PowerShell 7: create, wait for the job, start, show, power off — only if
# nobody changed the vServer since it was shown (If-Match with the ETag of that read) — and delete.
# Usage: $env:VCORE_URL = 'https://cloud.example.com'; $env:VCORE_TOKEN = 'vct_…'; ./vm-lifecycle.ps1 -Name web-1
# (an API token of scope manage: Profile → API tokens in the portal, or `vcore login`). Every refusal is a problem
# document; the script prints its title and detail and stops with exit code 1.
param([string]$Name = "sample-$([DateTimeOffset]::UtcNow.ToUnixTimeSeconds())")
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $env:VCORE_URL) { [Console]::Error.WriteLine('Set VCORE_URL to the portal address.'); exit 2 }
if (-not $env:VCORE_TOKEN) { [Console]::Error.WriteLine('Set VCORE_TOKEN to an API token.'); exit 2 }
$api = $env:VCORE_URL.TrimEnd('/') + '/api/v1'

# One request: its JSON answer and headers, or the problem's title and detail on stderr and exit 1.
function Invoke-Vcore([string]$Method, [string]$Path, $Body = $null, [hashtable]$Headers = @{}, [int[]]$Allow = @()) {
    $request = @{
        Method = $Method; Uri = "$api$Path"; SkipHttpErrorCheck = $true
        Headers = @{ Authorization = "Bearer $env:VCORE_TOKEN"; Accept = 'application/json' } + $Headers
    }
    if ($null -ne $Body) { $request.Body = $Body | ConvertTo-Json -Compress; $request.ContentType = 'application/json' }
    $response = Invoke-WebRequest @request
    # A problem document (application/problem+json) arrives as bytes, JSON as text.
    $text = if ($response.Content -is [byte[]]) { [Text.Encoding]::UTF8.GetString($response.Content) } else { [string]$response.Content }
    if ($response.StatusCode -ge 400 -and $response.StatusCode -notin $Allow) {
        $problem = try { $text | ConvertFrom-Json } catch { $null }
        $reason = if ($problem) { (@('title', 'detail') | ForEach-Object { $problem.PSObject.Properties[$_]?.Value } | Where-Object { $_ }) -join ' ' } else { $text }
        [Console]::Error.WriteLine("$Method ${Path}: $($response.StatusCode) $reason")
        exit 1
    }
    [pscustomobject]@{ Status = [int]$response.StatusCode; Body = if ($text) { $text | ConvertFrom-Json } else { $null }; Headers = $response.Headers }
}

# Follows a job until it has completed (prints its info) or failed (exit 1).
function Wait-VcoreJob([guid]$JobId) {
    for ($i = 0; $i -lt 600; $i++) {
        $job = (Invoke-Vcore GET "/jobs/$JobId").Body
        if ($job.status -eq 'completed') { Write-Output "  $($job.info)"; return }
        if ($job.status -eq 'failed') { [Console]::Error.WriteLine("  failed: $($job.info)"); exit 1 }
        Start-Sleep -Milliseconds 500
    }
    [Console]::Error.WriteLine("job $JobId still $($job.status) after 5 minutes")
    exit 1
}

Write-Output "Creating $Name…"
$accepted = (Invoke-Vcore POST /vms @{ name = $Name; vCpus = 1; memoryGiB = 1; diskGiB = 10 }).Body
Wait-VcoreJob $accepted.jobId

Write-Output "Starting $Name…"
Wait-VcoreJob (Invoke-Vcore POST "/vms/$($accepted.vmId)/start").Body.jobId
$shown = Invoke-Vcore GET "/vms/$($accepted.vmId)"
$vm = $shown.Body
Write-Output ('{0}: {1} on {2}, {3} vCPU, {4} GiB RAM, {5} GiB disk' -f $vm.name, $vm.state, $vm.nodeName, $vm.vCpus, $vm.memoryGiB, $vm.diskGiB)

Write-Output "Powering off and deleting $Name…"
# Only while the vServer is what the script last read (If-Match with that read's ETag): if it changed meanwhile — its
# addresses reported, another user's job — the portal refuses with 412 and nothing happens; read it again and decide
# again (here: power it off if it still runs).
for ($try = 1; ; $try++) {
    if ($shown.Body.state -ne 'running') { [Console]::Error.WriteLine("$Name is $($shown.Body.state) now; not powering it off."); exit 1 }
    $off = Invoke-Vcore POST "/vms/$($vm.id)/power-off" -Headers @{ 'If-Match' = [string]$shown.Headers['ETag'][0] } -Allow 412
    if ($off.Status -ne 412) { break }
    if ($try -ge 5) { [Console]::Error.WriteLine("$Name keeps changing; not powering it off."); exit 1 }
    Write-Output "  $Name changed since it was read; reading it again."
    $shown = Invoke-Vcore GET "/vms/$($vm.id)"
}
Wait-VcoreJob $off.Body.jobId
Wait-VcoreJob (Invoke-Vcore DELETE "/vms/$($vm.id)?confirm=$([uri]::EscapeDataString($Name))").Body.jobId
