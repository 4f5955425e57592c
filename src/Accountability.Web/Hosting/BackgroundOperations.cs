using System.Diagnostics;
using System.Text.Json;
using Accountability;
using Dapper;
using Npgsql;

namespace Accountability.Web.Hosting;

public sealed record OperationProgress(string Stage, long Done, long Total);

/// <summary>A long operation as its page shows it: where it stands, and when finished its result (JSON of what the use
/// case returned) or why it failed (a message, or every input problem).</summary>
public sealed record OperationStatus(
    Guid Id,
    string Kind,
    string Title,
    string State,
    string? Stage,
    long Done,
    long Total,
    string? Result,
    string? Message,
    IReadOnlyList<InputProblem> Problems,
    DateTimeOffset StartedAt,
    DateTimeOffset? FinishedAt)
{
    public bool Running => State == "running";

    public bool Succeeded => State == "succeeded";

    /// <summary>Percent done when the stage has a count, else null (the page shows an indeterminate bar).</summary>
    public int? Percent => Total > 0 ? (int)Math.Clamp(100 * Done / Total, 0, 100) : null;

    public T? ResultAs<T>() => Result is null ? default : JsonSerializer.Deserialize<T>(Result, BackgroundOperations.Json);
}

/// <summary>
/// Runs a long use case (a plan import of a million assignments, a period close) after its page has answered, so the
/// browser shows progress instead of a request that times out. The work runs on this node; its progress and outcome go
/// to <c>page_operation</c>, where the polling page reads them on whichever node it reaches. Progress is written at
/// most a few times a second whatever the use case reports. Only the person who started an operation can see it.
/// </summary>
public sealed partial class BackgroundOperations(NpgsqlDataSource dataSource, TimeProvider time, IHostApplicationLifetime lifetime,
    ILogger<BackgroundOperations> logger)
{
    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static readonly TimeSpan FlushEvery = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan KeepFor = TimeSpan.FromDays(30);

    private const string Insert = """
        INSERT INTO page_operation (id, person_id, kind, title, state, started_at, updated_at, once_key)
        VALUES (@id, @personId, @kind, @title, 'running', @now, @now, @onceKey)
        ON CONFLICT (person_id, once_key) DO NOTHING
        """;

    private const string SelectOnce = "SELECT id FROM page_operation WHERE person_id = @personId AND once_key = @onceKey";

    private const string Purge = "DELETE FROM page_operation WHERE started_at < @before AND state <> 'running'";

    private const string Report = """
        UPDATE page_operation SET stage = @stage, done = @done, total = @total, updated_at = @now WHERE id = @id AND state = 'running'
        """;

    private const string Finish = """
        UPDATE page_operation SET state = @state, result = @result::jsonb, message = @message, problems = @problems::jsonb, updated_at = @now,
                                  finished_at = @now
        WHERE id = @id
        """;

    private const string Select = """
        SELECT id, kind, title, state, stage, done, total, result::text AS result, message, problems::text AS problems, started_at AS startedat,
               finished_at AS finishedat
        FROM page_operation WHERE id = @id AND person_id = @personId
        """;

    private sealed record Row(Guid Id, string Kind, string Title, string State, string? Stage, long Done, long Total, string? Result, string? Message,
        string? Problems, DateTimeOffset StartedAt, DateTimeOffset? FinishedAt);

    /// <summary>Records the operation and starts <paramref name="work"/>; returns at once with its id.</summary>
    public Task<Guid> StartAsync<T>(long personId, string kind, string title,
        Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        StartAsync(personId, kind, title, null, work, cancellationToken);

    /// <summary>Like <see cref="StartAsync{T}(long, string, string, Func{IProgress{OperationProgress}, CancellationToken, Task{T}}, CancellationToken)"/>,
    /// but at most once per <paramref name="onceKey"/> for the person: a second start (a double click, a retried post,
    /// even one racing the first) returns the first operation's id and runs nothing.</summary>
    public Task<Guid> StartOnceAsync<T>(long personId, string onceKey, string kind, string title,
        Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work, CancellationToken cancellationToken) =>
        StartAsync(personId, kind, title, onceKey, work, cancellationToken);

    private async Task<Guid> StartAsync<T>(long personId, string kind, string title, string? onceKey,
        Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work, CancellationToken cancellationToken)
    {
        var id = Guid.NewGuid();
        var now = time.GetUtcNow();
        await using (var connection = await dataSource.OpenConnectionAsync(cancellationToken))
        {
            await connection.ExecuteAsync(Purge, new { before = now - KeepFor });
            // The unique key decides between two racing starts: the one whose row went in runs the work.
            if (await connection.ExecuteAsync(Insert, new { id, personId, kind, title, now, onceKey }) == 0)
            {
                return await connection.ExecuteScalarAsync<Guid>(SelectOnce, new { personId, onceKey });
            }
        }

        // Not the request's token: the work goes on after the page has answered, until the server stops.
        _ = Task.Run(() => RunAsync(id, kind, work), CancellationToken.None);
        return id;
    }

    public async Task<OperationStatus?> GetAsync(long personId, Guid id, CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(Select, new { id, personId }, cancellationToken: cancellationToken));
        return row is null
            ? null
            : new OperationStatus(row.Id, row.Kind, row.Title, row.State, row.Stage, row.Done, row.Total, row.Result, row.Message,
                row.Problems is null ? [] : JsonSerializer.Deserialize<List<InputProblem>>(row.Problems, Json) ?? [], row.StartedAt, row.FinishedAt);
    }

    private async Task RunAsync<T>(Guid id, string kind, Func<IProgress<OperationProgress>, CancellationToken, Task<T>> work)
    {
        var stopping = lifetime.ApplicationStopping;
        var progress = new LatestProgress();
        using var done = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        var flusher = FlushAsync(id, progress, done.Token);
        string state = "failed", message = "";
        string? result = null, problems = null;
        try
        {
            var value = await work(progress, stopping);
            (state, result) = ("succeeded", JsonSerializer.Serialize(value, Json));
        }
        catch (InputRejectedException e)
        {
            (message, problems) = (e.Message, JsonSerializer.Serialize(e.Problems, Json));
        }
        catch (Exception e) when (e is BusinessRuleBrokenException or ConcurrencyConflictException or NotFoundException or AccessDeniedException)
        {
            message = e.Message;
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            message = "stopped";
        }
#pragma warning disable CA1031 // The operation runs detached from any request: whatever it throws must reach its page, not vanish.
        catch (Exception e)
#pragma warning restore CA1031
        {
            LogFailed(logger, e, id, kind);
            message = "";
        }

        await done.CancelAsync();
        await flusher;
        await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await connection.ExecuteAsync(Finish, new { id, state, result, message, problems, now = time.GetUtcNow() });
    }

    private async Task FlushAsync(Guid id, LatestProgress progress, CancellationToken cancellationToken)
    {
        long written = -1;
        var watch = Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FlushEvery, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            var (serial, latest) = progress.Read();
            if (serial == written || latest is null)
            {
                continue;
            }

            await using var connection = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await connection.ExecuteAsync(Report, new { id, stage = latest.Stage, done = latest.Done, total = latest.Total, now = time.GetUtcNow() });
            written = serial;
            LogProgress(logger, id, latest.Stage, latest.Done, latest.Total, watch.ElapsedMilliseconds);
        }
    }

    /// <summary>Keeps only the latest report; the flusher writes it when it changed.</summary>
    private sealed class LatestProgress : IProgress<OperationProgress>
    {
        private readonly Lock _gate = new();
        private OperationProgress? _latest;
        private long _serial;

        public void Report(OperationProgress value)
        {
            lock (_gate)
            {
                _latest = value;
                _serial++;
            }
        }

        public (long Serial, OperationProgress? Latest) Read()
        {
            lock (_gate)
            {
                return (_serial, _latest);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Background operation {OperationId} ({Kind}) failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid operationId, string kind);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Operation {OperationId}: {Stage} {Done}/{Total} after {ElapsedMs} ms")]
    private static partial void LogProgress(ILogger logger, Guid operationId, string stage, long done, long total, long elapsedMs);
}
