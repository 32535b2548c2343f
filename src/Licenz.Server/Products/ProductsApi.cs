using System.Text;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Hosting;
using Licenz.Server.Http;
using Licenz.Server.Licenses;
using Licenz.Server.Policies;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Products;

public static class ProductsApi
{
    public static RouteGroupBuilder MapProducts(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/products").WithTags("Products").RequireScope(ApiKeyScope.Read)
            .WithRouteParameter("id", "The product id (`prod_…`).");

        group.MapGet("/", ListAsync).WithName("ListProducts").WithSummary("List products, newest first.");
        group.MapGet("/{id}", GetAsync).WithName("GetProduct").WithSummary("Get a product.");
        group.MapPost("/", CreateAsync).RequireScope(ApiKeyScope.Write).WithName("CreateProduct").WithSummary("Create a product.");
        group.MapPatch("/{id}", UpdateAsync).RequireScope(ApiKeyScope.Write).WithName("UpdateProduct").WithSummary("Change a product.");
        group.MapDelete("/{id}", DeleteAsync).RequireScope(ApiKeyScope.Write).WithName("DeleteProduct")
            .WithSummary("Delete a product that has no licenses.");
        return group;
    }

    private static async Task<Results<Ok<ListEnvelope<ProductDto>>, ApiErrorResult>> ListAsync(
        HttpContext context, LicenzDbContext db, [AsParameters] PageQuery query, CancellationToken cancellationToken)
    {
        if (!PageRequest.TryCreate(query, Ids.Product, out var page, out var error))
        {
            return error;
        }

        var accountId = context.Caller().AccountId;
        var products = db.Products.AsNoTracking().Where(p => p.AccountId == accountId);
        return TypedResults.Ok(await products.ToPageAsync(page, ProductMapping.ToDto, cancellationToken));
    }

    private static async Task<Results<Ok<DataEnvelope<ProductDto>>, ApiErrorResult>> GetAsync(
        HttpContext context, LicenzDbContext db, string id, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var product = await db.Products.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.AccountId == accountId, cancellationToken);
        return product is null ? NotFound(id) : TypedResults.Ok(new DataEnvelope<ProductDto>(product.ToDto()));
    }

    internal static async Task<Results<Created<DataEnvelope<ProductDto>>, ApiErrorResult>> CreateAsync(
        HttpContext context, CreateProductRequest request, LicenzDbContext db, TimeProvider time,
        IOptions<LicenzOptions> options, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var name = request.Name.Trim();
        var code = request.Code is null
            ? await FreeCodeAsync(db, accountId, Slug(name), cancellationToken)
            : request.Code.Trim();
        var now = time.GetUtcNow().UtcDateTime;
        var product = new Product
        {
            Id = Ids.New(Ids.Product, time),
            AccountId = accountId,
            Name = name,
            Code = code,
            Metadata = request.Metadata is { } metadata ? MetadataObjectAttribute.Compact(metadata) : "{}",
            SubscriptionDays = request.SubscriptionDays ?? options.Value.DefaultSubscriptionDays,
            TrialDays = request.TrialDays ?? options.Value.DefaultTrialDays,
            CreatedAt = now,
            UpdatedAt = now,
        };

        if (await CodeTakenAsync(db, accountId, code, exceptId: null, cancellationToken))
        {
            return CodeTaken(code);
        }

        // A request that took the same code meanwhile makes the unique index refuse the row: a 409 conflict (DatabaseConflicts).
        db.Products.Add(product);
        db.Policies.AddRange(DefaultPolicies.For(product, time));
        await db.SaveChangesAsync(cancellationToken);

        return TypedResults.Created($"{ApiRoutes.BaseOf(context)}/products/{product.Id}", new DataEnvelope<ProductDto>(product.ToDto()));
    }

    private static async Task<Results<Ok<DataEnvelope<ProductDto>>, ApiErrorResult>> UpdateAsync(
        HttpContext context, string id, UpdateProductRequest request, LicenzDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var name = request.Name?.Trim();
        var code = request.Code?.Trim();
        var metadata = request.Metadata is { } given ? MetadataObjectAttribute.Compact(given) : null;

        var product = await db.Products.FirstOrDefaultAsync(p => p.Id == id && p.AccountId == accountId, cancellationToken);
        if (product is null)
        {
            return NotFound(id);
        }

        if (code is not null && code != product.Code && await CodeTakenAsync(db, accountId, code, product.Id, cancellationToken))
        {
            return CodeTaken(code);
        }

        product.Name = name ?? product.Name;
        product.Code = code ?? product.Code;
        product.Metadata = metadata ?? product.Metadata;
        product.SubscriptionDays = request.SubscriptionDays ?? product.SubscriptionDays;
        product.TrialDays = request.TrialDays ?? product.TrialDays;
        product.UpdatedAt = time.GetUtcNow().UtcDateTime;

        // The default policies' lengths are the product's: licenses created (or renewed) from now on get the new ones.
        if (request.SubscriptionDays is not null || request.TrialDays is not null)
        {
            foreach (var policy in await db.Policies.Where(p => p.ProductId == product.Id && p.DefaultFor != null).ToListAsync(cancellationToken))
            {
                var duration = DefaultPolicies.DurationOf(product, policy.LicenseType);
                if (policy.DurationSeconds != duration && policy.LicenseType != LicenseType.Perpetual)
                {
                    policy.DurationSeconds = duration;
                    policy.UpdatedAt = product.UpdatedAt;
                    policy.Version++;
                }
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<ProductDto>(product.ToDto()));
    }

    private static async Task<Results<Ok<DataEnvelope<DeletedResource>>, ApiErrorResult>> DeleteAsync(
        HttpContext context, string id, LicenzDbContext db, CancellationToken cancellationToken)
    {
        var accountId = context.Caller().AccountId;
        var product = await db.Products.FirstOrDefaultAsync(p => p.Id == id && p.AccountId == accountId, cancellationToken);
        if (product is null)
        {
            return NotFound(id);
        }

        var licenses = await db.Licenses.CountAsync(l => l.ProductId == id, cancellationToken);
        if (licenses > 0)
        {
            return ApiErrorResult.BadRequest(
                $"Product {id} still has {licenses} license{(licenses == 1 ? "" : "s")} (revoked ones included); delete them before deleting the product.");
        }

        // Tracked, so the deletion is an event like every other change; its policies go with it (no license follows them).
        db.Policies.RemoveRange(await db.Policies.Where(p => p.ProductId == id).ToListAsync(cancellationToken));
        db.Products.Remove(product);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new DataEnvelope<DeletedResource>(new DeletedResource(id)));
    }

    private static ApiErrorResult NotFound(string id) => ApiErrorResult.NotFound($"No product with id '{RequestRules.Shown(id)}'.");

    private static ApiErrorResult CodeTaken(string code) =>
        ApiErrorResult.BadRequest($"A product with code '{code}' already exists in this account.", "code");

    private static Task<bool> CodeTakenAsync(LicenzDbContext db, string accountId, string code, string? exceptId, CancellationToken cancellationToken) =>
        db.Products.AnyAsync(p => p.AccountId == accountId && p.Code == code && p.Id != exceptId, cancellationToken);

    /// <summary>A derived code the caller never chose must not collide: "photo-editor", then "photo-editor-2", ….</summary>
    private static async Task<string> FreeCodeAsync(LicenzDbContext db, string accountId, string slug, CancellationToken cancellationToken)
    {
        var taken = await db.Products.AsNoTracking()
            .Where(p => p.AccountId == accountId && (p.Code == slug || p.Code.StartsWith(slug + "-")))
            .Select(p => p.Code).ToListAsync(cancellationToken);
        var candidate = slug;
        for (var n = 2; taken.Contains(candidate); n++)
        {
            candidate = $"{slug}-{n}";
        }

        return candidate;
    }

    /// <summary>"Photo Editor Pro" → "photo-editor-pro"; falls back to "product" when nothing usable is left.</summary>
    private static string Slug(string name)
    {
        var builder = new StringBuilder();
        foreach (var c in name.Normalize(NormalizationForm.FormD).ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                builder.Append(c);
            }
            else if (builder.Length > 0 && builder[^1] != '-' && (char.IsWhiteSpace(c) || c is '-' or '_' or '.'))
            {
                builder.Append('-');
            }
        }

        var slug = builder.ToString().Trim('-');
        if (slug.Length > 48)
        {
            slug = slug[..48].Trim('-');
        }

        return slug.Length == 0 ? "product-" + Guid.NewGuid().ToString("N")[..8] : slug;
    }
}
