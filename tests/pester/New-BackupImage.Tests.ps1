#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
}

Describe 'New-BackupImage' {
    It 'makes an AES-256 SingleFile image when a passphrase is given' {
        $path = Join-Path $TestDrive 'laptop.psimg'
        $info = New-BackupImage -Path $path -Passphrase $PSCloneTestPassphrase -Capacity 200GB -KdfIterations 1000

        $info | Should -BeOfType PSClone.BackupImageInfo
        $info.Layout | Should -Be 'SingleFile'
        $info.Encryption | Should -Be 'Aes256'
        $info.Capacity | Should -Be 200GB
        $info.SnapshotCount | Should -Be 0
        $path | Should -Exist
        (Get-Item -LiteralPath $path).PSIsContainer | Should -BeFalse
    }

    It 'makes an unencrypted bundle for a .psimgbundle path' {
        $info = New-BackupImage -Path (Join-Path $TestDrive 'server.psimgbundle') -KdfIterations 1000
        $info.Layout | Should -Be 'Bundle'
        $info.Encryption | Should -Be 'None'
        Join-Path $TestDrive 'server.psimgbundle/psimg' | Should -Exist
    }

    It 'takes the passphrase from PSCLONE_PASSPHRASE' {
        $env:PSCLONE_PASSPHRASE = $PSCloneTestSecret
        try {
            $info = New-BackupImage -Path (Join-Path $TestDrive 'db.psimg') -Encryption Aes128 -KdfIterations 1000
            $info.Encryption | Should -Be 'Aes128'
            (Get-BackupImage -Image $info.Path).Encryption | Should -Be 'Aes128'
        }
        finally {
            Remove-Item Env:PSCLONE_PASSPHRASE
        }
        (Get-BackupImage -Image $info.Path -Passphrase $PSCloneTestPassphrase).Path | Should -Be $info.Path
    }

    It 'accepts a drive-qualified path' {
        $info = New-BackupImage -Path 'TestDrive:/drive.psimg' -KdfIterations 1000
        $info.Path | Should -Be (Join-Path $TestDrive 'drive.psimg')
    }

    It '-WhatIf creates nothing' {
        New-BackupImage -Path (Join-Path $TestDrive 'whatif.psimg') -WhatIf | Should -BeNullOrEmpty
        Join-Path $TestDrive 'whatif.psimg' | Should -Not -Exist
    }

    It 'refuses an existing path with ImageExists' {
        $path = New-TestImage -Name 'twice.psimg'
        { New-BackupImage -Path $path -ErrorAction Stop } | Should -Throw -ErrorId 'ImageExists,PSClone.Commands.NewBackupImageCommand'
    }

    It 'refuses a missing parent folder with ImageParentNotFound' {
        { New-BackupImage -Path (Join-Path $TestDrive 'no/such/folder/x.psimg') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageParentNotFound,PSClone.Commands.NewBackupImageCommand'
    }

    It 'refuses an encrypted image without a passphrase with PassphraseRequired' {
        { New-BackupImage -Path (Join-Path $TestDrive 'nopass.psimg') -Encryption Aes256 -ErrorAction Stop } |
            Should -Throw -ErrorId 'PassphraseRequired,PSClone.Commands.NewBackupImageCommand'
        Join-Path $TestDrive 'nopass.psimg' | Should -Not -Exist
    }

    It 'refuses a short passphrase with PassphraseTooShort' {
        $short = ConvertTo-SecureString -String 'short' -AsPlainText -Force
        { New-BackupImage -Path (Join-Path $TestDrive 'short.psimg') -Passphrase $short -ErrorAction Stop } |
            Should -Throw -ErrorId 'PassphraseTooShort,PSClone.Commands.NewBackupImageCommand'
    }

    It 'refuses a capacity below 1 MB with InvalidCapacity' {
        { New-BackupImage -Path (Join-Path $TestDrive 'tiny.psimg') -Capacity 1000 -ErrorAction Stop } |
            Should -Throw -ErrorId 'InvalidCapacity,PSClone.Commands.NewBackupImageCommand'
    }
}
