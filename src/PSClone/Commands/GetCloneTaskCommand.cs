using System.Management.Automation;

namespace PSClone.Commands;

/// <summary>Get-CloneTask: the saved tasks, by name (wildcards) or id.</summary>
[Cmdlet(VerbsCommon.Get, "CloneTask", DefaultParameterSetName = NameSet)]
[OutputType(typeof(CloneTask))]
public sealed class GetCloneTaskCommand : CloneTaskCmdlet
{
    /// <summary>Task names; wildcards allowed. None: every task.</summary>
    [Parameter(Position = 0, ParameterSetName = NameSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [SupportsWildcards]
    public string[]? Name { get; set; }

    /// <summary>Task ids; binds the TaskId of a piped health object or run too.</summary>
    [Parameter(Mandatory = true, ParameterSetName = IdSet, ValueFromPipelineByPropertyName = true)]
    [Alias("TaskId")]
    public Guid[]? Id { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var task in SelectTasks(Name, Id, null)) WriteObject(task);
    }
}
