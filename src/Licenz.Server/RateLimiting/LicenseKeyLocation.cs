using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Licenz.Server.Http;

namespace Licenz.Server.RateLimiting;

/// <summary>
/// Endpoint metadata: where a request names its license key (a property of the JSON body, or a route value), so that
/// the rate limit can hold each key to its share of the client budget (<see cref="RateLimitOptions"/>). Declared with
/// <see cref="LicenseKeyShares.WithLicenseKeyShare"/>.
/// </summary>
/// <remarks>
/// A key is known by the first 128 bits of the SHA-256 of its canonical form (so any spelling a customer may type
/// counts as one key), never by the key itself: that is what goes to Redis. A request whose key cannot be read (no
/// body yet readable, malformed JSON, not a well-formed key) counts against one shared share of its own, so leaving
/// the key out or misspelling it is no way around the share.
/// </remarks>
public sealed class LicenseKeyLocation
{
    /// <summary>The share of requests whose license key cannot be read.</summary>
    public static readonly UInt128 Unreadable = UInt128.Zero;

    private readonly byte[]? _bodyProperty;
    private readonly string? _routeValue;

    private LicenseKeyLocation(byte[]? bodyProperty, string? routeValue)
    {
        _bodyProperty = bodyProperty;
        _routeValue = routeValue;
    }

    /// <summary>The key is the string property <paramref name="name"/> of the JSON body's top-level object.</summary>
    public static LicenseKeyLocation InBody(string name) => new(Encoding.UTF8.GetBytes(name), null);

    /// <summary>The key is the route value <paramref name="name"/>.</summary>
    public static LicenseKeyLocation InRoute(string name) => new(null, name);

    /// <summary>
    /// The request's license key, as <see cref="Identity"/> hashes it. The body is taken the way the request rules take
    /// it (<see cref="JsonRequestBody.TakeAsync"/>): peeked when small and already there, else read once for both.
    /// </summary>
    public ValueTask<UInt128> IdentifyAsync(HttpContext context, long maxBodyBytes)
    {
        if (_routeValue is not null)
        {
            return ValueTask.FromResult(Identity(context.Request.RouteValues[_routeValue] as string));
        }

        var request = context.Request;
        if (!RequestBodies.HasBody(request) || RequestBodies.Refusal(request, maxBodyBytes) is not null)
        {
            return ValueTask.FromResult(Unreadable);
        }

        var taking = JsonRequestBody.TakeAsync(context, maxBodyBytes);
        return taking.IsCompletedSuccessfully ? ValueTask.FromResult(FromBody(taking.Result)) : AwaitBodyAsync(taking);
    }

    private async ValueTask<UInt128> AwaitBodyAsync(ValueTask<JsonRequestBody?> taking) => FromBody(await taking);

    private UInt128 FromBody(JsonRequestBody? body) => body is null ? Unreadable : Identity(StringProperty(body.Bytes.Span, _bodyProperty));

    /// <summary>The hash a license key is known by; <see cref="Unreadable"/> for what is not a well-formed key.</summary>
    public static UInt128 Identity(string? presented)
    {
        if (!LicenseKey.TryNormalize(presented, out var key))
        {
            return Unreadable;
        }

        Span<byte> ascii = stackalloc byte[LicenseKey.Length];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        Encoding.ASCII.GetBytes(key, ascii);
        SHA256.HashData(ascii, hash);
        return BinaryPrimitives.ReadUInt128BigEndian(hash);
    }

    /// <summary>The string value of a top-level property, or null (not an object, no such property, not a string, not JSON).</summary>
    internal static string? StringProperty(ReadOnlySpan<byte> json, ReadOnlySpan<byte> name)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var wanted = reader.ValueTextEquals(name);
                reader.Read();
                if (wanted)
                {
                    // Longer than any key could be, even written all in \u escapes: not read into a string at all.
                    return reader.TokenType == JsonTokenType.String && reader.ValueSpan.Length <= 6 * 64 ? reader.GetString() : null;
                }

                reader.Skip();
            }

            return null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

public static class LicenseKeyShares
{
    /// <summary>Holds each license key to its share of the client budget; <paramref name="location"/> says where the key is.</summary>
    public static TBuilder WithLicenseKeyShare<TBuilder>(this TBuilder builder, LicenseKeyLocation location) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(location);
}
