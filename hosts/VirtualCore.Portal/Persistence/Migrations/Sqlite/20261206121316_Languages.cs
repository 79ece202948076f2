using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class Languages : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(
            name: "Language",
            table: "Users",
            type: "TEXT",
            maxLength: 8,
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "Language",
            table: "Resellers",
            type: "TEXT",
            maxLength: 8,
            nullable: false,
            defaultValue: "en");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(
            name: "Language",
            table: "Users");

        migrationBuilder.DropColumn(
            name: "Language",
            table: "Resellers");
    }
}
