#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')

    # A clone destination whose SafetyNet holds $Count runs, each larger than the one before.
    function New-DestinationWithRuns([string] $Name, [int] $Count) {
        $pair = New-ClonedPair -Name $Name -Files @{ 'w/file.bin' = '0' }
        foreach ($i in 1..$Count) {
            Set-TestFile -Path (Join-Path $pair.Source 'w/file.bin') -Content ('x' * (100 * $i))
            $null = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination
        }
        $pair
    }

    function Get-RunNames([string] $Destination) {
        $root = Join-Path $Destination '_PSClone SafetyNet'
        if (-not (Test-Path -LiteralPath $root)) { return '' }
        Get-ChildItem -LiteralPath $root -Directory | ForEach-Object Name | Join-Sorted
    }
}

Describe 'Clear-SafetyNet' {
    It '-WhatIf removes nothing' {
        $pair = New-DestinationWithRuns 'whatif' 2
        $before = Get-TreeText -Root $pair.Destination
        Clear-SafetyNet -Destination $pair.Destination -WhatIf | Should -BeNullOrEmpty
        Get-TreeText -Root $pair.Destination | Should -Be $before
    }

    It 'without limits removes every run and the SafetyNet folder, and emits them' {
        $pair = New-DestinationWithRuns 'all' 3
        $clone = Get-TreeText -Root $pair.Destination -SkipReserved
        $removed = @(Clear-SafetyNet -Destination $pair.Destination -Confirm:$false)
        $removed | Should -HaveCount 3
        $removed | ForEach-Object { $_ | Should -BeOfType PSClone.SafetyNetRun }
        Join-Path $pair.Destination '_PSClone SafetyNet' | Should -Not -Exist
        Get-TreeText -Root $pair.Destination -SkipReserved | Should -Be $clone
        $removed | Format-Table | Out-String | Should -Match 'Size\(MB\)'
    }

    It '-MaxAge removes only runs older than the age' {
        $pair = New-DestinationWithRuns 'age' 2
        $root = Join-Path $pair.Destination '_PSClone SafetyNet'
        $oldest = Get-ChildItem -LiteralPath $root -Directory | Sort-Object Name | Select-Object -First 1
        $oldName = (Get-Date).AddDays(-100).ToString('yyyy-MM-dd HH-mm-ss', [cultureinfo]::InvariantCulture)
        Rename-Item -LiteralPath $oldest.FullName -NewName $oldName
        $kept = Get-ChildItem -LiteralPath $root -Directory | Where-Object Name -NE $oldName | ForEach-Object Name

        $removed = Clear-SafetyNet -Destination $pair.Destination -MaxAge (New-TimeSpan -Days 90) -Confirm:$false
        $removed.Name | Should -Be $oldName
        Get-RunNames $pair.Destination | Should -Be $kept
    }

    It '-MaxSize 0 removes every run; -MinFree 0 removes none' {
        $pair = New-DestinationWithRuns 'size' 2
        Clear-SafetyNet -Destination $pair.Destination -MinFree 0 -Confirm:$false | Should -BeNullOrEmpty
        (Get-RunNames $pair.Destination).Split(',') | Should -HaveCount 2
        @(Clear-SafetyNet -Destination $pair.Destination -MaxSize 0 -Confirm:$false) | Should -HaveCount 2
        Get-RunNames $pair.Destination | Should -Be ''
    }

    It 'takes the destination from the Invoke-Clone summary' {
        $pair = New-DestinationWithRuns 'pipe' 1
        $run = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination
        @($run | Clear-SafetyNet -Confirm:$false) | Should -HaveCount 1
    }

    It 'refuses a destination that is not a folder with DestinationNotFound' {
        { Clear-SafetyNet -Destination (Join-Path $TestDrive 'no-such-folder') -Confirm:$false } |
            Should -Throw -ErrorId 'DestinationNotFound,PSClone.Commands.ClearSafetyNetCommand'
    }

    It 'validates -MaxSize while binding' {
        { Clear-SafetyNet -Destination $TestDrive -MaxSize -1 -Confirm:$false } |
            Should -Throw -ErrorId 'ParameterArgumentValidationError,PSClone.Commands.ClearSafetyNetCommand'
    }
}
