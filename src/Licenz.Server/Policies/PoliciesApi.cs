using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Entitlements;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Policies;

public static class PoliciesApi
{
    public static RouteGroupBuilder MapPolicies(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/policies").WithTags("Policies").RequireScope(ApiKeyScope.Read)
            .WithRouteParameter("id", "The policy id (`pol_…`).");
        group.MapGet("/", ListAsync).WithName("ListPolicies").WithSummary("List policies, newest first, optionally of one product.");
        group.MapGet("/{id}", GetAsync).WithName("GetPolicy").WithSummary("Get a policy.");
        group.MapPost("/", CreateAsync).RequireScope(ApiKeyScope.Write).WithName("CreatePolicy")
            .WithSummary("Create a policy: the rules its licenses follow.");
        group.MapPatch("/{id}", UpdateAsync).RequireScope(ApiKeyScope.Write).WithName("UpdatePolicy")
            .WithSummary("Change a policy; its licenses follow the change at their next verification.");
        group.MapDelete("/{id}", DeleteAsync).RequireScope(ApiKeyScope.Write).WithName("DeletePolicy")
            .WithSummary("Delete a policy that no license follows (a product's default policies stay while the product does).");
        return group;
    }

    internal static ApiErrorResult NotFound(string id) => ApiErrorResult.NotFound($"No policy with id '{RequestRules.Shown(id)}'.");

    private static async Task<Results<Ok<ListEnvelope<PolicyDto>>, ApiErrorResult>> ListAsync(
        HttpContext context, LicenzDbContext db, [AsParameters] PolicyListQuery query, CancellationToken cancellationToken)
    {
        if (!PageRequest.TryCreate(query, Ids.Policy, out var page, out var error))
        {
            return error;
        }

        var accountId = context.Caller().AccountId;
        var policies = db.Policies.AsNoTracking().Where(p => p.AccountId == accountId);
        if (query.ProductId is { } productId)
        {
            policies = policies.Where(p => p.ProductId == productId);
        }

        return TypedResults.Ok(await policies.ToPageAsync(page, PolicyMapping.ToDto, cancellationToken));
    }

    private static async Task<Results<Ok<DataEnvelope<PolicyDto>>, ApiErrorResult>> GetAsync(
        HttpContext context, string id, LicenzDbContext db, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var policy = await db.Policies.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.AccountId == accountId, cancellationToken);
        return policy is null ? NotFound(id) : TypedResults.Ok(new DataEnvelope<PolicyDto>(policy.ToDto()));
    }

    internal static async Task<Results<Created<DataEnvelope<PolicyDto>>, ApiErrorResult>> CreateAsync(
        HttpContext context, CreatePolicyRequest request, LicenzDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var productId = request.ProductId.Trim();
        if (!await db.Products.AnyAsync(p => p.Id == productId && p.AccountId == accountId, cancellationToken))
        {
            return ApiErrorResult.BadRequest($"Field 'product_id': no product with id '{RequestRules.Shown(productId)}' in this account.", "product_id");
        }

        var duration = Seconds(request.Duration);
        var now = time.GetUtcNow().UtcDateTime;
        var policy = new Policy
        {
            Id = Ids.New(Ids.Policy, time),
            AccountId = accountId,
            ProductId = productId,
            Name = request.Name.Trim(),
            LicenseType = request.LicenseType ?? (duration is null ? LicenseType.Perpetual : LicenseType.Subscription),
            DurationSeconds = duration,
            ExpirationStrategy = request.ExpirationStrategy ?? ExpirationStrategy.Restrict,
            ExpirationBasis = request.ExpirationBasis ?? ExpirationBasis.Creation,
            GracePeriodSeconds = Seconds(request.GracePeriod) ?? 0,
            MaxMachines = request.MaxMachines,
            Floating = request.Floating ?? true,
            FingerprintMatching = request.FingerprintMatching ?? FingerprintMatching.Exact,
            MaxUses = request.MaxUses,
            RequireHeartbeat = request.RequireHeartbeat ?? false,
            HeartbeatIntervalSeconds = (int?)Seconds(request.HeartbeatInterval),
            CheckInIntervalSeconds = Seconds(request.CheckInInterval),
            TransfersPer30Days = request.TransfersPer30Days,
            CreatedAt = now,
            UpdatedAt = now,
        };

        if (await ApplyEntitlementsAsync(policy, request.Entitlements, db, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        if (Inconsistency(policy) is { } problem)
        {
            return problem;
        }

        db.Policies.Add(policy);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"{ApiRoutes.BaseOf(context)}/policies/{policy.Id}", new DataEnvelope<PolicyDto>(policy.ToDto()));
    }

    private static async Task<Results<Ok<DataEnvelope<PolicyDto>>, ApiErrorResult>> UpdateAsync(
        HttpContext context, string id, UpdatePolicyRequest request, LicenzDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var policy = await db.Policies.FirstOrDefaultAsync(p => p.Id == id && p.AccountId == accountId, cancellationToken);
        if (policy is null)
        {
            return NotFound(id);
        }

        policy.Name = request.Name?.Trim() ?? policy.Name;
        policy.DurationSeconds = request.DurationGiven ? Seconds(request.Duration) : policy.DurationSeconds;
        policy.ExpirationStrategy = request.ExpirationStrategy ?? policy.ExpirationStrategy;
        policy.ExpirationBasis = request.ExpirationBasis ?? policy.ExpirationBasis;
        policy.GracePeriodSeconds = Seconds(request.GracePeriod) ?? policy.GracePeriodSeconds;
        policy.MaxMachines = request.MaxMachinesGiven ? request.MaxMachines : policy.MaxMachines;
        policy.Floating = request.Floating ?? policy.Floating;
        policy.FingerprintMatching = request.FingerprintMatching ?? policy.FingerprintMatching;
        policy.MaxUses = request.MaxUsesGiven ? request.MaxUses : policy.MaxUses;
        policy.RequireHeartbeat = request.RequireHeartbeat ?? policy.RequireHeartbeat;
        policy.HeartbeatIntervalSeconds = (int?)Seconds(request.HeartbeatInterval) ?? policy.HeartbeatIntervalSeconds;
        policy.CheckInIntervalSeconds = request.CheckInIntervalGiven ? Seconds(request.CheckInInterval) : policy.CheckInIntervalSeconds;
        policy.TransfersPer30Days = request.TransfersGiven ? request.TransfersPer30Days : policy.TransfersPer30Days;
        if (request.Entitlements is not null && await ApplyEntitlementsAsync(policy, request.Entitlements, db, cancellationToken) is { } unknown)
        {
            return unknown;
        }

        if (Inconsistency(policy) is { } problem)
        {
            return problem;
        }

        policy.UpdatedAt = time.GetUtcNow().UtcDateTime;
        policy.Version++;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<PolicyDto>(policy.ToDto()));
    }

    private static async Task<Results<Ok<DataEnvelope<DeletedResource>>, ApiErrorResult>> DeleteAsync(
        HttpContext context, string id, LicenzDbContext db, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var policy = await db.Policies.FirstOrDefaultAsync(p => p.Id == id && p.AccountId == accountId, cancellationToken);
        if (policy is null)
        {
            return NotFound(id);
        }

        if (policy.DefaultFor is { } type)
        {
            return ApiErrorResult.BadRequest(
                $"Policy {id} is product {policy.ProductId}'s default for {type.Name()} licenses; it is deleted with the product. Change it with PATCH /policies/{id} instead.");
        }

        var licenses = await db.Licenses.CountAsync(l => l.PolicyId == id, cancellationToken);
        if (licenses > 0)
        {
            return ApiErrorResult.BadRequest(
                $"Policy {id} still governs {licenses} license{(licenses == 1 ? "" : "s")}; delete them or move them to another policy first.");
        }

        // Tracked, so the deletion is an event like every other change; a license created on it meanwhile makes the
        // foreign key refuse it (409 conflict).
        db.Policies.Remove(policy);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<DeletedResource>(new DeletedResource(id)));
    }

    private static long? Seconds(PolicyDuration? duration) => duration?.Seconds;

    private static async Task<ApiErrorResult?> ApplyEntitlementsAsync(Policy policy, string[]? codes, LicenzDbContext db, CancellationToken cancellationToken)
    {
        if (codes is null)
        {
            return null;
        }

        var unknown = await EntitlementCodes.UnknownAsync(db, policy.AccountId, codes, cancellationToken);
        if (unknown.Count > 0)
        {
            return EntitlementCodes.Unknown("entitlements", unknown);
        }

        policy.Entitlements = EntitlementCodes.Store(codes);
        return null;
    }

    /// <summary>Settings that each hold but contradict one another.</summary>
    private static ApiErrorResult? Inconsistency(Policy policy) => policy switch
    {
        { LicenseType: LicenseType.Perpetual, DurationSeconds: not null } =>
            ApiErrorResult.BadRequest("Field 'duration': perpetual licenses never expire; leave the duration out (or null), or choose another license_type.", "duration"),
        { LicenseType: not LicenseType.Perpetual, DurationSeconds: null } =>
            ApiErrorResult.BadRequest($"Field 'duration': {policy.LicenseType.Name()} licenses expire; give a duration (seconds, or ISO-8601 such as P30D).", "duration"),
        { DurationSeconds: null, ExpirationBasis: not ExpirationBasis.Creation } =>
            ApiErrorResult.BadRequest("Field 'expiration_basis': licenses that never expire have no start to choose; leave it as creation.", "expiration_basis"),
        { Floating: false, MaxMachines: null } =>
            ApiErrorResult.BadRequest("Field 'max_machines': a node-locked policy (floating: false) needs a machine limit; 1 for one machine per license.", "max_machines"),
        { RequireHeartbeat: false, HeartbeatIntervalSeconds: not null } =>
            ApiErrorResult.BadRequest("Field 'heartbeat_interval': heartbeats are not required; set require_heartbeat to true as well, or leave the interval out.", "heartbeat_interval"),
        _ => null,
    };
}
