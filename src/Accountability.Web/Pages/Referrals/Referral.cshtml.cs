using System.Text;
using System.Text.Json;
using Accountability.Access;
using Accountability.Escalations;
using Accountability.Web.Hosting;
using Accountability.Web.Resources;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Localization;

namespace Accountability.Web.Pages.Referrals;

/// <summary>
/// One referral and its sealed dossier (案卷), laid out for reading: the grounds (consequences and the rules and facts
/// behind them), the points lost, the items with their timelines, the notices and documents sent and whether they were
/// read, the evidence hashes — and the dossier's own SHA-256, which the audit log also holds. Acknowledge receipt;
/// record the disposition with reasons. Every view is audited by the inbox.
/// </summary>
public sealed class ReferralModel(AccessPolicy access, ReferralInbox inbox, PersonStore people, IStringLocalizer<Text> text) : SignedInPageModel(access)
{
    private readonly Dictionary<string, string> _actorNames = new(StringComparer.Ordinal);

    public ReferralSummary Referral { get; private set; } = null!;

    public ReferralDossier? Dossier { get; private set; }

    public JsonElement Sealed { get; private set; }

    public IReadOnlyDictionary<string, string> Dispositions => ReferralInbox.Dispositions;

    public bool Open => Referral.State is "received" or "acknowledged";

    public async Task OnGetAsync(long id) => await LoadAsync(id);

    public async Task<IActionResult> OnGetDossierAsync(long id)
    {
        var detail = await inbox.GetAsync(Actor, id, HttpContext.RequestAborted);
        var dossier = detail.Dossier ?? throw new NotFoundException($"Referral {id} has no sealed dossier.");
        Response.Headers["X-Dossier-SHA256"] = dossier.Sha256;
        return File(Encoding.UTF8.GetBytes(dossier.Content), "application/json", $"dossier-{id}-v{dossier.Version}.json");
    }

    public async Task<IActionResult> OnPostAcknowledgeAsync(long id)
    {
        await LoadAsync(id);
        await inbox.AcknowledgeAsync(Actor, id, HttpContext.RequestAborted);
        TempData["Message"] = text["ReferralAcknowledged"].Value;
        return RedirectToPage(new { id });
    }

    public async Task<IActionResult> OnPostDisposeAsync(long id, string? disposition, string? reasons)
    {
        await LoadAsync(id);
        await inbox.DisposeAsync(Actor, id, disposition ?? "", reasons ?? "", HttpContext.RequestAborted);
        TempData["Message"] = text["ReferralDisposed", text.Label("Disposition", disposition)].Value;
        return RedirectToPage(new { id });
    }

    private async Task LoadAsync(long id)
    {
        var detail = await inbox.GetAsync(Actor, id, HttpContext.RequestAborted);
        (Referral, Dossier) = (detail.Referral, detail.Dossier);
        Sealed = Dossier is null ? default : JsonDocument.Parse(Dossier.Content).RootElement.Clone();

        // The dossier records who acted as "person:43"; the reader wants the name. A dossier names a handful of people.
        var personIds = Array("items").SelectMany(i => Items(i, "timeline")).Select(t => Str(t, "actor"))
            .Where(a => a.StartsWith("person:", StringComparison.Ordinal)).Distinct(StringComparer.Ordinal);
        foreach (var actor in personIds)
        {
            if (long.TryParse(actor.AsSpan("person:".Length), out var personId)
                && await people.LoadActorAsync(personId, HttpContext.RequestAborted) is { } person)
            {
                _actorNames[actor] = person.DisplayName;
            }
        }
    }

    /// <summary>Who acted, as a reader names them: a person's name, or what the system part is called.</summary>
    public string ActorName(string actor) =>
        _actorNames.TryGetValue(actor, out var name) ? name : text.Label("AuditActor", actor);

    public IEnumerable<JsonElement> Array(string name) =>
        Sealed.ValueKind == JsonValueKind.Object && Sealed.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Array
            ? value.EnumerateArray()
            : [];

    public static string Str(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind switch
            {
                JsonValueKind.String => value.GetString() ?? "",
                JsonValueKind.Null or JsonValueKind.Undefined => "",
                _ => value.ToString(),
            }
            : "";

    public static DateTimeOffset? Time(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            && value.TryGetDateTimeOffset(out var at) ? at : null;

    public static JsonElement Get(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value : default;

    public static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        Get(element, name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray() : [];
}
