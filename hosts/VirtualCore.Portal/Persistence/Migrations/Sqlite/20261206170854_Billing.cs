using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class Billing : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Products",
            columns: table => new
            {
                Code = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                Kind = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                Cores = table.Column<int>(type: "INTEGER", nullable: true),
                MemoryGiB = table.Column<int>(type: "INTEGER", nullable: true),
                DiskGiB = table.Column<int>(type: "INTEGER", nullable: true),
                IpAddresses = table.Column<int>(type: "INTEGER", nullable: true),
                TrafficGiB = table.Column<int>(type: "INTEGER", nullable: true),
                WholesaleCents = table.Column<long>(type: "INTEGER", nullable: false),
                Position = table.Column<int>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Products", x => x.Code);
            });

        migrationBuilder.CreateTable(
            name: "RetailPrices",
            columns: table => new
            {
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                ProductCode = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                Cents = table.Column<long>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RetailPrices", x => new { x.ResellerId, x.ProductCode });
                table.ForeignKey(
                    name: "FK_RetailPrices_Products_ProductCode",
                    column: x => x.ProductCode,
                    principalTable: "Products",
                    principalColumn: "Code",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_RetailPrices_ProductCode",
            table: "RetailPrices",
            column: "ProductCode");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "RetailPrices");

        migrationBuilder.DropTable(
            name: "Products");
    }
}
