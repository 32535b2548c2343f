using System.Text.Json;
using Licenz.Server.Events;

namespace Licenz.Server.Caching;

/// <summary>
/// Keeps the verification cache true to the database: fed by the event spine, so every committed change of a license,
/// API key or account (whatever wrote it) drops the entries it touched before the next request reads them.
/// </summary>
public sealed class VerificationCacheInvalidation(HotPathCache cache) : IEventSink
{
    public void Committed(IReadOnlyList<LicenzEvent> events)
    {
        var licenseKeys = new List<string>();
        var apiKeys = false;
        foreach (var change in events)
        {
            switch (change.ResourceType)
            {
                case "license":
                    licenseKeys.Add(LicenseKeyOf(change));
                    break;
                case "api_key" or "account":
                    // Cached keys carry their account's plan; key changes are rare: drop them all.
                    apiKeys = true;
                    break;
            }
        }

        if (licenseKeys.Count > 0 || apiKeys)
        {
            cache.Invalidate([], licenseKeys, everyApiKey: apiKeys);
        }
    }

    /// <summary>The cache is keyed by license key, which the event's data (the license as the API shows it) carries.</summary>
    private static string LicenseKeyOf(LicenzEvent change)
    {
        using var data = JsonDocument.Parse(change.Data);
        return data.RootElement.GetProperty("key").GetString()!;
    }
}
