namespace PSClone.SafetyNet;

/// <summary>What happens to an item already on the destination that the clone would destroy.</summary>
internal enum Disposition
{
    /// <summary>Move it into this run's SafetyNet folder.</summary>
    Archive,

    /// <summary>Delete it (for a replaced item: once the new version is in place).</summary>
    Delete,

    /// <summary>Leave it where it is.</summary>
    Leave,

    /// <summary>The item cannot be replaced under this mode: it fails, the run goes on.</summary>
    Fail,
}

/// <summary>Why a destination item is in the way.</summary>
internal enum Displacement
{
    /// <summary>Its source has a newer version (content, link target, or type changed).</summary>
    Modified,

    /// <summary>It is not in the source (any more).</summary>
    Deleted,
}

/// <summary>The SafetyNet table of SPEC §3, in one place: mode × why × where × what kind.</summary>
internal static class SafetyNetRules
{
    /// <summary>Root-item protection defaults to on with SafetyNet On, off otherwise.</summary>
    public static bool DefaultProtectRoot(SafetyNetMode mode) => mode == SafetyNetMode.On;

    public static Disposition Decide(SafetyNetMode mode, bool protectRoot, Displacement why, bool atRoot,
        ItemType existingType, ItemType? newType)
    {
        if (why == Displacement.Modified)
        {
            // KeepAll deletes nothing, and archiving a replaced folder would take its
            // deleted-from-source contents with it: a folder replaced by a non-folder fails.
            if (mode == SafetyNetMode.KeepAll && existingType == ItemType.Directory && newType is not ItemType.Directory)
                return Disposition.Fail;
            return mode == SafetyNetMode.Off ? Disposition.Delete : Disposition.Archive;
        }
        if (atRoot && protectRoot) return Disposition.Leave;
        return mode switch
        {
            SafetyNetMode.On => Disposition.Archive,
            SafetyNetMode.Off => Disposition.Delete,
            _ => Disposition.Leave,
        };
    }
}
