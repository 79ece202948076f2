using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

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
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                ProductCode = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                ProductName = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                MonthlyNetCents = table.Column<long>(type: "INTEGER", nullable: false),
                Consumer = table.Column<bool>(type: "INTEGER", nullable: false),
                StartsOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                MinimumTermMonths = table.Column<int>(type: "INTEGER", nullable: false),
                NoticeMonths = table.Column<int>(type: "INTEGER", nullable: false),
                CancelledOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                EndsOn = table.Column<DateOnly>(type: "TEXT", nullable: true),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
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
