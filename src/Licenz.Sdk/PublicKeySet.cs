using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using Licenz.Internal;

namespace Licenz;

/// <summary>
/// The public keys an application trusts, by <c>kid</c>: from the server's JWKS document
/// (<c>/.well-known/jwks.json</c>, ideally saved into the application at build time) or from raw keys.
/// </summary>
public sealed class PublicKeySet
{
    private readonly Dictionary<string, Ed25519PublicKey> _keys;

    private PublicKeySet(Dictionary<string, Ed25519PublicKey> keys) => _keys = keys;

    /// <summary>The key ids in the set.</summary>
    public IReadOnlyCollection<string> KeyIds => _keys.Keys;

    /// <summary>Reads a JWKS document. Only <c>OKP</c> / <c>Ed25519</c> keys are taken; others are ignored.</summary>
    /// <exception cref="FormatException">The text is not a JWKS document.</exception>
    public static PublicKeySet FromJwks(string json)
    {
        if (!TryFromJwks(json, out var set, out var problem))
        {
            throw new FormatException(problem);
        }

        return set;
    }

    /// <summary>Reads a JWKS document without throwing.</summary>
    public static bool TryFromJwks(string? json, [NotNullWhen(true)] out PublicKeySet? set, [NotNullWhen(false)] out string? problem)
    {
        set = null;
        problem = null;
        var keys = new Dictionary<string, Ed25519PublicKey>(StringComparer.Ordinal);
        try
        {
            using var document = JsonDocument.Parse(json ?? "");
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("keys", out var list) || list.ValueKind != JsonValueKind.Array)
            {
                problem = "A JWKS document is an object with a \"keys\" array.";
                return false;
            }

            foreach (var jwk in list.EnumerateArray())
            {
                if (jwk.ValueKind == JsonValueKind.Object
                    && Text(jwk, "kty") == "OKP" && Text(jwk, "crv") == "Ed25519"
                    && Text(jwk, "kid") is { Length: > 0 } kid
                    && Text(jwk, "x") is { } x && Base64UrlStrict.TryDecode(x, out var raw)
                    && Text(jwk, "use") is null or "sig"
                    && Ed25519PublicKey.TryImport(raw, out var key) && key is not null)
                {
                    keys[kid] = key;
                }
            }
        }
        catch (JsonException)
        {
            problem = "The JWKS document is not valid JSON.";
            return false;
        }

        set = new PublicKeySet(keys);
        return true;
    }

    /// <summary>A set of raw Ed25519 public keys.</summary>
    /// <exception cref="ArgumentException">A key is not a valid 32-byte Ed25519 public key.</exception>
    /// <remarks>
    /// A params array and an <see cref="IEnumerable{T}"/> overload rather than one <c>params IEnumerable</c>, which only
    /// .NET 9 and newer mark as params: the same calls compile against every target.
    /// </remarks>
    public static PublicKeySet FromKeys(params JsonWebKey[] keys) => FromKeys((IEnumerable<JsonWebKey>)keys);

    /// <inheritdoc cref="FromKeys(JsonWebKey[])"/>
    public static PublicKeySet FromKeys(IEnumerable<JsonWebKey> keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var set = new Dictionary<string, Ed25519PublicKey>(StringComparer.Ordinal);
        foreach (var jwk in keys)
        {
            if (!Ed25519PublicKey.TryImport(jwk.PublicKey, out var key) || key is null)
            {
                throw new ArgumentException($"Key '{jwk.KeyId}' is not a 32-byte Ed25519 public key.", nameof(keys));
            }

            set[jwk.KeyId] = key;
        }

        return new PublicKeySet(set);
    }

    /// <summary>Writes the set as a JWKS document.</summary>
    public string ToJwks()
    {
        var keys = _keys.Select(k => new JwkDocument("OKP", "Ed25519", k.Key, "EdDSA", "sig",
            Base64UrlStrict.Encode(k.Value.Raw))).ToList();
        return JsonSerializer.Serialize(new JwksDocument(keys), SdkJson.Default.JwksDocument);
    }

    internal bool Verify(string kid, ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature) =>
        _keys.TryGetValue(kid, out var key) && key.Verify(data, signature);

    internal bool Contains(string kid) => _keys.ContainsKey(kid);

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
