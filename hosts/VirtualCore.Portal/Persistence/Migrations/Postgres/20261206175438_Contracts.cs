using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class Contracts : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "Contracts",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                ProductCode = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                ProductName = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                MonthlyNetCents = table.Column<long>(type: "bigint", nullable: false),
                Consumer = table.Column<bool>(type: "boolean", nullable: false),
                StartsOn = table.Column<DateOnly>(type: "date", nullable: false),
                MinimumTermMonths = table.Column<int>(type: "integer", nullable: false),
                NoticeMonths = table.Column<int>(type: "integer", nullable: false),
                CancelledOn = table.Column<DateOnly>(type: "date", nullable: true),
                EndsOn = table.Column<DateOnly>(type: "date", nullable: true),
                CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Contracts", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_Contracts_ResellerId_CustomerId",
            table: "Contracts",
            columns: new[] { "ResellerId", "CustomerId" });
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "Contracts");
    }
}
