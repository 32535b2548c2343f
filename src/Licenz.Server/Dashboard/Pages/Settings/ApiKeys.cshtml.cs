using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using Licenz.Server.Api;
using Licenz.Server.ApiKeys;
using Licenz.Server.Data;
using Microsoft.AspNetCore.Authentication;
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

    [BindProperty]
    public string Type { get; set; } = "verify_only";

    [BindProperty]
    public string? ExpiresOn { get; set; }

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
        var now = time.GetUtcNow().UtcDateTime;
        try
        {
            string? expiresAt = null;
            if (!string.IsNullOrWhiteSpace(ExpiresOn))
            {
                if (!DateOnly.TryParseExact(ExpiresOn, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                {
                    throw ApiException.BadRequest("The expiry date must be a date such as 2027-01-31.", "expires_at");
                }

                expiresAt = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture);
            }

            var (type, name, expiry) = ApiKeyCommands.Validate(Type, Name, expiresAt, now);
            var (row, secret) = ApiKeyIssuer.Issue(db, time, User.AccountId(), type, name, expiry);
            await db.SaveChangesAsync(cancellationToken);
            var dto = row.ToDto(now);
            var created = new CreatedApiKeyDto(dto.Id, dto.Type, dto.Name, dto.Prefix, dto.Status, dto.CreatedAt, dto.ExpiresAt, secret);

            // Post/redirect/get, so that reloading the page cannot create a second key. The secret rides to
            // the next view in the encrypted, HttpOnly TempData cookie, which that view consumes.
            CreatedJson = JsonSerializer.Serialize(created, DashboardJson.Default.CreatedApiKeyDto);
            return RedirectToPage();
        }
        catch (ApiException invalid)
        {
            Error = invalid.Message;
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

        if (key.Id == User.KeyId())
        {
            // The session's own key: the session ends with it.
            await HttpContext.SignOutAsync(DashboardSetup.Scheme);
            return LocalRedirect(DashboardSetup.Path + "/login");
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

[JsonSerializable(typeof(CreatedApiKeyDto))]
internal sealed partial class DashboardJson : JsonSerializerContext;
