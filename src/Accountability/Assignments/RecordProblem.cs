using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Accountability.Access;
using Accountability.Audit;
using Accountability.Notices;
using Accountability.Workflows;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Accountability.Assignments;

/// <summary>Where a problem came from: inspection (督查, 明查暗访), a grid patrol (网格), an upper-level hand-over
/// (中央/省督察交办), a public complaint (12369 举报), or media exposure.</summary>
public enum ProblemSource
{
    Inspection,
    GridPatrol,
    UpperLevel,
    Complaint,
    Media,
}

/// <summary>A problem arriving one by one. <see cref="Level"/> is the level that found or exposed it (county, city,
/// province, central); <see cref="RepeatOf"/> names the ledger number of the same problem found before at the same
/// place. <see cref="IdempotencyKey"/>: a retry with the same key returns the first answer and records nothing more.</summary>
public sealed record ProblemReport(
    long CampaignId,
    ProblemSource Source,
    string? Level,
    long TownUnitId,
    long VerifierUnitId,
    string Name,
    string? ProblemType,
    string? Requirements,
    DateOnly DueDate,
    string? RepeatOf = null,
    IReadOnlyList<EvidenceUpload>? Files = null,
    string? IdempotencyKey = null);

/// <summary>
/// 一件一号: records a problem found by inspection, a complaint, a media exposure or an upper-level hand-over as a
/// ledger item (kind problem, or complaint) with its own number, assigns it to the town with a due date, and writes
/// the scoring facts (problem_found or media_exposure at the finding level, repeat_problem for a repeat) — one
/// transaction. The assignment then runs the workflow like any other; a complaint may be closed as unfounded.
/// </summary>
public sealed class RecordProblem(
    NpgsqlDataSource dataSource,
    AccessPolicy access,
    AssignmentStore store,
    WorkflowCatalog catalog,
    IOptions<EvidenceOptions> evidenceOptions,
    TimeProvider time) : IUseCase
{
    public static readonly IReadOnlyList<string> Levels = ["county", "city", "province", "central"];

    private const string SelectCampaign = """
        SELECT workflow_code AS WorkflowCode, current_plan_version AS PlanVersion FROM campaign WHERE id = @id
        """;

    private const string LockNumbering = "SELECT pg_advisory_xact_lock(hashtext('ledger-number'), @campaignId::int)";

    // After the highest number of the form (plan items included), so a plan that happens to number an item WT-0003
    // never collides with a recorded one.
    private const string NextNumber = """
        SELECT coalesce(max(substring(number FROM length(@prefix) + 1)::bigint), 0) + 1 FROM ledger_item
        WHERE campaign_id = @campaignId AND number ~ ('^' || @prefix || '[0-9]{1,15}$')
        """;

    private const string UnitExists = "SELECT count(*) FROM unit WHERE id = ANY(@ids)";

    private const string RepeatExists = "SELECT EXISTS (SELECT 1 FROM ledger_item WHERE campaign_id = @campaignId AND number = @number)";

    private const string InsertLedgerItem = """
        INSERT INTO ledger_item (campaign_id, number, kind, name, town_unit_id, problem_type, measures, due_at, source,
                                 found_level, verifier_unit_id, calendar_version, first_version, changed_version, origin)
        VALUES (@campaignId, @number, @kind, @name, @town, @problemType, @requirements, @dueAt, @source, @level, @verifier,
                @calendarVersion, @planVersion, @planVersion, 'recorded')
        RETURNING id
        """;

    private const string InsertAssignment = """
        INSERT INTO assignment (campaign_id, ledger_item_id, unit_id, role, obligation_no, verifier_unit_id, issued_at, due_at,
                                calendar_version, plan_version, workflow_code, workflow_version, state, next_timer_at,
                                next_timer_kind, light, updated_at)
        VALUES (@CampaignId, @LedgerItemId, @UnitId, 'lead', 0, @VerifierUnitId, @IssuedAt, @DueAt, @calendarVersion, @planVersion,
                @WorkflowCode, @WorkflowVersion, @State, @NextTimerAt, @NextTimerKind, 'green', @IssuedAt)
        RETURNING id
        """;

    private const string InsertEvidence = """
        INSERT INTO evidence_file (assignment_id, action, kind, file_name, content_type, size_bytes, sha256, content, uploaded_at, uploaded_by, audit_seq)
        VALUES (@assignmentId, 'record_problem', @kind, @fileName, @contentType, @size, @sha256, @content, @now, @personId, @seq)
        """;

    public async Task<AssignmentView> RunAsync(Actor actor, ProblemReport report, CancellationToken cancellationToken = default)
    {
        await access.RequireAsync(actor, Operation.RecordInspection, cancellationToken: cancellationToken);
        var problems = new List<InputProblem>();
        void Problem(string field, string reason) => problems.Add(new InputProblem("request", null, null, field, reason));
        if (string.IsNullOrWhiteSpace(report.Name))
        {
            Problem("name", "describe the problem");
        }

        if (report.Level is not null && !Levels.Contains(report.Level))
        {
            Problem("level", $"'{report.Level}' is not a level; expected one of: {string.Join(", ", Levels)}");
        }

        if (report.Level is null && report.Source is not ProblemSource.Complaint)
        {
            Problem("level", "say which level found or exposed it (county, city, province, central)");
        }

        var evidence = EvidenceInspector.InspectAll(report.Files ?? [], evidenceOptions.Value, problems);
        var now = time.GetUtcNow();

        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // A retried POST (a timeout, a double click) must not record the problem, and score the town, a second time.
        if (report.IdempotencyKey is { } key
            && await AssignmentTransitions.ClaimKeyAsync(connection, actor.PersonId, key, Fingerprint(report), now) is { } stored)
        {
            return stored;
        }

        var campaignRow = await connection.QuerySingleOrDefaultAsync<(string WorkflowCode, int PlanVersion)?>(SelectCampaign, new { id = report.CampaignId });
        if (campaignRow is null)
        {
            throw new NotFoundException($"Campaign {report.CampaignId} does not exist.");
        }

        if (await connection.ExecuteScalarAsync<int>(UnitExists, new { ids = new[] { report.TownUnitId, report.VerifierUnitId } })
            != (report.TownUnitId == report.VerifierUnitId ? 1 : 2))
        {
            Problem("townUnitId/verifierUnitId", "no such unit");
        }

        if (report.RepeatOf is not null && !await connection.ExecuteScalarAsync<bool>(RepeatExists, new { report.CampaignId, number = report.RepeatOf }))
        {
            Problem("repeatOf", $"no ledger item {report.RepeatOf} in this campaign");
        }

        var campaign = await store.CampaignAsync(connection, report.CampaignId);
        var dueAt = campaign.EndOfDay(report.DueDate);
        if (dueAt <= now)
        {
            Problem("dueDate", "must be in the future");
        }

        if (problems.Count > 0)
        {
            throw new InputRejectedException(problems);
        }

        var kind = report.Source == ProblemSource.Complaint ? "complaint" : "problem";
        var prefix = kind == "complaint" ? "TS-" : "WT-";
        await connection.ExecuteAsync(LockNumbering, new { report.CampaignId });
        var sequence = await connection.ExecuteScalarAsync<long>(NextNumber, new { report.CampaignId, prefix });
        var number = prefix + sequence.ToString("D4", CultureInfo.InvariantCulture);
        var source = Source(report.Source);
        var ledgerId = await connection.ExecuteScalarAsync<long>(InsertLedgerItem, new
        {
            report.CampaignId, number, kind, name = report.Name.Trim(), town = report.TownUnitId, report.ProblemType, report.Requirements,
            dueAt, source, level = report.Level, verifier = report.VerifierUnitId, calendarVersion = campaign.Calendar.Version,
            planVersion = campaignRow.Value.PlanVersion,
        });

        var definition = catalog.Latest(campaignRow.Value.WorkflowCode);
        var item = WorkflowAssignmentStartPolicy.Start(definition, new AssignmentFacts
        {
            CampaignId = report.CampaignId, LedgerItemId = ledgerId, UnitId = report.TownUnitId, VerifierUnitId = report.VerifierUnitId,
            IssuedAt = now, DueAt = dueAt, Number = number, Title = report.Name.Trim(), LedgerKind = kind, FoundLevel = report.Level,
        }, campaign, now);
        var id = await connection.ExecuteScalarAsync<long>(InsertAssignment, new
        {
            item.CampaignId, item.LedgerItemId, item.UnitId, item.VerifierUnitId, item.IssuedAt, item.DueAt,
            calendarVersion = campaign.Calendar.Version, planVersion = campaignRow.Value.PlanVersion, item.WorkflowCode,
            item.WorkflowVersion, item.State, item.NextTimerAt, item.NextTimerKind,
        });

        var seq = await AuditLog.AppendAsync(connection, AuditEntry.Create("assignment.issued", AuditActor.Person(actor.PersonId), now, new
        {
            workflow = $"{definition.Code}/v{definition.Version}", ledger_item = number, kind, source, level = report.Level,
            name = report.Name, requirements = report.Requirements, due_at = dueAt, repeat_of = report.RepeatOf,
            files = evidence.Select(f => new { f.Kind, name = f.FileName, type = f.ContentType, size = f.Content.Length, sha256 = Convert.ToHexString(f.Sha256).ToLowerInvariant() }),
        }, report.TownUnitId, report.CampaignId, id), cancellationToken);

        foreach (var file in evidence)
        {
            await connection.ExecuteAsync(InsertEvidence, new
            {
                assignmentId = id, kind = file.Kind, fileName = file.FileName, contentType = file.ContentType, size = file.Content.Length,
                sha256 = file.Sha256, content = file.Content, now, personId = actor.PersonId, seq,
            });
        }

        var scores = new List<ScoreRow>();
        var detail = JsonSerializer.Serialize(new { source, ledger_item = number, repeat_of = report.RepeatOf });
        switch (report.Source)
        {
            case ProblemSource.Media:
                scores.Add(new ScoreRow(report.CampaignId, report.TownUnitId, id, "media_exposure", report.Level, now, detail));
                break;
            case ProblemSource.Inspection or ProblemSource.GridPatrol or ProblemSource.UpperLevel:
                scores.Add(new ScoreRow(report.CampaignId, report.TownUnitId, id, "problem_found", report.Level, now, detail));
                break;
        }

        if (report.RepeatOf is not null)
        {
            scores.Add(new ScoreRow(report.CampaignId, report.TownUnitId, id, "repeat_problem", report.Level, now, detail));
        }

        await WorkflowWrites.WriteScoresAsync(connection, scores.Select(s => (s, seq)), cancellationToken);
        item = item with { Id = id, RowVersion = 1, Light = ProgressLights.Green, UnitName = await UnitNameAsync(connection, report.TownUnitId) };
        await WorkflowWrites.WriteNoticesAsync(connection,
        [
            new NoticeRow(report.TownUnitId, report.CampaignId, id, "assignment.issued",
                $"{(kind == "complaint" ? "交办投诉" : "交办问题")}：{number} {report.Name.Trim()}，完成时限 {report.DueDate:yyyy-MM-dd}",
                report.Requirements ?? "", $"/assignments/{id}", NoticeKeys.For(NoticeKeys.Audited(seq, 0), report.TownUnitId)),
        ], now);
        var view = AssignmentView.From(item, definition);
        if (report.IdempotencyKey is { } completed)
        {
            await AssignmentTransitions.CompleteKeyAsync(connection, actor.PersonId, completed, view);
        }

        await transaction.CommitAsync(cancellationToken);
        return view;
    }

    /// <summary>What the same request means: the report without its key, files by content.</summary>
    private static byte[] Fingerprint(ProblemReport report)
    {
        var text = JsonSerializer.Serialize(new
        {
            action = "record_problem", report = report with { Files = null, IdempotencyKey = null },
            files = (report.Files ?? []).Select(f => new { f.Kind, f.FileName, sha256 = Convert.ToHexString(SHA256.HashData(f.Content)) }),
        });
        return SHA256.HashData(Encoding.UTF8.GetBytes(text));
    }

    private static async Task<string> UnitNameAsync(NpgsqlConnection connection, long unitId) =>
        await connection.ExecuteScalarAsync<string>("SELECT name FROM unit WHERE id = @unitId", new { unitId }) ?? "";

    public static string Source(ProblemSource source) => source switch
    {
        ProblemSource.Inspection => "inspection",
        ProblemSource.GridPatrol => "grid_patrol",
        ProblemSource.UpperLevel => "upper_level",
        ProblemSource.Complaint => "complaint",
        ProblemSource.Media => "media",
        _ => throw new ArgumentOutOfRangeException(nameof(source)),
    };
}
