using Microsoft.Data.Sqlite;

namespace Licenz.Server.Tests.Infrastructure;

/// <summary>A SQLite database file read as a tool would read it: over a connection of its own, outside any server.</summary>
internal static class SqliteFile
{
    /// <summary>The first column of every row <paramref name="sql"/> returns, as text ("" for null).</summary>
    public static async Task<List<string>> ScalarsAsync(string databasePath, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new SqliteConnection($"Data Source={databasePath};Pooling=False");
        await connection.OpenAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            values.Add(reader.IsDBNull(0) ? "" : reader.GetValue(0).ToString() ?? "");
        }

        return values;
    }
}
