using Accountability.Audit;
using Accountability.Cycles;
using Accountability.Notices;
using Dapper;
using Npgsql;

namespace Accountability.Escalations;

/// <summary>
/// Every minute: responses a consequence demanded that are now past due and unanswered are marked overdue, the unit
/// and headquarters are notified, and the fact is audited — in bounded batches claimed with SKIP LOCKED, so two nodes
/// never mark the same one. Only the consequences of a period's current run demand anything: a recomputation carries
/// their responses over to its own consequences (<see cref="IssueConsequenceResponses"/>) or, where it no longer
/// produces the consequence, withdraws the demand with it.
/// </summary>
public sealed class ConsequenceResponseSweep(NpgsqlDataSource dataSource, TimeProvider time) : IPeriodicSweep
{
    public const int BatchSize = 1000;

    private const string Claim = """
        WITH due AS (
            SELECT r.consequence_id, r.kind FROM consequence_response r
            WHERE r.due_at <= @now AND r.responded_at IS NULL AND r.overdue_at IS NULL
              AND EXISTS (SELECT 1 FROM consequence c JOIN score_run s ON s.id = c.run_id WHERE c.id = r.consequence_id AND s.current)
            ORDER BY r.due_at, r.consequence_id, r.kind
            LIMIT @limit FOR UPDATE OF r SKIP LOCKED
        )
        UPDATE consequence_response r SET overdue_at = @now
        FROM due WHERE r.consequence_id = due.consequence_id AND r.kind = due.kind
        RETURNING r.consequence_id, r.kind, r.name, r.unit_id, r.due_at
        """;

    private const string SelectCampaigns = """
        SELECT c.id, c.campaign_id, k.headquarters_unit_id, u.name
        FROM consequence c JOIN campaign k ON k.id = c.campaign_id JOIN unit u ON u.id = c.unit_id
        WHERE c.id = ANY(@ids)
        """;

    public string Name => "consequence-responses";

    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        var total = 0;
        while (true)
        {
            await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var now = time.GetUtcNow();
            var due = (await connection.QueryAsync<(long ConsequenceId, string Kind, string Name, long UnitId, DateTimeOffset DueAt)>(
                new CommandDefinition(Claim, new { now, limit = BatchSize }, cancellationToken: cancellationToken))).ToList();
            if (due.Count == 0)
            {
                return total;
            }

            var campaigns = (await connection.QueryAsync<(long Id, long CampaignId, long? Headquarters, string UnitName)>(new CommandDefinition(SelectCampaigns,
                new { ids = due.Select(d => d.ConsequenceId).Distinct().ToArray() }, cancellationToken: cancellationToken))).ToDictionary(c => c.Id);
            var notices = new List<Notice>();
            foreach (var d in due)
            {
                var consequence = campaigns[d.ConsequenceId];
                var cause = NoticeKeys.ResponseOverdue(d.ConsequenceId, d.Kind);
                var link = $"/consequences/{d.ConsequenceId}";
                notices.Add(new Notice(d.UnitId, consequence.CampaignId, "consequence_response_overdue", $"{d.Name}逾期未报送",
                    "", link, NoticeKeys.For(cause, d.UnitId)));
                if (consequence.Headquarters is { } hq && hq != d.UnitId)
                {
                    notices.Add(new Notice(hq, consequence.CampaignId, "consequence_response_overdue", $"{consequence.UnitName}{d.Name}逾期未报送",
                        "", link, NoticeKeys.For(cause, hq), Audience: NoticeAudience.Headquarters));
                }
            }

            await NoticeWriter.WriteAsync(connection, notices, now, cancellationToken);
            await AuditLog.AppendAsync(connection, due.Select(d => AuditEntry.Create("consequence.response_overdue", AuditActor.Timer, now,
                new { consequenceId = d.ConsequenceId, kind = d.Kind, dueAt = d.DueAt }, unitId: d.UnitId, campaignId: campaigns[d.ConsequenceId].CampaignId)), cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            total += due.Count;
            if (due.Count < BatchSize)
            {
                return total;
            }
        }
    }
}
