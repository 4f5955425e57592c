using System.Text.RegularExpressions;
using Accountability.Imports;

namespace Accountability.Plans;

/// <summary>
/// The workbook form of a plan, with the headers planners already use. Sheets are found by name or, failing that, by
/// their headers, so a county's own 重点任务分工表 with a title row above the headers reads as it is. A CSV holds one
/// table (tasks or ledger), recognised by its headers.
/// </summary>
public static partial class PlanWorkbookReader
{
    public const string CampaignSheet = "行动方案";
    public const string CadenceSheet = "调度周期";
    public const string TaskSheet = "重点任务分工表";
    public const string LedgerSheet = "企业台账";

    public static readonly IReadOnlyDictionary<string, string[]> CampaignHeaders = new Dictionary<string, string[]>
    {
        ["key"] = ["项目", "字段"],
        ["value"] = ["内容", "值"],
    };

    /// <summary>Rows of the 行动方案 sheet: the first spelling is what <c>plan convert</c> writes.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> CampaignKeys = new Dictionary<string, string[]>
    {
        ["code"] = ["行动编码", "编码", "code"],
        ["name"] = ["行动名称", "名称", "方案名称", "name"],
        ["document_number"] = ["文号", "发文字号", "document_number"],
        ["headquarters"] = ["指挥部办公室", "指挥部", "headquarters"],
        ["starts_on"] = ["开始日期", "启动日期", "starts_on"],
        ["ends_on"] = ["结束日期", "截止日期", "ends_on"],
        ["time_zone"] = ["时区", "time_zone"],
        ["calendar"] = ["工作日历", "日历", "calendar"],
        ["workflow"] = ["流程", "工作流程", "workflow"],
        ["rulebook"] = ["问责办法", "量化问责办法", "rulebook"],
        ["public_notice_days"] = ["公示天数", "公示期", "public_notice_days"],
    };

    public static readonly IReadOnlyDictionary<string, string[]> CadenceHeaders = new Dictionary<string, string[]>
    {
        ["cycle"] = ["周期", "cycle"],
        ["every"] = ["频率", "every"],
        ["report_by"] = ["报送截止", "报送时间", "report_by"],
        ["close"] = ["结算时间", "排名时间", "通报时间", "close"],
    };

    public static readonly IReadOnlyDictionary<string, string[]> TaskHeaders = new Dictionary<string, string[]>
    {
        ["number"] = ["序号", "编号", "number"],
        ["clause"] = ["条款", "方案条款", "clause"],
        ["category"] = ["类别", "任务类别", "category"],
        ["title"] = ["重点任务", "工作任务", "任务", "title"],
        ["target"] = ["工作目标", "目标任务", "目标", "target"],
        ["measures"] = ["工作措施", "具体措施", "措施", "measures"],
        ["lead"] = ["牵头单位", "lead"],
        ["responsible"] = ["责任单位", "responsible"],
        ["cooperating"] = ["配合单位", "cooperating"],
        ["deadline"] = ["完成时限", "完成时间", "时限", "deadline"],
        ["milestones"] = ["时间节点", "序时进度", "milestones"],
        ["evidence"] = ["佐证材料", "验收材料", "evidence"],
        ["verifier"] = ["验收单位", "verifier"],
        ["weight"] = ["分值", "权重", "weight"],
    };

    public static readonly IReadOnlyDictionary<string, string[]> LedgerHeaders = new Dictionary<string, string[]>
    {
        ["seq"] = ["序号"],
        ["number"] = ["台账编号", "编号", "number"],
        ["kind"] = ["台账类型", "kind"],
        ["name"] = ["企业名称", "问题名称", "名称", "name"],
        ["town"] = ["所属镇街", "所在镇街", "镇街", "属地", "town"],
        ["problem_type"] = ["问题类型", "problem_type"],
        ["disposal"] = ["整治类别", "整治类型", "处置类别", "disposal"],
        ["measures"] = ["整改措施", "整治措施", "measures"],
        ["responsible_person"] = ["责任人", "responsible_person"],
        ["deadline"] = ["完成时限", "整改时限", "deadline"],
        ["source"] = ["问题来源", "来源", "source"],
        ["found_level"] = ["发现层级", "交办层级", "found_level"],
        ["verifier"] = ["验收单位", "verifier"],
    };

    private static readonly string[] TaskRequired = ["number", "title", "deadline"];
    private static readonly string[] LedgerRequired = ["name", "town", "deadline"];

    public static PlanFile? Read(string fileName, byte[] bytes, List<InputProblem> problems)
    {
        var sheets = SpreadsheetInput.SheetNames(fileName, bytes);
        var isCsv = fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        CampaignSection? campaign = null;
        List<CycleDefinition>? cadence = null;
        List<TaskDefinition>? tasks = null;
        List<LedgerItemDefinition>? ledger = null;

        foreach (var sheet in sheets)
        {
            var name = sheet.Trim();
            if (!isCsv && name == CampaignSheet)
            {
                campaign = ReadCampaign(fileName, bytes, sheet, problems);
            }
            else if (!isCsv && name == CadenceSheet)
            {
                cadence = ReadCadence(fileName, bytes, sheet, problems);
            }
            else if (SpreadsheetInput.Table(fileName, bytes, sheet, TaskHeaders, TaskRequired) is { } taskTable)
            {
                if (tasks is not null)
                {
                    problems.Add(InputProblem.Of(fileName, sheet, null, null, Reasons.SecondTaskTable()));
                    continue;
                }

                tasks = ReadTasks(fileName, taskTable, problems);
            }
            else if (SpreadsheetInput.Table(fileName, bytes, sheet, LedgerHeaders, LedgerRequired) is { } ledgerTable)
            {
                if (ledger is not null)
                {
                    problems.Add(InputProblem.Of(fileName, sheet, null, null, Reasons.SecondLedger()));
                    continue;
                }

                ledger = ReadLedger(fileName, ledgerTable, problems);
            }
            else if (isCsv || name is TaskSheet or LedgerSheet)
            {
                problems.Add(InputProblem.Of(fileName, isCsv ? null : sheet, null, null, Reasons.NoPlanHeaderRow()));
            }
        }

        if (cadence is not null)
        {
            campaign = campaign is null
                ? new CampaignSection(null, null, null, null, null, null, null, null, null, null, null, cadence,
                    new Origin(fileName, CadenceSheet, null, ""))
                : campaign with { Cadence = cadence };
        }

        if (campaign is null && tasks is null && ledger is null)
        {
            if (!problems.Any(p => !p.IsWarning))
            {
                problems.Add(InputProblem.Of(fileName, null, null, null, Reasons.NoPlanFound(CampaignSheet, TaskSheet, LedgerSheet)));
            }

            return null;
        }

        return new PlanFile(fileName, campaign, tasks, ledger);
    }

    private static CampaignSection? ReadCampaign(string fileName, byte[] bytes, string sheet, List<InputProblem> problems)
    {
        var table = SpreadsheetInput.Table(fileName, bytes, sheet, CampaignHeaders, ["key", "value"]);
        if (table is null)
        {
            problems.Add(InputProblem.Of(fileName, sheet, null, null, Reasons.NoHeaderRow("项目", "内容")));
            return null;
        }

        var values = new Dictionary<string, (string Value, int Row)>();
        foreach (var row in table.Rows)
        {
            var label = row[table.Columns["key"]];
            var value = row[table.Columns["value"]];
            if (label is null)
            {
                continue;
            }

            var key = CampaignKeys.FirstOrDefault(k => k.Value.Any(s => SpreadsheetInput.NormalizeHeader(s) == SpreadsheetInput.NormalizeHeader(label))).Key;
            if (key is null)
            {
                problems.Add(InputProblem.Of(fileName, sheet, row.Number, label, Reasons.UnknownItem(CampaignKeys.Values.Select(v => v[0]))));
                continue;
            }

            if (value is not null)
            {
                values[key] = (value, row.Number);
            }
        }

        string? Get(string key) => values.TryGetValue(key, out var v) ? v.Value : null;
        DateOnly? Date(string key)
        {
            if (Get(key) is not { } text)
            {
                return null;
            }

            var date = PlanFileReader.ParseDate(text);
            if (date is null)
            {
                problems.Add(InputProblem.Of(fileName, sheet, values[key].Row, CampaignKeys[key][0], Reasons.NotADate(text)));
            }

            return date;
        }

        int? notice = null;
        if (Get("public_notice_days") is { } noticeText)
        {
            if (int.TryParse(DeadlinePhrase.Normalize(noticeText).TrimEnd('天', '日'), out var n) && n is >= 0 and <= 90)
            {
                notice = n;
            }
            else
            {
                problems.Add(InputProblem.Of(fileName, sheet, values["public_notice_days"].Row, CampaignKeys["public_notice_days"][0],
                    Reasons.NotANumberOfDays(noticeText, 0, 90)));
            }
        }

        return new CampaignSection(Get("code"), Get("name"), Get("document_number"), Get("headquarters"), Date("starts_on"),
            Date("ends_on"), Get("time_zone"), Get("calendar"), Get("workflow"), Get("rulebook"), notice, null,
            new Origin(fileName, sheet, values.TryGetValue("code", out var c) ? c.Row : table.HeaderRow + 1, "",
                CampaignKeys.ToDictionary(k => k.Key, k => k.Value[0])));
    }

    private static List<CycleDefinition>? ReadCadence(string fileName, byte[] bytes, string sheet, List<InputProblem> problems)
    {
        var table = SpreadsheetInput.Table(fileName, bytes, sheet, CadenceHeaders, ["every", "close"]);
        if (table is null)
        {
            problems.Add(InputProblem.Of(fileName, sheet, null, null, Reasons.NoHeaderRow("频率", "结算时间")));
            return null;
        }

        var cycles = new List<CycleDefinition>();
        foreach (var row in table.Rows)
        {
            string? Cell(string key) => row[table.Columns.GetValueOrDefault(key)];
            var cycle = Cadence.Check(Cell("cycle"), Cell("every"), Cadence.ParseCell(Cell("report_by")), Cadence.ParseCell(Cell("close")),
                (key, reason) => problems.Add(InputProblem.Of(fileName, sheet, row.Number,
                    CadenceHeaders[key.Split('.')[0]][0], reason)));
            if (Cell("every") is null)
            {
                problems.Add(InputProblem.Of(fileName, sheet, row.Number, CadenceHeaders["every"][0], Reasons.PeriodRequired()));
            }

            if (cycle is not null)
            {
                cycles.Add(cycle);
            }
        }

        Cadence.CheckUnique(cycles, reason => problems.Add(InputProblem.Of(fileName, sheet, null, CadenceHeaders["cycle"][0], reason)));
        return cycles;
    }

    private static List<TaskDefinition> ReadTasks(string fileName, SheetTable table, List<InputProblem> problems)
    {
        var isCsv = fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        var sheet = isCsv ? null : table.Sheet;
        var headers = TaskHeaders.ToDictionary(h => h.Key, h => h.Value[0]);
        var tasks = new List<TaskDefinition>();
        string? section = null;
        foreach (var row in table.Rows)
        {
            string? Cell(string key) => row[table.Columns.GetValueOrDefault(key)];
            var origin = new Origin(fileName, sheet, row.Number, "", headers);

            // Tables group tasks under headings such as "一、产业结构调整" written in one cell or merged across the row
            // (every cell then reads the same text); no task row has a single distinct value.
            var values = row.Cells.Values.Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v.Trim()).Distinct().ToList();
            if (values.Count == 1 && (Cell("number") ?? Cell("title")) is { } heading && heading == values[0])
            {
                section = HeadingPrefix().Replace(heading, "").Trim();
                continue;
            }

            var number = Cell("number");
            var title = Cell("title");
            if (number is null)
            {
                problems.Add(SheetError(origin, "number", Reasons.Required()));
            }

            if (title is null)
            {
                problems.Add(SheetError(origin, "title", Reasons.Required()));
            }

            var milestones = Cell("milestones") is { } m
                ? PlanFileReader.ParseMilestones(m, reason => problems.Add(SheetError(origin, "milestones", reason))).ToList()
                : [];
            decimal? weight = Cell("weight") is { } w ? PlanFileReader.Weight(w, reason => problems.Add(SheetError(origin, "weight", reason))) : null;
            if (number is null || title is null)
            {
                continue;
            }

            tasks.Add(new TaskDefinition(number, Cell("clause"), title, Cell("measures"), Cell("category") ?? section, Cell("target"),
                Cell("lead"), Cell("responsible"), Cell("cooperating"), Cell("deadline"), milestones,
                Cell("evidence") is { } e ? PlanFileReader.SplitList(e).ToList() : [], Cell("verifier"), weight, origin));
        }

        return tasks;
    }

    private static List<LedgerItemDefinition> ReadLedger(string fileName, SheetTable table, List<InputProblem> problems)
    {
        var isCsv = fileName.EndsWith(".csv", StringComparison.OrdinalIgnoreCase);
        var headers = LedgerHeaders.ToDictionary(h => h.Key, h => h.Value[0]);
        var items = new List<LedgerItemDefinition>();
        foreach (var row in table.Rows)
        {
            string? Cell(string key) => row[table.Columns.GetValueOrDefault(key)];
            var origin = new Origin(fileName, isCsv ? null : table.Sheet, row.Number, "", headers);
            var number = Cell("number") ?? Cell("seq");
            var name = Cell("name");
            if (number is null)
            {
                problems.Add(SheetError(origin, table.Columns.ContainsKey("number") ? "number" : "seq", Reasons.Required()));
            }

            if (name is null)
            {
                problems.Add(SheetError(origin, "name", Reasons.Required()));
            }

            if (number is null || name is null)
            {
                continue;
            }

            items.Add(new LedgerItemDefinition(number, Cell("kind") ?? "enterprise", name, Cell("town"), Cell("problem_type"),
                Cell("disposal"), Cell("measures"), Cell("responsible_person"), Cell("deadline"), Cell("source"),
                Cell("found_level"), Cell("verifier"), origin));
        }

        return items;
    }

    /// <summary>A problem at a cell; a CSV has no sheet, so its row is given as the line.</summary>
    private static InputProblem SheetError(Origin origin, string key, ProblemReason reason) => origin.Error(key, reason);

    [GeneratedRegex(@"^[（(]?[一二三四五六七八九十]+[）)、.．]\s*")]
    private static partial Regex HeadingPrefix();
}
