using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Licenz.Internal;

namespace Licenz;

/// <summary>
/// A signed verification answer exactly as the server sent it — status, the signed headers and the body — so it
/// can be stored and checked again later, offline, with nothing but the public keys.
/// </summary>
/// <param name="Status">The HTTP status.</param>
/// <param name="ContentDigest">The <c>Content-Digest</c> header.</param>
/// <param name="Date">The <c>Date</c> header.</param>
/// <param name="SignatureInput">The <c>Signature-Input</c> header.</param>
/// <param name="Signature">The <c>Signature</c> header.</param>
/// <param name="Body">The body bytes.</param>
/// <param name="Nonce">The nonce the request carried.</param>
public sealed record SignedResponse(int Status, string ContentDigest, string Date, string SignatureInput, string Signature, byte[] Body, string Nonce)
{
    /// <summary>Checks the signature, the digest and the nonce again.</summary>
    public ResponseSignatureResult Verify(PublicKeySet keys) =>
        ResponseSignature.Verify(Status, ContentDigest, Date, SignatureInput, Signature, Body, Nonce, keys);

    /// <summary>A JSON document for storage (the body base64-encoded). Storing it needs no secrecy: it is signed.</summary>
    public string ToJson() => JsonSerializer.Serialize(
        new SignedResponseDocument(Status, ContentDigest, Date, SignatureInput, Signature, Convert.ToBase64String(Body), Nonce),
        SdkJson.Default.SignedResponseDocument);

    /// <summary>Reads what <see cref="ToJson"/> wrote; false for anything else (never throws).</summary>
    public static bool TryFromJson(string? json, [NotNullWhen(true)] out SignedResponse? response)
    {
        response = null;
        try
        {
            var document = JsonSerializer.Deserialize(json ?? "", SdkJson.Default.SignedResponseDocument);
            if (document is { ContentDigest: { } digest, Date: { } date, SignatureInput: { } input, Signature: { } signature, Body: { } body, Nonce: { } nonce })
            {
                response = new SignedResponse(document.Status, digest, date, input, signature, Convert.FromBase64String(body), nonce);
            }
        }
        catch (Exception exception) when (exception is JsonException or FormatException or NotSupportedException)
        {
        }

        return response is not null;
    }
}
