#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Unregister-CloneTaskSchedule' {
    BeforeEach {
        $store = New-TestTaskStore
        New-CloneTask Nightly /srv/data /mnt/backup/data | Out-Null
    }

    It 'removes the timer and clears the schedule; the task stays' -Skip:(-not $IsLinux) {
        $scheduler = Use-TestScheduler
        $registration = Register-CloneTaskSchedule Nightly -Hourly -Scheduler Systemd -PassThru -Confirm:$false -WarningAction SilentlyContinue
        $registration.Files.Path | ForEach-Object { $_ | Should -Exist }

        $after = Get-CloneTask Nightly | Unregister-CloneTaskSchedule -PassThru -Confirm:$false

        $registration.Files.Path | ForEach-Object { $_ | Should -Not -Exist }
        Get-Content (Join-Path $scheduler 'calls.log') | Should -Contain 'systemctl --user disable --now psclone-Nightly.timer'
        $after | Should -BeOfType PSClone.CloneTask
        $after.Schedule | Should -BeNullOrEmpty
        (Get-CloneTask Nightly).Id | Should -Be $after.Id
    }

    It 'takes the registration Register-CloneTaskSchedule -PassThru emits' -Skip:(-not $IsLinux) {
        Use-TestScheduler | Out-Null
        Register-CloneTaskSchedule Nightly -Daily -At 03:00 -Scheduler Systemd -PassThru -Confirm:$false -WarningAction SilentlyContinue |
            Unregister-CloneTaskSchedule -Confirm:$false
        (Get-CloneTask Nightly).Schedule | Should -BeNullOrEmpty
    }

    It 'clears a saved schedule that was never registered, without running a scheduler' -Skip:$IsWindows {
        $scheduler = Use-TestScheduler
        $file = Join-Path $TestDrive 'Saved.json'
        Set-Content -LiteralPath $file -Value '{ "schemaVersion": 1, "name": "Saved", "source": "/srv/s", "destination": "/mnt/s", "schedule": { "kind": "Daily", "at": "02:00:00" } }'
        Import-CloneTask $file -Confirm:$false | Out-Null
        Unregister-CloneTaskSchedule Saved -Confirm:$false
        (Get-CloneTask Saved).Schedule | Should -BeNullOrEmpty
        Join-Path $scheduler 'calls.log' | Should -Not -Exist
    }

    It 'leaves a task without a schedule as it is, and -WhatIf changes nothing' {
        $file = Join-Path $store 'tasks/Nightly.json'
        $bytes = [IO.File]::ReadAllBytes($file)
        $out = Unregister-CloneTaskSchedule Nightly -Verbose -Confirm:$false 4>&1
        $out.Message | Should -Be "Task 'Nightly' has no schedule; nothing was changed."
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($file)) | Should -Be ([Convert]::ToBase64String($bytes))
    }

    It 'reports an unknown task with TaskNotFound' {
        { Unregister-CloneTaskSchedule Nope -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'TaskNotFound,PSClone.Commands.UnregisterCloneTaskScheduleCommand'
    }
}
