# Shared setup of the Pester tests, dot-sourced from each test file's BeforeAll (and from
# BeforeDiscovery where a file needs the commands to build its tests). It imports the module that
# `dotnet publish src/PSClone` (or `./build.ps1 -Task Build`) assembled in out/PSClone/<version>/,
# and defines helpers that build small trees; tests keep everything under $TestDrive.

$RepoRoot = (Resolve-Path -LiteralPath (Join-Path $PSScriptRoot '../..')).ProviderPath
$PSCloneVersion = (Import-PowerShellDataFile -LiteralPath (Join-Path $RepoRoot 'PSClone.psd1')).ModuleVersion
$PSCloneManifest = Join-Path $RepoRoot "out/PSClone/$PSCloneVersion/PSClone.psd1"
if (-not (Test-Path -LiteralPath $PSCloneManifest)) {
    throw "The built module is missing: '$PSCloneManifest'. Build it first: dotnet publish src/PSClone -c Release (or ./build.ps1 -Task Build)."
}
Import-Module -Name $PSCloneManifest -Force -ErrorAction Stop

# Files get whole-second modification times: a time read back through .NET (100 ns ticks) then
# equals the time on disk, and every file written by a test has a distinct time.
$PSCloneTestState = @{ Clock = 0 }

function New-TestTree {
    <# Creates a folder with files (relative path = content) and returns its full path. #>
    param(
        [Parameter(Mandatory)] [string] $Root,
        [System.Collections.IDictionary] $Files = @{}
    )
    New-Item -ItemType Directory -Force -Path $Root | Out-Null
    foreach ($relative in $Files.Keys) {
        Set-TestFile -Path (Join-Path $Root $relative) -Content $Files[$relative]
    }
    (Resolve-Path -LiteralPath $Root).ProviderPath
}

function Set-TestFile {
    <# Writes a file (creating its folder) with an exact content and a fresh whole-second time. #>
    param(
        [Parameter(Mandatory)] [string] $Path,
        [Parameter(Mandatory)] [AllowEmptyString()] [string] $Content
    )
    $folder = Split-Path -Parent $Path
    if (-not (Test-Path -LiteralPath $folder)) { New-Item -ItemType Directory -Force -Path $folder | Out-Null }
    [System.IO.File]::WriteAllText($Path, $Content)
    $PSCloneTestState.Clock++
    [System.IO.File]::SetLastWriteTimeUtc($Path, [datetime]::new(2026, 1, 1, 0, 0, 0, 'Utc').AddSeconds($PSCloneTestState.Clock))
}

function Get-TreeText {
    <# One line per item under a folder (path, kind, size, content hash, modification time),
       sorted, as one string: two trees are equal when their texts are. -SkipReserved leaves out
       PSClone's own files at the root (.psclone, .psclone.lock, _PSClone SafetyNet). #>
    param(
        [Parameter(Mandatory)] [string] $Root,
        [switch] $SkipReserved
    )
    $reserved = '.psclone', '.psclone.lock', '_PSClone SafetyNet'
    $lines = foreach ($item in Get-ChildItem -LiteralPath $Root -Recurse -Force) {
        $relative = [System.IO.Path]::GetRelativePath($Root, $item.FullName).Replace('\', '/')
        if ($SkipReserved -and $relative.Split('/')[0] -in $reserved) { continue }
        if ($item.PSIsContainer) {
            "$relative dir $($item.LastWriteTimeUtc.Ticks)"
        }
        else {
            $hash = (Get-FileHash -LiteralPath $item.FullName -Algorithm SHA256).Hash.Substring(0, 16)
            "$relative file $($item.Length) $hash $($item.LastWriteTimeUtc.Ticks)"
        }
    }
    $sorted = [System.Collections.Generic.List[string]]::new([string[]]@($lines))
    $sorted.Sort([System.StringComparer]::Ordinal)
    $sorted -join "`n"
}

function New-ClonedPair {
    <# A source tree and its clone, under $TestDrive/<Name>; returns Source and Destination. #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [Parameter(Mandatory)] [System.Collections.IDictionary] $Files
    )
    $source = New-TestTree -Root (Join-Path $TestDrive "$Name/source") -Files $Files
    $destination = Join-Path $TestDrive "$Name/destination"
    $run = Invoke-TestClone -Source $source -Destination $destination
    if ($run.Status -ne 'Success') { throw "The setup clone of '$Name' ended with $($run.Status)." }
    [pscustomobject]@{ Source = $source; Destination = (Resolve-Path -LiteralPath $destination).ProviderPath }
}

function Invoke-TestClone {
    <# Invoke-Clone as the tests need it: never prompting, and without free-space pruning, which on
       a disk with less than 25 GB free would prune the SafetyNet runs a test just made. #>
    param(
        [Parameter(Mandatory)] [string] $Source,
        [Parameter(Mandatory)] [string] $Destination,
        [hashtable] $With = @{}
    )
    Invoke-Clone -Source $Source -Destination $Destination -SafetyNetMinFree 0 -Confirm:$false @With
}

function Join-Sorted {
    <# Joins piped strings with ',' in ordinal order, the same on every platform and culture. #>
    param([Parameter(ValueFromPipeline)] [AllowEmptyString()] [string] $Line)
    begin { $all = [System.Collections.Generic.List[string]]::new() }
    process { $all.Add($Line) }
    end {
        $all.Sort([System.StringComparer]::Ordinal)
        $all -join ','
    }
}

# ---- tasks: every test gets its own task store and, where it registers schedules, stand-in schedulers

function New-TestTaskStore {
    <# Points PSCLONE_HOME (the task store of both scopes) at a new folder under $TestDrive and
       returns it. Call Restore-TestEnvironment in AfterAll. #>
    if (-not $PSCloneTestState.ContainsKey('Environment')) {
        $PSCloneTestState.Environment = @{ PSCLONE_HOME = $env:PSCLONE_HOME; PATH = $env:PATH; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME }
    }
    $store = Join-Path $TestDrive ('store-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    New-Item -ItemType Directory -Path $store | Out-Null
    $env:PSCLONE_HOME = $store
    $store
}

function Use-TestScheduler {
    <# Linux only: stand-ins for systemctl and crontab first on PATH (each logs its arguments), and
       XDG_CONFIG_HOME under $TestDrive, so a registration writes its units into $TestDrive and
       touches nothing real. Returns the folder; calls are logged in <folder>/calls.log. #>
    if (-not $PSCloneTestState.ContainsKey('Environment')) {
        $PSCloneTestState.Environment = @{ PSCLONE_HOME = $env:PSCLONE_HOME; PATH = $env:PATH; XDG_CONFIG_HOME = $env:XDG_CONFIG_HOME }
    }
    $folder = Join-Path $TestDrive ('sched-' + [guid]::NewGuid().ToString('N').Substring(0, 8))
    $bin = Join-Path $folder 'bin'
    New-Item -ItemType Directory -Force -Path $bin, (Join-Path $folder 'config') | Out-Null
    $log = Join-Path $folder 'calls.log'
    $crontab = Join-Path $folder 'crontab'
    Set-Content -LiteralPath (Join-Path $bin 'systemctl') -Value "#!/bin/sh`necho `"systemctl `$*`" >> '$log'`n"
    Set-Content -LiteralPath (Join-Path $bin 'crontab') -Value ("#!/bin/sh`necho `"crontab `$*`" >> '$log'`n" +
        "if [ `"`$1`" = -l ]; then cat '$crontab' 2>/dev/null || { echo 'no crontab for test' >&2; exit 1; }; else cat > '$crontab'; fi`n")
    chmod +x (Join-Path $bin 'systemctl') (Join-Path $bin 'crontab')
    $env:PATH = $bin + [IO.Path]::PathSeparator + $PSCloneTestState.Environment.PATH
    $env:XDG_CONFIG_HOME = Join-Path $folder 'config'
    $folder
}

function Restore-TestEnvironment {
    <# Puts PSCLONE_HOME, PATH and XDG_CONFIG_HOME back as they were before the first New-TestTaskStore. #>
    if ($PSCloneTestState.ContainsKey('Environment')) {
        $saved = $PSCloneTestState.Environment
        $env:PSCLONE_HOME = $saved.PSCLONE_HOME
        $env:PATH = $saved.PATH
        $env:XDG_CONFIG_HOME = $saved.XDG_CONFIG_HOME
        $PSCloneTestState.Remove('Environment')
    }
}

function New-TestTask {
    <# A saved task whose source holds a few files, cloning to a destination under $TestDrive;
       no SafetyNet free-space pruning (the test disk is small). Extra New-CloneTask parameters in -With. #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [hashtable] $With = @{}
    )
    $root = Join-Path $TestDrive ('task-' + $Name + '-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
    $source = New-TestTree -Root (Join-Path $root 'src') -Files @{ 'a.txt' = 'alpha'; 'docs/b.txt' = 'bravo' }
    New-CloneTask -Name $Name -Source $source -Destination (Join-Path $root 'dst') -SafetyNetMinFree 0 -Confirm:$false @With
}
