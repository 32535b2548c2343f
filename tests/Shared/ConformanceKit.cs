using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Licenz.Tests.Shared;

/// <summary>
/// Runs the conformance kit (docs/vectors/license-files.json and responses.json) through this SDK: every case is a file
/// or a signed answer, what the application passes with it, and the code a verifier must answer. Linked source, written
/// for every target down to .NET Framework, so that the tests and the conformance app on each runtime run the same kit.
/// </summary>
internal static class ConformanceKit
{
    /// <summary>One case's outcome: its name, whether the SDK agreed, and what it answered.</summary>
    public sealed record Outcome(string Name, bool Passed, string Answered);

    /// <summary>Every case of license-files.json (the document's text), checked by <see cref="LicenseFile.Verify"/>.</summary>
    public static List<Outcome> LicenseFiles(string json)
    {
        using var document = JsonDocument.Parse(json);
        var keys = KeySets(document.RootElement);
        var outcomes = new List<Outcome>();
        foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var options = item.GetProperty("options");
            var clock = TrustedClock.InMemory();
            if (Text(options, "trusted_time") is { } trusted)
            {
                clock.Advance("acct_test", Time(trusted));
            }

            if (Text(options, "revocation_list") is { } list)
            {
                clock.StoreRevocationList("acct_test", list);
            }

            var result = LicenseFile.Verify(item.GetProperty("file").GetString(), keys[item.GetProperty("keys").GetString()!], new LicenseFileOptions
            {
                Time = new FixedTime(Time(options.GetProperty("now").GetString()!)),
                LicenseKey = Text(options, "license_key"),
                Fingerprint = Text(options, "fingerprint"),
                Components = options.TryGetProperty("components", out var components)
                    ? components.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!, StringComparer.Ordinal)
                    : null,
                ProductId = Text(options, "product_id"),
                Issuer = Text(options, "issuer"),
                RequiredEntitlements = options.TryGetProperty("required_entitlements", out var required)
                    ? required.EnumerateArray().Select(e => e.GetString()!).ToList()
                    : null,
                TrustedClock = clock,
            });

            var expected = item.GetProperty("expected");
            var passed = result.Code == expected.GetProperty("code").GetString()
                         && Agrees(expected, "matched_by_components", result.MatchedByComponents)
                         && Agrees(expected, "in_grace", result.InGrace)
                         && Agrees(expected, "revocation_list_outdated", result.RevocationListOutdated)
                         && (!expected.TryGetProperty("revocation_list_version", out var version) || version.GetInt64() == result.RevocationListVersion);
            outcomes.Add(new Outcome(item.GetProperty("name").GetString()!, passed,
                $"{result.Code} (matched by components: {result.MatchedByComponents}, in grace: {result.InGrace}, revocation list version " +
                $"{result.RevocationListVersion}, outdated: {result.RevocationListOutdated}): {result.Message}"));
        }

        return outcomes;
    }

    /// <summary>Every case of responses.json, checked by <see cref="ResponseSignature.Verify"/>.</summary>
    public static List<Outcome> Responses(string json)
    {
        using var document = JsonDocument.Parse(json);
        var keys = KeySets(document.RootElement);
        var outcomes = new List<Outcome>();
        foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
        {
            var headers = item.GetProperty("headers");
            var result = ResponseSignature.Verify(
                item.GetProperty("status").GetInt32(),
                Text(headers, "content-digest"),
                Text(headers, "date"),
                Text(headers, "signature-input"),
                Text(headers, "signature"),
                Encoding.UTF8.GetBytes(item.GetProperty("body").GetString()!),
                item.GetProperty("nonce").GetString(),
                keys[item.GetProperty("keys").GetString()!]);
            outcomes.Add(new Outcome(item.GetProperty("name").GetString()!, result.Code == item.GetProperty("expected").GetProperty("code").GetString(),
                $"{result.Code}: {result.Message}"));
        }

        return outcomes;
    }

    private static Dictionary<string, PublicKeySet> KeySets(JsonElement root) =>
        root.GetProperty("keys").EnumerateObject().ToDictionary(set => set.Name, set => PublicKeySet.FromJwks(set.Value.GetRawText()), StringComparer.Ordinal);

    private static bool Agrees(JsonElement expected, string name, bool actual) =>
        !expected.TryGetProperty(name, out var value) || value.GetBoolean() == actual;

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset Time(string text) =>
        DateTimeOffset.Parse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
