using Accountability.Notices;
using Npgsql;

namespace Accountability.Cycles;

/// <summary>One period close as a scorer sees it. Instants are absolute; the period was computed in the campaign's
/// zone (e.g. "2017-10" runs from 2017-10-01 00:00 to 2017-11-01 00:00 Asia/Shanghai).</summary>
public sealed record PeriodContext(
    long CampaignId,
    string Cycle,
    string Period,
    DateTimeOffset PeriodStart,
    DateTimeOffset PeriodEnd,
    DateTimeOffset Cutoff,
    long CycleRunId,
    bool DryRun,
    DateTimeOffset Now);

/// <summary>What a scorer produced for a period, for the cycle to report: the documents the period stands on (new,
/// corrected or unchanged), the consequences, and what the scorer published.</summary>
public sealed record PeriodScoringResult(
    IReadOnlyList<long> DocumentIds,
    int ConsequenceCount,
    string Summary,
    PublishedNotices Published);

/// <summary>
/// Scores and ranks one period, writes its documents and consequences, and publishes the documents it issued through
/// <see cref="NoticePublisher"/> (the one publication path: notifications to the recipients it chooses, outbox messages
/// to the configured destinations), inside the cycle's transaction (the connection passed in has it open): all of it
/// commits with the cycle run or none of it does. A dry run publishes too; its transaction is rolled back. The cycles capability
/// ships a plain completion-rate scorer for campaigns without a rulebook; the scoring capability applies rulebooks.
/// </summary>
public interface IPeriodScorer
{
    /// <summary>True when this scorer is the one to use for the campaign (e.g. it names a rulebook).</summary>
    bool Handles(string? rulebookCode);

    Task<PeriodScoringResult> ScoreAsync(NpgsqlConnection connection, PeriodContext context, CancellationToken cancellationToken);
}
