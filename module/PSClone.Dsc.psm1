# PSClone's class-based DSC resource: PSCloneTask declares a saved clone task (and its schedule).
# It works with PSDesiredStateConfiguration 2.x and with DSC v3 through the Microsoft.DSC/PowerShell
# adapter (type PSClone/PSCloneTask). Every method calls the module's task cmdlets; the engine does the
# work, and Set-CloneTask writes nothing when nothing changes, so Set twice equals Set once.
# Only the properties a configuration sets are enforced; the others keep the task's values.

enum Ensure {
    Absent
    Present
}

[DscResource()]
class PSCloneTask {
    [DscProperty(Key)] [string] $Name
    [DscProperty()] [Ensure] $Ensure = [Ensure]::Present
    # DSC configures machines: the machine-wide task store unless told otherwise.
    [DscProperty()] [ValidateSet('AllUsers', 'CurrentUser')] [string] $Scope = 'AllUsers'
    [DscProperty()] [string] $Source
    [DscProperty()] [string] $Destination
    [DscProperty()] [string] $Description
    [DscProperty()] [ValidateSet('On', 'Off', 'KeepAll')] [string] $SafetyNet
    [DscProperty()] [Nullable[bool]] $ProtectRootItems
    [DscProperty()] [string[]] $Include
    [DscProperty()] [string[]] $Exclude
    [DscProperty()] [string] $FilterFile
    [DscProperty()] [Nullable[bool]] $Checksum
    [DscProperty()] [Nullable[bool]] $Verify
    [DscProperty()] [Nullable[bool]] $Force
    [DscProperty()] [Nullable[int]] $MaxDelete
    [DscProperty()] [Nullable[double]] $MaxDeletePercent
    [DscProperty()] [Nullable[long]] $SafetyNetMinFree
    # Time spans as text: '30.00:00:00' or '30d', '12h', '30m', '2w', '90s'.
    [DscProperty()] [string] $SafetyNetMaxAge
    [DscProperty()] [Nullable[long]] $SafetyNetMaxSize
    [DscProperty()] [Nullable[bool]] $AutoAdjust
    [DscProperty()] [Nullable[int]] $RetryCount
    [DscProperty()] [string] $RetryDelay
    [DscProperty()] [Nullable[bool]] $Durable
    [DscProperty()] [Nullable[int]] $ThrottleLimit
    [DscProperty()] [string[]] $RunAfter
    [DscProperty()] [string[]] $RunAfterAlways
    [DscProperty()] [string] $PreScript
    [DscProperty()] [string] $PostScript
    [DscProperty()] [string] $Webhook
    [DscProperty()] [ValidateSet('Failure', 'Always')] [string] $WebhookOn
    # None removes the schedule; the others register it with the platform scheduler.
    [DscProperty()] [ValidateSet('None', 'Daily', 'Hourly', 'Weekly', 'Interval')] [string] $Schedule
    # Daily and Weekly: 'HH:MM'. Hourly: minutes past the hour ('15').
    [DscProperty()] [string] $At
    [DscProperty()] [string[]] $DaysOfWeek
    [DscProperty()] [string] $Interval

    [PSCloneTask] Get() {
        $task = $this.FindTask()
        $state = [PSCloneTask]::new()
        $state.Name = $this.Name
        $state.Scope = $this.Scope
        if ($null -eq $task) {
            $state.Ensure = [Ensure]::Absent
            return $state
        }
        $state.Ensure = [Ensure]::Present
        $state.Name = $task.Name
        $state.Source = $task.Source
        $state.Destination = $task.Destination
        $state.Description = $task.Description
        $state.SafetyNet = $task.SafetyNet.ToString()
        $state.ProtectRootItems = $task.ProtectRootItems
        $state.Include = @($task.Include)
        $state.Exclude = @($task.Exclude)
        $state.FilterFile = $task.FilterFile
        $state.Checksum = $task.Checksum
        $state.Verify = $task.Verify
        $state.Force = $task.Force
        $state.MaxDelete = $task.MaxDelete
        $state.MaxDeletePercent = $task.MaxDeletePercent
        $state.SafetyNetMinFree = $task.SafetyNetMinFree
        $state.SafetyNetMaxAge = if ($null -ne $task.SafetyNetMaxAge) { $task.SafetyNetMaxAge.ToString() } else { $null }
        $state.SafetyNetMaxSize = $task.SafetyNetMaxSize
        $state.AutoAdjust = $task.AutoAdjust
        $state.RetryCount = $task.RetryCount
        $state.RetryDelay = $task.RetryDelay.ToString()
        $state.Durable = $task.Durable
        $state.ThrottleLimit = $task.Parallelism
        $state.RunAfter = @($task.RunAfter | Where-Object { $_.When.ToString() -eq 'Success' } | ForEach-Object { $_.Task })
        $state.RunAfterAlways = @($task.RunAfter | Where-Object { $_.When.ToString() -eq 'Always' } | ForEach-Object { $_.Task })
        $state.PreScript = $task.PreScript
        $state.PostScript = $task.PostScript
        if ($null -ne $task.Notification) {
            $state.Webhook = $task.Notification.Webhook
            $state.WebhookOn = $task.Notification.On.ToString()
        }
        $s = $task.Schedule
        if ($null -eq $s) {
            $state.Schedule = 'None'
        }
        else {
            $state.Schedule = $s.Kind.ToString()
            switch ($state.Schedule) {
                'Hourly' { $state.At = [string]$s.At.Minutes }
                'Interval' { $state.Interval = $s.Interval.ToString() }
                default { $state.At = $s.At.ToString('hh\:mm') }
            }
            if ($state.Schedule -eq 'Weekly') { $state.DaysOfWeek = @($s.DaysOfWeek | ForEach-Object { $_.ToString() }) }
        }
        return $state
    }

    [bool] Test() {
        $task = $this.FindTask()
        if ($this.Ensure -eq [Ensure]::Absent) { return $null -eq $task }
        if ($null -eq $task) {
            Write-Verbose "PSCloneTask '$($this.Name)': the task does not exist."
            return $false
        }
        $differences = $this.Differences($task)
        foreach ($difference in $differences) { Write-Verbose "PSCloneTask '$($this.Name)': $difference" }
        return $differences.Count -eq 0
    }

    [void] Set() {
        $task = $this.FindTask()
        if ($this.Ensure -eq [Ensure]::Absent) {
            if ($null -ne $task) { Remove-CloneTask -Name $this.Name -Scope $this.Scope -Confirm:$false -ErrorAction Stop }
            return
        }
        $options = $this.TaskParameters()
        if ($null -eq $task) {
            if (-not $this.Source -or -not $this.Destination) {
                throw "PSCloneTask '$($this.Name)' does not exist yet: set Source and Destination to create it."
            }
            New-CloneTask -Name $this.Name -Source $this.Source -Destination $this.Destination -Scope $this.Scope @options -Confirm:$false -ErrorAction Stop | Out-Null
        }
        else {
            if ($this.Source) { $options['Source'] = $this.Source }
            if ($this.Destination) { $options['Destination'] = $this.Destination }
            if ($options.Count -gt 0) { Set-CloneTask -Name $this.Name -Scope $this.Scope @options -Confirm:$false -ErrorAction Stop }
        }
        if ($this.Schedule -eq 'None') {
            Unregister-CloneTaskSchedule -Name $this.Name -Scope $this.Scope -Confirm:$false -ErrorAction Stop
        }
        elseif ($this.Schedule -and -not $this.ScheduleInPlace($this.FindTask())) {
            $when = $this.ScheduleParameters()
            Register-CloneTaskSchedule -Name $this.Name -Scope $this.Scope @when -Confirm:$false -ErrorAction Stop | Out-Null
        }
    }

    hidden [object] FindTask() {
        # A damaged task file is reported by Get-CloneTask; Set then fails on it with a clear error.
        return Get-CloneTask -Name $this.Name -Scope $this.Scope -ErrorAction SilentlyContinue | Select-Object -First 1
    }

    # The New-CloneTask / Set-CloneTask parameters for the properties this configuration sets.
    hidden [hashtable] TaskParameters() {
        $p = @{}
        if ($null -ne $this.Description) { $p['Description'] = $this.Description }
        if ($this.SafetyNet) { $p['SafetyNet'] = $this.SafetyNet }
        if ($null -ne $this.ProtectRootItems) { $p['ProtectRootItems'] = [switch][bool]$this.ProtectRootItems }
        if ($null -ne $this.Include) { $p['Include'] = $this.Include }
        if ($null -ne $this.Exclude) { $p['Exclude'] = $this.Exclude }
        if ($this.FilterFile) { $p['FilterFile'] = $this.FilterFile }
        if ($null -ne $this.Checksum) { $p['Checksum'] = [switch][bool]$this.Checksum }
        if ($null -ne $this.Verify) { $p['Verify'] = [switch][bool]$this.Verify }
        if ($null -ne $this.Force) { $p['Force'] = [switch][bool]$this.Force }
        if ($null -ne $this.MaxDelete) { $p['MaxDelete'] = $this.MaxDelete }
        if ($null -ne $this.MaxDeletePercent) { $p['MaxDeletePercent'] = $this.MaxDeletePercent }
        if ($null -ne $this.SafetyNetMinFree) { $p['SafetyNetMinFree'] = $this.SafetyNetMinFree }
        if ($this.SafetyNetMaxAge) { $p['SafetyNetMaxAge'] = [PSCloneTask]::ToTimeSpan($this.SafetyNetMaxAge) }
        if ($null -ne $this.SafetyNetMaxSize) { $p['SafetyNetMaxSize'] = $this.SafetyNetMaxSize }
        if ($null -ne $this.AutoAdjust) { $p['NoAutoAdjust'] = [switch](-not [bool]$this.AutoAdjust) }
        if ($null -ne $this.RetryCount) { $p['RetryCount'] = $this.RetryCount }
        if ($this.RetryDelay) { $p['RetryDelay'] = [PSCloneTask]::ToTimeSpan($this.RetryDelay) }
        if ($null -ne $this.Durable) { $p['Durable'] = [switch][bool]$this.Durable }
        if ($null -ne $this.ThrottleLimit) { $p['ThrottleLimit'] = $this.ThrottleLimit }
        if ($null -ne $this.RunAfter) { $p['RunAfter'] = $this.RunAfter }
        if ($null -ne $this.RunAfterAlways) { $p['RunAfterAlways'] = $this.RunAfterAlways }
        if ($this.PreScript) { $p['PreScript'] = $this.PreScript }
        if ($this.PostScript) { $p['PostScript'] = $this.PostScript }
        if ($this.Webhook) { $p['Webhook'] = $this.Webhook }
        if ($this.WebhookOn) { $p['WebhookOn'] = $this.WebhookOn }
        return $p
    }

    # What differs between the task and this configuration, one sentence each.
    hidden [string[]] Differences([object] $task) {
        $d = [System.Collections.Generic.List[string]]::new()
        foreach ($path in 'Source', 'Destination', 'FilterFile', 'PreScript', 'PostScript') {
            if ($this.$path -and -not [PSCloneTask]::SamePath($this.$path, $task.$path)) { $d.Add("$path is '$($task.$path)', not '$($this.$path)'.") }
        }
        if ($null -ne $this.Description -and $this.Description -cne [string]$task.Description) { $d.Add('Description differs.') }
        if ($this.SafetyNet -and $this.SafetyNet -ne $task.SafetyNet.ToString()) { $d.Add("SafetyNet is $($task.SafetyNet), not $($this.SafetyNet).") }
        foreach ($flag in 'ProtectRootItems', 'Checksum', 'Verify', 'Force', 'AutoAdjust', 'Durable') {
            if ($null -ne $this.$flag -and $this.$flag -ne $task.$flag) { $d.Add("$flag is $($task.$flag), not $($this.$flag).") }
        }
        foreach ($number in 'MaxDelete', 'MaxDeletePercent', 'SafetyNetMinFree', 'SafetyNetMaxSize', 'RetryCount') {
            if ($null -ne $this.$number -and $this.$number -ne $task.$number) { $d.Add("$number is $($task.$number), not $($this.$number).") }
        }
        if ($null -ne $this.ThrottleLimit -and $this.ThrottleLimit -ne $task.Parallelism) { $d.Add("ThrottleLimit is $($task.Parallelism), not $($this.ThrottleLimit).") }
        if ($this.SafetyNetMaxAge -and [PSCloneTask]::ToTimeSpan($this.SafetyNetMaxAge) -ne $task.SafetyNetMaxAge) { $d.Add("SafetyNetMaxAge is $($task.SafetyNetMaxAge), not $($this.SafetyNetMaxAge).") }
        if ($this.RetryDelay -and [PSCloneTask]::ToTimeSpan($this.RetryDelay) -ne $task.RetryDelay) { $d.Add("RetryDelay is $($task.RetryDelay), not $($this.RetryDelay).") }
        foreach ($list in 'Include', 'Exclude') {
            if ($null -ne $this.$list -and ($this.$list -join "`n") -cne (@($task.$list) -join "`n")) { $d.Add("$list is '$(@($task.$list) -join ', ')', not '$($this.$list -join ', ')'.") }
        }
        $success = @($task.RunAfter | Where-Object { $_.When.ToString() -eq 'Success' } | ForEach-Object { $_.Task }) -join "`n"
        $always = @($task.RunAfter | Where-Object { $_.When.ToString() -eq 'Always' } | ForEach-Object { $_.Task }) -join "`n"
        if ($null -ne $this.RunAfter -and ($this.RunAfter -join "`n") -ne $success) { $d.Add('RunAfter differs.') }
        if ($null -ne $this.RunAfterAlways -and ($this.RunAfterAlways -join "`n") -ne $always) { $d.Add('RunAfterAlways differs.') }
        if ($this.Webhook -and $this.Webhook -cne [string]$task.Notification.Webhook) { $d.Add('Webhook differs.') }
        if ($this.WebhookOn -and ($null -eq $task.Notification -or $this.WebhookOn -ne $task.Notification.On.ToString())) { $d.Add('WebhookOn differs.') }
        if ($this.Schedule -eq 'None' -and $null -ne $task.Schedule) { $d.Add("The task is scheduled ($($task.Schedule)); it should not be.") }
        if ($this.Schedule -and $this.Schedule -ne 'None' -and -not $this.ScheduleInPlace($task)) { $d.Add("The schedule is '$($task.Schedule)', not $($this.Schedule).") }
        return $d.ToArray()
    }

    # True when the task is registered with a scheduler at the times this configuration sets.
    hidden [bool] ScheduleInPlace([object] $task) {
        $s = if ($null -ne $task) { $task.Schedule } else { $null }
        if ($null -eq $s -or $null -eq $s.Scheduler -or $s.Kind.ToString() -ne $this.Schedule) { return $false }
        switch ($this.Schedule) {
            'Daily' { return $s.At -eq [PSCloneTask]::TimeOfDay($this.At) }
            'Hourly' { return $s.At -eq [PSCloneTask]::MinutesPastHour($this.At) }
            'Weekly' {
                $want = @($this.DaysOfWeek | ForEach-Object { [int][DayOfWeek]$_ } | Sort-Object) -join ','
                $have = @($s.DaysOfWeek | ForEach-Object { [int]$_ } | Sort-Object) -join ','
                return $s.At -eq [PSCloneTask]::TimeOfDay($this.At) -and $want -eq $have
            }
            'Interval' { return $s.Interval -eq [PSCloneTask]::ToTimeSpan($this.Interval) }
        }
        return $false
    }

    # The Register-CloneTaskSchedule parameters of this configuration's schedule.
    hidden [hashtable] ScheduleParameters() {
        switch ($this.Schedule) {
            'Daily' { return @{ Daily = $true; At = [datetime]::Today.Add([PSCloneTask]::TimeOfDay($this.At)) } }
            'Hourly' { return @{ Hourly = $true; At = [datetime]::Today.Add([PSCloneTask]::MinutesPastHour($this.At)) } }
            'Weekly' { return @{ Weekly = $true; DaysOfWeek = [DayOfWeek[]]$this.DaysOfWeek; At = [datetime]::Today.Add([PSCloneTask]::TimeOfDay($this.At)) } }
            'Interval' { return @{ Interval = [PSCloneTask]::ToTimeSpan($this.Interval) } }
        }
        throw "PSCloneTask '$($this.Name)': Schedule '$($this.Schedule)' has no parameters."
    }

    hidden static [TimeSpan] TimeOfDay([string] $text) {
        if ($text -notmatch '^([01]?\d|2[0-3]):([0-5]\d)$') { throw "At '$text' is not a time of day; write HH:MM, for example 02:00." }
        return [TimeSpan]::new([int]$Matches[1], [int]$Matches[2], 0)
    }

    hidden static [TimeSpan] MinutesPastHour([string] $text) {
        if ([string]::IsNullOrEmpty($text)) { return [TimeSpan]::Zero }
        if ($text -notmatch '^:?([0-5]?\d)$') { throw "At '$text' is not a minute past the hour; write 0 to 59." }
        return [TimeSpan]::FromMinutes([int]$Matches[1])
    }

    # '30d', '12h', '30m', '2w', '90s', or a TimeSpan ('1.00:00:00'), as psclone reads ages.
    hidden static [TimeSpan] ToTimeSpan([string] $text) {
        if ($text -match '^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$') {
            $value = [double]::Parse($Matches[1], [cultureinfo]::InvariantCulture)
            switch ($Matches[2].ToLowerInvariant()) {
                's' { return [TimeSpan]::FromSeconds($value) }
                'm' { return [TimeSpan]::FromMinutes($value) }
                'h' { return [TimeSpan]::FromHours($value) }
                'd' { return [TimeSpan]::FromDays($value) }
                'w' { return [TimeSpan]::FromDays($value * 7) }
            }
        }
        return [TimeSpan]::Parse($text, [cultureinfo]::InvariantCulture)
    }

    # Tasks store full paths without a trailing separator.
    hidden static [bool] SamePath([string] $want, [string] $have) {
        if ([string]::IsNullOrEmpty($have)) { return $false }
        $full = [System.IO.Path]::GetFullPath($want)
        $trimmed = $full.TrimEnd([char[]]@('/', '\'))
        if ($trimmed.Length -gt 0 -and -not $trimmed.EndsWith(':')) { $full = $trimmed }
        $comparison = if ($IsLinux) { [StringComparison]::Ordinal } else { [StringComparison]::OrdinalIgnoreCase }
        return [string]::Equals($full, $have, $comparison)
    }
}
