#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
}

Describe 'Mount-BackupImage' {
    AfterEach {
        Get-PSDrive -PSProvider BackupImage -ErrorAction SilentlyContinue | Remove-PSDrive -Force -ErrorAction SilentlyContinue
    }

    It 'shows the latest snapshot at the drive root: Get-ChildItem -Recurse, Get-Content' {
        $set = New-TestImageWithSnapshots -Name 'latest'
        $drive = Mount-BackupImage -Image $set.Image -Name bk
        $drive | Should -BeOfType PSClone.BackupImageDrive
        $drive.Name | Should -Be 'bk'
        $drive.SnapshotId | Should -Be $set.Second
        (Get-PSDrive -Name bk).Provider.Name | Should -Be 'BackupImage'

        $items = @(Get-ChildItem bk:\ -Recurse)
        $items | ForEach-Object { $_ | Should -BeOfType PSClone.BackupImageEntry }
        $items.Path | Join-Sorted | Should -Be ('Letters', 'Letters/2025', 'Letters/2025/old.docx', 'Letters/list.txt', 'Letters/offer.docx', 'a.txt', 'new.txt' | Join-Sorted)
        Get-Content bk:\a.txt | Should -Be @('alpha', 'beta')
        Get-Content bk:\Letters\offer.docx -Raw | Should -Be 'offer v2, longer'
    }

    It 'mounts a chosen snapshot, taken by id prefix or as a snapshot object' {
        $set = New-TestImageWithSnapshots -Name 'chosen'
        $first = Get-BackupSnapshot -Image $set.Image | Select-Object -First 1
        $null = Mount-BackupImage -Image $set.Image -Name old -Snapshot $first
        Get-Content old:\Letters\offer.docx -Raw | Should -Be 'offer v1'
        Test-Path old:\new.txt | Should -BeFalse
        $null = Mount-BackupImage -Image $set.Image -Name old2 -Snapshot $set.First.Substring(0, 5)
        (Get-PSDrive -Name old2).Root | Should -Be (Get-PSDrive -Name old).Root
    }

    It 'shows every snapshot as a folder with -AllSnapshots' {
        $set = New-TestImageWithSnapshots -Name 'all'
        $drive = Mount-BackupImage -Image $set.Image -Name hist -AllSnapshots
        $drive.SnapshotId | Should -BeNullOrEmpty
        $folders = @(Get-ChildItem hist:\)
        $folders | ForEach-Object { $_ | Should -BeOfType PSClone.BackupSnapshot }
        $folders.Id | Should -Be @($set.First, $set.Second)
        Get-Content "hist:\$($set.First)\Letters\offer.docx" -Raw | Should -Be 'offer v1'
        Get-Content hist:\latest\Letters\offer.docx -Raw | Should -Be 'offer v2, longer'
    }

    It 'takes the image from Get-BackupImage, and an encrypted image with -Passphrase' {
        $set = New-TestImageWithSnapshots -Name 'secret' -Encrypted
        $null = Get-BackupImage -Image $set.Image -Passphrase $PSCloneTestPassphrase | Mount-BackupImage -Name sec -Passphrase $PSCloneTestPassphrase
        Get-Content sec:\Letters\list.txt -Raw | Should -Be 'list'
    }

    It 'keeps the image busy for writers until it is dismounted' {
        $set = New-TestImageWithSnapshots -Name 'busy'
        $null = Mount-BackupImage -Image $set.Image -Name bk
        { Invoke-Clone -Source $set.Source -Destination $set.Image -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageBusy,PSClone.Commands.InvokeCloneCommand'
        Dismount-BackupImage -Name bk
        $null = Backup-TestTree -Source $set.Source -Image $set.Image
        @(Get-BackupSnapshot -Image $set.Image) | Should -HaveCount 3
    }

    It '-WhatIf mounts nothing' {
        $set = New-TestImageWithSnapshots -Name 'whatif'
        Mount-BackupImage -Image $set.Image -Name wi -WhatIf | Should -BeNullOrEmpty
        Get-PSDrive -Name wi -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It 'refuses a drive name in use with BackupImageDriveExists' {
        $set = New-TestImageWithSnapshots -Name 'twice'
        $null = Mount-BackupImage -Image $set.Image -Name bk
        { Mount-BackupImage -Image $set.Image -Name bk -ErrorAction Stop } |
            Should -Throw -ErrorId 'BackupImageDriveExists,PSClone.Commands.MountBackupImageCommand'
        Get-Content bk:\a.txt -TotalCount 1 | Should -Be 'alpha'
    }

    It 'refuses an unknown snapshot with SnapshotNotFound and a wrong passphrase with WrongPassphrase' {
        $set = New-TestImageWithSnapshots -Name 'refused' -Encrypted
        { Mount-BackupImage -Image $set.Image -Name x1 -Snapshot ffffffff -Passphrase $PSCloneTestPassphrase -ErrorAction Stop } |
            Should -Throw -ErrorId 'SnapshotNotFound,PSClone.Commands.MountBackupImageCommand'
        $wrong = ConvertTo-SecureString -String 'not the passphrase' -AsPlainText -Force
        { Mount-BackupImage -Image $set.Image -Name x2 -Passphrase $wrong -ErrorAction Stop } |
            Should -Throw -ErrorId 'WrongPassphrase,PSClone.Commands.MountBackupImageCommand'
        Get-PSDrive -PSProvider BackupImage -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }
}
