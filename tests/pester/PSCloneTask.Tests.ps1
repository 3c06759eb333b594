#Requires -Version 7.4
# The class-based DSC resource PSCloneTask (module/PSClone.Dsc.psm1, a nested module of PSClone):
# Get, Test and Set, idempotent. The class is created in the nested module's scope, where it is
# defined; its methods call the task cmdlets. With PSCLONE_HOME set, its default scope (AllUsers)
# uses the test's store.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    $dscModule = (Get-Module PSClone).NestedModules | Where-Object Name -EQ 'PSClone.Dsc'

    function New-Resource([hashtable] $Properties) {
        $resource = & $dscModule { [PSCloneTask]::new() }
        foreach ($key in $Properties.Keys) { $resource.$key = $Properties[$key] }
        $resource
    }
}

AfterAll {
    Restore-TestEnvironment
}

Describe 'PSCloneTask (class-based DSC resource)' {
    BeforeEach {
        $store = New-TestTaskStore
        $file = Join-Path $store 'tasks/Nightly.json'
        $desired = @{
            Name = 'Nightly'; Source = '/srv/data'; Destination = '/mnt/backup/data/'
            Exclude = @('*.tmp', 'cache/'); Verify = $true; SafetyNetMaxAge = '30d'; SafetyNetMinFree = 10GB
            RunAfterAlways = @('Report')
        }
    }

    It 'is exported by the module' {
        (Get-Module PSClone).ExportedDscResources | Should -Contain 'PSCloneTask'
        $dscModule | Should -Not -BeNullOrEmpty
    }

    It 'Get says Absent, and Test is false, before the task exists' {
        $state = (New-Resource $desired).Get()
        $state.Ensure | Should -Be 'Absent'
        $state.Name | Should -Be 'Nightly'
        (New-Resource $desired).Test() | Should -BeFalse
    }

    It 'Set creates the task; Get and Test then agree' {
        (New-Resource $desired).Set()
        $file | Should -Exist
        $task = Get-CloneTask Nightly -Scope AllUsers
        $task.Destination | Should -Be '/mnt/backup/data'
        $task.Exclude -join ',' | Should -Be '*.tmp,cache/'
        $task.SafetyNetMaxAge | Should -Be ([timespan]::FromDays(30))
        $task.SafetyNetMinFree | Should -Be 10GB
        $task.Verify | Should -BeTrue
        ($task.RunAfter | ForEach-Object { "$($_.Task):$($_.When)" }) | Should -Be 'Report:Always'

        (New-Resource $desired).Test() | Should -BeTrue
        $state = (New-Resource $desired).Get()
        $state.Ensure | Should -Be 'Present'
        $state.Verify | Should -BeTrue
        $state.RunAfterAlways | Should -Be 'Report'
        $state.Schedule | Should -Be 'None'
    }

    It 'a second Set writes nothing' {
        (New-Resource $desired).Set()
        $time = [datetime]::new(2021, 6, 1, 0, 0, 0, 'Utc')
        [IO.File]::SetLastWriteTimeUtc($file, $time)
        $bytes = [IO.File]::ReadAllBytes($file)
        (New-Resource $desired).Set()
        [Convert]::ToBase64String([IO.File]::ReadAllBytes($file)) | Should -Be ([Convert]::ToBase64String($bytes))
        [IO.File]::GetLastWriteTimeUtc($file) | Should -Be $time
    }

    It 'enforces only the properties it sets, and a change is seen, set, and then in desired state' {
        (New-Resource $desired).Set()
        (New-Resource @{ Name = 'Nightly'; Verify = $true }).Test() | Should -BeTrue
        $changed = $desired.Clone()
        $changed.Checksum = $true
        $changed.Exclude = @('*.bak')
        (New-Resource $changed).Test() | Should -BeFalse
        (New-Resource $changed).Set()
        (New-Resource $changed).Test() | Should -BeTrue
        $task = Get-CloneTask Nightly
        $task.Checksum | Should -BeTrue
        $task.Exclude -join ',' | Should -Be '*.bak'
        $task.Verify | Should -BeTrue
    }

    It 'Ensure Absent removes the task, once' {
        (New-Resource $desired).Set()
        $absent = @{ Name = 'Nightly'; Ensure = 'Absent' }
        (New-Resource $absent).Test() | Should -BeFalse
        (New-Resource $absent).Set()
        $file | Should -Not -Exist
        (New-Resource $absent).Test() | Should -BeTrue
        { (New-Resource $absent).Set() } | Should -Not -Throw
    }

    It 'refuses to create a task without Source and Destination' {
        { (New-Resource @{ Name = 'Incomplete' }).Set() } | Should -Throw '*set Source and Destination*'
    }

    It 'registers its schedule once, and None removes it' -Skip:(-not $IsLinux) {
        $scheduler = Use-TestScheduler
        # Registration picks systemd where it is the init system, else cron: both are stood in for.
        $scheduled = $desired.Clone()
        $scheduled.Scope = 'CurrentUser'
        $scheduled.Schedule = 'Daily'
        $scheduled.At = '02:30'
        (New-Resource $scheduled).Test() | Should -BeFalse
        (New-Resource $scheduled).Set()
        $task = Get-CloneTask Nightly
        "$($task.Schedule)" | Should -Be 'Daily at 02:30'
        $task.Schedule.Scheduler | Should -Not -BeNullOrEmpty
        (New-Resource $scheduled).Test() | Should -BeTrue
        $calls = @(Get-Content (Join-Path $scheduler 'calls.log')).Count

        (New-Resource $scheduled).Set()
        @(Get-Content (Join-Path $scheduler 'calls.log')).Count | Should -Be $calls

        $scheduled.Schedule = 'None'
        (New-Resource $scheduled).Set()
        (Get-CloneTask Nightly).Schedule | Should -BeNullOrEmpty
        (New-Resource $scheduled).Test() | Should -BeTrue
    }

    It 'works through Invoke-DscResource where PSDesiredStateConfiguration 2 is installed' {
        $psdsc = Get-Module -ListAvailable PSDesiredStateConfiguration | Where-Object { $_.Version.Major -ge 2 } | Select-Object -First 1
        if (-not $psdsc) {
            Set-ItResult -Skipped -Because 'PSDesiredStateConfiguration 2.x is not installed (Install-PSResource PSDesiredStateConfiguration)'
            return
        }
        Import-Module $psdsc
        # Invoke-DscResource finds modules on PSModulePath: put the built module's folder (out/) first.
        $modulePath = $env:PSModulePath
        $env:PSModulePath = (Split-Path (Split-Path (Split-Path $PSCloneManifest))) + [IO.Path]::PathSeparator + $modulePath
        try {
            $resource = @{ Name = 'PSCloneTask'; ModuleName = @{ ModuleName = 'PSClone'; ModuleVersion = $PSCloneVersion }; Property = $desired }
            (Invoke-DscResource @resource -Method Test).InDesiredState | Should -BeFalse
            Invoke-DscResource @resource -Method Set | Out-Null
            (Invoke-DscResource @resource -Method Test).InDesiredState | Should -BeTrue
        }
        finally {
            $env:PSModulePath = $modulePath
        }
    }
}
