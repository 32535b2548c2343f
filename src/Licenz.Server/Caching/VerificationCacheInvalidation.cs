using Licenz.Server.Events;

namespace Licenz.Server.Caching;

/// <summary>
/// Keeps the verification cache true to the database: fed by the event spine, so every committed change of a license,
/// API key or account (whatever wrote it) drops the entries it touched before the next request reads them.
/// </summary>
/// <remarks>
/// A license's entry is found by the keyed hash of its key, which its event carries (<see cref="LicenzEvent.KeyHash"/>):
/// no key is needed, or could be read, from the event, so the same invalidation can be fed events sent from other nodes.
/// </remarks>
public sealed class VerificationCacheInvalidation(HotPathCache cache) : IEventSink
{
    public void Committed(IReadOnlyList<LicenzEvent> events)
    {
        var licenses = new List<LicenseCacheKey>();
        var everyLicense = false;
        var apiKeys = false;
        List<string>? policies = null;
        foreach (var change in events)
        {
            switch (change.ResourceType)
            {
                case "license" when change.KeyHash is { } hash:
                    licenses.Add(new LicenseCacheKey(hash));
                    break;
                case "license":
                    // Not one today; should a license event come without its hash, no entry may outlive the change.
                    everyLicense = true;
                    break;
                case "policy":
                    (policies ??= []).Add(change.ResourceId);
                    break;
                case "api_key" or "account":
                    // Cached keys carry their account's plan; key changes are rare: drop them all.
                    apiKeys = true;
                    break;
            }
        }

        if (licenses.Count > 0 || everyLicense || apiKeys)
        {
            cache.Invalidate([], licenses, everyApiKey: apiKeys, everyLicense);
        }

        if (policies is not null)
        {
            cache.InvalidatePolicies(policies);
        }
    }
}
