using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class IpPools : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "IpAssignments",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                PoolId = table.Column<Guid>(type: "TEXT", nullable: false),
                Address = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                VmId = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                ReverseName = table.Column<string>(type: "TEXT", maxLength: 253, nullable: true),
                AssignedAt = table.Column<long>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_IpAssignments", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "IpPools",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                Subnet = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                FirstAddress = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                LastAddress = table.Column<string>(type: "TEXT", maxLength: 45, nullable: false),
                Gateway = table.Column<string>(type: "TEXT", maxLength: 45, nullable: true),
                DnsServers = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                NodeNames = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: true),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: true),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_IpPools", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_IpAssignments_Address",
            table: "IpAssignments",
            column: "Address",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_IpAssignments_PoolId",
            table: "IpAssignments",
            column: "PoolId");

        migrationBuilder.CreateIndex(
            name: "IX_IpAssignments_ResellerId_CustomerId",
            table: "IpAssignments",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_IpAssignments_VmId",
            table: "IpAssignments",
            column: "VmId");

        migrationBuilder.CreateIndex(
            name: "IX_IpPools_Name",
            table: "IpPools",
            column: "Name",
            unique: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "IpAssignments");

        migrationBuilder.DropTable(
            name: "IpPools");
    }
}
