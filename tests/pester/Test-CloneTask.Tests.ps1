#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'Test-CloneTask' {
    BeforeEach {
        $store = New-TestTaskStore
    }

    It 'is NeverRun before the first run and Healthy after a successful one' {
        New-TestTask Nightly | Out-Null
        $before = Test-CloneTask Nightly -MaxAge 1d
        $before | Should -BeOfType PSClone.CloneTaskHealth
        $before.Healthy | Should -BeFalse
        $before.Reason | Should -Be 'NeverRun'

        $run = Invoke-CloneTask Nightly
        $after = Test-CloneTask Nightly -MaxAge 1d
        $after.Healthy | Should -BeTrue
        $after.Reason | Should -Be 'Healthy'
        $after.LastSuccess | Should -Be $run.EndTime
        $after.Age | Should -BeLessThan ([timespan]::FromMinutes(1))
        $after.MaxAge | Should -Be ([timespan]::FromDays(1))
    }

    It 'takes 1d, 12h and TimeSpans as -MaxAge, and refuses a number without a unit' {
        New-TestTask Ages | Out-Null
        (Test-CloneTask Ages -MaxAge 1.5d).MaxAge | Should -Be ([timespan]::FromHours(36))
        (Test-CloneTask Ages -MaxAge 12h).MaxAge | Should -Be ([timespan]::FromHours(12))
        (Test-CloneTask Ages -MaxAge ([timespan]'02:00:00')).MaxAge | Should -Be ([timespan]::FromHours(2))
        { Test-CloneTask Ages -MaxAge 1 } | Should -Throw -ErrorId 'ParameterArgumentTransformationError,PSClone.Commands.TestCloneTaskCommand'
    }

    It 'refuses a -MaxAge that is not positive with InvalidMaxAge' {
        New-TestTask Zero | Out-Null
        { Test-CloneTask Zero -MaxAge ([timespan]::Zero) } | Should -Throw -ErrorId 'InvalidMaxAge,PSClone.Commands.TestCloneTaskCommand'
    }

    It 'finds the tasks that are not healthy, in a pipeline' {
        New-TestTask Good | Out-Null
        New-TestTask Never | Out-Null
        $failing = New-TestTask Failing
        Invoke-CloneTask Good, Failing | Out-Null
        Remove-Item -LiteralPath $failing.Source -Recurse
        Invoke-CloneTask Failing -ErrorAction SilentlyContinue | Out-Null

        $unhealthy = @(Get-CloneTask | Test-CloneTask -MaxAge 1d | Where-Object -Not Healthy)
        ($unhealthy | ForEach-Object { "$($_.Name):$($_.Reason)" }) -join ',' | Should -Be 'Failing:LastRunFailed,Never:NeverRun'
    }

    It '-Quiet returns one boolean: true only when every task was found and is healthy' {
        New-TestTask One | Out-Null
        New-TestTask Two | Out-Null
        Test-CloneTask One, Two -MaxAge 1d -Quiet | Should -BeFalse
        Invoke-CloneTask One, Two | Out-Null
        $quiet = @(Test-CloneTask One, Two -MaxAge 1d -Quiet)
        $quiet | Should -HaveCount 1
        $quiet[0] | Should -BeOfType [bool]
        $quiet[0] | Should -BeTrue
        Get-CloneTask | Test-CloneTask -MaxAge 1d -Quiet | Should -BeTrue
        Test-CloneTask One, Missing -MaxAge 1d -Quiet -ErrorAction SilentlyContinue | Should -BeFalse
        Test-CloneTask 'Nothing*' -MaxAge 1d -Quiet | Should -BeFalse
    }

    It 'says when the destination cannot be reached' {
        $task = New-TestTask Gone
        Invoke-CloneTask Gone | Out-Null
        Remove-Item -LiteralPath $task.Destination -Recurse -Force
        (Test-CloneTask Gone -MaxAge 1d).Reason | Should -Be 'DestinationUnreachable'
    }

    It 'reports an unknown task with TaskNotFound' {
        { Test-CloneTask Nope -MaxAge 1d -ErrorAction Stop } | Should -Throw -ErrorId 'TaskNotFound,PSClone.Commands.TestCloneTaskCommand'
    }

    It 'shows the table view' {
        New-TestTask View | Out-Null
        Test-CloneTask View -MaxAge 1d | Format-Table | Out-String | Should -Match 'Name\s+Healthy\s+Reason'
    }
}
