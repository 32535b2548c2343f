using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Mvc;

namespace Licenz.Server.Machines;

/// <param name="Id">The machine id, <c>mach_…</c>.</param>
/// <param name="LicenseId">The license it is activated on.</param>
/// <param name="ProductId">The license's product.</param>
/// <param name="Fingerprint">The machine's fingerprint.</param>
/// <param name="Name">Display name, if given.</param>
/// <param name="Platform">Operating system or platform, if given.</param>
/// <param name="Hostname">Host name, if given.</param>
/// <param name="Components">Named hashed parts of the machine (board, cpu, disk, os, …).</param>
/// <param name="CreatedAt">When it was activated (UTC).</param>
/// <param name="UpdatedAt">When it last changed (UTC): a rebind, say.</param>
/// <param name="LastHeartbeatAt">Its last heartbeat (UTC), if any.</param>
/// <param name="HeartbeatDueAt">When its next heartbeat is due, when its policy requires them; past it the machine is deactivated.</param>
public sealed record MachineDto(
    string Id,
    string LicenseId,
    string ProductId,
    string Fingerprint,
    string? Name,
    string? Platform,
    string? Hostname,
    JsonElement Components,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    DateTime? LastHeartbeatAt,
    DateTime? HeartbeatDueAt);

/// <summary>Body of <c>POST /machines</c>: a license holder activates a machine.</summary>
public sealed record ActivateMachineRequest
{
    /// <summary>The license key.</summary>
    [PrintableText(64)]
    public required string Key { get; init; }

    /// <summary>The machine's fingerprint (the SDK's MachineFingerprint), at most 256 characters.</summary>
    [PrintableText(MachineRules.MaxFingerprint)]
    public required string Fingerprint { get; init; }

    /// <summary>Display name.</summary>
    [PrintableText(200)]
    public string? Name { get; init; }

    /// <summary>Operating system or platform.</summary>
    [PrintableText(100)]
    public string? Platform { get; init; }

    /// <summary>Host name.</summary>
    [PrintableText(255)]
    public string? Hostname { get; init; }

    /// <summary>Named hashed parts of the machine: an object of at most 32 strings (board, cpu, disk, os, …), each at most 256 characters.</summary>
    [Components]
    public Dictionary<string, string>? Components { get; init; }
}

/// <summary>Body of <c>POST /machines/deactivate</c> and <c>POST /machines/heartbeat</c>.</summary>
public sealed record MachineActionRequest
{
    /// <summary>The license key.</summary>
    [PrintableText(64)]
    public required string Key { get; init; }

    /// <summary>The machine's fingerprint.</summary>
    [PrintableText(MachineRules.MaxFingerprint)]
    public required string Fingerprint { get; init; }
}

/// <summary>Body of <c>POST /machines/offline-activations</c>: a machine with no network asks, through someone who has one, to be activated.</summary>
public sealed record OfflineActivationRequestBody
{
    /// <summary>
    /// The activation request the offline machine produced with the Licenz SDK (<c>LZACT-…</c>): the license key, the
    /// machine's fingerprint and components and a nonce, sealed with a key derived from the license key.
    /// </summary>
    [PrintableText(MachineRules.MaxOfflineText)]
    public required string Request { get; init; }

    /// <summary>
    /// The license file's time to live in seconds (3600 to 31536000), at most the license policy's check_in_interval; by
    /// default the smaller of that and 2592000 (30 days).
    /// </summary>
    [Range(Licenses.LicenseFileApi.MinTtl, Licenses.LicenseFileApi.MaxTtl, ErrorMessage = RequestRules.RangeMessage)]
    public int? Ttl { get; init; }
}

/// <summary>Body of <c>POST /machines/offline-deactivations</c>: an offline machine's proof that it removed its license file.</summary>
public sealed record OfflineDeactivationRequestBody
{
    /// <summary>
    /// The deactivation proof the offline machine produced with the Licenz SDK (<c>LZDEACT-…</c>): the removed file's id,
    /// the machine's fingerprint and a nonce, sealed with a key derived from the license key.
    /// </summary>
    [PrintableText(MachineRules.MaxOfflineText)]
    public required string Proof { get; init; }
}

/// <param name="Machine">The machine activated (or already activated, or rebound).</param>
/// <param name="LicenseFile">The license file bound to it, encrypted for the license key (and, unless its policy matches most components, the machine).</param>
public sealed record OfflineActivationDto(MachineDto Machine, Licenses.LicenseFileDto LicenseFile);

/// <summary>The query of <c>GET /machines</c>.</summary>
public sealed record MachineListQuery : IPageQuery
{
    [System.ComponentModel.Description("Only machines of this license (`lic_…`).")]
    [FromQuery(Name = "license_id")]
    public string? LicenseId { get; init; }

    [System.ComponentModel.Description("Only machines of licenses of this product (`prod_…`).")]
    [FromQuery(Name = "product_id")]
    public string? ProductId { get; init; }

    [System.ComponentModel.Description("Only machines with this fingerprint.")]
    [FromQuery(Name = "fingerprint")]
    public string? Fingerprint { get; init; }

    [System.ComponentModel.Description("Page size, 1 to 100 (default 20).")]
    [FromQuery(Name = "limit")]
    [Range(1, PageRequest.MaxLimit, ErrorMessage = PageRequest.LimitMessage)]
    public int? Limit { get; init; }

    [System.ComponentModel.Description("The `next_cursor` of the previous page.")]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}

public static class MachineRules
{
    public const int MaxFingerprint = 256;
    public const int MaxComponents = 32;
    public const int MaxComponentValue = 256;

    /// <summary>How many offline license file ids a machine keeps (<see cref="Machine.OfflineFileIds"/>): a proof names a recent one.</summary>
    public const int MaxOfflineFiles = 20;

    /// <summary>The longest offline activation request or deactivation proof taken (the SDK's own bound).</summary>
    public const int MaxOfflineText = 32 * 1024;

    /// <summary>The SDK's rule (<see cref="MachineComponents.MostMatch"/>), so an activation and a license file's offline check agree.</summary>
    public static bool MostMatch(IReadOnlyDictionary<string, string> known, IReadOnlyDictionary<string, string> presented) =>
        MachineComponents.MostMatch(known, presented);

    public static Dictionary<string, string> ReadComponents(string stored) =>
        stored is "" or "{}" ? [] : JsonSerializer.Deserialize(stored, MachinesJsonContext.Default.DictionaryStringString) ?? [];

    public static List<string> ReadFileIds(string stored) =>
        stored is "" or "[]" ? [] : JsonSerializer.Deserialize(stored, MachinesJsonContext.Default.ListString) ?? [];

    /// <summary>The ids with <paramref name="fileId"/> added, the oldest dropped beyond <see cref="MaxOfflineFiles"/>.</summary>
    public static string AddFileId(string stored, string fileId) =>
        JsonSerializer.Serialize(ReadFileIds(stored).Append(fileId).TakeLast(MaxOfflineFiles).ToList(), MachinesJsonContext.Default.ListString);

    public static string StoreComponents(IReadOnlyDictionary<string, string>? components) =>
        components is null or { Count: 0 } ? "{}"
            : JsonSerializer.Serialize(components.OrderBy(c => c.Key, StringComparer.Ordinal).ToDictionary(c => c.Key, c => c.Value),
                MachinesJsonContext.Default.DictionaryStringString);
}

/// <summary>Machine components: at most 32, each name printable (64 at most) and each value printable (256 at most).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class ComponentsAttribute : ValidationAttribute
{
    protected override ValidationResult? IsValid(object? value, ValidationContext context)
    {
        if (value is not IReadOnlyDictionary<string, string> components)
        {
            return ValidationResult.Success;
        }

        if (components.Count > MachineRules.MaxComponents)
        {
            return new ValidationResult($"{context.DisplayName} may have at most {MachineRules.MaxComponents} entries.", [context.MemberName!]);
        }

        foreach (var (name, part) in components)
        {
            if (PrintableTextAttribute.Problem(name, 64) is { } nameProblem)
            {
                return new ValidationResult($"{context.DisplayName} has a name that {nameProblem}", [context.MemberName!]);
            }

            if (PrintableTextAttribute.Problem(part ?? "", MachineRules.MaxComponentValue) is { } problem)
            {
                return new ValidationResult($"{context.DisplayName}: '{RequestRules.Shown(name)}' {problem}", [context.MemberName!]);
            }
        }

        return ValidationResult.Success;
    }
}
