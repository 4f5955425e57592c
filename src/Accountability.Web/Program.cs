using Accountability;
using Accountability.Database;
using Accountability.Web.Access;
using Accountability.Web.Cycles;
using Accountability.Web.Assignments;
using Accountability.Web.Hosting;
using Accountability.Web.Notices;
using Accountability.Web.Organization;
using Accountability.Web.Plans;
using Accountability.Web.Scoring;
using Scalar.AspNetCore;

var builder = WebApplication.CreateBuilder(args);

// The database comes first: with no connection string configured this starts the embedded PostgreSQL.
using var startupLogs = LoggerFactory.Create(logging => logging.AddConfiguration(builder.Configuration.GetSection("Logging")).AddConsole());
var database = await AccountabilityDatabase.OpenAsync(builder.Configuration, startupLogs);

builder.Services.AddAccountability(builder.Configuration, database);
builder.Services.AddAccountabilityScheduler(builder.Configuration, database);
builder.Services.AddAccountabilityAccess(builder.Configuration);
builder.Services.AddAccountabilityPages();
// Chinese text is written as is, not as &#x...; entities: pages stay small and their source readable.
builder.Services.AddWebEncoders(o => o.TextEncoderSettings = new System.Text.Encodings.Web.TextEncoderSettings(System.Text.Unicode.UnicodeRanges.All));
builder.Services.AddProblemDetails();
builder.Services.AddExceptionHandler<ProblemMapping>();
builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck>("database");
builder.Services.AddOpenApi();
builder.Services.AddHostedService<SetupCodeAnnouncer>();

var app = builder.Build();

// First: the rate limits, the session cookie's Secure flag and the logs need the client's address and scheme.
app.UseForwardedHeaders();
app.UseAccountabilityResponseHeaders();
app.UseExceptionHandler(new ExceptionHandlerOptions
{
    ExceptionHandlingPath = "/Error",
    // A refusal is the product working — the person is shown why — not a server fault for the operators' error log.
    SuppressDiagnosticsCallback = c => ProblemMapping.IsRefusal(c.Exception),
});
app.UseStatusCodePagesWithReExecute("/Error", "?code={0}");
app.UseRequestLocalization();
app.UseStaticFiles();
app.UseRouting();
app.UseRateLimiter();
app.UseAuthentication();
app.UseAuthorization();
app.UseAntiforgery();

app.MapHealthChecks("/health");
app.MapOpenApi();
app.MapScalarApiReference("/api/docs");
app.MapAccessApi();
app.MapOrganizationApi();
app.MapCyclesApi();
app.MapNoticesApi();
app.MapPlansApi();
app.MapScoringApi();
app.MapAssignmentsApi();
app.MapRazorPages();

app.Run();

/// <summary>Visible to the test host (WebApplicationFactory).</summary>
public partial class Program;
