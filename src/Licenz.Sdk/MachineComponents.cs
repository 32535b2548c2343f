namespace Licenz;

/// <summary>
/// Named, hashed parts of a machine (board, cpu, disk, os, …) that recognise it when its fingerprint changes. The
/// server decides activations by this rule and the offline check of a license file by the same one, so a machine the
/// server would rebind is a machine its license file accepts.
/// </summary>
public static class MachineComponents
{
    /// <summary>
    /// Whether most of the components the two sides both name are equal: more than half of them, and at least two (one
    /// shared component alone says little). A machine with a new disk keeps its board, CPU and OS.
    /// </summary>
    /// <param name="known">The components on record (the server's machine, or the license file's).</param>
    /// <param name="presented">The components of the machine at hand.</param>
    public static bool MostMatch(IReadOnlyDictionary<string, string> known, IReadOnlyDictionary<string, string> presented)
    {
        ArgumentNullException.ThrowIfNull(known);
        ArgumentNullException.ThrowIfNull(presented);
        var shared = 0;
        var equal = 0;
        foreach (var (name, value) in presented)
        {
            if (known.TryGetValue(name, out var other))
            {
                shared++;
                equal += string.Equals(other, value, StringComparison.Ordinal) ? 1 : 0;
            }
        }

        return equal >= 2 && equal * 2 > shared;
    }
}
