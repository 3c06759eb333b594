#Requires -Version 7.4
BeforeDiscovery {
    # Denying read access needs a non-root user on a system with POSIX permissions.
    $cannotDenyRead = $IsWindows -or ((& id -u) -eq '0')
}

BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Test-Clone' {
    It 'finds nothing right after a clone; -Quiet returns a single $true' {
        $pair = New-ClonedPair -Name 'same' -Files @{ 'a.txt' = 'a'; 'docs/b.txt' = 'b' }
        Test-Clone -Source $pair.Source -Destination $pair.Destination | Should -BeNullOrEmpty
        $quiet = @(Test-Clone -Source $pair.Source -Destination $pair.Destination -Quiet)
        $quiet | Should -HaveCount 1
        $quiet[0] | Should -BeOfType [bool]
        $quiet[0] | Should -BeTrue
    }

    It 'emits one CloneDifference per difference' {
        $pair = New-ClonedPair -Name 'diff' -Files @{ 'a.txt' = 'alpha'; 'notes.txt' = 'notes'; 'docs/b.txt' = 'b' }
        Set-TestFile -Path (Join-Path $pair.Source 'docs/new.txt') -Content 'new'
        Set-TestFile -Path (Join-Path $pair.Destination 'extra.txt') -Content 'only here'
        Set-TestFile -Path (Join-Path $pair.Source 'a.txt') -Content 'alpha, grown'
        [System.IO.File]::SetLastWriteTimeUtc((Join-Path $pair.Source 'notes.txt'), [datetime]::new(2026, 3, 1, 0, 0, 0, 'Utc'))

        $found = @(Test-Clone -Source $pair.Source -Destination $pair.Destination)
        $found | ForEach-Object { $_ | Should -BeOfType PSClone.CloneDifference }
        $found | ForEach-Object { "$($_.Difference) $($_.RelativePath)" } | Join-Sorted |
            Should -Be 'ContentDiffers a.txt,Extra extra.txt,MetadataDiffers .,MetadataDiffers docs,MetadataDiffers notes.txt,Missing docs/new.txt'
        ($found | Where-Object RelativePath -EQ 'a.txt').Detail | Should -Be 'Size differs (5 on the destination, 12 in the source)'
        Test-Clone -Source $pair.Source -Destination $pair.Destination -Quiet | Should -BeFalse
        $found[0] | Format-Table | Out-String | Should -Match 'Difference'
    }

    It 'changes nothing on either side' {
        $pair = New-ClonedPair -Name 'readonly' -Files @{ 'a.txt' = 'a' }
        Set-TestFile -Path (Join-Path $pair.Source 'b.txt') -Content 'b'
        $source = Get-TreeText -Root $pair.Source
        $destination = Get-TreeText -Root $pair.Destination
        $null = Test-Clone -Source $pair.Source -Destination $pair.Destination -Checksum
        Get-TreeText -Root $pair.Source | Should -Be $source
        Get-TreeText -Root $pair.Destination | Should -Be $destination
    }

    It '-Checksum finds changed bytes that size and time miss' {
        $pair = New-ClonedPair -Name 'checksum' -Files @{ 'archive/2019.tar' = 'original bytes!'; 'other.txt' = 'fine' }
        $copy = Join-Path $pair.Destination 'archive/2019.tar'
        $time = [System.IO.File]::GetLastWriteTimeUtc($copy)
        [System.IO.File]::WriteAllText($copy, 'flipped bytes!!')
        [System.IO.File]::SetLastWriteTimeUtc($copy, $time)

        Test-Clone -Source $pair.Source -Destination $pair.Destination | Should -BeNullOrEmpty
        $audit = @(Test-Clone -Source $pair.Source -Destination $pair.Destination -Checksum)
        $audit | Should -HaveCount 1
        "$($audit[0].Difference) $($audit[0].RelativePath) $($audit[0].Detail)" | Should -Be 'ContentDiffers archive/2019.tar Content differs'
    }

    It 'takes Source and Destination from the Invoke-Clone summary' {
        $src = New-TestTree -Root (Join-Path $TestDrive 'pipe/src') -Files @{ 'db/records.bin' = '0123456789' }
        Invoke-TestClone -Source $src -Destination (Join-Path $TestDrive 'pipe/dst') | Test-Clone -Quiet | Should -BeTrue
    }

    It 'reports items a clone left at the destination root as Extra; -Exclude leaves them out' {
        $pair = New-ClonedPair -Name 'rootitems' -Files @{ 'a.txt' = 'a' }
        Set-TestFile -Path (Join-Path $pair.Destination 'mine.txt') -Content 'mine'
        $null = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination
        (Test-Clone -Source $pair.Source -Destination $pair.Destination | Where-Object Difference -EQ 'Extra').RelativePath | Should -Be 'mine.txt'
        Test-Clone -Source $pair.Source -Destination $pair.Destination -Exclude '/mine.txt' | Should -BeNullOrEmpty
    }

    It 'counts an unreadable folder as a difference and writes ItemAccessDenied' -Skip:$cannotDenyRead {
        $pair = New-ClonedPair -Name 'unreadable' -Files @{ 'locked/a.txt' = 'a'; 'b.txt' = 'b' }
        $locked = Join-Path $pair.Source 'locked'
        $mode = [System.IO.File]::GetUnixFileMode($locked)
        [System.IO.File]::SetUnixFileMode($locked, [System.IO.UnixFileMode]::None)
        try {
            $answer = Test-Clone -Source $pair.Source -Destination $pair.Destination -Quiet -ErrorVariable problems -ErrorAction SilentlyContinue
            $answer | Should -BeFalse
            $problems | Should -Not -BeNullOrEmpty
            $problems[0].FullyQualifiedErrorId | Should -Be 'ItemAccessDenied,PSClone.Commands.TestCloneCommand'
            $problems[0].CategoryInfo.Category | Should -Be 'PermissionDenied'
        }
        finally {
            [System.IO.File]::SetUnixFileMode($locked, $mode)
        }
    }

    It 'refuses a missing <What> with <ErrorId>' -ForEach @(
        @{ What = 'source'; ErrorId = 'SourceNotFound'; Source = 'missing/src'; Destination = 'missing' }
        @{ What = 'destination'; ErrorId = 'DestinationNotFound'; Source = 'missing'; Destination = 'missing/dst' }
    ) {
        New-Item -ItemType Directory -Force -Path (Join-Path $TestDrive 'missing') | Out-Null
        { Test-Clone -Source (Join-Path $TestDrive $Source) -Destination (Join-Path $TestDrive $Destination) } |
            Should -Throw -ErrorId "$ErrorId,PSClone.Commands.TestCloneCommand"
    }
}
