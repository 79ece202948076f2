using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class SecurityHardening : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(
            name: "IX_VirtualMachines_CustomerId_Name",
            table: "VirtualMachines");

        migrationBuilder.DropColumn(
            name: "FailedAttempts",
            table: "Users");

        migrationBuilder.DropColumn(
            name: "LockedUntil",
            table: "Users");

        migrationBuilder.AddColumn<string>(
            name: "SecurityStamp",
            table: "Users",
            type: "character varying(32)",
            maxLength: 32,
            nullable: false,
            defaultValue: "");

        migrationBuilder.CreateTable(
            name: "SignInThrottles",
            columns: table => new
            {
                UserId = table.Column<Guid>(type: "uuid", nullable: false),
                IpAddress = table.Column<string>(type: "character varying(45)", maxLength: 45, nullable: false),
                Failures = table.Column<int>(type: "integer", nullable: false),
                Lockouts = table.Column<int>(type: "integer", nullable: false),
                LockedUntil = table.Column<long>(type: "bigint", nullable: true),
                LastFailureAt = table.Column<long>(type: "bigint", nullable: true),
                LastSuccessAt = table.Column<long>(type: "bigint", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_SignInThrottles", x => new { x.UserId, x.IpAddress });
            });

        migrationBuilder.CreateTable(
            name: "UserSessions",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                UserId = table.Column<Guid>(type: "uuid", nullable: false),
                StartedAt = table.Column<long>(type: "bigint", nullable: false),
                EndedAt = table.Column<long>(type: "bigint", nullable: true),
                IpAddress = table.Column<string>(type: "character varying(45)", maxLength: 45, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_UserSessions", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_VirtualMachines_CustomerId_Name",
            table: "VirtualMachines",
            columns: new[] { "CustomerId", "Name" },
            unique: true,
            filter: "\"State\" <> 'failed'");

        migrationBuilder.CreateIndex(
            name: "IX_UserSessions_UserId",
            table: "UserSessions",
            column: "UserId");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "SignInThrottles");

        migrationBuilder.DropTable(
            name: "UserSessions");

        migrationBuilder.DropIndex(
            name: "IX_VirtualMachines_CustomerId_Name",
            table: "VirtualMachines");

        migrationBuilder.DropColumn(
            name: "SecurityStamp",
            table: "Users");

        migrationBuilder.AddColumn<int>(
            name: "FailedAttempts",
            table: "Users",
            type: "integer",
            nullable: false,
            defaultValue: 0);

        migrationBuilder.AddColumn<long>(
            name: "LockedUntil",
            table: "Users",
            type: "bigint",
            nullable: true);

        migrationBuilder.CreateIndex(
            name: "IX_VirtualMachines_CustomerId_Name",
            table: "VirtualMachines",
            columns: new[] { "CustomerId", "Name" });
    }
}
