using System.CommandLine;
using Accountability.Audit;
using Accountability.Cli.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Audit;

public static class AuditCommands
{
    public const int ChainBroken = 5;

    public static Command Create()
    {
        var verify = new Command("verify", "Walk the audit log's hash chain and report the first event altered, removed or reordered");
        verify.SetAction((_, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var result = await services.GetRequiredService<VerifyAuditLog>().RunAsync(token);
            if (result.IsIntact)
            {
                AnsiConsole.MarkupLineInterpolated($"[green]Audit log intact[/]: {result.EventsChecked} events checked.");
                return 0;
            }

            AnsiConsole.MarkupLineInterpolated($"[red]Audit log broken at event {result.FirstBadSeq}[/]: {result.Problem} ({result.EventsChecked} events verified before it).");
            return ChainBroken;
        }, ct));
        return new Command("audit", "The tamper-evident audit log") { verify };
    }
}
