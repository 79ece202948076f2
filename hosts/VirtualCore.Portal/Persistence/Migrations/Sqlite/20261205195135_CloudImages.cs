using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class CloudImages : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(
            name: "Format",
            table: "IsoImages",
            type: "TEXT",
            maxLength: 10,
            nullable: false,
            defaultValue: "iso");

        migrationBuilder.AddColumn<long>(
            name: "VirtualSizeBytes",
            table: "IsoImages",
            type: "INTEGER",
            nullable: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(
            name: "Format",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "VirtualSizeBytes",
            table: "IsoImages");
    }
}
