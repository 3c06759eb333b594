#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
}

Describe 'Resize-BackupImage' {
    It 'sets the capacity' {
        $set = New-TestImageWithSnapshots -Name 'grow'
        $info = Resize-BackupImage -Image $set.Image -Capacity 500GB
        $info | Should -BeOfType PSClone.BackupImageInfo
        $info.Capacity | Should -Be 500GB
        (Get-BackupImage -Image $set.Image).Capacity | Should -Be 500GB
    }

    It 'lets a backup that was refused with ImageFull run after a resize' {
        $source = New-TestTree -Root (Join-Path $TestDrive 'full/src') -Files @{}
        $bytes = [byte[]]::new(2000000)
        [System.Random]::new(9).NextBytes($bytes)
        [System.IO.File]::WriteAllBytes((Join-Path $source 'clip.bin'), $bytes)
        $image = New-TestImage -Name 'full.psimg' -Capacity 1MB
        { Invoke-Clone -Source $source -Destination $image -Confirm:$false -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageFull,PSClone.Commands.InvokeCloneCommand'
        Get-BackupSnapshot -Image $image | Should -BeNullOrEmpty

        Get-BackupImage -Image $image | Resize-BackupImage -Capacity 64MB -Confirm:$false | Out-Null
        $null = Backup-TestTree -Source $source -Image $image
        @(Get-BackupSnapshot -Image $image) | Should -HaveCount 1
    }

    It '-WhatIf changes nothing' {
        $set = New-TestImageWithSnapshots -Name 'whatif'
        $before = (Get-BackupImage -Image $set.Image).Capacity
        Resize-BackupImage -Image $set.Image -Capacity 1GB -WhatIf | Should -BeNullOrEmpty
        (Get-BackupImage -Image $set.Image).Capacity | Should -Be $before
    }

    It 'refuses a capacity below what the image holds with CapacityTooSmall' {
        $set = New-TestImageWithSnapshots -Name 'small'
        { Resize-BackupImage -Image $set.Image -Capacity 1KB -ErrorAction Stop } |
            Should -Throw -ErrorId 'CapacityTooSmall,PSClone.Commands.ResizeBackupImageCommand'
    }
}
