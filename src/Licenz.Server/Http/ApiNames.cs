using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Licenz.Server.Http;

/// <summary>
/// The one spelling of an enum outside C#: the member's <see cref="JsonStringEnumMemberNameAttribute"/>, or else its
/// snake_case name (the API's naming policy). JSON bodies, query strings, the OpenAPI document and the command line
/// all read it from here.
/// </summary>
public static class ApiNames
{
    /// <summary>The names of <paramref name="enumType"/>'s members, in declaration order.</summary>
    public static IReadOnlyList<string> Of(Type enumType) =>
        enumType.GetFields(BindingFlags.Public | BindingFlags.Static)
            .Select(field => field.GetCustomAttribute<JsonStringEnumMemberNameAttribute>()?.Name
                ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(field.Name))
            .ToArray();

    /// <summary>The name of one value of an enum known only at run time.</summary>
    public static string? NameOf(Enum value)
    {
        var type = value.GetType();
        var index = Array.IndexOf(Enum.GetValuesAsUnderlyingType(type), Convert.ChangeType(value, Enum.GetUnderlyingType(type), null));
        return index < 0 ? null : Of(type)[index];
    }

    public static string Name<T>(this T value) where T : struct, Enum => ApiNames<T>.Name(value);
}

/// <summary>The API names of <typeparamref name="T"/>, computed once.</summary>
public static class ApiNames<T> where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();

    public static IReadOnlyList<string> All { get; } = ApiNames.Of(typeof(T));

    /// <summary>"a, b, c", for messages.</summary>
    public static string List { get; } = string.Join(", ", All);

    public static string Name(T value)
    {
        for (var i = 0; i < Values.Length; i++)
        {
            if (EqualityComparer<T>.Default.Equals(Values[i], value))
            {
                return All[i];
            }
        }

        throw new ArgumentOutOfRangeException(nameof(value), value, null);
    }

    /// <summary>Exactly one of <see cref="All"/>: what the API accepts.</summary>
    public static bool TryParse(string? text, out T value)
    {
        for (var i = 0; i < Values.Length; i++)
        {
            if (string.Equals(All[i], text, StringComparison.Ordinal))
            {
                value = Values[i];
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>
    /// What a person types on the command line or in configuration: any case, surrounding spaces, and '-' for '_'
    /// (<c>read-only</c>). Still only the names, never a number.
    /// </summary>
    public static bool TryParseLoose(string? text, out T value) =>
        TryParse(text?.Trim().ToLowerInvariant().Replace('-', '_'), out value);
}

/// <summary>
/// Enums in JSON as their <see cref="ApiNames"/>, and nothing else: no numbers, no other case, no C# names.
/// A value that is not a name is a <see cref="JsonException"/>, which the body reader turns into a message listing the names.
/// </summary>
public sealed class ApiEnumConverter<T> : JsonConverter<T> where T : struct, Enum
{
    private static readonly T[] Values = Enum.GetValues<T>();
    private static readonly JsonEncodedText[] Encoded = ApiNames<T>.All.Select(name => JsonEncodedText.Encode(name)).ToArray();

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            for (var i = 0; i < Encoded.Length; i++)
            {
                if (reader.ValueTextEquals(Encoded[i].EncodedUtf8Bytes))
                {
                    return Values[i];
                }
            }
        }

        throw new JsonException($"Expected one of {ApiNames<T>.List}.");
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options)
    {
        for (var i = 0; i < Values.Length; i++)
        {
            if (EqualityComparer<T>.Default.Equals(Values[i], value))
            {
                writer.WriteStringValue(Encoded[i]);
                return;
            }
        }

        throw new JsonException($"{typeof(T).Name} has no value {value}.");
    }
}

/// <summary>Applies <see cref="ApiEnumConverter{T}"/> to every enum the API reads or writes.</summary>
public sealed class ApiEnumConverterFactory : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter? CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter?)Activator.CreateInstance(typeof(ApiEnumConverter<>).MakeGenericType(typeToConvert));
}

/// <summary>
/// An enum in a query string, bound by its API name: the framework's own binding of a query enum wants the C# name
/// (<c>Active</c>, or a number), and the API spells it <c>active</c>.
/// </summary>
public readonly record struct QueryEnum<T>(T Value) where T : struct, Enum
{
    public static bool TryParse(string? text, out QueryEnum<T> result)
    {
        var parsed = ApiNames<T>.TryParse(text, out var value);
        result = new QueryEnum<T>(value);
        return parsed;
    }

    public override string ToString() => ApiNames<T>.Name(Value);
}

public static class QueryEnum
{
    /// <summary>The enum behind <paramref name="type"/> when it is a <see cref="QueryEnum{T}"/> (or a nullable one), or null.</summary>
    public static Type? EnumOf(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsGenericType && type.GetGenericTypeDefinition() == typeof(QueryEnum<>) ? type.GetGenericArguments()[0] : null;
    }
}
