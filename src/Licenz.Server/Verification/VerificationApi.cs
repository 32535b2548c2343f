using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Metrics;
using Licenz.Server.RateLimiting;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Licenz.Server.Verification;

public static class VerificationApi
{
    public static RouteHandlerBuilder MapVerification(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/licenses/verify", VerifyAsync)
            .RequireScope(ApiKeyScope.Verify)
            .WithLicenseKeyShare(LicenseKeyLocation.InBody("key"))
            .WithSignedResponse()
            .WithTags("Verification")
            .WithName("VerifyLicense")
            .WithSummary("Verify a license key. Open to every key type; answers 200 whether the license is valid or not.");

    private static async Task<Ok<DataEnvelope<VerifyResult>>> VerifyAsync(
        HttpContext context, VerifyRequest request, LicenseLookup licenses, TimeProvider time,
        ActivityRecorder activity, LicenzMetrics metrics, CancellationToken cancellationToken)
    {
        var presented = request.Key.Trim();
        var productId = request.ProductId?.Trim();
        var nonce = request.Nonce;
        context.SetResponseNonce(nonce);
        var now = time.GetUtcNow().UtcDateTime;
        var accountId = context.Caller().AccountId;

        var license = LicenseKey.TryNormalize(presented, out var key) ? await licenses.FindByKeyAsync(key, cancellationToken) : null;

        // A key of another account is indistinguishable from a key that does not exist.
        if (license is null || license.AccountId != accountId)
        {
            metrics.Verified(VerificationResultCodes.NotFound);
            return Answer(VerificationResultCodes.NotFound, "No license with this key.", nonce, now, accountId, null);
        }

        var licenseId = license.Id;
        if (license.PackedId is { } packed)
        {
            activity.LicenseValidated(packed, now);
        }
        else
        {
            activity.LicenseValidated(licenseId, now);
        }

        var status = LicenseEnums.Effective(license.Status, license.ExpiresAt, now);
        var (code, detail) = (productId, status) switch
        {
            ({ } p, _) when p != license.ProductId => (VerificationResultCodes.ProductScopeMismatch, $"The license is for another product than {p}."),
            (_, LicenseStatus.Revoked) => (VerificationResultCodes.Revoked, "The license has been revoked."),
            (_, LicenseStatus.Suspended) => (VerificationResultCodes.Suspended, "The license is suspended."),
            (_, LicenseStatus.Expired) => (VerificationResultCodes.Expired, "The license has expired."),
            _ => (VerificationResultCodes.Valid, "The license is valid."),
        };

        metrics.Verified(code);
        // The key is the one presented, in its canonical form: the license was found by its keyed hash, and no row or
        // cache entry holds a key to answer with.
        var verified = new VerifiedLicense(
            licenseId, key!, license.ProductId, license.Type, status, license.ExpiresAt, license.Metadata, license.CreatedAt);
        return Answer(code, detail, nonce, now, accountId, verified);
    }

    private static Ok<DataEnvelope<VerifyResult>> Answer(string code, string detail, string? nonce, DateTime now, string accountId, VerifiedLicense? license) =>
        TypedResults.Ok(new DataEnvelope<VerifyResult>(new VerifyResult(code == VerificationResultCodes.Valid, code, detail, nonce, now, accountId, license)));
}
