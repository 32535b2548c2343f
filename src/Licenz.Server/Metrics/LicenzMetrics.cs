using System.Diagnostics.Metrics;
using Licenz.Server.Accounts;
using Licenz.Server.Activity;
using Licenz.Server.Data;
using Licenz.Server.Http;

namespace Licenz.Server.Metrics;

/// <summary>
/// Licenz's own instruments, on .NET's <see cref="Meter"/> API so that the code that counts knows nothing of the
/// exporter (<see cref="MetricsSetup"/> publishes them at <c>/metrics</c>). Every series is listed in
/// <c>docs/operations.md</c>.
/// </summary>
/// <remarks>
/// <para>No label ever carries an account, an API key, a license key, an email or any other value a request brings:
/// each label takes a handful of values fixed here, so a scrape shows nothing of a tenant and the number of series
/// stays the same however many accounts and licenses there are.</para>
/// <para>The counters are on the verify path: each tag is built once, here, so counting allocates nothing. With no
/// listener (metrics off) an instrument is not enabled and a count costs a field check.</para>
/// </remarks>
public sealed class LicenzMetrics
{
    public const string MeterName = "Licenz";

    private static readonly KeyValuePair<string, object?> LicenseCache = new("cache", "license");
    private static readonly KeyValuePair<string, object?> ApiKeyCache = new("cache", "api_key");
    private static readonly KeyValuePair<string, object?> Hit = new("result", "hit");
    private static readonly KeyValuePair<string, object?> Miss = new("result", "miss");

    /// <summary>A request without a valid API key is counted against its address, not a plan.</summary>
    private static readonly KeyValuePair<string, object?> Anonymous = new("plan", "anonymous");

    private static readonly KeyValuePair<string, object?>[] Plans =
        Enum.GetValues<Plan>().Select(plan => new KeyValuePair<string, object?>("plan", plan.Name())).ToArray();

    private static readonly KeyValuePair<string, object?>[] WaitingApiKeys = [new("kind", "api_key")];
    private static readonly KeyValuePair<string, object?>[] WaitingLicenses = [new("kind", "license")];

    private readonly Counter<long> _verifications;
    private readonly Counter<long> _cacheLookups;
    private readonly Counter<long> _rateLimited;

    public LicenzMetrics(IMeterFactory meters, ActivityRecorder activity, GroupCommit writes, TimeProvider time)
    {
        // From the host's factory: the meter is the host's, and is disposed with it (tests run several hosts at once).
        var meter = meters.Create(MeterName);
        _verifications = meter.CreateCounter<long>("licenz.verifications", "{verification}",
            "Verifications answered, by result code (VALID, NOT_FOUND, SUSPENDED, EXPIRED, REVOKED, PRODUCT_SCOPE_MISMATCH).");
        _cacheLookups = meter.CreateCounter<long>("licenz.cache.lookups", "{lookup}",
            "Lookups of the verification cache by cache (license, api_key) and result (hit, miss); a miss is a database read.");
        _rateLimited = meter.CreateCounter<long>("licenz.rate_limited_requests", "{request}",
            "Requests refused with 429 by the plan's rate limit, by the caller's plan (anonymous: without a valid API key).");

        meter.CreateObservableGauge("licenz.activity.waiting", () => new Measurement<int>[]
            {
                new(activity.ApiKeysWaiting, WaitingApiKeys),
                new(activity.LicensesWaiting, WaitingLicenses),
            }, "{id}", "API keys (last used) and licenses (last validated) whose time waits for the activity writer.");
        meter.CreateObservableGauge("licenz.activity.lag", () => (time.GetUtcNow() - activity.WrittenUpTo).TotalSeconds, "s",
            "Seconds since the start of the activity writer's last successful flush: every time noted before then is written. "
            + "Stays under the flush interval plus one flush's length while the writer keeps up.");
        meter.CreateObservableCounter("licenz.group_commit.transactions", () => writes.Transactions, "{transaction}",
            "Transactions of the group-commit writer (license creations, machine activations): a group of waiting writes, or one alone.");
        meter.CreateObservableCounter("licenz.group_commit.writes", () => writes.Written, "{write}",
            "Writes the group-commit writer ran; writes ÷ transactions is how many requests one commit served.");
        meter.CreateObservableCounter("licenz.group_commit.failed_groups", () => writes.FailedTogether, "{group}",
            "Groups that failed together (a write of it failed: a conflict, a broken rule), whose writes then ran again one by one.");
    }

    /// <summary>A verification was answered with <paramref name="code"/>, one of <c>VerificationResultCodes</c>.</summary>
    public void Verified(string code) => _verifications.Add(1, new KeyValuePair<string, object?>("code", code));

    public void LicenseLookup(bool hit) => _cacheLookups.Add(1, LicenseCache, hit ? Hit : Miss);

    public void ApiKeyLookup(bool hit) => _cacheLookups.Add(1, ApiKeyCache, hit ? Hit : Miss);

    /// <summary>A request was refused by the rate limit; <paramref name="plan"/> is null for a request without a valid key.</summary>
    public void RateLimited(Plan? plan) => _rateLimited.Add(1, plan is { } p ? Plans[(int)p] : Anonymous);
}
