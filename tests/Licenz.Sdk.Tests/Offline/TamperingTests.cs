using System.Text;
using Licenz.Tests.Shared;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>Every single-byte change anywhere in a license file is refused: plain and encrypted, at every position.</summary>
public sealed class TamperingTests
{
    private static readonly DateTimeOffset Now = TestLicenses.IssuedAt.AddDays(1);

    public static TheoryData<string> Kinds => ["plain", "encrypted", "bound-encrypted"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EverySingleByteChangeAnywhereIsRefused(string kind)
    {
        using var key = TestLicenses.SigningKey();
        var keys = TestLicenses.Keys(key);
        var fingerprint = kind == "bound-encrypted" ? TestLicenses.Fingerprint : null;
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(fingerprint: fingerprint), key, encrypt: kind != "plain");
        var bytes = Encoding.ASCII.GetBytes(file);
        Assert.True(LicenseFile.Verify(file, keys, TestLicenses.Options(Now, fingerprint: fingerprint)).IsValid);

        var accepted = new List<string>();
        for (var position = 0; position < bytes.Length; position++)
        {
            // Three kinds of change per byte: a neighbouring value, a flipped high-order bit of the
            // six that base64 carries, and a structural character.
            foreach (var replacement in Replacements(bytes[position]))
            {
                var altered = (byte[])bytes.Clone();
                altered[position] = replacement;
                var result = LicenseFile.Verify(Encoding.Latin1.GetString(altered), keys, TestLicenses.Options(Now, fingerprint: fingerprint));
                if (result.IsValid)
                {
                    accepted.Add($"byte {position} '{(char)bytes[position]}' → '{(char)replacement}'");
                }
            }
        }

        Assert.True(accepted.Count == 0, $"{accepted.Count} altered files were accepted: {string.Join("; ", accepted.Take(10))}");
    }

    [Fact]
    public void ChangingOnlyTheUnusedBitsOfTheLastSignatureCharacterIsRefused()
    {
        using var key = TestLicenses.SigningKey();
        var file = LicenseFileIssuer.Issue(TestLicenses.Claims(), key);
        var token = LicenseFileText.Token(file);

        // 64 signature bytes take 86 base64url characters; the last one carries 2 bits and 4 unused ones.
        var last = token[^1];
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        var index = alphabet.IndexOf(last, StringComparison.Ordinal);
        var sibling = alphabet[(index & ~0xF) | ((index + 1) & 0xF)];
        var altered = LicenseFileText.Armor(token[..^1] + sibling);

        Assert.Equal(LicenseFileCodes.Malformed, LicenseFile.Verify(altered, TestLicenses.Keys(key), TestLicenses.Options(Now)).Code);
    }

    private static IEnumerable<byte> Replacements(byte original)
    {
        var candidates = new HashSet<byte> { (byte)(original ^ 0x01), (byte)(original ^ 0x20), original == (byte)'.' ? (byte)'A' : (byte)'.' };
        candidates.Remove(original);
        return candidates;
    }
}
