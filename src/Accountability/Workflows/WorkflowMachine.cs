using Stateless;

namespace Accountability.Workflows;

/// <summary>What the workflow decided: the transition taken (from, to, which definition entry), or the refusal with
/// the rule that refused it.</summary>
public sealed record WorkflowDecision(string From, string To, TransitionDefinition? Transition, string? RefusedBy,
    string? RefusalRule, string? RefusalMessage)
{
    public bool Allowed => RefusalRule is null;

    public bool StateChanges => From != To;
}

/// <summary>
/// Executes a definition with Stateless: each transition becomes a guarded <c>PermitIf</c> (or <c>PermitReentryIf</c>
/// when the state stays) whose guards are the named rules plus "this party may fire it". Stateless picks the one
/// transition whose guards hold, or reports the unmet guards, which become the refusal's named rule; a trigger the
/// state has no transition for is refused as "state X does not allow Y". Never silently ignored.
/// </summary>
public static class WorkflowMachine
{
    public const string StateMustAllowActionRule = "StateMustAllowActionRule";
    public const string PartyMustBeAllowedRule = "PartyMustBeAllowedRule";
    private const string PartyGuard = "party";

    public static WorkflowDecision Decide(WorkflowContext context, string trigger)
    {
        var definition = context.Definition;
        var current = context.Item.State;
        if (!definition.HasState(current))
        {
            return Refused(current, trigger, null, StateMustAllowActionRule,
                $"State {current} is not part of workflow {definition.Code} v{definition.Version}.");
        }

        var state = current;
        var machine = new StateMachine<string, string>(() => state, s => state = s);
        WorkflowDecision? refusal = null;
        machine.OnUnhandledTrigger((from, t, unmet) => refusal = Refusal(context, from, t, unmet));

        foreach (var transition in definition.Transitions.Where(t => t.Trigger == trigger))
        {
            foreach (var from in definition.States.Select(s => s.Name).Where(s => WorkflowDefinition.AppliesTo(transition, s)))
            {
                var guards = Guards(context, transition);
                var configuration = machine.Configure(from);
                var to = transition.Target(from);
                if (to == from)
                {
                    configuration.PermitReentryIf(trigger, guards);
                }
                else
                {
                    configuration.PermitIf(trigger, to, guards);
                }
            }
        }

        machine.Fire(trigger);
        if (refusal is not null)
        {
            return refusal;
        }

        var route = definition.Routes(current, trigger).First(r => r.Target(current) == state && r.By.Contains(context.Party)
            && r.Guards.All(g => WorkflowRules.Get(g).Holds(context)));
        return new WorkflowDecision(current, state, route, null, null, null);
    }

    private static Tuple<Func<bool>, string>[] Guards(WorkflowContext context, TransitionDefinition transition)
    {
        var guards = new List<Tuple<Func<bool>, string>>
        {
            Tuple.Create<Func<bool>, string>(() => transition.By.Contains(context.Party), PartyGuard),
        };
        guards.AddRange(transition.Guards.Select(g => Tuple.Create<Func<bool>, string>(() => WorkflowRules.Get(g).Holds(context), g)));
        return guards.ToArray();
    }

    private static WorkflowDecision Refusal(WorkflowContext context, string from, string trigger, ICollection<string>? unmet)
    {
        var definition = context.Definition;
        var routes = definition.Routes(from, trigger).ToList();
        if (routes.Count == 0 || unmet is null || unmet.Count == 0)
        {
            return Refused(from, trigger, null, StateMustAllowActionRule, $"State {from} does not allow {trigger}.");
        }

        // Stateless reports the unmet guards of the first transition; prefer one the party may fire at all.
        var route = routes.FirstOrDefault(r => r.By.Contains(context.Party));
        if (route is null || unmet.Contains(PartyGuard) && routes.All(r => !r.By.Contains(context.Party)))
        {
            var parties = string.Join(" or ", routes.SelectMany(r => r.By).Distinct().Select(p => p.ToString().ToLowerInvariant()));
            return Refused(from, trigger, routes[0], PartyMustBeAllowedRule,
                $"In state {from}, {trigger} is done by the {parties}, not by the {context.Party.ToString().ToLowerInvariant()}.");
        }

        var failed = route.Guards.FirstOrDefault(g => !WorkflowRules.Get(g).Holds(context)) ?? unmet.First(u => u != PartyGuard);
        var rule = WorkflowRules.Get(failed);
        return Refused(from, trigger, route, rule.RuleName, rule.Refusal(context), failed);
    }

    private static WorkflowDecision Refused(string from, string trigger, TransitionDefinition? route, string rule, string message,
        string? guard = null) => new(from, from, route, guard, rule, message) { };
}
