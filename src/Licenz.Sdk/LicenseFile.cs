using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Licenz.Internal;

namespace Licenz;

/// <summary>
/// Signed license files: a compact JWS (<c>alg: EdDSA</c>) armored between
/// <c>-----BEGIN LICENZ LICENSE-----</c> and <c>-----END LICENZ LICENSE-----</c>, optionally wrapped in a
/// compact JWE (<c>dir</c>, <c>A256GCM</c>) keyed from the license key. The format is specified in
/// <c>docs/license-file-format.md</c>; any JOSE library can verify it.
/// </summary>
public static class LicenseFile
{
    /// <summary>The first line of a license file.</summary>
    public const string BeginLine = "-----BEGIN LICENZ LICENSE-----";

    /// <summary>The last line of a license file.</summary>
    public const string EndLine = "-----END LICENZ LICENSE-----";

    /// <summary>The JWS <c>typ</c> header of a license file.</summary>
    public const string JwsType = "licenz-license+jwt";

    private const int LineLength = 64;
    private const int IvLength = 12;
    private const int TagLength = 16;
    private static readonly byte[] KdfSalt = "licenz/license-file/v1"u8.ToArray();
    private static readonly byte[] KdfInfo = "A256GCM"u8.ToArray();

    /// <summary>Signs <paramref name="claims"/> into an armored license file; encrypted for the license's key (and machine, when bound) if asked.</summary>
    public static string Issue(LicenseFileClaims claims, SigningKey key, bool encrypt = false)
    {
        Span<byte> iv = stackalloc byte[IvLength];
        RandomNumberGenerator.Fill(iv);
        return Issue(claims, key, encrypt, iv);
    }

    /// <summary>As <see cref="Issue(LicenseFileClaims, SigningKey, bool)"/> with a given IV: for the published test vectors only.</summary>
    internal static string Issue(LicenseFileClaims claims, SigningKey key, bool encrypt, ReadOnlySpan<byte> iv)
    {
        ArgumentNullException.ThrowIfNull(claims);
        ArgumentNullException.ThrowIfNull(key);
        var jws = Sign(claims, key);
        return Armor(encrypt ? Encrypt(jws, claims.License.Key, claims.License.Fingerprint, iv) : jws);
    }

    /// <summary>
    /// Checks a license file offline: armor, encryption, signature against <paramref name="keys"/>, then the
    /// claims against <paramref name="options"/> and the clock. Never throws on malformed input.
    /// </summary>
    public static LicenseFileResult Verify(string? text, PublicKeySet keys, LicenseFileOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(keys);
        options ??= new LicenseFileOptions();
        try
        {
            return VerifyCore(text, keys, options);
        }
        catch (Exception exception) when (exception is CryptographicException or JsonException or FormatException
                                              or ArgumentException or InvalidOperationException or OverflowException)
        {
            return Fail(LicenseFileCodes.Malformed, "The license file could not be read.");
        }
    }

    private static LicenseFileResult VerifyCore(string? text, PublicKeySet keys, LicenseFileOptions options)
    {
        if (Unarmor(text) is not { } token)
        {
            return Fail(LicenseFileCodes.Malformed, $"Not a license file: expected the lines {BeginLine} … {EndLine} around the encoded license.");
        }

        var parts = token.Split('.');
        string jws;
        if (parts.Length == 5)
        {
            var (opened, bound) = Decrypt(parts, options);
            if (opened is null)
            {
                // Bound files are keyed to the machine too: on another machine they cannot be opened at all.
                return bound ? BoundElsewhere : DecryptionFailure;
            }

            jws = opened;
            parts = jws.Split('.');
        }
        else
        {
            jws = token;
        }

        if (parts.Length != 3
            || !Base64UrlStrict.TryDecode(parts[0], out var headerBytes)
            || !Base64UrlStrict.TryDecode(parts[1], out var payloadBytes)
            || !Base64UrlStrict.TryDecode(parts[2], out var signature)
            || ReadJwsHeader(headerBytes) is not { } kid)
        {
            return Fail(LicenseFileCodes.Malformed, "The license file is not a signed Licenz license (JWS, EdDSA).");
        }

        if (!keys.Contains(kid))
        {
            return Fail(LicenseFileCodes.UnknownKey, $"The license file is signed by key '{kid}', which is not among the trusted keys.");
        }

        var signingInput = Encoding.ASCII.GetBytes(jws[..jws.LastIndexOf('.')]);
        if (signature.Length != 64 || !keys.Verify(kid, signingInput, signature))
        {
            return Fail(LicenseFileCodes.BadSignature, "The license file's signature does not match: it was altered or not issued by this server.");
        }

        if (ReadClaims(payloadBytes) is not { } claims)
        {
            return Fail(LicenseFileCodes.Malformed, "The license file's claims are incomplete.");
        }

        return Check(claims, options);
    }

    private static LicenseFileResult Check(LicenseFileClaims claims, LicenseFileOptions options)
    {
        LicenseFileResult Result(string code, string message) => new(code, message, claims);

        if (options.Issuer is { } issuer && issuer != claims.Issuer)
        {
            return Result(LicenseFileCodes.IssuerMismatch, $"The license file was issued by {claims.Issuer}, not {issuer}.");
        }

        if (options.ProductId is { } product && product != claims.License.ProductId)
        {
            return Result(LicenseFileCodes.ProductMismatch, $"The license file is for product {claims.License.ProductId}, not {product}.");
        }

        if (options.LicenseKey is { } entered
            && (!LicenseKey.TryNormalize(entered, out var normalized) || normalized != claims.License.Key))
        {
            return Result(LicenseFileCodes.LicenseKeyMismatch, "The license file is for another license key.");
        }

        var now = options.Time.GetUtcNow();
        var trusted = options.TrustedClock.Read(claims.Issuer);
        options.TrustedClock.Advance(claims.Issuer, claims.IssuedAt);
        if (trusted is { } last && now < last - options.ClockTolerance)
        {
            return Result(LicenseFileCodes.ClockTampered,
                $"The clock ({now:u}) is behind a time already trusted ({last:u}): it appears to have been set back.");
        }

        if (claims.IssuedAt > now + options.Leeway)
        {
            return Result(LicenseFileCodes.NotYetValid, $"The license file was issued at {claims.IssuedAt:u}, after the current time {now:u}.");
        }

        if (now >= claims.ExpiresAt + options.Leeway)
        {
            return Result(LicenseFileCodes.FileExpired, $"The license file expired at {claims.ExpiresAt:u}; check in with the server for a new one.");
        }

        if (claims.License.Fingerprint is { } bound && !string.Equals(bound, options.Fingerprint, StringComparison.Ordinal))
        {
            return Result(LicenseFileCodes.FingerprintMismatch, "The license file is bound to another machine.");
        }

        switch (claims.License.Status)
        {
            case "revoked":
                return Result(LicenseFileCodes.LicenseRevoked, "The license was revoked.");
            case "suspended":
                return Result(LicenseFileCodes.LicenseSuspended, "The license is suspended.");
        }

        if (claims.License.ExpiresAt is { } licenseExpiry && now >= licenseExpiry)
        {
            return Result(LicenseFileCodes.LicenseExpired, $"The license expired at {licenseExpiry:u}.");
        }

        return Result(LicenseFileCodes.Valid, "The license file is valid.");
    }

    private static readonly LicenseFileResult BoundElsewhere = Fail(LicenseFileCodes.FingerprintMismatch,
        "The encrypted license file is bound to another machine (or the license key differs, or the file was altered).");

    private static readonly LicenseFileResult DecryptionFailure =
        Fail(LicenseFileCodes.DecryptionFailed, "The encrypted license file could not be opened with this license key (and machine).");

    private static LicenseFileResult Fail(string code, string message) => new(code, message, null);

    private static string Sign(LicenseFileClaims claims, SigningKey key)
    {
        var license = claims.License;
        var payload = new LicenseFilePayload(
            claims.Issuer,
            claims.LicenseId,
            claims.IssuedAt.ToUnixTimeSeconds(),
            claims.ExpiresAt.ToUnixTimeSeconds(),
            claims.FileId,
            new LicensePayload(
                license.Id,
                license.Key,
                license.ProductId,
                license.Type,
                license.Status,
                license.ExpiresAt?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
                license.Entitlements,
                license.Metadata.ValueKind == JsonValueKind.Undefined ? EmptyObject : license.Metadata,
                license.Fingerprint));
        var header = Base64UrlStrict.Encode(JsonSerializer.SerializeToUtf8Bytes(new JwsHeader("EdDSA", JwsType, key.KeyId), SdkJson.Jose.JwsHeader));
        var body = Base64UrlStrict.Encode(JsonSerializer.SerializeToUtf8Bytes(payload, SdkJson.Jose.LicenseFilePayload));
        var signingInput = header + "." + body;
        return signingInput + "." + Base64UrlStrict.Encode(key.Sign(Encoding.ASCII.GetBytes(signingInput)));
    }

    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    private static string Encrypt(string jws, string licenseKey, string? fingerprint, ReadOnlySpan<byte> iv)
    {
        var header = Base64UrlStrict.Encode(JsonSerializer.SerializeToUtf8Bytes(
            new JweHeader("dir", "A256GCM", "JWT", fingerprint is null ? null : true), SdkJson.Jose.JweHeader));
        var plaintext = Encoding.ASCII.GetBytes(jws);
        var ciphertext = new byte[plaintext.Length];
        var tag = new byte[TagLength];
        using (var aes = new AesGcm(DeriveKey(licenseKey, fingerprint), TagLength))
        {
            aes.Encrypt(iv, plaintext, ciphertext, tag, Encoding.ASCII.GetBytes(header));
        }

        return $"{header}..{Base64UrlStrict.Encode(iv)}.{Base64UrlStrict.Encode(ciphertext)}.{Base64UrlStrict.Encode(tag)}";
    }

    /// <summary>Opens the JWE; also says whether its key is bound to a machine (so a failure can be named).</summary>
    private static (string? Jws, bool Bound) Decrypt(string[] parts, LicenseFileOptions options)
    {
        if (parts[1].Length != 0
            || !Base64UrlStrict.TryDecode(parts[0], out var headerBytes)
            || !Base64UrlStrict.TryDecode(parts[2], out var iv) || iv.Length != IvLength
            || !Base64UrlStrict.TryDecode(parts[3], out var ciphertext)
            || !Base64UrlStrict.TryDecode(parts[4], out var tag) || tag.Length != TagLength
            || ReadJweHeader(headerBytes) is not { } bound)
        {
            return (null, false);
        }

        if (options.LicenseKey is null || !LicenseKey.TryNormalize(options.LicenseKey, out var licenseKey)
            || (bound && options.Fingerprint is null))
        {
            return (null, bound);
        }

        var plaintext = new byte[ciphertext.Length];
        using var aes = new AesGcm(DeriveKey(licenseKey, bound ? options.Fingerprint : null), TagLength);
        try
        {
            aes.Decrypt(iv, ciphertext, tag, plaintext, Encoding.ASCII.GetBytes(parts[0]));
        }
        catch (AuthenticationTagMismatchException)
        {
            return (null, bound);
        }

        return (Encoding.ASCII.GetString(plaintext), bound);
    }

    /// <summary>HKDF-SHA256: IKM = license key (+ "\n" + fingerprint when bound), salt "licenz/license-file/v1", info "A256GCM", 32 bytes.</summary>
    internal static byte[] DeriveKey(string licenseKey, string? fingerprint)
    {
        var material = Encoding.UTF8.GetBytes(fingerprint is null ? licenseKey : licenseKey + "\n" + fingerprint);
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, material, 32, KdfSalt, KdfInfo);
    }

    private static string Armor(string token)
    {
        var text = new StringBuilder(token.Length + (token.Length / LineLength) + 80);
        text.Append(BeginLine).Append('\n');
        for (var i = 0; i < token.Length; i += LineLength)
        {
            text.Append(token.AsSpan(i, Math.Min(LineLength, token.Length - i))).Append('\n');
        }

        return text.Append(EndLine).Append('\n').ToString();
    }

    /// <summary>
    /// Exactly the armor <see cref="Issue(LicenseFileClaims, SigningKey, bool)"/> writes — full lines of 64 characters,
    /// LF or CRLF line ends throughout, final line end optional — so no byte can change without the file being refused.
    /// </summary>
    private static string? Unarmor(string? text)
    {
        if (text is null || text.Length > 1 << 20)
        {
            return null;
        }

        if (text.Contains('\r'))
        {
            // CRLF files (Windows): every line end must be CRLF, and no CR may stand anywhere else.
            var withoutCrlf = text.Replace("\r\n", "\n", StringComparison.Ordinal);
            if (withoutCrlf.Contains('\r') || text.AsSpan().Count('\n') != text.Length - withoutCrlf.Length)
            {
                return null;
            }

            text = withoutCrlf;
        }

        var lines = text.Split('\n');
        if (lines[^1].Length == 0)
        {
            lines = lines[..^1];
        }

        if (lines.Length < 3 || lines[0] != BeginLine || lines[^1] != EndLine)
        {
            return null;
        }

        var token = new StringBuilder();
        for (var i = 1; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var isLastBodyLine = i == lines.Length - 2;
            if (line.Length == 0 || line.Length > LineLength || (!isLastBodyLine && line.Length != LineLength))
            {
                return null;
            }

            foreach (var c in line)
            {
                if (c is not ((>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_' or '.'))
                {
                    return null;
                }
            }

            token.Append(line);
        }

        return token.ToString();
    }

    private static string? ReadJwsHeader(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object
               && String(root, "alg") == "EdDSA"
               && String(root, "typ") == JwsType
               && !root.TryGetProperty("crit", out _)
               && String(root, "kid") is { Length: > 0 } kid
            ? kid
            : null;
    }

    /// <summary>Returns whether the content key is bound to a fingerprint, or null when the header is not ours.</summary>
    private static bool? ReadJweHeader(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || String(root, "alg") != "dir" || String(root, "enc") != "A256GCM"
            || root.TryGetProperty("crit", out _) || root.TryGetProperty("zip", out _))
        {
            return null;
        }

        if (!root.TryGetProperty("licenz_bound", out var bound))
        {
            return false;
        }

        return bound.ValueKind == JsonValueKind.True ? true : null;
    }

    private static LicenseFileClaims? ReadClaims(byte[] json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || String(root, "iss") is not { } iss || String(root, "sub") is not { } sub || String(root, "jti") is not { } jti
            || Seconds(root, "iat") is not { } iat || Seconds(root, "exp") is not { } exp
            || !root.TryGetProperty("license", out var license) || license.ValueKind != JsonValueKind.Object
            || String(license, "id") is not { } id || String(license, "key") is not { } key
            || String(license, "product_id") is not { } productId || String(license, "type") is not { } type
            || String(license, "status") is not { } status
            || !license.TryGetProperty("entitlements", out var entitlements) || entitlements.ValueKind != JsonValueKind.Array
            || !license.TryGetProperty("metadata", out var metadata) || metadata.ValueKind != JsonValueKind.Object
            || sub != id)
        {
            return null;
        }

        DateTimeOffset? licenseExpiry = null;
        if (license.TryGetProperty("expires_at", out var expiresAt) && expiresAt.ValueKind != JsonValueKind.Null)
        {
            if (expiresAt.ValueKind != JsonValueKind.String
                || !DateTimeOffset.TryParse(expiresAt.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed))
            {
                return null;
            }

            licenseExpiry = parsed;
        }

        var granted = new List<string>();
        foreach (var entitlement in entitlements.EnumerateArray())
        {
            if (entitlement.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            granted.Add(entitlement.GetString()!);
        }

        string? fingerprint = null;
        if (license.TryGetProperty("fingerprint", out var fpr) && fpr.ValueKind != JsonValueKind.Null)
        {
            if (fpr.ValueKind != JsonValueKind.String)
            {
                return null;
            }

            fingerprint = fpr.GetString();
        }

        return new LicenseFileClaims(iss, sub, iat, exp, jti,
            new LicenseClaims(id, key, productId, type, status, licenseExpiry, granted, metadata.Clone(), fingerprint));
    }

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
        && seconds is >= 0 and <= 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
