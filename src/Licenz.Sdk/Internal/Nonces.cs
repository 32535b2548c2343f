using System.Buffers.Text;
using System.Security.Cryptography;

namespace Licenz.Internal;

internal static class Nonces
{
    /// <summary>16 random bytes, base64url: 22 characters the server accepts ([A-Za-z0-9_-]).</summary>
    public static string Create() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));
}
