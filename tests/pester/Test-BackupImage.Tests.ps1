#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')

    function New-BundleWithData([string] $Name) {
        $source = New-TestTree -Root (Join-Path $TestDrive "$Name/src") -Files @{ 'notes.txt' = 'notes' }
        New-Item -ItemType Directory -Path (Join-Path $source 'photos') | Out-Null
        $bytes = [byte[]]::new(900000)
        [System.Random]::new(11).NextBytes($bytes)
        [System.IO.File]::WriteAllBytes((Join-Path $source 'photos/big.raw'), $bytes)
        $image = New-TestImage -Name "$Name.psimgbundle"
        $null = Backup-TestTree -Source $source -Image $image
        [pscustomobject]@{ Source = $source; Image = $image }
    }
}

Describe 'Test-BackupImage' {
    It 'gives only the summary for an intact image' {
        $set = New-TestImageWithSnapshots -Name 'intact'
        $out = @(Test-BackupImage -Image $set.Image -ReadData)
        $out | Should -HaveCount 1
        $out[0] | Should -BeOfType PSClone.ImageVerifyResult
        $out[0].Intact | Should -BeTrue
        $out[0].ReadData | Should -BeTrue
        $out[0].Snapshots | Should -Be 2
        $out[0].Problems | Should -Be 0
        Test-BackupImage -Image $set.Image -Quiet | Should -BeTrue
    }

    It 'names the damaged file with -ReadData, and the other files still restore' {
        $set = New-BundleWithData -Name 'damaged'
        Set-DamagedData -Bundle $set.Image

        $out = @(Test-BackupImage -Image $set.Image -ReadData)

        $summary = $out[-1]
        $summary | Should -BeOfType PSClone.ImageVerifyResult
        $summary.Intact | Should -BeFalse
        $findings = @($out | Where-Object { $_ -is [PSClone.ImageVerifyFinding] })
        ($findings | Where-Object Problem -eq 'FileDamaged').Path | Select-Object -Unique | Should -Be 'photos/big.raw'
        Test-BackupImage -Image $set.Image -ReadData -Quiet | Should -BeFalse

        $target = Join-Path $TestDrive 'damaged/restore'
        $result = Restore-BackupImageItem -Image $set.Image -Destination $target -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.ItemsFailed | Should -Be 1
        $problems[0].FullyQualifiedErrorId | Should -Be 'RestoreChunkDamaged,PSClone.Commands.RestoreBackupImageItemCommand'
        Get-Content -Raw -LiteralPath (Join-Path $target 'notes.txt') | Should -Be 'notes'
    }

    It 'takes images from Get-ChildItem' {
        $null = New-TestImageWithSnapshots -Name 'piped'
        (Get-ChildItem -LiteralPath $TestDrive -Filter 'piped.psimg' | Test-BackupImage).Intact | Should -BeTrue
    }

    It 'refuses a missing image with ImageNotFound' {
        { Test-BackupImage -Image (Join-Path $TestDrive 'none.psimg') -ErrorAction Stop } |
            Should -Throw -ErrorId 'ImageNotFound,PSClone.Commands.TestBackupImageCommand'
    }
}
