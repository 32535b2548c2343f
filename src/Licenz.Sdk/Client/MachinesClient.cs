using Licenz.Internal;

namespace Licenz;

/// <summary>
/// Machines: <c>/machines</c>. Reached through <see cref="LicenzClient.Machines"/>. The license-holder actions present the
/// license key itself and work with the verify-only key an application ships.
/// </summary>
public sealed class MachinesClient
{
    private readonly ApiConnection _api;

    internal MachinesClient(ApiConnection api) => _api = api;

    /// <summary>
    /// Activates a machine on a license: takes one of its seats, or answers the machine already activated with this
    /// fingerprint (or, under a policy matching most components, rebinds the machine they recognise).
    /// </summary>
    /// <param name="licenseKey">The license key.</param>
    /// <param name="fingerprint">The machine's fingerprint (<see cref="MachineFingerprint.Get"/>).</param>
    /// <param name="machine">Its components, name, platform and host name.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="LicenzException"><see cref="LicenzErrorCodes.MachineLimitExceeded"/> when every seat is taken.</exception>
    public Task<MachineInfo> ActivateAsync(string licenseKey, string fingerprint, MachineActivationOptions? machine = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(licenseKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var body = ClientJson.Serialize(
            new ActivateBody(licenseKey, fingerprint, machine?.Name, machine?.Platform, machine?.Hostname, machine?.Components is { Count: > 0 } parts ? parts : null),
            ClientJson.Default.ActivateBody);
        return _api.SendAsync(HttpMethod.Post, "machines", body, ClientJson.Default.DataEnvelopeMachineInfo, cancellationToken);
    }

    /// <summary>Releases a machine's seat, within the license's allowance of self-service transfers.</summary>
    /// <param name="licenseKey">The license key.</param>
    /// <param name="fingerprint">The machine's fingerprint.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <exception cref="LicenzException"><see cref="LicenzErrorCodes.TransferLimitExceeded"/> beyond the allowance; the message says when the next is allowed.</exception>
    public Task<MachineInfo> DeactivateAsync(string licenseKey, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(licenseKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var body = ClientJson.Serialize(new MachineActionBody(licenseKey, fingerprint), ClientJson.Default.MachineActionBody);
        return _api.SendAsync(HttpMethod.Post, "machines/deactivate", body, ClientJson.Default.DataEnvelopeMachineInfo, cancellationToken);
    }
}
