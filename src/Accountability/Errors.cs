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

/// <summary>
/// Why an input is refused: the English sentence that the CLI, logs and the API show and, for the problems people
/// meet on the upload pages, a message code with named arguments, so that a page can say it in the reader's language
/// (resource <c>Problem_{Code}</c> with <c>{name}</c> placeholders). The codes are made in one place,
/// <see cref="Imports.Reasons"/>; a plain string is a reason without a code.
/// </summary>
public sealed record ProblemReason(string Text, string? Code = null, IReadOnlyDictionary<string, string>? Arguments = null)
{
    public static implicit operator ProblemReason(string text) => new(text);

    public static ProblemReason FromString(string text) => new(text);

    public override string ToString() => Text;
}

/// <summary>One problem found in an input file or request: where it is and why it is refused. <see cref="Reason"/> is
/// English; <see cref="Code"/> and <see cref="Arguments"/>, when present, let pages show it in the reader's language.</summary>
public sealed record InputProblem(string File, string? Sheet, int? Line, string? Field, string Reason,
    bool IsWarning = false)
{
    /// <summary>The message code (<see cref="Imports.Reasons"/>), or null for a problem known only by its English reason.</summary>
    public string? Code { get; init; }

    /// <summary>The values the code's message names, by placeholder name; null without a code.</summary>
    public IReadOnlyDictionary<string, string>? Arguments { get; init; }

    /// <summary>A problem with a coded reason. (A factory rather than a second constructor: the record is read back from
    /// JSON, which wants one constructor.)</summary>
    public static InputProblem Of(string file, string? sheet, int? line, string? field, ProblemReason reason, bool isWarning = false) =>
        new(file, sheet, line, field, reason.Text, isWarning) { Code = reason.Code, Arguments = reason.Arguments };

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
