using System.Collections;
using System.Collections.ObjectModel;
using System.Management.Automation;
using System.Management.Automation.Provider;
using System.Security;
using PSClone.Commands;
using PSClone.Images;

namespace PSClone.Provider;

/// <summary>The BackupImage provider: a backup image as a read-only drive (Mount-BackupImage, or
/// New-PSDrive -PSProvider BackupImage -Root IMAGE). A thin adapter: paths, items, listings and
/// content come from <see cref="ImageDriveView"/> and <see cref="ImageContentReader"/>.</summary>
[CmdletProvider(ProviderName, ProviderCapabilities.Credentials)]
[OutputType(typeof(BackupImageEntry), typeof(BackupSnapshot), typeof(BackupImageInfo), ProviderCmdlet = ProviderCmdlet.GetChildItem)]
[OutputType(typeof(BackupImageEntry), typeof(BackupSnapshot), typeof(BackupImageInfo), ProviderCmdlet = ProviderCmdlet.GetItem)]
[OutputType(typeof(string), typeof(byte), ProviderCmdlet = ProviderCmdlet.GetContent)]
public sealed class BackupImageProvider : NavigationCmdletProvider, IContentCmdletProvider
{
    public const string ProviderName = "BackupImage";

    // ---------------------------------------------------------------- drives

    protected override object NewDriveDynamicParameters() => Parameters(
        ("Passphrase", typeof(SecureString)), ("Snapshot", typeof(string)), ("AllSnapshots", typeof(SwitchParameter)));

    protected override PSDriveInfo NewDrive(PSDriveInfo drive)
    {
        if (drive is BackupImageDriveInfo mounted) return mounted; // made by Mount-BackupImage
        string image = SessionState.Path.GetUnresolvedProviderPathFromPSPath(drive.Root, out var provider, out _);
        if (provider.Name != "FileSystem") ThrowTerminatingError(Errors.NotFileSystem("Root", drive.Root));
        var secure = Value<SecureString>("Passphrase") ?? (drive.Credential?.Password is { Length: > 0 } p ? p : null);
        using var passphrase = BackupImageCmdlet.PassphraseFrom(secure, BackupImageCmdlet.PassphraseVariable);
        var view = Guard(() => new ImageDriveView(new ImageManager().OpenBrowser(image, passphrase), Value<string>("Snapshot"), Value<SwitchParameter>("AllSnapshots").IsPresent));
        return new BackupImageDriveInfo(drive.Name, drive.Provider, view, drive.Description, drive.Credential);
    }

    protected override PSDriveInfo RemoveDrive(PSDriveInfo drive)
    {
        (drive as BackupImageDriveInfo)?.View.Dispose();
        return drive;
    }

    // ---------------------------------------------------------------- items and navigation

    protected override bool IsValidPath(string path) => !string.IsNullOrEmpty(path);

    protected override bool ItemExists(string path) => Guard(() => ViewFor(path)?.GetItem(path) is not null);

    protected override bool IsItemContainer(string path) => Guard(() => ViewFor(path)?.IsContainer(path) ?? false);

    protected override bool HasChildItems(string path) => Guard(() => ViewFor(path)?.GetChildren(path).Count > 0);

    protected override void GetItem(string path)
    {
        var item = Guard(() => ViewFor(path)?.GetItem(path));
        if (item is null) WriteError(NotFound(path));
        else WriteItemObject(item.Item, item.Path, item.IsContainer);
    }

    protected override void GetChildItems(string path, bool recurse) => GetChildItems(path, recurse, uint.MaxValue);

    protected override void GetChildItems(string path, bool recurse, uint depth)
    {
        var view = ViewFor(path);
        var item = Guard(() => view?.GetItem(path));
        if (view is null || item is null)
        {
            WriteError(NotFound(path));
            return;
        }
        if (!item.IsContainer)
        {
            WriteItemObject(item.Item, item.Path, false); // as Get-ChildItem does for a file
            return;
        }
        using var stop = new CancellationTokenSource();
        var items = recurse ? view.Walk(path, depth, stop.Token) : view.GetChildren(path);
        Guard(() =>
        {
            foreach (var child in items)
            {
                if (Stopping) return 0;
                WriteItemObject(child.Item, child.Path, child.IsContainer);
            }
            return 0;
        });
    }

    protected override void GetChildNames(string path, ReturnContainers returnContainers)
    {
        foreach (var child in Guard(() => ViewFor(path)?.GetChildren(path) ?? Array.Empty<ImageDriveItem>()))
        {
            if (Stopping) return;
            WriteItemObject(child.Name, child.Path, child.IsContainer);
        }
    }

    protected override string MakePath(string parent, string child) => ImageDriveView.MakePath(parent, child);

    protected override string GetParentPath(string path, string root) => ImageDriveView.GetParentPath(path, root);

    protected override string GetChildName(string path) => ImageDriveView.GetChildName(path);

    // ---------------------------------------------------------------- content

    public IContentReader GetContentReader(string path)
    {
        var view = ViewFor(path);
        if (view is null) ThrowTerminatingError(NotFound(path));
        var mode = Value<SwitchParameter>("AsByteStream").IsPresent ? ImageContentMode.Bytes
            : Value<SwitchParameter>("Raw").IsPresent ? ImageContentMode.Raw : ImageContentMode.Lines;
        return new ContentReader(new ImageContentReader(Guard(() => view!.OpenContent(path)), mode));
    }

    public object GetContentReaderDynamicParameters(string path) => Parameters(("Raw", typeof(SwitchParameter)), ("AsByteStream", typeof(SwitchParameter)));

    public IContentWriter GetContentWriter(string path)
    {
        ThrowTerminatingError(ReadOnly(path));
        return null!;
    }

    public object? GetContentWriterDynamicParameters(string path) => null;

    public void ClearContent(string path) => ThrowTerminatingError(ReadOnly(path));

    public object? ClearContentDynamicParameters(string path) => null;

    private sealed class ContentReader(ImageContentReader reader) : IContentReader
    {
        public IList Read(long readCount) => reader.Read(readCount);
        public void Seek(long offset, SeekOrigin origin) => reader.Seek(offset, origin);
        public void Close() => reader.Dispose();
        public void Dispose() => reader.Dispose();
    }

    // ---------------------------------------------------------------- helpers

    /// <summary>The view that holds a path: the current drive's, or (for a provider-qualified path)
    /// the drive whose root the path is under, the most specific first.</summary>
    private ImageDriveView? ViewFor(string path)
    {
        if (PSDriveInfo is BackupImageDriveInfo current && current.View.Contains(path)) return current.View;
        if (!System.IO.Path.IsPathRooted(ImageDriveView.Normalize(path))) return null;
        return ProviderInfo.Drives.OfType<BackupImageDriveInfo>().Select(d => d.View)
            .OrderByDescending(v => v.Root.Length).FirstOrDefault(v => v.Contains(path));
    }

    /// <summary>Engine failures (a damaged image, a wrong snapshot) as terminating errors with their ids.</summary>
    private T Guard<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (PSCloneException ex)
        {
            ThrowTerminatingError(Errors.From(ex));
            throw; // not reached
        }
    }

    private T? Value<T>(string name) =>
        DynamicParameters is RuntimeDefinedParameterDictionary values && values.TryGetValue(name, out var p) && p.IsSet && p.Value is T value ? value : default;

    private static RuntimeDefinedParameterDictionary Parameters(params (string Name, Type Type)[] parameters)
    {
        var dictionary = new RuntimeDefinedParameterDictionary();
        foreach (var (name, type) in parameters)
            dictionary.Add(name, new RuntimeDefinedParameter(name, type, new Collection<Attribute> { new ParameterAttribute() }));
        return dictionary;
    }

    private static ErrorRecord NotFound(string path) =>
        new(new ItemNotFoundException($"Cannot find '{path}' in the mounted backup image. List it with Get-ChildItem."), "ImagePathNotFound", ErrorCategory.ObjectNotFound, path);

    private static ErrorRecord ReadOnly(string path) =>
        new(new PSNotSupportedException($"'{path}' is on a read-only backup image drive. Restore items with Restore-BackupImageItem and change them there."),
            "ImageDriveReadOnly", ErrorCategory.InvalidOperation, path);
}
