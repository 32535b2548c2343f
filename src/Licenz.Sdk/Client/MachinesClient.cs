using Licenz.Internal;

namespace Licenz;

/// <summary>
/// Machines: <c>/machines</c>. Reached through <see cref="LicenzClient.Machines"/>. The license-holder actions present the
/// license key itself (or, offline, a request or proof made with it) and work with the verify-only key an application ships.
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

    /// <summary>
    /// Tells the server this machine is alive, under a policy that requires heartbeats: without one before
    /// <see cref="MachineInfo.HeartbeatDueAt"/> the server deactivates the machine and frees its seat. For a heartbeat
    /// that keeps itself going, see <see cref="StartHeartbeat"/>.
    /// </summary>
    /// <param name="licenseKey">The license key.</param>
    /// <param name="fingerprint">The machine's fingerprint.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The machine, with its new <see cref="MachineInfo.LastHeartbeatAt"/> and <see cref="MachineInfo.HeartbeatDueAt"/>.</returns>
    /// <exception cref="LicenzException"><see cref="LicenzErrorCodes.NotFound"/> when no such machine is activated (its heartbeat stopped, or it was deactivated).</exception>
    public Task<MachineInfo> HeartbeatAsync(string licenseKey, string fingerprint, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(licenseKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var body = ClientJson.Serialize(new MachineActionBody(licenseKey, fingerprint), ClientJson.Default.MachineActionBody);
        return _api.SendAsync(HttpMethod.Post, "machines/heartbeat", body, ClientJson.Default.DataEnvelopeMachineInfo, cancellationToken);
    }

    /// <summary>
    /// Starts sending this machine's heartbeats in the background: one now, then one each half of the time the server
    /// gives until the next is due (or every <see cref="MachineHeartbeatOptions.Interval"/> when the policy sets no due
    /// time). A failed heartbeat is tried again sooner; an answer that the machine is gone stops it. Dispose the result
    /// (or cancel <paramref name="cancellationToken"/>) to stop.
    /// </summary>
    /// <param name="licenseKey">The license key.</param>
    /// <param name="fingerprint">The machine's fingerprint.</param>
    /// <param name="options">Intervals and a callback for failures.</param>
    /// <param name="cancellationToken">Stops the heartbeats.</param>
    public MachineHeartbeat StartHeartbeat(string licenseKey, string fingerprint, MachineHeartbeatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(licenseKey);
        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        return new MachineHeartbeat(this, _api.Settings.Time, licenseKey, fingerprint, options ?? new MachineHeartbeatOptions(), cancellationToken);
    }

    /// <summary>
    /// Activates an offline machine from the request it made (<see cref="OfflineActivationRequest"/>, <c>LZACT-…</c>):
    /// within the license's machine limit, as an online activation, and answers the license file bound to it.
    /// </summary>
    /// <param name="request">The request as the offline machine produced it (whitespace inside is ignored).</param>
    /// <param name="timeToLive">The license file's time to live, in whole seconds; the server's default (the smaller of 30 days and the policy's check-in interval) when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<OfflineActivation> ActivateOfflineAsync(string request, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(request);
        var body = ClientJson.Serialize(new OfflineActivationBody(request, TimeToLive.Seconds(timeToLive, nameof(timeToLive))), ClientJson.Default.OfflineActivationBody);
        return _api.SendAsync(HttpMethod.Post, "machines/offline-activations", body, ClientJson.Default.DataEnvelopeOfflineActivation, cancellationToken);
    }

    /// <inheritdoc cref="ActivateOfflineAsync(string, TimeSpan?, CancellationToken)"/>
    public Task<OfflineActivation> ActivateOfflineAsync(OfflineActivationRequest request, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        return ActivateOfflineAsync(request.ToString(), timeToLive, cancellationToken);
    }

    /// <summary>
    /// Frees the seat of an offline machine that removed its license file, on the proof it made
    /// (<see cref="OfflineDeactivationProof"/>, <c>LZDEACT-…</c>). A proof frees a seat once.
    /// </summary>
    /// <param name="proof">The proof as the offline machine produced it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<MachineInfo> DeactivateOfflineAsync(string proof, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(proof);
        var body = ClientJson.Serialize(new OfflineDeactivationBody(proof), ClientJson.Default.OfflineDeactivationBody);
        return _api.SendAsync(HttpMethod.Post, "machines/offline-deactivations", body, ClientJson.Default.DataEnvelopeMachineInfo, cancellationToken);
    }

    /// <inheritdoc cref="DeactivateOfflineAsync(string, CancellationToken)"/>
    public Task<MachineInfo> DeactivateOfflineAsync(OfflineDeactivationProof proof, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(proof);
        return DeactivateOfflineAsync(proof.ToString(), cancellationToken);
    }
}
