using System.Globalization;
using Accountability.Escalations;
using Accountability.Scoring;

namespace Accountability.Documents;

/// <summary>A document to issue: what it is about (its natural key, stable across corrections), whom it goes to, and
/// how to render it once its number (文号) is known.</summary>
public sealed record DocumentDraft(
    string Kind,
    string NaturalKey,
    string Title,
    long? RecipientUnitId,
    Func<string?, OfficialDocument> Render,
    object Data,
    IReadOnlyList<long> ConsequenceIds,
    long? SubjectUnitId,
    IReadOnlyList<long> NotifyUnits);

/// <summary>
/// Composes a scored period's documents: the ranking bulletin (the columns of domain.md §4, with the consequences and
/// the scoring table as an attachment), the commendation and criticism bulletins, and per unit the supervision order,
/// rectification notice, admonishment notice and referral its consequences call for. Pure; the texts cite the
/// rulebook by name and number and every consequence by its rule and facts.
/// </summary>
public static class PeriodDocuments
{
    public static readonly IReadOnlyList<string> Kinds =
        ["ranking_bulletin", "commendation", "criticism", "supervision_order", "rectification_notice", "admonishment_notice", "referral"];

    public static readonly IReadOnlyList<string> RankingHeaders =
    [
        "名次", "单位", "任务数", "已完成", "完成率(%)", "序时推进", "黄灯", "红灯", "逾期", "发现问题", "未整改", "有效投诉",
        "扣分", "加分", "得分", "等次", "上期名次", "后列次数",
    ];

    public static IReadOnlyList<DocumentDraft> Compose(PeriodDocumentsRequest request, long? disciplineUnitId, string disciplineName)
    {
        var (campaign, scope, rulebook, outcome, units) = (request.Campaign, request.Scope, request.Rulebook, request.Outcome, request.Units);
        var issuer = rulebook.Issuer ?? (campaign.HeadquartersUnitId is { } hq && units.TryGetValue(hq, out var hqUnit) ? hqUnit.Name : campaign.Name + "指挥部办公室");
        var date = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(request.Now, campaign.Zone).DateTime);
        var period = PeriodLabel(scope.Period);
        var basis = $"《{rulebook.Name}》（{rulebook.DocumentNumber}）";
        var keyBase = $"{campaign.Code}:{scope.Cycle}:{scope.Period}";
        var ranked = outcome.Results.Where(r => r.Rank is not null).ToList();
        var categories = ranked.Select(r => r.Category!).Distinct().ToList();
        var publicAddressee = categories.Count == 0 ? "各有关单位" : "各" + string.Join("、", categories.Select(EscalationRules.CategoryName)) + "，县直有关部门";
        var everyone = outcome.Results.Select(r => r.UnitId).Distinct().Order().ToList();
        string Name(long unitId) => units.TryGetValue(unitId, out var u) ? u.Name : unitId.ToString(CultureInfo.InvariantCulture);
        string Who(ConsequenceOutcome c) => c.Post is null ? "单位"
            : units.TryGetValue(c.UnitId, out var u) && u.Posts.TryGetValue(c.Post, out var h)
                ? $"{ScoringVocabulary.PostName(c.Post)}（{(h.Title is null ? "" : h.Title + " ")}{h.Name}）"
                : ScoringVocabulary.PostName(c.Post);
        long IdOf(ConsequenceOutcome c) => request.ConsequenceIds[(c.UnitId, c.Kind, c.Post)];
        var drafts = new List<DocumentDraft>();

        // The ranking bulletin.
        var bottomLadder = rulebook.Ladders.FirstOrDefault(l => l.When == LadderCondition.Bottom);
        var tables = categories.Select(category =>
        {
            var rows = ranked.Where(r => r.Category == category).Select(r => RankingRow(r, units, bottomLadder)).ToList();
            return new DocumentTable($"{EscalationRules.CategoryName(category)}排名情况", RankingHeaders, rows);
        }).ToList();
        var bulletinBody = new List<DocumentBlock>
        {
            new Paragraph($"根据{basis}规定，现将{period}{campaign.Name}各单位调度考核排名情况通报如下："),
        };
        var section = 0;
        foreach (var table in tables)
        {
            bulletinBody.Add(new Heading($"{ChineseOrdinal(++section)}、{table.Caption}"));
            bulletinBody.Add(table);
        }

        bulletinBody.Add(new Paragraph($"说明：得分 = {PeriodComputation.Number(rulebook.BaseScore)} − 扣分 + 加分；{rulebook.Ranking.TieRuleText}" +
                                       (rulebook.Ranking.UnusableWhen.Count > 0 ? "数据不可用（未按时报送调度数据或被一票否决）的单位排在末位。" : "")));
        var applied = outcome.Consequences.Where(c => c.Kind != "commendation").ToList();
        bulletinBody.Add(new Heading($"{ChineseOrdinal(++section)}、问责情况"));
        if (applied.Count == 0)
        {
            bulletinBody.Add(new Paragraph("本期无单位触发问责情形。"));
        }
        else
        {
            bulletinBody.Add(new DocumentTable(null, ["单位", "对象", "处理方式", "依据及事实"],
                applied.Select(c => (IReadOnlyList<string>)[Name(c.UnitId), Who(c),
                    ScoringVocabulary.Consequence(c.Kind).Name, FactsText(c)]).ToList()));
        }

        var commended = outcome.Consequences.Where(c => c.Kind == "commendation").ToList();
        if (commended.Count > 0)
        {
            bulletinBody.Add(new Paragraph($"对{string.Join("、", commended.Select(c => Name(c.UnitId)))}予以通报表扬。"));
        }

        bulletinBody.Add(new Heading($"{ChineseOrdinal(++section)}、工作要求"));
        bulletinBody.Add(new Paragraph("各单位要对照排名查找差距，逐项分析扣分原因，举一反三抓好整改。被约谈、通报或挂牌督办的单位，须在规定时限内向指挥部办公室报送整改方案和整改情况；逾期不报的，按规定从严处理。"));
        var ledgerRows = outcome.Ledger
            .OrderBy(l => units.TryGetValue(l.UnitId, out var u) ? u.SortOrder : int.MaxValue).ThenBy(l => Name(l.UnitId), StringComparer.Ordinal)
            .ThenBy(l => l.RuleId, StringComparer.Ordinal)
            .Select(l => (IReadOnlyList<string>)[Name(l.UnitId), l.RuleName, l.Basis, Signed(l.Points), $"{l.RuleId}@{rulebook.Version}"])
            .ToList();
        var ledgerTable = new DocumentTable(null, ["单位", "考核项目", "计分依据", "分值", "规则"], ledgerRows);
        var bulletinTitle = $"关于{period}{campaign.Name}调度考核排名情况的通报";
        drafts.Add(new DocumentDraft("ranking_bulletin", $"ranking_bulletin:{keyBase}", bulletinTitle, null,
            number => new OfficialDocument(issuer, number, bulletinTitle, publicAddressee, bulletinBody, issuer, date,
                [("考核计分明细表", [ledgerTable])]),
            new
            {
                period = scope.Period, rulebook = rulebook.Citation, rulebookName = rulebook.Name, rulebookNumber = rulebook.DocumentNumber,
                runId = request.RunId, tieRule = rulebook.Ranking.TieRuleText,
                tables = tables.Select(t => new { caption = t.Caption, headers = t.Headers, rows = t.Rows }),
                ledger = new { headers = ledgerTable.Headers, rows = ledgerTable.Rows },
            },
            [], null, everyone));

        if (commended.Count > 0)
        {
            var title = $"关于对{period}{campaign.Name}成绩突出单位予以通报表扬的通报";
            var rows = commended.Select(c =>
            {
                var r = outcome.Results.First(x => x.UnitId == c.UnitId);
                return (IReadOnlyList<string>)[EscalationRules.CategoryName(r.Category), Name(c.UnitId), Rank(r), PeriodComputation.Number(r.Score)];
            }).ToList();
            drafts.Add(new DocumentDraft("commendation", $"commendation:{keyBase}", title, null,
                number => new OfficialDocument(issuer, number, title, publicAddressee,
                [
                    new Paragraph($"根据{basis}规定，{period}调度考核中，下列单位工作成绩突出，排名位居前列，决定予以通报表扬："),
                    new DocumentTable(null, ["类别", "单位", "名次", "得分"], rows),
                    new Paragraph("希望受到表扬的单位珍惜荣誉，再接再厉；其他单位要学习先进经验，确保攻坚任务按期完成。"),
                ], issuer, date, []),
                new { period = scope.Period, units = commended.Select(c => c.UnitId) }, commended.Select(IdOf).ToList(), null, everyone));
        }

        var criticised = outcome.Consequences.Where(c => c.Kind == "criticism").ToList();
        if (criticised.Count > 0)
        {
            var title = $"关于对{period}{campaign.Name}工作落后单位及有关责任人予以通报批评的通报";
            var requirement = rulebook.Consequences.GetValueOrDefault("criticism")?.Requirements ?? "被通报批评的单位须认真反思，限期整改到位。";
            drafts.Add(new DocumentDraft("criticism", $"criticism:{keyBase}", title, null,
                number => new OfficialDocument(issuer, number, title, publicAddressee,
                [
                    new Paragraph($"根据{basis}规定，对{period}调度考核中存在下列情形的单位及有关责任人予以通报批评："),
                    new DocumentTable(null, ["单位", "被批评对象", "依据及事实"],
                        criticised.Select(c => (IReadOnlyList<string>)[Name(c.UnitId), Who(c), FactsText(c)]).ToList()),
                    new Paragraph(requirement + ResponsesText(rulebook, "criticism")),
                ], issuer, date, []),
                new { period = scope.Period, consequences = criticised.Select(IdOf) }, criticised.Select(IdOf).ToList(), null, everyone));
        }

        // Notices to one unit each.
        foreach (var byUnit in outcome.Consequences.GroupBy(c => c.UnitId).OrderBy(g => g.Key))
        {
            var unitId = byUnit.Key;
            var unitName = Name(unitId);
            var unitCode = units.TryGetValue(unitId, out var info) ? info.Code : unitId.ToString(CultureInfo.InvariantCulture);
            foreach (var (kind, consequenceKinds) in new[]
                     {
                         ("supervision_order", new[] { "supervision_order" }),
                         ("rectification_notice", new[] { "rectification_notice", "written_self_criticism" }),
                         ("admonishment_notice", new[] { "admonishment_talk" }),
                         ("referral", new[] { "formal_caution", "accountability" }),
                     })
            {
                var these = byUnit.Where(c => consequenceKinds.Contains(c.Kind)).ToList();
                if (these.Count == 0)
                {
                    continue;
                }

                var draft = kind switch
                {
                    "supervision_order" => SupervisionOrder(these),
                    "rectification_notice" => RectificationNotice(these),
                    "admonishment_notice" => AdmonishmentNotice(these),
                    _ => Referral(these),
                };
                drafts.Add(draft);

                DocumentDraft SupervisionOrder(List<ConsequenceOutcome> list)
                {
                    var definition = rulebook.Consequences.GetValueOrDefault("supervision_order");
                    var title = $"督办单（{unitName}{period}）";
                    return new DocumentDraft(kind, $"{kind}:{keyBase}:{unitCode}", title, unitId,
                        number => new OfficialDocument(issuer, number, title, unitName,
                        [
                            new FieldTable(
                            [
                                ("督办编号", number ?? ""), ("督办单位", issuer), ("被督办单位", unitName), ("督办事项", string.Join("\n", list.Select(FactsText))),
                                ("督办依据", basis), ("督办要求", definition?.Requirements ?? "对督办事项逐项制定整改措施，按期办结。"),
                                ("办理时限", ResponsesText(rulebook, "supervision_order").Trim('。') is { Length: > 0 } t ? t : "收到本督办单后5个工作日内"),
                                ("回复方式", "通过攻坚督办系统逐项回复办理情况并上传佐证材料，系统签收即视为送达。"),
                            ]),
                        ], issuer, date, []),
                        new { period = scope.Period, unitId, consequences = list.Select(IdOf) }, list.Select(IdOf).ToList(), unitId, [unitId]);
                }

                DocumentDraft RectificationNotice(List<ConsequenceOutcome> list)
                {
                    var title = $"整改通知书（{unitName}{period}）";
                    var requirements = string.Join("", list.Select(c => rulebook.Consequences.GetValueOrDefault(c.Kind)?.Requirements
                                                                        ?? (c.Kind == "written_self_criticism" ? "责令作出书面检查。" : "限期整改到位。")).Distinct());
                    return new DocumentDraft(kind, $"{kind}:{keyBase}:{unitCode}", title, unitId,
                        number => new OfficialDocument(issuer, number, title, unitName,
                        [
                            new FieldTable(
                            [
                                ("通知书编号", number ?? ""), ("发出单位", issuer), ("整改单位", unitName),
                                ("整改对象", string.Join("、", list.Select(c => Who(c)).Distinct())),
                                ("存在问题", string.Join("\n", list.Select(FactsText))), ("整改依据", basis), ("整改要求", requirements),
                                ("整改时限", string.Join("", list.Select(c => ResponsesText(rulebook, c.Kind)).Distinct()) is { Length: > 0 } t ? t : "收到本通知书后10个工作日内"),
                                ("回复方式", "通过攻坚督办系统报送整改方案及整改情况并上传佐证材料。"),
                            ]),
                        ], issuer, date, []),
                        new { period = scope.Period, unitId, consequences = list.Select(IdOf) }, list.Select(IdOf).ToList(), unitId, [unitId]);
                }

                DocumentDraft AdmonishmentNotice(List<ConsequenceOutcome> list)
                {
                    var definition = rulebook.Consequences.GetValueOrDefault("admonishment_talk");
                    var title = $"约谈通知书（{unitName}{period}）";
                    var when = definition?.WithinWorkingDays is { } days ? $"接到本通知后{days}个工作日内，具体时间另行通知" : "具体时间另行通知";
                    return new DocumentDraft(kind, $"{kind}:{keyBase}:{unitCode}", title, unitId,
                        number => new OfficialDocument(issuer, number, title, unitName,
                        [
                            new Paragraph($"根据{basis}规定，经研究，决定对你单位有关负责同志进行约谈。现将有关事项通知如下："),
                            new FieldTable(
                            [
                                ("被约谈单位", unitName),
                                ("被约谈人", string.Join("\n", list.Select(c => c.Post is null ? "单位主要负责人" : Who(c)))),
                                ("约谈事由", string.Join("\n", list.Select(FactsText).Distinct())),
                                ("约谈时间", when),
                                ("约谈地点", definition?.Place ?? "另行通知"),
                                ("约谈人", definition is { Interviewers.Count: > 0 } ? string.Join("、", definition.Interviewers) : "指挥部办公室负责同志"),
                                ("需携带材料", definition is { Materials.Count: > 0 } ? string.Join("；", definition.Materials) : "本单位工作情况汇报"),
                                ("是否公开", definition?.Public is true ? "公开约谈，邀请新闻媒体参加" : "不公开"),
                                ("约谈后要求", (definition?.Requirements ?? "") + ResponsesText(rulebook, "admonishment_talk")),
                            ]),
                        ], issuer, date, []),
                        new { period = scope.Period, unitId, consequences = list.Select(IdOf) }, list.Select(IdOf).ToList(), unitId, [unitId]);
                }

                DocumentDraft Referral(List<ConsequenceOutcome> list)
                {
                    var title = $"关于移送{unitName}有关责任人问责线索的函";
                    var levels = list.Select(c => c.Post).OfType<string>().ToList();
                    return new DocumentDraft(kind, $"{kind}:{keyBase}:{unitCode}", title, disciplineUnitId,
                        number => new OfficialDocument(issuer, number, title, disciplineName,
                        [
                            new Paragraph($"根据{basis}规定，{unitName}在{period}{campaign.Name}中触发问责情形，现将有关问责线索移送你委，请依规依纪依法处理。"),
                            new FieldTable(
                            [
                                ("被移送单位", unitName),
                                ("涉及人员及岗位", string.Join("\n", list.Select(c => $"{(Who(c))}（建议{ScoringVocabulary.Consequence(c.Kind).Name}）"))),
                                ("问责层级", levels.Count == 0 ? "单位" : ScoringVocabulary.PostName(ReferralLevel(levels))),
                                ("触发规则", string.Join("；", list.SelectMany(c => c.Facts).Select(f => $"{f.RuleId}@{f.Rulebook}:{f.Version}").Distinct())),
                                ("事实", string.Join("\n", list.Select(FactsText).Distinct())),
                                ("考核期间", period),
                                ("证据材料", "事项交办、签收、催办及回执、通知送达及阅读记录、扣分明细及依据，见随附封存案卷（案卷哈希值载于审计日志）。"),
                                ("处理决定", "（由纪检监察机关填写）"), ("决定人", ""), ("决定日期", ""), ("申诉期限", "自收到处理决定之日起一个月内"),
                            ]),
                        ], issuer, date, []),
                        new { period = scope.Period, unitId, consequences = list.Select(IdOf) }, list.Select(IdOf).ToList(), unitId,
                        disciplineUnitId is { } d ? [d] : []);
                }
            }
        }

        return drafts;
    }

    /// <summary>The most senior post of a referral: 党组织书记 over 主要负责人 over 分管负责人.</summary>
    public static string ReferralLevel(IEnumerable<string> posts)
    {
        var list = posts.ToList();
        return list.Contains("party_secretary") ? "party_secretary" : list.Contains("government_head") ? "government_head"
            : list.Contains("deputy_in_charge") ? "deputy_in_charge" : ScoringVocabulary.UnitPost;
    }

    private static IReadOnlyList<string> RankingRow(UnitResult r, IReadOnlyDictionary<long, UnitInfo> units, LadderRule? bottomLadder) =>
    [
        Rank(r) + (r.Usable ? "" : $"（{r.UnusableReason}）"),
        units.TryGetValue(r.UnitId, out var u) ? u.Name : r.UnitId.ToString(CultureInfo.InvariantCulture),
        Int(r.Tasks), Int(r.Closed), r.Completion is { } c ? c.ToString("0.0", CultureInfo.InvariantCulture) : "—", Int(r.OnSchedule),
        Int(r.Yellow), Int(r.Red), Int(r.Overdue), Int(r.ProblemsFound), Int(r.Unrectified), Int(r.Complaints),
        PeriodComputation.Number(r.Deductions), PeriodComputation.Number(r.Bonuses), PeriodComputation.Number(r.Score), r.Grade,
        r.PreviousRank is { } p ? Int(p) : "—",
        bottomLadder is not null && r.LadderCounts.TryGetValue(bottomLadder.Id, out var n) && n > 0
            ? $"{(bottomLadder.Window == LadderWindow.Consecutive ? "连续" : "累计")}{n}次"
            : "—",
    ];

    private static string Rank(UnitResult r) => r.Rank is { } rank ? Int(rank) + (r.Tied ? "（并列）" : "") : "—";

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Signed(decimal points) => (points > 0 ? "+" : "") + PeriodComputation.Number(points);

    public static string FactsText(ConsequenceOutcome c) =>
        string.Join("；", c.Facts.Select(f => $"{f.Text}（依据：{f.Rulebook}@{f.Version}，规则 {f.RuleId}）"));

    private static string ResponsesText(Rulebook rulebook, string kind) =>
        rulebook.Consequences.TryGetValue(kind, out var definition) && definition.Responses.Count > 0
            ? "须" + string.Join("，", definition.Responses.Select(r => r.WithinWorkingDays is { } w ? $"{w}个工作日内报送{r.Name}" : $"{r.WithinDays}日内报送{r.Name}")) + "。"
            : "";

    /// <summary>"2017-10" → 2017年10月; "2017-W43" → 2017年第43周; "2017-10-25" → 2017年10月25日.</summary>
    public static string PeriodLabel(string period)
    {
        var parts = period.Split('-');
        return parts switch
        {
            [var y, var w] when w.StartsWith('W') => $"{y}年第{int.Parse(w[1..], CultureInfo.InvariantCulture)}周",
            [var y, var m] => $"{y}年{int.Parse(m, CultureInfo.InvariantCulture)}月",
            [var y, var m, var d] => $"{y}年{int.Parse(m, CultureInfo.InvariantCulture)}月{int.Parse(d, CultureInfo.InvariantCulture)}日",
            _ => period,
        };
    }

    private static string ChineseOrdinal(int n) => OfficialDocument.ChineseNumber(n);
}
