using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Licenz.Server.Data.Migrations.PostgreSql
{
    /// <summary>
    /// The licensing model: policies, entitlements and machines, and on licenses their policy, own machine limit and
    /// entitlements, and the counters limits hold (machines, uses, recent transfers). Licenses from before get their
    /// product's default policy at start (<c>DefaultPolicies.UpgradeAsync</c>).
    /// </summary>
    public partial class LicensingModel : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "Entitlements",
                table: "licenses",
                type: "character varying(8000)",
                maxLength: 8000,
                nullable: false,
                defaultValue: "[]",
                collation: "C");

            migrationBuilder.AddColumn<int>(
                name: "MachinesCount",
                table: "licenses",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "MaxMachinesOverride",
                table: "licenses",
                type: "integer",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PolicyId",
                table: "licenses",
                type: "character varying(40)",
                maxLength: 40,
                nullable: true,
                collation: "C");

            migrationBuilder.AddColumn<string>(
                name: "RecentTransfers",
                table: "licenses",
                type: "character varying(8000)",
                maxLength: 8000,
                nullable: false,
                defaultValue: "[]",
                collation: "C");

            migrationBuilder.AddColumn<int>(
                name: "Uses",
                table: "licenses",
                type: "integer",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "entitlements",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    AccountId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    Code = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false, collation: "C"),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false, collation: "C"),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_entitlements", x => x.Id);
                    table.ForeignKey(
                        name: "FK_entitlements_accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "machines",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    AccountId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    LicenseId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    ProductId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    Fingerprint = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: false, collation: "C"),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true, collation: "C"),
                    Platform = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true, collation: "C"),
                    Hostname = table.Column<string>(type: "character varying(255)", maxLength: 255, nullable: true, collation: "C"),
                    Components = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false, collation: "C"),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    LastHeartbeatAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    HeartbeatDueAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_machines", x => x.Id);
                    table.ForeignKey(
                        name: "FK_machines_accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_machines_licenses_LicenseId",
                        column: x => x.LicenseId,
                        principalTable: "licenses",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "policies",
                columns: table => new
                {
                    Id = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    AccountId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    ProductId = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false, collation: "C"),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false, collation: "C"),
                    LicenseType = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    DefaultFor = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    DurationSeconds = table.Column<long>(type: "bigint", nullable: true),
                    ExpirationStrategy = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ExpirationBasis = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    GracePeriodSeconds = table.Column<long>(type: "bigint", nullable: false),
                    MaxMachines = table.Column<int>(type: "integer", nullable: true),
                    Floating = table.Column<bool>(type: "boolean", nullable: false),
                    FingerprintMatching = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    MaxUses = table.Column<int>(type: "integer", nullable: true),
                    Entitlements = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: false, collation: "C"),
                    RequireHeartbeat = table.Column<bool>(type: "boolean", nullable: false),
                    HeartbeatIntervalSeconds = table.Column<int>(type: "integer", nullable: true),
                    CheckInIntervalSeconds = table.Column<long>(type: "bigint", nullable: true),
                    TransfersPer30Days = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    Version = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_policies", x => x.Id);
                    table.ForeignKey(
                        name: "FK_policies_accounts_AccountId",
                        column: x => x.AccountId,
                        principalTable: "accounts",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                    table.ForeignKey(
                        name: "FK_policies_products_ProductId",
                        column: x => x.ProductId,
                        principalTable: "products",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateIndex(
                name: "IX_licenses_AccountId_PolicyId_Id",
                table: "licenses",
                columns: new[] { "AccountId", "PolicyId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_licenses_PolicyId",
                table: "licenses",
                column: "PolicyId");

            migrationBuilder.CreateIndex(
                name: "IX_entitlements_AccountId_Code",
                table: "entitlements",
                columns: new[] { "AccountId", "Code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_entitlements_AccountId_Id",
                table: "entitlements",
                columns: new[] { "AccountId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_machines_AccountId_Fingerprint",
                table: "machines",
                columns: new[] { "AccountId", "Fingerprint" });

            migrationBuilder.CreateIndex(
                name: "IX_machines_AccountId_Id",
                table: "machines",
                columns: new[] { "AccountId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_machines_AccountId_ProductId_Id",
                table: "machines",
                columns: new[] { "AccountId", "ProductId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_machines_HeartbeatDueAt",
                table: "machines",
                column: "HeartbeatDueAt");

            migrationBuilder.CreateIndex(
                name: "IX_machines_LicenseId_Fingerprint",
                table: "machines",
                columns: new[] { "LicenseId", "Fingerprint" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_policies_AccountId_Id",
                table: "policies",
                columns: new[] { "AccountId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_policies_AccountId_ProductId_Id",
                table: "policies",
                columns: new[] { "AccountId", "ProductId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_policies_ProductId_DefaultFor",
                table: "policies",
                columns: new[] { "ProductId", "DefaultFor" },
                unique: true);

            migrationBuilder.AddForeignKey(
                name: "FK_licenses_policies_PolicyId",
                table: "licenses",
                column: "PolicyId",
                principalTable: "policies",
                principalColumn: "Id",
                onDelete: ReferentialAction.Restrict);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Licenses let go of their policies first: the policies table goes before the licenses table is rebuilt without the column.
            migrationBuilder.Sql("UPDATE licenses SET \"PolicyId\" = NULL;");

            migrationBuilder.DropForeignKey(
                name: "FK_licenses_policies_PolicyId",
                table: "licenses");

            migrationBuilder.DropTable(
                name: "entitlements");

            migrationBuilder.DropTable(
                name: "machines");

            migrationBuilder.DropTable(
                name: "policies");

            migrationBuilder.DropIndex(
                name: "IX_licenses_AccountId_PolicyId_Id",
                table: "licenses");

            migrationBuilder.DropIndex(
                name: "IX_licenses_PolicyId",
                table: "licenses");

            migrationBuilder.DropColumn(
                name: "Entitlements",
                table: "licenses");

            migrationBuilder.DropColumn(
                name: "MachinesCount",
                table: "licenses");

            migrationBuilder.DropColumn(
                name: "MaxMachinesOverride",
                table: "licenses");

            migrationBuilder.DropColumn(
                name: "PolicyId",
                table: "licenses");

            migrationBuilder.DropColumn(
                name: "RecentTransfers",
                table: "licenses");

            migrationBuilder.DropColumn(
                name: "Uses",
                table: "licenses");
        }
    }
}
