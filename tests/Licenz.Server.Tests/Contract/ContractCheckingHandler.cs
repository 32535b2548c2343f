namespace Licenz.Server.Tests.Contract;

/// <summary>
/// Sits between a test's <see cref="HttpClient"/> and the connection: passes every request on unchanged, then
/// checks the exchange against the server's OpenAPI document and, on a violation, fails the request (and so
/// the test that sent it) with a message naming the operation, the status, the JSON pointer and the rule.
/// </summary>
public sealed class ContractCheckingHandler(Func<Task<OpenApiContract>> loadContract, ContractCheckMode mode) : DelegatingHandler
{
    // Far above any body the API accepts (the server refuses larger ones, and refusals are not checked).
    private const int KeptRequestBytes = 1024 * 1024;

    private readonly Lazy<Task<OpenApiContract>> _contract = new(loadContract);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        RecordingContent? sent = null;
        if (request.Content is not null)
        {
            request.Content = sent = new RecordingContent(request.Content, KeptRequestBytes);
        }

        var response = await base.SendAsync(request, cancellationToken);
        if (ContractChecker.DocumentPath(request.RequestUri!.AbsolutePath) is null)
        {
            return response;
        }

        // Buffered, so the test reads the same bytes afterwards.
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        var exchange = new HttpExchange(
            request.Method.Method,
            request.RequestUri!,
            sent?.Headers.ContentType?.ToString(),
            sent is null ? [] : sent.Recorded,
            (int)response.StatusCode,
            response.Headers.Select(h => h.Key).Concat(response.Content.Headers.Select(h => h.Key)).ToList(),
            response.Content.Headers.ContentType?.ToString(),
            body);

        var violations = ContractChecker.Check(await _contract.Value, exchange);
        if (violations.Count == 0)
        {
            return response;
        }

        if (mode == ContractCheckMode.Report)
        {
            ContractReport.Add(violations);
            return response;
        }

        response.Dispose();
        throw new ContractViolationException(violations);
    }
}
