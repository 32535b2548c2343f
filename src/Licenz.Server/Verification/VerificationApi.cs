using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Metrics;
using Licenz.Server.RateLimiting;
using Licenz.Server.Revocations;
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
        HttpContext context, VerifyRequest request, LicenseLookup licenses, LiveLicenseState live, TimeProvider time,
        ActivityRecorder activity, LicenzMetrics metrics, RevocationLists revocations, CancellationToken cancellationToken)
    {
        var presented = request.Key.Trim();
        var nonce = request.Nonce;
        context.SetResponseNonce(nonce);
        var now = time.GetUtcNow().UtcDateTime;
        var accountId = context.Caller().AccountId;
        var revocationVersion = await revocations.VersionAsync(accountId, cancellationToken);

        var license = LicenseKey.TryNormalize(presented, out var key) ? await licenses.FindByKeyAsync(key, cancellationToken) : null;

        // A key of another account is indistinguishable from a key that does not exist.
        if (license is null || license.AccountId != accountId)
        {
            metrics.Verified(VerificationResultCodes.NotFound);
            return Answer(LicenseValidator.NotFound, nonce, now, accountId, null, null, revocationVersion);
        }

        // A verification of one of the account's licenses counts (a key that is none records nothing, here as below).
        var licenseId = license.Id;
        activity.Count(accountId, DailyCount.Verification, now);
        if (license.PackedId is { } packed)
        {
            activity.LicenseValidated(packed, now);
        }
        else
        {
            activity.LicenseValidated(licenseId, now);
        }

        var policy = license.PolicyId is { } policyId ? await licenses.FindPolicyAsync(policyId, cancellationToken) : null;
        var scope = request is { ProductId: null, Fingerprint: null, Entitlements: null }
            ? VerifyScope.Empty
            : new VerifyScope(request.ProductId?.Trim(), request.Fingerprint?.Trim(), request.Entitlements ?? []);

        var expiresAt = license.ExpiresAt;
        if (policy is { ExpirationBasis: Policies.ExpirationBasis.FirstValidation, DurationSeconds: { } duration } && expiresAt is null
            && license.Status == LicenseStatus.Active)
        {
            expiresAt = await live.StartAsync(licenseId, duration, cancellationToken);
        }

        var overrides = license.Overrides;
        var maxMachines = overrides?.MaxMachines ?? policy?.MaxMachines;
        var entitlements = overrides is null || overrides.Entitlements.Length == 0
            ? policy?.Entitlements ?? NoEntitlements
            : new SortedSet<string>((policy?.Entitlements ?? NoEntitlements).Union(overrides.Entitlements), StringComparer.Ordinal);

        // The counters and the machine are read afresh, and only when a rule needs them: most licenses are answered from memory.
        var (machinesCount, uses, machine) = policy?.NeedsLiveState == true || overrides?.MaxMachines is not null || scope.Fingerprint is not null
            ? await live.ReadAsync(licenseId, scope.Fingerprint, cancellationToken)
            : (0, 0, null);

        var verdict = LicenseValidator.Decide(
            new LicenseFacts(license.ProductId, license.Status, expiresAt, maxMachines, machinesCount, uses, entitlements),
            policy?.Facts ?? PolicyFacts.None, machine, scope, now);
        metrics.Verified(verdict.Code);
        if (verdict.Code != VerificationResultCodes.Valid)
        {
            // Kept for the license's page (why was it refused?); a plain VALID keeps nothing.
            activity.Refused(accountId, licenseId, verdict, scope, now);
        }

        // The key is the one presented, in its canonical form: the license was found by its keyed hash, and no row or
        // cache entry holds a key to answer with.
        var verified = new VerifiedLicense(
            licenseId, key!, license.ProductId, license.Type, LicenseEnums.Effective(license.Status, expiresAt, now), expiresAt, license.Metadata,
            license.CreatedAt, license.PolicyId, entitlements, maxMachines, policy?.Facts.MaxUses);
        return Answer(verdict, nonce, now, accountId, verified, machine?.Id, revocationVersion);
    }

    private static readonly IReadOnlySet<string> NoEntitlements = new SortedSet<string>(StringComparer.Ordinal);

    private static Ok<DataEnvelope<VerifyResult>> Answer(
        Verdict verdict, string? nonce, DateTime now, string accountId, VerifiedLicense? license, string? machineId, long revocationVersion) =>
        TypedResults.Ok(new DataEnvelope<VerifyResult>(new VerifyResult(
            verdict.Valid, verdict.Code, verdict.Detail, nonce, now, accountId, license, verdict.Checks, verdict.InGrace, verdict.GraceEndsAt, machineId,
            revocationVersion)));
}
