using Licenz.Server.Http;

namespace Licenz.Server.Dashboard;

/// <summary>
/// The dashboard changes things through the API's own handlers: the same rules, limits, messages and events as
/// <c>/api/v1</c>, for the member whose session the request carries (<see cref="DashboardSetup"/> makes the member the
/// request's caller). A page checks the member's role first; this checks the request's fields as the endpoint would,
/// runs the handler, and answers its data or its error (which names the field, for the page to show beside it).
/// </summary>
public static class DashboardCommands
{
    public static async Task<(T? Data, ApiError? Error)> RunAsync<T>(object? request, Func<Task<IResult>> handler)
        where T : class
    {
        if (request is not null && RequestRules.Check(request) is { } broken)
        {
            return (null, broken);
        }

        return Outcome<T>(await handler());
    }

    /// <summary>The handler's refusal; null when it did what was asked.</summary>
    public static ApiError? Refusal(IResult result) => (result is INestedHttpResult nested ? nested.Result : result) is ApiErrorResult error ? error.Error : null;

    /// <summary>What a handler answered: its data, or its error.</summary>
    public static (T? Data, ApiError? Error) Outcome<T>(IResult result)
        where T : class =>
        (result is INestedHttpResult nested ? nested.Result : result) switch
        {
            ApiErrorResult error => (null, error.Error),
            IValueHttpResult { Value: DataEnvelope<T> envelope } => (envelope.Data, null),
            var other => throw new InvalidOperationException($"The handler answered {other.GetType().Name}, not {typeof(T).Name}."),
        };
}
