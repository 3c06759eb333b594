#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
    $set = New-TestImageWithSnapshots -Name 'info'
}

Describe 'Get-BackupImage' {
    It 'shows the layout, encryption, sizes and snapshots of an image' {
        $info = Get-BackupImage -Image $set.Image
        $info | Should -BeOfType PSClone.BackupImageInfo
        $info.Path | Should -Be $set.Image
        $info.Layout | Should -Be 'SingleFile'
        $info.Encryption | Should -Be 'None'
        $info.SnapshotCount | Should -Be 2
        $info.Size | Should -BeGreaterThan 0
        $info.Size | Should -BeLessOrEqual $info.Capacity
        $info.Sealed | Should -BeFalse
        $info.LatestSnapshot | Should -Be (Get-BackupSnapshot -Image $set.Image -Snapshot latest).Time
    }

    It 'takes images from Get-ChildItem and from other image cmdlets' {
        $second = New-TestImage -Name 'other.psimg'
        $found = @(Get-ChildItem -LiteralPath $TestDrive -Filter *.psimg | Get-BackupImage)
        $found.Path | Join-Sorted | Should -Be (@($set.Image, $second) | Join-Sorted)
        (Get-BackupSnapshot -Image $set.Image | Select-Object -First 1 | Get-BackupImage).Path | Should -Be $set.Image
    }

    It 'reports an image that cannot be read as a non-terminating error and goes on' {
        $missing = Join-Path $TestDrive 'missing.psimg'
        $found = @($missing, $set.Image | Get-BackupImage -ErrorVariable problems -ErrorAction SilentlyContinue)
        $found | Should -HaveCount 1
        $found[0].Path | Should -Be $set.Image
        $problems[0].FullyQualifiedErrorId | Should -Be 'ImageNotFound,PSClone.Commands.GetBackupImageCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ObjectNotFound'
    }

    It 'needs the passphrase of an encrypted image' {
        $secret = New-TestImageWithSnapshots -Name 'secret' -Encrypted
        { Get-BackupImage -Image $secret.Image -ErrorAction Stop } | Should -Throw -ErrorId 'PassphraseRequired,PSClone.Commands.GetBackupImageCommand'
        $wrong = ConvertTo-SecureString -String 'not the passphrase' -AsPlainText -Force
        { Get-BackupImage -Image $secret.Image -Passphrase $wrong -ErrorAction Stop } | Should -Throw -ErrorId 'WrongPassphrase,PSClone.Commands.GetBackupImageCommand'
        (Get-BackupImage -Image $secret.Image -Passphrase $PSCloneTestPassphrase).SnapshotCount | Should -Be 2
    }

    It 'refuses a path that is not an image with NotAnImage' {
        $file = Join-Path $TestDrive 'plain.txt'
        Set-TestFile -Path $file -Content 'not an image'
        { Get-BackupImage -Image $file -ErrorAction Stop } | Should -Throw -ErrorId 'NotAnImage,PSClone.Commands.GetBackupImageCommand'
    }
}
