using System.Globalization;
using MiniExcelLibs;

namespace Accountability.Plans;

/// <summary>
/// Writes a plan in the workbook form <see cref="PlanWorkbookReader"/> reads (<c>accountability plan convert</c>): the
/// sheets and Chinese headers a headquarters office keeps in Excel, with the table title above the headers as planners
/// print it. Reading the result back gives the same plan.
/// </summary>
public static class PlanWorkbookWriter
{
    public static void Write(PlanFile plan, Stream output)
    {
        var sheets = new Dictionary<string, object>();
        if (plan.Campaign is { } campaign)
        {
            var rows = new List<object?[]> { new object?[] { "项目", "内容" } };
            void Add(string key, object? value)
            {
                if (value is not null)
                {
                    rows.Add([PlanWorkbookReader.CampaignKeys[key][0], value]);
                }
            }

            Add("code", campaign.Code);
            Add("name", campaign.Name);
            Add("document_number", campaign.DocumentNumber);
            Add("headquarters", campaign.Headquarters);
            Add("starts_on", campaign.StartsOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Add("ends_on", campaign.EndsOn?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
            Add("time_zone", campaign.TimeZone);
            Add("calendar", campaign.Calendar);
            Add("workflow", campaign.Workflow);
            Add("rulebook", campaign.Rulebook);
            Add("public_notice_days", campaign.PublicNoticeDays?.ToString(CultureInfo.InvariantCulture));
            sheets[PlanWorkbookReader.CampaignSheet] = Rows(rows);

            if (campaign.Cadence is { Count: > 0 } cadence)
            {
                var cycles = new List<object?[]> { new object?[] { "周期", "频率", "报送截止", "结算时间" } };
                cycles.AddRange(cadence.Select(c => new object?[]
                {
                    c.Cycle,
                    c.Every switch { "month" => "每月", "week" => "每周", _ => "每天" },
                    c.ReportBy is { } r ? CycleCell(r) : null,
                    CycleCell(c.Close),
                }));
                sheets[PlanWorkbookReader.CadenceSheet] = Rows(cycles);
            }
        }

        if (plan.Tasks is { } tasks)
        {
            var title = $"附件1  {plan.Campaign?.Name ?? ""}重点任务分工表".Trim();
            var headers = new[] { "序号", "条款", "类别", "重点任务", "工作目标", "工作措施", "牵头单位", "责任单位", "配合单位", "完成时限", "时间节点", "佐证材料", "验收单位", "分值" };
            var rows = new List<object?[]> { new object?[] { title }, headers };
            rows.AddRange(tasks.Select(t => new object?[]
            {
                t.Number, t.Clause, t.Category, t.Title, t.Target, t.Measures, t.Lead, t.Responsible, t.Cooperating, t.Deadline,
                t.Milestones.Count == 0 ? null : string.Join("；", t.Milestones.Select(m => $"{m.On} {m.Percent}%")),
                t.EvidenceKinds.Count == 0 ? null : string.Join("、", t.EvidenceKinds),
                t.Verifier, t.Weight?.ToString(CultureInfo.InvariantCulture),
            }));
            sheets[PlanWorkbookReader.TaskSheet] = Rows(rows);
        }

        if (plan.Ledger is { } ledger)
        {
            var headers = new[] { "序号", "台账编号", "台账类型", "企业名称", "所属镇街", "问题类型", "整治类别", "整改措施", "责任人", "完成时限", "问题来源", "发现层级", "验收单位" };
            var rows = new List<object?[]> { headers };
            rows.AddRange(ledger.Select((l, i) => new object?[]
            {
                (i + 1).ToString(CultureInfo.InvariantCulture), l.Number,
                PlanVocabulary.ParseLedgerKind(l.Kind) is { } k and not "?" ? PlanVocabulary.LedgerKindToChinese(k) : l.Kind,
                l.Name, l.Town, l.ProblemType,
                PlanVocabulary.ParseDisposal(l.DisposalClass) is { } d and not "?" ? PlanVocabulary.DisposalToChinese(d) : l.DisposalClass,
                l.Measures, l.ResponsiblePerson, l.Deadline, l.Source,
                PlanVocabulary.ParseFoundLevel(l.FoundLevel) is { } f and not "?" ? PlanVocabulary.FoundLevelToChinese(f) : l.FoundLevel,
                l.Verifier,
            }));
            sheets[PlanWorkbookReader.LedgerSheet] = Rows(rows);
        }

        output.SaveAs(sheets, printHeader: false);
    }

    private static string CycleCell(CycleTime time) =>
        (time.Day is { } d ? $"{d}日 " : "")
        + (time.Weekday is { } w ? "周" + "一二三四五六日"[Array.IndexOf(Cadence.Weekdays, w)] + " " : "")
        + time.Time;

    /// <summary>Rows as MiniExcel writes them without a header: column letters as keys, text cells (so that a date stays
    /// the text the planner wrote).</summary>
    private static List<Dictionary<string, object?>> Rows(List<object?[]> rows)
    {
        var width = rows.Max(r => r.Length);
        return rows.Select(r =>
        {
            var row = new Dictionary<string, object?>();
            for (var i = 0; i < width; i++)
            {
                row[Column(i)] = i < r.Length ? r[i] : null;
            }

            return row;
        }).ToList();
    }

    private static string Column(int index) => index < 26 ? ((char)('A' + index)).ToString() : "A" + (char)('A' + index - 26);
}
