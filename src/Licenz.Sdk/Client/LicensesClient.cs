using Licenz.Internal;

namespace Licenz;

/// <summary>Licenses: <c>/licenses</c>. Reached through <see cref="LicenzClient.Licenses"/>.</summary>
public sealed class LicensesClient
{
    private readonly ApiConnection _api;
    private readonly VerificationKeys _keys;

    internal LicensesClient(ApiConnection api, VerificationKeys keys)
    {
        _api = api;
        _keys = keys;
    }

    /// <summary>One page of licenses, newest first, filtered by product, status or email.</summary>
    /// <param name="options">Filters, page size and cursor; the first page of all licenses when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<Page<LicenseInfo>> ListAsync(LicenseListOptions? options = null, CancellationToken cancellationToken = default) =>
        _api.GetPageAsync(
            Paths.WithQuery("licenses",
                ("product_id", options?.ProductId),
                ("status", options?.Status),
                ("email", options?.Email),
                ("limit", Paths.Number(options?.Limit)),
                ("cursor", options?.Cursor)),
            ClientJson.Default.ListEnvelopeLicenseInfo,
            cancellationToken);

    /// <summary>Every license matching the filters, newest first, fetching page after page as the enumeration goes.</summary>
    /// <param name="options">Filters and page size (and a cursor to start from).</param>
    /// <param name="cancellationToken">Cancels the enumeration.</param>
    public IAsyncEnumerable<LicenseInfo> ListAllAsync(LicenseListOptions? options = null, CancellationToken cancellationToken = default) =>
        Pages.AllAsync(
            (cursor, token) => ListAsync(new LicenseListOptions
            {
                ProductId = options?.ProductId,
                Status = options?.Status,
                Email = options?.Email,
                Limit = options?.Limit,
                Cursor = cursor,
            }, token),
            options?.Cursor,
            cancellationToken);

    /// <summary>A license by id (<c>lic_…</c>) or by key, in any form a customer might type it.</summary>
    /// <param name="idOrKey">The license id or key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LicenseInfo> GetAsync(string idOrKey, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Get, "licenses/" + Paths.Id(idOrKey, nameof(idOrKey)), null, ClientJson.Default.DataEnvelopeLicenseInfo, cancellationToken);

    /// <summary>Creates a license and its key.</summary>
    /// <param name="options">The product, customer email and type.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LicenseInfo> CreateAsync(LicenseCreateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var body = ClientJson.Serialize(
            new LicenseCreateBody(options.ProductId, options.Email, options.Type, options.ExpiresAt, options.Metadata),
            ClientJson.Default.LicenseCreateBody);
        return _api.SendAsync(HttpMethod.Post, "licenses", body, ClientJson.Default.DataEnvelopeLicenseInfo, cancellationToken);
    }

    /// <summary>Changes a license's email, expiry or metadata; what is left null stays as it is.</summary>
    /// <param name="idOrKey">The license id or key.</param>
    /// <param name="options">The changes.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LicenseInfo> UpdateAsync(string idOrKey, LicenseUpdateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var path = "licenses/" + Paths.Id(idOrKey, nameof(idOrKey));
        var body = ClientJson.Serialize(new LicenseUpdateBody(options.Email, options.ExpiresAt, options.Metadata), ClientJson.Default.LicenseUpdateBody);
        return _api.SendAsync(Compat.Patch, path, body, ClientJson.Default.DataEnvelopeLicenseInfo, cancellationToken);
    }

    /// <summary>Deletes a license for good.</summary>
    /// <param name="idOrKey">The license id or key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<DeleteResult> DeleteAsync(string idOrKey, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, "licenses/" + Paths.Id(idOrKey, nameof(idOrKey)), null, ClientJson.Default.DataEnvelopeDeleteResult, cancellationToken);

    /// <summary>Suspends an active license: it stops verifying until reinstated.</summary>
    /// <param name="idOrKey">The license id or key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LicenseInfo> SuspendAsync(string idOrKey, CancellationToken cancellationToken = default) =>
        ActAsync(idOrKey, "suspend", null, cancellationToken);

    /// <summary>Reinstates a suspended license.</summary>
    /// <param name="idOrKey">The license id or key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LicenseInfo> ReinstateAsync(string idOrKey, CancellationToken cancellationToken = default) =>
        ActAsync(idOrKey, "reinstate", null, cancellationToken);

    /// <summary>Revokes a license permanently.</summary>
    /// <param name="idOrKey">The license id or key.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LicenseInfo> RevokeAsync(string idOrKey, CancellationToken cancellationToken = default) =>
        ActAsync(idOrKey, "revoke", null, cancellationToken);

    /// <summary>Extends a subscription or trial license by <paramref name="days"/>, or by its product's length when null.</summary>
    /// <param name="idOrKey">The license id or key.</param>
    /// <param name="days">Days to add (1 to 36500).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LicenseInfo> RenewAsync(string idOrKey, int? days = null, CancellationToken cancellationToken = default) =>
        ActAsync(idOrKey, "renew", days is { } d ? ClientJson.Serialize(new RenewBody(d), ClientJson.Default.RenewBody) : null, cancellationToken);

    /// <summary>
    /// Verifies a license key online. The request carries a fresh random nonce; the answer is trusted only when its
    /// Ed25519 signature (RFC 9421) holds for a trusted key (<see cref="LicenzClientOptions.VerificationKeys"/>, or the
    /// server's JWKS), its <c>Content-Digest</c> matches the body, and it answers this very nonce. Otherwise the call
    /// raises <see cref="LicenzException"/> with <see cref="LicenzErrorCodes.InvalidResponseSignature"/>.
    /// </summary>
    /// <param name="licenseKey">The license key as the customer entered it.</param>
    /// <param name="productId">The product the application is; a license of another product is <see cref="VerificationResultCodes.ProductScopeMismatch"/>.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>
    /// The verification, valid or not (<see cref="VerificationResult.IsValid"/>), with its signed
    /// <see cref="VerificationResult.SignedDate"/>.
    /// </returns>
    public Task<VerificationResult> VerifyAsync(string licenseKey, string? productId = null, CancellationToken cancellationToken = default) =>
        VerifyAsync(licenseKey, new VerifyOptions { ProductId = productId }, cancellationToken);

    /// <summary>
    /// Verifies a license key online, for a product, a machine and entitlements: the license must be activated on the
    /// machine whose fingerprint is given, and grant every entitlement named. The answer is checked as
    /// <see cref="VerifyAsync(string, string?, CancellationToken)"/> says.
    /// </summary>
    /// <param name="licenseKey">The license key as the customer entered it.</param>
    /// <param name="options">The product, machine fingerprint and entitlements to check.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<VerificationResult> VerifyAsync(string licenseKey, VerifyOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(licenseKey);
        ArgumentNullException.ThrowIfNull(options);
        var nonce = Nonces.Create();
        var body = ClientJson.Serialize(
            new VerifyBody(licenseKey, options.ProductId, nonce, options.Fingerprint, options.Entitlements is { Count: > 0 } codes ? [.. codes] : null),
            ClientJson.Default.VerifyBody);
        using var response = await _api.SendAsync(HttpMethod.Post, "licenses/verify", body, authenticate: true, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccess)
        {
            // An error is never taken as a verdict on the license, so it need not be trusted.
            throw response.ToException();
        }

        var signature = await _keys.CheckAsync(response, nonce, cancellationToken).ConfigureAwait(false);
        if (!signature.IsValid)
        {
            throw response.SignatureFailure(signature.Code, signature.Message);
        }

        var result = response.Read(ClientJson.Default.DataEnvelopeVerificationResult);
        if (!string.Equals(result.Nonce, nonce, StringComparison.Ordinal))
        {
            throw response.SignatureFailure(ResponseSignatureCodes.NonceMismatch, "The signed body echoes another nonce than the one sent: it answers another request.");
        }

        if (signature.SignedDate is not { } signedDate || signature.KeyId is not { } keyId)
        {
            throw response.SignatureFailure(ResponseSignatureCodes.Malformed, "The signed Date is not an HTTP-date.");
        }

        result.SignedDate = signedDate;
        result.SigningKeyId = keyId;
        result.Signed = new SignedResponse(response.Status, response.Header("Content-Digest")!, response.Header("Date")!,
            response.Header("Signature-Input")!, response.Header("Signature")!, response.Body, nonce);
        return result;
    }

    /// <summary>
    /// Checks out a signed license file for offline verification with <see cref="LicenseFile.Verify"/>. An admin key
    /// may name the license by id or key; a verify-only key (the kind shipped in applications) presents the license key.
    /// </summary>
    /// <param name="idOrKey">The license id or key.</param>
    /// <param name="options">Time to live, machine binding and encryption; the server's defaults when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<LicenseFileCheckout> CheckOutLicenseFileAsync(string idOrKey, LicenseFileCheckoutOptions? options = null, CancellationToken cancellationToken = default)
    {
        var path = "licenses/" + Paths.Id(idOrKey, nameof(idOrKey)) + "/license-file";
        var ttl = TimeToLive.Seconds(options?.TimeToLive, nameof(options));
        var body = ClientJson.Serialize(
            new LicenseFileBody(ttl, options?.Fingerprint, options?.Encrypt == true ? true : null),
            ClientJson.Default.LicenseFileBody);
        return _api.SendAsync(HttpMethod.Post, path, body, ClientJson.Default.DataEnvelopeLicenseFileCheckout, cancellationToken);
    }

    /// <summary>
    /// The account's signed revocation list (<c>/.well-known/licenz-revocations.jwt</c> on the base URL, of
    /// <see cref="LicenzClientOptions.AccountId"/> or <paramref name="accountId"/> when given), fetched without
    /// authentication, as its text: check it with <see cref="RevocationList.TryVerify"/>, or keep it for offline checks
    /// with <see cref="LicenseChecker.TryInstallRevocationList"/>.
    /// </summary>
    /// <param name="accountId">The account (<c>acct_…</c>) whose list to fetch; the client's account, or the server's default one, when null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<string> GetRevocationListAsync(string? accountId = null, CancellationToken cancellationToken = default)
    {
        var path = Paths.WithQuery(".well-known/licenz-revocations.jwt", ("account", accountId ?? _api.Settings.AccountId));
        using var response = await _api.SendAsync(HttpMethod.Get, path, body: null, authenticate: false, cancellationToken).ConfigureAwait(false);
        return response.IsSuccess ? System.Text.Encoding.ASCII.GetString(response.Body) : throw response.ToException();
    }

    private Task<LicenseInfo> ActAsync(string idOrKey, string action, byte[]? body, CancellationToken cancellationToken) =>
        _api.SendAsync(HttpMethod.Post, $"licenses/{Paths.Id(idOrKey, nameof(idOrKey))}/{action}", body, ClientJson.Default.DataEnvelopeLicenseInfo, cancellationToken);
}
