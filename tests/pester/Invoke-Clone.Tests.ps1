#Requires -Version 7.4
BeforeAll {
    . (Join-Path $PSScriptRoot 'common.ps1')
}

Describe 'Invoke-Clone' {
    Context 'a first run and a second run' {
        BeforeAll {
            $src = New-TestTree -Root (Join-Path $TestDrive 'first/src') -Files @{
                'a.txt' = 'alpha'; 'docs/b.txt' = 'bravo'; 'docs/deep/c.txt' = 'charlie'
            }
            $dst = Join-Path $TestDrive 'first/dst'
            $first = @(Invoke-TestClone -Source $src -Destination $dst)
            $second = @(Invoke-TestClone -Source $src -Destination $dst)
        }

        It 'emits exactly one CloneRunResult' {
            $first | Should -HaveCount 1
            $first[0] | Should -BeOfType PSClone.CloneRunResult
        }

        It 'copies every item, exactly' {
            $first[0].Status | Should -Be 'Success'
            $first[0].ItemsCopied | Should -Be 5
            Get-TreeText -Root $dst -SkipReserved | Should -Be (Get-TreeText -Root $src)
        }

        It 'writes the identity marker and the lock file at the destination root' {
            Join-Path $dst '.psclone' | Should -Exist
            Join-Path $dst '.psclone.lock' | Should -Exist
            (Get-Content -Raw -LiteralPath (Join-Path $dst '.psclone') | ConvertFrom-Json).source | Should -Be $first[0].Source
        }

        It 'copies, updates and archives nothing the second time' {
            $second[0].ItemsCopied + $second[0].ItemsUpdated + $second[0].ItemsArchived + $second[0].ItemsDeleted | Should -Be 0
            $second[0].BytesCopied | Should -Be 0
            $second[0].SafetyNetFolder | Should -BeNullOrEmpty
        }

        It 'shows the summary with the table view and its unit labels' {
            $first[0] | Format-Table | Out-String | Should -Match 'Copied\(MB\)'
            $first[0] | Format-List | Out-String | Should -Match 'BytesCopied'
        }
    }

    Context '-WhatIf' {
        It 'writes nothing, emits no summary, and -PassThru emits the plan' {
            $src = New-TestTree -Root (Join-Path $TestDrive 'whatif/src') -Files @{ 'a.txt' = 'a'; 'f/b.txt' = 'b' }
            $dst = Join-Path $TestDrive 'whatif/dst'

            Invoke-Clone -Source $src -Destination $dst -WhatIf | Should -BeNullOrEmpty
            $dst | Should -Not -Exist

            $plan = @(Invoke-Clone -Source $src -Destination $dst -WhatIf -PassThru)
            $plan | ForEach-Object { $_ | Should -BeOfType PSClone.CloneItemResult }
            $plan | ForEach-Object { "$($_.Action) $($_.RelativePath)" } | Join-Sorted |
                Should -Be 'Copied a.txt,Copied f,Copied f/b.txt'
            $dst | Should -Not -Exist
        }

        It 'plans exactly what the real run then does' {
            $pair = New-ClonedPair -Name 'whatif-plan' -Files @{ 'report.docx' = 'version one'; 'notes/a.txt' = 'a'; 'notes/b.txt' = 'b' }
            Set-TestFile -Path (Join-Path $pair.Source 'report.docx') -Content 'version two, longer'
            Set-TestFile -Path (Join-Path $pair.Source 'notes/c.txt') -Content 'c'
            Remove-Item -LiteralPath (Join-Path $pair.Source 'notes/b.txt')
            $before = Get-TreeText -Root $pair.Destination

            $plan = Invoke-Clone -Source $pair.Source -Destination $pair.Destination -WhatIf -PassThru |
                ForEach-Object { "$($_.Action) $($_.RelativePath) ($($_.Reason))" } | Join-Sorted
            Get-TreeText -Root $pair.Destination | Should -Be $before

            $done = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination -With @{ PassThru = $true } |
                Where-Object { $_ -is [PSClone.CloneItemResult] } |
                ForEach-Object { "$($_.Action) $($_.RelativePath) ($($_.Reason))" } | Join-Sorted
            $done | Should -Be $plan
            $plan | Should -Be (@(
                    'Archived notes/b.txt (Deleted from source)'
                    'Archived report.docx (Modified)'
                    'Copied notes/c.txt (New)'
                    'Updated report.docx (Size differs (11 -> 19))'
                ) -join ',')
        }
    }

    Context 'output' {
        It '-PassThru emits the items before the summary' {
            $src = New-TestTree -Root (Join-Path $TestDrive 'passthru/src') -Files @{ 'a.txt' = 'a'; 'b.txt' = 'b' }
            $out = @(Invoke-TestClone -Source $src -Destination (Join-Path $TestDrive 'passthru/dst') -With @{ PassThru = $true })
            $out | Should -HaveCount 3
            $out[0..1] | ForEach-Object { $_ | Should -BeOfType PSClone.CloneItemResult }
            $out[2] | Should -BeOfType PSClone.CloneRunResult
        }

        It 'binds Source and Destination by property name' {
            $src = New-TestTree -Root (Join-Path $TestDrive 'bind/src') -Files @{ 'a.txt' = 'a' }
            $job = [pscustomobject]@{ Source = $src; Destination = (Join-Path $TestDrive 'bind/dst') }
            $run = $job | Invoke-Clone -SafetyNetMinFree 0 -Confirm:$false
            $run.Status | Should -Be 'Success'
            Join-Path $TestDrive 'bind/dst/a.txt' | Should -Exist
        }

        It 'does not prompt with -Confirm:$false, even when $ConfirmPreference is Low' {
            $ConfirmPreference = 'Low'
            $src = New-TestTree -Root (Join-Path $TestDrive 'noprompt/src') -Files @{ 'a.txt' = 'a' }
            (Invoke-TestClone -Source $src -Destination (Join-Path $TestDrive 'noprompt/dst')).Status | Should -Be 'Success'
        }
    }

    Context 'the SafetyNet' {
        It 'archives the old version of a changed file and a file deleted from the source' {
            $pair = New-ClonedPair -Name 'sn-on' -Files @{ 'report.txt' = 'v1'; 'docs/gone.txt' = 'gone' }
            Set-TestFile -Path (Join-Path $pair.Source 'report.txt') -Content 'version 2'
            Remove-Item -LiteralPath (Join-Path $pair.Source 'docs/gone.txt')

            $run = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination
            $run.ItemsArchived | Should -Be 2
            $run.SafetyNetFolder | Should -Exist
            Get-Content -Raw -LiteralPath (Join-Path $run.SafetyNetFolder 'report.txt') | Should -Be 'v1'
            $run | Get-SafetyNetItem | ForEach-Object { "$($_.RelativePath) $($_.Reason)" } | Join-Sorted |
                Should -Be 'docs/gone.txt Deleted,report.txt Modified'
        }

        It '-SafetyNet Off deletes instead of archiving' {
            $pair = New-ClonedPair -Name 'sn-off' -Files @{ 'docs/gone.txt' = 'gone'; 'docs/kept.txt' = 'kept' }
            Remove-Item -LiteralPath (Join-Path $pair.Source 'docs/gone.txt')
            $run = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination -With @{ SafetyNet = 'Off' }
            $run.ItemsDeleted | Should -Be 1
            Join-Path $pair.Destination 'docs/gone.txt' | Should -Not -Exist
            Join-Path $pair.Destination '_PSClone SafetyNet' | Should -Not -Exist
        }

        It '-SafetyNet KeepAll leaves deleted items in place' {
            $pair = New-ClonedPair -Name 'sn-keep' -Files @{ 'docs/gone.txt' = 'gone'; 'docs/kept.txt' = 'kept' }
            Remove-Item -LiteralPath (Join-Path $pair.Source 'docs/gone.txt')
            $run = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination -With @{ SafetyNet = 'KeepAll' }
            $run.ItemsArchived + $run.ItemsDeleted | Should -Be 0
            Join-Path $pair.Destination 'docs/gone.txt' | Should -Exist
        }

        It 'leaves items found only at the destination root alone unless -ProtectRootItems:$false' {
            $pair = New-ClonedPair -Name 'sn-root' -Files @{ 'a.txt' = 'a' }
            Set-TestFile -Path (Join-Path $pair.Destination 'mine.txt') -Content 'mine'
            (Invoke-TestClone -Source $pair.Source -Destination $pair.Destination).ItemsArchived | Should -Be 0
            Join-Path $pair.Destination 'mine.txt' | Should -Exist

            $run = Invoke-TestClone -Source $pair.Source -Destination $pair.Destination -With @{ ProtectRootItems = $false }
            $run.ItemsArchived | Should -Be 1
            Join-Path $pair.Destination 'mine.txt' | Should -Not -Exist
            Join-Path $run.SafetyNetFolder 'mine.txt' | Should -Exist
        }
    }

    Context 'refused runs change nothing' {
        BeforeAll {
            $null = New-TestTree -Root (Join-Path $TestDrive 'refuse/src') -Files @{ 'a.txt' = 'a'; 'sub/b.txt' = 'b' }
            Set-TestFile -Path (Join-Path $TestDrive 'refuse/a-file') -Content 'not a folder'
        }

        It 'refuses <Case> with <ErrorId>' -ForEach @(
            @{ Case = 'a missing source'; ErrorId = 'SourceNotFound'; Source = 'refuse/nope'; Destination = 'refuse/x' }
            @{ Case = 'a file as source'; ErrorId = 'SourceNotFolder'; Source = 'refuse/a-file'; Destination = 'refuse/x' }
            @{ Case = 'the source as destination'; ErrorId = 'DestinationIsSource'; Source = 'refuse/src'; Destination = 'refuse/src' }
            @{ Case = 'a destination inside the source'; ErrorId = 'DestinationInsideSource'; Source = 'refuse/src'; Destination = 'refuse/src/sub/clone' }
            @{ Case = 'a source inside the destination'; ErrorId = 'SourceInsideDestination'; Source = 'refuse/src/sub'; Destination = 'refuse/src' }
            @{ Case = 'a file as destination'; ErrorId = 'DestinationIsFile'; Source = 'refuse/src'; Destination = 'refuse/a-file' }
            @{ Case = 'a destination whose parent is missing'; ErrorId = 'DestinationParentNotFound'; Source = 'refuse/src'; Destination = 'refuse/no/such' }
        ) {
            $before = Get-TreeText -Root (Join-Path $TestDrive 'refuse')
            { Invoke-TestClone -Source (Join-Path $TestDrive $Source) -Destination (Join-Path $TestDrive $Destination) } |
                Should -Throw -ErrorId "$ErrorId,PSClone.Commands.InvokeCloneCommand"
            Get-TreeText -Root (Join-Path $TestDrive 'refuse') | Should -Be $before
        }

        It 'refuses a destination full of unrelated items; -Force clones onto it and keeps them' {
            $src = New-TestTree -Root (Join-Path $TestDrive 'guard/src') -Files @{ 'a.txt' = 'a' }
            $dst = New-TestTree -Root (Join-Path $TestDrive 'guard/dst') -Files @{ 'x1' = '1'; 'x2' = '2'; 'x3' = '3'; 'x4' = '4'; 'x5' = '5' }
            $before = Get-TreeText -Root $dst
            { Invoke-TestClone -Source $src -Destination $dst } | Should -Throw -ErrorId 'DestinationNotAClone,PSClone.Commands.InvokeCloneCommand'
            Get-TreeText -Root $dst | Should -Be $before

            (Invoke-TestClone -Source $src -Destination $dst -With @{ Force = $true }).Status | Should -Be 'Success'
            Join-Path $dst 'a.txt' | Should -Exist
            Join-Path $dst 'x1' | Should -Exist
        }

        It 'refuses a destination that is the clone of another source' {
            $pair = New-ClonedPair -Name 'other' -Files @{ 'a.txt' = 'a' }
            $other = New-TestTree -Root (Join-Path $TestDrive 'other/second-source') -Files @{ 'a.txt' = 'a' }
            { Invoke-TestClone -Source $other -Destination $pair.Destination } |
                Should -Throw -ErrorId 'DestinationBelongsToOtherSource,PSClone.Commands.InvokeCloneCommand'
        }

        It 'refuses an empty source that would delete everything' {
            $pair = New-ClonedPair -Name 'empty' -Files @{ 'photos/a.jpg' = 'a'; 'photos/b.jpg' = 'b' }
            Remove-Item -LiteralPath (Join-Path $pair.Source 'photos') -Recurse
            $before = Get-TreeText -Root $pair.Destination -SkipReserved
            { Invoke-TestClone -Source $pair.Source -Destination $pair.Destination -With @{ SafetyNet = 'Off' } } |
                Should -Throw -ErrorId 'EmptySource,PSClone.Commands.InvokeCloneCommand'
            Get-TreeText -Root $pair.Destination -SkipReserved | Should -Be $before
        }

        It 'refuses more deletions than -MaxDelete' {
            $pair = New-ClonedPair -Name 'maxdelete' -Files @{ 'd/1' = '1'; 'd/2' = '2'; 'd/3' = '3'; 'd/4' = '4' }
            Remove-Item -Path (Join-Path $pair.Source 'd/[123]')
            { Invoke-TestClone -Source $pair.Source -Destination $pair.Destination -With @{ MaxDelete = 2 } } |
                Should -Throw -ErrorId 'TooManyDeletions,PSClone.Commands.InvokeCloneCommand'
            Join-Path $pair.Destination 'd/1' | Should -Exist
        }

        It 'refuses a path that is not on the FileSystem provider' {
            $src = New-TestTree -Root (Join-Path $TestDrive 'provider/src') -Files @{ 'a.txt' = 'a' }
            { Invoke-TestClone -Source $src -Destination 'Env:\PSCloneTest' } |
                Should -Throw -ErrorId 'PathNotFileSystem,PSClone.Commands.InvokeCloneCommand'
        }

        It 'validates -MaxDeletePercent while binding' {
            { Invoke-Clone -Source $TestDrive -Destination (Join-Path $TestDrive 'x') -MaxDeletePercent 150 } |
                Should -Throw -ErrorId 'ParameterArgumentValidationError,PSClone.Commands.InvokeCloneCommand'
        }
    }
}
