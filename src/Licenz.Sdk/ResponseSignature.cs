using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Licenz.Internal;

namespace Licenz;

/// <summary>
/// Signed verification responses: <c>Content-Digest</c> (RFC 9530, sha-256) and an Ed25519 HTTP Message
/// Signature (RFC 9421) labelled <c>licenz</c> over <c>@status</c>, <c>content-digest</c> and <c>date</c>, with the
/// caller's <c>nonce</c> as a signature parameter. The server signs (<c>ResponseSigner</c>); the SDK (or any RFC 9421 library) verifies
/// with nothing but the JWKS.
/// </summary>
public static class ResponseSignature
{
    /// <summary>The signature's label in <c>Signature-Input</c> and <c>Signature</c>.</summary>
    public const string Label = "licenz";

    private static readonly string[] Components = ["@status", "content-digest", "date"];

    /// <summary>The <c>Content-Digest</c> value of a body: <c>sha-256=:base64:</c>.</summary>
    public static string ContentDigest(ReadOnlySpan<byte> body)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(body, hash);
        return StructuredFields.ByteSequenceMember("sha-256", hash);
    }

    /// <summary>An HTTP-date (RFC 9110), as the <c>Date</c> header carries it.</summary>
    public static string HttpDate(DateTimeOffset time) => time.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);

    /// <summary>
    /// Checks a signed response: the digest against the body, the signature against <paramref name="keys"/>, and the
    /// nonce against the one the caller sent. Never throws on malformed input.
    /// </summary>
    public static ResponseSignatureResult Verify(
        int status, string? contentDigest, string? date, string? signatureInput, string? signature,
        ReadOnlySpan<byte> body, string? expectedNonce, PublicKeySet keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        if (contentDigest is null || date is null || signatureInput is null || signature is null)
        {
            return Fail(ResponseSignatureCodes.Unsigned, "The response carries no Content-Digest, Date, Signature-Input or Signature header.");
        }

        var inputs = StructuredFields.ParseDictionary(signatureInput);
        var signatures = StructuredFields.ParseDictionary(signature);
        var digests = StructuredFields.ParseDictionary(contentDigest);
        if (inputs is null || signatures is null || digests is null
            || !inputs.TryGetValue(Label, out var input) || input.Value is not List<SfItem> covered
            || !signatures.TryGetValue(Label, out var signed) || signed.Value is not byte[] signatureBytes
            || !digests.TryGetValue("sha-256", out var digest) || digest.Value is not byte[] digestBytes)
        {
            return Fail(ResponseSignatureCodes.Malformed, "The response's signature headers are not well-formed.");
        }

        var names = covered.Select(c => c.Value as string).ToList();
        if (!Components.All(names.Contains) || covered.Any(c => c.Parameters.Count > 0 || c.Value is not string))
        {
            return Fail(ResponseSignatureCodes.Malformed, "The signature does not cover @status, content-digest and date.");
        }

        if (!input.Parameters.TryGetValue("keyid", out var keyIdValue) || keyIdValue is not string keyId
            || (input.Parameters.TryGetValue("alg", out var alg) && alg is not "ed25519"))
        {
            return Fail(ResponseSignatureCodes.Malformed, "The signature names no Ed25519 key.");
        }

        if (!CryptographicOperations.FixedTimeEquals(digestBytes, SHA256.HashData(body)))
        {
            return Fail(ResponseSignatureCodes.DigestMismatch, "The response body does not match its Content-Digest: it was altered.");
        }

        if (!keys.Contains(keyId))
        {
            return Fail(ResponseSignatureCodes.UnknownKey, $"The response is signed by key '{keyId}', which is not among the trusted keys.");
        }

        // The @signature-params line is the member re-serialized canonically (RFC 9421 §2.3, RFC 8941 §4.1).
        var signatureBase = BuildBase(covered, status, contentDigest.Trim(), date.Trim(), StructuredFields.SerializeInnerList(input));
        if (signatureBase is null || signatureBytes.Length != 64 || !keys.Verify(keyId, Encoding.ASCII.GetBytes(signatureBase), signatureBytes))
        {
            return Fail(ResponseSignatureCodes.BadSignature, "The response's signature does not match: status, date or body were altered, or it was forged.");
        }

        var nonce = input.Parameters.TryGetValue("nonce", out var n) ? n as string : null;
        if (expectedNonce is not null && !string.Equals(nonce, expectedNonce, StringComparison.Ordinal))
        {
            return Fail(ResponseSignatureCodes.NonceMismatch, "The response answers another request (its nonce differs): it may be a replay.");
        }

        DateTimeOffset? signedDate = DateTimeOffset.TryParseExact(date.Trim(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed)
            ? parsed
            : null;
        return new ResponseSignatureResult(ResponseSignatureCodes.Valid, "The response is signed by a trusted key.", keyId, signedDate);
    }

    private static string? BuildBase(List<SfItem> covered, int status, string contentDigest, string date, string? signatureParams)
    {
        if (signatureParams is null)
        {
            return null;
        }

        var text = new StringBuilder();
        foreach (var component in covered.Select(c => (string)c.Value))
        {
            var value = component switch
            {
                "@status" => status.ToString(CultureInfo.InvariantCulture),
                "content-digest" => contentDigest,
                "date" => date,
                _ => null,
            };
            if (value is null)
            {
                return null;
            }

            text.Append('"').Append(component).Append("\": ").Append(value).Append('\n');
        }

        return text.Append("\"@signature-params\": ").Append(signatureParams).ToString();
    }

    internal static string SignatureBase(int status, string contentDigest, string date, string signatureParams)
    {
        var buffer = new byte[64 + contentDigest.Length + date.Length + signatureParams.Length];
        return Encoding.ASCII.GetString(buffer, 0, WriteSignatureBase(buffer, status, contentDigest, date, signatureParams));
    }

    /// <summary>The signature base (RFC 9421 §2.5) for the three covered components, as ASCII; returns its length.</summary>
    internal static int WriteSignatureBase(Span<byte> buffer, int status, string contentDigest, string date, ReadOnlySpan<char> signatureParams)
    {
        var at = 0;
        void Append(ReadOnlySpan<char> text, Span<byte> into) => at += Encoding.ASCII.GetBytes(text, into[at..]);

        Append("\"@status\": ", buffer);
        status.TryFormat(buffer[at..], out var digits, default, CultureInfo.InvariantCulture);
        at += digits;
        Append("\n\"content-digest\": ", buffer);
        Append(contentDigest, buffer);
        Append("\n\"date\": ", buffer);
        Append(date, buffer);
        Append("\n\"@signature-params\": ", buffer);
        Append(signatureParams, buffer);
        return at;
    }

    private static ResponseSignatureResult Fail(string code, string message) => new(code, message, null, null);
}

/// <summary>The outcome of checking a signed response.</summary>
/// <param name="Code">One of <see cref="ResponseSignatureCodes"/>.</param>
/// <param name="Message">The code, in words.</param>
/// <param name="KeyId">The key that signed it, when valid.</param>
/// <param name="SignedDate">The signed <c>Date</c>, when valid: a time the application may trust.</param>
public sealed record ResponseSignatureResult(string Code, string Message, string? KeyId, DateTimeOffset? SignedDate)
{
    /// <summary>True only for <see cref="ResponseSignatureCodes.Valid"/>.</summary>
    public bool IsValid => Code == ResponseSignatureCodes.Valid;
}

/// <summary>The codes of <see cref="ResponseSignature.Verify"/>.</summary>
public static class ResponseSignatureCodes
{
    /// <summary>Signed by a trusted key; digest and nonce match.</summary>
    public const string Valid = "VALID";

    /// <summary>The response is not signed.</summary>
    public const string Unsigned = "UNSIGNED";

    /// <summary>The signature headers cannot be read.</summary>
    public const string Malformed = "MALFORMED";

    /// <summary>The body does not match its digest.</summary>
    public const string DigestMismatch = "DIGEST_MISMATCH";

    /// <summary>Signed by a key that is not trusted.</summary>
    public const string UnknownKey = "UNKNOWN_KEY";

    /// <summary>The signature does not verify.</summary>
    public const string BadSignature = "BAD_SIGNATURE";

    /// <summary>The signed nonce is not the caller's: a replayed response.</summary>
    public const string NonceMismatch = "NONCE_MISMATCH";
}
