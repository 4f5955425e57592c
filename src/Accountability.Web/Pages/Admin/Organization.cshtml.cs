using Accountability.Access;
using Accountability.Organization;
using Accountability.Web.Access;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Admin;

public sealed class OrganizationModel(AccessPolicy access, OrganizationStore organization, SetPassword setPassword,
    IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    public IReadOnlyList<UnitView> Units { get; private set; } = [];

    public IReadOnlyList<PersonView> People { get; private set; } = [];

    private Dictionary<long, UnitView> _byId = [];

    public int Depth(UnitView unit)
    {
        var depth = 0;
        for (var u = unit; u.ParentId is { } parent && _byId.TryGetValue(parent, out var p) && depth < 10; u = p)
        {
            depth++;
        }

        return depth;
    }

    public async Task OnGetAsync()
    {
        await RequireAsync(Operation.ManageOrganization);
        await LoadAsync();
    }

    public async Task<IActionResult> OnPostPasswordAsync(string login, string password)
    {
        await RequireAsync(Operation.ManageOrganization);
        await LoadAsync();
        var set = await setPassword.RunAsync(Actor, login, password, HttpContext.RequestAborted);
        if (set.PersonId == Actor.PersonId)
        {
            // Setting one's own password ends one's other sessions, not the one doing it.
            await SessionCookie.SignInAsync(HttpContext, Actor, set.SecurityStamp);
        }

        TempData["Message"] = text["PasswordSetFor", login].Value;
        return RedirectToPage();
    }

    private async Task LoadAsync()
    {
        Units = await organization.ListUnitsAsync(HttpContext.RequestAborted);
        _byId = Units.ToDictionary(u => u.Id);
        var ordered = new List<UnitView>();
        void Walk(long? parent)
        {
            foreach (var u in Units.Where(u => u.ParentId == parent).OrderBy(u => u.SortOrder).ThenBy(u => u.Code, StringComparer.Ordinal))
            {
                ordered.Add(u);
                Walk(u.Id);
            }
        }

        Walk(null);
        Units = ordered;
        People = await organization.ListPeopleAsync(HttpContext.RequestAborted);
    }
}
