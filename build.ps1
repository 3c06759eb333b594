#Requires -Version 7.4
<#
.SYNOPSIS
    Builds, documents, tests and packages PSClone. The version comes only from PSClone.psd1.
.DESCRIPTION
    Build    dotnet publish src/PSClone: an importable module in out/PSClone/<version>/.
    Help     docs/help -> out/PSClone/<version>/en-US: PSClone.dll-Help.xml (Microsoft.PowerShell.PlatyPS)
             and about_PSClone.help.txt.
    Test     dotnet test PSClone.sln, then the Pester tests against the built module, in a child pwsh.
    Package  Test-ModuleManifest, then Compress-PSResource into out/packages/.
    Tasks run in that order, whatever order they are given in. Nothing is downloaded.
.EXAMPLE
    ./build.ps1 -Task Build, Help, Test
#>
[CmdletBinding()]
param(
    [ValidateSet('Build', 'Help', 'Test', 'Package')]
    [string[]] $Task = @('Build', 'Help', 'Test'),

    [ValidateSet('Debug', 'Release')]
    [string] $Configuration = 'Release'
)

$ErrorActionPreference = 'Stop'
Set-StrictMode -Version 3.0

$version = (Import-PowerShellDataFile -LiteralPath (Join-Path $PSScriptRoot 'PSClone.psd1')).ModuleVersion
$moduleOut = Join-Path $PSScriptRoot "out/PSClone/$version"
$helpSource = Join-Path $PSScriptRoot 'docs/help'

function Invoke-Dotnet {
    if (-not (Get-Command dotnet -ErrorAction SilentlyContinue)) {
        throw 'The dotnet CLI was not found. Install the .NET SDK (8.0 or later): https://dot.net'
    }
    & dotnet @args
    if ($LASTEXITCODE -ne 0) { throw "dotnet $($args -join ' ') failed with exit code $LASTEXITCODE." }
}

function Assert-BuiltModule([string] $Step) {
    if (-not (Test-Path -LiteralPath (Join-Path $moduleOut 'PSClone.psd1'))) {
        throw "${Step}: '$moduleOut' holds no built module. Run ./build.ps1 -Task Build first."
    }
}

# about_*.help.txt is plain text: the topic and section names flush left in capitals, text indented.
function ConvertTo-AboutText([string] $Markdown) {
    $lines = $Markdown -split '\r?\n'
    if ($lines[0] -eq '---') { $lines = $lines[([array]::IndexOf($lines, '---', 1) + 1)..($lines.Count - 1)] }
    $inCode = $false
    $text = foreach ($line in $lines) {
        if ($line -match '^```') { $inCode = -not $inCode; continue }
        if ($inCode) { if ($line) { '        ' + $line } else { '' }; continue }
        if ($line -match '^# (.+)$') { 'TOPIC'; '    ' + $Matches[1]; continue }
        if ($line -match '^## (.+)$') { $Matches[1].ToUpperInvariant(); continue }
        if ($line -match '^### (.+)$') { '  ' + $Matches[1].ToUpperInvariant(); continue }
        $plain = $line -replace '\*\*([^*]+)\*\*', '$1' -replace '`([^`]+)`', '$1' -replace '\[([^\]]+)\]\([^)]+\)', '$1'
        if ($plain) { '    ' + $plain } else { '' }
    }
    ($text -join [Environment]::NewLine).Trim() + [Environment]::NewLine
}

if ('Build' -in $Task) {
    Invoke-Dotnet publish (Join-Path $PSScriptRoot 'src/PSClone') -c $Configuration -nologo
    Assert-BuiltModule 'Build'
    Write-Host "Built PSClone $version in $moduleOut"
}

if ('Help' -in $Task) {
    Assert-BuiltModule 'Help'
    $platyPS = Get-Module -ListAvailable -Name Microsoft.PowerShell.PlatyPS | Sort-Object Version -Descending | Select-Object -First 1
    if (-not $platyPS) {
        throw 'Help needs the Microsoft.PowerShell.PlatyPS module (1.0 or later). Install it: Install-PSResource -Name Microsoft.PowerShell.PlatyPS'
    }
    Import-Module -ModuleInfo $platyPS -Force
    $pages = @(Get-ChildItem -LiteralPath $helpSource -Filter '*.md' | Where-Object Name -NotLike 'about_*')
    $invalid = @($pages | Where-Object { -not (Test-MarkdownCommandHelp $_.FullName) })
    if ($invalid) { throw "Not valid platyPS markdown: $($invalid.Name -join ', '). See: Test-MarkdownCommandHelp <file> -DetailView." }

    $staging = Join-Path $PSScriptRoot 'out/maml'
    if (Test-Path -LiteralPath $staging) { Remove-Item -LiteralPath $staging -Recurse -Force }
    # platyPS names the file <Module>-Help.xml; binary modules need <Assembly>.dll-Help.xml.
    Import-MarkdownCommandHelp -LiteralPath $pages.FullName | Export-MamlCommandHelp -OutputFolder $staging -Force | Out-Null
    $maml = @(Get-ChildItem -LiteralPath $staging -Recurse -Filter '*.xml')
    if ($maml.Count -ne 1) { throw "Export-MamlCommandHelp wrote $($maml.Count) files to '$staging'; expected exactly one." }

    $helpOut = Join-Path $moduleOut 'en-US'
    New-Item -ItemType Directory -Force -Path $helpOut | Out-Null
    Copy-Item -LiteralPath $maml[0].FullName -Destination (Join-Path $helpOut 'PSClone.dll-Help.xml') -Force
    $about = ConvertTo-AboutText (Get-Content -Raw -LiteralPath (Join-Path $helpSource 'about_PSClone.md'))
    Set-Content -LiteralPath (Join-Path $helpOut 'about_PSClone.help.txt') -Value $about -Encoding utf8NoBOM -NoNewline
    Write-Host "Help for $($pages.Count) cmdlets and about_PSClone in $helpOut"
}

if ('Test' -in $Task) {
    Invoke-Dotnet test (Join-Path $PSScriptRoot 'PSClone.sln') -c $Configuration -nologo
    Assert-BuiltModule 'Test'
    # A child process: a loaded module DLL cannot be unloaded, and must not lock the next build.
    & ([Environment]::ProcessPath) -NoProfile -NonInteractive -File (Join-Path $PSScriptRoot 'tests/pester/Invoke-PesterTests.ps1')
    if ($LASTEXITCODE -ne 0) { throw "The Pester tests failed (exit code $LASTEXITCODE); see out/pester-results.xml." }
}

if ('Package' -in $Task) {
    Assert-BuiltModule 'Package'
    $manifest = Test-ModuleManifest -Path (Join-Path $moduleOut 'PSClone.psd1')
    if ($manifest.Version -ne [version]$version) { throw "Package: the built manifest says $($manifest.Version), PSClone.psd1 says $version." }
    if (-not (Test-Path -LiteralPath (Join-Path $moduleOut 'en-US/PSClone.dll-Help.xml'))) {
        throw 'Package: the module has no help. Run ./build.ps1 -Task Help first.'
    }
    if (-not (Get-Command Compress-PSResource -ErrorAction SilentlyContinue)) {
        throw 'Package needs Compress-PSResource (Microsoft.PowerShell.PSResourceGet 1.1 or later, bundled with PowerShell 7.5).'
    }
    $packages = Join-Path $PSScriptRoot 'out/packages'
    New-Item -ItemType Directory -Force -Path $packages | Out-Null
    Compress-PSResource -Path $moduleOut -DestinationPath $packages
    Write-Host "Packaged PSClone $version in $packages"
}
