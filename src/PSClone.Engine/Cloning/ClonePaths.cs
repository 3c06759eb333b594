using System.Runtime.InteropServices;
using PSClone.Platform;

namespace PSClone.Cloning;

/// <summary>The source and destination of a run, resolved and checked (SPEC §2 safety checks):
/// nothing is written before these pass.</summary>
internal sealed class ClonePaths
{
    private static readonly StringComparison PathComparison =
        RuntimeInformation.IsOSPlatform(OSPlatform.Linux) ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    private ClonePaths(string source, string destination, bool destinationExists)
    {
        Source = source;
        Destination = destination;
        DestinationExists = destinationExists;
    }

    public string Source { get; }
    public string Destination { get; }
    public bool DestinationExists { get; }

    public static bool SamePath(string a, string b) => string.Equals(Normalize(a), Normalize(b), PathComparison);

    public static string Normalize(string path)
    {
        string full = Path.GetFullPath(path);
        string trimmed = full.TrimEnd('/', Path.DirectorySeparatorChar);
        return trimmed.Length == 0 || trimmed.EndsWith(':') ? full : trimmed;
    }

    /// <param name="destinationIsImage">The destination is an existing backup image (a SingleFile image is a file).</param>
    public static ClonePaths Resolve(CloneRequest request, IFileSystem fs, bool destinationIsImage = false)
    {
        if (string.IsNullOrWhiteSpace(request.Source))
            throw new PSCloneException("SourceRequired", FailureKind.InvalidArgument, "No source folder was given. Name the folder to clone.");
        if (string.IsNullOrWhiteSpace(request.Destination))
            throw new PSCloneException("DestinationRequired", FailureKind.InvalidArgument, "No destination folder was given. Name the folder to clone into.");

        string source = RealPath(Normalize(request.Source), fs);
        var sourceEntry = fs.TryGetEntry(source, false);
        if (sourceEntry is null)
            throw new PSCloneException("SourceNotFound", FailureKind.ObjectNotFound,
                $"The source folder '{request.Source}' does not exist. Check the path, and that its drive is mounted.", request.Source);
        if (sourceEntry.Kind != ItemType.Directory)
            throw new PSCloneException("SourceNotFolder", FailureKind.InvalidArgument,
                $"The source '{request.Source}' is a {Describe(sourceEntry.Kind)}, not a folder. Clone the folder that holds it, with -Include to pick it.", request.Source);

        string destination = RealPath(Normalize(request.Destination), fs);
        var destinationEntry = fs.TryGetEntry(destination, false);
        if (destinationEntry is not null && destinationEntry.Kind != ItemType.Directory && !(destinationIsImage && destinationEntry.Kind == ItemType.File))
            throw new PSCloneException("DestinationIsFile", FailureKind.InvalidArgument,
                $"The destination '{request.Destination}' is a {Describe(destinationEntry.Kind)}, not a folder. Give the path of a folder (it is created if missing).",
                request.Destination);
        if (destinationEntry is null)
        {
            string? parent = Path.GetDirectoryName(destination);
            if (parent is null || fs.TryGetEntry(parent, false) is not { Kind: ItemType.Directory })
                throw new PSCloneException("DestinationParentNotFound", FailureKind.ObjectNotFound,
                    $"The folder that would hold the destination, '{parent}', does not exist. Check the path and that the destination drive is mounted; " +
                    "PSClone creates only the last folder of a destination path.", request.Destination);
        }
        return new ClonePaths(source, destination, destinationEntry is not null);
    }

    private static string Describe(ItemType kind) => kind switch
    {
        ItemType.File => "file",
        ItemType.SymbolicLink => "link that does not lead to a folder",
        _ => "special file",
    };

    public void CheckNesting(PathFilter filter)
    {
        if (string.Equals(Source, Destination, PathComparison))
            throw new PSCloneException("DestinationIsSource", FailureKind.InvalidArgument,
                $"The destination '{Destination}' is the source itself. Choose another destination.", Destination);
        if (IsUnder(Destination, Source))
        {
            string relative = Destination[(Source.TrimEnd('/').Length + 1)..];
            if (!IsExcluded(filter, relative))
                throw new PSCloneException("DestinationInsideSource", FailureKind.InvalidArgument,
                    $"The destination '{Destination}' is inside the source '{Source}', so the clone would copy itself. " +
                    $"Choose a destination outside the source, or exclude it (-Exclude '/{relative}/').", Destination);
        }
        if (IsUnder(Source, Destination))
            throw new PSCloneException("SourceInsideDestination", FailureKind.InvalidArgument,
                $"The source '{Source}' is inside the destination '{Destination}', so the clone would replace its own source. Choose another destination.",
                Destination);
    }

    private static bool IsExcluded(PathFilter filter, string relative)
    {
        string[] parts = relative.Split('/');
        for (int i = 1; i <= parts.Length; i++)
        {
            if (filter.IsExcluded(string.Join('/', parts[..i]), isDirectory: true)) return true;
        }
        return false;
    }

    private static bool IsUnder(string child, string parent)
    {
        string prefix = parent.EndsWith('/') || parent.EndsWith(Path.DirectorySeparatorChar) ? parent : parent + Path.DirectorySeparatorChar;
        return child.StartsWith(prefix, PathComparison)
            || (Path.DirectorySeparatorChar != '/' && child.StartsWith(parent + "/", PathComparison));
    }

    /// <summary>Resolves links in every component, so two spellings of one folder compare equal.
    /// A missing tail is kept as written.</summary>
    private static string RealPath(string path, IFileSystem fs)
    {
        for (int hops = 0; hops < 40; hops++)
        {
            string? changed = ResolveFirstLink(path, fs);
            if (changed is null) return path;
            path = changed;
        }
        throw new PSCloneException("PathLinkLoop", FailureKind.InvalidArgument,
            $"The path '{path}' goes through too many links (a loop?). Give the path of the folder itself.", path);
    }

    private static string? ResolveFirstLink(string path, IFileSystem fs)
    {
        string root = Path.GetPathRoot(path) ?? "/";
        string[] parts = path[root.Length..].Split('/', Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        string current = root;
        for (int i = 0; i < parts.Length; i++)
        {
            string next = Path.Combine(current, parts[i]);
            var entry = fs.TryGetEntry(next, false);
            if (entry is null) return null;
            if (entry.Kind == ItemType.SymbolicLink && entry.LinkTarget is { } target)
            {
                string resolved = Path.GetFullPath(Path.Combine(current, target));
                string rest = string.Join('/', parts[(i + 1)..]);
                return Normalize(rest.Length == 0 ? resolved : Path.Combine(resolved, rest));
            }
            current = next;
        }
        return null;
    }
}
