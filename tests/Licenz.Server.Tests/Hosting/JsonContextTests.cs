using System.Text.Json;
using System.Text.Json.Serialization;
using Licenz.Server.Http;

namespace Licenz.Server.Tests.Hosting;

/// <summary>
/// Each feature has its own source-generated JSON context, and the options attribute cannot be inherited: every context
/// must still read and write JSON exactly as <see cref="HttpJsonContext"/> does, or one feature's requests would be less
/// strict than another's.
/// </summary>
public sealed class JsonContextTests
{
    public static TheoryData<string> FeatureContexts => new(typeof(HttpJsonContext).Assembly.GetTypes()
        .Where(t => t.IsSubclassOf(typeof(JsonSerializerContext)) && t != typeof(HttpJsonContext) && t.Name.EndsWith("JsonContext", StringComparison.Ordinal))
        .Select(t => t.FullName!));

    [Theory]
    [MemberData(nameof(FeatureContexts))]
    public void EveryFeaturesJsonContextHasTheSharedOptions(string contextType)
    {
        var type = typeof(HttpJsonContext).Assembly.GetType(contextType)!;
        var options = ((JsonSerializerContext)type.GetProperty("Default")!.GetValue(null)!).Options;
        var shared = HttpJsonContext.Default.Options;

        Assert.Same(shared.PropertyNamingPolicy?.GetType(), options.PropertyNamingPolicy?.GetType());
        Assert.Equal(JsonNamingPolicy.SnakeCaseLower.ConvertName("ProductId"), options.PropertyNamingPolicy!.ConvertName("ProductId"));
        Assert.Equal(shared.UnmappedMemberHandling, options.UnmappedMemberHandling);
        Assert.Equal(shared.RespectNullableAnnotations, options.RespectNullableAnnotations);
        Assert.Equal(shared.RespectRequiredConstructorParameters, options.RespectRequiredConstructorParameters);
        Assert.Equal(shared.AllowDuplicateProperties, options.AllowDuplicateProperties);
        Assert.Equal(shared.NumberHandling, options.NumberHandling);
        Assert.Equal(shared.Converters.Select(c => c.GetType()), options.Converters.Select(c => c.GetType()));
    }

    [Fact]
    public void TheFeaturesHaveTheirOwnContexts() => Assert.True(FeatureContexts.Count >= 7, $"Only {FeatureContexts.Count} feature contexts.");
}
