using System.Globalization;
using System.Text;

namespace Licenz.Internal;

/// <summary>Relative API paths with escaped ids and query parameters.</summary>
internal static class Paths
{
    public static string Id(string idOrKey, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(idOrKey, parameterName);
        if (idOrKey is "." or "..")
        {
            throw new ArgumentException($"'{idOrKey}' is not an id.", parameterName);
        }

        return Uri.EscapeDataString(idOrKey);
    }

    public static string WithQuery(string path, params ReadOnlySpan<(string Name, string? Value)> parameters)
    {
        var builder = new StringBuilder(path);
        var separator = '?';
        foreach (var (name, value) in parameters)
        {
            if (value is null)
            {
                continue;
            }

            builder.Append(separator).Append(name).Append('=').Append(Uri.EscapeDataString(value));
            separator = '&';
        }

        return builder.ToString();
    }

    public static string? Number(int? value) => value?.ToString(CultureInfo.InvariantCulture);
}
