using Accountability.Access;
using Accountability.Organization;
using Accountability.Web.Access;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace Accountability.Web.Pages;

public sealed class IndexModel(OrganizationStore organization) : PageModel
{
    public Actor Actor { get; private set; } = null!;

    public IReadOnlyDictionary<long, string> UnitNames { get; private set; } = new Dictionary<long, string>();

    public async Task<IActionResult> OnGetAsync()
    {
        if (await CurrentActor.GetAsync(HttpContext) is not { } actor)
        {
            return Challenge();
        }

        Actor = actor;
        UnitNames = (await organization.ListUnitsAsync(HttpContext.RequestAborted)).ToDictionary(u => u.Id, u => u.Name);
        return Page();
    }
}
