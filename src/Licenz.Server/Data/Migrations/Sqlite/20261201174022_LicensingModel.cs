using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Licenz.Server.Data.Migrations.Sqlite
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
                type: "TEXT",
                maxLength: 8000,
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<int>(
                name: "MachinesCount",
                table: "licenses",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<int>(
                name: "MaxMachinesOverride",
                table: "licenses",
                type: "INTEGER",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "PolicyId",
                table: "licenses",
                type: "TEXT",
                maxLength: 40,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "RecentTransfers",
                table: "licenses",
                type: "TEXT",
                maxLength: 8000,
                nullable: false,
                defaultValue: "[]");

            migrationBuilder.AddColumn<int>(
                name: "Uses",
                table: "licenses",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.CreateTable(
                name: "entitlements",
                columns: table => new
                {
                    Id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    AccountId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false)
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
                    Id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    AccountId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    LicenseId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ProductId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Fingerprint = table.Column<string>(type: "TEXT", maxLength: 256, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Platform = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    Hostname = table.Column<string>(type: "TEXT", maxLength: 255, nullable: true),
                    Components = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    LastHeartbeatAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    HeartbeatDueAt = table.Column<DateTime>(type: "TEXT", nullable: true),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
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
                    Id = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    AccountId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    ProductId = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    LicenseType = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    DefaultFor = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    DurationSeconds = table.Column<long>(type: "INTEGER", nullable: true),
                    ExpirationStrategy = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ExpirationBasis = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    GracePeriodSeconds = table.Column<long>(type: "INTEGER", nullable: false),
                    MaxMachines = table.Column<int>(type: "INTEGER", nullable: true),
                    Floating = table.Column<bool>(type: "INTEGER", nullable: false),
                    FingerprintMatching = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    MaxUses = table.Column<int>(type: "INTEGER", nullable: true),
                    Entitlements = table.Column<string>(type: "TEXT", maxLength: 8000, nullable: false),
                    RequireHeartbeat = table.Column<bool>(type: "INTEGER", nullable: false),
                    HeartbeatIntervalSeconds = table.Column<int>(type: "INTEGER", nullable: true),
                    CheckInIntervalSeconds = table.Column<long>(type: "INTEGER", nullable: true),
                    TransfersPer30Days = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    UpdatedAt = table.Column<DateTime>(type: "TEXT", nullable: false),
                    Version = table.Column<long>(type: "INTEGER", nullable: false)
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
