using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Licenz.Server.Data.Migrations.Sqlite
{
    /// <summary>
    /// <c>license_activity</c> becomes a <c>WITHOUT ROWID</c> table: one B-tree keyed by the license id, where it had two
    /// (the rows by SQLite's rowid, and an index from the text key to the rowid). The activity writer's flush, which
    /// updates rows scattered over the whole table, finds each row in one search instead of two: at a million licenses,
    /// a flush of 152,000 rows took about a quarter less CPU and wall time (bench/README.md, "The writer's flush without
    /// a rowid"). EF Core has no setting for it, so the table is rebuilt by hand, in the migration's transaction (nothing
    /// refers to the table, so foreign keys can stay on); a test keeps later migrations from rebuilding it with a rowid.
    /// </summary>
    public partial class LicenseActivityWithoutRowid : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, "WITHOUT ROWID");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) => Rebuild(migrationBuilder, "");

        private static void Rebuild(MigrationBuilder migrationBuilder, string options)
        {
            migrationBuilder.Sql($"""
                CREATE TABLE "license_activity_rebuilt" (
                    "LicenseId" TEXT NOT NULL CONSTRAINT "PK_license_activity" PRIMARY KEY,
                    "LastValidatedAt" TEXT NULL,
                    CONSTRAINT "FK_license_activity_licenses_LicenseId" FOREIGN KEY ("LicenseId") REFERENCES "licenses" ("Id") ON DELETE CASCADE
                ) {options};
                """);
            migrationBuilder.Sql("""
                INSERT INTO "license_activity_rebuilt" ("LicenseId", "LastValidatedAt") SELECT "LicenseId", "LastValidatedAt" FROM "license_activity";
                """);
            migrationBuilder.Sql("""DROP TABLE "license_activity";""");
            migrationBuilder.Sql("""ALTER TABLE "license_activity_rebuilt" RENAME TO "license_activity";""");
        }
    }
}
