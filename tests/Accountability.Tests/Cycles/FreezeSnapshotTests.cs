using Accountability.Cycles;
using Accountability.Tests.Access;
using Dapper;

namespace Accountability.Tests.Cycles;

public sealed class FreezeSnapshotTests : IAsyncLifetime
{
    private TestEngine _engine = null!;

    public async Task InitializeAsync()
    {
        _engine = await TestEngine.CreateAsync();
        await OrganizationFixture.ImportSampleAsync(_engine);
    }

    public async Task DisposeAsync() => await _engine.DisposeAsync();

    [Fact]
    public async Task Freeze_CopiesLiveAssignmentsIssuedBeforeTheCutoffAndLaterChangesLeaveItAlone()
    {
        await using var connection = await _engine.Database.DataSource.OpenConnectionAsync();
        var town = await OrganizationFixture.UnitIdAsync(_engine, "jx-huayu");
        var campaign = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO campaign (code, name, starts_on, ends_on, created_at) VALUES ('c', '百日攻坚', '2017-09-01', '2017-12-10', now()) RETURNING id
            """);
        var ledger = await connection.ExecuteScalarAsync<long>("""
            INSERT INTO ledger_item (campaign_id, number, kind, name, town_unit_id, first_version, changed_version)
            VALUES (@campaign, '1', 'enterprise', '某玛钢厂', @town, 1, 1) RETURNING id
            """, new { campaign, town });
        async Task Insert(int obligation, string state, string issuedAt, string? extended) => await connection.ExecuteAsync("""
            INSERT INTO assignment (campaign_id, ledger_item_id, unit_id, role, obligation_no, issued_at, due_at, extended_due_at,
                                    plan_version, workflow_code, workflow_version, state, updated_at)
            VALUES (@campaign, @ledger, @town, 'responsible', @obligation, @issuedAt::timestamptz, '2017-10-31T16:00Z',
                    @extended::timestamptz, 1, 'assignment', 1, @state, now())
            """, new { campaign, ledger, town, obligation, state, issuedAt, extended });
        await Insert(0, "in_progress", "2017-09-01T01:00Z", "2017-11-30T16:00Z");
        await Insert(1, "cancelled", "2017-09-01T01:00Z", null);
        await Insert(2, "issued", "2017-11-05T01:00Z", null);

        await using (var transaction = await connection.BeginTransactionAsync())
        {
            var id = await FreezeSnapshot.RunAsync(connection, campaign, "monthly", "2017-10",
                DateTimeOffset.Parse("2017-11-01T01:00Z"), _engine.Time.GetUtcNow());
            await transaction.CommitAsync();

            await connection.ExecuteAsync("UPDATE assignment SET state = 'closed' WHERE campaign_id = @campaign", new { campaign });
            var rows = (await connection.QueryAsync<(long AssignmentId, string State, DateTimeOffset DueAt)>(
                "SELECT assignment_id, state, due_at FROM assignment_snapshot WHERE snapshot_id = @id", new { id })).ToList();
            var only = Assert.Single(rows);
            Assert.Equal("in_progress", only.State);
            Assert.Equal(DateTimeOffset.Parse("2017-11-30T16:00Z"), only.DueAt);
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT rows FROM period_snapshot WHERE id = @id", new { id }));
        }
    }
}
