namespace Licenz.Server.Api;

/// <summary>
/// The text of a header whose value changes rarely (a second, a rate-limit window): formatted once per value and
/// shared by the requests in between, rather than formatted on every response. Safe for concurrent use: a race
/// at most formats the same value twice.
/// </summary>
public sealed class HeaderText(Func<long, string> format)
{
    private Latest? _latest;

    public string For(long value)
    {
        if (Volatile.Read(ref _latest) is { } latest && latest.Value == value)
        {
            return latest.Text;
        }

        var text = format(value);
        Volatile.Write(ref _latest, new Latest(value, text));
        return text;
    }

    private sealed record Latest(long Value, string Text);
}
