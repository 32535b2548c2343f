using System.Buffers;
using System.Buffers.Text;
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

    internal const int LineLength = 64;
    private const int MaxFileLength = 1 << 20;
    internal const int IvLength = 12;
    internal const int TagLength = 16;
    private static readonly byte[] KdfSalt = "licenz/license-file/v1"u8.ToArray();
    private static readonly byte[] KdfInfo = "A256GCM"u8.ToArray();

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
        if (text is null || string.IsNullOrWhiteSpace(text))
        {
            return NoLicenseFile;
        }

        if (text.Length > MaxFileLength)
        {
            return NotALicenseFile;
        }

        // The encoded token, its decrypted JWS (encrypted files) and the decoded parts live in pooled buffers:
        // verifying a file allocates little beyond the claims it returns.
        var token = ArrayPool<byte>.Shared.Rent(text.Length);
        byte[]? opened = null;
        try
        {
            if (!TryUnarmor(text, token, out var tokenLength))
            {
                return NotALicenseFile;
            }

            var jws = token.AsSpan(0, tokenLength);
            if (Compat.Count(jws, (byte)'.') == 4)
            {
                opened = ArrayPool<byte>.Shared.Rent(2 * tokenLength);
                var (length, failure) = Decrypt(jws, opened, options);
                if (failure is not null)
                {
                    return failure;
                }

                jws = opened.AsSpan(0, length);
            }

            return VerifyJws(jws, keys, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(token);
            if (opened is not null)
            {
                ArrayPool<byte>.Shared.Return(opened, clearArray: true);
            }
        }
    }

    private static LicenseFileResult VerifyJws(ReadOnlySpan<byte> jws, PublicKeySet keys, LicenseFileOptions options)
    {
        var firstDot = jws.IndexOf((byte)'.');
        var lastDot = jws.LastIndexOf((byte)'.');
        if (firstDot < 0 || Compat.Count(jws, (byte)'.') != 2)
        {
            return NotASignedLicense;
        }

        var decoded = ArrayPool<byte>.Shared.Rent(jws.Length);
        try
        {
            var header = decoded.AsSpan();
            if (!Base64UrlStrict.TryDecode(jws[..firstDot], header, out var headerLength)
                || !Base64UrlStrict.TryDecode(jws[(firstDot + 1)..lastDot], decoded.AsSpan(headerLength), out var payloadLength)
                || !Base64UrlStrict.TryDecode(jws[(lastDot + 1)..], decoded.AsSpan(headerLength + payloadLength), out var signatureLength)
                || ReadJwsHeader(decoded.AsMemory(0, headerLength), JwsType) is not { } kid)
            {
                return NotASignedLicense;
            }

            if (!keys.Contains(kid))
            {
                return Fail(LicenseFileCodes.UnknownKey, $"The license file is signed by key '{kid}', which is not among the trusted keys.");
            }

            var signature = decoded.AsSpan(headerLength + payloadLength, signatureLength);
            if (signature.Length != 64 || !keys.Verify(kid, jws[..lastDot], signature))
            {
                return Fail(LicenseFileCodes.BadSignature, "The license file's signature does not match: it was altered or not issued by this server.");
            }

            if (ReadClaims(decoded.AsMemory(headerLength, payloadLength)) is not { } claims)
            {
                return Fail(LicenseFileCodes.Malformed, "The license file's claims are incomplete.");
            }

            return Check(claims, keys, options);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(decoded);
        }
    }

    private static LicenseFileResult Check(LicenseFileClaims claims, PublicKeySet keys, LicenseFileOptions options)
    {
        // The issuer's revocation list kept here, and whether a newer one exists (this file, or another, says so).
        var revocations = KeptRevocations.Read(options.TrustedClock, claims.Issuer, keys);
        var seen = options.TrustedClock.ReadRevocationVersion(claims.Issuer);
        if (claims.RevocationVersion > seen)
        {
            options.TrustedClock.AdvanceRevocationVersion(claims.Issuer, claims.RevocationVersion);
            seen = claims.RevocationVersion;
        }

        var listVersion = revocations?.Version ?? 0;
        LicenseFileResult Result(string code, string message) => new(code, message, claims)
        {
            RevocationListVersion = listVersion,
            RevocationListOutdated = seen > listVersion,
        };

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

        var license = claims.License;
        var matchedByComponents = false;
        if (license.Fingerprint is { } bound && !string.Equals(bound, options.Fingerprint, StringComparison.Ordinal))
        {
            // A reinstall or a new disk changes the fingerprint; under most_components the machine is still known by the rest.
            if (license.FingerprintMatching == FingerprintMatchingNames.MostComponents && license.Components is { } known
                && options.Components is { } presented && MachineComponents.MostMatch(known, presented))
            {
                matchedByComponents = true;
            }
            else if (options.Fingerprint is null && options.Components is null)
            {
                return Result(LicenseFileCodes.FingerprintRequired,
                    "The license file is bound to a machine: pass this machine's fingerprint (LicenseFileOptions.Fingerprint, MachineFingerprint.Get).");
            }
            else
            {
                return Result(LicenseFileCodes.FingerprintMismatch, license.FingerprintMatching == FingerprintMatchingNames.MostComponents
                    ? "The license file is bound to another machine: neither its fingerprint nor most of its components match this one."
                    : "The license file is bound to another machine.");
            }
        }

        switch (license.Status)
        {
            case "revoked":
                return Result(LicenseFileCodes.Revoked, "The license was revoked.");
            case "suspended":
                return Result(LicenseFileCodes.Suspended, "The license is suspended.");
        }

        if (revocations?.Refusal(claims) is { } refused)
        {
            return Result(refused.Code, refused.Message);
        }

        DateTimeOffset? graceEndsAt = null;
        if (license.ExpiresAt is { } licenseExpiry && now >= licenseExpiry)
        {
            var grace = license.GracePeriod ?? TimeSpan.Zero;
            if (now >= licenseExpiry + grace)
            {
                return Result(LicenseFileCodes.Expired, grace > TimeSpan.Zero
                    ? $"The license expired at {licenseExpiry:u}, and its grace period ended at {licenseExpiry + grace:u}."
                    : $"The license expired at {licenseExpiry:u}.");
            }

            graceEndsAt = licenseExpiry + grace;
        }

        if (options.RequiredEntitlements is { Count: > 0 } required
            && required.Where(code => !license.HasEntitlement(code)).ToList() is { Count: > 0 } missing)
        {
            return Result(LicenseFileCodes.EntitlementsMissing,
                $"The license lacks the entitlement{(missing.Count == 1 ? "" : "s")} {string.Join(", ", missing)}.");
        }

        return new LicenseFileResult(LicenseFileCodes.Valid, graceEndsAt is { } ends
                ? $"The license file is valid: the license expired at {license.ExpiresAt:u} and is in its grace period until {ends:u}."
                : "The license file is valid.", claims)
        {
            RevocationListVersion = listVersion,
            RevocationListOutdated = seen > listVersion,
            InGrace = graceEndsAt is not null,
            GraceEndsAt = graceEndsAt,
            MatchedByComponents = matchedByComponents,
        };
    }

    private static readonly LicenseFileResult BoundElsewhere = Fail(LicenseFileCodes.FingerprintMismatch,
        "The encrypted license file is bound to another machine.");

    private static readonly LicenseFileResult NoLicenseFile = Fail(LicenseFileCodes.NoLicenseFile,
        "There is no license file: none was saved yet (the application activates once online, or installs one brought by hand).");

    private static readonly LicenseFileResult NotALicenseFile = Fail(LicenseFileCodes.Malformed,
        $"Not a license file: expected the lines {BeginLine} … {EndLine} around the encoded license.");

    private static readonly LicenseFileResult NotASignedLicense =
        Fail(LicenseFileCodes.Malformed, "The license file is not a signed Licenz license (JWS, EdDSA).");

    private static readonly LicenseFileResult KeyRequired = Fail(LicenseFileCodes.LicenseKeyRequired,
        "The license file is encrypted for its license key: pass the key the customer entered (LicenseFileOptions.LicenseKey).");

    private static readonly LicenseFileResult KeyNotWellFormed = Fail(LicenseFileCodes.LicenseKeyRequired,
        "The license file is encrypted for its license key, and the key given is not one (LIC-XXXXX-XXXXX-XXXXX): check it for typos.");

    private static readonly LicenseFileResult FingerprintRequired = Fail(LicenseFileCodes.FingerprintRequired,
        "The license file is encrypted for one machine: pass this machine's fingerprint (LicenseFileOptions.Fingerprint, MachineFingerprint.Get).");

    private static readonly LicenseFileResult Damaged = Fail(LicenseFileCodes.Malformed,
        "The encrypted license file is damaged: it was made for this license key (and machine), but its contents were changed since. Check it out again.");

    private static readonly LicenseFileResult AnotherKeys =
        Fail(LicenseFileCodes.DecryptionFailed, "The encrypted license file is another license key's: it cannot be opened with this one.");

    private static readonly LicenseFileResult DecryptionFailure =
        Fail(LicenseFileCodes.DecryptionFailed, "The encrypted license file could not be opened with this license key: it is another license's, or damaged.");

    private static readonly LicenseFileResult NotAJwe =
        Fail(LicenseFileCodes.Malformed, "The encrypted license file is not a well-formed Licenz JWE (five parts: header, no key, IV, ciphertext, tag).");

    private static LicenseFileResult Fail(string code, string message) => new(code, message, null);

    /// <summary>
    /// Opens the JWE into <paramref name="output"/>; answers the JWS length, or why it cannot be opened: no license key
    /// (or, for a file bound to a machine, no fingerprint) to derive its key from, or the derived key does not open it.
    /// </summary>
    private static (int Length, LicenseFileResult? Failure) Decrypt(ReadOnlySpan<byte> jwe, byte[] output, LicenseFileOptions options)
    {
        Span<Range> parts = stackalloc Range[5];
        var count = 0;
        foreach (var part in jwe.Split((byte)'.'))
        {
            if (count == parts.Length)
            {
                return (-1, NotAJwe);
            }

            parts[count++] = part;
        }

        if (count != parts.Length || !jwe[parts[1]].IsEmpty)
        {
            return (-1, NotAJwe);
        }

        // IV and tag are tiny; the header and ciphertext are decoded into the output buffer's space, the ciphertext
        // past the end the plaintext will need (decoded base64 is always shorter than its text).
        Span<byte> iv = stackalloc byte[16];
        Span<byte> tag = stackalloc byte[24];
        var encodedHeader = jwe[parts[0]];
        if (!Base64UrlStrict.TryDecode(jwe[parts[2]], iv, out var ivLength) || ivLength != IvLength
            || !Base64UrlStrict.TryDecode(jwe[parts[4]], tag, out var tagLength) || tagLength != TagLength
            || !Base64UrlStrict.TryDecode(encodedHeader, output, out var headerLength)
            || ReadJweHeader(output.AsMemory(0, headerLength)) is not { } facts)
        {
            return (-1, NotAJwe);
        }

        var encodedCiphertext = jwe[parts[3]];
        var ciphertextLength = Base64Url.GetMaxDecodedLength(encodedCiphertext.Length);
        var plaintext = output.AsSpan();
        if (plaintext.Length < 2 * ciphertextLength)
        {
            return (-1, NotAJwe);
        }

        var ciphertext = plaintext.Slice(ciphertextLength, ciphertextLength);
        if (!Base64UrlStrict.TryDecode(encodedCiphertext, ciphertext, out ciphertextLength))
        {
            return (-1, NotAJwe);
        }

        if (options.ContentKey(facts.Bound) is not { } contentKey)
        {
            return (-1, options.LicenseKey is null ? KeyRequired : !LicenseKey.TryNormalize(options.LicenseKey, out _) ? KeyNotWellFormed : FingerprintRequired);
        }

        return Crypto.TryAesGcmDecrypt(contentKey, iv[..IvLength], ciphertext[..ciphertextLength], tag[..TagLength], encodedHeader, plaintext[..ciphertextLength])
            ? (ciphertextLength, null)
            : (-1, WhyNotOpened(facts, contentKey, options));
    }

    /// <summary>
    /// Why the key did not open the file, by the header's check values: another license key's file; a bound file of
    /// another machine; or, when both keys are the file's own, a damaged file. Without check values (files issued before
    /// them) a bound file reads as another machine's.
    /// </summary>
    private static LicenseFileResult WhyNotOpened(JweFacts facts, byte[] contentKey, LicenseFileOptions options)
    {
        if (facts.KeyCheck is { } keyCheck && options.ContentKey(bound: false) is { } licenseKeyKey)
        {
            if (!string.Equals(KeyCheck(licenseKeyKey), keyCheck, StringComparison.Ordinal))
            {
                return AnotherKeys;
            }

            if (!facts.Bound)
            {
                return Damaged;
            }

            if (facts.MachineCheck is { } machineCheck)
            {
                return string.Equals(KeyCheck(contentKey), machineCheck, StringComparison.Ordinal) ? Damaged : BoundElsewhere;
            }
        }

        // Bound files are keyed to the machine too: on another machine they cannot be opened at all.
        return facts.Bound ? BoundElsewhere : DecryptionFailure;
    }

    /// <summary>
    /// A check value of a content key, written in an encrypted file's header (<c>licenz_key_check</c> of the license key's
    /// key, <c>licenz_machine_check</c> of a bound file's): BASE64URL of the first 8 bytes of HMAC-SHA256(key,
    /// "licenz/license-file/key-check"). It tells nothing the AES-GCM tag does not already tell someone who tries a key.
    /// </summary>
    internal static string KeyCheck(byte[] contentKey) =>
        Base64UrlStrict.Encode(Crypto.HmacSha256(contentKey, KeyCheckLabel).AsSpan(0, 8));

    private static readonly byte[] KeyCheckLabel = Encoding.ASCII.GetBytes("licenz/license-file/key-check");

    /// <summary>HKDF-SHA256: IKM = license key (+ "\n" + fingerprint when bound), salt "licenz/license-file/v1", info "A256GCM", 32 bytes.</summary>
    internal static byte[] DeriveKey(string licenseKey, string? fingerprint)
    {
        var material = Encoding.UTF8.GetBytes(fingerprint is null ? licenseKey : licenseKey + "\n" + fingerprint);
        return Crypto.HkdfSha256(material, 32, KdfSalt, KdfInfo);
    }

    /// <summary>
    /// Reads the armor the server writes (<c>LicenseFileIssuer.Issue</c>) — the BEGIN line, lines of 64
    /// characters (the last one 1 to 64), the END line — as a file is saved the ordinary ways: LF or CRLF, spaces or tabs
    /// around a line (pasted from an email, indented), blank lines before, between and after (a trailing newline, as
    /// <c>jq -r</c> writes). Nothing else: no other line, no other character, so that no changed character other than
    /// that whitespace leaves a file valid. The encoded token goes to <paramref name="token"/> as ASCII.
    /// </summary>
    private static bool TryUnarmor(ReadOnlySpan<char> text, Span<byte> token, out int length)
    {
        length = 0;
        var stage = ArmorStage.Before;
        var lastWasShort = false;
        while (!text.IsEmpty)
        {
            var end = text.IndexOf('\n');
            var line = (end < 0 ? text : text.Slice(0, end)).Trim(LineWhitespace.AsSpan());
            text = end < 0 ? default : text.Slice(end + 1);
            if (line.IsEmpty)
            {
                continue;
            }

            switch (stage)
            {
                case ArmorStage.Before when line.SequenceEqual(BeginLine.AsSpan()):
                    stage = ArmorStage.Body;
                    break;
                case ArmorStage.Body when line.SequenceEqual(EndLine.AsSpan()):
                    if (length == 0)
                    {
                        return false;
                    }

                    stage = ArmorStage.After;
                    break;
                case ArmorStage.Body when !lastWasShort && line.Length <= LineLength:
                    if (!Base64UrlStrict.TryCopyToken(line, token[length..]))
                    {
                        return false;
                    }

                    length += line.Length;
                    lastWasShort = line.Length < LineLength;
                    break;
                default:
                    return false;
            }
        }

        return stage == ArmorStage.After;
    }

    private enum ArmorStage
    {
        Before,
        Body,
        After,
    }

    // Around a line of the armor; a vertical tab, a form feed or any other character is not.
    private const string LineWhitespace = " \t\r";

    /// <summary>The <c>kid</c> of a JWS header of type <paramref name="type"/> (EdDSA, no <c>crit</c>), or null when the header is not one.</summary>
    internal static string? ReadJwsHeader(ReadOnlyMemory<byte> json, string type)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        return root.ValueKind == JsonValueKind.Object
               && String(root, "alg") == "EdDSA"
               && String(root, "typ") == type
               && !root.TryGetProperty("crit", out _)
               && String(root, "kid") is { Length: > 0 } kid
            ? kid
            : null;
    }

    /// <summary>Returns whether the content key is bound to a fingerprint, or null when the header is not ours.</summary>
    /// <summary>The JWE header's: whether the file is bound to a machine, and its key check values (absent in files issued before them).</summary>
    private sealed record JweFacts(bool Bound, string? KeyCheck, string? MachineCheck);

    private static JweFacts? ReadJweHeader(ReadOnlyMemory<byte> json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || String(root, "alg") != "dir" || String(root, "enc") != "A256GCM"
            || root.TryGetProperty("crit", out _) || root.TryGetProperty("zip", out _))
        {
            return null;
        }

        var bound = false;
        if (root.TryGetProperty("licenz_bound", out var flag))
        {
            if (flag.ValueKind != JsonValueKind.True)
            {
                return null;
            }

            bound = true;
        }

        return new JweFacts(bound, String(root, "licenz_key_check"), String(root, "licenz_machine_check"));
    }

    private static LicenseFileClaims? ReadClaims(ReadOnlyMemory<byte> json)
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

        if (!OptionalString(license, "fingerprint", out var fingerprint) || !OptionalString(license, "fingerprint_matching", out var matching)
            || !OptionalSeconds(license, "grace_period", out var grace) || !OptionalSeconds(license, "check_in_interval", out var checkIn))
        {
            return null;
        }

        // Files issued before revocation lists do not carry a version: none is known to be behind.
        long revocationVersion = 0;
        if (root.TryGetProperty("revocation_version", out var version)
            && (version.ValueKind != JsonValueKind.Number || !version.TryGetInt64(out revocationVersion) || revocationVersion < 0))
        {
            return null;
        }

        string? machineId = null;
        Dictionary<string, string>? components = null;
        if (license.TryGetProperty("machine", out var machine) && machine.ValueKind != JsonValueKind.Null)
        {
            if (machine.ValueKind != JsonValueKind.Object || String(machine, "id") is not { } boundMachine)
            {
                return null;
            }

            machineId = boundMachine;
            if (machine.TryGetProperty("components", out var parts) && parts.ValueKind != JsonValueKind.Null)
            {
                if (parts.ValueKind != JsonValueKind.Object)
                {
                    return null;
                }

                components = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var part in parts.EnumerateObject())
                {
                    if (part.Value.ValueKind != JsonValueKind.String)
                    {
                        return null;
                    }

                    components[part.Name] = part.Value.GetString()!;
                }
            }
        }

        return new LicenseFileClaims(iss, sub, iat, exp, jti,
            new LicenseClaims(id, key, productId, type, status, licenseExpiry, granted, metadata.Clone(), fingerprint)
            {
                MachineId = machineId,
                Components = components,
                FingerprintMatching = matching,
                GracePeriod = grace,
                CheckInInterval = checkIn,
            })
        {
            RevocationVersion = revocationVersion,
        };
    }

    /// <summary>A string member that may be absent or null; false when it is there as something else.</summary>
    private static bool OptionalString(JsonElement element, string name, out string? value)
    {
        value = null;
        if (!element.TryGetProperty(name, out var member) || member.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        value = member.ValueKind == JsonValueKind.String ? member.GetString() : null;
        return value is not null;
    }

    /// <summary>A number of seconds (0 to 100 years) that may be absent or null; false when it is there as something else.</summary>
    private static bool OptionalSeconds(JsonElement element, string name, out TimeSpan? value)
    {
        value = null;
        if (!element.TryGetProperty(name, out var member) || member.ValueKind == JsonValueKind.Null)
        {
            return true;
        }

        if (member.ValueKind != JsonValueKind.Number || !member.TryGetInt64(out var seconds) || seconds is < 0 or > MaxSeconds)
        {
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>100 years of 365.25 days: the longest a policy's durations may be.</summary>
    private const long MaxSeconds = 3_155_760_000;

    private static string? String(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static DateTimeOffset? Seconds(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var seconds)
        && seconds is >= 0 and <= 253402300799
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : null;
}
