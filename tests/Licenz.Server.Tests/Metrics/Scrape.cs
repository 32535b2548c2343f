using System.Globalization;
using System.Net;
using System.Text;
using Licenz.Server.Tests.Infrastructure;

namespace Licenz.Server.Tests.Metrics;

/// <summary>One sample line of Prometheus' text format: <c>name{label="value",…} 12.5</c>.</summary>
internal sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>
/// One scrape of <c>/metrics</c>, over HTTPS as a Prometheus server would do it, parsed into its samples. The text is
/// read as Prometheus reads it (escaped label values included), not searched for substrings.
/// </summary>
internal sealed class Scrape
{
    private Scrape(string text, IReadOnlyList<Sample> samples)
    {
        Text = text;
        Samples = samples;
    }

    public string Text { get; }

    public IReadOnlyList<Sample> Samples { get; }

    public static async Task<Scrape> TakeAsync(LicenzApplication app, string? forwardedFor = null)
    {
        using var client = app.CreateClient(null, "/");
        using var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (forwardedFor is not null)
        {
            request.Headers.Add("X-Forwarded-For", forwardedFor);
        }

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var text = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/metrics answered {(int)response.StatusCode}: {text}");
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        return new Scrape(text, Parse(text));
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels include <paramref name="labels"/> (0 when none).</summary>
    public double Sum(string name, params (string Label, string Value)[] labels) =>
        Matching(name, labels).Sum(sample => sample.Value);

    public IEnumerable<Sample> Matching(string name, params (string Label, string Value)[] labels) =>
        Samples.Where(sample => sample.Name == name
            && labels.All(label => sample.Labels.TryGetValue(label.Label, out var value) && value == label.Value));

    /// <summary>What <c># TYPE family …</c> declares.</summary>
    public string? TypeOf(string family) =>
        Text.Split('\n').Select(line => line.Split(' ')).FirstOrDefault(words => words is ["#", "TYPE", _, _] && words[2] == family)?[3];

    private static List<Sample> Parse(string text)
    {
        var samples = new List<Sample>();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var i = 0;
            while (i < line.Length && line[i] is not ('{' or ' '))
            {
                i++;
            }

            var name = line[..i];
            var labels = new Dictionary<string, string>();
            if (line[i] == '{')
            {
                i++;
                while (line[i] != '}')
                {
                    var equals = line.IndexOf('=', i);
                    var label = line[i..equals];
                    i = equals + 2; // past ="
                    var value = new StringBuilder();
                    for (; line[i] != '"'; i++)
                    {
                        value.Append(line[i] != '\\' ? line[i] : line[++i] switch { 'n' => '\n', var escaped => escaped });
                    }

                    labels[label] = value.ToString();
                    i++;
                    if (line[i] == ',')
                    {
                        i++;
                    }
                }

                i++;
            }

            var number = line[(i + 1)..].Split(' ')[0];
            samples.Add(new Sample(name, labels, number switch
            {
                "+Inf" => double.PositiveInfinity,
                "-Inf" => double.NegativeInfinity,
                "NaN" => double.NaN,
                _ => double.Parse(number, CultureInfo.InvariantCulture),
            }));
        }

        return samples;
    }
}
