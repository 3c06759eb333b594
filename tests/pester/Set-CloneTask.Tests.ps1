#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Set-CloneTask' {
    BeforeEach {
        $store = New-TestTaskStore
        $before = New-CloneTask Nightly /srv/data /mnt/backup/data -Verify -Exclude '*.tmp' -MaxDelete 100 -RunAfter Report -RunAfterAlways Unmount
        $file = Join-Path $store 'tasks/Nightly.json'
    }

    It 'changes only the options given' {
        $after = Set-CloneTask Nightly -Checksum -Exclude '*.iso' -PassThru
        $after.Checksum | Should -BeTrue
        $after.Exclude -join ',' | Should -Be '*.iso'
        $after.Verify | Should -BeTrue
        $after.MaxDelete | Should -Be 100
        $after.Id | Should -Be $before.Id
        $after.Created | Should -Be $before.Created
        $after.Modified | Should -BeGreaterThan $before.Modified
    }

    It 'turns a switch off with -Switch:$false and removes a limit with $null' {
        $after = Set-CloneTask Nightly -Verify:$false -MaxDelete $null -SafetyNetMinFree $null -PassThru
        $after.Verify | Should -BeFalse
        $after.MaxDelete | Should -BeNullOrEmpty
        $after.SafetyNetMinFree | Should -BeNullOrEmpty
        (Get-Content -Raw -LiteralPath $file | ConvertFrom-Json).maxDelete | Should -BeNullOrEmpty
    }

    It 'writes nothing when the task already has the options' {
        $time = [datetime]::new(2021, 6, 1, 0, 0, 0, 'Utc')
        [IO.File]::SetLastWriteTimeUtc($file, $time)
        $bytes = [IO.File]::ReadAllBytes($file)
        $out = Set-CloneTask Nightly -Verify -Destination /mnt/backup/data/ -PassThru -Verbose 4>&1
        ($out | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] }).Message |
            Should -Be "Task 'Nightly' already has these settings; nothing was written."
        ($out | Where-Object { $_ -is [PSClone.CloneTask] }).Modified | Should -Be $before.Modified
        [IO.File]::GetLastWriteTimeUtc($file) | Should -Be $time
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($file)) | Should -Be ([Convert]::ToBase64String($bytes))
    }

    It 'replaces only the links of the kind given' {
        $after = Set-CloneTask Nightly -RunAfter Mail, Report -PassThru
        ($after.RunAfter | ForEach-Object { "$($_.Task):$($_.When)" }) -join ',' | Should -Be 'Mail:Success,Report:Success,Unmount:Always'
        $after = Set-CloneTask Nightly -RunAfterAlways @() -PassThru
        ($after.RunAfter | ForEach-Object { "$($_.Task):$($_.When)" }) -join ',' | Should -Be 'Mail:Success,Report:Success'
    }

    It 'adds, changes and removes the webhook' {
        (Set-CloneTask Nightly -Webhook http://127.0.0.1:9/h -PassThru).Notification.On | Should -Be 'Failure'
        (Set-CloneTask Nightly -WebhookOn Always -PassThru).Notification.Webhook | Should -Be 'http://127.0.0.1:9/h'
        (Set-CloneTask Nightly -Webhook $null -PassThru).Notification | Should -BeNullOrEmpty
    }

    It 'changes every piped task' {
        New-CloneTask Nightly-Photos /srv/p /mnt/p | Out-Null
        New-CloneTask Weekly /srv/w /mnt/w | Out-Null
        Get-CloneTask Nightly* | Set-CloneTask -SafetyNetMaxAge 30d
        (Get-CloneTask | ForEach-Object { "$($_.Name)=$($_.SafetyNetMaxAge)" }) -join ',' |
            Should -Be 'Nightly=30.00:00:00,Nightly-Photos=30.00:00:00,Weekly='
    }

    It '-WhatIf changes nothing' {
        $bytes = [IO.File]::ReadAllBytes($file)
        Set-CloneTask Nightly -Checksum -WhatIf
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($file)) | Should -Be ([Convert]::ToBase64String($bytes))
    }

    It 'refuses <Case> with <ErrorId> and writes nothing' -ForEach @(
        @{ Case = 'an unknown task'; ErrorId = 'TaskNotFound'; Parameters = @{ Name = 'Nope'; Verify = $true } }
        @{ Case = 'a webhook that is not http'; ErrorId = 'InvalidWebhook'; Parameters = @{ Name = 'Nightly'; Webhook = 'ftp://x/y' } }
        @{ Case = 'a cycle'; ErrorId = 'RunAfterCycle'; Parameters = @{ Name = 'Nightly'; RunAfter = 'Nightly' } }
    ) {
        $bytes = [IO.File]::ReadAllBytes($file)
        { Set-CloneTask @Parameters -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,PSClone.Commands.SetCloneTaskCommand"
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($file)) | Should -Be ([Convert]::ToBase64String($bytes))
    }
}
