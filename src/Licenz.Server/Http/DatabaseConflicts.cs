using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Licenz.Server.Http;

/// <summary>
/// A write that lost a race with another request: the row it read was changed or deleted before it saved (a
/// concurrency token), a unique value was taken meanwhile, or a row it refers to (or that refers to it) appeared or
/// vanished meanwhile (a foreign key). The database refused it, so nothing was written: the client gets
/// <c>409 conflict</c> and can read again and retry. Recognised here, in one place, for every endpoint.
/// </summary>
public static class DatabaseConflicts
{
    // SQLite's extended result codes (https://sqlite.org/rescode.html).
    private const int ConstraintForeignKey = 787;
    private const int ConstraintPrimaryKey = 1555;
    private const int ConstraintUnique = 2067;

    // ON DELETE RESTRICT is enforced by a trigger SQLite generates, which fails with this code and the message
    // "FOREIGN KEY constraint failed"; the schema has no triggers of its own.
    private const int ConstraintTrigger = 1811;

    // PostgreSQL's SQLSTATE codes (https://www.postgresql.org/docs/current/errcodes-appendix.html).
    private const string UniqueViolation = PostgresErrorCodes.UniqueViolation;
    private const string ForeignKeyViolation = PostgresErrorCodes.ForeignKeyViolation;

    /// <summary>The <c>conflict</c> error for a lost race; null for any other failure.</summary>
    public static ApiError? Describe(Exception exception)
    {
        if (exception is DbUpdateConcurrencyException concurrency)
        {
            return Conflict($"{Subject(concurrency, null)} was changed or deleted by another request at the same time, so this request " +
                "changed nothing. Read it again and retry.");
        }

        var database = exception as DbException ?? exception.InnerException as DbException;
        var subject = exception is DbUpdateException update ? Subject(update, database) : "The resource";
        return Violation(database) switch
        {
            Constraint.Unique => Conflict(
                $"{subject} has a value that must be unique (such as a code) and another request took it at the same time, so this " +
                "request changed nothing. Read the current state and retry with another value."),
            Constraint.ForeignKey => Conflict(
                $"{subject} refers to a record (or is referred to by one) that another request deleted or created at the same time, " +
                "so this request changed nothing. Read the current state and retry."),
            _ => null,
        };
    }

    /// <summary>Whether the database refused the write because a unique value was taken.</summary>
    public static bool IsUniqueViolation(Exception exception) =>
        Violation(exception as DbException ?? exception.InnerException as DbException) == Constraint.Unique;

    private enum Constraint
    {
        None,
        Unique,
        ForeignKey,
    }

    /// <summary>Which constraint the database refused the write for, in the engine's own codes.</summary>
    private static Constraint Violation(DbException? exception) => exception switch
    {
        SqliteException { SqliteExtendedErrorCode: ConstraintUnique or ConstraintPrimaryKey } => Constraint.Unique,
        SqliteException { SqliteExtendedErrorCode: ConstraintForeignKey or ConstraintTrigger } => Constraint.ForeignKey,
        PostgresException { SqlState: UniqueViolation } => Constraint.Unique,
        PostgresException { SqlState: ForeignKeyViolation } => Constraint.ForeignKey,
        _ => Constraint.None,
    };

    private static ApiError Conflict(string message) => new(ErrorCodes.Conflict, message, StatusCodes.Status409Conflict);

    /// <summary>
    /// "This license", "This product": the entity the failed save was about. PostgreSQL names the table, and EF Core lists
    /// every entry of the failed batch there (the event appended to the same save among them); SQLite's is the one entry.
    /// </summary>
    private static string Subject(DbUpdateException exception, DbException? database)
    {
        var table = (database as PostgresException)?.TableName;
        var entry = exception.Entries.FirstOrDefault(e => table is null || e.Metadata.GetTableName() == table) ?? exception.Entries.FirstOrDefault();
        return entry is null ? "The resource" : "This " + Words(entry.Metadata.ClrType.Name);
    }

    // "ApiKey" → "api key", "LicenseActivity" → "license activity".
    private static string Words(string typeName) =>
        string.Concat(typeName.Select((c, i) => char.IsUpper(c) && i > 0 ? " " + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
