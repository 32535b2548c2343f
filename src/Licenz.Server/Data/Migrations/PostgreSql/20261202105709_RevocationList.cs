using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Licenz.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class RevocationList : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "revocations",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    AccountId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    SubjectType = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, collation: "C"),
                    SubjectId = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    State = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false, collation: "C"),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_revocations", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_revocations_AccountId_Id",
                table: "revocations",
                columns: new[] { "AccountId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "revocations");
        }
    }
}
