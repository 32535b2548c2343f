using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Xml;
using Licenz.Server.Http;

namespace Licenz.Server.Policies;

/// <summary>The bounds of a policy's settings, and how a duration is read (ISO-8601 or seconds).</summary>
public static class PolicyRules
{
    public const long MinDurationSeconds = 3600;

    /// <summary>100 years of 365.25 days.</summary>
    public const long MaxDurationSeconds = 3_155_760_000;

    public const long MaxGraceSeconds = 365L * 24 * 3600;
    public const int MinHeartbeatSeconds = 60;
    public const int MaxHeartbeatSeconds = 30 * 24 * 3600;
    public const int DefaultHeartbeatSeconds = 600;
    public const long MinCheckInSeconds = 3600;
    public const long MaxCheckInSeconds = 365L * 24 * 3600;
    public const int MaxLimit = 1_000_000;

    /// <summary>"30 days", "12 hours", "1 year and 5 days": a duration in words, for messages.</summary>
    public static string Words(TimeSpan span)
    {
        if (span.TotalDays >= 1)
        {
            var days = (long)Math.Round(span.TotalDays);
            return days == 1 ? "1 day" : $"{days.ToString(CultureInfo.InvariantCulture)} days";
        }

        if (span.TotalHours >= 1)
        {
            var hours = (long)Math.Round(span.TotalHours);
            return hours == 1 ? "1 hour" : $"{hours.ToString(CultureInfo.InvariantCulture)} hours";
        }

        var minutes = Math.Max(1, (long)Math.Round(span.TotalMinutes));
        return minutes == 1 ? "1 minute" : $"{minutes.ToString(CultureInfo.InvariantCulture)} minutes";
    }
}

/// <summary>
/// A duration in a request: a whole number of seconds, or an ISO-8601 duration text (<c>P30D</c>, <c>PT12H</c>,
/// <c>P1Y</c> — a year as 365 days and a month as 30, as <see cref="XmlConvert.ToTimeSpan"/> reads them). Answers
/// show it in seconds.
/// </summary>
[JsonConverter(typeof(PolicyDurationConverter))]
public readonly record struct PolicyDuration(long Seconds);

/// <summary>Reads <see cref="PolicyDuration"/> from a number or an ISO-8601 text; anything else is a bad field (<see cref="JsonBodyErrors"/>).</summary>
public sealed class PolicyDurationConverter : JsonConverter<PolicyDuration>
{
    public override PolicyDuration Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var seconds))
        {
            return new PolicyDuration(seconds);
        }

        if (reader.TokenType == JsonTokenType.String && reader.GetString()?.Trim() is { Length: > 1 and <= 64 } text && text.StartsWith('P'))
        {
            try
            {
                return new PolicyDuration((long)XmlConvert.ToTimeSpan(text).TotalSeconds);
            }
            catch (Exception exception) when (exception is FormatException or OverflowException)
            {
            }
        }

        throw new JsonException("A duration is a number of seconds or an ISO-8601 duration text.");
    }

    public override void Write(Utf8JsonWriter writer, PolicyDuration value, JsonSerializerOptions options) => writer.WriteNumberValue(value.Seconds);
}

/// <summary>A <see cref="PolicyDuration"/> between <paramref name="min"/> and <paramref name="max"/> seconds.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class DurationAttribute(long min, long max) : ValidationAttribute
{
    public long Min { get; } = min;

    public long Max { get; } = max;

    protected override ValidationResult? IsValid(object? value, ValidationContext context) =>
        value is PolicyDuration { Seconds: var seconds } && (seconds < Min || seconds > Max)
            ? new ValidationResult(
                $"{context.DisplayName} must be between {Min} and {Max} seconds ({PolicyRules.Words(TimeSpan.FromSeconds(Min))} to {PolicyRules.Words(TimeSpan.FromSeconds(Max))}); it is {seconds}.",
                [context.MemberName!])
            : ValidationResult.Success;
}

/// <summary>A list of entitlement codes: at most 100, each a valid code (<see cref="Entitlements.EntitlementCodeAttribute"/>).</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class EntitlementCodesAttribute : ValidationAttribute
{
    public const int MaxCodes = 100;

    protected override ValidationResult? IsValid(object? value, ValidationContext context)
    {
        if (value is not IReadOnlyList<string> codes)
        {
            return ValidationResult.Success;
        }

        if (codes.Count > MaxCodes)
        {
            return new ValidationResult($"{context.DisplayName} may list at most {MaxCodes} codes.", [context.MemberName!]);
        }

        foreach (var code in codes)
        {
            if (!Entitlements.EntitlementCodeAttribute.Code().IsMatch(code ?? ""))
            {
                return new ValidationResult(
                    $"{context.DisplayName} has '{RequestRules.Shown(code ?? "")}', which is not an entitlement code (letters, digits, '.', '_', ':' and '-', at most 64).",
                    [context.MemberName!]);
            }
        }

        return ValidationResult.Success;
    }
}
