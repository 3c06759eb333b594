#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Remove-CloneTask' {
    BeforeEach {
        $store = New-TestTaskStore
    }

    It 'has ConfirmImpact High, so scripts must pass -Confirm:$false' {
        $attribute = (Get-Command Remove-CloneTask).ImplementingType.GetCustomAttributes([System.Management.Automation.CmdletAttribute], $true)
        $attribute[0].ConfirmImpact | Should -Be 'High'
        $attribute[0].SupportsShouldProcess | Should -BeTrue
    }

    It 'removes the task with its history and logs, and leaves the clone' {
        $task = New-TestTask Old-Laptop
        $run = Invoke-CloneTask Old-Laptop -Confirm:$false
        $run.LogPath | Should -Exist
        $history = Join-Path $store "history/$($task.Id).jsonl"
        $history | Should -Exist

        Remove-CloneTask Old-Laptop -Confirm:$false

        Join-Path $store 'tasks/Old-Laptop.json' | Should -Not -Exist
        $history | Should -Not -Exist
        Join-Path $store 'logs/Old-Laptop' | Should -Not -Exist
        Join-Path $task.Destination 'a.txt' | Should -Exist
    }

    It 'removes piped tasks and wildcard matches; -PassThru emits them' {
        foreach ($name in 'Nightly-Docs', 'Nightly-Photos', 'Weekly') { New-CloneTask $name "/srv/$name" "/mnt/$name" | Out-Null }
        $removed = @(Get-CloneTask Nightly-Docs | Remove-CloneTask -PassThru -Confirm:$false)
        $removed.Name | Should -Be 'Nightly-Docs'
        $removed[0] | Should -BeOfType PSClone.CloneTask
        Remove-CloneTask 'nightly*' -Confirm:$false
        (Get-CloneTask).Name | Should -Be 'Weekly'
    }

    It 'removes a damaged task file by name' {
        New-CloneTask Good /srv/g /mnt/g | Out-Null
        Set-Content -LiteralPath (Join-Path $store 'tasks/Broken.json') -Value 'not json'
        Remove-CloneTask Broken -Confirm:$false
        Join-Path $store 'tasks/Broken.json' | Should -Not -Exist
        Get-CloneTask -ErrorVariable problems | Out-Null
        $problems | Should -BeNullOrEmpty
    }

    It '-WhatIf removes nothing' {
        New-CloneTask Keep /srv/k /mnt/k | Out-Null
        Remove-CloneTask Keep -WhatIf
        Join-Path $store 'tasks/Keep.json' | Should -Exist
    }

    It 'reports an unknown name with TaskNotFound' {
        { Remove-CloneTask Nope -Confirm:$false -ErrorAction Stop } | Should -Throw -ErrorId 'TaskNotFound,PSClone.Commands.RemoveCloneTaskCommand'
    }

    It 'unregisters a scheduled task first' -Skip:(-not $IsLinux) {
        $scheduler = Use-TestScheduler
        New-CloneTask Nightly /srv/n /mnt/n | Out-Null
        Register-CloneTaskSchedule Nightly -Daily -At 02:00 -Scheduler Systemd -Confirm:$false -WarningAction SilentlyContinue
        $timer = Join-Path $scheduler 'config/systemd/user/psclone-Nightly.timer'
        $timer | Should -Exist

        Remove-CloneTask Nightly -Confirm:$false

        $timer | Should -Not -Exist
        Get-Content (Join-Path $scheduler 'calls.log') | Should -Contain 'systemctl --user disable --now psclone-Nightly.timer'
    }
}
