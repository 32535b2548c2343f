using System.Data.Common;
using System.Text;
using Licenz.Server.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>
/// A text dump of every table (those of the model and the migrations history), ordered, so two snapshots compare equal
/// exactly when nothing was written. Read through the server's own connection settings, on either engine.
/// </summary>
public static class DatabaseSnapshot
{
    public static async Task<string> TakeAsync(IServiceProvider services)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<LicenzDbContext>();
        var tables = db.Model.GetEntityTypes().Select(t => t.GetTableName()).OfType<string>()
            .Append("__EFMigrationsHistory").Distinct().Order(StringComparer.Ordinal);

        var text = new StringBuilder();
        var connection = db.Database.GetDbConnection();
        await db.Database.OpenConnectionAsync();
        try
        {
            foreach (var table in tables)
            {
                text.Append("## ").AppendLine(table);
                await using var select = connection.CreateCommand();
                select.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
                await using var reader = await select.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    Append(text, reader);
                }
            }
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }

        return text.ToString();
    }

    private static void Append(StringBuilder text, DbDataReader reader)
    {
        for (var i = 0; i < reader.FieldCount; i++)
        {
            var value = reader.IsDBNull(i) ? "NULL" : reader.GetValue(i) is byte[] bytes ? Convert.ToHexString(bytes) : Convert.ToString(reader.GetValue(i), System.Globalization.CultureInfo.InvariantCulture);
            text.Append(reader.GetName(i)).Append('=').Append(value).Append(" | ");
        }

        text.AppendLine();
    }
}
