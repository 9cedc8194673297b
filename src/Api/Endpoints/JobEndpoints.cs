using System.Text.Json.Nodes;
using Broadcast.Api.Http;
using Broadcast.Api.Jobs;
using Broadcast.Api.State;
using Broadcast.Ingest.Routing;
using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Broadcast.Api.Endpoints;

/// <summary>The recurring jobs through the API: their schedule and last state, what each run did and why, run now.</summary>
public static class JobEndpoints
{
    public const string Prefix = "/api/v1/jobs";

    private static readonly string[] JobNames = [CleanupJob.Name, SegmentRetentionJob.Name];

    public static IEndpointRouteBuilder MapJobApi(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup(Prefix).WithTags("Jobs").RequireCors(ApiCors.PolicyName);
        jobs.MapGet("/", ListJobs).WithName("ListJobs")
            .WithSummary("Lists the recurring jobs of every appliance sharing the database: cron, queue, last and next run, last state.");
        jobs.MapGet("/{job}/runs", ListRuns).WithName("ListJobRuns")
            .WithSummary("What the latest runs of a job (cleanup or segment-retention) did: each deleted segment or released resource with its reason.")
            .ProducesProblem(StatusCodes.Status400BadRequest).ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapPost("/{job}/trigger", Trigger).WithName("TriggerJob")
            .WithSummary("Runs a job now (cleanup on this appliance; segment retention where its scope says); answers with the Hangfire job id.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapGet("/executions/{jobId}", GetExecution).WithName("GetJobExecution")
            .WithSummary("The state of one Hangfire job execution and, once it succeeded, its result.")
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static Ok<RecurringJobResponse[]> ListJobs(JobStorage storage)
    {
        using var connection = storage.GetConnection();
        return TypedResults.Ok(connection.GetRecurringJobs()
            .OrderBy(j => j.Id, StringComparer.Ordinal)
            .Select(j => new RecurringJobResponse(j.Id, JobHost.HostOf(j.Id), j.Cron, j.Queue, j.LastExecution, j.NextExecution, j.LastJobId,
                j.LastJobState, j.Error))
            .ToArray());
    }

    private static async Task<Ok<IReadOnlyList<JobRunRecord>>> ListRuns(string job, IJobRunStore runs, int? count, CancellationToken cancellationToken)
    {
        RequireKnown(job);
        if (count is < 1 or > 1000)
        {
            throw new InvalidFieldException("count", "count must be 1..1000.");
        }

        return TypedResults.Ok(await runs.RecentAsync(job, count ?? 20, cancellationToken));
    }

    private static Accepted<TriggeredJobResponse> Trigger(string job, IRecurringJobManagerV2 manager, JobHost host, IOptions<JobOptions> options)
    {
        RequireKnown(job);
        var recurringId = job == SegmentRetentionJob.Name && options.Value.RetentionScope == RetentionScope.Shared
            ? SegmentRetentionJob.Name
            : host.RecurringJobId(job);
        var jobId = manager.TriggerJob(recurringId)
            ?? throw new NotFoundException("recurring job", recurringId);
        return TypedResults.Accepted($"{Prefix}/executions/{jobId}", new TriggeredJobResponse(recurringId, jobId));
    }

    private static Ok<JobExecutionResponse> GetExecution(string jobId, JobStorage storage)
    {
        // Job ids are numbers on both storages; the PostgreSQL one fails on anything else.
        var details = (long.TryParse(jobId, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)
            ? storage.GetMonitoringApi().JobDetails(jobId)
            : null) ?? throw new NotFoundException("job execution", jobId);
        var latest = details.History.FirstOrDefault();
        var data = latest?.Data ?? new Dictionary<string, string>();
        return TypedResults.Ok(new JobExecutionResponse(jobId, latest?.StateName, details.CreatedAt, ResultOf(data), latest?.Reason, ErrorOf(data)));
    }

    // A job returns its summary as JSON text (see JobResult); Hangfire stores that text as a JSON string.
    private static JsonNode? ResultOf(IDictionary<string, string> data) =>
        data.TryGetValue("Result", out var stored) && JsonNode.Parse(stored) is JsonValue text && text.TryGetValue(out string? json)
            ? JsonNode.Parse(json)
            : null;

    private static string? ErrorOf(IDictionary<string, string> data) =>
        data.TryGetValue("ExceptionMessage", out var message) ? $"{(data.TryGetValue("ExceptionType", out var type) ? type : "Exception")}: {message}" : null;

    private static void RequireKnown(string job)
    {
        if (!JobNames.Contains(job, StringComparer.Ordinal))
        {
            throw new NotFoundException("job", job);
        }
    }
}

/// <summary>A recurring job as Hangfire stores it.</summary>
/// <param name="Id">"segment-retention", or "cleanup@&lt;host&gt;" for a job of one appliance.</param>
/// <param name="Host">The appliance a per-host job belongs to, or null for a shared one.</param>
/// <param name="Cron">Schedule (UTC).</param>
/// <param name="Queue">Hangfire queue.</param>
/// <param name="LastExecution">When it last ran.</param>
/// <param name="NextExecution">When it runs next.</param>
/// <param name="LastJobId">The Hangfire job id of its last run.</param>
/// <param name="LastJobState">Succeeded, Failed, Processing, ...</param>
/// <param name="Error">Why it cannot be scheduled, if so.</param>
public sealed record RecurringJobResponse(string Id, string? Host, string? Cron, string? Queue, DateTime? LastExecution, DateTime? NextExecution,
    string? LastJobId, string? LastJobState, string? Error);

/// <summary>A job run asked for.</summary>
/// <param name="RecurringJobId">The recurring job it runs.</param>
/// <param name="JobId">The Hangfire job id; GET /api/v1/jobs/executions/{jobId} follows it.</param>
public sealed record TriggeredJobResponse(string RecurringJobId, string JobId);

/// <summary>One execution of a job.</summary>
/// <param name="JobId">Hangfire job id.</param>
/// <param name="State">Enqueued, Processing, Succeeded, Failed, Deleted.</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="Result">Once Succeeded: the job's result (what it deleted or released, in figures).</param>
/// <param name="Reason">The state's reason.</param>
/// <param name="Error">When Failed: the exception's type and message.</param>
public sealed record JobExecutionResponse(string JobId, string? State, DateTime? CreatedAt, JsonNode? Result, string? Reason, string? Error);
