namespace Accountability.Scoring;

/// <summary>A period scored: the point ledger, the ranking rows, the consequences, and the state the next period
/// starts from.</summary>
public sealed record PeriodOutcome(
    IReadOnlyList<LedgerLine> Ledger,
    IReadOnlyList<UnitResult> Results,
    IReadOnlyList<ConsequenceOutcome> Consequences,
    PeriodState Next);

/// <summary>
/// One line of the point ledger: the points a rule gave a unit in the period and why. Lines from events carry the
/// event kind and levels, from which the writer attaches the ids of the events behind them; cap lines
/// (<c>tasks:cap</c>) give back what a component's cap cut, so the score is always the base plus the ledger.
/// </summary>
public sealed record LedgerLine(
    long UnitId,
    string RuleId,
    string RuleName,
    string Component,
    decimal Quantity,
    decimal Points,
    string? EventKind,
    IReadOnlyList<string> Levels,
    string Basis);

/// <summary>One ranked (or scored but unranked) unit.</summary>
public sealed record UnitResult(
    long UnitId,
    string? Category,
    int? Rank,
    int CategorySize,
    bool Tied,
    decimal Score,
    decimal Deductions,
    decimal Bonuses,
    string Grade,
    bool Usable,
    string? UnusableReason,
    bool Vetoed,
    int Tasks,
    int Closed,
    decimal? Completion,
    int OnSchedule,
    int Yellow,
    int Red,
    int Overdue,
    int ProblemsFound,
    int Unrectified,
    int Complaints,
    bool Top,
    bool Bottom,
    int? PreviousRank,
    IReadOnlyDictionary<string, int> LadderCounts);

/// <summary>Why a consequence applies: the rule (id and the rulebook version) and the fact in words, with the count
/// that reached the rung where there is one.</summary>
public sealed record ConsequenceFact(string RuleId, string Rulebook, int Version, string Text, int? Count);

/// <summary>One consequence for one unit on one post (null: the unit itself) in the period; two rules reaching the same
/// rung add their facts to the one consequence.</summary>
public sealed record ConsequenceOutcome(long UnitId, string Kind, string? Post, IReadOnlyList<ConsequenceFact> Facts)
{
    public IEnumerable<string> RuleIds => Facts.Select(f => f.RuleId).Distinct();
}
