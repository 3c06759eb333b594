#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
    $set = New-TestImageWithSnapshots -Name 'items'
}

Describe 'Get-BackupImageItem' {
    It 'lists the root of the latest snapshot as BackupImageEntry objects' {
        $items = @(Get-BackupImageItem -Image $set.Image)
        $items | ForEach-Object { $_ | Should -BeOfType PSClone.BackupImageEntry }
        $items.Path | Join-Sorted | Should -Be ('Letters', 'a.txt', 'new.txt' | Join-Sorted)
        ($items | Where-Object Name -eq 'Letters').ItemType | Should -Be 'Directory'
        $items[0].SnapshotId | Should -Be $set.Second
        $items[0].RelativePath | Should -Be $items[0].Path
    }

    It 'finds documents at any depth with -Recurse only' {
        (Get-BackupImageItem -Image $set.Image -Path '*.docx' -Recurse).Path | Join-Sorted |
            Should -Be ('Letters/offer.docx', 'Letters/2025/old.docx' | Join-Sorted)
        Get-BackupImageItem -Image $set.Image -Path '*.docx' | Should -BeNullOrEmpty
    }

    It 'lists a folder, and everything below it with -Recurse' {
        (Get-BackupImageItem -Image $set.Image -Path Letters).Path | Join-Sorted |
            Should -Be ('Letters/2025', 'Letters/list.txt', 'Letters/offer.docx' | Join-Sorted)
        @(Get-BackupImageItem -Image $set.Image -Path Letters -Recurse) | Should -HaveCount 4
    }

    It 'shows a file as it was in a piped older snapshot' {
        $first = Get-BackupSnapshot -Image $set.Image | Select-Object -First 1
        $old = $first | Get-BackupImageItem -Path Letters/offer.docx
        $old.Size | Should -Be 8
        $old.SnapshotId | Should -Be $set.First
        (Get-BackupImageItem -Image $set.Image -Path Letters/offer.docx).Size | Should -Be 16
        { $first | Get-BackupImageItem -Path new.txt -ErrorAction Stop } | Should -Throw -ErrorId 'ImagePathNotFound,PSClone.Commands.GetBackupImageItemCommand'
    }

    It 'refuses a missing path with ImagePathNotFound' {
        { Get-BackupImageItem -Image $set.Image -Path Letters/missing.docx -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImagePathNotFound,PSClone.Commands.GetBackupImageItemCommand'
    }

    It 'refuses an unknown snapshot with SnapshotNotFound' {
        { Get-BackupImageItem -Image $set.Image -Snapshot 'ffffffff' -ErrorAction Stop } |
            Should -Throw -ErrorId 'SnapshotNotFound,PSClone.Commands.GetBackupImageItemCommand'
    }
}
