#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Export-CloneTask' {
    BeforeEach {
        $store = New-TestTaskStore
        $task = New-CloneTask Nightly /srv/data /mnt/backup/data -Verify
        $out = Join-Path $TestDrive ('out-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $out | Out-Null
    }

    It 'writes NAME.json into a folder: the task file, with its id' {
        Export-CloneTask Nightly -Path $out
        $file = Join-Path $out 'Nightly.json'
        $file | Should -Exist
        $json = Get-Content -Raw -LiteralPath $file | ConvertFrom-Json
        $json.schemaVersion | Should -Be 1
        $json.id | Should -Be $task.Id.ToString()
        $json.verify | Should -BeTrue
    }

    It 'writes the file named, and leaves out where the schedule is registered' -Skip:(-not $IsLinux) {
        Use-TestScheduler | Out-Null
        Register-CloneTaskSchedule Nightly -Daily -At 02:00 -Scheduler Systemd -Confirm:$false -WarningAction SilentlyContinue
        $file = Join-Path $out 'nightly-task.json'
        Get-CloneTask Nightly | Export-CloneTask -Path $file
        $schedule = (Get-Content -Raw -LiteralPath $file | ConvertFrom-Json).schedule
        $schedule.kind | Should -Be 'Daily'
        $schedule.scheduler | Should -BeNullOrEmpty
    }

    It '-NoClobber refuses an existing file with TaskExportFileExists and leaves it' {
        New-CloneTask Photos /srv/p /mnt/p | Out-Null
        Set-Content -LiteralPath (Join-Path $out 'Photos.json') -Value 'an older export'
        $exported = @(Get-CloneTask | Export-CloneTask -Path $out -NoClobber -PassThru -ErrorVariable problems -ErrorAction SilentlyContinue)
        $exported.Name | Should -Be 'Nightly'
        $problems[0].FullyQualifiedErrorId | Should -Be 'TaskExportFileExists,PSClone.Commands.ExportCloneTaskCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -Raw -LiteralPath (Join-Path $out 'Photos.json') | Should -Be "an older export$([Environment]::NewLine)"
    }

    It '-PassThru emits the exported task; -WhatIf writes nothing' {
        (Export-CloneTask Nightly -Path $out -PassThru) | Should -BeOfType PSClone.CloneTask
        Export-CloneTask Nightly -Path (Join-Path $out 'whatif.json') -WhatIf
        Join-Path $out 'whatif.json' | Should -Not -Exist
    }

    It 'reports an unknown task with TaskNotFound' {
        { Export-CloneTask Nope -Path $out -ErrorAction Stop } | Should -Throw -ErrorId 'TaskNotFound,PSClone.Commands.ExportCloneTaskCommand'
    }
}
