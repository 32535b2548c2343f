using System.Buffers.Text;
using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Http;

/// <summary>The paging parameters every list takes.</summary>
public interface IPageQuery
{
    /// <summary>Page size, 1 to 100 (default 20).</summary>
    int? Limit { get; }

    /// <summary>The <c>next_cursor</c> of the previous page.</summary>
    string? Cursor { get; }
}

/// <summary>The query of a plain list: <c>limit</c> and <c>cursor</c>.</summary>
public sealed record PageQuery : IPageQuery
{
    [Description("Page size, 1 to 100 (default 20).")]
    [FromQuery(Name = "limit")]
    [Range(1, PageRequest.MaxLimit, ErrorMessage = PageRequest.LimitMessage)]
    public int? Limit { get; init; }

    [Description("The `next_cursor` of the previous page.")]
    [FromQuery(Name = "cursor")]
    public string? Cursor { get; init; }
}

/// <summary>A page request: <c>limit</c> (1–100, default 20) and an opaque <c>cursor</c> from the previous page.</summary>
public readonly record struct PageRequest(int Limit, string? After)
{
    public const int DefaultLimit = 20;
    public const int MaxLimit = 100;
    public const string LimitMessage = "{0} must be a whole number from {1} to {2}.";

    /// <summary>The page asked for, or why the cursor is not one of this list's (it names ids of another kind).</summary>
    public static bool TryCreate(IPageQuery query, string idPrefix, out PageRequest page, [NotNullWhen(false)] out ApiErrorResult? error)
    {
        string? after = null;
        if (query.Cursor is { } cursor)
        {
            after = Decode(cursor);
            if (after is null || !Ids.HasPrefix(after, idPrefix))
            {
                page = default;
                error = ApiErrorResult.BadRequest("Parameter 'cursor' is not a cursor this list returned; use the 'next_cursor' of the previous page.", "cursor");
                return false;
            }
        }

        page = new PageRequest(query.Limit ?? DefaultLimit, after);
        error = null;
        return true;
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
