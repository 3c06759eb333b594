# Helpers of the backup image tests, dot-sourced after common.ps1. Images get small chunks and
# packs (so small trees use many) and a cheap key derivation; everything lives in $TestDrive.

$PSCloneTestSecret = 'correct horse battery staple'
$PSCloneTestPassphrase = ConvertTo-SecureString -String $PSCloneTestSecret -AsPlainText -Force
# A passphrase in the environment of the test run would change what the tests without one see.
Remove-Item -Path Env:PSCLONE_PASSPHRASE, Env:PSCLONE_NEW_PASSPHRASE -ErrorAction SilentlyContinue

function New-TestImage {
    <# Creates an image in $TestDrive and returns its path (a .psimgbundle name makes a bundle). #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [switch] $Encrypted,
        [long] $Capacity
    )
    $path = Join-Path $TestDrive $Name
    $with = @{ Path = $path; ChunkSize = 16KB; PackSize = 256KB; KdfIterations = 1000; Confirm = $false }
    if ($Encrypted) { $with.Passphrase = $PSCloneTestPassphrase }
    if ($Capacity) { $with.Capacity = $Capacity }
    $null = New-BackupImage @with
    $path
}

function Backup-TestTree {
    <# Invoke-Clone into an image (one snapshot); fails the test unless the run succeeds. #>
    param(
        [Parameter(Mandatory)] [string] $Source,
        [Parameter(Mandatory)] [string] $Image,
        [switch] $Encrypted
    )
    $with = @{}
    if ($Encrypted) { $with.Passphrase = $PSCloneTestPassphrase }
    $run = Invoke-TestClone -Source $Source -Destination $Image -With $with
    if ($run.Status -ne 'Success' -or -not $run.SnapshotId) { throw "The backup of '$Source' into '$Image' ended with $($run.Status)." }
    $run
}

function New-TestImageWithSnapshots {
    <# Documents in $TestDrive/<Name> backed up twice: Letters/offer.docx changes between the
       snapshots and new.txt comes with the second. Returns Source, Image, First and Second. #>
    param(
        [Parameter(Mandatory)] [string] $Name,
        [switch] $Encrypted
    )
    $source = New-TestTree -Root (Join-Path $TestDrive "$Name/Documents") -Files @{
        'a.txt' = "alpha`nbeta`n"; 'Letters/offer.docx' = 'offer v1'; 'Letters/2025/old.docx' = 'old letter'; 'Letters/list.txt' = 'list'
    }
    $image = New-TestImage -Name "$Name.psimg" -Encrypted:$Encrypted
    $first = Backup-TestTree -Source $source -Image $image -Encrypted:$Encrypted
    Set-TestFile -Path (Join-Path $source 'Letters/offer.docx') -Content 'offer v2, longer'
    Set-TestFile -Path (Join-Path $source 'new.txt') -Content 'new'
    $second = Backup-TestTree -Source $source -Image $image -Encrypted:$Encrypted
    [pscustomobject]@{ Source = $source; Image = $image; First = $first.SnapshotId; Second = $second.SnapshotId }
}

function Set-DamagedData {
    <# Flips one byte in the middle of the largest pack file of a bundle (chunk data, not metadata). #>
    param([Parameter(Mandatory)] [string] $Bundle)
    $pack = Get-ChildItem -LiteralPath $Bundle -Recurse -File | Where-Object Name -ne 'psimg' | Sort-Object Length -Descending | Select-Object -First 1
    $stream = [System.IO.File]::Open($pack.FullName, 'Open', 'ReadWrite')
    try {
        $stream.Position = [long]($pack.Length / 2)
        $byte = $stream.ReadByte()
        $stream.Position = [long]($pack.Length / 2)
        $stream.WriteByte($byte -bxor 0x10)
    }
    finally {
        $stream.Dispose()
    }
}
