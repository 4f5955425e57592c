namespace Accountability;

/// <summary>A business rule, named as a sentence (<c>ExtensionMustBeFiledBeforeDueDateRule</c>). When broken, the
/// action is refused with <see cref="Message"/>; the web host answers 409 with the rule's name.</summary>
public interface IBusinessRule
{
    bool IsBroken();

    string Message { get; }
}

public static class BusinessRule
{
    public static void Check(IBusinessRule rule)
    {
        if (rule.IsBroken())
        {
            throw new BusinessRuleBrokenException(rule.GetType().Name, rule.Message);
        }
    }
}

public sealed class BusinessRuleBrokenException(string rule, string message, object? current = null) : Exception(message)
{
    public string Rule { get; } = rule;

    /// <summary>What the caller should see of the current state (e.g. the item as it is now), if anything.</summary>
    public object? Current { get; } = current;
}

/// <summary>The actor may not do this. Hosts answer 403, or 404 where even existence must not leak.</summary>
public sealed class AccessDeniedException(string message, bool hideExistence = false) : Exception(message)
{
    public bool HideExistence { get; } = hideExistence;
}

public sealed class NotFoundException(string message) : Exception(message);

/// <summary>Someone changed the row since the caller read it (row version mismatch).</summary>
public sealed class ConcurrencyConflictException(string message, object? current) : Exception(message)
{
    public object? Current { get; } = current;
}

/// <summary>One problem found in an input file or request: where it is and why it is refused.</summary>
public sealed record InputProblem(string File, string? Sheet, int? Line, string? Field, string Reason,
    bool IsWarning = false)
{
    public override string ToString()
    {
        var where = File;
        if (Sheet is not null)
        {
            where += $" [{Sheet}]";
        }

        if (Line is not null)
        {
            where += Sheet is null ? $":{Line}" : $" row {Line}";
        }

        if (Field is not null)
        {
            where += $" {Field}";
        }

        return $"{(IsWarning ? "warning" : "error")}: {where}: {Reason}";
    }
}

/// <summary>Input was refused; <see cref="Problems"/> lists every error at once, and nothing was written.</summary>
public sealed class InputRejectedException(IReadOnlyList<InputProblem> problems)
    : Exception($"{problems.Count(p => !p.IsWarning)} error(s): " +
                string.Join("; ", problems.Where(p => !p.IsWarning).Take(5)))
{
    public IReadOnlyList<InputProblem> Problems { get; } = problems;
}
