#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Get-CloneTaskHistory' {
    BeforeAll {
        $store = New-TestTaskStore
        $docs = New-TestTask Docs
        $photos = New-TestTask Photos
        $runs = @(
            Invoke-CloneTask Docs
            Invoke-CloneTask Photos
            Invoke-CloneTask Docs
        )
        Remove-Item -LiteralPath $photos.Source -Recurse
        $failed = Invoke-CloneTask Photos -ErrorAction SilentlyContinue
    }

    It 'lists the runs of every task as one timeline, oldest first' {
        $history = @(Get-CloneTaskHistory)
        $history | Should -HaveCount 4
        $history | ForEach-Object { $_ | Should -BeOfType PSClone.CloneTaskRun }
        ($history.TaskName) -join ',' | Should -Be 'Docs,Photos,Docs,Photos'
        $history.RunId -join ',' | Should -Be ((@($runs) + $failed).RunId -join ',')
    }

    It '-Last keeps the newest runs, after -Status and -After' {
        (Get-CloneTaskHistory -Last 1).RunId | Should -Be $failed.RunId
        (Get-CloneTaskHistory Docs -Last 1).RunId | Should -Be $runs[2].RunId
        (Get-CloneTaskHistory -Status Success -Last 1).RunId | Should -Be $runs[2].RunId
        @(Get-CloneTaskHistory -Status Failed, Canceled).RunId | Should -Be $failed.RunId
        @(Get-CloneTaskHistory -After $runs[1].StartTime.LocalDateTime).Count | Should -Be 2
        Get-CloneTaskHistory -After (Get-Date).AddMinutes(5) | Should -BeNullOrEmpty
    }

    It 'takes piped tasks, each on its own' {
        $last = @(Get-CloneTask | Get-CloneTaskHistory -Last 1)
        ($last | ForEach-Object { "$($_.TaskName):$($_.Status)" }) -join ',' | Should -Be 'Docs:Success,Photos:Failed'
        @(Get-CloneTask | Get-CloneTaskHistory | Where-Object Status -EQ Failed).TaskName | Should -Be 'Photos'
    }

    It 'names each run''s audit log, one line per item with the reason' {
        $run = Get-CloneTaskHistory Docs -Last 2 | Select-Object -First 1
        $lines = Import-Csv -LiteralPath $run.LogPath -Delimiter "`t" -Header Time, Kind, Path, Detail
        ($lines | Where-Object Kind -EQ Copied | ForEach-Object { "$($_.Path) $($_.Detail)" }) | Join-Sorted |
            Should -Be 'a.txt New,docs/ New,docs/b.txt New'
        ($lines | Where-Object Kind -EQ Status).Detail | Should -BeLike 'Success (exit code 0)*'
    }

    It 'reports an unknown task with TaskNotFound' {
        { Get-CloneTaskHistory Nope -ErrorAction Stop } | Should -Throw -ErrorId 'TaskNotFound,PSClone.Commands.GetCloneTaskHistoryCommand'
    }

    It 'refuses -Last 0 while binding' {
        { Get-CloneTaskHistory -Last 0 } | Should -Throw -ErrorId 'ParameterArgumentValidationError,PSClone.Commands.GetCloneTaskHistoryCommand'
    }
}
