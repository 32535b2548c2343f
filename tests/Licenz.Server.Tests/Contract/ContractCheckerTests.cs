using System.Text;

namespace Licenz.Server.Tests.Contract;

/// <summary>The checker on its own, against a small hand-written document: each rule catches what it should, and only that.</summary>
public sealed class ContractCheckerTests
{
    private static readonly string[] RateLimitHeaders = ["X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Content-Type"];

    private const string AWidget = """{"id":"w_1","name":"Sprocket","size":3}""";

    [Fact]
    public void ADocumentedExchangePasses()
    {
        Assert.Empty(Check(Exchange("GET", "/api/v1/widgets?limit=5", 200, $$"""{"data":[{{AWidget}}]}""")));
        Assert.Empty(Check(Exchange("POST", "/api/v1/widgets", 201, AWidget, request: """{"name":"Sprocket","size":null}""")));
        Assert.Empty(Check(Exchange("GET", "/api/v1/widgets/w_1", 200, AWidget)));
    }

    [Fact]
    public void AnUndocumentedStatusIsCaught()
    {
        var violation = Assert.Single(Check(Exchange("GET", "/api/v1/widgets/w_1", 500, """{"error":{"code":"internal_error","message":"Boom"}}""")));

        Assert.Equal(("GET /api/v1/widgets/{id}", 500, "undocumented status"), (violation.Operation, violation.Status, violation.Rule));
        Assert.Contains("200, 404", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AStatusRangeCoversItsStatuses()
    {
        Assert.Empty(Check(Exchange("POST", "/api/v1/widgets", 409, """{"error":{"code":"conflict","message":"Taken"}}""")));
        Assert.Equal("undocumented status", Assert.Single(Check(Exchange("POST", "/api/v1/widgets", 500, """{"error":{}}"""))).Rule);
    }

    [Fact]
    public void AMissingRequiredPropertyInAResponseIsCaught()
    {
        var violation = Assert.Single(Check(Exchange("GET", "/api/v1/widgets", 200, """{"data":[{"id":"w_1"}]}""")));

        Assert.Equal(("GET /api/v1/widgets", "response body schema", "/data/0"), (violation.Operation, violation.Rule, violation.Pointer));
        Assert.Contains("required", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("name", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AWrongTypeIsCaughtWhereItIs()
    {
        var violation = Assert.Single(Check(Exchange("GET", "/api/v1/widgets/w_1", 200, """{"id":"w_1","name":"Sprocket","size":"large"}""")));

        Assert.Equal(("response body schema", "/size"), (violation.Rule, violation.Pointer));
        Assert.StartsWith("type:", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void AnUndeclaredPropertyIsCaughtWhereTheSchemaForbidsIt()
    {
        var violation = Assert.Single(Check(Exchange("GET", "/api/v1/widgets/w_1", 200, """{"id":"w_1","name":"Sprocket","colour":"red"}""")));

        Assert.Equal("/colour", violation.Pointer);
    }

    [Fact]
    public void AnUndocumentedContentTypeIsCaught()
    {
        var violation = Assert.Single(Check(Exchange("GET", "/api/v1/widgets/w_1", 200, "<p>Sprocket</p>", contentType: "text/html")));

        Assert.Equal("undocumented response content type", violation.Rule);
    }

    [Fact]
    public void AnUndocumentedQueryParameterOfAnAcceptedRequestIsCaught()
    {
        var violation = Assert.Single(Check(Exchange("GET", "/api/v1/widgets?colour=red", 200, """{"data":[]}""")));

        Assert.Equal(("GET /api/v1/widgets", "undocumented query parameter", "?colour"), (violation.Operation, violation.Rule, violation.Pointer));
    }

    [Fact]
    public void AQueryValueOutsideItsSchemaIsCaughtWhenAccepted()
    {
        var violation = Assert.Single(Check(Exchange("GET", "/api/v1/widgets?limit=500", 200, """{"data":[]}""")));

        Assert.Equal(("query parameter value", "?limit"), (violation.Rule, violation.Pointer));
        Assert.Contains("maximum", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ARequiredRequestFieldLeftOutOfAnAcceptedRequestIsCaught()
    {
        var violation = Assert.Single(Check(Exchange("POST", "/api/v1/widgets", 201, AWidget, request: """{"name":"Sprocket"}""")));

        Assert.Equal(("POST /api/v1/widgets", 201, "request body schema", "/"), (violation.Operation, violation.Status, violation.Rule, violation.Pointer));
        Assert.Contains("\"size\"", violation.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void ARefusedRequestIsNotHeldToTheRequestSchema()
    {
        // The server refusing a bad request is what it should do; only its answer is checked.
        Assert.Empty(Check(Exchange("POST", "/api/v1/widgets?colour=red", 400, """{"error":{"code":"bad_request","message":"size is required"}}""",
            request: """{"name":"Sprocket"}""")));
    }

    [Fact]
    public void AnAcceptedRequestWithoutTheRequiredBodyIsCaught()
    {
        Assert.Equal("missing request body", Assert.Single(Check(Exchange("POST", "/api/v1/widgets", 201, AWidget, request: ""))).Rule);
    }

    [Fact]
    public void AnAcceptedPathValueOutsideItsSchemaIsCaught()
    {
        var violation = Assert.Single(Check(Exchange("GET", "/api/v1/widgets/SPROCKET-1", 200, AWidget)));

        Assert.Equal(("GET /api/v1/widgets/{id}", "path parameter value", "{id}"), (violation.Operation, violation.Rule, violation.Pointer));
    }

    [Fact]
    public void ALiteralPathSegmentWinsOverATemplate()
    {
        Assert.Empty(Check(Exchange("GET", "/api/v1/widgets/count", 200, "3")));
        Assert.Equal("GET /api/v1/widgets/count", Assert.Single(Check(Exchange("GET", "/api/v1/widgets/count", 200, "\"three\""))).Operation);
    }

    [Fact]
    public void AnUndocumentedOperationIsCaughtUnlessTheServerSaysThereIsNone()
    {
        var violation = Assert.Single(Check(Exchange("DELETE", "/api/v1/widgets/w_1", 200, AWidget)));
        Assert.Equal(("DELETE /api/v1/widgets/w_1", "undocumented operation"), (violation.Operation, violation.Rule));

        Assert.Empty(Check(Exchange("DELETE", "/api/v1/widgets/w_1", 404,
            """{"error":{"code":"not_found","message":"No such endpoint: DELETE /api/v1/widgets/w_1.","status":404}}""")));
        Assert.Single(Check(Exchange("DELETE", "/api/v1/widgets/w_1", 404, """{"error":{"code":"not_found","message":"No such widget.","status":404}}""")));
    }

    [Fact]
    public void TheShortBaseIsTheSameApi()
    {
        Assert.Empty(Check(Exchange("GET", "/v1/widgets/w_1", 200, AWidget)));
        Assert.Equal("GET /api/v1/widgets/{id}", Assert.Single(Check(Exchange("GET", "/v1/widgets/w_1", 200, """{"id":"w_1"}"""))).Operation);
    }

    [Fact]
    public void TheRootJwksIsTheDocumentedOne()
    {
        Assert.Empty(Check(Exchange("GET", "/.well-known/jwks.json", 200, """{"keys":[]}""", contentType: "application/jwk-set+json")));

        var violation = Assert.Single(Check(Exchange("GET", "/.well-known/jwks.json?account=acct_nope", 404, """{"error":{"code":"not_found","message":"No such account."}}""")));
        Assert.Equal(("GET /api/v1/.well-known/jwks.json", "undocumented status"), (violation.Operation, violation.Rule));
    }

    [Fact]
    public void PathsOutsideTheApiAreNotChecked()
    {
        Assert.Empty(Check(Exchange("GET", "/dashboard/", 200, "<html></html>", contentType: "text/html")));
        Assert.Empty(Check(Exchange("GET", "/api/v1/openapi.json", 200, "{}")));
    }

    [Fact]
    public void AMissingRateLimitHeaderIsCaught()
    {
        var exchange = Exchange("GET", "/api/v1/widgets", 200, """{"data":[]}""") with { ResponseHeaders = ["Content-Type"] };

        var violation = Assert.Single(Check(exchange));

        Assert.Equal(("missing response header", "header X-RateLimit-Limit"), (violation.Rule, violation.Pointer));
    }

    [Fact]
    public void TheMessageNamesTheOperationStatusPointerAndRule()
    {
        var exception = new ContractViolationException(Check(Exchange("GET", "/api/v1/widgets/w_1", 200, """{"id":"w_1","name":7}""")));

        Assert.Contains("GET /api/v1/widgets/{id} → 200: response body schema at /name: type:", exception.Message, StringComparison.Ordinal);
    }

    private static IReadOnlyList<ContractViolation> Check(HttpExchange exchange) => ContractChecker.Check(SmallApi.Contract, exchange);

    private static HttpExchange Exchange(string method, string pathAndQuery, int status, string response, string? request = null, string contentType = "application/json") =>
        new(method,
            new Uri(new Uri("https://localhost:5001"), pathAndQuery),
            request is null ? null : "application/json; charset=utf-8",
            request is null ? [] : Encoding.UTF8.GetBytes(request),
            status,
            RateLimitHeaders,
            contentType + "; charset=utf-8",
            Encoding.UTF8.GetBytes(response));
}
