#Requires -Version 7.4
# The BackupImage provider through PowerShell's own cmdlets: New-PSDrive, Get-ChildItem, Get-Item,
# Get-Content, Set-Location, Test-Path, and the writes it refuses.
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
    . (Join-Path $PSScriptRoot 'images.ps1')
    $set = New-TestImageWithSnapshots -Name 'provider'
}

Describe 'BackupImage provider' {
    BeforeEach {
        $null = New-PSDrive -Name img -PSProvider BackupImage -Root $set.Image
    }

    AfterEach {
        Set-Location -LiteralPath $TestDrive
        Get-PSDrive -PSProvider BackupImage -ErrorAction SilentlyContinue | Remove-PSDrive -Force -ErrorAction SilentlyContinue
    }

    It 'New-PSDrive shows the latest snapshot; Get-ChildItem -Recurse lists it parents first' {
        (Get-PSDrive -Name img).Provider.Name | Should -Be 'BackupImage'
        $items = @(Get-ChildItem img:\ -Recurse)
        $items | Should -HaveCount 7
        $paths = @($items.Path)
        $paths.IndexOf('Letters') | Should -BeLessThan $paths.IndexOf('Letters/2025/old.docx')
        @(Get-ChildItem img:\Letters -Recurse -Depth 0).Path | Join-Sorted |
            Should -Be ('Letters/2025', 'Letters/list.txt', 'Letters/offer.docx' | Join-Sorted)
        # The provider has no -Filter of its own; PowerShell applies -Include to the names.
        (Get-ChildItem img:\ -Recurse -Include *.docx).Name | Join-Sorted | Should -Be ('offer.docx', 'old.docx' | Join-Sorted)
    }

    It 'New-PSDrive takes -Snapshot, -AllSnapshots and a drive-qualified root' {
        $null = New-PSDrive -Name old -PSProvider BackupImage -Root $set.Image -Snapshot $set.First
        Get-Content old:\Letters\offer.docx -Raw | Should -Be 'offer v1'
        $null = New-PSDrive -Name hist -PSProvider BackupImage -Root "TestDrive:/provider.psimg" -AllSnapshots
        (Get-ChildItem hist:\).Id | Should -Be @($set.First, $set.Second)
    }

    It 'New-PSDrive opens an encrypted image with -Passphrase or -Credential' {
        $secret = New-TestImageWithSnapshots -Name 'secret' -Encrypted
        $null = New-PSDrive -Name sec1 -PSProvider BackupImage -Root $secret.Image -Passphrase $PSCloneTestPassphrase
        Get-Content sec1:\Letters\list.txt -Raw | Should -Be 'list'
        $credential = [pscredential]::new('backup', $PSCloneTestPassphrase)
        $null = New-PSDrive -Name sec2 -PSProvider BackupImage -Root $secret.Image -Credential $credential
        Get-Content sec2:\a.txt -TotalCount 1 | Should -Be 'alpha'
    }

    It 'Get-Content reads lines, -Raw the whole text, -AsByteStream the bytes' {
        Get-Content img:\a.txt | Should -Be @('alpha', 'beta')
        Get-Content img:\a.txt -Raw | Should -Be "alpha`nbeta`n"
        $bytes = Get-Content img:\Letters\list.txt -AsByteStream
        [System.Text.Encoding]::UTF8.GetString([byte[]]$bytes) | Should -Be 'list'
        Get-Content img:\a.txt -TotalCount 1 | Should -Be 'alpha'
    }

    It 'Set-Location, relative paths, Get-Item and Test-Path work inside the drive' {
        Set-Location img:\Letters
        (Get-Location).Path | Should -BeLike 'img:*Letters'
        (Get-ChildItem).Name | Join-Sorted | Should -Be ('2025', 'list.txt', 'offer.docx' | Join-Sorted)
        Get-Content .\offer.docx -Raw | Should -Be 'offer v2, longer'
        Set-Location 2025
        Get-Content old.docx -Raw | Should -Be 'old letter'
        Set-Location ..
        (Get-Item offer.docx).Size | Should -Be 16
        Test-Path img:\Letters\2025 -PathType Container | Should -BeTrue
        Test-Path img:\Letters\list.txt -PathType Leaf | Should -BeTrue
        Test-Path img:\Letters\missing.txt | Should -BeFalse
        (Get-Item img:\).Id | Should -Be $set.Second
    }

    It 'items pipe into Restore-BackupImageItem' {
        $target = Join-Path $TestDrive 'provider/Recovered'
        # -File is a FileSystem parameter; items of this drive say what they are in ItemType.
        $result = Get-ChildItem img:\Letters -Recurse | Where-Object ItemType -eq 'File' | Restore-BackupImageItem -Destination $target
        $result.ItemsRestored | Should -Be 3
        Get-Content -Raw -LiteralPath (Join-Path $target 'Letters/2025/old.docx') | Should -Be 'old letter'
    }

    It 'refuses writes: the drive is read-only' {
        { Set-Content img:\a.txt -Value 'changed' -ErrorAction Stop } | Should -Throw -ErrorId 'ImageDriveReadOnly'
        { Clear-Content img:\a.txt -ErrorAction Stop } | Should -Throw -ErrorId 'ImageDriveReadOnly'
        { New-Item img:\new-folder -ItemType Directory -ErrorAction Stop } | Should -Throw
        { Remove-Item img:\a.txt -ErrorAction Stop } | Should -Throw
        Get-Content img:\a.txt -Raw | Should -Be "alpha`nbeta`n"
    }

    It 'Get-Content names a folder with ImageItemNotFile and a missing item with an ItemNotFound error' {
        { Get-Content img:\Letters -ErrorAction Stop } | Should -Throw -ErrorId 'ImageItemNotFile'
        { Get-Content img:\nothing.txt -ErrorAction Stop } | Should -Throw
    }
}
