using System.Text;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.XmlEncryption;

namespace Licenz.Server.Signing;

/// <summary>
/// Keeps the dashboard's cookie-protection keys (ASP.NET Core Data Protection) sealed under the master key,
/// like the signing keys, instead of in plain XML in the data folder.
/// </summary>
public sealed class MasterKeyXmlEncryptor(KeyEncryption encryption) : IXmlEncryptor
{
    internal const string Purpose = "licenz/data-protection-key";

    public EncryptedXmlInfo Encrypt(XElement plaintextElement)
    {
        var plaintext = Encoding.UTF8.GetBytes(plaintextElement.ToString(SaveOptions.DisableFormatting));
        var element = new XElement("licenzSealed", Convert.ToBase64String(encryption.Seal(plaintext, Purpose)));
        return new EncryptedXmlInfo(element, typeof(MasterKeyXmlDecryptor));
    }
}

/// <summary>Opens what <see cref="MasterKeyXmlEncryptor"/> sealed. Created by Data Protection with the service provider.</summary>
public sealed class MasterKeyXmlDecryptor(IServiceProvider services) : IXmlDecryptor
{
    public XElement Decrypt(XElement encryptedElement)
    {
        var encryption = services.GetRequiredService<KeyEncryption>();
        var plaintext = encryption.Open(Convert.FromBase64String(encryptedElement.Value), MasterKeyXmlEncryptor.Purpose);
        return XElement.Parse(Encoding.UTF8.GetString(plaintext));
    }
}
