using System.Security.Cryptography;

namespace Licenz;

/// <summary>Makes new license keys (<see cref="LicenseKey"/>): the server's side. Not part of the SDK that ships inside applications.</summary>
public static class LicenseKeyGenerator
{
    /// <summary>A new key from a cryptographically secure random source.</summary>
    public static string Generate()
    {
        Span<char> body = stackalloc char[LicenseKey.Symbols];
        RandomNumberGenerator.GetItems(LicenseKey.Alphabet, body[..(LicenseKey.Symbols - 1)]);
        body[LicenseKey.Symbols - 1] = LicenseKey.CheckSymbol(body[..(LicenseKey.Symbols - 1)]);
        return LicenseKey.Format(body);
    }
}
