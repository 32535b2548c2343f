using System.Text.RegularExpressions;

namespace Licenz.Sdk.Tests;

/// <summary>
/// License keys: <c>LIC-XXXXX-XXXXX-XXXXX</c>, fourteen random Crockford base32 symbols and a Luhn mod 32
/// check symbol. The SDK itself is the oracle for "valid"; the expectations come from the definition.
/// </summary>
public sealed partial class LicenseKeyTests
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    [Fact]
    public void GeneratedKeysHaveTheDocumentedFormat()
    {
        for (var i = 0; i < 2_000; i++)
        {
            var key = LicenseKeyGenerator.Generate();
            Assert.Matches(KeyPattern(), key);
            Assert.Equal(LicenseKey.Length, key.Length);
        }
    }

    [Fact]
    public void GeneratedKeysAreValidAndAlreadyCanonical()
    {
        for (var i = 0; i < 2_000; i++)
        {
            var key = LicenseKeyGenerator.Generate();
            Assert.True(LicenseKey.TryNormalize(key, out var normalized), key);
            Assert.Equal(key, normalized);
        }
    }

    [Fact]
    public void GeneratedKeysDoNotRepeat()
    {
        var keys = Enumerable.Range(0, 20_000).Select(_ => LicenseKeyGenerator.Generate()).ToList();
        Assert.Equal(keys.Count, keys.Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void EveryRandomPositionOfGeneratedKeysUsesTheWholeAlphabet()
    {
        // 10,000 keys: a symbol missing from a position by chance has probability (31/32)^10000, about 1e-138.
        var seen = Enumerable.Range(0, 14).Select(_ => new HashSet<char>()).ToArray();
        for (var i = 0; i < 10_000; i++)
        {
            var body = Body(LicenseKeyGenerator.Generate());
            for (var position = 0; position < 14; position++)
            {
                seen[position].Add(body[position]);
            }
        }

        foreach (var symbols in seen)
        {
            Assert.Equal(Alphabet.ToHashSet(), symbols);
        }
    }

    [Theory]
    [InlineData("LIC-00000-00000-00000")] // all zeros: the sum is 0, so the check symbol is 0
    [InlineData("LIC-00000-00000-0001Y")] // 1 doubled = 2; (32 - 2) mod 32 = 30 = 'Y'
    [InlineData("LIC-00000-00000-0010Z")] // 1 not doubled = 1; 32 - 1 = 31 = 'Z'
    [InlineData("LIC-00000-00000-000Z1")] // Z = 31 doubled = 62 = 1·32 + 30, digits sum 31; 32 - 31 = 1
    public void CheckSymbolIsLuhnModThirtyTwo(string key)
    {
        Assert.True(LicenseKey.TryNormalize(key, out var normalized));
        Assert.Equal(key, normalized);
    }

    [Theory]
    [InlineData("LIC-00000-00000-00001")]
    [InlineData("LIC-00000-00000-0001Z")]
    [InlineData("LIC-00000-00000-0010Y")]
    [InlineData("LIC-00000-00000-000Z0")]
    public void WrongCheckSymbolIsRejected(string key)
    {
        Assert.False(LicenseKey.TryNormalize(key, out var normalized));
        Assert.Null(normalized);
    }

    [Fact]
    public void EveryPayloadHasExactlyOneCheckSymbol()
    {
        var random = new Random(20260115);
        for (var i = 0; i < 500; i++)
        {
            var payload = RandomPayload(random);
            var accepted = Alphabet.Where(check => LicenseKey.TryNormalize(Format(payload + check), out _)).ToList();
            Assert.Single(accepted);
        }
    }

    private static string[] TypedForms(string canonical)
    {
        var body = Body(canonical);
        return
        [
            canonical,
            canonical.ToLowerInvariant(),
            canonical.Replace("-", "", StringComparison.Ordinal),
            canonical.Replace("-", "", StringComparison.Ordinal).ToLowerInvariant(),
            canonical.Replace('-', ' '),
            "Lic-" + canonical[4..],
            body,
            body.ToLowerInvariant(),
            canonical[4..],
            "  " + canonical + "\t",
            canonical.Replace('0', 'O'),
            canonical.Replace('0', 'o'),
            canonical[..4] + canonical[4..].Replace('1', 'I'),
            canonical[..4] + canonical[4..].Replace('1', 'L'),
            canonical[..4] + canonical[4..].Replace('1', 'l').Replace('0', 'o'),
        ];
    }

    public static TheoryData<string> TypedFormsOfAKeyWithZerosAndOnes => new(TypedForms(KeyWithZerosAndOnes));

    // A key holding 0 and 1 so that the O-for-0 and I/L-for-1 forms differ from the canonical one.
    private static readonly string KeyWithZerosAndOnes = Complete("7K3M90QX1BA2C1");

    [Theory]
    [MemberData(nameof(TypedFormsOfAKeyWithZerosAndOnes))]
    public void TypedFormsNormaliseToTheCanonicalKey(string typed)
    {
        Assert.Contains("0", KeyWithZerosAndOnes, StringComparison.Ordinal);
        Assert.Contains("1", KeyWithZerosAndOnes[4..], StringComparison.Ordinal);
        Assert.True(LicenseKey.TryNormalize(typed, out var normalized), $"'{typed}' was refused");
        Assert.Equal(KeyWithZerosAndOnes, normalized);
    }

    [Fact]
    public void TypedFormsOfGeneratedKeysNormalise()
    {
        for (var i = 0; i < 200; i++)
        {
            var key = LicenseKeyGenerator.Generate();
            foreach (var typed in TypedForms(key))
            {
                Assert.True(LicenseKey.TryNormalize(typed, out var normalized), $"'{typed}' was refused");
                Assert.Equal(key, normalized);
            }
        }
    }

    [Fact]
    public void EverySingleSymbolSubstitutionIsRejected()
    {
        // Luhn mod N detects every single-symbol error: at any of the 15 positions, check symbol included.
        var keys = new[] { KeyWithZerosAndOnes, "LIC-00000-00000-00000", Complete("ZZZZZZZZZZZZZZ") }
            .Concat(Enumerable.Range(0, 100).Select(_ => LicenseKeyGenerator.Generate()));
        var tried = 0;
        foreach (var key in keys)
        {
            var body = Body(key);
            for (var position = 0; position < body.Length; position++)
            {
                foreach (var symbol in Alphabet.Where(s => s != body[position]))
                {
                    var changed = body[..position] + symbol + body[(position + 1)..];
                    Assert.False(LicenseKey.TryNormalize(Format(changed), out _), $"{Format(changed)} (from {key}) was accepted");
                    tried++;
                }
            }
        }

        Assert.Equal(103 * 15 * 31, tried);
    }

    [Fact]
    public void SymbolsOutsideTheAlphabetAreRejectedAtEveryPosition()
    {
        var body = Body(KeyWithZerosAndOnes);
        for (var position = 0; position < body.Length; position++)
        {
            foreach (var symbol in "UuÖ*_.+é٣")
            {
                var changed = body[..position] + symbol + body[(position + 1)..];
                Assert.False(LicenseKey.TryNormalize(Format(changed), out _), changed);
            }
        }
    }

    [Fact]
    public void AdjacentTranspositionsAreCaughtExceptTheZeroAndZPair()
    {
        // Luhn mod 32 weighs neighbours 1 and 2. Swapping neighbours x, y keeps the sum iff
        // g(x) = g(y) mod 32, where g(v) = digitsum(2v) - v: v for v < 16, v + 1 - 32 otherwise.
        // g is one-to-one except g(0) = g(31) = 0, so the only undetected swap is of '0' and 'Z'.
        var random = new Random(42);
        var undetected = new HashSet<(int Position, char First, char Second)>();
        var tried = 0;
        for (var position = 0; position < 14; position++)
        {
            foreach (var first in Alphabet)
            {
                foreach (var second in Alphabet.Where(s => s != first))
                {
                    var key = KeyWithNeighbours(random, position, first, second);
                    var body = Body(key);
                    Assert.Equal(first, body[position]);
                    Assert.Equal(second, body[position + 1]);

                    var swapped = body[..position] + second + first + body[(position + 2)..];
                    tried++;
                    if (LicenseKey.TryNormalize(Format(swapped), out _))
                    {
                        undetected.Add((position, first, second));
                    }
                }
            }
        }

        Assert.Equal(14 * 32 * 31, tried);
        var expected = Enumerable.Range(0, 14).SelectMany(p => new[] { (p, '0', 'Z'), (p, 'Z', '0') }).ToHashSet();
        Assert.Equal(expected, undetected);
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("LIC-")]
    [InlineData("LIC")]
    [InlineData("LIC-----------------")]
    [InlineData("lic_0123456789abcdefghjkmnpq")]
    [InlineData("LIC-00000-00000-0000")] // 14 symbols
    [InlineData("LIC-00000-00000-000000")] // 16 symbols
    [InlineData("LIC-LIC-00000-00000-00000")] // the prefix twice
    [InlineData("LIC-00000-00000-0000U")]
    [InlineData("LIC-00000\t00000-00000")]
    [InlineData("LIC-00000-00000-00000\0")]
    [InlineData("LIC-0000０-00000-00000")] // a full-width digit
    [InlineData("LIC-\ud800-00000-00000")] // an unpaired surrogate
    [InlineData("LIC-😀😀😀-00000-00000")]
    [InlineData("'; DROP TABLE licenses; --")]
    [InlineData("{\"key\": \"LIC-00000-00000-00000\"}")]
    public void GarbageIsRejectedWithoutThrowing(string input)
    {
        Assert.False(LicenseKey.TryNormalize(input, out var normalized));
        Assert.Null(normalized);
    }

    [Fact]
    public void NullAndHugeInputsAreRejectedWithoutThrowing()
    {
        Assert.False(LicenseKey.TryNormalize(null, out var fromNull));
        Assert.Null(fromNull);
        Assert.False(LicenseKey.TryNormalize(new string('0', 1_000_000), out var fromHuge));
        Assert.Null(fromHuge);
    }

    [Fact]
    public void RandomBytesAreNeverAcceptedUnlessTheyFormAKey()
    {
        var random = new Random(7);
        for (var i = 0; i < 20_000; i++)
        {
            var chars = new char[random.Next(0, 40)];
            for (var j = 0; j < chars.Length; j++)
            {
                chars[j] = (char)random.Next(0, 0x3000);
            }

            var input = new string(chars);
            if (LicenseKey.TryNormalize(input, out var normalized))
            {
                Assert.Matches(KeyPattern(), normalized);
            }
            else
            {
                Assert.Null(normalized);
            }
        }
    }

    private static bool Valid(string key) => LicenseKey.TryNormalize(key, out _);

    private static string Body(string key) => key.Replace("LIC-", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);

    private static string Format(string body) => $"LIC-{body[..5]}-{body[5..10]}-{body[10..]}";

    private static string RandomPayload(Random random) => new(random.GetItems(Alphabet.AsSpan(), 14));

    /// <summary>The one valid key for a 14-symbol payload, found by asking the SDK about each candidate check symbol.</summary>
    private static string Complete(string payload)
    {
        Assert.Equal(14, payload.Length);
        var keys = Alphabet.Select(check => Format(payload + check)).Where(Valid).ToList();
        return Assert.Single(keys);
    }

    /// <summary>A valid key whose body holds <paramref name="first"/>, <paramref name="second"/> at <paramref name="position"/>, position + 1.</summary>
    private static string KeyWithNeighbours(Random random, int position, char first, char second)
    {
        var payload = RandomPayload(random).ToCharArray();
        payload[position] = first;
        if (position < 13)
        {
            payload[position + 1] = second;
            return Complete(new string(payload));
        }

        // The second symbol is the check symbol: vary a symbol far from the pair until the check comes out right.
        foreach (var filler in Alphabet)
        {
            payload[0] = filler;
            var key = Complete(new string(payload));
            if (key[^1] == second)
            {
                return key;
            }
        }

        throw new InvalidOperationException($"No payload ending in {first} has check symbol {second}.");
    }

    [GeneratedRegex("^LIC-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")]
    private static partial Regex KeyPattern();
}
