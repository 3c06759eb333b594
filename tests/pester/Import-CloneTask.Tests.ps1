#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Import-CloneTask' {
    BeforeEach {
        $share = Join-Path $TestDrive ('share-' + [guid]::NewGuid().ToString('N').Substring(0, 6))
        New-Item -ItemType Directory -Path $share | Out-Null
        New-TestTaskStore | Out-Null
        $servers = New-CloneTask Servers /srv /mnt/new -Verify
        New-CloneTask Mail /srv/mail /mnt/mail | Out-Null
        Get-CloneTask | Export-CloneTask -Path $share
        $store = New-TestTaskStore
    }

    It 'adds the task of a file, with the file''s id' {
        $task = Import-CloneTask (Join-Path $share 'Servers.json')
        $task | Should -BeOfType PSClone.CloneTask
        $task.Id | Should -Be $servers.Id
        $task.Verify | Should -BeTrue
        Join-Path $store 'tasks/Servers.json' | Should -Exist
    }

    It 'refuses a name that exists with TaskExists, unless -Force, which keeps the id and history' {
        $current = New-TestTask Servers
        Invoke-CloneTask Servers | Out-Null
        { Import-CloneTask (Join-Path $share 'Servers.json') -ErrorAction Stop } | Should -Throw -ErrorId 'TaskExists,PSClone.Commands.ImportCloneTaskCommand'

        $replaced = Import-CloneTask (Join-Path $share 'Servers.json') -Force -Confirm:$false
        $replaced.Destination | Should -Be '/mnt/new'
        $replaced.Id | Should -Be $current.Id
        $replaced.Created | Should -Be $current.Created
        @(Get-CloneTaskHistory Servers) | Should -HaveCount 1
    }

    It 'imports the files piped from Get-ChildItem, and wildcards' {
        $imported = @(Get-ChildItem -Path (Join-Path $share '*.json') | Import-CloneTask -Scope AllUsers -Force -Confirm:$false)
        ($imported.Name | Sort-Object) -join ',' | Should -Be 'Mail,Servers'
        $imported | ForEach-Object { $_.Scope | Should -Be 'AllUsers' }
        Remove-CloneTask * -Confirm:$false
        (Import-CloneTask (Join-Path $share 'S*.json')).Name | Should -Be 'Servers'
    }

    It 'reads a hand-written file with sizes, ages, comments and a trailing comma' {
        $file = Join-Path $share 'Photos.json'
        Set-Content -LiteralPath $file -Value @'
{
  // written by hand
  "schemaVersion": 1,
  "name": "Photos",
  "source": "/srv/photos",
  "destination": "/mnt/nas/photos",
  "safetyNetMinFree": "50GB",
  "safetyNetMaxAge": "30d",
}
'@
        $task = Import-CloneTask $file
        $task.SafetyNetMinFree | Should -Be 50GB
        $task.SafetyNetMaxAge | Should -Be ([timespan]::FromDays(30))
    }

    It 'refuses <Case> with <ErrorId>' -ForEach @(
        @{ Case = 'a missing file'; ErrorId = 'TaskFileNotReadable'; Content = $null }
        @{ Case = 'a file that is not JSON'; ErrorId = 'TaskFileDamaged'; Content = 'not json' }
        @{ Case = 'an unknown property'; ErrorId = 'TaskFileDamaged'; Content = '{ "schemaVersion": 1, "name": "X", "source": "/a", "destination": "/b", "exlude": [] }' }
        @{ Case = 'a newer schema version'; ErrorId = 'TaskFileNewerVersion'; Content = '{ "schemaVersion": 99, "name": "X", "source": "/a", "destination": "/b" }' }
        @{ Case = 'a relative path'; ErrorId = 'InvalidTaskPath'; Content = '{ "schemaVersion": 1, "name": "X", "source": "a", "destination": "/b" }' }
    ) {
        $file = Join-Path $share 'X.json'
        if ($null -ne $Content) { Set-Content -LiteralPath $file -Value $Content }
        { Import-CloneTask $file -ErrorAction Stop } | Should -Throw -ErrorId "$ErrorId,PSClone.Commands.ImportCloneTaskCommand"
        Get-CloneTask | Should -BeNullOrEmpty
    }

    It '-WhatIf imports nothing' {
        Import-CloneTask (Join-Path $share 'Mail.json') -WhatIf
        Get-CloneTask | Should -BeNullOrEmpty
    }
}
