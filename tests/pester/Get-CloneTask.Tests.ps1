#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Get-CloneTask' {
    BeforeEach {
        $store = New-TestTaskStore
        foreach ($name in 'Weekly', 'Nightly-Photos', 'nightly-docs') { New-CloneTask $name "/srv/$name" "/mnt/$name" | Out-Null }
    }

    It 'emits every task, sorted by name ignoring case' {
        $tasks = @(Get-CloneTask)
        $tasks.Name -join ',' | Should -Be 'nightly-docs,Nightly-Photos,Weekly'
        $tasks | ForEach-Object { $_ | Should -BeOfType PSClone.CloneTask }
    }

    It 'takes wildcards, ignoring case' {
        (Get-CloneTask NIGHTLY*).Name -join ',' | Should -Be 'nightly-docs,Nightly-Photos'
        Get-CloneTask 'Nothing*' | Should -BeNullOrEmpty
    }

    It 'reports a name that matches no task with TaskNotFound, and still emits the others' {
        $found = @(Get-CloneTask Weekly, Monthly -ErrorVariable problems -ErrorAction SilentlyContinue)
        $found.Name | Should -Be 'Weekly'
        $problems[0].FullyQualifiedErrorId | Should -Be 'TaskNotFound,PSClone.Commands.GetCloneTaskCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
        { Get-CloneTask Monthly -ErrorAction Stop } | Should -Throw -ErrorId 'TaskNotFound,PSClone.Commands.GetCloneTaskCommand'
    }

    It 'reports a damaged task file by its path and lists the other tasks' {
        $broken = Join-Path $store 'tasks/Nightly-Mail.json'
        Set-Content -LiteralPath $broken -Value '{ "schemaVersion": 1, "name": "Nightly-Mail", '
        $found = @(Get-CloneTask -ErrorVariable problems -ErrorAction SilentlyContinue)
        $found.Count | Should -Be 3
        $problems[0].FullyQualifiedErrorId | Should -Be 'TaskFileDamaged,PSClone.Commands.GetCloneTaskCommand'
        $problems[0].TargetObject | Should -Be $broken
    }

    It 'finds a task by id, and binds piped names and ids' {
        $weekly = Get-CloneTask Weekly
        (Get-CloneTask -Id $weekly.Id).Name | Should -Be 'Weekly'
        ('Weekly', 'nightly-docs' | Get-CloneTask).Name -join ',' | Should -Be 'Weekly,nightly-docs'
        ([pscustomobject]@{ TaskId = $weekly.Id } | Get-CloneTask).Name | Should -Be 'Weekly'
    }

    It 'emits tasks that know their scope (PSCLONE_HOME is the store of both scopes)' {
        @(Get-CloneTask -Scope AllUsers).Scope | Sort-Object -Unique | Should -Be 'AllUsers'
        @(Get-CloneTask).Scope | Sort-Object -Unique | Should -Be 'CurrentUser'
    }

    It 'shows the table view' {
        $text = Get-CloneTask | Format-Table | Out-String
        $text | Should -Match 'Name\s+Source\s+Destination\s+SafetyNet\s+Schedule'
    }
}
