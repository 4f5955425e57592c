namespace Accountability.Workflows;

/// <summary>Who fires a transition. Each use case acts as one party; the access policy decides who may act as it.</summary>
public enum WorkflowParty
{
    /// <summary>The unit the item is assigned to (责任单位): operators and leaders of it or a unit above it.</summary>
    Unit,

    /// <summary>The verifier unit of the item (验收单位).</summary>
    Verifier,

    /// <summary>The campaign's headquarters office (指挥部办公室): extension decisions, chasers.</summary>
    Headquarters,

    /// <summary>Inspection staff (督查): objections, complaints, look-backs.</summary>
    Inspector,

    /// <summary>The timer sweep.</summary>
    Timer,
}

/// <summary>The instant a timer counts from.</summary>
public enum TimerAnchor
{
    /// <summary>When the item was issued (交办).</summary>
    Issued,

    /// <summary>The effective due time: the extended one if an extension was granted.</summary>
    Due,

    /// <summary>The latest chaser (催办).</summary>
    Chased,

    /// <summary>When a verifier accepted the submission.</summary>
    Accepted,

    /// <summary>When the item was closed (销号).</summary>
    Closed,

    /// <summary>The latest look-back (回头看), or the closure when there has been none.</summary>
    LookedBack,

    /// <summary>When look-back sampling picked the item's closure for re-inspection; none until it does, so a timer
    /// counted from it is pending only for the items sampling picked.</summary>
    Sampled,
}

public enum TimeOfDayRule
{
    /// <summary>The anchor's own time of day (an end-of-day anchor stays at the end of the day).</summary>
    AnchorTime,

    /// <summary>The end of the day reached (midnight starting the next day, in the campaign's zone).</summary>
    EndOfDay,

    /// <summary>A fixed local time on the day reached.</summary>
    Fixed,
}

public sealed record StateDefinition(string Name, string Label, bool Open);

/// <summary>A timer: <see cref="From"/> plus <see cref="Days"/> working or calendar days (or the campaign setting
/// <see cref="DaysSetting"/>), landing at <see cref="At"/>. A timer with <see cref="Until"/> is not sent once that
/// instant has passed (a "due soon" reminder after the due date would be noise).</summary>
public sealed record TimerDefinition(
    string Kind,
    TimerAnchor From,
    int? Days,
    string? DaysSetting,
    bool WorkingDays,
    TimeOfDayRule At,
    TimeOnly FixedTime,
    TimerAnchor? Until,
    int Order)
{
    public bool HasOffset => Days is not null && Days != 0 || DaysSetting is not null;
}

/// <summary>A named condition from <see cref="WorkflowRules"/>, possibly negated ("not reply_was_false").</summary>
public sealed record ConditionRef(string Name, bool Negated)
{
    public override string ToString() => Negated ? "not " + Name : Name;
}

public enum NotifyTarget
{
    Unit,
    Verifier,
    Headquarters,
}

public abstract record WorkflowEffect(ConditionRef? When);

/// <summary>Writes a scoring event of <see cref="Kind"/> (vocabulary: docs/scoring-events.md).</summary>
public sealed record ScoreEffect(string Kind, ConditionRef? When) : WorkflowEffect(When);

/// <summary>An in-app notification. <see cref="Digest"/> is the title used when the sweep fires the same timer for
/// several items of one unit at once: one notice lists them all.</summary>
public sealed record NotifyEffect(NotifyTarget To, string Title, string? Digest, ConditionRef? When) : WorkflowEffect(When);

/// <summary>Issues a chaser (催办) to the unit, one colour higher than the last; nothing once the ladder is climbed.</summary>
public sealed record ChaserEffect(ConditionRef? When) : WorkflowEffect(When);

public sealed record InputSpec(string Name, bool Required);

/// <summary>Effects recorded even though the action is refused because <see cref="Guard"/> failed (an extension filed
/// after the due date is refused, and the refusal itself is a fact rulebooks score).</summary>
public sealed record RefusalRecord(string Guard, IReadOnlyList<WorkflowEffect> Effects);

public sealed record TransitionDefinition(
    string Trigger,
    IReadOnlyList<WorkflowParty> By,
    IReadOnlyList<string> From,
    string? To,
    IReadOnlyList<InputSpec> Inputs,
    IReadOnlyList<string> Guards,
    IReadOnlyList<WorkflowEffect> Effects,
    IReadOnlyList<RefusalRecord> WhenRefused,
    int Line)
{
    /// <summary>The state the item is in afterwards (a transition without <c>to</c> keeps the state).</summary>
    public string Target(string from) => To ?? from;
}

/// <summary>One version of a workflow, loaded from <c>workflows/definitions/CODE/vN.yaml</c> and validated.</summary>
public sealed class WorkflowDefinition
{
    private readonly Dictionary<string, StateDefinition> _states;
    private readonly Dictionary<string, TimerDefinition> _timers;
    private readonly Dictionary<string, List<TimerDefinition>> _timersByState;
    private readonly Dictionary<(string State, string Trigger), TransitionDefinition[]> _routes;

    public WorkflowDefinition(string code, int version, string name, string initial, IReadOnlyList<StateDefinition> states,
        IReadOnlyList<TimerDefinition> timers, IReadOnlyList<TransitionDefinition> transitions,
        IReadOnlyList<string> chaserColours, string file)
    {
        Code = code;
        Version = version;
        Name = name;
        Initial = initial;
        States = states;
        Timers = timers;
        Transitions = transitions;
        ChaserColours = chaserColours;
        File = file;
        _states = states.ToDictionary(s => s.Name, StringComparer.Ordinal);
        _timers = timers.ToDictionary(t => t.Kind, StringComparer.Ordinal);
        _timersByState = states.ToDictionary(s => s.Name, s => timers
            .Where(t => transitions.Any(tr => tr.Trigger == t.Kind && tr.By.Contains(WorkflowParty.Timer) && AppliesTo(tr, s.Name)))
            .OrderBy(t => t.Order)
            .ToList(), StringComparer.Ordinal);
        // The sweep asks for the same few routes hundreds of thousands of times.
        _routes = states.SelectMany(s => transitions.Where(t => AppliesTo(t, s.Name)).Select(t => (s.Name, t)))
            .GroupBy(x => (x.Name, x.t.Trigger))
            .ToDictionary(g => g.Key, g => g.Select(x => x.t).ToArray());
    }

    public string Code { get; }

    public int Version { get; }

    public string Name { get; }

    public string Initial { get; }

    public IReadOnlyList<StateDefinition> States { get; }

    public IReadOnlyList<TimerDefinition> Timers { get; }

    public IReadOnlyList<TransitionDefinition> Transitions { get; }

    public IReadOnlyList<string> ChaserColours { get; }

    /// <summary>The file it was loaded from, relative to the workflows folder.</summary>
    public string File { get; }

    public bool HasState(string state) => _states.ContainsKey(state);

    public StateDefinition State(string state) =>
        _states.TryGetValue(state, out var definition)
            ? definition
            : throw new InvalidOperationException($"{File}: no state '{state}'");

    public bool IsOpen(string state) => _states.TryGetValue(state, out var s) && s.Open;

    public TimerDefinition? Timer(string kind) => _timers.GetValueOrDefault(kind);

    /// <summary>The timers pending while an item is in <paramref name="state"/>, in definition order.</summary>
    public IReadOnlyList<TimerDefinition> TimersIn(string state) =>
        _timersByState.TryGetValue(state, out var timers) ? timers : [];

    public IReadOnlyList<TransitionDefinition> Routes(string state, string trigger) =>
        _routes.TryGetValue((state, trigger), out var routes) ? routes : [];

    public static bool AppliesTo(TransitionDefinition transition, string state) =>
        transition.From.Contains("*") || transition.From.Contains(state);
}
