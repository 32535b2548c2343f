using System.Text.Json;

namespace Licenz.Sdk.Tests.Infrastructure;

internal static class Same
{
    /// <summary>
    /// Results are records, but their JSON metadata compares by document: compare it by content and the rest by value.
    /// </summary>
    public static void License(LicenseInfo expected, LicenseInfo actual)
    {
        Assert.True(JsonElement.DeepEquals(expected.Metadata, actual.Metadata), $"{expected.Metadata} ≠ {actual.Metadata}");
        Assert.Equal(expected with { Metadata = default }, actual with { Metadata = default });
    }

    public static void Product(ProductInfo expected, ProductInfo actual)
    {
        Assert.True(JsonElement.DeepEquals(expected.Metadata, actual.Metadata), $"{expected.Metadata} ≠ {actual.Metadata}");
        Assert.Equal(expected with { Metadata = default }, actual with { Metadata = default });
    }
}
