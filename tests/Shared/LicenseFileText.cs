using System.Text;
using System.Text.RegularExpressions;

namespace Licenz.Tests.Shared;

/// <summary>
/// License files as text, for the tests, the conformance app and the offline benchmark (linked source, written for every
/// target down to .NET Framework): the format document's test vectors, a file's token, a token armored again, and a file
/// with one character of a part changed.
/// </summary>
internal static class LicenseFileText
{
    private static readonly Regex VectorBlock = new("```vector (?<name>[a-z-]+)\n(?<body>.*?)\n```", RegexOptions.Singleline);

    /// <summary>The <c>```vector NAME</c> blocks of docs/license-file-format.md, by name.</summary>
    public static Dictionary<string, string> Vectors(string markdown) =>
        VectorBlock.Matches(markdown.Replace("\r\n", "\n")).Cast<Match>().ToDictionary(m => m.Groups["name"].Value, m => m.Groups["body"].Value);

    /// <summary>The token of an armored file: its lines between BEGIN and END, trimmed and joined.</summary>
    public static string Token(string file) =>
        string.Concat(file.Split('\n').Select(line => line.Trim()).Where(line => line.Length > 0 && !line.StartsWith("-----", StringComparison.Ordinal)));

    /// <summary>A token armored as the format says: BEGIN, lines of 64 characters, END, each line ending in a line feed.</summary>
    public static string Armor(string token)
    {
        var text = new StringBuilder(LicenseFile.BeginLine).Append('\n');
        for (var i = 0; i < token.Length; i += 64)
        {
            text.Append(token, i, Math.Min(64, token.Length - i)).Append('\n');
        }

        return text.Append(LicenseFile.EndLine).Append('\n').ToString();
    }

    /// <summary>
    /// The file armored again with the character <paramref name="offset"/> places into its token's part
    /// <paramref name="part"/> (0-based, between dots) replaced by another letter of the alphabet.
    /// </summary>
    public static string ChangeCharacter(string file, int part, int offset)
    {
        var token = Token(file);
        var at = 0;
        for (var i = 0; i < part; i++)
        {
            at = token.IndexOf('.', at) + 1;
        }

        at += offset;
        return Armor(token.Substring(0, at) + (token[at] == 'A' ? 'B' : 'A') + token.Substring(at + 1));
    }
}
