#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Get-SafetyNetItem' {
    BeforeAll {
        $pair = New-ClonedPair -Name 'list' -Files @{
            'report.txt' = 'v1'; 'docs/b.txt' = 'b'; 'docs/c.txt' = 'c'
            'Projects/Old/plan.docx' = 'plan'; 'Projects/Old/notes.txt' = 'notes'; 'Projects/New/x.txt' = 'x'
        }
        Set-TestFile -Path (Join-Path $pair.Source 'report.txt') -Content 'version 2'
        $run1 = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination
        Remove-Item -LiteralPath (Join-Path $pair.Source 'docs/b.txt')
        Remove-Item -LiteralPath (Join-Path $pair.Source 'Projects/Old') -Recurse
        $run2 = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination
        $runName1 = Split-Path -Leaf $run1.SafetyNetFolder
        $runName2 = Split-Path -Leaf $run2.SafetyNetFolder
    }

    It 'lists every archived item as a SafetyNetItem, newest run first' {
        $items = @(Get-SafetyNetItem -Destination $pair.Destination)
        $items | ForEach-Object { $_ | Should -BeOfType PSClone.SafetyNetItem }
        $items | Should -HaveCount 3
        $items[0].RunName | Should -Be $runName2
        $items[-1].RunName | Should -Be $runName1
        $items | ForEach-Object { "$($_.RunName)|$($_.RelativePath)|$($_.Reason)|$($_.ItemType)" } | Join-Sorted |
            Should -Be ("$runName1|report.txt|Modified|File", "$runName2|Projects/Old|Deleted|Directory", "$runName2|docs/b.txt|Deleted|File" | Join-Sorted)
    }

    It 'keeps raw values: Size in bytes, ArchivedAt as a DateTimeOffset, ArchivedPath that exists' {
        $report = Get-SafetyNetItem -Destination $pair.Destination -Path 'report.txt'
        $report.Size | Should -Be 2
        $report.ArchivedAt | Should -BeOfType [DateTimeOffset]
        $report.ArchivedPath | Should -Exist
        (Get-SafetyNetItem -Destination $pair.Destination -Path 'Projects/Old').Size | Should -Be 9
    }

    It '-Path matches names at any depth; -Recurse also looks inside archived folders' {
        (Get-SafetyNetItem -Destination $pair.Destination -Path '*.docx') | Should -BeNullOrEmpty
        (Get-SafetyNetItem -Destination $pair.Destination -Path '*.docx' -Recurse).RelativePath | Should -Be 'Projects/Old/plan.docx'
        Get-SafetyNetItem -Destination $pair.Destination -Path '*.TXT' | ForEach-Object RelativePath | Join-Sorted |
            Should -Be 'docs/b.txt,report.txt'
    }

    It '-RunName lists one run' {
        Get-SafetyNetItem -Destination $pair.Destination -RunName $runName1 | ForEach-Object RelativePath | Join-Sorted | Should -Be 'report.txt'
    }

    It 'takes the destination from the Invoke-Clone summary' {
        $fromPipe = $run2 | Get-SafetyNetItem | ForEach-Object { "$($_.RunName)/$($_.RelativePath)" } | Join-Sorted
        $fromPipe | Should -Be (Get-SafetyNetItem -Destination $pair.Destination | ForEach-Object { "$($_.RunName)/$($_.RelativePath)" } | Join-Sorted)
    }

    It 'shows items grouped by run with the Size(KB) column' {
        $text = Get-SafetyNetItem -Destination $pair.Destination | Out-String
        $text | Should -Match 'SafetyNet run'
        $text | Should -Match 'Size\(KB\)'
    }

    It 'emits nothing, and no error, for a destination without a SafetyNet' {
        $plain = New-TestTree -Root (Join-Path $TestDrive 'plain') -Files @{ 'a.txt' = 'a' }
        Get-SafetyNetItem -Destination $plain -ErrorVariable problems | Should -BeNullOrEmpty
        $problems | Should -BeNullOrEmpty
    }

    It 'refuses a destination that is not a folder with DestinationNotFound' {
        { Get-SafetyNetItem -Destination (Join-Path $TestDrive 'no-such-folder') } |
            Should -Throw -ErrorId 'DestinationNotFound,PSClone.Commands.GetSafetyNetItemCommand'
    }
}
