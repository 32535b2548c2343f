using System.Security.Cryptography;
using System.Text;
using Licenz.Server.Hosting;
using Microsoft.Extensions.Options;

namespace Licenz.Server.Signing;

/// <summary>Where the master key comes from. Settings under <c>Licenz:KeyEncryption</c>.</summary>
public sealed class KeyEncryptionOptions
{
    public const string Section = "Licenz:KeyEncryption";

    /// <summary>The master key itself, base64 of 32 random bytes (from a secret store or environment variable). Takes precedence.</summary>
    public string? Key { get; set; }

    /// <summary>A file holding the master key; created (readable by the owner only) when missing. Default: <c>licenz-secrets/master.key</c> beside the data folder.</summary>
    public string? KeyFile { get; set; }

    public string ResolveKeyFile(LicenzOptions licenz) =>
        Path.GetFullPath(KeyFile ?? Path.Combine(Path.GetDirectoryName(licenz.DataDirectoryFullPath.TrimEnd(Path.DirectorySeparatorChar))!, "licenz-secrets", "master.key"));
}

/// <summary>Checks the master key settings at start, before anything is written.</summary>
public sealed class KeyEncryptionOptionsValidator(IOptions<LicenzOptions> licenz) : IValidateOptions<KeyEncryptionOptions>
{
    public ValidateOptionsResult Validate(string? name, KeyEncryptionOptions options)
    {
        try
        {
            if (!string.IsNullOrWhiteSpace(options.Key))
            {
                KeyEncryption.Parse(options.Key, $"{KeyEncryptionOptions.Section}:Key");
            }
            else if (options.ResolveKeyFile(licenz.Value) is var path && File.Exists(path))
            {
                KeyEncryption.Parse(File.ReadAllText(path), $"{KeyEncryptionOptions.Section}:KeyFile ({path})");
            }

            return ValidateOptionsResult.Success;
        }
        catch (InvalidOperationException invalid)
        {
            return ValidateOptionsResult.Fail(invalid.Message);
        }
        catch (Exception unreadable) when (unreadable is IOException or UnauthorizedAccessException)
        {
            return ValidateOptionsResult.Fail($"{KeyEncryptionOptions.Section}:KeyFile: {unreadable.Message}");
        }
    }
}

/// <summary>
/// Seals private key material (account signing keys, the dashboard's cookie keys) with AES-256-GCM under a
/// master key that never sits in the database folder in plain text: it comes from configuration or from a
/// separate key file with owner-only permissions. Sealed blobs are bound to their purpose (associated data).
/// </summary>
public sealed class KeyEncryption
{
    private const byte Version = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private readonly byte[] _masterKey;

    public KeyEncryption(IOptions<KeyEncryptionOptions> options, IOptions<LicenzOptions> licenz, ILogger<KeyEncryption> logger)
    {
        var settings = options.Value;
        if (!string.IsNullOrWhiteSpace(settings.Key))
        {
            _masterKey = Parse(settings.Key, $"{KeyEncryptionOptions.Section}:Key");
            return;
        }

        var path = settings.ResolveKeyFile(licenz.Value);
        if (File.Exists(path))
        {
            _masterKey = Parse(File.ReadAllText(path), $"{KeyEncryptionOptions.Section}:KeyFile ({path})");
            return;
        }

        DataDirectory.Ensure(Path.GetDirectoryName(path)!);
        var key = RandomNumberGenerator.GetBytes(32);
        try
        {
            var create = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (!OperatingSystem.IsWindows())
            {
                create.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            }

            using var file = new FileStream(path, create);
            file.Write(Encoding.ASCII.GetBytes(Convert.ToBase64String(key) + "\n"));
            _masterKey = key;
            logger.LogWarning(
                "Created the master key that encrypts signing keys at rest: {Path}. Back it up apart from the data folder: " +
                "without it the signing keys cannot be read. In production prefer {Setting} from a secret store.",
                path, $"{KeyEncryptionOptions.Section}:Key");
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first: use theirs.
            _masterKey = Parse(File.ReadAllText(path), $"{KeyEncryptionOptions.Section}:KeyFile ({path})");
        }
    }

    public byte[] Seal(ReadOnlySpan<byte> plaintext, string purpose)
    {
        var output = new byte[1 + NonceSize + plaintext.Length + TagSize];
        output[0] = Version;
        var nonce = output.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_masterKey, TagSize);
        aes.Encrypt(nonce, plaintext, output.AsSpan(1 + NonceSize, plaintext.Length), output.AsSpan(1 + NonceSize + plaintext.Length), Encoding.UTF8.GetBytes(purpose));
        return output;
    }

    /// <summary>
    /// A key of its own for one purpose, derived from the master key with HKDF-SHA256 (RFC 5869): the same master key
    /// and purpose give the same key on every start and every node, and no derived key tells anything of the master key
    /// or of another purpose's key.
    /// </summary>
    public byte[] DeriveKey(string purpose, int length = 32) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, _masterKey, length, salt: [], info: Encoding.UTF8.GetBytes(purpose));

    /// <exception cref="CryptographicException">Wrong master key, altered data, or another purpose.</exception>
    public byte[] Open(ReadOnlySpan<byte> sealedData, string purpose)
    {
        if (sealedData.Length < 1 + NonceSize + TagSize || sealedData[0] != Version)
        {
            throw new CryptographicException("Not a sealed Licenz key.");
        }

        var length = sealedData.Length - 1 - NonceSize - TagSize;
        var plaintext = new byte[length];
        using var aes = new AesGcm(_masterKey, TagSize);
        aes.Decrypt(sealedData.Slice(1, NonceSize), sealedData.Slice(1 + NonceSize, length), sealedData[^TagSize..], plaintext, Encoding.UTF8.GetBytes(purpose));
        return plaintext;
    }

    internal static byte[] Parse(string text, string setting)
    {
        try
        {
            var key = Convert.FromBase64String(text.Trim());
            if (key.Length == 32)
            {
                return key;
            }
        }
        catch (FormatException)
        {
        }

        throw new InvalidOperationException($"{setting}: the master key must be base64 of exactly 32 bytes (for example: openssl rand -base64 32).");
    }
}
