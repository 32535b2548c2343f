namespace Licenz.Server.Http;

/// <summary>Endpoint metadata for the OpenAPI document: what a route parameter is.</summary>
public sealed record RouteParameterDescription(string Name, string Description);

/// <summary>Endpoint metadata for the OpenAPI document: an error status the endpoint answers besides the usual ones.</summary>
public sealed record DocumentedError(int Status, string Description);

public static class ApiDocumentationConventions
{
    public static TBuilder WithRouteParameter<TBuilder>(this TBuilder builder, string name, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RouteParameterDescription(name, description));

    public static TBuilder WithDocumentedError<TBuilder>(this TBuilder builder, int status, string description)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new DocumentedError(status, description));
}
