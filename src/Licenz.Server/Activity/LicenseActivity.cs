namespace Licenz.Server.Activity;

/// <summary>
/// When a license was last verified through the API: a narrow row of its own, one per license, created with it,
/// deleted with it and loaded with it (<see cref="Licenses.License.Activity"/>).
/// </summary>
/// <remarks>
/// <see cref="ActivityRecorder"/> writes these times a few seconds after the fact, for every license verified
/// meanwhile: at a million licenses, tens of thousands of rows a flush, scattered over the table. Narrow rows put
/// several times more of them on a page than the licenses table does, so a flush writes several times fewer pages,
/// and the license rows that verification reads are never rewritten.
/// </remarks>
public sealed class LicenseActivity
{
    /// <summary>The license's id; set from the license when the two are saved together.</summary>
    public string LicenseId { get; set; } = "";

    public DateTime? LastValidatedAt { get; set; }
}
