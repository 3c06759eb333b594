#Requires -Version 7.4
<#
.SYNOPSIS
    Runs the Pester tests against the module built in out/PSClone/<version>/.
.DESCRIPTION
    Used by .ci/run (pwsh -NoProfile -NonInteractive -File tests/pester/Invoke-PesterTests.ps1) and
    by build.ps1 -Task Test. Writes NUnit XML results to out/pester-results.xml and exits with 0
    only when every test passed: 1 when tests failed, 2 when Pester 5 is missing.
#>
[CmdletBinding()]
param(
    # Test files or folders; by default every *.Tests.ps1 next to this script.
    [string[]] $Path = @($PSScriptRoot),

    [string] $ResultPath = (Join-Path $PSScriptRoot '../../out/pester-results.xml'),

    [string[]] $ExcludeTag = @()
)

$ErrorActionPreference = 'Stop'

$pester = Get-Module -ListAvailable -Name Pester |
    Where-Object { $_.Version.Major -eq 5 } |
    Sort-Object Version -Descending |
    Select-Object -First 1
if (-not $pester) {
    $found = (Get-Module -ListAvailable -Name Pester | ForEach-Object { $_.Version.ToString() }) -join ', '
    [Console]::Error.WriteLine("Pester 5 is not installed$(if ($found) { " (found only: $found)" }). " +
        "Install it with: Install-PSResource -Name Pester -Version '[5.5.0,6.0.0)' -Scope CurrentUser")
    exit 2
}
Import-Module -ModuleInfo $pester -Force

$resultFolder = Split-Path -Parent $ResultPath
New-Item -ItemType Directory -Force -Path $resultFolder | Out-Null

$configuration = New-PesterConfiguration
$configuration.Run.Path = $Path
$configuration.Run.PassThru = $true
$configuration.Run.Exit = $false
$configuration.Filter.ExcludeTag = $ExcludeTag
$configuration.Output.Verbosity = 'Detailed'
$configuration.TestResult.Enabled = $true
$configuration.TestResult.OutputFormat = 'NUnitXml'
$configuration.TestResult.OutputPath = [System.IO.Path]::GetFullPath($ResultPath)

$result = Invoke-Pester -Configuration $configuration

Write-Host ("Pester {0}: {1} passed, {2} failed, {3} skipped, {4} not run; results in {5}" -f
    $pester.Version, $result.PassedCount, $result.FailedCount, $result.SkippedCount, $result.NotRunCount,
    $configuration.TestResult.OutputPath.Value)
if ($result.Result -ne 'Passed' -or $result.FailedCount -gt 0 -or $result.FailedBlocksCount -gt 0 -or $result.FailedContainersCount -gt 0) {
    exit 1
}
exit 0
