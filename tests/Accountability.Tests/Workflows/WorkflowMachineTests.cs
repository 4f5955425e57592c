using Accountability.Assignments;
using Accountability.Calendar;
using Accountability.Tests.Assignments;
using Accountability.Workflows;

namespace Accountability.Tests.Workflows;

/// <summary>The Stateless executor on the default definition, without a database: every transition a party may take,
/// and every refusal with its named rule.</summary>
public sealed class WorkflowMachineTests
{
    private static readonly WorkflowDefinition Definition = new WorkflowCatalog(Path.Combine(RepositoryPaths.Workflows, "definitions")).Latest("assignment");
    private static readonly WorkingDayCalendar Calendar = new CalendarCatalog(Path.Combine(RepositoryPaths.Workflows, "calendars")).Get("cn");
    private static readonly DateTimeOffset Now = TestEngine.Start;

    private static CampaignFacts Campaign(int? publicNoticeDays = null) =>
        new(1, "c", TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai"), Calendar, publicNoticeDays, 99);

    private static AssignmentFacts Item(string state, DateTimeOffset? due = null) => new()
    {
        Id = 1, State = state, IssuedAt = Now.AddDays(-1), DueAt = due ?? Now.AddDays(30), Number = "T1", Title = "整治",
    };

    private static WorkflowDecision Decide(string state, string trigger, WorkflowParty party, ActionInputs? inputs = null,
        AssignmentFacts? item = null, CampaignFacts? campaign = null) =>
        WorkflowMachine.Decide(new WorkflowContext(Definition, item ?? Item(state), campaign ?? Campaign(), inputs ?? ActionInputs.None, party, Now), trigger);

    public static TheoryData<string, string, string, string> Transitions => new()
    {
        { "issued", "acknowledge", "Unit", "acknowledged" },
        { "acknowledged", "report_progress", "Unit", "in_progress" },
        { "overdue", "report_progress", "Unit", "overdue" },
        { "in_progress", "submit", "Unit", "submitted" },
        { "overdue", "submit", "Unit", "submitted" },
        { "extension_pending", "submit", "Unit", "submitted" },
        { "submitted", "start_verification", "Verifier", "under_verification" },
        { "under_verification", "accept", "Verifier", "closed" },
        { "submitted", "return", "Verifier", "returned" },
        { "returned", "submit", "Unit", "submitted" },
        { "in_progress", "chase", "Headquarters", "in_progress" },
        { "closed", "look_back_pass", "Inspector", "closed" },
        { "closed", "look_back_relapse", "Verifier", "reopened" },
        { "reopened", "submit", "Unit", "submitted" },
        { "in_progress", "overdue", "Timer", "overdue" },
        { "overdue", "escalation", "Timer", "overdue" },
        { "public_notice", "public_notice_end", "Timer", "closed" },
        { "public_notice", "object", "Inspector", "under_verification" },
        { "closed", "acknowledge_chaser", "Unit", "closed" },
    };

    [Theory]
    [MemberData(nameof(Transitions))]
    public void Decide_ALegalTransition_MovesToItsTarget(string from, string trigger, string party, string to)
    {
        var inputs = new ActionInputs { Files = [AssignmentFixture.Photo()], NewDate = new DateOnly(2017, 12, 1) };

        var decision = Decide(from, trigger, Enum.Parse<WorkflowParty>(party), inputs);

        Assert.True(decision.Allowed, decision.RefusalMessage);
        Assert.Equal(to, decision.To);
    }

    [Theory]
    [InlineData("issued", "report_progress")]
    [InlineData("submitted", "submit")]
    [InlineData("closed", "acknowledge")]
    [InlineData("cancelled", "acknowledge")]
    [InlineData("cancelled", "submit")]
    [InlineData("in_progress", "accept")]
    public void Decide_ATriggerTheStateDoesNotHave_IsRefusedAsNotAllowedInThatState(string state, string trigger)
    {
        var decision = Decide(state, trigger, WorkflowParty.Unit);

        Assert.False(decision.Allowed);
        Assert.Equal(WorkflowMachine.StateMustAllowActionRule, decision.RefusalRule);
        Assert.Equal($"State {state} does not allow {trigger}.", decision.RefusalMessage);
    }

    [Fact]
    public void Decide_AUnitTryingTheVerifiersAction_IsRefusedByTheParty()
    {
        var decision = Decide("submitted", "accept", WorkflowParty.Unit);

        Assert.Equal(WorkflowMachine.PartyMustBeAllowedRule, decision.RefusalRule);
        Assert.Contains("verifier", decision.RefusalMessage);
    }

    [Fact]
    public void Decide_AnExtensionAfterTheDueDate_IsRefusedByItsNamedRule()
    {
        var inputs = new ActionInputs { Reason = "天气", ProposedDate = new DateOnly(2017, 12, 1) };

        var decision = Decide("in_progress", "request_extension", WorkflowParty.Unit, inputs, Item("in_progress", Now.AddHours(-1)));

        Assert.Equal("ExtensionMustBeFiledBeforeDueDateRule", decision.RefusalRule);
        Assert.Equal("extension_must_be_filed_before_due_date", decision.RefusedBy);
        Assert.NotEmpty(decision.Transition!.WhenRefused);
    }

    [Fact]
    public void Decide_Accept_RoutesByPublicNoticeAndLongTerm()
    {
        Assert.Equal("public_notice", Decide("submitted", "accept", WorkflowParty.Verifier, campaign: Campaign(5)).To);
        Assert.Equal("closed", Decide("submitted", "accept", WorkflowParty.Verifier).To);
        Assert.Equal("closed_long_term", Decide("submitted", "accept", WorkflowParty.Verifier, item: Item("submitted") with { LongTerm = true }).To);
    }

    [Fact]
    public void Decide_CloseUnfoundedOnATask_IsRefusedBecauseOnlyComplaintsMayBe()
    {
        var decision = Decide("in_progress", "close_unfounded", WorkflowParty.Inspector, new ActionInputs { Investigation = "查无此事" });

        Assert.Equal("OnlyComplaintsMayBeClosedAsUnfoundedRule", decision.RefusalRule);
    }
}
