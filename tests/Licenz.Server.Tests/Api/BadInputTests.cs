using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using Licenz.Server.Hosting;
using Licenz.Server.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Api;

/// <summary>
/// Every kind of bad request body, sent to every endpoint that takes one: the answer is always a 400
/// <c>bad_request</c> that says what is wrong (and which field, when one is at fault), never a 500, and
/// the database is exactly as it was.
/// </summary>
public sealed class BadInputTests(BadInputApplication app) : IClassFixture<BadInputApplication>
{
    public static TheoryData<string> CaseNames => new(BadInputCases.All.Keys);

    public static TheoryData<string> AcceptedNames => new(
        "Family 👨‍👩‍👧 Edition",        // zero-width joiners inside an emoji sequence
        "👩🏽‍💻 Developer Kit",          // skin tone modifier and a joiner
        "Key 🔑 Manager",
        "Cafe\u0301 Pro",             // e + combining acute accent
        "Z\u0351a\u0352l\u0353g\u0354o",  // stacked combining marks
        "\u0645\u062F\u06CC\u0631",   // Persian, right to left without any override character
        "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", // Persian with a zero-width non-joiner
        "日本語のアプリ",
        "Ünïcödé Tëst");

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task BadInputIsRefusedWithABadRequestThatNamesTheProblemAndWritesNothing(string name)
    {
        var input = BadInputCases.All[name];
        using var client = app.CreateAdminClient();
        // Move the clock so that any write (even a key's last-used time) would show in the snapshot.
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();

        using var response = await input.SendAsync(app, client, TestContext.Current.CancellationToken);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        var message = error.Str("message");
        foreach (var fragment in input.Says)
        {
            Assert.Contains(fragment, message, StringComparison.OrdinalIgnoreCase);
        }

        Assert.True(message.Length < 1000, $"The message echoes too much of the input ({message.Length} characters).");
        if (input.Field is null)
        {
            Assert.False(error.TryGetProperty("field", out var field), $"Unexpected field '{field}' in {error}");
        }
        else
        {
            Assert.True(error.TryGetProperty("field", out var field), $"No field in {error}");
            Assert.StartsWith(input.Field, field.GetString(), StringComparison.Ordinal);
        }

        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Theory]
    [MemberData(nameof(AcceptedNames))]
    public async Task UnusualButValidUnicodeIsAcceptedInANameAndKeptExactly(string name)
    {
        using var client = app.CreateAdminClient();

        var created = await (await client.PostJsonAsync("products", new { name, code = "u-" + Guid.NewGuid().ToString("N")[..12] }))
            .DataAsync(HttpStatusCode.Created);
        var read = await (await client.GetAsync($"products/{created.Str("id")}", TestContext.Current.CancellationToken)).DataAsync();

        Assert.Equal(name, created.Str("name"));
        Assert.Equal(name, read.Str("name"));
    }

    [Fact]
    public async Task AJoinerInsideAnEmojiIsAcceptedInAnApiKeyName()
    {
        using var client = app.CreateAdminClient();

        var key = await (await client.PostJsonAsync("api-keys", new { type = "read_only", name = "Team 👨‍👩‍👧 laptop" }))
            .DataAsync(HttpStatusCode.Created);

        Assert.Equal("Team 👨‍👩‍👧 laptop", key.Str("name"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyJustUnderTheSizeLimitIsAccepted(bool chunked)
    {
        using var client = app.CreateAdminClient();
        var body = BadInputCases.Padded("{\"key\":\"LIC-AAAAA-AAAAA-AAAAA\"}", BadInputCases.DefaultLimit);
        Assert.Equal(BadInputCases.DefaultLimit, body.Length);

        using var response = await client.PostAsync("licenses/verify", BadInputCases.Content(body, "application/json", chunked),
            TestContext.Current.CancellationToken);

        var data = await response.DataAsync();
        Assert.Equal("NOT_FOUND", data.Str("code"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task ABodyOneByteOverTheSizeLimitIsRefused(bool chunked)
    {
        using var client = app.CreateAdminClient();
        app.Time.Advance(TimeSpan.FromMinutes(1));
        var before = await app.SnapshotDatabaseAsync();
        var body = BadInputCases.Padded("{\"name\":\"Just too big\"}", BadInputCases.DefaultLimit + 1);
        using var request = new HttpRequestMessage(HttpMethod.Post, "products") { Content = BadInputCases.Content(body, "application/json", chunked) };
        // Refused from its Content-Length before it is read: only a client that waits for "100 Continue" hears the answer.
        request.Headers.ExpectContinue = !chunked;

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        var error = await response.ErrorAsync(HttpStatusCode.BadRequest, "bad_request");
        Assert.Contains($"limit of {BadInputCases.DefaultLimit} bytes", error.Str("message"), StringComparison.Ordinal);
        Assert.Equal(before, await app.SnapshotDatabaseAsync());
    }

    [Fact]
    public async Task ARenewWithoutABodyUsesTheProductLength()
    {
        // The renew body is optional: leaving it out is not bad input (the control for the renew cases).
        using var client = app.CreateAdminClient();
        var license = await (await client.GetAsync($"licenses/{app.LicenseId}", TestContext.Current.CancellationToken)).DataAsync();

        using var response = await client.PostAsync($"licenses/{app.LicenseId}/renew", content: null, TestContext.Current.CancellationToken);

        var renewed = await response.DataAsync();
        Assert.Equal(
            DateTimeOffset.Parse(license.Str("expires_at"), CultureInfo.InvariantCulture).AddDays(365),
            DateTimeOffset.Parse(renewed.Str("expires_at"), CultureInfo.InvariantCulture));
    }
}

/// <summary>A server with a product and a subscription license for the PATCH and renew cases to aim at.</summary>
public sealed class BadInputApplication : LicenzApplication
{
    public string ProductId { get; private set; } = "";

    public string LicenseId { get; private set; } = "";

    public override async ValueTask InitializeAsync()
    {
        await base.InitializeAsync();
        using var client = CreateAdminClient();
        var product = await (await client.PostJsonAsync("products", new { name = "Bad input target", code = "target" }))
            .DataAsync(HttpStatusCode.Created);
        ProductId = product.Str("id");
        var license = await (await client.PostJsonAsync("licenses", new { product_id = ProductId, email = "customer@example.com", type = "subscription" }))
            .DataAsync(HttpStatusCode.Created);
        LicenseId = license.Str("id");
    }
}

/// <summary>
/// One bad request. <see cref="Path"/> and <see cref="Body"/> may hold <c>{product}</c> and <c>{license}</c>, filled in
/// with the fixture's ids; <c>&lt;byte:FF&gt;</c> in the body stands for that raw byte (for invalid UTF-8).
/// </summary>
public sealed class BadInput(string method, string path, string body, string? field, params string[] says)
{
    public string Method { get; } = method;

    public string Path { get; } = path;

    public string Body { get; } = body;

    /// <summary>The field the error must name; null when the fault is not in one field (the error then has no field).</summary>
    public string? Field { get; } = field;

    /// <summary>Fragments the error message must contain (case-insensitive).</summary>
    public IReadOnlyList<string> Says { get; } = says;

    /// <summary>The Content-Type header; null sends none.</summary>
    public string? ContentType { get; init; } = "application/json";

    /// <summary>Sent without a length: <c>Transfer-Encoding: chunked</c> in HTTP/1.1, plain DATA frames in HTTP/2.</summary>
    public bool Chunked { get; init; }

    public BodyTransport Transport { get; init; } = BodyTransport.Http11;

    public async Task<HttpResponseMessage> SendAsync(BadInputApplication app, HttpClient client, CancellationToken cancellationToken)
    {
        var path = Fill(Path, app);
        var body = BadInputCases.Encode(Fill(Body, app));
        if (Transport == BodyTransport.RawHttp11)
        {
            return await RawHttp11.SendAsync(app, app.AdminKey, Method, "/api/v1/" + path, body, ContentType, Chunked, cancellationToken);
        }

        using var request = new HttpRequestMessage(new HttpMethod(Method), path) { Content = BadInputCases.Content(body, ContentType, Chunked) };
        if (Transport == BodyTransport.Http11ExpectContinue)
        {
            request.Headers.ExpectContinue = true;
        }
        else if (Transport == BodyTransport.Http2)
        {
            request.Version = HttpVersion.Version20;
            request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        }

        var response = await client.SendAsync(request, cancellationToken);
        if (Transport == BodyTransport.Http2)
        {
            Assert.Equal(HttpVersion.Version20, response.Version);
        }

        return response;
    }

    private static string Fill(string text, BadInputApplication app) =>
        text.Replace("{product}", app.ProductId, StringComparison.Ordinal).Replace("{license}", app.LicenseId, StringComparison.Ordinal);
}

public enum BodyTransport
{
    /// <summary>HttpClient over HTTP/1.1: it reads the answer only once the whole body is sent.</summary>
    Http11,

    /// <summary>HTTP/1.1 with <c>Expect: 100-continue</c>, as curl sends large bodies: the server can refuse before the upload.</summary>
    Http11ExpectContinue,

    /// <summary>HttpClient over HTTP/2, which hears an answer that comes while it is still sending.</summary>
    Http2,

    /// <summary>HTTP/1.1 over a bare TLS socket that reads the answer while it is still sending the body.</summary>
    RawHttp11,
}

/// <summary>The catalogue of bad input, built per endpoint from a valid body and the endpoint's fields.</summary>
public static class BadInputCases
{
    public const int DefaultLimit = 1024 * 1024;
    private const string NonceRule = "'nonce' must be 8 to 128 characters";
    private const int TenMegabytes = 10 * 1024 * 1024;

    private sealed record Endpoint(
        string Method,
        string Path,
        string ValidBody,
        string[] Strings,
        string[] Numbers,
        string[] Objects,
        string[] Required)
    {
        public string Name => $"{Method} /{Path.Replace("{license}", "{id}", StringComparison.Ordinal).Replace("{product}", "{id}", StringComparison.Ordinal)}";

        public string FirstField => JsonNode.Parse(ValidBody)!.AsObject().First().Key;
    }

    private static readonly Endpoint[] Endpoints =
    [
        new("POST", "licenses", """{"product_id":"{product}","email":"customer@example.com","type":"subscription"}""",
            ["product_id", "email", "type", "expires_at", "policy_id"], [], ["metadata"], ["product_id", "email"]),
        new("PATCH", "licenses/{license}", """{"email":"new@example.com"}""",
            ["email", "expires_at"], [], ["metadata"], []),
        new("POST", "products", """{"name":"Widget"}""",
            ["name", "code"], ["subscription_days", "trial_days"], ["metadata"], ["name"]),
        new("PATCH", "products/{product}", """{"name":"Widget renamed"}""",
            ["name", "code"], ["subscription_days", "trial_days"], ["metadata"], []),
        new("POST", "licenses/verify", """{"key":"LIC-AAAAA-AAAAA-AAAAA"}""",
            ["key", "product_id", "nonce"], [], [], ["key"]),
        new("POST", "api-keys", """{"type":"read_only","name":"CI"}""",
            ["type", "name", "expires_at"], [], [], ["type", "name"]),
        new("POST", "licenses/{license}/renew", """{"days":30}""",
            [], ["days"], [], []),
        new("POST", "policies", """{"product_id":"{product}","name":"Pro"}""",
            ["product_id", "name", "license_type", "expiration_strategy", "expiration_basis", "fingerprint_matching"], [], [], ["product_id", "name"]),
        new("POST", "entitlements", """{"code":"pdf-export"}""",
            ["code", "name"], [], [], ["code"]),
        new("POST", "machines", """{"key":"LIC-AAAAA-AAAAA-AAAAA","fingerprint":"fp-1"}""",
            ["key", "fingerprint", "name", "platform", "hostname"], [], [], ["key", "fingerprint"]),
        new("POST", "machines/deactivate", """{"key":"LIC-AAAAA-AAAAA-AAAAA","fingerprint":"fp-1"}""",
            ["key", "fingerprint"], [], [], ["key", "fingerprint"]),
        new("POST", "machines/heartbeat", """{"key":"LIC-AAAAA-AAAAA-AAAAA","fingerprint":"fp-1"}""",
            ["key", "fingerprint"], [], [], ["key", "fingerprint"]),
        new("POST", "licenses/{license}/usage", """{"increment":250}""",
            [], [], [], []),
        new("POST", "machines/offline-activations", """{"request":"LZACT-e30.AAAA"}""",
            ["request"], [], [], ["request"]),
        new("POST", "machines/offline-deactivations", """{"proof":"LZDEACT-e30.AAAA"}""",
            ["proof"], [], [], ["proof"]),
    ];

    public static IReadOnlyDictionary<string, BadInput> All { get; } = Build();

    private static Dictionary<string, BadInput> Build()
    {
        var cases = new Dictionary<string, BadInput>(StringComparer.Ordinal);
        foreach (var endpoint in Endpoints)
        {
            AddSyntax(cases, endpoint);
            AddShapes(cases, endpoint);
            AddContentTypes(cases, endpoint);
            AddSizes(cases, endpoint);
        }

        AddValues(cases);
        AddUnicode(cases);
        return cases;
    }

    private static void Add(Dictionary<string, BadInput> cases, Endpoint endpoint, string what, BadInput input) =>
        cases.Add($"{endpoint.Name}: {what}", input);

    private static void AddSyntax(Dictionary<string, BadInput> cases, Endpoint e)
    {
        var valid = e.ValidBody;
        var malformed = "Malformed JSON";
        var colon = valid.IndexOf(':', StringComparison.Ordinal);
        Add(cases, e, "malformed JSON (a missing colon)", new(e.Method, e.Path, valid.Remove(colon, 1), null, malformed));
        Add(cases, e, "truncated JSON (no closing brace)", new(e.Method, e.Path, valid[..^1], null, malformed));
        Add(cases, e, "truncated JSON (cut mid-value)", new(e.Method, e.Path, valid[..(colon + 3)], null, malformed));
        Add(cases, e, "a trailing comma", new(e.Method, e.Path, valid[..^1] + ",}", null, malformed));
        Add(cases, e, "single-quoted strings", new(e.Method, e.Path, valid.Replace('"', '\''), null, malformed));
        Add(cases, e, "a comment", new(e.Method, e.Path, "/* note */" + valid, null, malformed));
        Add(cases, e, "NaN instead of a value", new(e.Method, e.Path, $"{{\"{e.FirstField}\":NaN}}", null, malformed));
        Add(cases, e, "trailing garbage after the object", new(e.Method, e.Path, valid + " garbage", null, "after the end"));
        Add(cases, e, "a second object after the first", new(e.Method, e.Path, valid + valid, null, "after the end"));
        Add(cases, e, "a JSON array", new(e.Method, e.Path, "[" + valid + "]", null, "must be a JSON object"));
        Add(cases, e, "an empty JSON array", new(e.Method, e.Path, "[]", null, "must be a JSON object"));
        Add(cases, e, "a JSON string", new(e.Method, e.Path, "\"text\"", null, "must be a JSON object"));
        Add(cases, e, "JSON null", new(e.Method, e.Path, "null", null, "must be a JSON object"));
        Add(cases, e, "a JSON number", new(e.Method, e.Path, "42", null, "must be a JSON object"));
        Add(cases, e, "JSON true", new(e.Method, e.Path, "true", null, "must be a JSON object"));
        Add(cases, e, "whitespace only", new(e.Method, e.Path, " \r\n\t ", null, malformed));
        Add(cases, e, "an unescaped NUL inside a string", new(e.Method, e.Path, $"{{\"{e.FirstField}\":\"a\u0000b\"}}", null, malformed));
        Add(cases, e, "JSON nested 33 levels deep", new(e.Method, e.Path,
            $"{{\"{e.FirstField}\":{new string('[', 32)}{new string(']', 32)}}}", null, "nested", "32"));
        Add(cases, e, "JSON nested 10,000 levels deep", new(e.Method, e.Path,
            $"{{\"{e.FirstField}\":{new string('[', 10_000)}{new string(']', 10_000)}}}", null, "nested", "32"));
        if (e.Required.Length > 0)
        {
            Add(cases, e, "an empty body", new(e.Method, e.Path, "", null, "body is required"));
        }
    }

    private static void AddShapes(Dictionary<string, BadInput> cases, Endpoint e)
    {
        foreach (var field in e.Strings)
        {
            Add(cases, e, $"{field} is a number", new(e.Method, e.Path, With(e.ValidBody, field, "12345"), field, $"'{field}' must be a string"));
            Add(cases, e, $"{field} is an object", new(e.Method, e.Path, With(e.ValidBody, field, """{"value":"x"}"""), field, $"'{field}' must be a string"));
            Add(cases, e, $"{field} is an array", new(e.Method, e.Path, With(e.ValidBody, field, """["x"]"""), field, $"'{field}' must be a string"));
            Add(cases, e, $"{field} is a boolean", new(e.Method, e.Path, With(e.ValidBody, field, "true"), field, $"'{field}' must be a string"));
            var emptyFault = field switch { "expires_at" => "ISO-8601", "nonce" => NonceRule, _ => "must not be empty" };
            Add(cases, e, $"{field} is an empty string", new(e.Method, e.Path, With(e.ValidBody, field, "\"\""), field, emptyFault));
            Add(cases, e, $"{field} is whitespace only", new(e.Method, e.Path, With(e.ValidBody, field, "\"  \\t \\u00A0 \\u3000 \""), field, emptyFault));
        }

        foreach (var field in e.Numbers)
        {
            Add(cases, e, $"{field} is a numeric string", new(e.Method, e.Path, With(e.ValidBody, field, "\"30\""), field, $"'{field}' must be a whole number"));
            Add(cases, e, $"{field} is a fraction", new(e.Method, e.Path, With(e.ValidBody, field, "1.5"), field, $"'{field}' must be a whole number"));
            Add(cases, e, $"{field} is an object", new(e.Method, e.Path, With(e.ValidBody, field, """{"days":30}"""), field, $"'{field}' must be a whole number"));
            Add(cases, e, $"{field} is a boolean", new(e.Method, e.Path, With(e.ValidBody, field, "true"), field, $"'{field}' must be a whole number"));
            Add(cases, e, $"{field} is a huge integer", new(e.Method, e.Path, With(e.ValidBody, field, "99999999999999999999999999"), field, $"'{field}' must be a whole number"));
            Add(cases, e, $"{field} is 2^31", new(e.Method, e.Path, With(e.ValidBody, field, "2147483648"), field, $"'{field}' must be a whole number"));
            Add(cases, e, $"{field} is 1e400", new(e.Method, e.Path, With(e.ValidBody, field, "1e400"), field, $"'{field}' must be a whole number"));
            Add(cases, e, $"{field} is zero", new(e.Method, e.Path, With(e.ValidBody, field, "0"), field, $"'{field}' must be between 1 and 36500"));
            Add(cases, e, $"{field} is negative", new(e.Method, e.Path, With(e.ValidBody, field, "-30"), field, $"'{field}' must be between 1 and 36500"));
            Add(cases, e, $"{field} is the smallest int", new(e.Method, e.Path, With(e.ValidBody, field, "-2147483648"), field, $"'{field}' must be between 1 and 36500"));
            Add(cases, e, $"{field} is over a hundred years", new(e.Method, e.Path, With(e.ValidBody, field, "36501"), field, $"'{field}' must be between 1 and 36500"));
            Add(cases, e, $"{field} is the largest int", new(e.Method, e.Path, With(e.ValidBody, field, "2147483647"), field, $"'{field}' must be between 1 and 36500"));
        }

        foreach (var field in e.Objects)
        {
            Add(cases, e, $"{field} is a string", new(e.Method, e.Path, With(e.ValidBody, field, "\"plan=pro\""), field, $"'{field}' must be a JSON object"));
            Add(cases, e, $"{field} is an array", new(e.Method, e.Path, With(e.ValidBody, field, "[1,2]"), field, $"'{field}' must be a JSON object"));
            Add(cases, e, $"{field} is a number", new(e.Method, e.Path, With(e.ValidBody, field, "5"), field, $"'{field}' must be a JSON object"));
            Add(cases, e, $"{field} has 65 keys", new(e.Method, e.Path,
                With(e.ValidBody, field, "{" + string.Join(",", Enumerable.Range(0, 65).Select(i => $"\"k{i}\":{i}")) + "}"), field, "at most 64 keys"));
            Add(cases, e, $"{field} is over 16 KiB", new(e.Method, e.Path,
                With(e.ValidBody, field, $"{{\"notes\":\"{new string('n', 17 * 1024)}\"}}"), field, "at most 16384 bytes"));
            Add(cases, e, $"{field} has an empty key", new(e.Method, e.Path, With(e.ValidBody, field, """{"":1}"""), field, "must not be empty"));
            Add(cases, e, $"{field} has a key with a NUL", new(e.Method, e.Path, With(e.ValidBody, field, """{"a\u0000b":1}"""), field, "control"));
        }

        foreach (var field in e.Required)
        {
            Add(cases, e, $"{field} is missing", new(e.Method, e.Path, Without(e.ValidBody, field), field, $"'{field}' is required"));
            Add(cases, e, $"{field} is null", new(e.Method, e.Path, With(e.ValidBody, field, "null"), field, $"'{field}' is required"));
        }

        if (e.Required.Length > 0)
        {
            Add(cases, e, "an empty object", new(e.Method, e.Path, "{}", e.Required[0], $"'{e.Required[0]}' is required"));
        }

        Add(cases, e, "an unknown field", new(e.Method, e.Path, With(e.ValidBody, "colour", "\"red\""), "colour", "Unknown field 'colour'"));
        var camel = e.FirstField.Contains('_', StringComparison.Ordinal)
            ? string.Concat(e.FirstField.Split('_').Select((part, i) => i == 0 ? part : char.ToUpperInvariant(part[0]) + part[1..]))
            : char.ToUpperInvariant(e.FirstField[0]) + e.FirstField[1..];
        Add(cases, e, $"a field in the wrong case ({camel})", new(e.Method, e.Path, Rename(e.ValidBody, e.FirstField, camel), camel, $"Unknown field '{camel}'"));
        var longName = new string('x', 10_000);
        Add(cases, e, "an unknown field with a 10,000-character name", new(e.Method, e.Path, With(e.ValidBody, longName, "1"), "xxxx", "Unknown field 'xxxx"));
        var first = JsonNode.Parse(e.ValidBody)!.AsObject().First();
        Add(cases, e, $"{first.Key} given twice", new(e.Method, e.Path,
            $"{{\"{first.Key}\":{first.Value!.ToJsonString()}," + e.ValidBody[1..], first.Key, $"'{first.Key}' appears more than once"));
        Add(cases, e, $"{first.Key} given twice, the second time as null", new(e.Method, e.Path,
            e.ValidBody[..^1] + $",\"{first.Key}\":null}}", first.Key, $"'{first.Key}' appears more than once"));
    }

    private static void AddContentTypes(Dictionary<string, BadInput> cases, Endpoint e)
    {
        var v = e.ValidBody;
        Add(cases, e, "no Content-Type", new(e.Method, e.Path, v, null, "Content-Type: application/json", "no Content-Type") { ContentType = null });
        Add(cases, e, "Content-Type text/plain", new(e.Method, e.Path, v, null, "Content-Type: application/json", "text/plain") { ContentType = "text/plain" });
        Add(cases, e, "a form", new(e.Method, e.Path, "name=Widget&type=admin", null, "Content-Type: application/json", "application/x-www-form-urlencoded")
        { ContentType = "application/x-www-form-urlencoded" });
        Add(cases, e, "a multipart form", new(e.Method, e.Path,
            "--b\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nWidget\r\n--b--\r\n", null, "Content-Type: application/json", "multipart/form-data")
        { ContentType = "multipart/form-data; boundary=b" });
        Add(cases, e, "Content-Type application/xml", new(e.Method, e.Path, "<name>Widget</name>", null, "Content-Type: application/json", "application/xml")
        { ContentType = "application/xml" });
        Add(cases, e, "JSON declared as ISO-8859-1", new(e.Method, e.Path, v, null, "Content-Type: application/json", "iso-8859-1")
        { ContentType = "application/json; charset=iso-8859-1" });
        Add(cases, e, "JSON declared as UTF-16", new(e.Method, e.Path, v, null, "Content-Type: application/json", "utf-16")
        { ContentType = "application/json; charset=utf-16" });
        Add(cases, e, "a Content-Type that does not parse", new(e.Method, e.Path, v, null, "Content-Type: application/json")
        { ContentType = "json please" });
    }

    private static void AddSizes(Dictionary<string, BadInput> cases, Endpoint e)
    {
        // A valid body padded with whitespace: only its size is wrong.
        var big = Padded(e.ValidBody, TenMegabytes);
        var tooLarge = $"larger than the limit of {DefaultLimit} bytes";
        Add(cases, e, "a 10 MB body with Content-Length, sent whole", new(e.Method, e.Path, big, null, tooLarge) { Transport = BodyTransport.RawHttp11 });
        Add(cases, e, "a 10 MB body with Content-Length and Expect: 100-continue", new(e.Method, e.Path, big, null, tooLarge)
        { Transport = BodyTransport.Http11ExpectContinue });
        Add(cases, e, "a 10 MB chunked body", new(e.Method, e.Path, big, null, tooLarge) { Transport = BodyTransport.RawHttp11, Chunked = true });
        Add(cases, e, "a 10 MB body over HTTP/2", new(e.Method, e.Path, big, null, tooLarge) { Transport = BodyTransport.Http2 });
        Add(cases, e, "a 10 MB body of unknown length over HTTP/2", new(e.Method, e.Path, big, null, tooLarge) { Transport = BodyTransport.Http2, Chunked = true });
        Add(cases, e, "a 10 MB body with no Content-Type", new(e.Method, e.Path, big, null, "Content-Type: application/json", "no Content-Type")
        { ContentType = null, Transport = BodyTransport.Http11ExpectContinue });
    }

    /// <summary>Refusals of values that are well-formed JSON of the right type but make no sense.</summary>
    private static void AddValues(Dictionary<string, BadInput> cases)
    {
        const string license = """{"product_id":"{product}","email":"customer@example.com","type":"subscription"}""";
        void Value(string name, string method, string path, string body, string field, params string[] says) =>
            cases.Add(name, new BadInput(method, path, body, field, says));

        Value("POST /licenses: an unknown product", "POST", "licenses", With(license, "product_id", "\"prod_doesnotexist\""), "product_id", "no product");
        Value("POST /licenses: a license type that does not exist", "POST", "licenses", With(license, "type", "\"lifetime\""), "type", "subscription, perpetual, trial");
        Value("POST /licenses: neither a type nor a policy", "POST", "licenses", """{"product_id":"{product}","email":"customer@example.com"}""", "type", "'type'", "'policy_id'");
        Value("POST /licenses: a type of null and no policy", "POST", "licenses", With(license, "type", "null"), "type", "'policy_id'");
        Value("POST /licenses: an unknown policy", "POST", "licenses", With(license, "policy_id", "\"pol_doesnotexist\""), "policy_id", "no policy");
        Value("POST /policies: a negative machine limit", "POST", "policies", """{"product_id":"{product}","name":"Pro","max_machines":-3}""", "max_machines", "between 1 and 1000000");
        Value("POST /policies: a duration out of range", "POST", "policies", """{"product_id":"{product}","name":"Pro","duration":"P200Y"}""", "duration", "between 3600 and");
        Value("POST /policies: a duration that is no duration", "POST", "policies", """{"product_id":"{product}","name":"Pro","duration":"soon"}""", "duration", "ISO-8601");
        Value("POST /policies: an unknown entitlement", "POST", "policies", """{"product_id":"{product}","name":"Pro","entitlements":["never-made"]}""", "entitlements", "never-made");
        Value("POST /machines/offline-activations: a request that is no activation request", "POST", "machines/offline-activations",
            """{"request":"LIC-AAAAA-AAAAA-AAAAA"}""", "request", "not a usable activation request", "LZACT-");
        Value("POST /machines/offline-deactivations: a proof that is no deactivation proof", "POST", "machines/offline-deactivations",
            """{"proof":"LZDEACT-e30.AAAA"}""", "proof", "not a usable deactivation proof", "damaged");
        Value("POST /machines: a fingerprint of 10 KB", "POST", "machines", $"{{\"key\":\"LIC-AAAAA-AAAAA-AAAAA\",\"fingerprint\":\"{new string('f', 10_240)}\"}}", "fingerprint", "at most 256");
        Value("POST /machines: components that are not strings", "POST", "machines", """{"key":"LIC-AAAAA-AAAAA-AAAAA","fingerprint":"fp","components":{"cpu":1}}""", "components", "components");
        Value("POST /licenses/{id}/usage: both increment and decrement", "POST", "licenses/{license}/usage", """{"increment":1,"decrement":1}""", "increment", "exactly one");
        Value("POST /licenses/{id}/usage: a negative increment", "POST", "licenses/{license}/usage", """{"increment":-1}""", "increment", "between 1 and 1000000");
        Value("POST /licenses: an email without @", "POST", "licenses", With(license, "email", "\"customer.example.com\""), "email", "email address");
        Value("POST /licenses: an email with a display name", "POST", "licenses", With(license, "email", "\"Customer <customer@example.com>\""), "email", "email address");
        Value("POST /licenses: an email of 400 characters", "POST", "licenses", With(license, "email", $"\"{new string('a', 390)}@example.com\""), "email", "at most 320");
        Value("POST /licenses: an expiry without a time zone", "POST", "licenses", With(license, "expires_at", "\"2030-01-01T00:00:00\""), "expires_at", "ISO-8601");
        Value("POST /licenses: an expiry that is not a date", "POST", "licenses", With(license, "expires_at", "\"next tuesday\""), "expires_at", "ISO-8601");
        Value("POST /licenses: an expiry in the past", "POST", "licenses", With(license, "expires_at", "\"2020-01-01T00:00:00Z\""), "expires_at", "in the future");
        Value("POST /licenses: an expiry on a perpetual license", "POST", "licenses",
            With(With(license, "type", "\"perpetual\""), "expires_at", "\"2030-01-01T00:00:00Z\""), "expires_at", "Perpetual");
        Value("PATCH /licenses/{id}: an email without a domain", "PATCH", "licenses/{license}", """{"email":"customer@"}""", "email", "email address");
        Value("PATCH /licenses/{id}: an expiry that is not a date", "PATCH", "licenses/{license}", """{"expires_at":"2030-13-45T99:00:00Z"}""", "expires_at", "ISO-8601");
        Value("POST /products: a name of 201 characters", "POST", "products", $"{{\"name\":\"{new string('n', 201)}\"}}", "name", "at most 200 characters");
        Value("POST /products: a name of 1,000,000 characters", "POST", "products", $"{{\"name\":\"{new string('n', 1_000_000)}\"}}", "name", "at most 200 characters");
        Value("POST /products: a code with spaces and capitals", "POST", "products", """{"name":"Widget","code":"My Code"}""", "code", "lowercase");
        Value("POST /products: a code of 65 characters", "POST", "products", $"{{\"name\":\"Widget\",\"code\":\"{new string('c', 65)}\"}}", "code", "at most 64");
        Value("POST /products: a code that is already taken", "POST", "products", """{"name":"Widget","code":"target"}""", "code", "already exists");
        Value("PATCH /products/{id}: a code starting with a dash", "PATCH", "products/{product}", """{"code":"-widget"}""", "code", "must start with");
        Value("POST /licenses/verify: a key of 65 characters", "POST", "licenses/verify", $"{{\"key\":\"{new string('K', 65)}\"}}", "key", "at most 64");
        Value("POST /licenses/verify: a nonce of 129 characters", "POST", "licenses/verify",
            $"{{\"key\":\"LIC-AAAAA-AAAAA-AAAAA\",\"nonce\":\"{new string('n', 129)}\"}}", "nonce", NonceRule);
        Value("POST /licenses/verify: a nonce of 7 characters", "POST", "licenses/verify",
            """{"key":"LIC-AAAAA-AAAAA-AAAAA","nonce":"1234567"}""", "nonce", NonceRule);
        Value("POST /licenses/verify: a nonce with spaces", "POST", "licenses/verify",
            """{"key":"LIC-AAAAA-AAAAA-AAAAA","nonce":"not a random value"}""", "nonce", NonceRule);
        Value("POST /api-keys: a key type that does not exist", "POST", "api-keys", """{"type":"superuser","name":"CI"}""", "type", "admin, read_only, verify_only");
        Value("POST /api-keys: a key type in the command line's spelling", "POST", "api-keys", """{"type":"read-only","name":"CI"}""", "type", "admin, read_only, verify_only");
        Value("POST /api-keys: a key type as its number", "POST", "api-keys", """{"type":1,"name":"CI"}""", "type", "'type' must be a string", "admin, read_only, verify_only");
        Value("POST /licenses: a license type in another case", "POST", "licenses", With(license, "type", "\"Trial\""), "type", "subscription, perpetual, trial");
        Value("POST /products: metadata nested 40 levels deep", "POST", "products",
            $"{{\"name\":\"Widget\",\"metadata\":{string.Concat(Enumerable.Repeat("{\"a\":", 40))}1{new string('}', 40)}}}", "metadata", "nested", "32");
        Value("POST /api-keys: an expiry without a time zone", "POST", "api-keys", """{"type":"admin","name":"CI","expires_at":"2030-01-01T00:00:00"}""", "expires_at", "ISO-8601");
        Value("POST /api-keys: an expiry in the past", "POST", "api-keys", """{"type":"admin","name":"CI","expires_at":"2020-01-01T00:00:00Z"}""", "expires_at", "in the future");
        Value("POST /api-keys: a name of 201 characters", "POST", "api-keys", $"{{\"type\":\"admin\",\"name\":\"{new string('n', 201)}\"}}", "name", "at most 200 characters");
    }

    private static void AddUnicode(Dictionary<string, BadInput> cases)
    {
        void Text(string what, string method, string path, string body, string? field, params string[] says) =>
            cases.Add($"{method} /{path.Replace("{license}", "{id}", StringComparison.Ordinal).Replace("{product}", "{id}", StringComparison.Ordinal)}: {what}",
                new BadInput(method, path, body, field, says));

        // Escapes in the JSON text: the server sees the decoded characters.
        Text("a lone high surrogate escape (\\ud800) in name", "POST", "products", """{"name":"a\ud800b"}""", "name", "surrogate");
        Text("a lone low surrogate escape (\\udc00) in name", "POST", "products", """{"name":"\udc00"}""", "name", "surrogate");
        Text("surrogates in the wrong order in name", "POST", "products", """{"name":"\udc00\ud800"}""", "name", "surrogate");
        Text("a lone surrogate escape in email", "POST", "licenses",
            """{"product_id":"{product}","email":"a\ud800@example.com","type":"trial"}""", "email", "surrogate");
        Text("a lone surrogate escape in key", "POST", "licenses/verify", """{"key":"\ud800"}""", "key", "surrogate");
        Text("a lone surrogate escape in a field name", "POST", "products", """{"name":"Widget","\ud800":1}""", null, "surrogate");
        Text("a lone surrogate escape in a metadata value", "PATCH", "products/{product}", """{"metadata":{"a":"\ud800"}}""", "metadata", "surrogate");
        Text("a lone surrogate escape in a nested metadata value", "POST", "licenses",
            """{"product_id":"{product}","email":"a@example.com","type":"trial","metadata":{"a":{"b":["\udfff"]}}}""", "metadata", "surrogate");
        Text("a lone surrogate escape in a metadata key", "PATCH", "licenses/{license}", """{"metadata":{"\ud800":1}}""", "metadata", "surrogate");

        // Raw bytes that are not UTF-8.
        Text("an invalid UTF-8 byte (FF) in name", "POST", "products", "{\"name\":\"a<byte:FF>b\"}", "name", "UTF-8");
        Text("an overlong UTF-8 encoding (C0 AF) in name", "POST", "products", "{\"name\":\"a<byte:C0><byte:AF>b\"}", "name", "UTF-8");
        Text("a truncated UTF-8 sequence (E2 82) in name", "POST", "products", "{\"name\":\"a<byte:E2><byte:82>\"}", "name", "UTF-8");
        Text("an encoded surrogate (ED A0 80) in name", "POST", "products", "{\"name\":\"a<byte:ED><byte:A0><byte:80>b\"}", "name", "UTF-8");
        Text("an invalid UTF-8 byte in email", "PATCH", "licenses/{license}", "{\"email\":\"a<byte:FF>@example.com\"}", "email", "UTF-8");
        Text("an invalid UTF-8 byte in a field name", "POST", "products", "{\"name\":\"Widget\",\"a<byte:FF>\":1}", null, "UTF-8");
        Text("an invalid UTF-8 byte in a metadata value", "POST", "products", "{\"name\":\"Widget\",\"metadata\":{\"a\":\"<byte:FF>\"}}", "metadata", "UTF-8");
        Text("an invalid UTF-8 byte in a metadata key", "PATCH", "products/{product}", "{\"metadata\":{\"<byte:C3>\":1}}", "metadata", "UTF-8");

        // Control and invisible formatting characters.
        Text("NUL (\\u0000) in name", "POST", "products", """{"name":"Wid\u0000get"}""", "name", "control", "U+0000");
        Text("BEL (\\u0007) in name", "POST", "products", """{"name":"Wid\u0007get"}""", "name", "control", "U+0007");
        Text("an ANSI escape sequence in name", "POST", "products", """{"name":"\u001b[31mWidget"}""", "name", "control", "U+001B");
        Text("DEL (\\u007f) in name", "POST", "products", """{"name":"Widget\u007f"}""", "name", "control", "U+007F");
        Text("NEL (\\u0085) in name", "POST", "products", """{"name":"Wid\u0085get"}""", "name", "control", "U+0085");
        Text("a newline in name", "POST", "products", """{"name":"Wid\nget"}""", "name", "control", "U+000A");
        Text("a right-to-left override (U+202E) in name", "POST", "products", """{"name":"Widget\u202Eexe.txt"}""", "name", "U+202E");
        Text("a right-to-left override in api key name", "POST", "api-keys", """{"type":"admin","name":"CI\u202Eyek"}""", "name", "U+202E");
        Text("a right-to-left override in email", "POST", "licenses",
            """{"product_id":"{product}","email":"\u202Ecustomer@example.com","type":"trial"}""", "email", "U+202E");
        Text("a left-to-right isolate (U+2066) in name", "PATCH", "products/{product}", """{"name":"Widget\u2066"}""", "name", "U+2066");
        Text("a zero-width space (U+200B) in name", "POST", "products", """{"name":"Wid\u200Bget"}""", "name", "U+200B");
        Text("a byte order mark (U+FEFF) in name", "POST", "products", """{"name":"\uFEFFWidget"}""", "name", "U+FEFF");
        Text("a line separator (U+2028) in name", "POST", "products", """{"name":"Wid\u2028get"}""", "name", "U+2028");
        Text("a paragraph separator (U+2029) in name", "POST", "products", """{"name":"Wid\u2029get"}""", "name", "U+2029");
        Text("NUL in the verify key", "POST", "licenses/verify", """{"key":"LIC-AAAAA\u0000-AAAAA-AAAAA"}""", "key", "control");
        Text("NUL in the nonce", "POST", "licenses/verify", """{"key":"LIC-AAAAA-AAAAA-AAAAA","nonce":"nonce-01\u0000"}""", "nonce", NonceRule);
        Text("a right-to-left override in a metadata key", "POST", "products", """{"name":"Widget","metadata":{"\u202Eplan":"pro"}}""", "metadata", "U+202E");
    }

    /// <summary>The body with <paramref name="field"/> set to the raw JSON <paramref name="json"/>.</summary>
    private static string With(string body, string field, string json)
    {
        var fields = JsonNode.Parse(body)!.AsObject().Select(p => (p.Key, Json: p.Value?.ToJsonString() ?? "null")).ToList();
        var index = fields.FindIndex(p => p.Key == field);
        if (index >= 0)
        {
            fields[index] = (field, json);
        }
        else
        {
            fields.Add((field, json));
        }

        return "{" + string.Join(",", fields.Select(p => $"\"{p.Key}\":{p.Json}")) + "}";
    }

    private static string Without(string body, string field)
    {
        var fields = JsonNode.Parse(body)!.AsObject().Where(p => p.Key != field).Select(p => $"\"{p.Key}\":{p.Value!.ToJsonString()}");
        return "{" + string.Join(",", fields) + "}";
    }

    private static string Rename(string body, string field, string name) =>
        body.Replace($"\"{field}\":", $"\"{name}\":", StringComparison.Ordinal);

    /// <summary>A JSON object padded with whitespace before its closing brace to exactly <paramref name="length"/> bytes.</summary>
    public static string Padded(string json, int length) =>
        json[..^1] + new string(' ', length - Encoding.UTF8.GetByteCount(json)) + "}";

    /// <summary>UTF-8, with <c>&lt;byte:XX&gt;</c> replaced by that raw byte.</summary>
    public static byte[] Encode(string body)
    {
        const string marker = "<byte:";
        var bytes = new List<byte>(body.Length);
        var rest = body.AsSpan();
        while (true)
        {
            var at = rest.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0)
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(rest.ToString()));
                return [.. bytes];
            }

            bytes.AddRange(Encoding.UTF8.GetBytes(rest[..at].ToString()));
            bytes.Add(Convert.FromHexString(rest.Slice(at + marker.Length, 2))[0]);
            rest = rest[(at + marker.Length + 3)..];
        }
    }

    public static HttpContent Content(string body, string? contentType, bool chunked) => Content(Encode(body), contentType, chunked);

    public static HttpContent Content(byte[] body, string? contentType, bool chunked)
    {
        HttpContent content = chunked ? new ChunkedContent(body) : new ByteArrayContent(body);
        if (contentType is not null)
        {
            content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }

        return content;
    }

    /// <summary>A body sent with <c>Transfer-Encoding: chunked</c>: no Content-Length for the server to check up front.</summary>
    private sealed class ChunkedContent(byte[] body) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, System.Net.TransportContext? context)
        {
            const int chunk = 64 * 1024;
            for (var offset = 0; offset < body.Length; offset += chunk)
            {
                await stream.WriteAsync(body.AsMemory(offset, Math.Min(chunk, body.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}

/// <summary>
/// A minimal HTTP/1.1 client over TLS that reads the answer while it is still sending the body, as a careful client
/// does: the server may refuse an oversized body early and close the connection, which HttpClient over HTTP/1.1
/// only reports as a broken pipe.
/// </summary>
public static class RawHttp11
{
    public static async Task<HttpResponseMessage> SendAsync(
        LicenzApplication app, string apiKey, string method, string path, byte[] body, string? contentType, bool chunked,
        CancellationToken cancellationToken)
    {
        var address = app.HttpsAddress;
        var pinned = app.Services.GetRequiredService<TlsCertificate>().Certificate.Thumbprint;
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, cancellationToken);
        await using var tls = new SslStream(tcp.GetStream());
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http11],
            RemoteCertificateValidationCallback = (_, certificate, _, _) => certificate is X509Certificate2 presented && presented.Thumbprint == pinned,
        }, cancellationToken);

        var head = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"{method} {path} HTTP/1.1\r\n")
            .Append(CultureInfo.InvariantCulture, $"Host: {address.Authority}\r\n")
            .Append(CultureInfo.InvariantCulture, $"Authorization: Bearer {apiKey}\r\n")
            .Append(chunked ? "Transfer-Encoding: chunked\r\n" : $"Content-Length: {body.Length}\r\n");
        if (contentType is not null)
        {
            head.Append(CultureInfo.InvariantCulture, $"Content-Type: {contentType}\r\n");
        }

        await tls.WriteAsync(Encoding.ASCII.GetBytes(head.Append("\r\n").ToString()), cancellationToken);

        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reading = ReadResponseAsync(tls, cancellationToken);
        var sending = SendBodyAsync(tls, body, chunked, stopSending.Token);
        var response = await reading;
        await stopSending.CancelAsync();
        try
        {
            await sending;
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException)
        {
            // The server refused the body and stopped reading it: expected.
        }

        return response;
    }

    private static async Task SendBodyAsync(SslStream tls, byte[] body, bool chunked, CancellationToken cancellationToken)
    {
        const int chunk = 64 * 1024;
        for (var offset = 0; offset < body.Length; offset += chunk)
        {
            var length = Math.Min(chunk, body.Length - offset);
            if (chunked)
            {
                await tls.WriteAsync(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + "\r\n"), cancellationToken);
            }

            await tls.WriteAsync(body.AsMemory(offset, length), cancellationToken);
            if (chunked)
            {
                await tls.WriteAsync("\r\n"u8.ToArray(), cancellationToken);
            }
        }

        if (chunked)
        {
            await tls.WriteAsync("0\r\n\r\n"u8.ToArray(), cancellationToken);
        }
    }

    private static async Task<HttpResponseMessage> ReadResponseAsync(SslStream tls, CancellationToken cancellationToken)
    {
        var received = new List<byte>();
        var buffer = new byte[16 * 1024];

        async Task<bool> FillAsync()
        {
            var read = await tls.ReadAsync(buffer, cancellationToken);
            received.AddRange(buffer.AsSpan(0, read));
            return read > 0;
        }

        async Task<string> LineAsync()
        {
            int end;
            while ((end = IndexOfCrLf(received)) < 0)
            {
                if (!await FillAsync())
                {
                    throw new IOException("The server closed the connection in the middle of the response.");
                }
            }

            var line = Encoding.ASCII.GetString(received.GetRange(0, end).ToArray());
            received.RemoveRange(0, end + 2);
            return line;
        }

        async Task<byte[]> BytesAsync(int count)
        {
            while (received.Count < count)
            {
                if (!await FillAsync())
                {
                    throw new IOException("The server closed the connection in the middle of the response body.");
                }
            }

            var bytes = received.GetRange(0, count).ToArray();
            received.RemoveRange(0, count);
            return bytes;
        }

        var status = await LineAsync();
        var parts = status.Split(' ', 3);
        Assert.StartsWith("HTTP/1.1", parts[0], StringComparison.Ordinal);
        var headers = new List<(string Name, string Value)>();
        for (var line = await LineAsync(); line.Length > 0; line = await LineAsync())
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers.Add((line[..colon].Trim(), line[(colon + 1)..].Trim()));
        }

        string? Header(string name) => headers.FirstOrDefault(h => h.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

        byte[] content;
        if (Header("Content-Length") is { } length)
        {
            content = await BytesAsync(int.Parse(length, CultureInfo.InvariantCulture));
        }
        else
        {
            Assert.Equal("chunked", Header("Transfer-Encoding"));
            var body = new List<byte>();
            for (var size = int.Parse(await LineAsync(), NumberStyles.HexNumber, CultureInfo.InvariantCulture); size > 0;
                 size = int.Parse(await LineAsync(), NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            {
                body.AddRange(await BytesAsync(size));
                Assert.Equal("", await LineAsync());
            }

            content = [.. body];
        }

        var response = new HttpResponseMessage((HttpStatusCode)int.Parse(parts[1], CultureInfo.InvariantCulture)) { Content = new ByteArrayContent(content) };
        foreach (var (name, value) in headers)
        {
            if (!response.Headers.TryAddWithoutValidation(name, value))
            {
                response.Content.Headers.TryAddWithoutValidation(name, value);
            }
        }

        return response;
    }

    private static int IndexOfCrLf(List<byte> bytes)
    {
        for (var i = 0; i + 1 < bytes.Count; i++)
        {
            if (bytes[i] == '\r' && bytes[i + 1] == '\n')
            {
                return i;
            }
        }

        return -1;
    }
}
