#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Invoke-CloneTask' {
    BeforeEach {
        $store = New-TestTaskStore
    }

    It 'runs the task, emits one CloneTaskRun and records it' {
        $task = New-TestTask Nightly
        $runs = @(Invoke-CloneTask Nightly)
        $runs | Should -HaveCount 1
        $runs[0] | Should -BeOfType PSClone.CloneTaskRun
        $runs[0].Status | Should -Be 'Success'
        $runs[0].ExitCode | Should -Be 0
        $runs[0].ItemsCopied | Should -Be 3
        Get-TreeText -Root $task.Destination -SkipReserved | Should -Be (Get-TreeText -Root $task.Source)
        (Get-CloneTaskHistory Nightly).RunId | Should -Be $runs[0].RunId
    }

    It 'runs piped tasks and the tasks chained after them; -NoChain runs one' {
        New-TestTask Report | Out-Null
        New-TestTask Nightly-Docs -With @{ RunAfter = 'Report' } | Out-Null
        New-TestTask Nightly-Photos | Out-Null
        $runs = @(Get-CloneTask Nightly* | Invoke-CloneTask -Confirm:$false)
        ($runs | ForEach-Object { "$($_.TaskName)<$($_.TriggeredBy)" }) -join ',' | Should -Be 'Nightly-Docs<,Report<Nightly-Docs,Nightly-Photos<'
        @(Invoke-CloneTask Nightly-Docs -NoChain).TaskName | Should -Be 'Nightly-Docs'
    }

    It 'runs a task by id, and the unhealthy ones piped from Test-CloneTask' {
        $task = New-TestTask ById
        (Invoke-CloneTask -Id $task.Id).TaskName | Should -Be 'ById'
        New-TestTask NeverRun | Out-Null
        $runs = @(Get-CloneTask | Test-CloneTask -MaxAge 1d | Where-Object -Not Healthy | Invoke-CloneTask -Confirm:$false)
        $runs.TaskName | Should -Be 'NeverRun'
    }

    It '-PassThru emits the changed items before the run' {
        New-TestTask Items | Out-Null
        $out = @(Invoke-CloneTask Items -PassThru)
        $out | Should -HaveCount 4
        $out[0..2] | ForEach-Object { $_ | Should -BeOfType PSClone.CloneItemResult }
        $out[3] | Should -BeOfType PSClone.CloneTaskRun
    }

    It '-WhatIf plans the clone, and runs and records nothing' {
        $task = New-TestTask Preview
        $plan = @(Invoke-CloneTask Preview -WhatIf -PassThru)
        ($plan | ForEach-Object { "$($_.Action) $($_.RelativePath)" }) | Join-Sorted | Should -Be 'Copied a.txt,Copied docs,Copied docs/b.txt'
        $task.Destination | Should -Not -Exist
        Get-CloneTaskHistory Preview | Should -BeNullOrEmpty
    }

    It 'writes a failed run as an error and still emits and records it' {
        New-CloneTask Usb (Join-Path $TestDrive 'not-mounted') (Join-Path $TestDrive 'usb-backup') | Out-Null
        $runs = @(Invoke-CloneTask Usb -ErrorVariable failed -ErrorAction SilentlyContinue)
        $runs[0].Status | Should -Be 'Failed'
        $runs[0].ErrorId | Should -Be 'SourceNotFound'
        $runs[0].ExitCode | Should -Be 2
        $failed[0].FullyQualifiedErrorId | Should -Be 'SourceNotFound,PSClone.Commands.InvokeCloneTaskCommand'
        $failed[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        (Get-CloneTaskHistory Usb).Status | Should -Be 'Failed'
    }

    It 'reports an unknown task with TaskNotFound' {
        { Invoke-CloneTask Nope -ErrorAction Stop } | Should -Throw -ErrorId 'TaskNotFound,PSClone.Commands.InvokeCloneTaskCommand'
    }

    It 'shows runs with the table view' {
        New-TestTask View | Out-Null
        Invoke-CloneTask View | Format-Table | Out-String | Should -Match 'Copied\(MB\)'
    }
}
