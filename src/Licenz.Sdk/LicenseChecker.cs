using System.Text;
using System.Text.Json;
using Licenz.Internal;

namespace Licenz;

/// <summary>Where a <see cref="LicenseCheckResult"/> came from.</summary>
public enum LicenseCheckSource
{
    /// <summary>The server answered, and its signed answer was checked.</summary>
    Online,

    /// <summary>The server could not be reached (or its answer could not be trusted); the saved license file decided.</summary>
    LicenseFile,

    /// <summary>Neither the server nor a valid license file; the last signed answer, within the grace period, decided.</summary>
    LastSignedResult,

    /// <summary>Nothing could vouch for the license.</summary>
    None,
}

/// <summary>The outcome of <see cref="LicenseChecker.CheckAsync"/>: a verdict, a code, and what it rests on.</summary>
/// <param name="IsValid">Whether the application may run as licensed.</param>
/// <param name="Code">The server's code (<see cref="VerificationResultCodes"/>) online, <see cref="LicenseFileCodes"/> offline.</param>
/// <param name="Message">The verdict, in words.</param>
/// <param name="Source">What the verdict rests on.</param>
/// <param name="CheckedAt">When the check was made (local clock).</param>
public sealed record LicenseCheckResult(bool IsValid, string Code, string Message, LicenseCheckSource Source, DateTimeOffset CheckedAt)
{
    /// <summary>The server's answer, when the verdict is <see cref="LicenseCheckSource.Online"/> or <see cref="LicenseCheckSource.LastSignedResult"/>.</summary>
    public VerificationResult? Verification { get; init; }

    /// <summary>The license file's check, when the file was consulted.</summary>
    public LicenseFileResult? LicenseFile { get; init; }

    /// <summary>Why the server was not used, when it was not.</summary>
    public LicenzException? OnlineFailure { get; init; }

    /// <summary>Valid, but past the license's expiry, within its policy's grace period: the application should urge a renewal.</summary>
    public bool InGrace { get; init; }

    /// <summary>When the grace period ends, while <see cref="InGrace"/>.</summary>
    public DateTimeOffset? GraceEndsAt { get; init; }

    /// <summary>Whether the license is valid and grants the entitlement <paramref name="code"/>, by what the verdict rests on.</summary>
    /// <param name="code">An entitlement code, such as <c>export.pdf</c>.</param>
    public bool HasEntitlement(string code) => IsValid && Source switch
    {
        LicenseCheckSource.LicenseFile => LicenseFile?.HasEntitlement(code) == true,
        LicenseCheckSource.Online or LicenseCheckSource.LastSignedResult => Verification?.HasEntitlement(code) == true,
        _ => false,
    };
}

/// <summary>What <see cref="LicenseChecker"/> checks and where it keeps its files.</summary>
public sealed class LicenseCheckerOptions
{
    /// <summary>The license key the customer entered.</summary>
    public required string LicenseKey { get; init; }

    /// <summary>The public keys the application ships (the server's JWKS, fetched at build time).</summary>
    public required PublicKeySet Keys { get; init; }

    /// <summary>Folder for the license file (<c>license.lic</c>) and the last signed answer (<c>last-verification.json</c>).</summary>
    public required string StorageDirectory { get; init; }

    /// <summary>The product the application is; a license of another product is not valid for it.</summary>
    public string? ProductId { get; init; }

    /// <summary>
    /// This machine's fingerprint (<see cref="MachineFingerprint.Get"/>): the license must then be activated on it, and
    /// license files are bound to it.
    /// </summary>
    public string? Fingerprint { get; init; }

    /// <summary>
    /// This machine's named components (board, cpu, disk, os, … hashed): sent when it is activated, and under a policy
    /// that matches most components they recognise it offline when its fingerprint changed.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Components { get; init; }

    /// <summary>Entitlement codes the application requires: a license without one of them is not valid for it (<c>ENTITLEMENTS_MISSING</c>).</summary>
    public IReadOnlyCollection<string>? RequiredEntitlements { get; init; }

    /// <summary>
    /// Whether <see cref="LicenseChecker.CheckAsync"/> activates this machine (takes a seat of the license) when the
    /// server has none for its <see cref="Fingerprint"/>. Default true; when false, activate it explicitly
    /// (<see cref="MachinesClient.ActivateAsync"/>), and a machine not activated is refused.
    /// </summary>
    public bool ActivateMachine { get; init; } = true;

    /// <summary>How long the last signed answer may stand in when neither the server nor a license file can. Default 3 days.</summary>
    public TimeSpan GracePeriod { get; init; } = TimeSpan.FromDays(3);

    /// <summary>A fresh license file is checked out once the saved one has less than this left. Default 7 days.</summary>
    public TimeSpan RenewLicenseFileBefore { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The time to live asked for new license files; the server's default (30 days) when null.</summary>
    public TimeSpan? LicenseFileTimeToLive { get; init; }

    /// <summary>Whether license files are checked out encrypted for the license key (and machine).</summary>
    public bool EncryptLicenseFile { get; init; } = true;

    /// <summary>Remembers trusted times, to notice a clock set back.</summary>
    public ITrustedClock TrustedClock { get; init; } = Licenz.TrustedClock.Default;

    /// <summary>How far the clock may be behind a trusted time before it counts as set back. Default 10 minutes.</summary>
    public TimeSpan ClockTolerance { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>The clock.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;
}

/// <summary>
/// Online when it can, offline when it must. Verifies with the server (checking its signed answer), activates this
/// machine when the license has none for it, and keeps a fresh license file bound to it; when the server cannot be
/// reached, or its answer cannot be trusted, falls back to the saved license file, then to the last signed answer
/// within the grace period — and says which it used. A machine that never reaches the server is activated by hand
/// instead: <see cref="CreateOfflineActivationRequest"/>, <see cref="InstallLicenseFile"/>, <see cref="DeactivateOffline"/>.
/// </summary>
/// <remarks>Configure the <see cref="LicenzClient"/> with a verify-only API key and the same keys (<see cref="LicenzClientOptions.VerificationKeys"/>).</remarks>
public sealed class LicenseChecker(LicenzClient client, LicenseCheckerOptions options)
{
    private const string LicenseFileName = "license.lic";
    private const string LastVerificationFileName = "last-verification.json";
    private const string DeactivationProofFileName = "deactivation-proof.txt";

    /// <summary>The saved license file's path.</summary>
    public string LicenseFilePath => Path.Combine(options.StorageDirectory, LicenseFileName);

    /// <summary>Where <see cref="DeactivateOffline"/> keeps the last proof it made, so a lost copy can be read again.</summary>
    public string DeactivationProofPath => Path.Combine(options.StorageDirectory, DeactivationProofFileName);

    private string LastVerificationPath => Path.Combine(options.StorageDirectory, LastVerificationFileName);

    /// <summary>Checks the license: online first, then the saved license file, then the last signed answer.</summary>
    public async Task<LicenseCheckResult> CheckAsync(CancellationToken cancellationToken = default)
    {
        VerificationResult verification;
        LicenzException? activationRefused = null;
        try
        {
            verification = await VerifyAsync(cancellationToken).ConfigureAwait(false);
            if (!verification.IsValid && options is { Fingerprint: { } fingerprint, ActivateMachine: true }
                && verification.Code is VerificationResultCodes.NoMachine or VerificationResultCodes.FingerprintScopeMismatch)
            {
                // The license is fine but not on this machine yet (or its fingerprint changed): take a seat, and ask again.
                try
                {
                    await client.Machines.ActivateAsync(options.LicenseKey, fingerprint, new MachineActivationOptions { Components = options.Components },
                        cancellationToken).ConfigureAwait(false);
                    verification = await VerifyAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (LicenzException refused) when (refused.Code is LicenzErrorCodes.MachineLimitExceeded)
                {
                    activationRefused = refused;
                }
            }
        }
        catch (LicenzException unreachable) when (IsOutage(unreachable))
        {
            return CheckOffline(unreachable);
        }

        await RefreshRevocationListAsync(verification.AccountId, cancellationToken).ConfigureAwait(false);
        var now = options.Time.GetUtcNow();
        Directory.CreateDirectory(options.StorageDirectory);
        if (!verification.IsValid)
        {
            // The server said no: nothing saved may speak for the license any more.
            File.Delete(LicenseFilePath);
            File.Delete(LastVerificationPath);
            return new LicenseCheckResult(false, verification.Code, activationRefused?.Message ?? verification.Detail, LicenseCheckSource.Online, now)
            {
                Verification = verification,
            };
        }

        if (verification.Signed is { } signed)
        {
            await WriteAtomicallyAsync(LastVerificationPath, signed.ToJson(), cancellationToken).ConfigureAwait(false);
        }

        // Past its expiry (in grace, or kept by its policy) a license gets no new file; the saved one keeps its own grace.
        if (verification.Code == VerificationResultCodes.Valid)
        {
            await RenewLicenseFileIfDueAsync(now, cancellationToken).ConfigureAwait(false);
        }

        return new LicenseCheckResult(true, verification.Code, verification.Detail, LicenseCheckSource.Online, now)
        {
            Verification = verification,
            InGrace = verification.InGrace,
            GraceEndsAt = verification.GraceEndsAt,
        };
    }

    private async Task<VerificationResult> VerifyAsync(CancellationToken cancellationToken)
    {
        var verification = await client.Licenses.VerifyAsync(options.LicenseKey, new VerifyOptions
        {
            ProductId = options.ProductId,
            Fingerprint = options.Fingerprint,
            Entitlements = options.RequiredEntitlements,
        }, cancellationToken).ConfigureAwait(false);
        if (verification.AccountId is { } issuer)
        {
            options.TrustedClock.Advance(issuer, verification.SignedDate);
            options.TrustedClock.AdvanceRevocationVersion(issuer, verification.RevocationVersion);
        }

        return verification;
    }

    /// <summary>
    /// Fetches the issuer's revocation list when a signed answer or license file showed a newer version than the one
    /// kept, and keeps it if it holds: from then on the licenses and machines it names are refused offline too.
    /// </summary>
    private async Task RefreshRevocationListAsync(string? issuer, CancellationToken cancellationToken)
    {
        var store = options.TrustedClock;
        if (issuer is null || store.ReadRevocationVersion(issuer) <= (KeptRevocations.Read(store, issuer, options.Keys)?.Version ?? 0))
        {
            return;
        }

        try
        {
            var text = await client.Licenses.GetRevocationListAsync(issuer, cancellationToken).ConfigureAwait(false);
            if (RevocationList.TryVerify(text, options.Keys, out var list, out _) && list.Issuer == issuer)
            {
                KeptRevocations.Keep(store, list, options.Keys);
            }
        }
        catch (LicenzException)
        {
            // The verdict stands; the list is fetched again at the next check.
        }
    }

    /// <summary>
    /// Keeps a revocation list brought by hand (for a machine that never reaches the server: download it from
    /// <c>/.well-known/licenz-revocations.jwt</c> elsewhere, or with <see cref="LicensesClient.GetRevocationListAsync"/>),
    /// if it holds for <see cref="LicenseCheckerOptions.Keys"/> and is newer than the one kept: from then on the
    /// licenses and machines it names are refused offline.
    /// </summary>
    /// <param name="list">The signed list, as served.</param>
    /// <param name="problem">Why it was not kept: it does not hold, or it is not newer than the one kept.</param>
    /// <returns>Whether it was kept.</returns>
    public bool TryInstallRevocationList(string list, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? problem)
    {
        if (!RevocationList.TryVerify(list, options.Keys, out var verified, out problem))
        {
            return false;
        }

        if (!KeptRevocations.Keep(options.TrustedClock, verified, options.Keys))
        {
            problem = $"The revocation list (version {verified.Version}) is not newer than the one kept here.";
            return false;
        }

        return true;
    }

    /// <summary>
    /// On a machine that never reaches the server: a request to activate it (<c>LZACT-…</c>), made from the license key,
    /// <see cref="LicenseCheckerOptions.Fingerprint"/> and <see cref="LicenseCheckerOptions.Components"/>. Carry it (or
    /// the file <see cref="OfflineActivationRequest.WriteToFile"/> writes) to a machine that can reach the server
    /// (<see cref="MachinesClient.ActivateOfflineAsync(string, TimeSpan?, CancellationToken)"/>), and the license file it
    /// answers back here (<see cref="InstallLicenseFile"/>).
    /// </summary>
    /// <param name="machine">The machine's name, platform and host name (and components, in place of the options').</param>
    /// <exception cref="InvalidOperationException">The options name no fingerprint: an activation is for one machine.</exception>
    public OfflineActivationRequest CreateOfflineActivationRequest(MachineActivationOptions? machine = null)
    {
        var fingerprint = options.Fingerprint ?? throw new InvalidOperationException("An offline activation is for one machine: set LicenseCheckerOptions.Fingerprint.");
        return OfflineActivationRequest.Create(options.LicenseKey, fingerprint, new MachineActivationOptions
        {
            Components = machine?.Components ?? options.Components,
            Name = machine?.Name,
            Platform = machine?.Platform,
            Hostname = machine?.Hostname,
        });
    }

    /// <summary>
    /// Installs a license file brought by hand (the answer to an offline activation): saved as this application's
    /// license file only if it verifies here and now, for this license key, product and machine.
    /// </summary>
    /// <param name="licenseFile">The armored license file.</param>
    /// <returns>Its check; the file was installed when <see cref="LicenseFileResult.IsValid"/>.</returns>
    public LicenseFileResult InstallLicenseFile(string licenseFile)
    {
        var result = LicenseFile.Verify(licenseFile, options.Keys, FileOptions());
        if (result.IsValid)
        {
            Directory.CreateDirectory(options.StorageDirectory);
            WriteAtomically(LicenseFilePath, licenseFile);
        }

        return result;
    }

    /// <summary>
    /// On a machine that never reaches the server: removes the installed license file (and the last signed answer) and
    /// answers a proof that it did (<c>LZDEACT-…</c>), made with the license key, which frees the machine's seat once it
    /// reaches the server (<see cref="MachinesClient.DeactivateOfflineAsync(string, CancellationToken)"/>). The proof is
    /// also kept at <see cref="DeactivationProofPath"/>, in case the copy carried away is lost.
    /// </summary>
    /// <exception cref="InvalidOperationException">No license file of this license key, bound to this machine, is installed.</exception>
    public OfflineDeactivationProof DeactivateOffline()
    {
        // The file's time may be over (its seat is still taken): what matters is that it is genuine and this machine's.
        var installed = LicenseFile.Verify(ReadOrNull(LicenseFilePath), options.Keys, FileOptions());
        if (installed.Claims is not { License.Fingerprint: not null } claims
            || installed.Code is LicenseFileCodes.LicenseKeyMismatch or LicenseFileCodes.FingerprintMismatch
                or LicenseFileCodes.ProductMismatch or LicenseFileCodes.IssuerMismatch)
        {
            throw new InvalidOperationException(File.Exists(LicenseFilePath)
                ? $"The installed license file cannot be deactivated from this machine: {installed.Message}"
                : "No license file is installed on this machine: there is nothing to deactivate.");
        }

        var proof = OfflineDeactivationProof.Create(claims, options.LicenseKey);
        WriteAtomically(DeactivationProofPath, proof + "\n");
        File.Delete(LicenseFilePath);
        File.Delete(LastVerificationPath);
        return proof;
    }

    /// <summary>Checks without the network: the saved license file, then the last signed answer.</summary>
    public LicenseCheckResult CheckOffline() => CheckOffline(null);

    private LicenseCheckResult CheckOffline(LicenzException? failure)
    {
        var now = options.Time.GetUtcNow();
        var file = LicenseFile.Verify(ReadOrNull(LicenseFilePath), options.Keys, FileOptions());
        if (file.IsValid)
        {
            return new LicenseCheckResult(true, file.Code, file.Message, LicenseCheckSource.LicenseFile, now)
            {
                LicenseFile = file,
                OnlineFailure = failure,
                InGrace = file.InGrace,
                GraceEndsAt = file.GraceEndsAt,
            };
        }

        if (LastSignedAnswer(now) is { } last)
        {
            return new LicenseCheckResult(true, last.Code, last.Detail, LicenseCheckSource.LastSignedResult, now)
            {
                Verification = last,
                LicenseFile = file,
                OnlineFailure = failure,
                InGrace = last.InGrace,
                GraceEndsAt = last.GraceEndsAt,
            };
        }

        var reason = file.Code == LicenseFileCodes.NoLicenseFile ? "No license file has been saved on this machine yet: connect once to activate." : file.Message;
        return new LicenseCheckResult(false, file.Code, reason, LicenseCheckSource.None, now) { LicenseFile = file, OnlineFailure = failure };
    }

    /// <summary>The last signed VALID answer, if its signature still holds, it is within the grace period and the clock was not set back.</summary>
    private VerificationResult? LastSignedAnswer(DateTimeOffset now)
    {
        if (!SignedResponse.TryFromJson(ReadOrNull(LastVerificationPath), out var signed)
            || signed.Verify(options.Keys) is not { IsValid: true, SignedDate: { } signedDate, KeyId: { } keyId})
        {
            return null;
        }

        DataEnvelope<VerificationResult>? envelope;
        try
        {
            envelope = JsonSerializer.Deserialize(signed.Body, ClientJson.Default.DataEnvelopeVerificationResult);
        }
        catch (JsonException)
        {
            return null;
        }

        if (envelope?.Data is not { IsValid: true } answer || answer.Nonce != signed.Nonce
            || !(LicenseKey.TryNormalize(options.LicenseKey, out var key) && answer.License?.Key == key)
            || (options.ProductId is { } product && answer.License?.ProductId != product)
            || (options.Fingerprint is not null && answer.MachineId is null)
            || options.RequiredEntitlements?.Any(code => !answer.HasEntitlement(code)) == true)
        {
            // An answer about another product, or not about this machine, or from before the application required an entitlement.
            return null;
        }

        if (answer.AccountId is { } listed && KeptRevocations.Read(options.TrustedClock, listed, options.Keys) is { } revocations
            && revocations.Version > answer.RevocationVersion
            && (revocations.Licenses.ContainsKey(answer.License!.Id) || (answer.MachineId is { } machine && revocations.Machines.Contains(machine))))
        {
            // Revoked (or its machine deactivated) since the server answered: the kept list speaks for the license now.
            return null;
        }

        var trusted = answer.AccountId is { } issuer ? options.TrustedClock.Read(issuer) : null;
        if (now < signedDate - options.ClockTolerance || (trusted is { } last && now < last - options.ClockTolerance)
            || now > signedDate + options.GracePeriod || (answer.GraceEndsAt is { } graceEnds && now >= graceEnds))
        {
            // Nor does an answer given in the license's grace period speak for it once that grace is over.
            return null;
        }

        answer.SignedDate = signedDate;
        answer.SigningKeyId = keyId;
        answer.Signed = signed;
        return answer;
    }

    private async Task RenewLicenseFileIfDueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var saved = LicenseFile.Verify(ReadOrNull(LicenseFilePath), options.Keys, FileOptions());
        if (saved.IsValid && saved.Claims!.ExpiresAt - now > options.RenewLicenseFileBefore)
        {
            return;
        }

        try
        {
            var checkout = await client.Licenses.CheckOutLicenseFileAsync(options.LicenseKey, new LicenseFileCheckoutOptions
            {
                Fingerprint = options.Fingerprint,
                Encrypt = options.EncryptLicenseFile,
                TimeToLive = options.LicenseFileTimeToLive,
            }, cancellationToken).ConfigureAwait(false);

            // Saved only if it checks out here and now: a file that would not verify offline is worth nothing.
            if (LicenseFile.Verify(checkout.LicenseFile, options.Keys, FileOptions()).IsValid)
            {
                await WriteAtomicallyAsync(LicenseFilePath, checkout.LicenseFile, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (LicenzException failure) when (IsOutage(failure) || failure.Code == LicenzErrorCodes.NoMachine)
        {
            // The verdict stands; the file is renewed at the next check (which activates the machine again, if it was removed meanwhile).
        }
    }

    private LicenseFileOptions FileOptions() => new()
    {
        Time = options.Time,
        LicenseKey = options.LicenseKey,
        Fingerprint = options.Fingerprint,
        Components = options.Components,
        RequiredEntitlements = options.RequiredEntitlements,
        ProductId = options.ProductId,
        TrustedClock = options.TrustedClock,
        ClockTolerance = options.ClockTolerance,
    };

    /// <summary>Failures that mean "the server could not vouch", as opposed to a misconfigured application (a bad API key).</summary>
    private static bool IsOutage(LicenzException exception) => exception.Code is LicenzErrorCodes.NetworkError or LicenzErrorCodes.Timeout
        or LicenzErrorCodes.InvalidResponse or LicenzErrorCodes.InvalidResponseSignature or LicenzErrorCodes.InternalError
        or LicenzErrorCodes.RateLimited;

    private static string? ReadOrNull(string path)
    {
        try
        {
            return File.ReadAllText(path, Encoding.ASCII);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static void WriteAtomically(string path, string text)
    {
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, text);
        File.Move(temporary, path, overwrite: true);
    }

    private static async Task WriteAtomicallyAsync(string path, string text, CancellationToken cancellationToken)
    {
        var temporary = path + ".tmp";
        await File.WriteAllTextAsync(temporary, text, cancellationToken).ConfigureAwait(false);
        File.Move(temporary, path, overwrite: true);
    }
}
