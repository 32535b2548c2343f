namespace Licenz;

/// <summary>One of the account's Ed25519 signing keys, as listed by the API (public part only).</summary>
public sealed record SigningKeyInfo : LicenzResult
{
    /// <summary>The key id (<c>kid</c>), as in the JWKS.</summary>
    public required string Id { get; init; }

    /// <summary>One of <see cref="SigningKeyStatusNames"/>: current, published or retired.</summary>
    public required string Status { get; init; }

    /// <summary>The raw Ed25519 public key, base64url (the JWK's <c>x</c>).</summary>
    public required string PublicKey { get; init; }

    /// <summary>When the key was created.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When a newer key replaced it.</summary>
    public DateTimeOffset? RotatedAt { get; init; }

    /// <summary>When it was retired.</summary>
    public DateTimeOffset? RetiredAt { get; init; }
}

/// <summary>The values of <see cref="SigningKeyInfo.Status"/>.</summary>
public static class SigningKeyStatusNames
{
    /// <summary>Signs from now on.</summary>
    public const string Current = "current";

    /// <summary>Replaced, still in the JWKS: what it signed still verifies.</summary>
    public const string Published = "published";

    /// <summary>Removed from the JWKS: what it signed no longer verifies.</summary>
    public const string Retired = "retired";
}
