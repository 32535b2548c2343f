using System.Text.Json;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;

namespace Licenz.Bench.Bare;

/// <summary>
/// The physical limit the online benchmark compares verification with: the same Kestrel, TLS certificate and
/// request as the server gets, answered with a small constant JSON body and no work. Prints
/// <c>Listening: https://…</c> once it accepts connections (start it with <c>--urls https://127.0.0.1:0</c>).
/// </summary>
internal static class BareProgram
{
    // The shape and size (about 400 bytes) of a real verification answer, so both send the same bytes.
    private static readonly BareEnvelope Answer = new(new BareAnswer(
        true, "VALID", "The license is valid.", "n000000000000001", new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc),
        new BareLicense("lic_06h1kagecdt3544wcsc04h0edc", "LIC-ES8AA-MFCNT-R0DC2", "prod_06h1kage2ntmb3an7e34ghppk4",
            "subscription", "active", new DateTime(2027, 1, 1, 0, 0, 0, DateTimeKind.Utc), new BareMetadata(5, "pro"),
            new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc))));

    public static async Task Main(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);
        var app = builder.Build();
        app.MapPost("/api/v1/licenses/verify", () => TypedResults.Ok(Answer));
        app.Lifetime.ApplicationStarted.Register(() =>
        {
            foreach (var address in app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses ?? [])
            {
                Console.Out.WriteLine($"Listening: {address}");
            }

            Console.Out.Flush();
        });
        await app.RunAsync();
    }
}

internal sealed record BareEnvelope(BareAnswer Data);

internal sealed record BareAnswer(bool Valid, string Code, string Detail, string Nonce, DateTime VerifiedAt, BareLicense License);

internal sealed record BareLicense(string Id, string Key, string ProductId, string Type, string Status, DateTime ExpiresAt, BareMetadata Metadata, DateTime CreatedAt);

internal sealed record BareMetadata(int Seats, string Edition);
