using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class ContractNotices : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "ContractNotices",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                Reference = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                ReceivedAt = table.Column<long>(type: "bigint", nullable: false),
                Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Email = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Account = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Contract = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Extraordinary = table.Column<bool>(type: "boolean", nullable: false),
                Reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                WantedOn = table.Column<DateOnly>(type: "date", nullable: true),
                Status = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                ContractId = table.Column<Guid>(type: "uuid", nullable: true),
                EndsOn = table.Column<DateOnly>(type: "date", nullable: true),
                HandledBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                HandledAt = table.Column<long>(type: "bigint", nullable: true),
                Note = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                ConfirmedAt = table.Column<long>(type: "bigint", nullable: true),
                ConfirmationError = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                Version = table.Column<int>(type: "integer", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ContractNotices", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_ContractNotices_ResellerId_CustomerId",
            table: "ContractNotices",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_ContractNotices_ResellerId_ReceivedAt",
            table: "ContractNotices",
            columns: new[] { "ResellerId", "ReceivedAt" });
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "ContractNotices");
    }
}
