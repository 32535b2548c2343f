using System.Buffers;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Net.Mail;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;

namespace Licenz.Server.Http;

/// <summary>
/// The rules of a request record, declared on its properties with DataAnnotations and checked in declaration order;
/// the first broken rule is a <c>bad_request</c> naming the field (JSON bodies) or parameter (<c>[AsParameters]</c> queries).
/// The OpenAPI document reads the same attributes.
/// </summary>
public sealed class RequestRules
{
    private static readonly Dictionary<(Type, bool), RequestRules> Cache = [];
    private readonly (PropertyInfo Property, string Name, string DisplayName, ValidationAttribute[] Rules)[] _properties;
    private readonly string _kind;

    private RequestRules(Type type, bool query)
    {
        _kind = query ? "Parameter" : "Field";
        _properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Name: query ? QueryName(p) : JsonName(p), Rules: p.GetCustomAttributes<ValidationAttribute>(inherit: true).ToArray()))
            .Where(p => p.Rules.Length > 0)
            .Select(p => (p.Property, p.Name, $"{_kind} '{p.Name}'", p.Rules))
            .ToArray();
    }

    public bool IsEmpty => _properties.Length == 0;

    public static RequestRules For(Type type, bool query = false)
    {
        lock (Cache)
        {
            if (!Cache.TryGetValue((type, query), out var rules))
            {
                rules = new RequestRules(type, query);
                Cache[(type, query)] = rules;
            }

            return rules;
        }
    }

    /// <summary>The first broken rule of <paramref name="request"/>, or null when it keeps them all.</summary>
    public static ApiError? Check(object request, bool query = false) => For(request.GetType(), query).Validate(request);

    public ApiError? Validate(object request)
    {
        ValidationContext? context = null;
        foreach (var (property, name, displayName, rules) in _properties)
        {
            var value = property.GetValue(request);
            if (value is null)
            {
                // Every rule here is about a value that is there; a missing required one was refused while reading JSON.
                continue;
            }

            context ??= new ValidationContext(request);
            context.MemberName = property.Name;
            context.DisplayName = displayName;
            foreach (var rule in rules)
            {
                if (rule.GetValidationResult(value, context) is { } broken && broken != ValidationResult.Success)
                {
                    return new ApiError(ErrorCodes.BadRequest, broken.ErrorMessage ?? $"{_kind} '{name}' is invalid.", StatusCodes.Status400BadRequest, name);
                }
            }
        }

        return null;
    }

    public static string JsonName(PropertyInfo property) =>
        property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);

    public static string QueryName(PropertyInfo property) =>
        property.GetCustomAttribute<Microsoft.AspNetCore.Mvc.FromQueryAttribute>()?.Name ?? JsonNamingPolicy.SnakeCaseLower.ConvertName(property.Name);

    /// <summary>The message format for <see cref="RangeAttribute"/>: "Field 'days' must be between 1 and 36500."</summary>
    public const string RangeMessage = "{0} must be between {1} and {2}.";

    /// <summary>A value the caller sent, as a message quotes it: cut to 64 characters.</summary>
    public static string Shown(string value) => value.Length > 64 ? value[..64] + "…" : value;
}

/// <summary>
/// One line of printable text, at most <paramref name="maxLength"/> characters once trimmed: not blank, no control,
/// line-breaking or invisible formatting characters (joiners excepted), no unpaired surrogates.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class PrintableTextAttribute(int maxLength) : ValidationAttribute
{
    public int MaxLength { get; } = maxLength;

    protected override ValidationResult? IsValid(object? value, ValidationContext context) =>
        value is string text && Problem(text, MaxLength) is { } problem
            ? new ValidationResult($"{context.DisplayName} {problem}", [context.MemberName!])
            : ValidationResult.Success;

    /// <summary>What is wrong with <paramref name="value"/> as a sentence ending ("must not be empty."), or null.</summary>
    public static string? Problem(string value, int maxLength)
    {
        var trimmed = value.Trim();
        if (trimmed.Length == 0)
        {
            return "must not be empty.";
        }

        if (trimmed.Length > maxLength)
        {
            return $"must be at most {maxLength} characters.";
        }

        var span = trimmed.AsSpan();
        while (!span.IsEmpty)
        {
            if (Rune.DecodeFromUtf16(span, out var rune, out var consumed) != OperationStatus.Done)
            {
                return "contains an unpaired surrogate; send valid Unicode text.";
            }

            var category = Rune.GetUnicodeCategory(rune);
            if (category is UnicodeCategory.Control or UnicodeCategory.LineSeparator or UnicodeCategory.ParagraphSeparator
                || (category is UnicodeCategory.Format && rune.Value is not (0x200C or 0x200D)))
            {
                // Joiners are part of ordinary text (emoji sequences, Indic scripts); bidi overrides are not.
                return $"contains a control, line-breaking or invisible formatting character (U+{rune.Value:X4}).";
            }

            span = span[consumed..];
        }

        return null;
    }
}

/// <summary>An email address such as <c>customer@example.com</c>: no display name, no spaces, at most 320 characters.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class EmailAttribute : ValidationAttribute
{
    public const int MaxLength = 320;

    protected override ValidationResult? IsValid(object? value, ValidationContext context)
    {
        if (value is not string text)
        {
            return ValidationResult.Success;
        }

        if (PrintableTextAttribute.Problem(text, MaxLength) is { } problem)
        {
            return new ValidationResult($"{context.DisplayName} {problem}", [context.MemberName!]);
        }

        text = text.Trim();
        return MailAddress.TryCreate(text, out var address) && address.Address == text && address.DisplayName.Length == 0
            && text.Contains('@') && !text.Any(char.IsWhiteSpace)
            ? ValidationResult.Success
            : new ValidationResult($"{context.DisplayName} must be an email address such as customer@example.com.", [context.MemberName!]);
    }
}

/// <summary>
/// A caller's nonce: 8 to 128 characters of letters, digits and <c>. _ ~ + / = : -</c> (hex, base64, UUIDs fit),
/// because it is echoed into the response signature's parameters.
/// </summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed partial class NonceAttribute : ValidationAttribute
{
    public const int MinLength = 8;
    public const int MaxLength = 128;
    public const string Pattern = "^[A-Za-z0-9._~+/=:-]+$";

    protected override ValidationResult? IsValid(object? value, ValidationContext context) =>
        value is not string text || (text.Length is >= MinLength and <= MaxLength && Allowed().IsMatch(text))
            ? ValidationResult.Success
            : new ValidationResult(
                $"{context.DisplayName} must be 8 to 128 characters of letters, digits and . _ ~ + / = : - (a random hex or base64 value).",
                [context.MemberName!]);

    [GeneratedRegex(Pattern)]
    private static partial Regex Allowed();
}

/// <summary>A JSON object of at most 64 keys (each a printable name of at most 100 characters) and 16 KiB.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Parameter)]
public sealed class MetadataObjectAttribute : ValidationAttribute
{
    public const int MaxKeys = 64;
    public const int MaxBytes = 16 * 1024;

    protected override ValidationResult? IsValid(object? value, ValidationContext context) =>
        value is JsonElement element && Problem(element) is { } problem
            ? new ValidationResult($"{context.DisplayName} {problem}", [context.MemberName!])
            : ValidationResult.Success;

    private static string? Problem(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return "must be a JSON object.";
        }

        // Well-formed JSON can still hold text that does not decode (a lone \ud800, invalid UTF-8): refuse it
        // rather than store it altered or fail while storing it.
        if (!JsonBodyErrors.Decodes(element))
        {
            return "contains text that is not valid Unicode (invalid UTF-8 or an unpaired surrogate such as \\ud800).";
        }

        if (Depth(element) >= JsonBodyErrors.MaxDepth)
        {
            return $"is nested too deeply: at most {JsonBodyErrors.MaxDepth} levels of objects and arrays are allowed in a request body.";
        }

        var count = 0;
        foreach (var property in element.EnumerateObject())
        {
            if (++count > MaxKeys)
            {
                return $"may have at most {MaxKeys} keys.";
            }

            if (PrintableTextAttribute.Problem(property.Name, 100) is { } problem)
            {
                return $"has a key that {problem}";
            }
        }

        return Encoding.UTF8.GetByteCount(Compact(element)) > MaxBytes ? $"must be at most {MaxBytes} bytes of JSON." : null;
    }

    /// <summary>How many objects and arrays deep the element goes below the request body's top level.</summary>
    private static int Depth(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => 1 + element.EnumerateObject().Select(p => Depth(p.Value)).DefaultIfEmpty(0).Max(),
        JsonValueKind.Array => 1 + element.EnumerateArray().Select(Depth).DefaultIfEmpty(0).Max(),
        _ => 0,
    };

    /// <summary>The object as compact JSON for storage.</summary>
    public static string Compact(JsonElement element) => JsonSerializer.Serialize(element, HttpJsonContext.Default.JsonElement);
}
