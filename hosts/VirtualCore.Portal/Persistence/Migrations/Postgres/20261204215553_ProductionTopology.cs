using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

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
                Id = table.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                FriendlyName = table.Column<string>(type: "text", nullable: true),
                Xml = table.Column<string>(type: "text", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DataProtectionKeys", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "DeadLetters",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                FaultId = table.Column<Guid>(type: "uuid", nullable: false),
                At = table.Column<long>(type: "bigint", nullable: false),
                MessageType = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Queue = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                ExceptionType = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Reason = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                Host = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Message = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false)
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
