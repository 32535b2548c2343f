namespace Licenz.Sdk.Tests.Offline;

public sealed class KeysAndFingerprintTests
{
    [Fact]
    public void TheKeyIdIsTheRfc7638Thumbprint()
    {
        // RFC 8037 Appendix A.3: the thumbprint of its example Ed25519 key.
        var publicKey = Convert.FromHexString("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
        Assert.Equal("kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", SigningKey.Thumbprint(publicKey));
    }

    [Fact]
    public void ASeedRestoresTheSameKeyPair()
    {
        using var generated = SigningKey.Generate();
        using var restored = SigningKey.FromSeed(generated.ExportSeed());

        Assert.Equal(generated.PublicKey, restored.PublicKey);
        Assert.Equal(generated.KeyId, restored.KeyId);
        Assert.Equal(generated.Sign("x"u8), restored.Sign("x"u8));
    }

    [Fact]
    public void AJwksRoundTripsAndIgnoresKeysItCannotUse()
    {
        using var key = SigningKey.Generate();
        var jwks = PublicKeySet.FromKeys(key.ToJsonWebKey()).ToJwks();
        var withOthers = jwks.Replace("{\"keys\":[", """
            {"keys":[{"kty":"RSA","kid":"rsa","n":"AQAB","e":"AQAB"},{"kty":"OKP","crv":"X25519","kid":"x","x":"AAAA"},
            {"kty":"OKP","crv":"Ed25519","kid":"enc","use":"enc","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"},
            {"kty":"OKP","crv":"Ed25519","kid":"short","x":"AAAA"},
            """, StringComparison.Ordinal);

        var set = PublicKeySet.FromJwks(withOthers);

        Assert.Equal([key.KeyId], set.KeyIds);
        Assert.DoesNotContain("\"d\"", jwks, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[]")]
    [InlineData("{\"keys\":{}}")]
    [InlineData("not json")]
    public void ANonJwksIsRefusedClearly(string text)
    {
        Assert.False(PublicKeySet.TryFromJwks(text, out _, out var problem));
        Assert.False(string.IsNullOrWhiteSpace(problem));
        Assert.Throws<FormatException>(() => PublicKeySet.FromJwks(text));
    }

    [Fact]
    public void AFingerprintIsAStableSaltedHash()
    {
        var a = MachineFingerprint.FromIdentifier("4c4c4544-0042-3510-8052-b4c04f333232", "prod_photo");

        Assert.Matches("^[0-9a-f]{64}$", a);
        Assert.Equal(a, MachineFingerprint.FromIdentifier(" 4C4C4544-0042-3510-8052-B4C04F333232 ", "prod_photo"));
        Assert.NotEqual(a, MachineFingerprint.FromIdentifier("4c4c4544-0042-3510-8052-b4c04f333232", "prod_other"));
        Assert.NotEqual(a, MachineFingerprint.FromIdentifier("4c4c4544-0042-3510-8052-b4c04f333233", "prod_photo"));
        Assert.DoesNotContain("4c4c4544", a, StringComparison.Ordinal);
    }

    [Fact]
    public void ThisMachineHasAFingerprintThatDoesNotChangeBetweenCalls()
    {
        Assert.Equal(MachineFingerprint.Get("app"), MachineFingerprint.Get("app"));
    }

    [Fact]
    public void OnLinuxTheFingerprintComesFromTheMachineId()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux() && File.Exists("/etc/machine-id") && Environment.GetEnvironmentVariable(MachineFingerprint.OverrideVariable) is null,
            "Needs Linux with /etc/machine-id and no LICENZ_MACHINE_ID override.");
        var id = File.ReadAllText("/etc/machine-id").Trim();

        Assert.Equal(MachineFingerprint.FromIdentifier(id, "app"), MachineFingerprint.Get("app"));
    }
}
