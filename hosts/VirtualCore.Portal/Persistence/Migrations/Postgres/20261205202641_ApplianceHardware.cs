using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class ApplianceHardware : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(
            name: "ApplianceMemoryMiB",
            table: "IsoImages",
            type: "bigint",
            nullable: true);

        migrationBuilder.AddColumn<int>(
            name: "ApplianceVCpus",
            table: "IsoImages",
            type: "integer",
            nullable: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(
            name: "ApplianceMemoryMiB",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "ApplianceVCpus",
            table: "IsoImages");
    }
}
