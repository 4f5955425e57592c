using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Accountability.Cli.Hosting;
using Accountability.Scoring;
using Microsoft.Extensions.DependencyInjection;
using Spectre.Console;

namespace Accountability.Cli.Scoring;

/// <summary><c>accountability score …</c>: rulebooks, scoring a period by hand, and what-if.</summary>
public static class ScoringCommands
{
    public static Command Create()
    {
        var score = new Command("score", "Quantified accountability: rulebooks, period scoring, what-if");
        score.Subcommands.Add(Rulebooks());
        score.Subcommands.Add(Validate());
        score.Subcommands.Add(Period());
        score.Subcommands.Add(WhatIf());
        return score;
    }

    private static Command Rulebooks()
    {
        var command = new Command("rulebooks", "List the rulebooks in workflows/rulebooks (every version), validating them");
        command.SetAction((parse, ct) => CliHost.RunAsync((services, _) =>
        {
            var table = new Table().AddColumns("code", "version", "name", "文号", "effective", "sha256");
            foreach (var r in services.GetRequiredService<RulebookCatalog>().All.OrderBy(r => r.Code, StringComparer.Ordinal).ThenBy(r => r.Version))
            {
                table.AddRow(Markup.Escape(r.Code), r.Version.ToString(CultureInfo.InvariantCulture), Markup.Escape(r.Name), Markup.Escape(r.DocumentNumber),
                    $"{r.EffectiveFrom:yyyy-MM-dd} – {(r.EffectiveTo is { } to ? to.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) : "")}", r.Sha256[..12]);
            }

            AnsiConsole.Write(table);
            return Task.FromResult(0);
        }, ct));
        return command;
    }

    private static Command Validate()
    {
        var file = new Argument<FileInfo>("FILE") { Description = "A rulebook file (.yaml)" };
        var command = new Command("validate", "Check a rulebook file and report every problem with its line and field") { file };
        command.SetAction((parse, _) =>
        {
            var path = parse.GetValue(file)!;
            var problems = new List<InputProblem>();
            var rulebook = path.Exists ? RulebookReader.Read(path.Name, File.ReadAllBytes(path.FullName), problems) : null;
            if (!path.Exists)
            {
                AnsiConsole.MarkupLineInterpolated($"[red]{path.FullName} does not exist.[/]");
                return Task.FromResult(CliHost.Failed);
            }

            CliHost.PrintProblems(problems);
            if (rulebook is null)
            {
                return Task.FromResult(CliHost.InputRejected);
            }

            AnsiConsole.MarkupLineInterpolated($"[green]{path.Name} is valid[/]: {rulebook.Citation} {rulebook.Name}, {rulebook.Points.Count} point rules, {rulebook.Ladders.Count} ladders, {rulebook.Thresholds.Count} thresholds, {rulebook.RollUps.Count} roll-ups.");
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command Period()
    {
        var campaign = new Option<string>("--campaign") { Description = "Campaign code", Required = true };
        var period = new Option<string>("--period") { Description = "Period: 2017-10, 2017-W43 or 2017-10-25", Required = true };
        var cycle = new Option<string>("--cycle") { Description = "Cycle name (default monthly)", DefaultValueFactory = _ => "monthly" };
        var command = new Command("period", "Score, rank and escalate a period now, under the campaign's rulebook (freezes the snapshot at the period's end if none exists)")
        {
            campaign, period, cycle,
        };
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            var result = await services.GetRequiredService<ScoreCampaignPeriod>().RunAsync(null, parse.GetValue(campaign)!, parse.GetValue(cycle)!,
                parse.GetValue(period)!, cancellationToken: token);
            AnsiConsole.MarkupLineInterpolated($"[green]Scored[/] run {result.RunId}: {result.Outcome.Results.Count(r => r.Rank is not null)} ranked, {result.ConsequenceCount} consequences, {result.DocumentIds.Count} documents; output sha256 {result.OutputSha256}");
            return 0;
        }, ct));
        return command;
    }

    private static Command WhatIf()
    {
        var campaign = new Option<string>("--campaign") { Description = "Campaign code", Required = true };
        var period = new Option<string>("--period") { Description = "A scored period: 2017-10, 2017-W43 or 2017-10-25", Required = true };
        var cycle = new Option<string>("--cycle") { Description = "Cycle name (default monthly)", DefaultValueFactory = _ => "monthly" };
        var rulebook = new Option<string?>("--rulebook") { Description = "A rulebook code from workflows/rulebooks" };
        var version = new Option<int?>("--version") { Description = "Its version (default: the latest)" };
        var file = new Option<FileInfo?>("--file") { Description = "A draft rulebook file instead" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var command = new Command("whatif", "Replay a scored period under another rulebook or version and show the differences; issues nothing")
        {
            campaign, period, cycle, rulebook, version, file, json,
        };
        command.SetAction((parse, ct) => CliHost.RunAsync(async (services, token) =>
        {
            Rulebook candidate;
            if (parse.GetValue(file) is { } draft)
            {
                var problems = new List<InputProblem>();
                candidate = RulebookReader.Read(draft.Name, await File.ReadAllBytesAsync(draft.FullName, token), problems) ?? throw new InputRejectedException(problems);
            }
            else if (parse.GetValue(rulebook) is { } code)
            {
                var catalog = services.GetRequiredService<RulebookCatalog>();
                candidate = parse.GetValue(version) is { } v ? catalog.Get(code, v)
                    : catalog.All.Where(r => r.Code == code).MaxBy(r => r.Version) ?? throw new NotFoundException($"No rulebook '{code}'.");
            }
            else
            {
                AnsiConsole.MarkupLine("[red]Give --rulebook CODE [[--version N]] or --file DRAFT.yaml.[/]");
                return CliHost.InputRejected;
            }

            var report = await services.GetRequiredService<RunWhatIf>().RunAsync(null, parse.GetValue(campaign)!, parse.GetValue(cycle)!, parse.GetValue(period)!,
                candidate, token);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(report, Accountability.Audit.AuditEntry.PayloadJsonOptions));
                return 0;
            }

            Print(report);
            return 0;
        }, ct));
        return command;
    }

    private static void Print(WhatIfReport report)
    {
        AnsiConsole.MarkupLineInterpolated($"What-if for {report.Campaign} {report.Period}: published under [bold]{report.Baseline}[/], replayed under [bold]{report.Candidate}[/] ({report.PeriodsReplayed} period(s)). Nothing was issued.");
        var units = new Table().AddColumns("unit", "category", "score", "rank", "grade");
        foreach (var u in report.Changed)
        {
            units.AddRow(Markup.Escape(u.Name), Markup.Escape(u.Category ?? ""), $"{N(u.ScoreBefore)} → {N(u.ScoreAfter)}", $"{u.RankBefore?.ToString(CultureInfo.InvariantCulture) ?? "—"} → {u.RankAfter?.ToString(CultureInfo.InvariantCulture) ?? "—"}",
                Markup.Escape($"{u.GradeBefore} → {u.GradeAfter}"));
        }

        AnsiConsole.MarkupLineInterpolated($"{report.Changed.Count()} of {report.Units.Count} units change:");
        AnsiConsole.Write(units);
        var consequences = new Table().AddColumns("", "unit", "consequence", "post", "facts");
        foreach (var c in report.Added)
        {
            consequences.AddRow("[green]+[/]", Markup.Escape(c.Name), Markup.Escape(c.KindName), Markup.Escape(c.Post ?? ""), Markup.Escape(c.Facts));
        }

        foreach (var c in report.Removed)
        {
            consequences.AddRow("[red]−[/]", Markup.Escape(c.Name), Markup.Escape(c.KindName), Markup.Escape(c.Post ?? ""), Markup.Escape(c.Facts));
        }

        AnsiConsole.Write(consequences);
        var rules = new Table().AddColumns("rule", "points before", "points after");
        foreach (var r in report.Rules)
        {
            rules.AddRow(Markup.Escape(r.RuleId), N(r.Before), N(r.After));
        }

        AnsiConsole.Write(rules);
    }

    private static string N(decimal? value) => value?.ToString("0.##", CultureInfo.InvariantCulture) ?? "—";
}
