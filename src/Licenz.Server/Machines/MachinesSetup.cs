using System.Text.Json.Serialization;
using Licenz.Server.Events;
using Licenz.Server.Http;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Machines;

public static class MachinesSetup
{
    public static IServiceCollection AddMachines(this IServiceCollection services)
    {
        services.AddOptions<MachineOptions>().BindConfiguration(MachineOptions.Section)
            .Validate(o => o.HeartbeatCheckInterval >= TimeSpan.FromSeconds(1) && o.HeartbeatCheckInterval <= TimeSpan.FromHours(1),
                $"{MachineOptions.Section}:HeartbeatCheckInterval must be between 00:00:01 and 01:00:00.")
            .ValidateOnStart();
        services.AddSingleton<LicenseHolderQueries>();
        services.AddSingleton<HeartbeatMonitor>();
        services.AddHostedService(provider => provider.GetRequiredService<HeartbeatMonitor>());
        return services.AddEventSource<Machine, MachineDto>("machine", m => (m.Id, m.AccountId), (m, _) => m.ToDto(), MachinesJsonContext.Default.MachineDto);
    }
}

/// <summary>Source-generated JSON for this feature's requests and responses (options as <see cref="HttpJsonContext"/>).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    RespectNullableAnnotations = true,
    RespectRequiredConstructorParameters = false,
    AllowDuplicateProperties = false,
    NumberHandling = JsonNumberHandling.Strict,
    Converters = [typeof(UtcTimestampConverter), typeof(ApiEnumConverterFactory)])]
[JsonSerializable(typeof(ActivateMachineRequest))]
[JsonSerializable(typeof(MachineActionRequest))]
[JsonSerializable(typeof(MachineDto))]
[JsonSerializable(typeof(DataEnvelope<MachineDto>))]
[JsonSerializable(typeof(ListEnvelope<MachineDto>))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(List<string>))]
[JsonSerializable(typeof(OfflineActivationRequestBody))]
[JsonSerializable(typeof(OfflineDeactivationRequestBody))]
[JsonSerializable(typeof(OfflineActivationDto))]
[JsonSerializable(typeof(DataEnvelope<OfflineActivationDto>))]
public sealed partial class MachinesJsonContext : JsonSerializerContext;
