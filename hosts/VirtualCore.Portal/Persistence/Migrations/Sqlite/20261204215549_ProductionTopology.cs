using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class ProductionTopology : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "DataProtectionKeys",
            columns: table => new
            {
                Id = table.Column<int>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                FriendlyName = table.Column<string>(type: "TEXT", nullable: true),
                Xml = table.Column<string>(type: "TEXT", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "DeadLetters",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                FaultId = table.Column<Guid>(type: "TEXT", nullable: false),
                At = table.Column<long>(type: "INTEGER", nullable: false),
                MessageType = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                Queue = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                ExceptionType = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                Reason = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                Host = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                Message = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DeadLetters", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_DeadLetters_At",
            table: "DeadLetters",
            column: "At");

        migrationBuilder.CreateIndex(
            name: "IX_DeadLetters_FaultId",
            table: "DeadLetters",
            column: "FaultId",
            unique: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "DataProtectionKeys");

        migrationBuilder.DropTable(
            name: "DeadLetters");
    }
}
