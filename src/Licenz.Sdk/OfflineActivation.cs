using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Licenz.Internal;

namespace Licenz;

/// <summary>
/// An activation request made on a machine with no network (air-gapped): the license key, the machine's fingerprint and
/// components, and a random nonce, as one copy-pasteable line (<c>LZACT-…</c>) or a file. Someone carries it to a
/// machine that can reach the server, which activates the machine (<c>POST /machines/offline-activations</c>,
/// <see cref="MachinesClient.ActivateOfflineAsync(string, TimeSpan?, CancellationToken)"/>) and answers a license file
/// bound to it, to be carried back and installed (<see cref="LicenseChecker.InstallLicenseFile"/>).
/// </summary>
/// <remarks>
/// The request is sealed with an HMAC keyed from the license key, so a request damaged or edited on its way is refused.
/// It carries the license key itself (the server must find the license, whatever API key submits it): treat it like the key.
/// The format is in docs/license-file-format.md.
/// </remarks>
public sealed class OfflineActivationRequest
{
    /// <summary>How every activation request starts.</summary>
    public const string Prefix = "LZACT-";

    private readonly string _text;

    private OfflineActivationRequest(string text, string licenseKey, string fingerprint, IReadOnlyDictionary<string, string> components,
        string? name, string? platform, string? hostname, string nonce)
    {
        _text = text;
        LicenseKey = licenseKey;
        Fingerprint = fingerprint;
        Components = components;
        Name = name;
        Platform = platform;
        Hostname = hostname;
        Nonce = nonce;
    }

    /// <summary>The license key, in its canonical form.</summary>
    public string LicenseKey { get; }

    /// <summary>The machine's fingerprint (<see cref="MachineFingerprint"/>).</summary>
    public string Fingerprint { get; }

    /// <summary>The machine's named components; empty when none were given.</summary>
    public IReadOnlyDictionary<string, string> Components { get; }

    /// <summary>The machine's display name, if given.</summary>
    public string? Name { get; }

    /// <summary>Its operating system or platform, if given.</summary>
    public string? Platform { get; }

    /// <summary>Its host name, if given.</summary>
    public string? Hostname { get; }

    /// <summary>A random value of this request alone: no two requests are the same text.</summary>
    public string Nonce { get; }

    /// <summary>Makes a request to activate this machine on the license; no network is used.</summary>
    /// <param name="licenseKey">The license key as the customer entered it.</param>
    /// <param name="fingerprint">This machine's fingerprint (<see cref="MachineFingerprint.Get"/>).</param>
    /// <param name="machine">The machine's components, name, platform and host name; none when null.</param>
    /// <exception cref="ArgumentException">The key is not a license key, or the fingerprint is empty.</exception>
    public static OfflineActivationRequest Create(string licenseKey, string fingerprint, MachineActivationOptions? machine = null) =>
        Create(licenseKey, fingerprint, machine, Nonces.Create());

    /// <summary>As <see cref="Create(string, string, MachineActivationOptions?)"/> with a given nonce: for the published test vectors only.</summary>
    internal static OfflineActivationRequest Create(string licenseKey, string fingerprint, MachineActivationOptions? machine, string nonce)
    {
        if (!Licenz.LicenseKey.TryNormalize(licenseKey, out var key))
        {
            throw new ArgumentException("Not a license key: LIC-XXXXX-XXXXX-XXXXX.", nameof(licenseKey));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(fingerprint);
        var components = machine?.Components is { Count: > 0 } given
            ? new SortedDictionary<string, string>(given.ToDictionary(), StringComparer.Ordinal)
            : null;
        var payload = new ActivationRequestPayload(key, fingerprint.Trim(), components, machine?.Name, machine?.Platform, machine?.Hostname, nonce);
        var text = OfflineSeals.Seal(Prefix, JsonSerializer.SerializeToUtf8Bytes(payload, SdkJson.Jose.ActivationRequestPayload),
            OfflineSeals.Key(key, OfflineSeals.ActivationPurpose));
        return FromPayload(text, payload);
    }

    /// <summary>Reads a request from its text, as pasted (line breaks and spaces inside are ignored).</summary>
    /// <param name="text">The request.</param>
    /// <param name="request">The request, when it reads and its seal holds.</param>
    /// <param name="problem">Otherwise what is wrong with it, as the end of a sentence ("it was altered …").</param>
    public static bool TryParse(string? text, [NotNullWhen(true)] out OfflineActivationRequest? request, out string problem)
    {
        request = null;
        if (!OfflineSeals.TryOpen(text, Prefix, out var bytes, out var signed, out var tag, out problem))
        {
            return false;
        }

        ActivationRequestPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize(bytes, SdkJson.Jose.ActivationRequestPayload);
        }
        catch (JsonException)
        {
            payload = null;
        }

        if (payload is not { Key: { } key, Fingerprint: { Length: > 0 } fingerprint, Nonce: { Length: > 0 } }
            || !Licenz.LicenseKey.TryNormalize(key, out var canonical) || canonical != key || fingerprint.Trim() != fingerprint)
        {
            problem = "its contents are not an activation request's.";
            return false;
        }

        if (!OfflineSeals.Holds(signed, tag, OfflineSeals.Key(key, OfflineSeals.ActivationPurpose)))
        {
            problem = "it was altered after it was made: its seal does not match its contents.";
            return false;
        }

        request = FromPayload(signed + "." + Base64UrlStrict.Encode(tag), payload);
        return true;
    }

    /// <summary>Reads a request from a file written by <see cref="WriteToFile"/> (or the text saved by hand).</summary>
    /// <exception cref="FormatException">The file holds no valid activation request; the message says why.</exception>
    public static OfflineActivationRequest ReadFile(string path) =>
        TryParse(File.ReadAllText(path, Encoding.ASCII), out var request, out var problem)
            ? request
            : throw new FormatException($"{path} holds no activation request: {problem}");

    /// <summary>Writes the request to a file, to carry to a machine that can reach the server.</summary>
    public void WriteToFile(string path) => File.WriteAllText(path, _text + "\n", Encoding.ASCII);

    /// <summary>The request as one line of text: <c>LZACT-…</c>.</summary>
    public override string ToString() => _text;

    private static OfflineActivationRequest FromPayload(string text, ActivationRequestPayload payload) => new(
        text,
        payload.Key,
        payload.Fingerprint,
        payload.Components is { } components ? new Dictionary<string, string>(components, StringComparer.Ordinal) : new Dictionary<string, string>(),
        payload.Name,
        payload.Platform,
        payload.Hostname,
        payload.Nonce);
}

/// <summary>
/// Proof that an offline machine removed its license file (<see cref="LicenseChecker.DeactivateOffline"/>): the file's id
/// (<c>jti</c>), the machine's fingerprint and a fresh nonce, sealed with an HMAC keyed from the license key — only the
/// license key's holder can make one. As one copy-pasteable line (<c>LZDEACT-…</c>) or a file, carried to the server
/// (<c>POST /machines/offline-deactivations</c>, <see cref="MachinesClient.DeactivateOfflineAsync(string, CancellationToken)"/>), which frees the
/// machine's seat. A proof frees a seat once.
/// </summary>
public sealed class OfflineDeactivationProof
{
    /// <summary>How every deactivation proof starts.</summary>
    public const string Prefix = "LZDEACT-";

    private readonly string _text;
    private readonly string _signed;
    private readonly byte[] _tag;

    private OfflineDeactivationProof(string text, string signed, byte[] tag, DeactivationProofPayload payload)
    {
        _text = text;
        _signed = signed;
        _tag = tag;
        LicenseId = payload.LicenseId;
        FileId = payload.Jti;
        Fingerprint = payload.Fingerprint;
        Nonce = payload.Nonce;
    }

    /// <summary>The license, <c>lic_…</c>.</summary>
    public string LicenseId { get; }

    /// <summary>The removed license file's id (<c>jti</c>).</summary>
    public string FileId { get; }

    /// <summary>The fingerprint the removed file was bound to: the machine whose seat is to be freed.</summary>
    public string Fingerprint { get; }

    /// <summary>A random value of this proof alone.</summary>
    public string Nonce { get; }

    /// <summary>Makes the proof for a removed license file; no network is used.</summary>
    /// <param name="file">The removed file's claims (verified: see <see cref="LicenseFile.Verify"/>); the file must be bound to a machine.</param>
    /// <param name="licenseKey">The license key, which the file must be for: it keys the seal.</param>
    /// <exception cref="ArgumentException">The file is bound to no machine, or is for another license key.</exception>
    public static OfflineDeactivationProof Create(LicenseFileClaims file, string licenseKey) => Create(file, licenseKey, Nonces.Create());

    /// <summary>As <see cref="Create(LicenseFileClaims, string)"/> with a given nonce: for the published test vectors only.</summary>
    internal static OfflineDeactivationProof Create(LicenseFileClaims file, string licenseKey, string nonce)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.License.Fingerprint is not { } fingerprint)
        {
            throw new ArgumentException("The license file is bound to no machine: there is no seat to free.", nameof(file));
        }

        if (!Licenz.LicenseKey.TryNormalize(licenseKey, out var key) || key != file.License.Key)
        {
            throw new ArgumentException("The license key is not the license file's.", nameof(licenseKey));
        }

        var payload = new DeactivationProofPayload(file.LicenseId, file.FileId, fingerprint, nonce);
        var text = OfflineSeals.Seal(Prefix, JsonSerializer.SerializeToUtf8Bytes(payload, SdkJson.Jose.DeactivationProofPayload),
            OfflineSeals.Key(key, OfflineSeals.DeactivationPurpose));
        TryParse(text, out var proof, out _);
        return proof!;
    }

    /// <summary>Reads a proof from its text, as pasted (line breaks and spaces inside are ignored). Its seal is checked by <see cref="IsSealedWith"/>.</summary>
    /// <param name="text">The proof.</param>
    /// <param name="proof">The proof, when it reads.</param>
    /// <param name="problem">Otherwise what is wrong with it, as the end of a sentence.</param>
    public static bool TryParse(string? text, [NotNullWhen(true)] out OfflineDeactivationProof? proof, out string problem)
    {
        proof = null;
        if (!OfflineSeals.TryOpen(text, Prefix, out var bytes, out var signed, out var tag, out problem))
        {
            return false;
        }

        DeactivationProofPayload? payload;
        try
        {
            payload = JsonSerializer.Deserialize(bytes, SdkJson.Jose.DeactivationProofPayload);
        }
        catch (JsonException)
        {
            payload = null;
        }

        if (payload is not { LicenseId: { Length: > 0 }, Jti: { Length: > 0 }, Fingerprint: { Length: > 0 }, Nonce: { Length: > 0 } })
        {
            problem = "its contents are not a deactivation proof's.";
            return false;
        }

        proof = new OfflineDeactivationProof(signed + "." + Base64UrlStrict.Encode(tag), signed, tag, payload);
        return true;
    }

    /// <summary>Whether the proof was made with <paramref name="licenseKey"/> and is unaltered (its HMAC holds).</summary>
    /// <param name="licenseKey">The license's key (the server opens it from its seal).</param>
    public bool IsSealedWith(string licenseKey) =>
        Licenz.LicenseKey.TryNormalize(licenseKey, out var key) && OfflineSeals.Holds(_signed, _tag, OfflineSeals.Key(key, OfflineSeals.DeactivationPurpose));

    /// <summary>Reads a proof from a file written by <see cref="WriteToFile"/>.</summary>
    /// <exception cref="FormatException">The file holds no deactivation proof; the message says why.</exception>
    public static OfflineDeactivationProof ReadFile(string path) =>
        TryParse(File.ReadAllText(path, Encoding.ASCII), out var proof, out var problem)
            ? proof
            : throw new FormatException($"{path} holds no deactivation proof: {problem}");

    /// <summary>Writes the proof to a file, to carry to a machine that can reach the server.</summary>
    public void WriteToFile(string path) => File.WriteAllText(path, _text + "\n", Encoding.ASCII);

    /// <summary>The proof as one line of text: <c>LZDEACT-…</c>.</summary>
    public override string ToString() => _text;
}
