#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')

    function New-ImageWithDeadContent([string] $Name) {
        $source = New-TestTree -Root (Join-Path $TestDrive "$Name/src") -Files @{ 'keep.txt' = 'keep' }
        $bytes = [byte[]]::new(600000)
        [System.Random]::new(7).NextBytes($bytes)
        [System.IO.File]::WriteAllBytes((Join-Path $source 'video.bin'), $bytes)
        $image = New-TestImage -Name "$Name.psimg"
        $null = Backup-TestTree -Source $source -Image $image
        Remove-Item -LiteralPath (Join-Path $source 'video.bin')
        $null = Backup-TestTree -Source $source -Image $image
        [pscustomobject]@{ Source = $source; Image = $image }
    }
}

Describe 'Optimize-BackupImage' {
    It 'after Remove-BackupSnapshot, shortens the image file and the rest still restores' {
        $set = New-ImageWithDeadContent -Name 'shrink'
        Remove-BackupSnapshot -Image $set.Image -KeepLast 1 -Confirm:$false
        $before = (Get-Item -LiteralPath $set.Image).Length

        $result = Optimize-BackupImage -Image $set.Image

        $result | Should -BeOfType PSClone.ImageCompactResult
        (Get-Item -LiteralPath $set.Image).Length | Should -BeLessThan ($before - 500000)
        $result.DiskSizeAfter | Should -BeLessOrEqual $result.DiskSizeBefore
        $target = Join-Path $TestDrive 'shrink/restore'
        $null = Restore-BackupImageItem -Image $set.Image -Destination $target
        Get-TreeText -Root $target | Should -Be (Get-TreeText -Root $set.Source)
    }

    It 'takes images from Get-ChildItem; an image without unused space stays as it is' {
        $clean = New-TestImageWithSnapshots -Name 'clean'
        $results = @(Get-ChildItem -LiteralPath $TestDrive -Filter 'clean.psimg' | Optimize-BackupImage -Confirm:$false)
        $results | Should -HaveCount 1
        $results[0].PacksRemoved | Should -Be 0
        $results[0].PacksRewritten | Should -Be 0
        @(Get-BackupSnapshot -Image $clean.Image) | Should -HaveCount 2
    }

    It '-WhatIf changes nothing' {
        $set = New-ImageWithDeadContent -Name 'whatif'
        $before = (Get-FileHash -LiteralPath $set.Image).Hash
        Optimize-BackupImage -Image $set.Image -WhatIf | Should -BeNullOrEmpty
        (Get-FileHash -LiteralPath $set.Image).Hash | Should -Be $before
    }

    It 'refuses a sealed copy with ImageSealed' {
        $set = New-TestImageWithSnapshots -Name 'sealed'
        $archive = Join-Path $TestDrive 'sealed-archive.psimg'
        $null = Compress-BackupImage -Image $set.Image -Destination $archive
        { Optimize-BackupImage -Image $archive -ErrorAction Stop } | Should -Throw -ErrorId 'ImageSealed,PSClone.Commands.OptimizeBackupImageCommand'
    }
}
