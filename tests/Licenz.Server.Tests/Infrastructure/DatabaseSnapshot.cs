using System.Text;
using Microsoft.Data.Sqlite;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>A text dump of every table, ordered, so two snapshots compare equal exactly when nothing was written.</summary>
public static class DatabaseSnapshot
{
    public static async Task<string> TakeAsync(string databasePath)
    {
        var text = new StringBuilder();
        await using var connection = new SqliteConnection($"Data Source={databasePath};Mode=ReadOnly;Pooling=False");
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name";
            await using var reader = await list.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                tables.Add(reader.GetString(0));
            }
        }

        foreach (var table in tables)
        {
            text.Append("## ").AppendLine(table);
            await using var select = connection.CreateCommand();
            select.CommandText = $"SELECT * FROM \"{table}\" ORDER BY 1";
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var value = reader.IsDBNull(i) ? "NULL" : reader.GetValue(i) is byte[] bytes ? Convert.ToHexString(bytes) : reader.GetValue(i).ToString();
                    text.Append(reader.GetName(i)).Append('=').Append(value).Append(" | ");
                }

                text.AppendLine();
            }
        }

        return text.ToString();
    }
}
