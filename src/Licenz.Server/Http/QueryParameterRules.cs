using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Licenz.Server.Http;

/// <summary>
/// The query parameters an endpoint binds, derived from its handler's parameters (<c>[AsParameters]</c> records and
/// plain query parameters), so the allowed list is never written by hand. Unknown or repeated parameters, and values
/// that are not of the parameter's type (an enum's names, a whole number), are refused before binding.
/// </summary>
public sealed partial class QueryParameterRules
{
    private readonly Dictionary<string, Parameter> _byName;
    private readonly string _allowed;

    private QueryParameterRules(IReadOnlyList<Parameter> parameters)
    {
        Parameters = parameters;
        _byName = parameters.ToDictionary(p => p.Name, StringComparer.Ordinal);
        _allowed = parameters.Count == 0 ? "none" : string.Join(", ", parameters.Select(p => p.Name));
    }

    public IReadOnlyList<Parameter> Parameters { get; }

    /// <param name="Name">The name in the query string.</param>
    /// <param name="ClrName">The C# parameter or property name, as the framework's binding errors quote it.</param>
    /// <param name="Type">The bound type, without <see cref="Nullable{T}"/>.</param>
    /// <param name="Range">The declared range of a number, if any.</param>
    /// <param name="Description">What the parameter does (its <see cref="System.ComponentModel.DescriptionAttribute"/>).</param>
    public sealed record Parameter(string Name, string ClrName, Type Type, RangeAttribute? Range, string? Description = null)
    {
        /// <summary>"must be one of active, …" / "must be a whole number from 1 to 100", for messages and the OpenAPI document.</summary>
        public string Rule => Type.IsEnum
            ? $"must be one of {string.Join(", ", ApiNames.Of(Type))}"
            : Type == typeof(int) && Range is not null
                ? $"must be a whole number from {Range.Minimum} to {Range.Maximum}"
                : Type == typeof(int) ? "must be a whole number" : "must be text";
    }

    /// <summary>Reads the query parameters of the handler <paramref name="method"/> routed by <paramref name="pattern"/>.</summary>
    public static QueryParameterRules For(MethodInfo method, RoutePattern? pattern)
    {
        var parameters = new List<Parameter>();
        foreach (var parameter in method.GetParameters())
        {
            var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
            if (parameter.GetCustomAttribute<AsParametersAttribute>() is not null)
            {
                parameters.AddRange(type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Select(property => new Parameter(
                    RequestRules.QueryName(property), property.Name,
                    QueryEnum.EnumOf(property.PropertyType) ?? Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType,
                    property.GetCustomAttribute<RangeAttribute>(),
                    property.GetCustomAttribute<System.ComponentModel.DescriptionAttribute>()?.Description)));
            }
            else if ((type == typeof(string) || type == typeof(int) || type.IsEnum)
                     && pattern?.GetParameter(parameter.Name!) is null
                     && parameter.GetCustomAttribute<Microsoft.AspNetCore.Mvc.FromServicesAttribute>() is null)
            {
                parameters.Add(new Parameter(parameter.Name!, parameter.Name!, type, parameter.GetCustomAttribute<RangeAttribute>(),
                    parameter.GetCustomAttribute<System.ComponentModel.DescriptionAttribute>()?.Description));
            }
        }

        return new QueryParameterRules(parameters);
    }

    /// <summary>The first problem with the request's query string, or null.</summary>
    public ApiError? Check(IQueryCollection query)
    {
        foreach (var (name, values) in query)
        {
            if (!_byName.TryGetValue(name, out var parameter))
            {
                var shown = name.Length > 64 ? name[..64] + "…" : name;
                return Bad($"Unknown query parameter '{shown}'. Allowed: {_allowed}.", shown);
            }

            if (values.Count > 1)
            {
                return Bad($"Query parameter '{name}' is given more than once.", name);
            }

            var value = values.ToString();
            var fits = parameter.Type.IsEnum
                ? ApiNames.Of(parameter.Type).Contains(value, StringComparer.Ordinal)
                : parameter.Type != typeof(int) || int.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _);
            if (!fits)
            {
                return Bad($"Parameter '{name}' {parameter.Rule}.", name);
            }
        }

        return null;
    }

    /// <summary>A binding failure the checks above did not foresee, still naming the parameter.</summary>
    public static ApiError? Describe(HttpContext context, BadHttpRequestException exception)
    {
        var match = FailedToBind().Match(exception.Message);
        if (!match.Success || context.GetEndpoint()?.Metadata.GetMetadata<QueryParameterRules>() is not { } rules)
        {
            return null;
        }

        var parameter = rules.Parameters.FirstOrDefault(p => p.ClrName == match.Groups[1].Value);
        return parameter is null ? null : Bad($"Parameter '{parameter.Name}' {parameter.Rule}.", parameter.Name);
    }

    private static ApiError Bad(string message, string field) => new(ErrorCodes.BadRequest, message, StatusCodes.Status400BadRequest, field);

    [GeneratedRegex("^Failed to bind parameter \"[^\"]* ([A-Za-z_][A-Za-z0-9_]*)\" from")]
    private static partial Regex FailedToBind();
}
