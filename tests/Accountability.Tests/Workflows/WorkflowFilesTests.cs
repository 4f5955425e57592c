using Accountability.Calendar;
using Accountability.Organization;

namespace Accountability.Tests.Workflows;

/// <summary>Every file shipped in workflows/ is loaded and validated: a sample that no longer loads fails the build.</summary>
public sealed class WorkflowFilesTests
{
    [Fact]
    public void EveryOrganizationSample_ReadsWithoutProblems()
    {
        var files = Directory.GetFiles(RepositoryPaths.Sample("organization"));
        Assert.NotEmpty(files);
        foreach (var file in files)
        {
            var problems = new List<InputProblem>();
            var organization = OrganizationFileReader.Read(file, File.ReadAllBytes(file), problems);
            Assert.NotNull(organization);
            OrganizationValidator.Validate(organization, [], problems);
            Assert.Empty(problems);
            Assert.True(organization.Units.Count >= 30, file);
        }
    }

    [Fact]
    public void EveryCalendar_LoadsWithoutProblems()
    {
        var problems = new List<InputProblem>();

        var calendars = CalendarCatalog.Load(Path.Combine(RepositoryPaths.Workflows, "calendars"), problems);

        Assert.Empty(problems);
        Assert.Contains("cn", calendars.Keys);
    }
}
