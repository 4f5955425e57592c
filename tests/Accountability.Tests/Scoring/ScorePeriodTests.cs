using Accountability.Cycles;
using Accountability.Scoring;
using Dapper;

namespace Accountability.Tests.Scoring;

public sealed class ScorePeriodTests : IAsyncLifetime
{
    private ScoringWorld _world = null!;

    public async Task InitializeAsync() => _world = await ScoringWorld.CreateAsync("jining-consecutive");

    public async Task DisposeAsync() => await _world.DisposeAsync();

    private async Task SeedOctoberAsync()
    {
        var weighty = await _world.TaskAsync("1", weight: 2);
        var light = await _world.TaskAsync("2", milestones: """[{"on": "2017-10-15", "percent": 50}]""");
        var huayu = await _world.AssignAsync("jx-huayu", weighty, reportedAt: "2017-10-20T01:00Z");
        await _world.AssignAsync("jx-huayu", light, progress: 10, reportedAt: "2017-10-20T01:00Z");       // 40 behind: red
        await _world.AssignAsync("jx-yangshan", light, progress: 35, reportedAt: "2017-10-20T01:00Z");   // 15 behind: yellow
        await _world.EventsAsync("jx-huayu", "overdue", 2, "2017-10-10T02:00Z", assignmentId: huayu);
        await _world.EventsAsync("jx-yangshan", "problem_found", 3, "2017-10-12T02:00Z", "city");
        await _world.EventsAsync("jx-yangshan", "problem_found", 1, "2017-09-12T02:00Z", "city");          // September: not counted
        await _world.EventsAsync("jx-jishu", "closed_on_time", 1, "2017-10-31T15:00Z");
    }

    [Fact]
    public async Task Score_WritesALedgerLineWithTheEventsBehindIt_TheRankingAndTheConsequences()
    {
        await SeedOctoberAsync();

        var result = await _world.ScoreAsync("2017-10");

        var huayu = await _world.UnitAsync("jx-huayu");
        var overdue = (await _world.QueryAsync<(long Id, decimal Points, int Count, string Code, int Version)>(
            "SELECT id, points, event_count, rulebook_code, rulebook_version FROM score_ledger_entry WHERE run_id = @RunId AND unit_id = @huayu AND rule_id = 'overdue'",
            new { result.RunId, huayu })).Single();
        Assert.Equal(-4m, overdue.Points);                                  // two events on a task of weight 2
        Assert.Equal(2, overdue.Count);
        var ids = await _world.LineEventsAsync(overdue.Id);
        Assert.Equal(await _world.QueryAsync<long>("SELECT id FROM scoring_event WHERE unit_id = @huayu AND kind = 'overdue' ORDER BY id", new { huayu }), ids);
        Assert.Equal(("jining-consecutive", 1), (overdue.Code, overdue.Version));
        var rows = (await _world.QueryAsync<(string Code, int? Rank, decimal Score, int Red, int Yellow, bool Bottom)>("""
            SELECT u.code, r.rank, r.score, r.red, r.yellow, r.bottom FROM score_unit_result r JOIN unit u ON u.id = r.unit_id
            WHERE r.run_id = @RunId AND r.category = 'towns' ORDER BY r.rank, u.sort_order
            """, new { result.RunId })).ToDictionary(r => r.Code);
        Assert.Equal(100 - 4 - 2m, rows["jx-huayu"].Score);                 // overdue −4, one red light −2
        Assert.Equal(1, rows["jx-huayu"].Red);
        Assert.Equal(1, rows["jx-yangshan"].Yellow);
        Assert.Equal(100 - 0.6m - 0.5m, rows["jx-yangshan"].Score);
        Assert.Equal(13, rows["jx-huayu"].Rank);
        Assert.True(rows["jx-huayu"].Bottom);
        Assert.Equal(1, rows["jx-jishu"].Rank);
        var consequences = await _world.QueryAsync<(string Kind, string Post, string? Holder, string[] Rules)>(
            "SELECT kind, post, holder_name, rule_ids FROM consequence WHERE run_id = @RunId AND unit_id = @huayu ORDER BY kind", new { result.RunId, huayu });
        Assert.Contains(("admonishment_talk", "deputy_in_charge", "贾远"), consequences.Select(c => (c.Kind, c.Post, c.Holder)));
        Assert.Contains(consequences, c => c.Kind == "supervision_order" && c.Rules.SequenceEqual(["red-light-supervision"]));
    }

    [Fact]
    public async Task Score_EachConsequenceNamesItsRunUnitAndTheDocumentCarryingIt_AndThatDocumentListsIt()
    {
        await SeedOctoberAsync();
        var result = await _world.ScoreAsync("2017-10");

        var rows = await _world.QueryAsync<(long Id, string Kind, long? DocumentId, string? DocumentKind, bool Listed)>("""
            SELECT c.id, c.kind, c.document_id, d.kind,
                   coalesce(c.id::text IN (SELECT json_array_elements_text(d.data -> 'consequences'))
                            OR c.unit_id::text IN (SELECT json_array_elements_text(d.data -> 'units')), false)
            FROM consequence c LEFT JOIN document d ON d.id = c.document_id AND d.campaign_id = c.campaign_id
            WHERE c.run_id = @RunId ORDER BY c.id
            """, new { result.RunId });
        // Without foreign keys (0656), the scorer alone keeps every consequence's run, unit and campaign sound.
        Assert.Equal(rows.Count, await _world.ScalarAsync<long>("""
            SELECT count(*) FROM consequence c JOIN score_run r ON r.id = c.run_id AND r.campaign_id = c.campaign_id
            JOIN unit u ON u.id = c.unit_id JOIN campaign p ON p.id = c.campaign_id WHERE c.run_id = @RunId
            """, new { result.RunId }));
        Assert.Contains(rows, r => r.Kind == "supervision_order");
        Assert.All(rows, r => Assert.True(r.DocumentId is not null && r.Listed, $"consequence {r.Id} ({r.Kind}): document {r.DocumentId} ({r.DocumentKind})"));
    }

    [Theory]
    [InlineData("DELETE FROM document")]
    [InlineData("TRUNCATE document CASCADE")]
    public async Task Notices_WithoutForeignKeys_EachNamesItsUnitCampaignAndDocument_AndNoDocumentCanBeDeleted(string sql)
    {
        await SeedOctoberAsync();
        await _world.ScoreAsync("2017-10");

        var notices = await _world.ScalarAsync<long>("SELECT count(*) FROM notification WHERE document_id IS NOT NULL");
        var sound = await _world.ScalarAsync<long>("""
            SELECT count(*) FROM notification n
            JOIN document d ON d.id = n.document_id
            JOIN unit u ON u.id = n.unit_id
            JOIN campaign c ON c.id = n.campaign_id AND c.id = d.campaign_id
            """);
        Assert.True(notices > 13, $"expected the bulletin to reach every unit, found {notices} notices");
        Assert.Equal(notices, sound);
        var documents = await _world.ScalarAsync<long>("SELECT count(*) FROM document");
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => _world.ScalarAsync<int>(sql + "; SELECT 1"));
        Assert.Equal(Npgsql.PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Equal(documents, await _world.ScalarAsync<long>("SELECT count(*) FROM document"));
    }

    [Theory]
    [InlineData("DELETE FROM score_run")]
    [InlineData("TRUNCATE score_run CASCADE")]
    public async Task Ledger_WithoutForeignKeys_EveryLineNamesItsRunAndUnit_AndNoRunCanBeDeleted(string sql)
    {
        await SeedOctoberAsync();
        var result = await _world.ScoreAsync("2017-10");

        var lines = await _world.ScalarAsync<long>("SELECT count(*) FROM score_ledger_entry WHERE run_id = @RunId", new { result.RunId });
        var sound = await _world.ScalarAsync<long>("""
            SELECT count(*) FROM score_ledger_entry l JOIN score_run r ON r.id = l.run_id JOIN unit u ON u.id = l.unit_id WHERE l.run_id = @RunId
            """, new { result.RunId });
        Assert.True(lines > 0);
        Assert.Equal(lines, sound);
        var refused = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => _world.ScalarAsync<int>(sql + "; SELECT 1"));
        Assert.Equal(Npgsql.PostgresErrorCodes.InsufficientPrivilege, refused.SqlState);
        Assert.Equal(1, await _world.ScalarAsync<long>("SELECT count(*) FROM score_run WHERE id = @RunId", new { result.RunId }));
    }

    [Fact]
    public async Task LedgerLine_AfterLaterEventsOfThePeriod_StillFindsExactlyTheEventsItCounted()
    {
        await SeedOctoberAsync();
        var result = await _world.ScoreAsync("2017-10");
        var entry = await _world.ScalarAsync<long>("""
            SELECT e.id FROM score_ledger_entry e JOIN unit u ON u.id = e.unit_id
            WHERE e.run_id = @RunId AND u.code = 'jx-yangshan' AND e.rule_id = 'problem-found'
            """, new { result.RunId });
        var counted = await _world.LineEventsAsync(entry);

        // Written after the run, dated inside its period: the run did not count them, and its lines must not list them.
        await _world.EventsAsync("jx-yangshan", "problem_found", 2, "2017-10-13T02:00Z", "city");

        Assert.Equal(3, counted.Length);
        Assert.Equal(counted, await _world.LineEventsAsync(entry));
        Assert.All(await _world.CheckLedgerAsync(result.RunId), c => Assert.True(c.Holds, $"ledger entry {c.EntryId}: {c}"));
    }

    [Fact]
    public async Task LedgerCheck_WhenAnEventBehindALineWasAlteredBehindTheTriggersBack_ReportsThatLine()
    {
        await SeedOctoberAsync();
        var result = await _world.ScoreAsync("2017-10");
        var huayu = await _world.UnitAsync("jx-huayu");

        // A superuser switching the append-only trigger off and moving one overdue event to another unit.
        await _world.ScalarAsync<int>("""
            ALTER TABLE scoring_event DISABLE TRIGGER scoring_event_no_update;
            UPDATE scoring_event SET unit_id = (SELECT id FROM unit WHERE code = 'jx-jishu')
            WHERE id = (SELECT min(id) FROM scoring_event WHERE unit_id = @huayu AND kind = 'overdue');
            ALTER TABLE scoring_event ENABLE TRIGGER scoring_event_no_update;
            SELECT 1;
            """, new { huayu });

        var broken = (await _world.CheckLedgerAsync(result.RunId)).Where(c => !c.Holds).ToList();
        var line = Assert.Single(broken);
        Assert.Equal((2, 1), (line.RecordedCount, line.FoundCount));
        Assert.Equal(huayu, await _world.ScalarAsync<long>("SELECT unit_id FROM score_ledger_entry WHERE id = @EntryId", new { line.EntryId }));
    }

    [Fact]
    public async Task Score_AdmonishmentTalk_FixesItsResponseTimersOnTheWorkingDayCalendar()
    {
        await SeedOctoberAsync();
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T01:00Z"));   // Wednesday 1 November, 09:00 in Shanghai

        var result = await _world.ScoreAsync("2017-10");

        var due = await _world.QueryAsync<(string Kind, DateTimeOffset DueAt)>("""
            SELECT r.kind, r.due_at FROM consequence_response r JOIN consequence c ON c.id = r.consequence_id
            WHERE c.run_id = @RunId AND c.kind = 'admonishment_talk' AND c.unit_id = @unit ORDER BY r.kind
            """, new { result.RunId, unit = await _world.UnitAsync("jx-huayu") });
        // Five working days after Wednesday 1 November is Wednesday 8 November; due by the end of that day in Shanghai.
        Assert.Equal(DateTimeOffset.Parse("2017-11-08T16:00Z"), due.Single(d => d.Kind == "rectification_plan").DueAt);
        Assert.Equal(DateTimeOffset.Parse("2017-12-01T16:00Z"), due.Single(d => d.Kind == "written_report").DueAt);
    }

    [Fact]
    public async Task Score_AgainOnALaterDayWithNothingChanged_IssuesNoCorrection()
    {
        await SeedOctoberAsync();
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-01T01:00Z"));
        var first = await _world.ScoreAsync("2017-10");
        var notices = await _world.ScalarAsync<long>("SELECT count(*) FROM notification");

        // A week later (a correction run, or the cascade after an appeal on another period): the same results.
        _world.Engine.Time.SetUtcNow(DateTimeOffset.Parse("2017-11-08T01:00Z"));
        var second = await _world.ScoreAsync("2017-10");

        Assert.Equal(first.OutputSha256, second.OutputSha256);
        Assert.Empty(second.ReissuedDocumentIds);
        Assert.Equal(first.DocumentIds, second.DocumentIds);
        Assert.Equal(0, await _world.ScalarAsync<long>("SELECT count(*) FROM document WHERE version > 1"));
        Assert.Equal(notices, await _world.ScalarAsync<long>("SELECT count(*) FROM notification"));
    }

    [Fact]
    public async Task Score_TwiceOnTheSameEventsAndRulebook_GivesByteIdenticalResults()
    {
        await SeedOctoberAsync();

        var first = await _world.ScoreAsync("2017-10");
        var second = await _world.ScoreAsync("2017-10");

        Assert.NotEqual(first.RunId, second.RunId);
        Assert.Equal(first.OutputSha256, second.OutputSha256);
        // The documents say the same, so the second run issued no new version of any of them.
        Assert.Equal(first.DocumentIds, second.DocumentIds);
        Assert.Empty(second.ReissuedDocumentIds);
        var ledgers = await _world.QueryAsync<string>("""
            SELECT string_agg(unit_id || '|' || rule_id || '|' || points || '|' || event_count || '|' || coalesce(event_digest, '') || '|' || levels::text,
                              E'\n' ORDER BY unit_id, rule_id)
            FROM score_ledger_entry WHERE run_id = ANY(@runs) GROUP BY run_id ORDER BY run_id
            """, new { runs = new[] { first.RunId, second.RunId } });
        Assert.Equal(ledgers[0], ledgers[1]);
        // And the same events behind every line, as listed from each run's references.
        var lines = await _world.QueryAsync<(long First, long Second)>("""
            SELECT a.id, b.id FROM score_ledger_entry a JOIN score_ledger_entry b ON b.unit_id = a.unit_id AND b.rule_id = a.rule_id
            WHERE a.run_id = @first AND b.run_id = @second
            """, new { first = first.RunId, second = second.RunId });
        Assert.NotEmpty(lines);
        foreach (var (a, b) in lines)
        {
            Assert.Equal(await _world.LineEventsAsync(a), await _world.LineEventsAsync(b));
        }
        Assert.Equal(1, await _world.ScalarAsync<int>("SELECT count(*) FROM score_run WHERE current"));
    }

    [Fact]
    public async Task Score_OnAnotherDatabaseWithTheSameData_GivesTheSameHashAndTheSameBulletinBytes()
    {
        await SeedOctoberAsync();
        var here = await _world.ScoreAsync("2017-10");
        await using var other = await ScoringWorld.CreateAsync("jining-consecutive");
        var weighty = await other.TaskAsync("1", weight: 2);
        var light = await other.TaskAsync("2", milestones: """[{"on": "2017-10-15", "percent": 50}]""");
        var huayu = await other.AssignAsync("jx-huayu", weighty, reportedAt: "2017-10-20T01:00Z");
        await other.AssignAsync("jx-huayu", light, progress: 10, reportedAt: "2017-10-20T01:00Z");
        await other.AssignAsync("jx-yangshan", light, progress: 35, reportedAt: "2017-10-20T01:00Z");
        await other.EventsAsync("jx-huayu", "overdue", 2, "2017-10-10T02:00Z", assignmentId: huayu);
        await other.EventsAsync("jx-yangshan", "problem_found", 3, "2017-10-12T02:00Z", "city");
        await other.EventsAsync("jx-yangshan", "problem_found", 1, "2017-09-12T02:00Z", "city");
        await other.EventsAsync("jx-jishu", "closed_on_time", 1, "2017-10-31T15:00Z");

        var there = await other.ScoreAsync("2017-10");

        Assert.Equal(here.OutputSha256, there.OutputSha256);
        const string bulletin = "SELECT sha256 FROM document WHERE kind = 'ranking_bulletin'";
        Assert.Equal(await _world.ScalarAsync<string>(bulletin), await other.ScalarAsync<string>(bulletin));
    }

    [Fact]
    public async Task CycleScorer_ScoresFromTheSnapshotTheCycleFroze_NotFromTheLiveAssignments()
    {
        await SeedOctoberAsync();
        var scorer = _world.Engine.Get<IEnumerable<IPeriodScorer>>().Single(s => s.Handles("jining-consecutive"));
        var (start, end) = PeriodBounds.For("2017-10", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"));
        await using var connection = await _world.Engine.Database.DataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var snapshot = await FreezeSnapshot.RunAsync(connection, _world.CampaignId, "monthly", "2017-10", end, end);
        await connection.ExecuteAsync("UPDATE assignment SET progress_percent = 100, state = 'closed'");   // after the cut-off

        var result = await scorer.ScoreAsync(connection, new PeriodContext(_world.CampaignId, "monthly", "2017-10", start, end, end, 7, false, end), default);
        await transaction.CommitAsync();

        Assert.NotEmpty(result.DocumentIds);
        Assert.Equal(snapshot, await _world.ScalarAsync<long>("SELECT snapshot_id FROM score_run WHERE current"));
        Assert.Equal(1, await _world.ScalarAsync<int>("SELECT count(*) FROM period_snapshot"));
        Assert.Equal(1, await _world.ScalarAsync<int>("SELECT red FROM score_unit_result r JOIN unit u ON u.id = r.unit_id WHERE u.code = 'jx-huayu'"));
        Assert.False(scorer.Handles("no-such-rulebook"));
    }

    [Fact]
    public async Task Score_WritesTheAuditEventWithTheOutputHash()
    {
        await SeedOctoberAsync();

        var result = await _world.ScoreAsync("2017-10");

        var payload = await _world.ScalarAsync<string>("SELECT payload::text FROM audit_event WHERE kind = 'scoring.period_scored'");
        Assert.Contains(result.OutputSha256, payload);
        Assert.True(await _world.ScalarAsync<int>("SELECT count(*) FROM audit_event WHERE kind = 'consequence.issued'") > 0);
    }
}
