using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class ConsoleTickets : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "ConsoleTickets",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                SecretHash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                UserId = table.Column<Guid>(type: "uuid", nullable: false),
                VmId = table.Column<Guid>(type: "uuid", nullable: false),
                Host = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                IssuedAt = table.Column<long>(type: "bigint", nullable: false),
                ExpiresAt = table.Column<long>(type: "bigint", nullable: false),
                RedeemedAt = table.Column<long>(type: "bigint", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ConsoleTickets", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_ConsoleTickets_ExpiresAt",
            table: "ConsoleTickets",
            column: "ExpiresAt");

        migrationBuilder.CreateIndex(
            name: "IX_ConsoleTickets_SecretHash",
            table: "ConsoleTickets",
            column: "SecretHash",
            unique: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "ConsoleTickets");
    }
}
