using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.RateLimiting;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Licenses;

/// <summary>Optional body of <c>POST /licenses/{id}/license-file</c>.</summary>
public sealed record LicenseFileRequest
{
    /// <summary>The file's time to live in seconds (3600 to 31536000; default 2592000, 30 days): after it the application must check in.</summary>
    [Range(LicenseFileApi.MinTtl, LicenseFileApi.MaxTtl, ErrorMessage = RequestRules.RangeMessage)]
    public int? Ttl { get; init; }

    /// <summary>Binds the file to one machine (see the SDK's MachineFingerprint).</summary>
    [PrintableText(256)]
    public string? Fingerprint { get; init; }

    /// <summary>Encrypt the file for its license key (and machine, when bound), so its contents stay private.</summary>
    public bool? Encrypt { get; init; }
}

/// <param name="LicenseFile">The armored, signed license file. Save it as it is.</param>
/// <param name="LicenseId">The license it is for.</param>
/// <param name="KeyId">The signing key (<c>kid</c>) in the JWKS.</param>
/// <param name="IssuedAt">When the file was issued.</param>
/// <param name="ExpiresAt">When the file's time to live ends.</param>
/// <param name="Encrypted">Whether the file is encrypted.</param>
/// <param name="Fingerprint">The machine the file is bound to, if any.</param>
public sealed record LicenseFileDto(string LicenseFile, string LicenseId, string KeyId, DateTime IssuedAt, DateTime ExpiresAt, bool Encrypted, string? Fingerprint);

public static class LicenseFileApi
{
    public const int DefaultTtl = 30 * 24 * 3600;
    public const int MinTtl = 3600;
    public const int MaxTtl = 365 * 24 * 3600;

    /// <summary>
    /// Check out a license file: admin keys for any license (by id or key); verify-only keys — the keys shipped in
    /// applications — only by presenting the license key itself, as a license holder would.
    /// </summary>
    public static RouteHandlerBuilder MapLicenseFiles(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/licenses/{id}/license-file", CheckOutAsync)
            .RequireScope(ApiKeyScope.Verify)
            .WithLicenseKeyShare(LicenseKeyLocation.InRoute("id"))
            .WithTags("Licenses")
            .WithRouteParameter("id", LicensesApi.IdOrKey)
            .WithName("CheckOutLicenseFile")
            .WithSummary("Issue a signed license file for offline verification.")
            .WithDescription("Requires an admin API key (the license by id or key), or a verify-only API key presenting the license " +
                "key itself in the path, as a license holder would. Read-only keys cannot check out license files.");

    private static async Task<Results<Ok<DataEnvelope<LicenseFileDto>>, ApiErrorResult>> CheckOutAsync(
        HttpContext context, string id, LicenseFileRequest? request, LicenzDbContext db, LicenseKeyProtection keys, SigningKeyRing ring,
        TimeProvider time, ActivityRecorder activity, CancellationToken cancellationToken)
    {
        var caller = context.Caller();
        var presentsKey = !Ids.HasPrefix(id, Ids.License);
        if (caller.KeyType == ApiKeyType.ReadOnly || (caller.KeyType == ApiKeyType.VerifyOnly && !presentsKey))
        {
            return new ApiErrorResult(new ApiError(ErrorCodes.Forbidden,
                caller.KeyType == ApiKeyType.ReadOnly
                    ? "A read_only API key cannot check out license files; use an admin key, or a verify-only key with the license key."
                    : "A verify-only API key checks out license files by presenting the license key itself: POST /licenses/{license key}/license-file.",
                StatusCodes.Status403Forbidden));
        }

        request ??= new LicenseFileRequest();
        var ttl = request.Ttl ?? DefaultTtl;
        var fingerprint = request.Fingerprint?.Trim();
        var license = await db.Licenses.AsNoTracking().WithIdOrKey(caller.AccountId, id, keys).FirstOrDefaultAsync(cancellationToken);
        if (license is null)
        {
            return LicensesApi.NotFound(id);
        }

        var now = time.GetUtcNow();
        var status = LicenseEnums.Effective(license.Status, license.ExpiresAt, now.UtcDateTime);
        if (status != LicenseStatus.Active)
        {
            return ApiErrorResult.BadRequest($"License {license.Id} is {status.Name()}; license files are issued for active licenses only.");
        }

        var issuedAt = DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds());
        var expiresAt = issuedAt.AddSeconds(ttl);
        var claims = new LicenseFileClaims(
            caller.AccountId,
            license.Id,
            issuedAt,
            expiresAt,
            Ids.New("lf", time),
            new LicenseClaims(
                license.Id,
                keys.Open(license),
                license.ProductId,
                license.Type.Name(),
                status.Name(),
                license.ExpiresAt is { } expiry ? new DateTimeOffset(expiry, TimeSpan.Zero) : null,
                [],
                JsonDocument.Parse(license.Metadata).RootElement.Clone(),
                fingerprint));
        var key = await ring.CurrentAsync(caller.AccountId, cancellationToken);
        var encrypt = request.Encrypt ?? false;
        var file = LicenseFile.Issue(claims, key, encrypt);

        // A check-out is a check-in: the license was just validated.
        activity.LicenseValidated(license.Id, now.UtcDateTime);
        return TypedResults.Ok(new DataEnvelope<LicenseFileDto>(
            new LicenseFileDto(file, license.Id, key.KeyId, issuedAt.UtcDateTime, expiresAt.UtcDateTime, encrypt, fingerprint)));
    }
}
