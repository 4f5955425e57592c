using Accountability.Access;

namespace Accountability.Web.Hosting;

public sealed record NavigationItem(string Href, string TextKey, Role[] Roles);

/// <summary>The main menu: each entry shows only to the roles whose work it is. Pages still check access themselves;
/// a hidden link is a convenience, not a control.</summary>
public static class NavigationItems
{
    private static readonly List<NavigationItem> Items =
    [
        new("/admin/organization", "Organization", [Role.Administrator]),
    ];

    /// <summary>Capabilities add their entries at start-up (one line each, next to their pages).</summary>
    public static void Add(NavigationItem item)
    {
        lock (Items)
        {
            if (Items.All(i => i.Href != item.Href))
            {
                Items.Add(item);
            }
        }
    }

    public static IEnumerable<NavigationItem> For(Actor actor) => Items.Where(i => i.Roles.Any(actor.Holds));
}
