#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')

    function New-ImageWithRuns([string] $Name, [int] $Count) {
        $source = New-TestTree -Root (Join-Path $TestDrive "$Name/src") -Files @{ 'a.txt' = '0' }
        $image = New-TestImage -Name "$Name.psimg"
        foreach ($i in 1..$Count) {
            Set-TestFile -Path (Join-Path $source 'a.txt') -Content ('v' * $i)
            $null = Backup-TestTree -Source $source -Image $image
        }
        $image
    }
}

Describe 'Remove-BackupSnapshot' {
    It 'removes piped snapshots, emits them with -PassThru, and the others still restore' {
        $set = New-TestImageWithSnapshots -Name 'byid'
        $removed = @(Get-BackupSnapshot -Image $set.Image | Select-Object -First 1 | Remove-BackupSnapshot -Confirm:$false -PassThru)
        $removed | Should -HaveCount 1
        $removed[0] | Should -BeOfType PSClone.BackupSnapshot
        $removed[0].Id | Should -Be $set.First
        (Get-BackupSnapshot -Image $set.Image).Id | Should -Be $set.Second
        $target = Join-Path $TestDrive 'byid/restore'
        $null = Restore-BackupImageItem -Image $set.Image -Destination $target
        Get-TreeText -Root $target | Should -Be (Get-TreeText -Root $set.Source)
    }

    It 'takes ids and id prefixes as -Snapshot' {
        $set = New-TestImageWithSnapshots -Name 'prefix'
        Remove-BackupSnapshot -Image $set.Image -Snapshot $set.First.Substring(0, 8) -Confirm:$false | Should -BeNullOrEmpty
        (Get-BackupSnapshot -Image $set.Image).Id | Should -Be $set.Second
    }

    It '-KeepLast keeps the newest snapshots' {
        $image = New-ImageWithRuns -Name 'keep' -Count 4
        $all = @(Get-BackupSnapshot -Image $image)
        $removed = @(Remove-BackupSnapshot -Image $image -KeepLast 2 -KeepDaily 7 -Confirm:$false -PassThru)
        $removed.Id | Should -Be $all[0..1].Id
        (Get-BackupSnapshot -Image $image).Id | Should -Be $all[2..3].Id
    }

    It '-WhatIf removes nothing' {
        $image = New-ImageWithRuns -Name 'whatif' -Count 3
        $before = (Get-FileHash -LiteralPath $image).Hash
        Get-BackupSnapshot -Image $image | Remove-BackupSnapshot -WhatIf | Should -BeNullOrEmpty
        Remove-BackupSnapshot -Image $image -KeepLast 1 -WhatIf | Should -BeNullOrEmpty
        @(Get-BackupSnapshot -Image $image) | Should -HaveCount 3
        (Get-FileHash -LiteralPath $image).Hash | Should -Be $before
    }

    It 'removes the snapshots of several piped images, each from its own image' {
        $one = New-ImageWithRuns -Name 'one' -Count 2
        $two = New-ImageWithRuns -Name 'two' -Count 2
        $oldest = @($one, $two | ForEach-Object { Get-BackupSnapshot -Image $_ | Select-Object -First 1 })
        $removed = @($oldest | Remove-BackupSnapshot -Confirm:$false -PassThru)
        $removed.Id | Join-Sorted | Should -Be ($oldest.Id | Join-Sorted)
        @(Get-BackupSnapshot -Image $one) | Should -HaveCount 1
        @(Get-BackupSnapshot -Image $two) | Should -HaveCount 1
    }

    It 'refuses an unknown snapshot with SnapshotNotFound and removes nothing' {
        $image = New-ImageWithRuns -Name 'unknown' -Count 2
        { Remove-BackupSnapshot -Image $image -Snapshot 'ffffffffffffffff' -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'SnapshotNotFound,PSClone.Commands.RemoveBackupSnapshotCommand'
        @(Get-BackupSnapshot -Image $image) | Should -HaveCount 2
    }

    It 'refuses a negative retention count with InvalidRetention' {
        $image = New-ImageWithRuns -Name 'negative' -Count 1
        { Remove-BackupSnapshot -Image $image -KeepLast -1 -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidRetention,PSClone.Commands.RemoveBackupSnapshotCommand'
    }
}
