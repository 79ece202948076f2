using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

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
                Code = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Name = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                Cores = table.Column<int>(type: "integer", nullable: true),
                MemoryGiB = table.Column<int>(type: "integer", nullable: true),
                DiskGiB = table.Column<int>(type: "integer", nullable: true),
                IpAddresses = table.Column<int>(type: "integer", nullable: true),
                TrafficGiB = table.Column<int>(type: "integer", nullable: true),
                WholesaleCents = table.Column<long>(type: "bigint", nullable: false),
                Position = table.Column<int>(type: "integer", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Products", x => x.Code);
            });

        migrationBuilder.CreateTable(
            name: "RetailPrices",
            columns: table => new
            {
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                ProductCode = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                Cents = table.Column<long>(type: "bigint", nullable: false)
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
