using System.Collections;
using System.Management.Automation;
using PSClone.Images;

namespace PSClone.Commands;

/// <summary>-Image takes a path or an object that names an image (BackupImageInfo, a snapshot, an
/// entry, a drive, a file): <see cref="ImageIdentity.Image"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class ImageArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) => IdentityArgument.Map(inputData, ImageIdentity.Image);
}

/// <summary>-Snapshot takes an id, 'latest', or a snapshot or entry object: <see cref="ImageIdentity.Snapshot"/>.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class SnapshotArgumentAttribute : ArgumentTransformationAttribute
{
    public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData) => IdentityArgument.Map(inputData, ImageIdentity.Snapshot);
}

internal static class IdentityArgument
{
    /// <summary>Names each element of a list, or the one value; values it cannot name stay as they came.</summary>
    public static object? Map(object? input, Func<object?, object?> name)
    {
        object? raw = input is PSObject p ? p.BaseObject : input;
        if (raw is IList list) return list.Cast<object?>().Select(item => One(item, name)).ToArray();
        return One(input, name);
    }

    private static object? One(object? input, Func<object?, object?> name)
    {
        object? raw = input is PSObject p ? p.BaseObject : input;
        object? named = name(raw);
        return ReferenceEquals(named, raw) ? input : named;
    }
}
