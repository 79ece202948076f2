#!/usr/bin/env pwsh
# Jobs of the job log as CSV — the failed ones unless -Status says otherwise — page after page, following the portal's
# Link rel="next" headers (keyset paging, newest first).
# Usage: $env:VCORE_URL = 'https://cloud.example.com'; $env:VCORE_TOKEN = 'vct_…'; ./job-report.ps1 [-Status failed] [-Search web] > jobs.csv
# (an API token of scope read is enough). A refusal prints the problem's title and detail and exits with 1.
param([string]$Status = 'failed', [string]$Search = '', [int]$PageSize = 100, [int]$MaxPages = 100)
Set-StrictMode -Version Latest
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
if (-not $env:VCORE_URL) { [Console]::Error.WriteLine('Set VCORE_URL to the portal address.'); exit 2 }
if (-not $env:VCORE_TOKEN) { [Console]::Error.WriteLine('Set VCORE_TOKEN to an API token.'); exit 2 }

# The pages are followed here rather than with -FollowRelLink, which does not send the Authorization header again.
$headers = @{ Authorization = "Bearer $env:VCORE_TOKEN"; Accept = 'application/json' }
$url = "$($env:VCORE_URL.TrimEnd('/'))/api/v1/jobs?status=$([uri]::EscapeDataString($Status))&limit=$PageSize"
if ($Search) { $url += "&search=$([uri]::EscapeDataString($Search))" }
$jobs = for ($page = 0; $url -and $page -lt $MaxPages; $page++) {
    $response = Invoke-WebRequest -Uri $url -Headers $headers -SkipHttpErrorCheck
    # A problem document (application/problem+json) arrives as bytes, JSON as text.
    $text = if ($response.Content -is [byte[]]) { [Text.Encoding]::UTF8.GetString($response.Content) } else { [string]$response.Content }
    if ($response.StatusCode -ge 400) {
        $problem = try { $text | ConvertFrom-Json } catch { $null }
        $reason = if ($problem) { (@('title', 'detail') | ForEach-Object { $problem.PSObject.Properties[$_]?.Value } | Where-Object { $_ }) -join ' ' } else { $text }
        [Console]::Error.WriteLine("GET /api/v1/jobs: $($response.StatusCode) $reason")
        exit 1
    }

    $text | ConvertFrom-Json -DateKind String
    $next = $response.RelationLink['next']
    $url = if ($next) { [string][uri]::new([uri]$url, $next) } else { $null }
}

# One row per job.
$jobs | Select-Object queuedAt, startedAt, endedAt, name, action, userName, nodeName, status, info, id | ConvertTo-Csv -NoTypeInformation
