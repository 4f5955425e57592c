using Accountability.Database;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Spectre.Console;

namespace Accountability.Cli.Hosting;

/// <summary>
/// Opens the engine for one command: the same configuration keys as the server (environment variables such as
/// ConnectionStrings__Accountability, or appsettings.json in the current folder), the same database (with none
/// configured, the checkout's embedded cluster, shared with a running server), the same use cases.
/// Engine refusals are printed as the user should read them and turned into exit codes, never stack traces.
/// </summary>
public static class CliHost
{
    public const int InputRejected = 2;
    public const int Refused = 3;
    public const int Failed = 4;

    public static IConfiguration Configuration { get; } = new ConfigurationBuilder()
        .AddJsonFile("appsettings.json", optional: true)
        .AddEnvironmentVariables()
        .Build();

    public static async Task<int> RunAsync(Func<IServiceProvider, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        using var loggerFactory = LoggerFactory.Create(b => b.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning));
        try
        {
            await using var database = await AccountabilityDatabase.OpenAsync(Configuration, loggerFactory, cancellationToken: cancellationToken);
            var services = new ServiceCollection()
                .AddSingleton<ILoggerFactory>(loggerFactory)
                .AddLogging()
                .AddAccountability(Configuration, database);
            // The database is disposed above; the provider must not dispose it a second time first.
            await using var provider = services.BuildServiceProvider();
            return await body(provider, cancellationToken);
        }
        catch (InputRejectedException e)
        {
            PrintProblems(e.Problems);
            return InputRejected;
        }
        catch (BusinessRuleBrokenException e)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]Refused[/] ({e.Rule}): {e.Message}");
            return Refused;
        }
        catch (Exception e) when (e is NotFoundException or AccessDeniedException or EmbeddedDatabaseException)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{e.Message}[/]");
            return Failed;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A folder that is not there, a file that may not be written, a full disk: the message names the path.
            AnsiConsole.MarkupLineInterpolated($"[red]Failed:[/] {e.Message}");
            return Failed;
        }
        catch (Npgsql.PostgresException e)
        {
            // The database refused or failed the command part-way; its transaction is rolled back and nothing was kept.
            AnsiConsole.MarkupLineInterpolated($"[red]Failed:[/] the database answered {e.SqlState}: {e.MessageText}. Nothing was changed.");
            return Failed;
        }
    }

    public static void PrintProblems(IReadOnlyList<InputProblem> problems)
    {
        foreach (var problem in problems)
        {
            if (problem.IsWarning)
            {
                AnsiConsole.MarkupLineInterpolated($"[yellow]{problem}[/]");
            }
            else
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{problem}[/]");
            }
        }

        var errors = problems.Count(p => !p.IsWarning);
        if (errors > 0)
        {
            AnsiConsole.MarkupLineInterpolated($"[red]{errors} error(s); nothing was written.[/]");
        }
    }

    /// <summary>Reads a password without echo, twice when setting one; from standard input when it is redirected
    /// (scripts: <c>echo "$PW" | accountability ...</c>).</summary>
    public static string ReadPassword(bool confirm)
    {
        if (Console.IsInputRedirected)
        {
            return Console.In.ReadLine() ?? "";
        }

        var password = AnsiConsole.Prompt(new TextPrompt<string>("Password:").Secret());
        if (confirm && AnsiConsole.Prompt(new TextPrompt<string>("Again:").Secret()) != password)
        {
            throw new BusinessRuleBrokenException("PasswordsMustMatchRule", "The two passwords differ.");
        }

        return password;
    }
}
