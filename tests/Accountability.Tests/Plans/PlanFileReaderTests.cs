using System.Text;
using Accountability.Imports;
using Accountability.Plans;

namespace Accountability.Tests.Plans;

/// <summary>The three formats read into the same plan model, with problems that name their place.</summary>
public sealed class PlanFileReaderTests
{
    private static readonly object?[] TaskHeader = ["序号", "重点任务", "工作措施", "牵头单位", "责任单位", "配合单位", "完成时限"];

    /// <summary>MiniExcel takes a sheet's columns from its first row: pad every row to the widest.</summary>
    internal static object?[][] Padded(object?[][] rows)
    {
        var width = rows.Max(r => r.Length);
        return rows.Select(r => r.Concat(Enumerable.Repeat<object?>(null, width - r.Length)).ToArray()).ToArray();
    }

    private static PlanFile? Read(string fileName, byte[] bytes, List<InputProblem> problems) => PlanFileReader.Read(fileName, bytes, problems);

    [Fact]
    public void ReadYaml_AFullTask_KeepsEveryField()
    {
        var problems = new List<InputProblem>();
        var plan = Read("plan.yaml", Encoding.UTF8.GetBytes("""
            tasks:
              - number: "3"
                clause: 二（一）
                title: 散乱污企业整治
                measures: 两断三清
                category: 产业结构调整
                target: 关停取缔12家，断水断电
                lead: 县环保局
                responsible: [各镇街, 各园区]
                cooperating: 县公安局、县国土局
                deadline: 2017年12月底前
                milestones:
                  - { on: 2017-10-31, percent: 30 }
                  - 11月底前完成60%
                evidence: [现场照片, 验收报告]
                verifier: 县环保局
                weight: 2.5
            """), problems)!;

        Assert.Empty(problems);
        var task = Assert.Single(plan.Tasks!);
        Assert.Equal(("3", "二（一）", "散乱污企业整治", "两断三清", "产业结构调整", "关停取缔12家，断水断电"),
            (task.Number, task.Clause, task.Title, task.Measures, task.Category, task.Target));
        Assert.Equal(("县环保局", "各镇街、各园区", "县公安局、县国土局", "2017年12月底前", "县环保局", 2.5m),
            (task.Lead, task.Responsible, task.Cooperating, task.Deadline, task.Verifier, task.Weight));
        Assert.Equal([new MilestoneDefinition("2017-10-31", 30), new MilestoneDefinition("11月底前", 60)], task.Milestones);
        Assert.Equal(["现场照片", "验收报告"], task.EvidenceKinds);
        Assert.Null(plan.Ledger);
        Assert.Null(plan.Campaign);
        Assert.Equal(2, task.Origin.Line);
    }

    [Fact]
    public void ReadYaml_UnknownAndMisshapenFields_AreReportedWithTheirLines()
    {
        var problems = new List<InputProblem>();
        Read("plan.yaml", Encoding.UTF8.GetBytes("""
            campaign:
              code: c
              starts_on: 2017-02-30
              public_notice_days: many
              cadence:
                - { every: fortnight, close: { day: 1, time: "09:00" } }
            tasks:
              - number: "1"
                title: 任务
                dealine: 2017年12月底前
              - just text
            ledger:
              - { number: "L1" }
            """), problems);

        Assert.Contains(problems, p => p is { Line: 3, Field: "campaign.starts_on" } && p.Reason.Contains("not a date"));
        Assert.Contains(problems, p => p is { Line: 4, Field: "campaign.public_notice_days" });
        Assert.Contains(problems, p => p.Field == "campaign.cadence[0].every" && p.Reason.Contains("fortnight"));
        Assert.Contains(problems, p => p is { Line: 10, Field: "tasks[0].dealine" } && p.Reason.Contains("unknown field"));
        Assert.Contains(problems, p => p is { Line: 11, Field: "tasks[1]" });
        Assert.Contains(problems, p => p is { Field: "ledger[0].name" } && p.Reason == "is required");
    }

    [Fact]
    public void ReadYaml_NotUtf8OrNotYaml_IsAProblemNotAnException()
    {
        var problems = new List<InputProblem>();

        Assert.Null(Read("plan.yaml", TextDecoding.Gb18030.GetBytes("tasks:\n  - number: 一\n    title: 扬尘治理\n"), problems));
        Assert.Null(Read("plan.yaml", Encoding.UTF8.GetBytes("tasks: [unclosed"), problems));
        Assert.Null(Read("plan.docx", [1, 2, 3], problems));

        Assert.Contains(problems, p => p.Reason.Contains("not UTF-8"));
        Assert.Contains(problems, p => p.Reason.Contains("not valid YAML"));
        Assert.Contains(problems, p => p.Reason.Contains("unsupported file type"));
    }

    [Fact]
    public void ReadWorkbook_TheTaskTableBelowATitle_WithHeadingRowsAsCategories()
    {
        var bytes = Workbook.Create(("分工表", Padded([
            ["附件1  重点任务分工表"],
            ["序号", "重点任务", "工作措施", "牵头单位", "责任\n单位", "配合单位", "完成\n时限", "时间节点"],
            ["一、产业结构调整"],
            ["1", "散乱污企业整治", "两断三清", "县环保局", "各镇街", "县公安局", "2017年12月底前", "2017-10-31 30%；2017-11-30 60%"],
            [null, null, null, null, null, null, null, null],
            ["二、面源污染治理"],
            ["2", "秸秆禁烧", null, "县农业局", "各镇街", null, new DateTime(2017, 11, 30), null],
        ])));
        var problems = new List<InputProblem>();

        var plan = Read("分工表.xlsx", bytes, problems)!;

        Assert.Empty(problems);
        Assert.Equal(["产业结构调整", "面源污染治理"], plan.Tasks!.Select(t => t.Category));
        Assert.Equal("2017-11-30", plan.Tasks![1].Deadline);
        Assert.Equal([new MilestoneDefinition("2017-10-31", 30), new MilestoneDefinition("2017-11-30", 60)], plan.Tasks[0].Milestones);
        Assert.Equal(("分工表", 4), (plan.Tasks[0].Origin.Sheet, plan.Tasks[0].Origin.Line));
        Assert.Equal("完成时限", plan.Tasks[0].Origin.Field("deadline"));
    }

    [Fact]
    public void ReadWorkbook_TheCampaignCadenceAndLedgerSheets()
    {
        var bytes = Workbook.Create(
            ("行动方案", Padded([
                ["项目", "内容"], ["行动编码", "c1"], ["行动名称", "百日攻坚"], ["开始日期", "2017-05-15"], ["结束日期", "2017年8月22日"],
                ["公示天数", "5天"], ["问责办法", "jx-100"],
            ])),
            ("调度周期", [["周期", "频率", "报送截止", "结算时间"], ["monthly", "每月", "25日 17:00", "1日 09:00"], ["weekly", "每周", "周五 12:00", "周一 9:00"]]),
            ("企业台账", [
                ["序号", "企业名称", "所属镇街", "问题类型", "整治类别", "整改措施", "责任人", "完成时限"],
                ["1", "某塑料颗粒加工点", "化雨镇", "无环评手续", "关停取缔", "两断三清", "张三", "2017年7月31日前"],
            ]));
        var problems = new List<InputProblem>();

        var plan = Read("plan.xlsx", bytes, problems)!;

        Assert.Empty(problems);
        var campaign = plan.Campaign!;
        Assert.Equal(("c1", "百日攻坚", new DateOnly(2017, 5, 15), new DateOnly(2017, 8, 22), 5, "jx-100"),
            (campaign.Code, campaign.Name, campaign.StartsOn, campaign.EndsOn, campaign.PublicNoticeDays, campaign.Rulebook));
        Assert.Equal(
            """[{"cycle":"monthly","every":"month","report_by":{"day":25,"time":"17:00"},"close":{"day":1,"time":"09:00"}},{"cycle":"weekly","every":"week","report_by":{"weekday":"friday","time":"12:00"},"close":{"weekday":"monday","time":"09:00"}}]""",
            Cadence.ToJson(campaign.Cadence!));
        var item = Assert.Single(plan.Ledger!);
        Assert.Equal(("1", "enterprise", "某塑料颗粒加工点", "化雨镇", "关停取缔", "2017年7月31日前"),
            (item.Number, item.Kind, item.Name, item.Town, item.DisposalClass, item.Deadline));
        Assert.Null(plan.Tasks);
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("gb18030")]
    public void ReadCsv_InUtf8OrGbk_GivesTheTaskTable(string encoding)
    {
        var text = string.Join("\r\n",
            string.Join(',', TaskHeader),
            "1,扬尘治理,封土行动,县住建局,各镇街,\"县城管局、县交通局\",长期坚持",
            "2,秸秆禁烧,网格巡查,县农业局,各镇街,,2017年11月30日前");
        var bytes = encoding == "utf-8" ? Encoding.UTF8.GetBytes(text) : TextDecoding.Gb18030.GetBytes(text);
        var problems = new List<InputProblem>();

        var plan = Read("任务.csv", bytes, problems)!;

        Assert.Empty(problems);
        Assert.Equal(["扬尘治理", "秸秆禁烧"], plan.Tasks!.Select(t => t.Title));
        Assert.Equal("县城管局、县交通局", plan.Tasks![0].Cooperating);
        Assert.Null(plan.Tasks[1].Cooperating);
        Assert.Equal((null, 3, "完成时限"), (plan.Tasks[1].Origin.Sheet, plan.Tasks[1].Origin.Line, plan.Tasks[1].Origin.Field("deadline")));
    }

    [Fact]
    public void ReadCsv_TheEnterpriseLedgerInGbk()
    {
        var text = "序号,企业名称,所属镇街,问题类型,整治类别,整改措施,责任人,完成时限\r\n1,羊山某砖瓦窑,羊山镇,烟气直排,清理取缔,两断三清,李四,2017年7月31日前\r\n";
        var problems = new List<InputProblem>();

        var plan = Read("台账.csv", TextDecoding.Gb18030.GetBytes(text), problems)!;

        Assert.Empty(problems);
        Assert.Equal("羊山某砖瓦窑", Assert.Single(plan.Ledger!).Name);
    }

    [Fact]
    public void ReadCsv_WithoutKnownHeaders_SaysWhatItExpects()
    {
        var problems = new List<InputProblem>();

        Assert.Null(Read("x.csv", Encoding.UTF8.GetBytes("a,b,c\n1,2,3\n"), problems));

        Assert.Contains(problems, p => p.Reason.Contains("序号, 重点任务 and 完成时限"));
    }

    [Fact]
    public void ReadWorkbook_ARowWithoutNumberOrTitle_NamesTheRowAndHeader()
    {
        var bytes = Workbook.Create(("重点任务分工表", [TaskHeader, ["", "扬尘治理", null, "县住建局", "各镇街", null, "长期坚持"]]));
        var problems = new List<InputProblem>();

        Read("plan.xlsx", bytes, problems);

        Assert.Contains(problems, p => p is { Sheet: "重点任务分工表", Line: 2, Field: "序号", Reason: "is required" });
    }

    [Fact]
    public void ReadWorkbook_AMissingCellAndABadDate_KeepTheirEnglishTextAndCarryTheirCodes()
    {
        var bytes = Workbook.Create(
            ("行动方案", [["项目", "内容"], ["行动编码", "jx-test"], ["开始日期", "九月一日"]]),
            ("重点任务分工表", [TaskHeader, ["", "扬尘治理", null, "县住建局", "各镇街", null, "长期坚持"]]));
        var problems = new List<InputProblem>();

        Read("plan.xlsx", bytes, problems);

        // What the CLI prints and the API's "text" says, as before codes existed.
        var required = Assert.Single(problems, p => p.Field == "序号");
        Assert.Equal("error: plan.xlsx [重点任务分工表] row 2 序号: is required", required.ToString());
        Assert.Equal("Required", required.Code);
        var date = Assert.Single(problems, p => p.Field == "开始日期");
        Assert.Equal("error: plan.xlsx [行动方案] row 3 开始日期: '九月一日' is not a date (yyyy-mm-dd or 2017年9月1日)", date.ToString());
        Assert.Equal(("NotADate", "九月一日"), (date.Code, date.Arguments!["value"]));
    }
}

/// <summary>Merged cells, as planners draw them over the rows they apply to.</summary>
public sealed class MergedCellTests
{
    [Fact]
    public void ReadWorkbook_ALeadUnitMergedOverTwoRows_AppliesToBoth()
    {
        var bytes = Merge(Workbook.Create(("重点任务分工表", [
            ["序号", "重点任务", "工作措施", "牵头单位", "责任单位", "配合单位", "完成时限"],
            ["1", "燃煤小锅炉取缔", "拆除烟囱", "县环保局", "各镇街", "县质监局", "2017年10月31日前"],
            ["2", "大中型锅炉改造", "超低排放", null, "开发区", null, "2017年12月15日前"],
        ])), "D2:D3");
        var problems = new List<InputProblem>();

        var plan = PlanFileReader.Read("plan.xlsx", bytes, problems)!;

        Assert.Empty(problems);
        Assert.Equal(["县环保局", "县环保局"], plan.Tasks!.Select(t => t.Lead));
    }

    [Fact]
    public void ReadWorkbook_AHeadingMergedAcrossTheRow_IsTheCategoryOfTheTasksBelow()
    {
        var bytes = Merge(Workbook.Create(("重点任务分工表", [
            ["序号", "重点任务", "工作措施", "牵头单位", "责任单位", "配合单位", "完成时限"],
            ["一、能源结构调整", null, null, null, null, null, null],
            ["1", "燃煤小锅炉取缔", "拆除烟囱", "县环保局", "各镇街", "县质监局", "2017年10月31日前"],
        ])), "A2:G2");
        var problems = new List<InputProblem>();

        var plan = PlanFileReader.Read("plan.xlsx", bytes, problems)!;

        Assert.Empty(problems);
        Assert.Equal(("1", "能源结构调整"), (Assert.Single(plan.Tasks!).Number, plan.Tasks![0].Category));
    }

    /// <summary>Adds a merged range to the first sheet (MiniExcel writes none).</summary>
    private static byte[] Merge(byte[] xlsx, string range)
    {
        using var buffer = new MemoryStream();
        buffer.Write(xlsx);
        using (var zip = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Update, leaveOpen: true))
        {
            var entry = zip.Entries.First(e => e.FullName.StartsWith("xl/worksheets/sheet", StringComparison.Ordinal));
            string xml;
            using (var reader = new StreamReader(entry.Open()))
            {
                xml = reader.ReadToEnd();
            }

            entry.Delete();
            var merged = zip.CreateEntry("xl/worksheets/sheet1.xml");
            using var writer = new StreamWriter(merged.Open());
            writer.Write(xml.Replace("</x:sheetData>", $"</x:sheetData><x:mergeCells count=\"1\"><x:mergeCell ref=\"{range}\"/></x:mergeCells>", StringComparison.Ordinal)
                .Replace("</sheetData>", $"</sheetData><mergeCells count=\"1\"><mergeCell ref=\"{range}\"/></mergeCells>", StringComparison.Ordinal));
        }

        return buffer.ToArray();
    }
}
