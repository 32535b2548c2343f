namespace Licenz.Server.Http;

/// <summary>Several endpoints' convention builders as one, so a feature's endpoints can be given conventions together.</summary>
public sealed class ConventionBuilders(params IEndpointConventionBuilder[] builders) : IEndpointConventionBuilder
{
    public void Add(Action<EndpointBuilder> convention)
    {
        foreach (var builder in builders)
        {
            builder.Add(convention);
        }
    }

    public void Finally(Action<EndpointBuilder> finallyConvention)
    {
        foreach (var builder in builders)
        {
            builder.Finally(finallyConvention);
        }
    }
}
