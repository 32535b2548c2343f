using System.Collections;

namespace Licenz;

/// <summary>
/// One page of a list, newest first: <see cref="Data"/> and the <see cref="Pagination"/> to get the next page.
/// A page is itself the list of its items, so <c>foreach (var license in await client.Licenses.ListAsync())</c> works.
/// </summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed record Page<T> : LicenzResult, IReadOnlyList<T>
{
    /// <summary>The items of this page.</summary>
    public required IReadOnlyList<T> Data { get; init; }

    /// <summary>Where this page is in the whole list.</summary>
    public required PageInfo Pagination { get; init; }

    /// <summary>How many items this page holds.</summary>
    public int Count => Data.Count;

    /// <summary>The item at <paramref name="index"/>.</summary>
    /// <param name="index">Zero-based position in this page.</param>
    public T this[int index] => Data[index];

    /// <summary>Pages are equal when they hold equal items in the same order and the same pagination.</summary>
    /// <param name="other">The page to compare with.</param>
    public bool Equals(Page<T>? other) =>
        other is not null && Pagination == other.Pagination && Data.SequenceEqual(other.Data);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Pagination, Data.Count);

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => Data.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The <c>pagination</c> object of a list.</summary>
/// <param name="Limit">The page size used.</param>
/// <param name="HasMore">Whether another page follows.</param>
/// <param name="NextCursor">Pass as the cursor to get the next page; null on the last page.</param>
/// <param name="Total">How many items match the filters in all, when the server counts them.</param>
public sealed record PageInfo(int Limit, bool HasMore, string? NextCursor, int? Total);

/// <summary>A whole, unpaged list (the account's signing keys).</summary>
/// <typeparam name="T">The item type.</typeparam>
public sealed record ResultList<T> : LicenzResult, IReadOnlyList<T>
{
    /// <summary>The items.</summary>
    public required IReadOnlyList<T> Data { get; init; }

    /// <summary>How many items there are.</summary>
    public int Count => Data.Count;

    /// <summary>The item at <paramref name="index"/>.</summary>
    /// <param name="index">Zero-based position.</param>
    public T this[int index] => Data[index];

    /// <summary>Lists are equal when they hold equal items in the same order.</summary>
    /// <param name="other">The list to compare with.</param>
    public bool Equals(ResultList<T>? other) => other is not null && Data.SequenceEqual(other.Data);

    /// <inheritdoc />
    public override int GetHashCode() => Data.Count;

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => Data.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The answer to a delete.</summary>
public sealed record DeleteResult : LicenzResult
{
    /// <summary>The id of the deleted resource.</summary>
    public required string Id { get; init; }

    /// <summary>Always true: the resource is gone.</summary>
    public bool Deleted { get; init; }
}
