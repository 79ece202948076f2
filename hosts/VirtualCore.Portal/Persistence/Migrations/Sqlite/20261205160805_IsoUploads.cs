using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class IsoUploads : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(
            name: "CreatedAt",
            table: "IsoImages",
            type: "INTEGER",
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "CreatedBy",
            table: "IsoImages",
            type: "TEXT",
            maxLength: 200,
            nullable: true);

        migrationBuilder.AddColumn<Guid>(
            name: "CreatedByUserId",
            table: "IsoImages",
            type: "TEXT",
            nullable: true);

        migrationBuilder.AddColumn<Guid>(
            name: "CustomerId",
            table: "IsoImages",
            type: "TEXT",
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "ExpectedSha256",
            table: "IsoImages",
            type: "TEXT",
            maxLength: 64,
            nullable: true);

        migrationBuilder.AddColumn<Guid>(
            name: "ResellerId",
            table: "IsoImages",
            type: "TEXT",
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "Sha256",
            table: "IsoImages",
            type: "TEXT",
            maxLength: 64,
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "State",
            table: "IsoImages",
            type: "TEXT",
            maxLength: 20,
            nullable: false,
            defaultValue: "ready");

        migrationBuilder.AddColumn<long>(
            name: "UploadOffset",
            table: "IsoImages",
            type: "INTEGER",
            nullable: false,
            defaultValue: 0L);

        migrationBuilder.AddColumn<int>(
            name: "Version",
            table: "IsoImages",
            type: "INTEGER",
            nullable: false,
            defaultValue: 0);

        migrationBuilder.CreateIndex(
            name: "IX_IsoImages_CustomerId",
            table: "IsoImages",
            column: "CustomerId");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(
            name: "IX_IsoImages_CustomerId",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "CreatedAt",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "CreatedBy",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "CreatedByUserId",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "CustomerId",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "ExpectedSha256",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "ResellerId",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "Sha256",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "State",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "UploadOffset",
            table: "IsoImages");

        migrationBuilder.DropColumn(
            name: "Version",
            table: "IsoImages");
    }
}
