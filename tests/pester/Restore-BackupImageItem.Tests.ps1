#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
}

Describe 'Restore-BackupImageItem' {
    It 'restores exactly the documents the pipeline of the help page selects' {
        $set = New-TestImageWithSnapshots -Name 'pipeline'
        $target = Join-Path $TestDrive 'pipeline/Recovered'

        $result = Get-BackupSnapshot -Image $set.Image |
            Select-Object -Last 1 |
            Get-BackupImageItem -Path '*.docx' -Recurse |
            Restore-BackupImageItem -Destination $target

        $result | Should -BeOfType PSClone.ImageRestoreResult
        $result.Status | Should -Be 'Success'
        $result.SnapshotId | Should -Be $set.Second
        $result.ItemsRestored | Should -Be 2
        Get-Content -Raw -LiteralPath (Join-Path $target 'Letters/offer.docx') | Should -Be 'offer v2, longer'
        Get-Content -Raw -LiteralPath (Join-Path $target 'Letters/2025/old.docx') | Should -Be 'old letter'
        (Get-ChildItem -LiteralPath $target -Recurse -File).Name | Join-Sorted | Should -Be ('offer.docx', 'old.docx' | Join-Sorted)
    }

    It 'restores the whole latest snapshot exactly' {
        $set = New-TestImageWithSnapshots -Name 'whole'
        $target = Join-Path $TestDrive 'whole/restore'
        $result = Restore-BackupImageItem -Image $set.Image -Destination $target
        $result.Status | Should -Be 'Success'
        Get-TreeText -Root $target | Should -Be (Get-TreeText -Root $set.Source)
    }

    It 'restores a piped snapshot whole, and -PassThru reports each item' {
        $set = New-TestImageWithSnapshots -Name 'first'
        $target = Join-Path $TestDrive 'first/restore'
        $out = @(Get-BackupSnapshot -Image $set.Image | Select-Object -First 1 | Restore-BackupImageItem -Destination $target -PassThru)
        $items = @($out | Where-Object { $_ -is [PSClone.CloneItemResult] })
        $items.RelativePath | Should -Contain 'Letters/offer.docx'
        ($out | Select-Object -Last 1) | Should -BeOfType PSClone.ImageRestoreResult
        Get-Content -Raw -LiteralPath (Join-Path $target 'Letters/offer.docx') | Should -Be 'offer v1'
        Join-Path $target 'new.txt' | Should -Not -Exist
    }

    It 'leaves an existing item alone with RestoreTargetExists; -Force puts the older version back' {
        $set = New-TestImageWithSnapshots -Name 'force'
        $offer = Join-Path $set.Source 'Letters/offer.docx'
        $result = Restore-BackupImageItem -Image $set.Image -Snapshot $set.First -Path Letters/offer.docx -Destination $set.Source -ErrorVariable problems -ErrorAction SilentlyContinue
        $result.Status | Should -Be 'CompletedWithErrors'
        $problems[0].FullyQualifiedErrorId | Should -Be 'RestoreTargetExists,PSClone.Commands.RestoreBackupImageItemCommand'
        $problems[0].CategoryInfo.Category | Should -Be 'ResourceExists'
        Get-Content -Raw -LiteralPath $offer | Should -Be 'offer v2, longer'

        $first = Get-BackupSnapshot -Image $set.Image | Select-Object -First 1
        $null = Restore-BackupImageItem -Image $set.Image -Snapshot $first -Path Letters/offer.docx -Destination $set.Source -Force
        Get-Content -Raw -LiteralPath $offer | Should -Be 'offer v1'
    }

    It '-WhatIf restores nothing' {
        $set = New-TestImageWithSnapshots -Name 'whatif'
        $target = Join-Path $TestDrive 'whatif/restore'
        Restore-BackupImageItem -Image $set.Image -Destination $target -WhatIf | Should -BeNullOrEmpty
        Get-BackupImageItem -Image $set.Image -Path '*' -Recurse | Restore-BackupImageItem -Destination $target -WhatIf | Should -BeNullOrEmpty
        $target | Should -Not -Exist
    }

    It 'refuses patterns that match nothing with RestorePathNotFound' {
        $set = New-TestImageWithSnapshots -Name 'nomatch'
        { Restore-BackupImageItem -Image $set.Image -Path '*.nothing' -Destination (Join-Path $TestDrive 'nomatch/out') -ErrorAction Stop } |
            Should -Throw -ErrorId 'RestorePathNotFound,PSClone.Commands.RestoreBackupImageItemCommand'
    }

    It 'refuses a destination that is a file with RestoreTargetNotFolder' {
        $set = New-TestImageWithSnapshots -Name 'notfolder'
        { Restore-BackupImageItem -Image $set.Image -Destination (Join-Path $set.Source 'a.txt') -ErrorAction Stop } |
            Should -Throw -ErrorId 'RestoreTargetNotFolder,PSClone.Commands.RestoreBackupImageItemCommand'
    }
}
