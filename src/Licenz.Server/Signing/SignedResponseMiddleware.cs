using Licenz.Server.Api;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.IO;
using Microsoft.Net.Http.Headers;

namespace Licenz.Server.Signing;

/// <summary>
/// Signs every response of <c>POST /licenses/verify</c> — valid, invalid or refused — so that nothing between
/// the server and the application can forge "valid" or replay an old answer: <c>Content-Digest</c> (RFC 9530)
/// over the body, and an Ed25519 HTTP Message Signature (RFC 9421) over the status, the digest and the
/// <c>Date</c>, carrying the caller's nonce. The key is the caller's account's (the default account's when the
/// caller is not authenticated).
/// </summary>
public sealed class SignedResponseMiddleware(RequestDelegate next, SigningKeyRing ring, TimeProvider time)
{
    /// <summary>Where the verify endpoint leaves the caller's nonce for the signature.</summary>
    public const string NonceItem = "licenz.nonce";

    private static readonly PathString VerifyPath = new(ApiRoutes.Base + "/licenses/verify");
    private static readonly PathString ShortVerifyPath = new(ApiRoutes.ShortBase + "/licenses/verify");

    // The body is buffered (it must be digested before the headers go out) in pooled blocks, not a new array per answer.
    private static readonly RecyclableMemoryStreamManager Buffers = new();
    private string? _defaultAccountId;

    /// <summary>The Date value, formatted once per second rather than per answer.</summary>
    private readonly HeaderText _date = new(static second => ResponseSignature.HttpDate(DateTimeOffset.FromUnixTimeSeconds(second)));

    public async Task InvokeAsync(HttpContext context)
    {
        var path = context.Request.Path;
        if (!HttpMethods.IsPost(context.Request.Method)
            || !(path.Equals(VerifyPath, StringComparison.OrdinalIgnoreCase) || path.Equals(ShortVerifyPath, StringComparison.OrdinalIgnoreCase)))
        {
            await next(context);
            return;
        }

        var original = context.Response.Body;
        await using var buffer = Buffers.GetStream("licenz-verify");
        context.Response.Body = buffer;
        try
        {
            await next(context);
        }
        finally
        {
            context.Response.Body = original;
        }

        var body = buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
        var accountId = context.Features.Get<ApiCaller>()?.AccountId ?? await DefaultAccountAsync(context);
        if (accountId is not null)
        {
            var key = await ring.CurrentAsync(accountId, context.RequestAborted);
            var now = time.GetUtcNow();
            var date = _date.For(now.ToUnixTimeSeconds());
            var digest = ResponseSignature.ContentDigest(body.Span);
            var nonce = context.Items[NonceItem] as string;
            var (signatureInput, signature) = ResponseSignature.Sign(context.Response.StatusCode, digest, date, nonce, now, key);
            var headers = context.Response.Headers;
            headers[HeaderNames.Date] = date;
            headers["Content-Digest"] = digest;
            headers["Signature-Input"] = signatureInput;
            headers["Signature"] = signature;
        }

        context.Response.ContentLength = body.Length;
        await original.WriteAsync(body, context.RequestAborted);
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
