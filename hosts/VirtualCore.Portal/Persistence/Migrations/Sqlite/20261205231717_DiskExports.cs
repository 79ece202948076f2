using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class DiskExports : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "DiskExports",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                VmId = table.Column<Guid>(type: "TEXT", nullable: false),
                NodeName = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                Format = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                RecoveryPointName = table.Column<string>(type: "TEXT", maxLength: 60, nullable: true),
                Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                SizeBytes = table.Column<long>(type: "INTEGER", nullable: true),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DiskExports", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_DiskExports_ExpiresAt",
            table: "DiskExports",
            column: "ExpiresAt");

        migrationBuilder.CreateIndex(
            name: "IX_DiskExports_ResellerId_CustomerId",
            table: "DiskExports",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_DiskExports_VmId",
            table: "DiskExports",
            column: "VmId");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "DiskExports");
    }
}
