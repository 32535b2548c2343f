using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Licenz.Internal;

namespace Licenz;

/// <summary>
/// Issues license files (the server's side of <see cref="LicenseFile"/>): signs the claims as a compact JWS, encrypts it
/// for the license key (and machine) when asked, and armors it. Not part of the SDK that ships inside applications.
/// </summary>
public static class LicenseFileIssuer
{
    /// <summary>Signs <paramref name="claims"/> into an armored license file; encrypted for the license's key (and machine, when bound) if asked.</summary>
    public static string Issue(LicenseFileClaims claims, SigningKey key, bool encrypt = false)
    {
        Span<byte> iv = stackalloc byte[LicenseFile.IvLength];
        RandomNumberGenerator.Fill(iv);
        return Issue(claims, key, encrypt, iv);
    }

    /// <summary>As <see cref="Issue(LicenseFileClaims, SigningKey, bool)"/> with a given IV: for the published test vectors only.</summary>
    internal static string Issue(LicenseFileClaims claims, SigningKey key, bool encrypt, ReadOnlySpan<byte> iv)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(key);
        var jws = Sign(claims, key);
        return Armor(encrypt ? Encrypt(jws, claims.License.Key, EncryptionFingerprint(claims.License), iv) : jws);
    }

    /// <summary>
    /// The fingerprint an encrypted file's key is bound to. A file recognised by its machine's components is keyed to the
    /// license key alone: a machine whose fingerprint changed must still open it, for its claims to be matched.
    /// </summary>
    private static string? EncryptionFingerprint(LicenseClaims license) =>
        license.FingerprintMatching == FingerprintMatchingNames.MostComponents ? null : license.Fingerprint;

    private static string Sign(LicenseFileClaims claims, SigningKey key)
    {
        var license = claims.License;
        var payload = new LicenseFilePayload(
            claims.Issuer,
            claims.LicenseId,
            claims.IssuedAt.ToUnixTimeSeconds(),
            claims.ExpiresAt.ToUnixTimeSeconds(),
            claims.FileId,
            claims.RevocationVersion,
            new LicensePayload(
                license.Id,
                license.Key,
                license.ProductId,
                license.Type,
                license.Status,
                license.ExpiresAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                license.Entitlements,
                license.Metadata.ValueKind == JsonValueKind.Undefined ? EmptyObject : license.Metadata,
                license.Fingerprint,
                license.MachineId is { } machineId
                    ? new MachinePayload(machineId, license.Components is { Count: > 0 } components
                        ? new SortedDictionary<string, string>(components.ToDictionary(), StringComparer.Ordinal)
                        : null)
                    : null,
                license.FingerprintMatching,
                Seconds(license.GracePeriod),
                Seconds(license.CheckInInterval)));
        var header = Base64UrlStrict.Encode(JsonSerializer.SerializeToUtf8Bytes(new JwsHeader("EdDSA", LicenseFile.JwsType, key.KeyId), SdkJson.Jose.JwsHeader));
        var body = Base64UrlStrict.Encode(JsonSerializer.SerializeToUtf8Bytes(payload, SdkJson.Jose.LicenseFilePayload));
        var signingInput = header + "." + body;
        return signingInput + "." + Base64UrlStrict.Encode(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static long? Seconds(TimeSpan? span) => span is { } value ? (long)Math.Floor(value.TotalSeconds) : null;

    private static string Encrypt(string jws, string licenseKey, string? fingerprint, ReadOnlySpan<byte> iv)
    {
        // Check values of the keys that open it, so that a reader whose key does not can say which part is wrong (the
        // license key, or the machine) and tell a damaged file from both (LicenseFile.KeyCheck).
        var header = Base64UrlStrict.Encode(JsonSerializer.SerializeToUtf8Bytes(
            new JweHeader("dir", "A256GCM", "JWT", fingerprint is null ? null : true,
                LicenseFile.KeyCheck(LicenseFile.DeriveKey(licenseKey, null)),
                fingerprint is null ? null : LicenseFile.KeyCheck(LicenseFile.DeriveKey(licenseKey, fingerprint))),
            SdkJson.Jose.JweHeader));
        var plaintext = Encoding.ASCII.GetBytes(jws);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[LicenseFile.TagLength];
        using (var aes = new AesGcm(LicenseFile.DeriveKey(licenseKey, fingerprint), LicenseFile.TagLength))
        {
            aes.Encrypt(iv, plaintext, ciphertext, tag, Encoding.ASCII.GetBytes(header));
        }

        return $"{header}..{Base64UrlStrict.Encode(iv)}.{Base64UrlStrict.Encode(ciphertext)}.{Base64UrlStrict.Encode(tag)}";
    }

    private static string Armor(string token)
    {
        var text = new StringBuilder(token.Length + (token.Length / LicenseFile.LineLength) + 80);
        text.Append(LicenseFile.BeginLine).Append('\n');
        for (var i = 0; i < token.Length; i += LicenseFile.LineLength)
        {
            text.Append(token.AsSpan(i, Math.Min(LicenseFile.LineLength, token.Length - i))).Append('\n');
        }

        return text.Append(LicenseFile.EndLine).Append('\n').ToString();
    }
}
