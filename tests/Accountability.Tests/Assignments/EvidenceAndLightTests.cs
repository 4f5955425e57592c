using System.IO.Compression;
using System.Text;
using Accountability.Assignments;

namespace Accountability.Tests.Assignments;

/// <summary>Evidence is judged by its bytes; lights by scheduled against reported progress.</summary>
public sealed class EvidenceAndLightTests
{
    private static byte[] Zip(params string[] entries)
    {
        using var stream = new MemoryStream();
        using (var zip = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var entry in entries)
            {
                using var writer = new StreamWriter(zip.CreateEntry(entry).Open());
                writer.Write("<x/>");
            }
        }

        return stream.ToArray();
    }

    [Fact]
    public void Detect_KnowsImagesPdfAndOfficeDocumentsByTheirContent()
    {
        Assert.Equal("image/png", EvidenceInspector.Detect(AssignmentFixture.Photo().Content).Type);
        Assert.Equal("application/pdf", EvidenceInspector.Detect(AssignmentFixture.Pdf().Content).Type);
        Assert.Equal("image/jpeg", EvidenceInspector.Detect([0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10]).Type);
        Assert.Equal("application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            EvidenceInspector.Detect(Zip("[Content_Types].xml", "word/document.xml")).Type);
        Assert.Equal("application/ofd", EvidenceInspector.Detect(Zip("OFD.xml", "Doc_0/Document.xml")).Type);
    }

    [Fact]
    public void Detect_RefusesProgramsScriptsArchivesAndMacros()
    {
        Assert.Contains("executable", EvidenceInspector.Detect([0x4D, 0x5A, 0x90, 0]).Refusal);
        Assert.Contains("executable", EvidenceInspector.Detect("#!/bin/sh\nrm -rf /"u8.ToArray()).Refusal);
        Assert.Contains("archives", EvidenceInspector.Detect(Zip("setup.exe")).Refusal);
        Assert.Contains("macros", EvidenceInspector.Detect(Zip("[Content_Types].xml", "word/document.xml", "word/vbaProject.bin")).Refusal);
        Assert.Null(EvidenceInspector.Detect(Encoding.UTF8.GetBytes("<html><script>")).Type);
    }

    [Fact]
    public void InspectAll_RefusesANameThatLiesAboutTheContent_AndOversizedFiles()
    {
        var problems = new List<InputProblem>();
        var options = new EvidenceOptions { MaxFileBytes = 40 };

        var accepted = EvidenceInspector.InspectAll(
            [new EvidenceUpload("照片", "report.pdf", AssignmentFixture.Photo().Content), AssignmentFixture.Pdf(), AssignmentFixture.Photo("照片", "../../etc/ok.png")],
            options, problems);

        Assert.Equal(2, problems.Count);
        Assert.Contains("ends in .pdf but the content is image/png", problems[0].Reason);
        Assert.Contains("over the limit", problems[1].Reason);
        Assert.Equal("ok.png", Assert.Single(accepted).FileName);
    }

    [Fact]
    public void Options_OutOfRange_AreReportedAtStartUp()
    {
        Assert.NotEmpty(new EvidenceOptions { MaxFileBytes = 0, AllowedTypes = ["application/x-msdownload"] }.Problems());
        Assert.NotEmpty(new ProgressLightOptions { YellowFromPointsBehind = 40, RedBeyondPointsBehind = 30 }.Problems());
        Assert.Empty(new ProgressLightOptions().Problems());
    }

    [Theory]
    [InlineData(30, "green")]   // scheduled 30% at the milestone, 30% reported
    [InlineData(20, "yellow")]  // 10 points behind
    [InlineData(0, "yellow")]   // 30 points behind is still yellow
    public void ScheduledProgress_FromMilestones_GivesTheLight(int reported, string light)
    {
        var campaign = new CampaignFacts(1, "c", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"),
            new Accountability.Calendar.CalendarCatalog(Path.Combine(RepositoryPaths.Workflows, "calendars")).Get("cn"), null, null);
        var item = new AssignmentFacts
        {
            IssuedAt = AssignmentFixture.Local(2017, 9, 1, 9), DueAt = AssignmentFixture.EndOfDay(new DateOnly(2017, 12, 31)),
            Milestones = """[{"on": "2017-10-31", "percent": 30}]""", ProgressPercent = reported, ProgressReportedAt = AssignmentFixture.Local(2017, 10, 30),
        };

        Assert.Equal(light, ProgressLights.Compute(item, "in_progress", true, campaign, AssignmentFixture.Local(2017, 10, 31, 12), new ProgressLightOptions()));
    }

    [Fact]
    public void ScheduledProgress_RunsLinearlyBetweenMilestones_AndNothingReportedForThreeMonthsIsRed()
    {
        Assert.Equal(15, ProgressLights.ScheduledPercent("""[{"on": "2017-10-31", "percent": 30}]""", new DateOnly(2017, 9, 1),
            new DateOnly(2017, 12, 31), new DateOnly(2017, 10, 1)), 0);
        // 30% on 10/31, 100% on 12/31: 30 + 70 × 30/61 on 11/30.
        Assert.Equal(64.43, ProgressLights.ScheduledPercent("""[{"on": "2017-10-31", "percent": 30}]""", new DateOnly(2017, 9, 1),
            new DateOnly(2017, 12, 31), new DateOnly(2017, 11, 30)), 2);

        var campaign = new CampaignFacts(1, "c", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"),
            new Accountability.Calendar.CalendarCatalog(Path.Combine(RepositoryPaths.Workflows, "calendars")).Get("cn"), null, null);
        var untouched = new AssignmentFacts { IssuedAt = AssignmentFixture.Local(2017, 9, 1, 9) };
        Assert.Equal("red", ProgressLights.Compute(untouched, "acknowledged", true, campaign, AssignmentFixture.Local(2017, 12, 2), new ProgressLightOptions()));
        Assert.Equal("green", ProgressLights.Compute(untouched, "submitted", true, campaign, AssignmentFixture.Local(2017, 12, 2), new ProgressLightOptions()));
        Assert.Null(ProgressLights.Compute(untouched, "closed", false, campaign, AssignmentFixture.Local(2017, 12, 2), new ProgressLightOptions()));
    }
}
