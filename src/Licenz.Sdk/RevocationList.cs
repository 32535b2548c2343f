using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Licenz.Internal;

namespace Licenz;

/// <summary>
/// An account's signed revocation list: the licenses revoked, suspended or deleted and the machines deactivated since
/// their license files were issued, so that an application refuses them offline, before the files' time to live ends. The
/// server publishes it, without authentication, at <c>/.well-known/licenz-revocations.jwt</c> beside the JWKS, as a
/// compact JWS (<c>typ</c> <c>licenz-revocations+jwt</c>) signed like license files; every license file and signed
/// verification answer carries the list's version then (<see cref="LicenseFileClaims.RevocationVersion"/>), so a
/// verifier knows when the list it keeps is behind. Specified in <c>docs/license-file-format.md</c>.
/// </summary>
/// <remarks>
/// <see cref="LicenseChecker"/> keeps the newest list in its trusted-time state (<see cref="ITrustedClock"/>) and
/// fetches it when a file or answer shows a newer version; <see cref="LicenseFile.Verify"/> consults the kept list. A
/// machine that never reaches the server can be given the list by hand (<see cref="LicenseChecker.TryInstallRevocationList"/>).
/// </remarks>
public sealed class RevocationList
{
    /// <summary>The JWS <c>typ</c> header of a revocation list.</summary>
    public const string JwsType = "licenz-revocations+jwt";

    private const int MaxLength = 16 << 20;

    private readonly Dictionary<string, string> _licenses;
    private readonly HashSet<string> _machines;

    private RevocationList(string text, string issuer, DateTimeOffset issuedAt, long version, Dictionary<string, string> licenses, HashSet<string> machines)
    {
        Text = text;
        Issuer = issuer;
        IssuedAt = issuedAt;
        Version = version;
        _licenses = licenses;
        _machines = machines;
    }

    /// <summary>The signed list as it was read: what to store, or to carry to another machine.</summary>
    public string Text { get; }

    /// <summary>The account whose list it is (<c>iss</c>).</summary>
    public string Issuer { get; }

    /// <summary>When the server signed it (<c>iat</c>).</summary>
    public DateTimeOffset IssuedAt { get; }

    /// <summary>Its version: it only ever grows, with each revocation, suspension, reinstatement, deletion or deactivation.</summary>
    public long Version { get; }

    /// <summary>The listed licenses and their state (<c>revoked</c>, <c>suspended</c> or <c>deleted</c>), by license id.</summary>
    public IReadOnlyDictionary<string, string> Licenses => _licenses;

    /// <summary>The deactivated machines (<c>mach_…</c>): every license file bound to one of them is revoked.</summary>
    public IReadOnlyCollection<string> Machines => _machines;

    /// <summary>
    /// Reads and checks a revocation list: a compact JWS signed by one of <paramref name="keys"/>, with
    /// <c>typ</c> <c>licenz-revocations+jwt</c> and well-formed claims. Never throws on malformed input.
    /// </summary>
    /// <param name="text">The list, as served (surrounding whitespace is ignored).</param>
    /// <param name="keys">The issuer's public keys, as for license files.</param>
    /// <param name="list">The list, when it holds.</param>
    /// <param name="problem">Why it does not, in words.</param>
    public static bool TryVerify(string? text, PublicKeySet keys, [NotNullWhen(true)] out RevocationList? list, [NotNullWhen(false)] out string? problem)
    {
        if (keys is null)
        {
            throw new ArgumentNullException(nameof(keys));
        }

        list = null;
        var token = text?.Trim();
        if (token is null || token.Length == 0 || token.Length > MaxLength)
        {
            problem = "There is no revocation list: the text is empty.";
            return false;
        }

        try
        {
            var parts = token.Split('.');
            if (parts.Length != 3
                || !Base64UrlStrict.TryDecode(parts[0].AsSpan(), out var header)
                || !Base64UrlStrict.TryDecode(parts[1].AsSpan(), out var payload)
                || !Base64UrlStrict.TryDecode(parts[2].AsSpan(), out var signature)
                || LicenseFile.ReadJwsHeader(header, JwsType) is not { } kid)
            {
                problem = "Not a Licenz revocation list: expected a compact JWS (EdDSA) of type licenz-revocations+jwt.";
                return false;
            }

            if (!keys.Contains(kid))
            {
                problem = $"The revocation list is signed by key '{kid}', which is not among the trusted keys.";
                return false;
            }

            if (signature.Length != 64 || !keys.Verify(kid, Encoding.ASCII.GetBytes(token.Substring(0, parts[0].Length + 1 + parts[1].Length)), signature))
            {
                problem = "The revocation list's signature does not match: it was altered or not issued by this server.";
                return false;
            }

            list = ReadClaims(token, payload);
        }
        catch (Exception exception) when (exception is JsonException or FormatException or ArgumentException or InvalidOperationException)
        {
            list = null;
        }

        problem = list is null ? "The revocation list's claims are incomplete." : null;
        return list is not null;
    }

    /// <summary>
    /// Why this list refuses a file with <paramref name="claims"/>, or null when it does not name its license or machine —
    /// or when the file was issued at this version or a later one: the server issued it knowing what the list says (a
    /// license reinstated since the list was kept gets files again).
    /// </summary>
    internal (string Code, string Message)? Refusal(LicenseFileClaims claims)
    {
        if (claims.Issuer != Issuer || claims.RevocationVersion >= Version)
        {
            return null;
        }

        if (_licenses.TryGetValue(claims.LicenseId, out var state))
        {
            return state == "suspended"
                ? (LicenseFileCodes.Suspended, $"The license was suspended after the file was issued (revocation list version {Version}).")
                : (LicenseFileCodes.Revoked, $"The license was {state} after the file was issued (revocation list version {Version}).");
        }

        return claims.License.MachineId is { } machine && _machines.Contains(machine)
            ? (LicenseFileCodes.NoMachine, $"Machine {machine}, which the file is bound to, was deactivated after the file was issued (revocation list version {Version}).")
            : null;
    }

    private static RevocationList? ReadClaims(string token, byte[] payload)
    {
        using var document = JsonDocument.Parse(payload);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("iss", out var iss) || iss.ValueKind != JsonValueKind.String
            || !root.TryGetProperty("iat", out var iat) || !iat.TryGetInt64(out var issuedAt) || issuedAt is < 0 or > 253402300799
            || !root.TryGetProperty("version", out var version) || !version.TryGetInt64(out var number) || number < 0
            || !root.TryGetProperty("licenses", out var licenses) || licenses.ValueKind != JsonValueKind.Array
            || !root.TryGetProperty("machines", out var machines) || machines.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var listed = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var license in licenses.EnumerateArray())
        {
            if (license.ValueKind != JsonValueKind.Object
                || !license.TryGetProperty("id", out var id) || id.ValueKind != JsonValueKind.String
                || !license.TryGetProperty("status", out var status) || status.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            listed[id.GetString()!] = status.GetString()!;
        }

        var deactivated = new HashSet<string>(StringComparer.Ordinal);
        foreach (var machine in machines.EnumerateArray())
        {
            if (machine.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            deactivated.Add(machine.GetString()!);
        }

        return new RevocationList(token, iss.GetString()!, DateTimeOffset.FromUnixTimeSeconds(issuedAt), number, listed, deactivated);
    }
}
