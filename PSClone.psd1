# PSClone module manifest. ModuleVersion here is the single source of the version number:
# Directory.Build.props reads it for every assembly, and the build copies this file into the module.
@{
    RootModule           = 'PSClone.dll'
    ModuleVersion        = '0.1.0'
    GUID                 = 'd6d646fc-968e-4ab1-afe1-03921179a54a'
    Author               = 'The PSClone developers'
    CompanyName          = 'PSClone'
    Copyright            = '(c) The PSClone developers. All rights reserved.'
    Description          = 'Incremental clones that keep every byte and attribute, a SafetyNet that never destroys what a clone replaces, and verification you can trust.'
    CompatiblePSEditions = @('Core')
    PowerShellVersion    = '7.4'
    FormatsToProcess     = @('PSClone.Format.ps1xml')
    # zstd for backup image records (format 2), a managed library shipped next to the engine.
    RequiredAssemblies   = @('ZstdSharp.dll')
    NestedModules        = @('PSClone.Dsc.psm1')
    DscResourcesToExport = @('PSCloneTask')
    CmdletsToExport      = @(
        'Invoke-Clone'
        'Test-Clone'
        'Get-SafetyNetItem'
        'Restore-SafetyNetItem'
        'Remove-SafetyNetItem'
        'Clear-SafetyNet'
        'New-CloneTask'
        'Get-CloneTask'
        'Set-CloneTask'
        'Remove-CloneTask'
        'Invoke-CloneTask'
        'Get-CloneTaskHistory'
        'Test-CloneTask'
        'Register-CloneTaskSchedule'
        'Unregister-CloneTaskSchedule'
        'Export-CloneTask'
        'Import-CloneTask'
        'New-BackupImage'
        'Get-BackupImage'
        'Get-BackupSnapshot'
        'Remove-BackupSnapshot'
        'Get-BackupImageItem'
        'Restore-BackupImageItem'
        'Compress-BackupImage'
        'Optimize-BackupImage'
        'Resize-BackupImage'
        'Test-BackupImage'
        'Set-BackupImagePassphrase'
        'Mount-BackupImage'
        'Dismount-BackupImage'
    )
    FunctionsToExport    = @()
    AliasesToExport      = @()
    VariablesToExport    = @()
    PrivateData          = @{
        PSData = @{
            Tags       = @('Backup', 'Clone', 'Sync', 'SafetyNet', 'PSEdition_Core', 'Linux', 'Windows', 'MacOS')
            ProjectUri = 'https://github.com/psclone/psclone'
        }
    }
}
