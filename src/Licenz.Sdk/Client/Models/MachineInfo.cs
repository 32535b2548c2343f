namespace Licenz;

/// <summary>A machine a license is activated on (<c>mach_…</c>): one seat of the license's machine limit.</summary>
public sealed record MachineInfo : LicenzResult
{
    /// <summary>The machine id, <c>mach_…</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The license it is activated on, <c>lic_…</c>.</summary>
    public required string LicenseId { get; init; }

    /// <summary>The license's product, <c>prod_…</c>.</summary>
    public required string ProductId { get; init; }

    /// <summary>The machine's fingerprint.</summary>
    public required string Fingerprint { get; init; }

    /// <summary>Display name, if given.</summary>
    public string? Name { get; init; }

    /// <summary>Operating system or platform, if given.</summary>
    public string? Platform { get; init; }

    /// <summary>Host name, if given.</summary>
    public string? Hostname { get; init; }

    /// <summary>Its named, hashed parts (board, cpu, disk, os, …).</summary>
    public IReadOnlyDictionary<string, string> Components { get; init; } = new Dictionary<string, string>();

    /// <summary>When it was activated.</summary>
    public DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it last changed (a rebind, say).</summary>
    public DateTimeOffset UpdatedAt { get; init; }

    /// <summary>Its last heartbeat, if any.</summary>
    public DateTimeOffset? LastHeartbeatAt { get; init; }

    /// <summary>When its next heartbeat is due, when its policy requires them.</summary>
    public DateTimeOffset? HeartbeatDueAt { get; init; }
}

/// <summary>
/// The answer to an offline activation (<c>POST /machines/offline-activations</c>): the machine, and the license file
/// bound to it, to carry back to the offline machine and install there (<see cref="LicenseChecker.InstallLicenseFile"/>).
/// </summary>
public sealed record OfflineActivation : LicenzResult
{
    /// <summary>The machine activated (or already activated, or rebound).</summary>
    public required MachineInfo Machine { get; init; }

    /// <summary>The license file bound to it, encrypted for its license key (and machine).</summary>
    public required LicenseFileCheckout LicenseFile { get; init; }
}
