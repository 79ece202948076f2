using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class IsoFetches : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(
            name: "ClaimedUntil",
            table: "IsoImages",
            type: "INTEGER",
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "Problem",
            table: "IsoImages",
            type: "TEXT",
            maxLength: 1000,
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "SourceUrl",
            table: "IsoImages",
            type: "TEXT",
            maxLength: 2000,
            nullable: true);

        migrationBuilder.CreateIndex(
            name: "IX_IsoImages_State",
            table: "IsoImages",
            column: "State");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(
            name: "IX_IsoImages_State",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "ClaimedUntil",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "Problem",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "SourceUrl",
            table: "IsoImages");
    }
}
