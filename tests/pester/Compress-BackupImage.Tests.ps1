#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
}

Describe 'Compress-BackupImage' {
    It 'writes a sealed copy with the same snapshots, whose seal Test-BackupImage checks' {
        $set = New-TestImageWithSnapshots -Name 'seal'
        $archive = Join-Path $TestDrive 'seal-archive.psimg'
        $copy = Compress-BackupImage -Image $set.Image -Destination $archive
        $copy | Should -BeOfType PSClone.BackupImageInfo
        $copy.Sealed | Should -BeTrue
        (Get-BackupSnapshot -Image $archive).Id | Should -Be @($set.First, $set.Second)
        $check = Test-BackupImage -Image $archive
        $check.SealChecked | Should -BeTrue
        $check.Intact | Should -BeTrue
        $target = Join-Path $TestDrive 'seal-restore'
        $null = Restore-BackupImageItem -Image $archive -Destination $target
        Get-TreeText -Root $target | Should -Be (Get-TreeText -Root $set.Source)
    }

    It 'takes the image from Get-BackupImage, and the copy of an encrypted image opens with the same passphrase' {
        $set = New-TestImageWithSnapshots -Name 'enc' -Encrypted
        $archive = Join-Path $TestDrive 'enc-archive.psimgbundle'
        $copy = Get-BackupImage -Image $set.Image -Passphrase $PSCloneTestPassphrase |
            Compress-BackupImage -Destination $archive -Passphrase $PSCloneTestPassphrase
        $copy.Layout | Should -Be 'Bundle'
        $copy.Encryption | Should -Be 'Aes256'
        (Get-BackupImage -Image $archive -Passphrase $PSCloneTestPassphrase).SnapshotCount | Should -Be 2
    }

    It 'a sealed copy refuses a backup with ImageSealed and does not change' {
        $set = New-TestImageWithSnapshots -Name 'refuse'
        $archive = Join-Path $TestDrive 'refuse-archive.psimg'
        $null = Compress-BackupImage -Image $set.Image -Destination $archive
        $before = (Get-FileHash -LiteralPath $archive).Hash
        { Invoke-Clone -Source $set.Source -Destination $archive -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageSealed,PSClone.Commands.InvokeCloneCommand'
        { Resize-BackupImage -Image $archive -Capacity 1GB -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageSealed,PSClone.Commands.ResizeBackupImageCommand'
        (Get-FileHash -LiteralPath $archive).Hash | Should -Be $before
    }

    It '-WhatIf writes nothing' {
        $set = New-TestImageWithSnapshots -Name 'whatif'
        Compress-BackupImage -Image $set.Image -Destination (Join-Path $TestDrive 'whatif-archive.psimg') -WhatIf | Should -BeNullOrEmpty
        Join-Path $TestDrive 'whatif-archive.psimg' | Should -Not -Exist
    }

    It 'refuses an existing destination with ImageExists' {
        $set = New-TestImageWithSnapshots -Name 'exists'
        { Compress-BackupImage -Image $set.Image -Destination $set.Image -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageExists,PSClone.Commands.CompressBackupImageCommand'
    }
}
