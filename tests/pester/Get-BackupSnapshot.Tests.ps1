#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
    $set = New-TestImageWithSnapshots -Name 'snapshots'
}

Describe 'Get-BackupSnapshot' {
    It 'lists the snapshots oldest first' {
        $snapshots = @(Get-BackupSnapshot -Image $set.Image)
        $snapshots | Should -HaveCount 2
        $snapshots | ForEach-Object { $_ | Should -BeOfType PSClone.BackupSnapshot }
        $snapshots.Id | Should -Be @($set.First, $set.Second)
        $snapshots[0].Time | Should -BeLessOrEqual $snapshots[1].Time
        $snapshots[0].Source | Should -Be $set.Source
        $snapshots[0].Files | Should -Be 4
        $snapshots[1].Files | Should -Be 5
        $snapshots[0].Kind | Should -Be 'Files'
    }

    It 'gets the latest snapshot by -Snapshot latest, an id prefix, or the end of the list' {
        (Get-BackupSnapshot -Image $set.Image -Snapshot latest).Id | Should -Be $set.Second
        (Get-BackupSnapshot -Image $set.Image | Select-Object -Last 1).Id | Should -Be $set.Second
        (Get-BackupSnapshot -Image $set.Image -Snapshot $set.First.Substring(0, 6)).Id | Should -Be $set.First
    }

    It 'takes the image from Get-BackupImage and a snapshot object as -Snapshot' {
        (Get-BackupImage -Image $set.Image | Get-BackupSnapshot).Id | Should -Be @($set.First, $set.Second)
        $first = Get-BackupSnapshot -Image $set.Image | Select-Object -First 1
        (Get-BackupSnapshot -Image $set.Image -Snapshot $first).Id | Should -Be $set.First
    }

    It 'a second run over unchanged files adds almost nothing' {
        $source = New-TestTree -Root (Join-Path $TestDrive 'same/src') -Files @{ 'a.txt' = 'x' * 100000 }
        $image = New-TestImage -Name 'same.psimg'
        $null = Backup-TestTree -Source $source -Image $image
        $null = Backup-TestTree -Source $source -Image $image
        $snapshots = @(Get-BackupSnapshot -Image $image)
        $snapshots[1].Bytes | Should -Be $snapshots[0].Bytes
        $snapshots[1].AddedBytes | Should -BeLessThan 4096
    }

    It 'refuses an unknown snapshot with SnapshotNotFound' {
        { Get-BackupSnapshot -Image $set.Image -Snapshot 'ffffffffffffffff' -ErrorAction Stop } |
            Should -Throw -ErrorId 'SnapshotNotFound,PSClone.Commands.GetBackupSnapshotCommand'
    }

    It 'refuses a missing image with ImageNotFound' {
        { Get-BackupSnapshot -Image (Join-Path $TestDrive 'none.psimg') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,PSClone.Commands.GetBackupSnapshotCommand'
    }
}
