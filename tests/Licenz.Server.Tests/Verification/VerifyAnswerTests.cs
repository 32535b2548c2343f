using System.Text.Json;
using Licenz.Server.Api;
using Licenz.Server.Licenses;
using Licenz.Server.Tests.Infrastructure;
using Licenz.Server.Verification;
using Microsoft.AspNetCore.Http;
using Microsoft.IO;

namespace Licenz.Server.Tests.Verification;

/// <summary>
/// The verify answer writes the bytes <c>TypedResults.Ok</c> would, whether it serialises straight into the
/// signing buffer (a body that is an <c>IBufferWriter</c>) or streams into any other body.
/// </summary>
public sealed class VerifyAnswerTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private static readonly RecyclableMemoryStreamManager Buffers = new();

    [Fact]
    public async Task BufferedAndStreamedAnswersAreByteForByteWhatTypedResultsOkWrites()
    {
        using var metadata = JsonDocument.Parse("""{"seats": 5, "edition": "pro <beta> & \"more\"", "note": "naïve café ✓"}""");
        var result = new VerifyResult(true, "VALID", "The license is valid.", "n-<1>&'2'", new DateTime(2026, 1, 15, 10, 30, 0, 500, DateTimeKind.Utc), "acct_1",
            new VerifiedLicense("lic_1", "LZ-AAAA-BBBB", "prod_1", LicenseType.Subscription, LicenseStatus.Active, null, metadata.RootElement.Clone(), new DateTime(2025, 12, 1, 8, 0, 0, DateTimeKind.Utc)));

        var (expected, expectedType) = await WriteAsync(TypedResults.Ok(new DataEnvelope<VerifyResult>(result)), new MemoryStream());
        var (streamed, streamedType) = await WriteAsync(new VerifyAnswer(result), new MemoryStream());
        var (buffered, bufferedType) = await WriteAsync(new VerifyAnswer(result), Buffers.GetStream("test"));

        Assert.Contains("\"verified_at\":\"2026-01-15T10:30:00Z\"", System.Text.Encoding.UTF8.GetString(expected), StringComparison.Ordinal);
        Assert.Contains("\"type\":\"subscription\",\"status\":\"active\"", System.Text.Encoding.UTF8.GetString(expected), StringComparison.Ordinal);
        Assert.Equal(expected, streamed);
        Assert.Equal(expected, buffered);
        Assert.Equal(expectedType, streamedType);
        Assert.Equal(expectedType, bufferedType);
    }

    private async Task<(byte[] Body, string? ContentType)> WriteAsync(IResult answer, MemoryStream body)
    {
        await using var _ = body;
        var context = new DefaultHttpContext { RequestServices = app.Services };
        context.Response.Body = body;
        await answer.ExecuteAsync(context);
        Assert.Equal(StatusCodes.Status200OK, context.Response.StatusCode);
        return (body.ToArray(), context.Response.ContentType);
    }
}
