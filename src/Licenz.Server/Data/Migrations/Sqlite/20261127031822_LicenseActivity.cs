using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Licenz.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class LicenseActivity : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "license_activity",
                columns: table => new
                {
                    LicenseId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    LastValidatedAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_license_activity", x => x.LicenseId);
                    table.ForeignKey(
                        name: "FK_license_activity_licenses_LicenseId",
                        column: x => x.LicenseId,
                        principalTable: "licenses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            // Every license gets its row, with the time it had: moved before the column goes.
            migrationBuilder.Sql(
                """INSERT INTO "license_activity" ("LicenseId", "LastValidatedAt") SELECT "Id", "LastValidatedAt" FROM "licenses";""");

            // SQLite drops a column in place (3.35 and later), inside the migration's transaction. EF Core's own
            // DropColumn rebuilds the table instead, which needs foreign keys switched off outside any transaction.
            migrationBuilder.Sql("""ALTER TABLE "licenses" DROP COLUMN "LastValidatedAt";""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "LastValidatedAt",
                table: "licenses",
                type: "TEXT",
                nullable: true);

            migrationBuilder.Sql(
                """UPDATE "licenses" SET "LastValidatedAt" = (SELECT a."LastValidatedAt" FROM "license_activity" AS a WHERE a."LicenseId" = "licenses"."Id");""");

            migrationBuilder.DropTable(
                name: "license_activity");
        }
    }
}
