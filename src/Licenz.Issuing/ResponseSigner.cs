using System.Buffers;
using System.Globalization;
using Licenz.Internal;

namespace Licenz;

/// <summary>The server's side of <see cref="ResponseSignature"/>: signs verification responses. Not part of the SDK that ships inside applications.</summary>
public static class ResponseSigner
{
    /// <summary>Signs a response; returns the <c>Signature-Input</c> and <c>Signature</c> header values.</summary>
    /// <param name="status">The response status code.</param>
    /// <param name="contentDigest">The <c>Content-Digest</c> header value (from <see cref="ResponseSignature.ContentDigest"/>).</param>
    /// <param name="date">The <c>Date</c> header value (from <see cref="ResponseSignature.HttpDate"/>).</param>
    /// <param name="nonce">The caller's nonce (printable ASCII), or null.</param>
    /// <param name="created">Signature creation time.</param>
    /// <param name="key">The signing key.</param>
    public static (string SignatureInput, string Signature) Sign(int status, string contentDigest, string date, string? nonce, DateTimeOffset created, SigningKey key)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(contentDigest);
        ArgumentNullException.ThrowIfNull(date);

        // Every verification answer is signed, so this makes the two header values and nothing else: the
        // Signature-Input value is "licenz=" and the signature parameters, which the signature base reuses.
        var createdSeconds = created.ToUnixTimeSeconds();
        var keyId = new SfString(key.KeyId);
        var signatureInput = nonce is null
            ? string.Create(CultureInfo.InvariantCulture, stackalloc char[256],
                $"{ResponseSignature.Label}=(\"@status\" \"content-digest\" \"date\");created={createdSeconds};keyid={keyId};alg=\"ed25519\"")
            : string.Create(CultureInfo.InvariantCulture, stackalloc char[256],
                $"{ResponseSignature.Label}=(\"@status\" \"content-digest\" \"date\");created={createdSeconds};keyid={keyId};alg=\"ed25519\";nonce={new SfString(nonce)}");
        var signatureParams = signatureInput.AsSpan(ResponseSignature.Label.Length + 1);
        var length = 64 + contentDigest.Length + date.Length + signatureParams.Length;
        var rented = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            var written = ResponseSignature.WriteSignatureBase(rented, status, contentDigest, date, signatureParams);
            Span<byte> signature = stackalloc byte[64];
            key.Sign(rented.AsSpan(0, written), signature);
            return (signatureInput, StructuredFields.ByteSequenceMember(ResponseSignature.Label, signature));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
