using System.Text.Json.Serialization;

namespace Licenz.Server.ApiKeys;

/// <summary>The three kinds of API key on the API page.</summary>
public enum ApiKeyType
{
    /// <summary>Full access: dashboard, management scripts.</summary>
    [JsonStringEnumMemberName("admin")]
    Admin,

    /// <summary>Every read (licenses, products and the rest), no writes: reporting, monitoring.</summary>
    [JsonStringEnumMemberName("read_only")]
    ReadOnly,

    /// <summary>License verification and license-holder actions only: client applications.</summary>
    [JsonStringEnumMemberName("verify_only")]
    VerifyOnly,
}

/// <summary>Whether a key works now: <c>active</c>, <c>expired</c> or <c>revoked</c>.</summary>
public enum ApiKeyStatus
{
    [JsonStringEnumMemberName("active")]
    Active,

    [JsonStringEnumMemberName("expired")]
    Expired,

    [JsonStringEnumMemberName("revoked")]
    Revoked,
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
    /// <summary>The readable start of every key of this type.</summary>
    public static string KeyPrefix(this ApiKeyType type) => type switch
    {
        ApiKeyType.Admin => "lz_admin_",
        ApiKeyType.ReadOnly => "lz_read_",
        ApiKeyType.VerifyOnly => "lz_verify_",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    public static bool Allows(this ApiKeyType type, ApiKeyScope scope) => (type, scope) switch
    {
        (ApiKeyType.Admin, _) => true,
        (ApiKeyType.ReadOnly, ApiKeyScope.Read or ApiKeyScope.Verify) => true,
        (ApiKeyType.VerifyOnly, ApiKeyScope.Verify) => true,
        _ => false,
    };
}
