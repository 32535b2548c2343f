using System.Text.Json;
using System.Text.Json.Serialization;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Licenz.Server.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.RazorPages;
using Microsoft.EntityFrameworkCore;

namespace Licenz.Server.Dashboard.Pages.Settings;

/// <summary>Dashboard → Settings → API Keys: the same creation and revocation as the API, for people.</summary>
public sealed class ApiKeysModel(LicenzDbContext db, TimeProvider time) : PageModel
{
    public IReadOnlyList<ApiKeyDto> Keys { get; private set; } = [];

    public CreatedApiKeyDto? Created { get; private set; }

    public string? Error { get; private set; }

    [BindProperty]
    public string? Name { get; set; }

    /// <summary>The key type as the form's select sends it: one of the API's names.</summary>
    [BindProperty]
    public string Type { get; set; } = ApiNames<ApiKeyType>.Name(ApiKeyType.VerifyOnly);

    [BindProperty]
    public DateOnly? ExpiresOn { get; set; }

    /// <summary>Set by the create handler for exactly one following page view (TempData is read once).</summary>
    [TempData]
    public string? CreatedJson { get; set; }

    public Task OnGetAsync(CancellationToken cancellationToken)
    {
        if (CreatedJson is not null)
        {
            Created = JsonSerializer.Deserialize(CreatedJson, DashboardJson.Default.CreatedApiKeyDto);
        }

        return LoadAsync(cancellationToken);
    }

    public async Task<IActionResult> OnPostCreateAsync(CancellationToken cancellationToken)
    {
        if (!ModelState.IsValid)
        {
            Error = "The expiry date must be a date such as 2027-01-31.";
        }
        else if (!ApiNames<ApiKeyType>.TryParse(Type, out var type))
        {
            Error = $"The key type must be one of {ApiNames<ApiKeyType>.List}.";
        }
        else
        {
            // The same command, and the same rules, as POST /api-keys: a key that expires on a day expires at its start (UTC).
            var request = new CreateApiKeyRequest
            {
                Type = type,
                Name = Name ?? "",
                ExpiresAt = ExpiresOn?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
            };
            var (created, error) = await ApiKeyCommands.CreateAsync(db, time, User.AccountId(), request, cancellationToken);
            if (created is not null)
            {
                // Post/redirect/get, so that reloading the page cannot create a second key. The secret rides to
                // the next view in the encrypted, HttpOnly TempData cookie, which that view consumes.
                CreatedJson = JsonSerializer.Serialize(created, DashboardJson.Default.CreatedApiKeyDto);
                return RedirectToPage();
            }

            Error = error!.Message;
        }

        await LoadAsync(cancellationToken);
        return Page();
    }

    public async Task<IActionResult> OnPostRevokeAsync(string id, CancellationToken cancellationToken)
    {
        var key = await ApiKeyCommands.RevokeAsync(db, User.AccountId(), id, time.GetUtcNow().UtcDateTime, cancellationToken);
        if (key is null)
        {
            return NotFound();
        }

        return RedirectToPage();
    }

    private async Task LoadAsync(CancellationToken cancellationToken)
    {
        var accountId = User.AccountId();
        var now = time.GetUtcNow().UtcDateTime;
        var rows = await db.ApiKeys.AsNoTracking().Where(k => k.AccountId == accountId)
            .OrderByDescending(k => k.Id).Take(500).ToListAsync(cancellationToken);
        Keys = rows.Select(k => k.ToDto(now)).ToList();
    }
}

[JsonSourceGenerationOptions(Converters = [typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(CreatedApiKeyDto))]
[JsonSerializable(typeof(string[]))]
internal sealed partial class DashboardJson : JsonSerializerContext;
