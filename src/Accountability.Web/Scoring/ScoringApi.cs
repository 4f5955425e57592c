using System.Text;
using Accountability.Documents;
using Accountability.Escalations;
using Accountability.Rankings;
using Accountability.Scoring;
using Accountability.Web.Access;
using Accountability.Web.Hosting;

namespace Accountability.Web.Scoring;

public sealed record WhatIfRequest(string? Rulebook, int? Version, string? Yaml);

public sealed record AppealRequest(long LedgerEntryId, string Reasons, IReadOnlyList<AppealEvidence>? Evidence, IReadOnlyList<long>? EventIds);

public sealed record AppealDecisionRequest(bool Accept, string Reason);

public sealed record ResponseRequest(string Note);

public sealed record DispositionRequest(string Disposition, string Reasons);

/// <summary>
/// Scoring and accountability over HTTP: rankings, ledgers and consequences of a scored period; documents to view,
/// print and export; what-if; appeals; responses to consequences; and the discipline inspection inbox.
/// </summary>
public static class ScoringApi
{
    public static IEndpointRouteBuilder MapScoringApi(this IEndpointRouteBuilder app)
    {
        // Touching the catalog here loads and validates every rulebook while the server starts: a broken rulebook stops
        // the start-up with its file, line and field instead of failing the first period close.
        _ = app.ServiceProvider.GetRequiredService<RulebookCatalog>().All;

        var api = app.MapGroup("/api/scoring").RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery().WithTags("Scoring");

        api.MapGet("/rulebooks", (RulebookCatalog catalog) => catalog.All.Select(r => new
            {
                r.Code, r.Version, r.Name, r.DocumentNumber, r.EffectiveFrom, r.EffectiveTo, r.Sha256, r.BaseScore,
                Ladders = r.Ladders.Select(l => new { l.Id, l.Name, When = l.When.ToString(), Window = l.Window.ToString() }),
                Thresholds = r.Thresholds.Select(t => new { t.Id, t.Name, Window = t.Window.ToString(), Levels = t.Levels.Select(l => l.At) }),
            }))
            .WithSummary("The rulebooks loaded from workflows/rulebooks, every version");

        api.MapGet("/campaigns/{campaign}/periods/{period}/ranking", (string campaign, string period, string? cycle, CurrentActor me, ReadScores scores,
                CancellationToken ct) => scores.RankingAsync(me.Actor, campaign, cycle ?? "monthly", period, ct))
            .WithSummary("The published ranking of a period: every unit's score, rank (ties shared), grade, lights and ladder counts");

        api.MapGet("/campaigns/{campaign}/periods/{period}/consequences", (string campaign, string period, string? cycle, CurrentActor me, ReadScores scores,
                CancellationToken ct) => scores.ConsequencesAsync(me.Actor, campaign, cycle ?? "monthly", period, ct))
            .WithSummary("The consequences of a period, each with the rules and facts behind it");

        api.MapGet("/campaigns/{campaign}/periods/{period}/ledger/{unit}", (string campaign, string period, string unit, string? cycle, CurrentActor me,
                ReadScores scores, CancellationToken ct) => scores.LedgerAsync(me.Actor, campaign, cycle ?? "monthly", period, unit, ct))
            .WithSummary("A unit's point ledger for a period: every line with its rule, version, basis and the events behind it");

        api.MapGet("/campaigns/{campaign}/periods/{period}/documents", (string campaign, string period, CurrentActor me, ReadDocuments documents,
                CancellationToken ct) => documents.ListAsync(me.Actor, campaign, period, ct))
            .WithSummary("The documents issued for a period that the caller may read, every version");

        api.MapPost("/campaigns/{campaign}/periods/{period}/score", async (string campaign, string period, string? cycle, CurrentActor me,
                ScoreCampaignPeriod score, CancellationToken ct) =>
            {
                var result = await score.RunAsync(me.Actor, campaign, cycle ?? "monthly", period, cancellationToken: ct);
                return new { result.RunId, result.OutputSha256, result.DocumentIds, result.ConsequenceCount };
            })
            .WithSummary("Score a period by hand (headquarters): freezes the snapshot at the period's end if the cycle has not");

        api.MapPost("/campaigns/{campaign}/periods/{period}/whatif", (string campaign, string period, string? cycle, WhatIfRequest request, CurrentActor me,
                RulebookCatalog catalog, RunWhatIf whatIf, CancellationToken ct) =>
            {
                Rulebook candidate;
                if (request.Yaml is { Length: > 0 } yaml)
                {
                    var problems = new List<InputProblem>();
                    candidate = RulebookReader.Read("rulebook.yaml", Encoding.UTF8.GetBytes(yaml), problems) ?? throw new InputRejectedException(problems);
                }
                else
                {
                    var code = request.Rulebook ?? throw new InputRejectedException([new InputProblem("request", null, null, "rulebook", "give a rulebook code (and version) or its yaml")]);
                    candidate = request.Version is { } v ? catalog.Get(code, v) : catalog.All.Where(r => r.Code == code).MaxBy(r => r.Version)
                        ?? throw new NotFoundException($"No rulebook '{code}'.");
                }

                return whatIf.RunAsync(me.Actor, campaign, cycle ?? "monthly", period, candidate, ct);
            })
            .WithSummary("What-if: score a published period under another rulebook or version (or a draft's YAML) and show the differences; issues nothing");

        api.MapGet("/documents/{id:long}", async (long id, CurrentActor me, ReadDocuments documents, CancellationToken ct) =>
                (await documents.GetAsync(me.Actor, id, ct)).Summary)
            .WithSummary("A document's number, title, version and hash");

        api.MapGet("/documents/{id:long}/html", async (long id, CurrentActor me, ReadDocuments documents, HttpResponse response,
                CancellationToken ct) =>
            {
                var document = await documents.GetAsync(me.Actor, id, ct);
                response.Headers.XContentTypeOptions = "nosniff";
                response.Headers.ContentSecurityPolicy = ResponseHeaders.IssuedDocumentPolicy;
                return Results.Content(document.Html, "text/html; charset=utf-8");
            })
            .WithSummary("The document as issued: a printable HTML page in the layout of an official document");

        api.MapGet("/documents/{id:long}/ranking.xlsx", async (long id, CurrentActor me, ReadDocuments documents, CancellationToken ct) =>
            {
                var output = new MemoryStream();
                await documents.WriteRankingWorkbookAsync(me.Actor, id, output, ct);
                output.Position = 0;
                return Results.File(output, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", $"ranking-{id}.xlsx");
            })
            .WithSummary("A ranking bulletin's tables as an Excel workbook (one sheet per category, and the scoring table)");

        api.MapGet("/appeals", (string? campaign, string? state, CurrentActor me, ReadScores scores, CancellationToken ct) =>
                scores.AppealsAsync(me.Actor, campaign, state, ct))
            .WithSummary("Appeals: all of them for headquarters, a unit's own for the unit");

        api.MapPost("/appeals", (AppealRequest request, CurrentActor me, FileAppeal appeal, CancellationToken ct) =>
                appeal.RunAsync(me.Actor, request.LedgerEntryId, request.Reasons, request.Evidence ?? [], request.EventIds, ct))
            .WithSummary("Appeal (申诉) a deduction on the unit's ledger, with reasons and evidence file hashes");

        api.MapPost("/appeals/{id:long}/decision", (long id, AppealDecisionRequest request, CurrentActor me, DecideAppeal decide, CancellationToken ct) =>
                decide.RunAsync(me.Actor, id, request.Accept, request.Reason, ct))
            .WithSummary("Accept or reject an appeal (headquarters); acceptance recomputes the period and re-issues the documents that change");

        api.MapPost("/consequences/{id:long}/responses/{kind}", async (long id, string kind, ResponseRequest request, CurrentActor me,
                RecordConsequenceResponse respond, CancellationToken ct) => new { respondedAt = await respond.RunAsync(me.Actor, id, kind, request.Note, ct) })
            .WithSummary("Record the unit's response a consequence demanded (its rectification plan after a talk)");

        var discipline = app.MapGroup("/api/discipline").RequireAuthorization(AccessSetup.ApiPolicy).DisableAntiforgery().WithTags("Discipline inspection");

        discipline.MapGet("/referrals", (string? campaign, string? unit, string? level, string? period, string? state, CurrentActor me, ReferralInbox inbox,
                CancellationToken ct) => inbox.ListAsync(me.Actor, new ReferralFilter(campaign, unit, level, period, state), ct))
            .WithSummary("Referrals to discipline inspection, filtered by campaign, unit, level (deputy_in_charge, government_head, party_secretary), period, state");

        discipline.MapGet("/referrals/{id:long}", (long id, CurrentActor me, ReferralInbox inbox, CancellationToken ct) => inbox.GetAsync(me.Actor, id, ct))
            .WithSummary("A referral with its sealed dossier (the view is audited)");

        discipline.MapGet("/referrals/{id:long}/dossier", async (long id, CurrentActor me, ReferralInbox inbox, HttpResponse response, CancellationToken ct) =>
            {
                var detail = await inbox.GetAsync(me.Actor, id, ct);
                var dossier = detail.Dossier ?? throw new NotFoundException($"Referral {id} has no sealed dossier.");
                response.Headers["X-Dossier-SHA256"] = dossier.Sha256;
                return Results.Bytes(Encoding.UTF8.GetBytes(dossier.Content), "application/json", $"dossier-{id}-v{dossier.Version}.json");
            })
            .WithSummary("The sealed dossier byte for byte as hashed (its SHA-256 in the X-Dossier-SHA256 header and the audit log)");

        discipline.MapPost("/referrals/{id:long}/acknowledge", (long id, CurrentActor me, ReferralInbox inbox, CancellationToken ct) =>
                inbox.AcknowledgeAsync(me.Actor, id, ct))
            .WithSummary("Acknowledge receipt of a referral");

        discipline.MapPost("/referrals/{id:long}/disposition", (long id, DispositionRequest request, CurrentActor me, ReferralInbox inbox, CancellationToken ct) =>
                inbox.DisposeAsync(me.Actor, id, request.Disposition, request.Reasons, ct))
            .WithSummary("Record the disposition: formal_caution (诫勉), public_criticism (通报), party_discipline (党纪处分) or no_action, with reasons");
        return app;
    }
}
