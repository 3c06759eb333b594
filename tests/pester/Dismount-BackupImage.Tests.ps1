#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
    $set = New-TestImageWithSnapshots -Name 'dismount'
}

Describe 'Dismount-BackupImage' {
    AfterEach {
        Get-PSDrive -PSProvider BackupImage -ErrorAction SilentlyContinue | Remove-PSDrive -Force -ErrorAction SilentlyContinue
    }

    It 'removes the drive and closes the image' {
        $null = Mount-BackupImage -Image $set.Image -Name bk
        Dismount-BackupImage -Name bk | Should -BeNullOrEmpty
        Get-PSDrive -Name bk -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
        $null = Optimize-BackupImage -Image $set.Image -Confirm:$false # a writer: the image is closed
    }

    It 'takes drives from Get-PSDrive and Mount-BackupImage, a trailing colon, and -PassThru' {
        $null = Mount-BackupImage -Image $set.Image -Name one
        $null = Mount-BackupImage -Image $set.Image -Name two -AllSnapshots
        $gone = @(Get-PSDrive -PSProvider BackupImage | Dismount-BackupImage -PassThru)
        $gone | ForEach-Object { $_ | Should -BeOfType PSClone.BackupImageDrive }
        $gone.Name | Join-Sorted | Should -Be ('one', 'two' | Join-Sorted)
        Mount-BackupImage -Image $set.Image -Name three | Dismount-BackupImage
        $null = Mount-BackupImage -Image $set.Image -Name four
        Dismount-BackupImage -Name 'four:'
        Get-PSDrive -PSProvider BackupImage -ErrorAction SilentlyContinue | Should -BeNullOrEmpty
    }

    It '-WhatIf keeps the drive' {
        $null = Mount-BackupImage -Image $set.Image -Name keep
        Dismount-BackupImage -Name keep -WhatIf
        Get-PSDrive -Name keep | Should -Not -BeNullOrEmpty
    }

    It 'writes BackupImageDriveNotFound for an unknown drive' {
        Dismount-BackupImage -Name nosuchdrive -ErrorVariable problems -ErrorAction SilentlyContinue
        $problems[0].FullyQualifiedErrorId | Should -Be 'BackupImageDriveNotFound,PSClone.Commands.DismountBackupImageCommand'
    }

    It 'leaves a drive of another provider alone with NotABackupImageDrive' {
        $null = New-PSDrive -Name fsdrive -PSProvider FileSystem -Root $TestDrive
        try {
            { Dismount-BackupImage -Name fsdrive -ErrorAction Stop } |
                Should -Throw -ErrorId 'NotABackupImageDrive,PSClone.Commands.DismountBackupImageCommand'
            Get-PSDrive -Name fsdrive | Should -Not -BeNullOrEmpty
        }
        finally {
            Remove-PSDrive -Name fsdrive
        }
    }
}
