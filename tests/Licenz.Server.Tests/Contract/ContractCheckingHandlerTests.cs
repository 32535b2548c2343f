using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using Licenz.Server.Hosting;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Contract;

/// <summary>
/// The handler between a client and the real server: it sends requests unchanged, still sees what was sent
/// once the server has answered, leaves the response readable, and fails the request that breaks the contract.
/// A hand-written document stands in for the server's, so these tests do not depend on today's disagreements.
/// </summary>
public sealed class ContractCheckingHandlerTests(LicenzApplication app) : IClassFixture<LicenzApplication>
{
    private const string Products = """
        {
          "openapi": "3.1.1",
          "info": { "title": "Products only", "version": "v1" },
          "paths": {
            "/api/v1/products": {
              "post": {
                "requestBody": { "content": { "application/json": { "schema": {
                  "type": "object", "required": [ "name", "code" ], "properties": { "name": { "type": "string" }, "code": { "type": "string" } } } } } },
                "responses": { "201": { "description": "Created", "content": { "application/json": { "schema": {
                  "type": "object", "required": [ "data" ], "properties": { "data": { "type": "object", "required": [ "id" ] } } } } } } }
              }
            },
            "/api/v1/products/{id}": {
              "get": { "responses": { "200": { "description": "OK" } } }
            }
          }
        }
        """;

    [Fact]
    public async Task ARequiredFieldLeftOutOfAnAcceptedRequestFailsTheRequest()
    {
        using var client = CheckedClient(ContractCheckMode.Fail);

        // JsonContent goes out chunked: the handler still sees the body the server accepted.
        var failure = await Assert.ThrowsAsync<ContractViolationException>(() => client.PostAsJsonAsync("products", new { name = "Handler Check" }));

        var violation = Assert.Single(failure.Violations);
        Assert.Equal(("POST /api/v1/products", 201, "request body schema", "/"), (violation.Operation, violation.Status, violation.Rule, violation.Pointer));
        Assert.Contains("\"code\"", violation.Detail, StringComparison.Ordinal);
        Assert.Contains("POST /api/v1/products → 201: request body schema at /:", failure.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUndocumentedStatusFailsTheRequest()
    {
        using var client = CheckedClient(ContractCheckMode.Fail);

        var failure = await Assert.ThrowsAsync<ContractViolationException>(() => client.GetAsync("products/prod_missing"));

        Assert.Equal(("GET /api/v1/products/{id}", 404, "undocumented status"), (failure.Violations[0].Operation, failure.Violations[0].Status, failure.Violations[0].Rule));
    }

    [Fact]
    public async Task AnExchangeThatKeepsTheContractIsLeftAsItWas()
    {
        using var client = CheckedClient(ContractCheckMode.Fail);

        using var response = await client.PostAsJsonAsync("products", new { name = "Handler Check Kept", code = "handler-check-kept" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.Contains("\"name\":\"Handler Check Kept\"", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnUnknownEndpointIsNotAViolation()
    {
        using var client = CheckedClient(ContractCheckMode.Fail);

        using var response = await client.GetAsync("no-such-thing");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private HttpClient CheckedClient(ContractCheckMode mode)
    {
        var pinned = app.Services.GetRequiredService<TlsCertificate>().Certificate.Thumbprint;
        var connection = new SocketsHttpHandler
        {
            SslOptions = { RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 c && c.Thumbprint == pinned },
        };
        var handler = new ContractCheckingHandler(() => Task.FromResult(OpenApiContract.Parse(Products)), mode) { InnerHandler = connection };
        var client = new HttpClient(handler) { BaseAddress = new Uri(app.HttpsAddress, "/api/v1/") };
        client.DefaultRequestHeaders.Authorization = new("Bearer", app.AdminKey);
        return client;
    }
}
