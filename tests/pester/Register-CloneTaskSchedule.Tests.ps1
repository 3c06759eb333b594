#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Register-CloneTaskSchedule' {
    BeforeEach {
        $store = New-TestTaskStore
        New-CloneTask Nightly /srv/data /mnt/backup/data | Out-Null
    }

    It '-WhatIf writes no file, runs no scheduler command and saves no schedule' -Skip:$IsWindows {
        $scheduler = Use-TestScheduler
        Register-CloneTaskSchedule Nightly -Daily -At 02:00 -Scheduler Systemd -WhatIf | Should -BeNullOrEmpty
        Register-CloneTaskSchedule Nightly -Weekly -DaysOfWeek Monday, Thursday -At 22:30 -Scheduler TaskScheduler -WhatIf
        Register-CloneTaskSchedule Nightly -Interval 6h -Scheduler Launchd -WhatIf
        Join-Path $scheduler 'config/systemd' | Should -Not -Exist
        Join-Path $scheduler 'calls.log' | Should -Not -Exist
        (Get-CloneTask Nightly).Schedule | Should -BeNullOrEmpty
    }

    Context 'with systemd (stand-in systemctl)' -Skip:(-not $IsLinux) {
        BeforeEach {
            $scheduler = Use-TestScheduler
            $units = Join-Path $scheduler 'config/systemd/user'
        }

        It 'writes the service and timer that run this pwsh, and saves the schedule' {
            $registration = Get-CloneTask Nightly |
                Register-CloneTaskSchedule -Daily -At 02:00 -Scheduler Systemd -PassThru -Confirm:$false -WarningAction SilentlyContinue
            $registration | Should -BeOfType PSClone.CloneTaskScheduleRegistration
            $registration.Changed | Should -BeTrue
            $registration.Files.Path -join ',' | Should -Be ((Join-Path $units 'psclone-Nightly.service'), (Join-Path $units 'psclone-Nightly.timer') -join ',')
            $service = Get-Content -Raw -LiteralPath (Join-Path $units 'psclone-Nightly.service')
            $service | Should -BeExactly $registration.Files[0].Content
            $pwsh = Join-Path $PSHOME 'pwsh'
            $service | Should -Match ([regex]::Escape("ExecStart=$pwsh -NoProfile -NonInteractive -Command `""))
            $service | Should -Match ([regex]::Escape("Invoke-CloneTask -Name 'Nightly' -Confirm:`$`$false"))
            $service | Should -Match ([regex]::Escape("Environment=`"PSCLONE_HOME=$store`""))
            Get-Content -Raw -LiteralPath (Join-Path $units 'psclone-Nightly.timer') | Should -Match "OnCalendar=\*-\*-\* 02:00:00\nPersistent=true"
            (Get-Content (Join-Path $scheduler 'calls.log')) -join ';' | Should -Be 'systemctl --user daemon-reload;systemctl --user enable --now psclone-Nightly.timer'
            $saved = (Get-CloneTask Nightly).Schedule
            "$saved" | Should -Be 'Daily at 02:00'
            $saved.Scheduler | Should -Be 'Systemd'
        }

        It 'changes nothing when registered again the same way' {
            Register-CloneTaskSchedule Nightly -Hourly -At 00:15 -Scheduler Systemd -Confirm:$false -WarningAction SilentlyContinue
            $again = Register-CloneTaskSchedule Nightly -Hourly -At 00:15 -Scheduler Systemd -PassThru -Confirm:$false -WarningAction SilentlyContinue
            $again.Changed | Should -BeFalse
            (Get-Content (Join-Path $scheduler 'calls.log')) -join ';' |
                Should -Be 'systemctl --user daemon-reload;systemctl --user enable --now psclone-Nightly.timer;systemctl --user enable --now psclone-Nightly.timer'
            Get-Content -Raw -LiteralPath (Join-Path $units 'psclone-Nightly.timer') | Should -Match 'OnCalendar=\*-\*-\* \*:15:00'
        }

        It 'registers the task''s saved schedule when none is given' {
            $file = Join-Path $TestDrive 'Saved.json'
            Set-Content -LiteralPath $file -Value '{ "schemaVersion": 1, "name": "Saved", "source": "/srv/s", "destination": "/mnt/s", "schedule": { "kind": "Interval", "interval": "01:30:00" } }'
            Import-CloneTask $file -Confirm:$false | Out-Null
            (Register-CloneTaskSchedule Saved -Scheduler Systemd -PassThru -Confirm:$false -WarningAction SilentlyContinue).Schedule.Scheduler | Should -Be 'Systemd'
            Get-Content -Raw -LiteralPath (Join-Path $units 'psclone-Saved.timer') | Should -Match 'OnUnitActiveSec=90min'
        }

        It 'writes a crontab line with -Scheduler Cron' {
            Register-CloneTaskSchedule Nightly -Daily -At 02:00 -Scheduler Cron -Confirm:$false
            Get-Content -Raw -LiteralPath (Join-Path $scheduler 'crontab') | Should -Match '^0 2 \* \* \* PSCLONE_HOME=.*-NonInteractive -Command .* # psclone-task:Nightly\n$'
        }
    }

    It 'refuses <Case> with <ErrorId>' -ForEach @(
        @{ Case = 'a task without a saved schedule'; ErrorId = 'NoSchedule'; Parameters = @{ Name = 'Nightly'; Scheduler = 'Systemd' } }
        @{ Case = 'a time with seconds'; ErrorId = 'InvalidSchedule'; Parameters = @{ Name = 'Nightly'; Daily = $true; At = '02:00:30'; Scheduler = 'Systemd' } }
        @{ Case = 'an interval cron cannot run'; ErrorId = 'InvalidSchedule'; Parameters = @{ Name = 'Nightly'; Interval = '7m'; Scheduler = 'Cron' } }
        @{ Case = 'an unknown task'; ErrorId = 'TaskNotFound'; Parameters = @{ Name = 'Nope'; Daily = $true; At = '02:00' } }
    ) {
        { Register-CloneTaskSchedule @Parameters -WhatIf -ErrorAction Stop } |
            Should -Throw -ErrorId "$ErrorId,PSClone.Commands.RegisterCloneTaskScheduleCommand"
    }

    It 'has one parameter set per kind of schedule, and the saved schedule by default' {
        $command = Get-Command Register-CloneTaskSchedule
        $command.DefaultParameterSet | Should -Be 'Saved'
        ($command.ParameterSets.Name | Sort-Object) -join ',' | Should -Be 'Daily,Hourly,Interval,Saved,Weekly'
        $command.Parameters.DaysOfWeek.ParameterSets.Weekly.IsMandatory | Should -BeTrue
        $command.Parameters.At.ParameterSets.Weekly.IsMandatory | Should -BeTrue
        $command.Parameters.At.ParameterSets.Hourly.IsMandatory | Should -BeFalse
    }

    It 'refuses a scheduler of another platform when registering for real' -Skip:(-not $IsLinux) {
        Use-TestScheduler | Out-Null
        { Register-CloneTaskSchedule Nightly -Daily -At 02:00 -Scheduler Launchd -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'SchedulerNotAvailable,PSClone.Commands.RegisterCloneTaskScheduleCommand'
    }
}
