using System.CommandLine;
using Accountability.Cli.Hosting;
using Accountability.Notices;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Notices;

/// <summary>
/// The outbox of documents sent by e-mail and webhook: see what is waiting or was given up on, and re-queue what the
/// relay abandoned once the cause is fixed. The relay itself runs every minute on the server (or once with
/// <c>accountability cycle sweep</c>).
/// </summary>
public static class OutboxCommands
{
    public static Command Create()
    {
        var outbox = new Command("outbox", "Outgoing e-mail and webhook messages: list the undelivered, re-queue the abandoned");
        outbox.Subcommands.Add(List());
        outbox.Subcommands.Add(Requeue());
        return outbox;
    }

    private static Command List()
    {
        var abandoned = new Option<bool>("--abandoned") { Description = "Only the messages the relay gave up on after its last retry" };
        var limit = new Option<int>("--limit") { Description = "At most this many, oldest first (default 100)", DefaultValueFactory = _ => 100 };
        var command = new Command("list", "List the messages not delivered yet: still being retried, or abandoned") { abandoned, limit };
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var onlyAbandoned = parse.GetValue(abandoned);
            var listing = await services.GetRequiredService<OutboxStore>().ListAsync(onlyAbandoned, Math.Max(1, parse.GetValue(limit)), token);
            var table = new Table().AddColumns("id", "channel", "destination", "attempts", "created (UTC)", "state", "last error");
            foreach (var m in listing.Messages)
            {
                var state = m.AbandonedAt is { } at ? $"abandoned {Utc(at)}" : $"next attempt {Utc(m.NextAttemptAt)}";
                table.AddRow(m.Id.ToString(), m.Channel, Markup.Escape(m.Destination), m.Attempts.ToString(), Utc(m.CreatedAt), state,
                    Markup.Escape(m.LastError ?? ""));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLineInterpolated($"{listing.Messages.Count} of {listing.Total} {(onlyAbandoned ? "abandoned" : "undelivered")} message(s).");
            return 0;
        }, ct));
        return command;
    }

    private static Command Requeue()
    {
        var ids = new Option<long[]>("--id") { Description = "A message to re-queue (repeat for several); refused unless every one is abandoned" };
        var all = new Option<bool>("--all-abandoned") { Description = "Re-queue every abandoned message" };
        var command = new Command("requeue", "Put abandoned messages back in the relay's queue, due now with fresh attempts; audited") { ids, all };
        command.Validators.Add(result =>
        {
            if (result.GetValue(ids) is { Length: > 0 } == result.GetValue(all))
            {
                result.AddError("Say which messages: --id N (repeatable) or --all-abandoned, not both.");
            }
        });
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var chosen = parse.GetValue(all) ? null : parse.GetValue(ids);
            var requeued = await services.GetRequiredService<RequeueOutboxMessages>().RunAsync(null, chosen, token);
            if (requeued.Ids.Count == 0)
            {
                AnsiConsole.MarkupLine("No abandoned messages; nothing was re-queued.");
                return 0;
            }

            AnsiConsole.MarkupLineInterpolated(
                $"[green]Re-queued {requeued.Ids.Count} message(s)[/]: {string.Join(", ", requeued.Ids)}. The relay sends them on its next pass.");
            return 0;
        }, ct));
        return command;
    }

    private static string Utc(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm");
}
