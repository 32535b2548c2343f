using System.Buffers.Text;
using System.Text;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Api;

/// <summary>A page request: <c>limit</c> (1–100, default 20) and an opaque <c>cursor</c> from the previous page.</summary>
public readonly record struct PageRequest(int Limit, string? After)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;

    public static PageRequest Parse(string? limit, string? cursor, string idPrefix)
    {
        var size = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, out size) || size is < 1 or > MaxLimit))
        {
            throw ApiException.BadRequest($"Parameter 'limit' must be a whole number from 1 to {MaxLimit}.", "limit");
        }

        string? after = null;
        if (cursor is not null)
        {
            after = Decode(cursor);
            if (after is null || !Ids.HasPrefix(after, idPrefix))
            {
                throw ApiException.BadRequest("Parameter 'cursor' is not a cursor this list returned; use the 'next_cursor' of the previous page.", "cursor");
            }
        }

        return new PageRequest(size, after);
    }

    public static string Encode(string id) => Base64Url.EncodeToString(Encoding.UTF8.GetBytes(id));

    private static string? Decode(string cursor)
    {
        if (cursor.Length is 0 or > 200)
        {
            return null;
        }

        try
        {
            return Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            return null;
        }
    }
}

public static class PagingExtensions
{
    /// <summary>Newest first, keyset-paged by id: stable under inserts and cheap at any depth.</summary>
    public static async Task<ListEnvelope<TDto>> ToPageAsync<TEntity, TDto>(
        this IQueryable<TEntity> query, PageRequest page, Func<TEntity, TDto> map, CancellationToken cancellationToken)
        where TEntity : class, IAccountResource
    {
        var total = await query.CountAsync(cancellationToken);
        if (page.After is { } after)
        {
            query = query.Where(e => string.Compare(e.Id, after) < 0);
        }

        var rows = await query.OrderByDescending(e => e.Id).Take(page.Limit + 1).ToListAsync(cancellationToken);
        var hasMore = rows.Count > page.Limit;
        if (hasMore)
        {
            rows.RemoveAt(rows.Count - 1);
        }

        var next = hasMore ? PageRequest.Encode(rows[^1].Id) : null;
        return new ListEnvelope<TDto>(rows.Select(map).ToList(), new Pagination(page.Limit, hasMore, next, total));
    }
}

public static class QueryParameters
{
    /// <summary>A misspelt filter would otherwise be ignored and return everything: refuse it.</summary>
    public static void RejectUnknown(HttpRequest request, params ReadOnlySpan<string> allowed)
    {
        foreach (var (name, values) in request.Query)
        {
            var known = false;
            foreach (var candidate in allowed)
            {
                if (candidate == name)
                {
                    known = true;
                    break;
                }
            }

            if (!known)
            {
                var shown = name.Length > 64 ? name[..64] + "…" : name;
                throw ApiException.BadRequest($"Unknown query parameter '{shown}'. Allowed: {string.Join(", ", allowed.ToArray())}.", shown);
            }

            if (values.Count > 1)
            {
                throw ApiException.BadRequest($"Query parameter '{name}' is given more than once.", name);
            }
        }
    }
}
