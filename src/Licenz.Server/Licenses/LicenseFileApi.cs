using System.ComponentModel.DataAnnotations;
using Licenz.Server.Activity;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Licenz.Server.Machines;
using Licenz.Server.RateLimiting;
using Licenz.Server.Revocations;
using Licenz.Server.Signing;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.OpenApi;

namespace Licenz.Server.Licenses;

/// <summary>Optional body of <c>POST /licenses/{id}/license-file</c>.</summary>
public sealed record LicenseFileRequest
{
    /// <summary>
    /// The file's time to live in seconds (3600 to 31536000): after it the application must check in. At most the license
    /// policy's check_in_interval; the default is the smaller of the two and 2592000 (30 days).
    /// </summary>
    [Range(LicenseFileApi.MinTtl, LicenseFileApi.MaxTtl, ErrorMessage = RequestRules.RangeMessage)]
    public int? Ttl { get; init; }

    /// <summary>
    /// Binds the file to one machine, which must be activated on the license (see the SDK's MachineFingerprint). Required
    /// for a node-locked license.
    /// </summary>
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
/// <param name="MachineId">That machine, <c>mach_…</c>, if any.</param>
public sealed record LicenseFileDto(
    string LicenseFile, string LicenseId, string KeyId, DateTime IssuedAt, DateTime ExpiresAt, bool Encrypted, string? Fingerprint, string? MachineId);

public static class LicenseFileApi
{
    /// <summary>
    /// The media type of a bare license file: asked for in <c>Accept</c> (or with <c>?download=true</c>), the check-out
    /// answers the file itself, ready to save, in place of the JSON envelope.
    /// </summary>
    public const string FileMediaType = "application/x-licenz-license";

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
                "key itself in the path, as a license holder would. Read-only keys cannot check out license files. A file bound to a " +
                "fingerprint is issued only for a machine activated on the license; a node-locked license's files must be bound. The " +
                "file carries the license's effective entitlements, its policy's grace period and check-in interval (its time to live " +
                "never exceeds the latter) and, when bound, the machine's id and components. Issuing a file changes nothing stored. " +
                "With `Accept: application/x-licenz-license` (or `?download=true`) the answer is the file itself, ready to save " +
                "(`curl -o license.lic`), in place of the JSON envelope.")
            .AddOpenApiOperationTransformer((operation, _, _) =>
            {
                // Beside the JSON envelope, the same 200 as the bare file (Accept: application/x-licenz-license).
                if (operation.Responses?.TryGetValue("200", out var ok) == true && ok.Content is { } content)
                {
                    content[FileMediaType] = new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String } };
                }

                return Task.CompletedTask;
            })
            .WithDocumentedError(StatusCodes.Status422UnprocessableEntity,
                "No machine with this fingerprint is activated on the license (`no_machine`): activate it first (POST /machines).");

    internal static async Task<Results<Ok<DataEnvelope<LicenseFileDto>>, ContentHttpResult, ApiErrorResult>> CheckOutAsync(
        HttpContext context, string id, LicenseFileRequest? request, bool? download, LicenzDbContext db, LicenseKeyProtection keys, SigningKeyRing ring,
        RevocationLists revocations, TimeProvider time, ActivityRecorder activity, CancellationToken cancellationToken)
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
        var fingerprint = request.Fingerprint?.Trim();
        var license = await db.Licenses.AsNoTracking().WithIdOrKey(caller.AccountId, id, keys).FirstOrDefaultAsync(cancellationToken);
        if (license is null)
        {
            return LicensesApi.NotFound(id);
        }

        var now = time.GetUtcNow().UtcDateTime;
        var tooLong = LicenseFiles.TimeToLive(license, request.Ttl, out var ttl);
        if ((LicenseFiles.NotIssuable(license, now) ?? LicenseFiles.NeedsMachine(license, fingerprint, "fingerprint") ?? tooLong) is { } refusal)
        {
            return refusal;
        }

        Machine? machine = null;
        if (fingerprint is not null)
        {
            machine = await db.OfLicense(license.Id, fingerprint).AsNoTracking().FirstOrDefaultAsync(cancellationToken);
            if (machine is null)
            {
                return ApiErrorResult.Unprocessable(ErrorCodes.NoMachine,
                    $"No machine with this fingerprint is activated on license {license.Id}: license files are bound only to activated machines. " +
                    "Activate it first (POST /machines, or POST /machines/offline-activations for a machine that cannot reach the server).");
            }
        }

        var file = await LicenseFiles.IssueAsync(license, machine, Ids.New(LicenseFiles.IdPrefix, time), ttl, request.Encrypt ?? false, keys, ring, revocations, time, cancellationToken);

        // A check-out is a check-in: the license was just validated.
        activity.LicenseValidated(license.Id, now);
        if (download == true || context.Request.GetTypedHeaders().Accept.Any(type => type.MediaType.Equals(FileMediaType, StringComparison.OrdinalIgnoreCase)))
        {
            // The file itself, as curl -o or a browser saves it: the name says the license and the file's id.
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"{license.Id}.lic\"";
            return TypedResults.Text(file.LicenseFile, FileMediaType);
        }

        return TypedResults.Ok(new DataEnvelope<LicenseFileDto>(file));
    }
}
