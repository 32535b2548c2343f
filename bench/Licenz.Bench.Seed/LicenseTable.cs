using Licenz.Server.Data;
using Licenz.Server.Licenses;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Licenz.Bench.Seed;

/// <summary>
/// An entity type's table and columns in the server's EF Core model (of whichever engine the context is for), and where a
/// license keeps that entity: what the bulk loaders write, so that their rows are exactly what the server would write.
/// </summary>
internal sealed record LicenseTable(string Name, LicenseTable.Column[] Columns, Func<License, object> Row)
{
    /// <summary>A column: its name, its store type (<c>text</c>, <c>timestamp with time zone</c>…), and how to read its value.</summary>
    internal sealed record Column(string Name, string StoreType, IClrPropertyGetter Getter, ValueConverter? Converter)
    {
        /// <summary>The value as the provider stores it (enums as text, …), or null.</summary>
        public object? ValueOf(object row)
        {
            var value = Getter.GetClrValue(row);
            return value is not null && Converter is not null ? Converter.ConvertToProvider(value) : value;
        }
    }

    public static LicenseTable Of<T>(LicenzDbContext db, Func<License, T> row) where T : class
    {
        var entity = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"No {typeof(T).Name} entity in the model.");
        var mapping = entity.GetTableMappings().Single();
        return new LicenseTable(mapping.Table.Name,
            mapping.ColumnMappings.Select(c => new Column(c.Column.Name, c.Column.StoreType, c.Property.GetGetter(), c.Property.GetTypeMapping().Converter)).ToArray(),
            row);
    }

    /// <summary>A license is two rows: its own, and its last-validated row (<c>LicenseActivity</c>).</summary>
    public static LicenseTable[] ForLicenses(LicenzDbContext db) =>
        [Of<License>(db, license => license), Of<Licenz.Server.Activity.LicenseActivity>(db, license => license.Activity)];

    public static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    public string ColumnList => string.Join(", ", Columns.Select(c => Quote(c.Name)));
}
