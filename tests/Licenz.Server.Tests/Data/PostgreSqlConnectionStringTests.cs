using Licenz.Server.Data;
using Microsoft.Extensions.Configuration;
using Npgsql;

namespace Licenz.Server.Tests.Data;

/// <summary>
/// PostgreSQL connections prepare their frequent statements, are not reset when given back to the pool, and a node keeps
/// few of them, unless the operator's connection string says otherwise.
/// </summary>
public sealed class PostgreSqlConnectionStringTests
{
    [Theory]
    [InlineData("Host=db.internal;Database=licenz", DatabaseSetup.AutoPreparedStatements)]
    [InlineData("Host=db.internal;Database=licenz;Max Auto Prepare=0", 0)]
    [InlineData("Host=db.internal;Database=licenz;maxautoprepare=5", 5)]
    [InlineData("Host=db.internal;Database=licenz;MAX AUTO PREPARE=12", 12)]
    public void StatementsArePreparedUnlessTheConnectionStringSaysHowMany(string configured, int expected)
    {
        var used = Used(configured);

        Assert.Equal(expected, used.MaxAutoPrepare);
        Assert.Equal("db.internal", used.Host);
        Assert.Equal("licenz", used.Database);
    }

    [Theory]
    [InlineData("Host=db.internal;Database=licenz", true)]
    [InlineData("Host=db.internal;Database=licenz;No Reset On Close=false", false)]
    [InlineData("Host=db.internal;Database=licenz;noresetonclose=false;Max Auto Prepare=3", false)]
    public void PooledConnectionsAreNotResetUnlessTheConnectionStringSaysSo(string configured, bool expected)
    {
        Assert.Equal(expected, Used(configured).NoResetOnClose);
    }

    [Theory]
    [InlineData("Host=db.internal;Database=licenz", DatabaseSetup.PooledConnections)]
    [InlineData("Host=db.internal;Database=licenz;Maximum Pool Size=100", 100)]
    [InlineData("Host=db.internal;Database=licenz;MaxPoolSize=7", 7)]
    [InlineData("Host=db.internal;Database=licenz;maxpoolsize=40;No Reset On Close=false", 40)]
    public void ANodeKeepsAFewConnectionsUnlessTheConnectionStringSaysHowMany(string configured, int expected)
    {
        Assert.Equal(expected, Used(configured).MaxPoolSize);
    }

    [Fact]
    public void NoConnectionStringStaysNone() =>
        Assert.Null(DatabaseSetup.PostgreSqlConnectionString(new ConfigurationBuilder().Build()));

    /// <summary>The connection string the server uses when the operator configured <paramref name="configured"/>.</summary>
    private static NpgsqlConnectionStringBuilder Used(string configured) =>
        new(DatabaseSetup.PostgreSqlConnectionString(new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:Licenz"] = configured })
            .Build()));
}
