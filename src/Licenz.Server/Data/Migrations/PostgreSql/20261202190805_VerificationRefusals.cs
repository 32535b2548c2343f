using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Licenz.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class VerificationRefusals : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "verification_refusals",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    AccountId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    LicenseId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    At = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Valid = table.Column<bool>(type: "boolean", nullable: false),
                    Code = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    Detail = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false, collation: "C"),
                    Fingerprint = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true, collation: "C"),
                    Entitlements = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true, collation: "C"),
                    Checks = table.Column<string>(type: "text", nullable: false, collation: "C")
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_verification_refusals", x => x.Id);
                    table.ForeignKey(
                        name: "FK_verification_refusals_licenses_LicenseId",
                        column: x => x.LicenseId,
                        principalTable: "licenses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_verification_refusals_At",
                table: "verification_refusals",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_verification_refusals_LicenseId_At",
                table: "verification_refusals",
                columns: new[] { "LicenseId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "verification_refusals");
        }
    }
}
