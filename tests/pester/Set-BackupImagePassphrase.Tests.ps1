#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
    $newSecret = 'a brand new passphrase'
    $newPassphrase = ConvertTo-SecureString -String $newSecret -AsPlainText -Force
}

Describe 'Set-BackupImagePassphrase' {
    It 'changes the passphrase: the new one opens the image, the old one no longer does' {
        $set = New-TestImageWithSnapshots -Name 'change' -Encrypted
        $info = Set-BackupImagePassphrase -Image $set.Image -Passphrase $PSCloneTestPassphrase -NewPassphrase $newPassphrase -KdfIterations 1000 -Confirm:$false -PassThru
        $info | Should -BeOfType PSClone.BackupImageInfo
        $info.SnapshotCount | Should -Be 2
        { Get-BackupImage -Image $set.Image -Passphrase $PSCloneTestPassphrase -ErrorAction Stop } |
            Should -Throw -ErrorId 'WrongPassphrase,PSClone.Commands.GetBackupImageCommand'
        $target = Join-Path $TestDrive 'change/restore'
        $null = Restore-BackupImageItem -Image $set.Image -Destination $target -Passphrase $newPassphrase
        Get-TreeText -Root $target | Should -Be (Get-TreeText -Root $set.Source)
    }

    It 'takes both passphrases from the environment' {
        $set = New-TestImageWithSnapshots -Name 'env' -Encrypted
        $env:PSCLONE_PASSPHRASE = $PSCloneTestSecret
        $env:PSCLONE_NEW_PASSPHRASE = $newSecret
        try {
            Set-BackupImagePassphrase -Image $set.Image -KdfIterations 1000 -Confirm:$false | Should -BeNullOrEmpty
        }
        finally {
            Remove-Item Env:PSCLONE_PASSPHRASE, Env:PSCLONE_NEW_PASSPHRASE
        }
        (Get-BackupImage -Image $set.Image -Passphrase $newPassphrase).SnapshotCount | Should -Be 2
    }

    It '-WhatIf changes nothing' {
        $set = New-TestImageWithSnapshots -Name 'whatif' -Encrypted
        Set-BackupImagePassphrase -Image $set.Image -Passphrase $PSCloneTestPassphrase -NewPassphrase $newPassphrase -WhatIf | Should -BeNullOrEmpty
        (Get-BackupImage -Image $set.Image -Passphrase $PSCloneTestPassphrase).SnapshotCount | Should -Be 2
    }

    It 'refuses a missing new passphrase with PassphraseRequired' {
        $set = New-TestImageWithSnapshots -Name 'nonew' -Encrypted
        { Set-BackupImagePassphrase -Image $set.Image -Passphrase $PSCloneTestPassphrase -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'PassphraseRequired,PSClone.Commands.SetBackupImagePassphraseCommand'
    }

    It 'refuses a wrong current passphrase with WrongPassphrase' {
        $set = New-TestImageWithSnapshots -Name 'wrong' -Encrypted
        $wrong = ConvertTo-SecureString -String 'not the passphrase' -AsPlainText -Force
        { Set-BackupImagePassphrase -Image $set.Image -Passphrase $wrong -NewPassphrase $newPassphrase -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'WrongPassphrase,PSClone.Commands.SetBackupImagePassphraseCommand'
    }

    It 'refuses a short new passphrase with PassphraseTooShort' {
        $set = New-TestImageWithSnapshots -Name 'short' -Encrypted
        $short = ConvertTo-SecureString -String 'short' -AsPlainText -Force
        { Set-BackupImagePassphrase -Image $set.Image -Passphrase $PSCloneTestPassphrase -NewPassphrase $short -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'PassphraseTooShort,PSClone.Commands.SetBackupImagePassphraseCommand'
    }

    It 'refuses an unencrypted image with ImageNotEncrypted' {
        $set = New-TestImageWithSnapshots -Name 'plain'
        { Set-BackupImagePassphrase -Image $set.Image -NewPassphrase $newPassphrase -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotEncrypted,PSClone.Commands.SetBackupImagePassphraseCommand'
    }
}
