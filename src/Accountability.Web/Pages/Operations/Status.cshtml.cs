using Accountability.Access;
using Accountability.Cycles;
using Accountability.Plans;
using Accountability.Web.Pages.Admin;
using Accountability.Web.Hosting;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Operations;

/// <summary>
/// A long operation's page: a progress bar while it runs (the page asks for the figures every second, or reloads
/// itself without scripts), then what it did — the plan version imported, or the period closed and its documents — or
/// every reason it was refused. Only its starter sees it.
/// </summary>
public sealed class StatusModel(AccessPolicy access, BackgroundOperations operations, IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    public OperationStatus Operation { get; private set; } = null!;

    public PlanOutcome? Plan { get; private set; }

    public CycleRunResult? Cycle { get; private set; }

    public ImportedOrganization? Organization { get; private set; }

    public async Task OnGetAsync(Guid id)
    {
        Operation = await operations.GetAsync(Actor.PersonId, id, HttpContext.RequestAborted)
                    ?? throw new NotFoundException($"No operation {id} of {Actor.Login}.");
        if (Operation.Succeeded)
        {
            Plan = Operation.Kind == "plan-import" ? Operation.ResultAs<PlanOutcome>() : null;
            Cycle = Operation.Kind == "cycle-run" ? Operation.ResultAs<CycleRunResult>() : null;
            Organization = Operation.Kind == "organization-import" ? Operation.ResultAs<ImportedOrganization>() : null;
        }
        else if (Operation.Problems.Count > 0)
        {
            HttpContext.Items[RefusalPageFilter.ProblemsKey] = Operation.Problems;
        }
    }

    public async Task<IActionResult> OnGetProgressAsync(Guid id)
    {
        var status = await operations.GetAsync(Actor.PersonId, id, HttpContext.RequestAborted)
                     ?? throw new NotFoundException($"No operation {id} of {Actor.Login}.");
        return new JsonResult(new
        {
            status.State, status.Stage, status.Done, status.Total, status.Percent,
            label = text["OperationStage", text.Label("Stage", status.Stage ?? "start"), status.Done, status.Total].Value,
        });
    }
}
