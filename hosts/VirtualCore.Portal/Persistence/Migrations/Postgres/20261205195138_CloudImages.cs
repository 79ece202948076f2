using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class CloudImages : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<string>(
            name: "Format",
            table: "IsoImages",
            type: "character varying(10)",
            maxLength: 10,
            nullable: false,
            defaultValue: "iso");

        migrationBuilder.AddColumn<long>(
            name: "VirtualSizeBytes",
            table: "IsoImages",
            type: "bigint",
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
