namespace Licenz.Server.Http;

/// <summary><c>{"data": …}</c>: every successful response.</summary>
public sealed record DataEnvelope<T>(T Data);

/// <summary>A page of a list: <c>{"data": [...], "pagination": {...}}</c>.</summary>
public sealed record ListEnvelope<T>(IReadOnlyList<T> Data, Pagination Pagination);

/// <param name="Limit">The page size used.</param>
/// <param name="HasMore">Whether another page follows.</param>
/// <param name="NextCursor">Pass as <c>cursor</c> to get the next page; null on the last page.</param>
/// <param name="Total">How many items match the filters in all.</param>
public sealed record Pagination(int Limit, bool HasMore, string? NextCursor, int Total);

/// <summary>Answer of a delete.</summary>
public sealed record DeletedResource(string Id, bool Deleted = true);
