using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using Xunit;

namespace PSClone.Tests.Help;

/// <summary>module/PSClone.Format.ps1xml: every view names a real public output type and real
/// properties, every type a cmdlet emits has a view, and the module manifest loads the file.</summary>
public sealed class FormatViewTests
{
    private static readonly string FormatFile = Path.Combine(HelpCoverageTests.RepoRoot, "module", "PSClone.Format.ps1xml");
    private static readonly Assembly EngineAssembly = typeof(CloneRunResult).Assembly;

    private static List<XElement> Views() => XDocument.Load(FormatFile).Root!.Element("ViewDefinitions")!.Elements("View").ToList();

    private static Type ViewType(XElement view)
    {
        string name = view.Element("ViewSelectedBy")!.Element("TypeName")!.Value.Trim();
        var type = EngineAssembly.GetType(name);
        Assert.True(type is { IsPublic: true }, $"View '{view.Element("Name")?.Value}' selects '{name}', which is not a public type of PSClone.Engine.");
        return type!;
    }

    [Fact]
    public void EveryViewSelectsAPublicEngineTypeAndNamesOnlyItsProperties()
    {
        var views = Views();
        Assert.NotEmpty(views);
        foreach (var view in views)
        {
            var type = ViewType(view);
            Assert.Single(view.Element("ViewSelectedBy")!.Elements("TypeName"));
            foreach (var property in view.Descendants("PropertyName").Select(p => p.Value.Trim()))
                Assert.True(type.GetProperty(property) is not null, $"{type.FullName} has no property '{property}' (view {view.Element("Name")!.Value}).");
            foreach (var script in view.Descendants("ScriptBlock").Select(s => s.Value))
            {
                foreach (Match m in Regex.Matches(script, @"\$_\.(\w+)"))
                    Assert.True(type.GetProperty(m.Groups[1].Value) is not null, $"{type.FullName} has no property '{m.Groups[1].Value}' (script block '{script}').");
            }
        }
    }

    [Fact]
    public void EveryTypeACmdletEmitsHasATableView()
    {
        var tables = Views().Where(v => v.Element("TableControl") is not null).Select(ViewType).ToHashSet();
        var emitted = CmdletMetadata.All().SelectMany(c => c.OutputTypes).Where(t => t.Assembly == EngineAssembly).Distinct().ToList();
        Assert.Equal(18, emitted.Count);
        foreach (var type in emitted)
            Assert.True(tables.Contains(type), $"{type.FullName} is named in an [OutputType] but has no table view.");
        foreach (var type in CmdletMetadata.All().SelectMany(c => c.OutputTypes).Where(t => t.Assembly != EngineAssembly))
            Assert.True(type.IsPrimitive, $"{type.FullName} is emitted but is neither an engine type nor a primitive.");
    }

    [Fact]
    public void TablesHaveOneItemPerHeaderAndLabelHumanUnits()
    {
        foreach (var view in Views().Select(v => v.Element("TableControl")).OfType<XElement>())
        {
            var headers = view.Element("TableHeaders")!.Elements("TableColumnHeader").ToList();
            var items = view.Descendants("TableColumnItems").Single().Elements("TableColumnItem").ToList();
            Assert.Equal(headers.Count, items.Count);
            for (int i = 0; i < items.Count; i++)
            {
                string? script = items[i].Element("ScriptBlock")?.Value;
                if (script is null) continue;
                string label = headers[i].Element("Label")?.Value ?? "";
                var unit = Regex.Match(script, @"/ 1(KB|MB|GB)\b");
                if (unit.Success)
                {
                    Assert.EndsWith($"({unit.Groups[1].Value})", label, StringComparison.Ordinal);
                    Assert.Equal("Right", headers[i].Element("Alignment")?.Value);
                }
                else
                {
                    Assert.True(label.Length > 0, $"A computed column needs a label: '{script}'.");
                }
            }
        }
    }

    [Fact]
    public void TheManifestLoadsTheFormatFile()
    {
        Assert.True(File.Exists(FormatFile));
        string manifest = File.ReadAllText(Path.Combine(HelpCoverageTests.RepoRoot, "PSClone.psd1"));
        var formats = Regex.Match(manifest, @"FormatsToProcess\s*=\s*@\(([^)]*)\)");
        Assert.True(formats.Success, "PSClone.psd1 has no FormatsToProcess.");
        Assert.Contains("'PSClone.Format.ps1xml'", formats.Groups[1].Value, StringComparison.Ordinal);
    }
}
