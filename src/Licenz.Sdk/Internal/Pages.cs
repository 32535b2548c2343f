using System.Runtime.CompilerServices;

namespace Licenz.Internal;

internal static class Pages
{
    /// <summary>Every item of a list, page after page, from <paramref name="cursor"/> (the start when null).</summary>
    public static async IAsyncEnumerable<T> AllAsync<T>(
        Func<string?, CancellationToken, Task<Page<T>>> fetch, string? cursor, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        do
        {
            cancellationToken.ThrowIfCancellationRequested();
            var page = await fetch(cursor, cancellationToken).ConfigureAwait(false);
            foreach (var item in page.Data)
            {
                yield return item;
            }

            cursor = page.Pagination.HasMore ? page.Pagination.NextCursor : null;
        }
        while (cursor is not null);
    }
}
