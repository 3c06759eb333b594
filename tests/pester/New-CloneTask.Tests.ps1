#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'New-CloneTask' {
    BeforeEach {
        $store = New-TestTaskStore
    }

    It 'saves one schema-versioned JSON file and emits the task' {
        $src = New-TestTree -Root (Join-Path $TestDrive 'new/src') -Files @{ 'a.txt' = 'a' }
        $task = New-CloneTask -Name Nightly -Source $src -Destination (Join-Path $TestDrive 'new/dst') -Exclude '*.tmp', 'cache/' -Verify

        $task | Should -BeOfType PSClone.CloneTask
        $task.Scope | Should -Be 'CurrentUser'
        $task.Id | Should -Not -Be ([guid]::Empty)
        $file = Join-Path $store 'tasks/Nightly.json'
        $file | Should -Exist
        (Get-Content -LiteralPath $file -TotalCount 2)[1].Trim() | Should -Be '"schemaVersion": 1,'
        $json = Get-Content -Raw -LiteralPath $file | ConvertFrom-Json
        $json.name | Should -Be 'Nightly'
        $json.exclude -join ',' | Should -Be '*.tmp,cache/'
        $json.verify | Should -BeTrue
        $json.safetyNet | Should -Be 'On'
    }

    It 'saves relative paths as absolute paths, without a trailing separator' {
        Push-Location $TestDrive
        try {
            $task = New-CloneTask Rel ./rel-src/ ./rel-dst
        }
        finally {
            Pop-Location
        }
        $task.Source | Should -Be (Join-Path $TestDrive 'rel-src')
        $task.Destination | Should -Be (Join-Path $TestDrive 'rel-dst')
    }

    It 'takes ages as psclone writes them, 1d unquoted too' {
        $task = New-CloneTask Ages /srv/a /mnt/a -SafetyNetMaxAge 30d -ScriptTimeout 2h -RetryDelay '0.5s' -WebhookTimeout 30s -Webhook http://127.0.0.1:9/hook
        $task.SafetyNetMaxAge | Should -Be ([timespan]::FromDays(30))
        $task.ScriptTimeout | Should -Be ([timespan]::FromHours(2))
        $task.RetryDelay | Should -Be ([timespan]::FromSeconds(0.5))
        $task.Notification.Timeout | Should -Be ([timespan]::FromSeconds(30))
        $task.Notification.On | Should -Be 'Failure'
    }

    It 'refuses an age without a unit while binding' {
        { New-CloneTask NoUnit /srv/a /mnt/a -SafetyNetMaxAge 30 } |
            Should -Throw -ErrorId 'ParameterArgumentTransformationError,PSClone.Commands.NewCloneTaskCommand'
    }

    It 'saves the task options: chains, scripts, webhook, retention' {
        $pre = Join-Path $TestDrive 'pre.sh'
        $task = New-CloneTask Full /srv/a /mnt/a -RunAfter Report, Mail -RunAfterAlways Unmount -PreScript $pre `
            -Webhook https://hooks.example.com/x -WebhookOn Always -KeepLast 7 -KeepMonthly 12 -Description 'the full one'
        ($task.RunAfter | ForEach-Object { "$($_.Task):$($_.When)" }) -join ',' | Should -Be 'Report:Success,Mail:Success,Unmount:Always'
        $task.PreScript | Should -Be $pre
        $task.Notification.Webhook | Should -Be 'https://hooks.example.com/x'
        $task.Notification.On | Should -Be 'Always'
        $task.Retention.KeepLast | Should -Be 7
        $task.Retention.KeepMonthly | Should -Be 12
        $task.Retention.KeepDaily | Should -BeNullOrEmpty
        $task.Description | Should -Be 'the full one'
    }

    It 'refuses a name that is taken, ignoring case, with TaskExists' {
        New-CloneTask Nightly /srv/a /mnt/a | Out-Null
        { New-CloneTask nightly /srv/b /mnt/b -ErrorAction Stop } | Should -Throw -ErrorId 'TaskExists,PSClone.Commands.NewCloneTaskCommand'
        (Get-CloneTask).Count | Should -Be 1
    }

    It 'refuses <Case> with <ErrorId>' -ForEach @(
        @{ Case = 'a name with a space'; ErrorId = 'InvalidTaskName'; Parameters = @{ Name = 'bad name' } }
        @{ Case = 'a webhook that is not http'; ErrorId = 'InvalidWebhook'; Parameters = @{ Webhook = 'ftp://x/y' } }
        @{ Case = '-WebhookOn without a webhook'; ErrorId = 'InvalidWebhook'; Parameters = @{ WebhookOn = 'Always' } }
        @{ Case = 'a retention count of 0'; ErrorId = 'InvalidRetention'; Parameters = @{ KeepLast = 0 } }
        @{ Case = 'a negative -MaxDelete'; ErrorId = 'InvalidMaxDelete'; Parameters = @{ MaxDelete = -1 } }
        @{ Case = 'a task that runs after itself'; ErrorId = 'RunAfterCycle'; Parameters = @{ RunAfter = 'T' } }
    ) {
        $arguments = @{ Name = 'T'; Source = '/srv/a'; Destination = '/mnt/a' }
        foreach ($key in $Parameters.Keys) { $arguments[$key] = $Parameters[$key] }
        { New-CloneTask @arguments -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,PSClone.Commands.NewCloneTaskCommand"
        Join-Path $store 'tasks' | Get-ChildItem -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'creates one task per piped row; a duplicate row is an error and the others are created' {
        $rows = @(
            [pscustomobject]@{ Name = 'Docs'; Source = '/srv/docs'; Destination = '/mnt/docs' }
            [pscustomobject]@{ Name = 'docs'; Source = '/srv/docs2'; Destination = '/mnt/docs2' }
            [pscustomobject]@{ Name = 'Mail'; Source = '/srv/mail'; Destination = '/mnt/mail' }
        )
        $created = @($rows | New-CloneTask -SafetyNet Off -Scope AllUsers -ErrorVariable problems -ErrorAction SilentlyContinue)
        $created.Name -join ',' | Should -Be 'Docs,Mail'
        $created | ForEach-Object { $_.Scope | Should -Be 'AllUsers'; $_.SafetyNet | Should -Be 'Off' }
        $problems.Count | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'TaskExists,PSClone.Commands.NewCloneTaskCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ResourceExists'
    }

    It '-WhatIf writes nothing' {
        New-CloneTask WhatIf /srv/a /mnt/a -WhatIf | Should -BeNullOrEmpty
        Join-Path $store 'tasks/WhatIf.json' | Should -Not -Exist
    }

    It 'has the same clone options as Invoke-Clone, with the same types' {
        $new = (Get-Command New-CloneTask).Parameters
        foreach ($p in (Get-Command Invoke-Clone).Parameters.Values | Where-Object Name -notin 'Source', 'Destination', 'PassThru') {
            if ($p.Name -in [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters) { continue }
            $new[$p.Name].ParameterType | Should -Be $p.ParameterType -Because "-$($p.Name)"
        }
    }
}
