#Requires -Version 7.4
# Help coverage, in the spirit of PSScriptAnalyzer's Tests/Engine/ModuleHelp.Tests.ps1: every
# exported command has a help page whose parameters match what PowerShell itself reports about the
# command (not what reflection over reference assemblies says), and, once `./build.ps1 -Task Help`
# has generated the MAML, Get-Help shows real help for every command and parameter.
BeforeDiscovery {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $commonNames = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
    $commands = foreach ($command in Get-Command -Module PSClone -CommandType Cmdlet) {
        @{
            Name = $command.Name
            Parameters = @($command.Parameters.Keys | Where-Object { $_ -notin $commonNames -or $_ -in 'WhatIf', 'Confirm' } | Sort-Object)
        }
    }
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $helpFolder = Join-Path $RepoRoot 'docs/help'
    $helpOutput = Join-Path (Split-Path -Parent $PSCloneManifest) 'en-US'

    # The yaml block of every "### -Name" section of a platyPS v1 page, as hashtables:
    # Type, Aliases (array), and Sets (set name -> hashtable of Position, IsRequired, ...).
    function Read-ParameterYaml([string] $Path) {
        $result = @{}
        $name = $null; $inYaml = $false; $inParameters = $false; $yaml = @()
        foreach ($line in Get-Content -LiteralPath $Path) {
            if ($line -match '^## ') { $inParameters = $line -eq '## PARAMETERS'; $name = $null; continue }
            if (-not $inParameters) { continue }
            if (-not $inYaml -and $line -match '^### -(\w+)') { $name = $Matches[1]; continue }
            if ($name -and $line -eq '```yaml') { $inYaml = $true; $yaml = @(); continue }
            if ($inYaml -and $line -eq '```') {
                $inYaml = $false
                $parsed = @{ Type = ''; Aliases = @(); Sets = @{} }
                $list = $null; $set = $null
                foreach ($y in $yaml) {
                    if ($y -match '^(\w+):\s*(.*)$') {
                        $key = $Matches[1]; $value = $Matches[2].Trim(); $set = $null
                        $list = if ($value -eq '' -or $value -eq '[]') { $key } else { $null }
                        if ($key -eq 'Type') { $parsed.Type = $value }
                    }
                    elseif ($y -match '^- (\w+): (.*)$' -and $list -eq 'ParameterSets') {
                        $set = @{}; $parsed.Sets[$Matches[2].Trim()] = $set
                    }
                    elseif ($y -match '^- (.+)$' -and $list -eq 'Aliases') {
                        $parsed.Aliases += $Matches[1].Trim()
                    }
                    elseif ($y -match '^  (\w+): (.*)$' -and $null -ne $set) {
                        $set[$Matches[1]] = $Matches[2].Trim()
                    }
                }
                $result[$name] = $parsed
                $name = $null
                continue
            }
            if ($inYaml) { $yaml += $line }
        }
        $result
    }
}

Describe 'Help of <Name>' -ForEach $commands {
    BeforeAll {
        $command = Get-Command -Name $Name
        $page = Join-Path $helpFolder "$Name.md"
        $documented = Read-ParameterYaml $page
    }

    It 'has a page in docs/help' {
        $page | Should -Exist
    }

    It 'documents exactly the parameters the command has' {
        ($documented.Keys | Sort-Object) -join ',' | Should -Be ($Parameters -join ',')
    }

    It 'documents -<_> as PowerShell sees it' -ForEach $Parameters {
        $parameterName = $_
        $parameter = $command.Parameters[$parameterName]
        $doc = $documented[$parameterName]
        $doc | Should -Not -BeNullOrEmpty -Because "-$parameterName needs a '### -$parameterName' section with a yaml block"
        # platyPS writes a generic type without assembly names: System.Nullable`1[System.Int32].
        $type = $parameter.ParameterType
        $typeName = if ($type.IsGenericType) {
            '{0}[{1}]' -f $type.GetGenericTypeDefinition().FullName, (($type.GetGenericArguments() | ForEach-Object FullName) -join ',')
        }
        else { $type.FullName }
        $doc.Type | Should -Be $typeName
        (@($doc.Aliases) | Sort-Object) -join ',' | Should -Be ((@($parameter.Aliases) | Sort-Object) -join ',')
        foreach ($setName in $parameter.ParameterSets.Keys) {
            $set = $parameter.ParameterSets[$setName]
            $docSet = $doc.Sets[$(if ($setName -eq '__AllParameterSets') { '(All)' } else { $setName })]
            $docSet | Should -Not -BeNullOrEmpty -Because "-$parameterName belongs to the parameter set $setName"
            $position = if ($set.Position -eq [int]::MinValue) { 'Named' } else { "$($set.Position)" }
            $docSet.Position | Should -Be $position
            $docSet.IsRequired | Should -Be "$($set.IsMandatory)".ToLowerInvariant()
            $docSet.ValueFromPipeline | Should -Be "$($set.ValueFromPipeline)".ToLowerInvariant()
            $docSet.ValueFromPipelineByPropertyName | Should -Be "$($set.ValueFromPipelineByPropertyName)".ToLowerInvariant()
            $docSet.ValueFromRemainingArguments | Should -Be "$($set.ValueFromRemainingArguments)".ToLowerInvariant()
        }
        $doc.Sets.Count | Should -Be $parameter.ParameterSets.Count
    }

    Context 'Get-Help, from the MAML that build.ps1 -Task Help generates' {
        BeforeAll {
            $maml = Join-Path $helpOutput 'PSClone.dll-Help.xml'
            $help = if (Test-Path -LiteralPath $maml) { Get-Help -Name $Name -Full }

            # Without generated MAML, Get-Help only shows the syntax: say so instead of failing.
            function Skip-WithoutMaml {
                if (-not (Test-Path -LiteralPath $maml)) {
                    Set-ItResult -Skipped -Because "$maml does not exist; run ./build.ps1 -Task Build, Help first (it needs Microsoft.PowerShell.PlatyPS)"
                }
            }
        }

        It 'has a synopsis that is not the generated syntax' {
            Skip-WithoutMaml
            $help.Synopsis | Should -Not -BeNullOrEmpty
            $help.Synopsis | Should -Not -BeLike "$Name *"
        }

        It 'has a description and at least two examples' {
            Skip-WithoutMaml
            ($help.description.Text -join '') | Should -Not -BeNullOrEmpty
            @($help.examples.example).Count | Should -BeGreaterOrEqual 2
        }

        It 'describes -<_>' -ForEach $Parameters {
            $parameterName = $_
            Skip-WithoutMaml
            $parameterHelp = $help.parameters.parameter | Where-Object { $_.name -eq $parameterName }
            ($parameterHelp.description.Text -join '') | Should -Not -BeNullOrEmpty
        }
    }
}

Describe 'about_PSClone' {
    It 'has a markdown source' {
        Join-Path $helpFolder 'about_PSClone.md' | Should -Exist
    }

    It 'is shown by Get-Help once build.ps1 -Task Help has generated it' {
        $text = Join-Path $helpOutput 'about_PSClone.help.txt'
        if (-not (Test-Path -LiteralPath $text)) {
            Set-ItResult -Skipped -Because "$text does not exist; run ./build.ps1 -Task Build, Help first"
            return
        }
        Get-Help about_PSClone | Out-String | Should -Match 'SafetyNet'
    }
}
