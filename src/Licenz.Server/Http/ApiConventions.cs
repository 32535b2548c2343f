using System.Reflection;

namespace Licenz.Server.Http;

/// <summary>Policies declared on endpoint groups, read back from endpoint metadata (never from the request path).</summary>
public static class ApiConventions
{
    /// <summary>Request bodies must be UTF-8 JSON within <c>Licenz:MaxRequestBodyBytes</c> (<see cref="RequestRulesMiddleware"/>).</summary>
    public static TBuilder RequireJsonBodies<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(JsonBodyRules.Instance);

    /// <summary>
    /// Unknown and repeated query parameters are refused, as are values not of the parameter's type: a misspelt filter
    /// would otherwise be ignored and return everything. The allowed names come from the handler's parameters.
    /// </summary>
    public static TBuilder RejectUnknownQueryParameters<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder
    {
        builder.Finally(endpoint =>
        {
            // Endpoints that take no query parameters ignore a query string, as they always have.
            if (endpoint.Metadata.OfType<MethodInfo>().LastOrDefault() is { } method
                && QueryParameterRules.For(method, (endpoint as RouteEndpointBuilder)?.RoutePattern) is { Parameters.Count: > 0 } rules)
            {
                endpoint.Metadata.Add(rules);
            }
        });
        return builder;
    }

    /// <summary>
    /// Checks every request record an endpoint binds (JSON body or <c>[AsParameters]</c> query) against its declared
    /// rules (<see cref="RequestRules"/>) before the handler runs; the first broken rule is the answer.
    /// </summary>
    public static TBuilder WithRequestValidation<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.AddEndpointFilterFactory((factory, next) =>
        {
            var checks = factory.MethodInfo.GetParameters()
                .Select((parameter, index) => (Index: index, Rules: RulesOf(parameter)))
                .Where(check => check.Rules is { IsEmpty: false })
                .Select(check => (check.Index, Rules: check.Rules!))
                .ToArray();
            if (checks.Length == 0)
            {
                return next;
            }

            return invocation =>
            {
                foreach (var (index, rules) in checks)
                {
                    var request = invocation.Arguments[index];
                    var error = request is null
                        ? NullBody(invocation.HttpContext)
                        : rules.Validate(request);
                    if (error is not null)
                    {
                        return ValueTask.FromResult<object?>(new ApiErrorResult(error));
                    }
                }

                return next(invocation);
            };
        });

    /// <summary>An optional body that is there but is JSON <c>null</c>: not an object, and not the same as leaving it out.</summary>
    private static ApiError? NullBody(HttpContext context) =>
        context.Features.Get<JsonRequestBody>() is { Bytes.IsEmpty: false }
            ? new ApiError(ErrorCodes.BadRequest, "The request body must be a JSON object.", StatusCodes.Status400BadRequest)
            : null;

    private static RequestRules? RulesOf(ParameterInfo parameter)
    {
        var type = Nullable.GetUnderlyingType(parameter.ParameterType) ?? parameter.ParameterType;
        var ours = type.Assembly == typeof(ApiConventions).Assembly && type is { IsClass: true, IsAbstract: false };
        return ours ? RequestRules.For(type, query: parameter.GetCustomAttribute<AsParametersAttribute>() is not null) : null;
    }
}
