using System.Net.NetworkInformation;
using System.Security.Cryptography;
using System.Text;

namespace Licenz.Sdk.Tests.Offline;

/// <summary>
/// <see cref="MachineFingerprint.Components(string)"/>: Linux's sources read from a folder laid out as the system's
/// (the firmware UUID, the root file system's UUID behind <c>/dev/disk/by-uuid</c>), the network card chosen among
/// interfaces, each hashed with the salt, and what a reinstall, a new disk or another machine of the same model does to them.
/// </summary>
public sealed class MachineComponentsSourcesTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "licenz-machine-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }
    }

    [Fact]
    public void OnLinuxTheBoardAndTheRootFileSystemAreReadAndHashedWithTheSalt()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux's sources: this test lays out a Linux root.");
        LayOut(boardUuid: "4C4C4544-0042-3510-8052-B3C04F4A4E32", rootDevice: "/dev/nvme0n1p2", rootUuid: "2f6c1a7e-93d1-4b0e-a1c4-5e8f0d3b7a61");

        var components = MachineFingerprint.Components("prod_app", _root);

        Assert.Equal(Hash("prod_app", "board", "4c4c4544-0042-3510-8052-b3c04f4a4e32"), components["board"]);
        Assert.Equal(Hash("prod_app", "disk", "2f6c1a7e-93d1-4b0e-a1c4-5e8f0d3b7a61"), components["disk"]);
        Assert.All(components.Values, value => Assert.Matches("^[0-9a-f]{32}$", value));
        Assert.NotEqual(components["board"], MachineFingerprint.Components("prod_other", _root)["board"]);
        Assert.Equal(components, MachineFingerprint.Components("prod_app", _root));
    }

    [Fact]
    public void AReinstallKeepsMostComponentsAndAnotherMachineOfTheSameModelKeepsNone()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux's sources: this test lays out a Linux root.");
        LayOut("4C4C4544-0042-3510-8052-B3C04F4A4E32", "/dev/sda2", "11111111-1111-1111-1111-111111111111");
        var before = WithNetwork(MachineFingerprint.Components("app", _root), "3c7c3f1a2b4d");

        // The disk formatted by a reinstall: a new file system UUID; the board and the network card stay.
        LayOut("4C4C4544-0042-3510-8052-B3C04F4A4E32", "/dev/sda2", "22222222-2222-2222-2222-222222222222");
        var reinstalled = WithNetwork(MachineFingerprint.Components("app", _root), "3c7c3f1a2b4d");
        // The same model, bought twice: every identifier differs.
        LayOut("4C4C4544-0042-3510-8052-C4C04F4A4E99", "/dev/sda2", "33333333-3333-3333-3333-333333333333");
        var twin = WithNetwork(MachineFingerprint.Components("app", _root), "3c7c3f1a9f00");

        Assert.True(MachineComponents.MostMatch(before, reinstalled));
        Assert.False(MachineComponents.MostMatch(before, twin));
    }

    [Fact]
    public void WithoutItsSourcesAComponentIsLeftOutNotGuessed()
    {
        Assert.SkipUnless(OperatingSystem.IsLinux(), "Linux's sources: this test lays out a Linux root.");
        Directory.CreateDirectory(Path.Combine(_root, "proc", "self"));
        // An overlay root (a container): no device under /dev, so no disk; no DMI folder, so no board.
        File.WriteAllText(Path.Combine(_root, "proc", "self", "mountinfo"), "26 1 0:31 / / rw,relatime - overlay overlay rw\n");

        var components = MachineFingerprint.Components("app", _root);

        Assert.DoesNotContain("board", components.Keys);
        Assert.DoesNotContain("disk", components.Keys);
    }

    [Fact]
    public void TheNetworkCardIsTheLowestHardwareAddressOfAnEthernetOrWiFiInterface()
    {
        (NetworkInterfaceType, byte[])[] interfaces =
        [
            (NetworkInterfaceType.Loopback, [0, 0, 0, 0, 0, 0]),
            (NetworkInterfaceType.Ethernet, [0x02, 0x42, 0xac, 0x11, 0x00, 0x02]),  // a container bridge's: locally administered
            (NetworkInterfaceType.Wireless80211, [0x3c, 0x7c, 0x3f, 0x1a, 0x2b, 0x4d]),
            (NetworkInterfaceType.Ethernet, [0xa4, 0xbb, 0x6d, 0x01, 0x02, 0x03]),
            (NetworkInterfaceType.Tunnel, [0x00, 0x11, 0x22, 0x33, 0x44, 0x55]),
        ];

        Assert.Equal("3c7c3f1a2b4d", MachineFingerprint.NetworkAddress(interfaces));
        Assert.Equal("a4bb6d010203", MachineFingerprint.NetworkAddress(interfaces.Where(i => i.Item2[0] != 0x3c)));
        Assert.Null(MachineFingerprint.NetworkAddress(interfaces.Where(i => i.Item1 != NetworkInterfaceType.Ethernet && i.Item1 != NetworkInterfaceType.Wireless80211)));
    }

    [Fact]
    public void ThisMachinesComponentsAreHashedAndStable()
    {
        var components = MachineFingerprint.Components("app");

        Assert.All(components, pair => Assert.Contains(pair.Key, new[] { "board", "disk", "network" }));
        Assert.All(components.Values, value => Assert.Matches("^[0-9a-f]{32}$", value));
        Assert.Equal(components, MachineFingerprint.Components("app"));
    }

    private void LayOut(string boardUuid, string rootDevice, string rootUuid)
    {
        if (Directory.Exists(_root))
        {
            Directory.Delete(_root, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(_root, "sys", "class", "dmi", "id"));
        File.WriteAllText(Path.Combine(_root, "sys", "class", "dmi", "id", "product_uuid"), boardUuid + "\n");
        Directory.CreateDirectory(Path.Combine(_root, "proc", "self"));
        File.WriteAllText(Path.Combine(_root, "proc", "self", "mountinfo"),
            $"22 1 259:2 / / rw,relatime shared:1 - ext4 {rootDevice} rw\n" +
            "23 22 0:5 / /dev rw,nosuid shared:2 - devtmpfs udev rw\n" +
            "40 22 259:1 / /boot/efi rw,relatime shared:3 - vfat /dev/nvme0n1p1 rw\n");
        var links = Path.Combine(_root, "dev", "disk", "by-uuid");
        Directory.CreateDirectory(links);
        File.WriteAllText(Path.Combine(_root, "dev", Path.GetFileName(rootDevice)), "");
        File.WriteAllText(Path.Combine(_root, "dev", "nvme0n1p1"), "");
        File.CreateSymbolicLink(Path.Combine(links, rootUuid), "../../" + Path.GetFileName(rootDevice));
        File.CreateSymbolicLink(Path.Combine(links, "ABCD-1234"), "../../nvme0n1p1");
    }

    private static Dictionary<string, string> WithNetwork(IReadOnlyDictionary<string, string> components, string mac) =>
        new(components) { ["network"] = Hash("app", "network", mac) };

    /// <summary>The documented hash: SHA-256 of "licenz-component-v1", the salt, the name and the raw value (lowercase), 32 hex characters.</summary>
    private static string Hash(string salt, string name, string raw) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"licenz-component-v1\n{salt}\n{name}\n{raw}")))[..32];
}
