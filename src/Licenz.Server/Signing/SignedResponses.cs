using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.EntityFrameworkCore;
using Microsoft.IO;
using Microsoft.Net.Http.Headers;

namespace Licenz.Server.Signing;

/// <summary>Endpoint metadata: every answer of the endpoint is signed (see <see cref="SignedResponseMiddleware"/>).</summary>
public sealed class SignedResponseMetadata
{
    public static readonly SignedResponseMetadata Instance = new();

    private SignedResponseMetadata()
    {
    }
}

/// <summary>
/// The caller's nonce, handed from the endpoint to the signer as a request feature: the signature carries it,
/// so an answer cannot be replayed to a caller that asked with another nonce.
/// </summary>
public sealed record ResponseNonce(string? Value);

public static class SignedResponseExtensions
{
    /// <summary>
    /// Signs every answer of the endpoint — valid, invalid or refused (401, 429, 400 included) — with the caller's
    /// account's current key: <c>Content-Digest</c> (RFC 9530) and an Ed25519 HTTP Message Signature (RFC 9421).
    /// </summary>
    public static TBuilder WithSignedResponse<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(SignedResponseMetadata.Instance);

    /// <summary>Gives the signer of this request's answer the caller's nonce.</summary>
    public static void SetResponseNonce(this HttpContext context, string? nonce) => context.Features.Set(new ResponseNonce(nonce));
}

/// <summary>
/// Signs the answers of endpoints declared <see cref="SignedResponseExtensions.WithSignedResponse{TBuilder}"/>, so that
/// nothing between the server and the application can forge "valid" or replay an old answer: the body is buffered,
/// digested, and signed over the status, the digest and the <c>Date</c>, with the nonce from <see cref="ResponseNonce"/>.
/// The key is the caller's account's (the default account's when the caller is not authenticated). Runs after routing
/// and outside the error envelope, so refusals are signed too.
/// </summary>
public sealed class SignedResponseMiddleware(RequestDelegate next, SigningKeyRing ring, TimeProvider time)
{
    // The body must be digested before the headers go out: buffered in pooled blocks, not a new array per answer.
    private static readonly RecyclableMemoryStreamManager Buffers = new();
    private string? _defaultAccountId;

    public Task InvokeAsync(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<SignedResponseMetadata>() is null ? next(context) : SignAsync(context);

    private async Task SignAsync(HttpContext context)
    {
        var original = context.Features.GetRequiredFeature<IHttpResponseBodyFeature>();
        await using var buffer = Buffers.GetStream("licenz-signed-response");
        context.Features.Set<IHttpResponseBodyFeature>(new BufferedResponseBody(buffer));
        try
        {
            await next(context);
        }
        finally
        {
            context.Features.Set(original);
        }

        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        var accountId = context.Features.Get<ApiCaller>()?.AccountId ?? await DefaultAccountAsync(context);
        if (accountId is not null)
        {
            var key = await ring.CurrentAsync(accountId, context.RequestAborted);
            var now = time.GetUtcNow();
            var date = ResponseSignature.HttpDate(now);
            var digest = ResponseSignature.ContentDigest(body.Span);
            var nonce = context.Features.Get<ResponseNonce>()?.Value;
            var (signatureInput, signature) = ResponseSigner.Sign(context.Response.StatusCode, digest, date, nonce, now, key);
            var headers = context.Response.Headers;
            headers[HeaderNames.Date] = date;
            headers["Content-Digest"] = digest;
            headers["Signature-Input"] = signatureInput;
            headers["Signature"] = signature;
        }

        context.Response.ContentLength = body.Length;
        await original.Writer.WriteAsync(body, context.RequestAborted);
    }

    private async ValueTask<string?> DefaultAccountAsync(HttpContext context)
    {
        if (_defaultAccountId is null)
        {
            var db = context.RequestServices.GetRequiredService<LicenzDbContext>();
            _defaultAccountId = await db.Accounts.AsNoTracking().Where(a => a.IsDefault).Select(a => a.Id).FirstOrDefaultAsync(context.RequestAborted);
        }

        return _defaultAccountId;
    }
}
