namespace Licenz.Server.ApiKeys;

/// <summary>The three kinds of API key on the API page.</summary>
public enum ApiKeyType
{
    /// <summary>Full access: dashboard, management scripts.</summary>
    Admin,

    /// <summary>Every read (licenses, products and the rest), no writes: reporting, monitoring.</summary>
    ReadOnly,

    /// <summary>License verification and license-holder actions only: client applications.</summary>
    VerifyOnly,
}

/// <summary>What an endpoint needs from the caller's key.</summary>
public enum ApiKeyScope
{
    /// <summary>Verify a license: every key type.</summary>
    Verify,

    /// <summary>Read licenses, products and the rest: admin and read-only keys.</summary>
    Read,

    /// <summary>Create, change or delete: admin keys.</summary>
    Write,

    /// <summary>Manage API keys (including listing them): admin keys.</summary>
    ManageKeys,
}

public static class ApiKeyTypes
{
    public static string Name(this ApiKeyType type) => type switch
    {
        ApiKeyType.Admin => "admin",
        ApiKeyType.ReadOnly => "read_only",
        ApiKeyType.VerifyOnly => "verify_only",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    /// <summary>The readable start of every key of this type.</summary>
    public static string KeyPrefix(this ApiKeyType type) => type switch
    {
        ApiKeyType.Admin => "lz_admin_",
        ApiKeyType.ReadOnly => "lz_read_",
        ApiKeyType.VerifyOnly => "lz_verify_",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static IReadOnlyList<string> Names { get; } = ["admin", "read_only", "verify_only"];

    /// <summary>Accepts <c>admin</c>, <c>read_only</c>, <c>verify_only</c> (and the hyphenated forms).</summary>
    public static bool TryParse(string? value, out ApiKeyType type)
    {
        switch (value?.Trim().ToLowerInvariant().Replace('-', '_'))
        {
            case "admin": type = ApiKeyType.Admin; return true;
            case "read_only": type = ApiKeyType.ReadOnly; return true;
            case "verify_only": type = ApiKeyType.VerifyOnly; return true;
            default: type = default; return false;
        }
    }

    public static bool Allows(this ApiKeyType type, ApiKeyScope scope) => (type, scope) switch
    {
        (ApiKeyType.Admin, _) => true,
        (ApiKeyType.ReadOnly, ApiKeyScope.Read or ApiKeyScope.Verify) => true,
        (ApiKeyType.VerifyOnly, ApiKeyScope.Verify) => true,
        _ => false,
    };
}
