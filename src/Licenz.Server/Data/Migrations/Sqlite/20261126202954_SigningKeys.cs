using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Licenz.Server.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class SigningKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "signing_keys",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AccountId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    PublicKey = table.Column<byte[]>(type: "BLOB", maxLength: 32, nullable: false),
                    SealedPrivateKey = table.Column<byte[]>(type: "BLOB", maxLength: 128, nullable: false),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    RotatedAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    RetiredAt = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_signing_keys", x => x.Id);
                    table.ForeignKey(
                        name: "FK_signing_keys_accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_signing_keys_AccountId_Status",
                table: "signing_keys",
                columns: new[] { "AccountId", "Status" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "signing_keys");
        }
    }
}
