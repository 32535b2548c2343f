namespace Licenz.Server.Accounts;

/// <summary>An account's plan. It sets the account's request budget per minute.</summary>
public enum Plan
{
    Free,
    Starter,
    Growth,
    Business,
    Enterprise,
}

public static class Plans
{
    /// <summary>Requests per minute, or <c>null</c> for no limit.</summary>
    public static int? RequestsPerMinute(this Plan plan) => plan switch
    {
        Plan.Free => 100,
        Plan.Starter => 500,
        Plan.Growth => 2_000,
        Plan.Business => 10_000,
        Plan.Enterprise => null,
        _ => throw new ArgumentOutOfRangeException(nameof(plan), plan, null),
    };

    private static readonly string?[] LimitTexts = Enum.GetValues<Plan>()
        .Select(p => p.RequestsPerMinute()?.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The limit as the <c>X-RateLimit-Limit</c> header shows it ("unlimited" for no limit).</summary>
    public static string LimitText(this Plan plan) => LimitTexts[(int)plan] ?? "unlimited";
}
