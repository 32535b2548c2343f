using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Licenz.Server.Data.Migrations.PostgreSql
{
    /// <inheritdoc />
    public partial class OfflineMachineFiles : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Machines activated before: no offline license file issued to them yet.
            migrationBuilder.AddColumn<string>(
                name: "OfflineFileIds",
                table: "machines",
                type: "character varying(1000)",
                maxLength: 1000,
                nullable: false,
                defaultValue: "[]",
                collation: "C");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "OfflineFileIds",
                table: "machines");
        }
    }
}
