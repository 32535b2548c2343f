using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Licenz.Server.Data.Migrations.Sqlite
{
    /// <summary>
    /// License keys leave the database: each license gets a keyed hash (found through a unique index) and its key sealed
    /// under the master key. Both need the master key, so this migration only adds their columns and keeps each key in
    /// <c>PlaintextKey</c> until the start-up step (<c>LicenseKeyUpgrade</c>) seals it and clears it. The event log keeps
    /// licenses as the API showed them, key included: those keys are masked here, in SQL, as masking needs no secret.
    /// </summary>
    public partial class SealedLicenseKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<byte[]>(
                name: "KeyHash",
                table: "licenses",
                type: "BLOB",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PlaintextKey",
                table: "licenses",
                type: "TEXT",
                maxLength: 32,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "SealedKey",
                table: "licenses",
                type: "BLOB",
                maxLength: 128,
                nullable: true);

            migrationBuilder.AddColumn<byte[]>(
                name: "KeyHash",
                table: "events",
                type: "BLOB",
                maxLength: 32,
                nullable: true);

            // Each key waits in PlaintextKey for the start-up step; the old column and its index go, in place (SQLite 3.35
            // and later, inside the migration's transaction; EF Core's DropColumn would rebuild the table instead).
            migrationBuilder.Sql("""UPDATE "licenses" SET "PlaintextKey" = "Key";""");
            migrationBuilder.DropIndex(
                name: "IX_licenses_Key",
                table: "licenses");
            migrationBuilder.Sql("""ALTER TABLE "licenses" DROP COLUMN "Key";""");

            migrationBuilder.CreateIndex(
                name: "IX_licenses_KeyHash",
                table: "licenses",
                column: "KeyHash",
                unique: true);

            // License events keep their data, but the key shows only its last group, as new events show it.
            migrationBuilder.Sql(
                """
                UPDATE "events"
                SET "Data" = json_set("Data", '$.key', 'LIC-*****-*****-' || substr(json_extract("Data", '$.key'), -5))
                WHERE "ResourceType" = 'license' AND json_extract("Data", '$.key') GLOB 'LIC-?????-?????-?????';
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Once the server has sealed a key, its plain text is gone: going back would lose it. A key that is still in
            // PlaintextKey can go back; if any is not, this fails ("NOT NULL constraint failed: licenz_keys_to_restore.Key")
            // and the transaction leaves the database as it was. Masked event data stays masked.
            migrationBuilder.Sql(
                """
                CREATE TEMP TABLE "licenz_keys_to_restore" ("Key" TEXT NOT NULL);
                INSERT INTO "licenz_keys_to_restore" SELECT "PlaintextKey" FROM "licenses";
                DROP TABLE "licenz_keys_to_restore";
                """);

            migrationBuilder.DropIndex(
                name: "IX_licenses_KeyHash",
                table: "licenses");

            migrationBuilder.Sql("""ALTER TABLE "licenses" ADD COLUMN "Key" TEXT NOT NULL DEFAULT '';""");
            migrationBuilder.Sql("""UPDATE "licenses" SET "Key" = "PlaintextKey";""");
            migrationBuilder.CreateIndex(
                name: "IX_licenses_Key",
                table: "licenses",
                column: "Key",
                unique: true);

            migrationBuilder.Sql("""ALTER TABLE "licenses" DROP COLUMN "KeyHash";""");
            migrationBuilder.Sql("""ALTER TABLE "licenses" DROP COLUMN "PlaintextKey";""");
            migrationBuilder.Sql("""ALTER TABLE "licenses" DROP COLUMN "SealedKey";""");
            migrationBuilder.Sql("""ALTER TABLE "events" DROP COLUMN "KeyHash";""");
        }
    }
}
