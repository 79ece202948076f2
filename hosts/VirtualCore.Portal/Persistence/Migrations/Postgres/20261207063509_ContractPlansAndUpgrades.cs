using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class ContractPlansAndUpgrades : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<int>(
            name: "Cores",
            table: "Contracts",
            type: "integer",
            nullable: true);

        migrationBuilder.AddColumn<int>(
            name: "DiskGiB",
            table: "Contracts",
            type: "integer",
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "Kind",
            table: "Contracts",
            type: "text",
            nullable: false,
            defaultValue: "");

        migrationBuilder.AddColumn<int>(
            name: "MemoryGiB",
            table: "Contracts",
            type: "integer",
            nullable: true);

        migrationBuilder.AddColumn<bool>(
            name: "Provisioned",
            table: "Contracts",
            type: "boolean",
            nullable: false,
            defaultValue: false);

        migrationBuilder.AddColumn<bool>(
            name: "Released",
            table: "Contracts",
            type: "boolean",
            nullable: false,
            defaultValue: false);

        migrationBuilder.AddColumn<Guid>(
            name: "ReplacedById",
            table: "Contracts",
            type: "uuid",
            nullable: true);

        migrationBuilder.AddColumn<Guid>(
            name: "ReplacesId",
            table: "Contracts",
            type: "uuid",
            nullable: true);

        migrationBuilder.AddColumn<DateOnly>(
            name: "TermStartsOn",
            table: "Contracts",
            type: "date",
            nullable: true);

        // Contracts ordered before plans were provisioned take their kind and sizes from the catalogue; their sizes
        // were never added to a vDataCenter (the reseller set it), so none is taken off when they end.
        migrationBuilder.Sql("""
            UPDATE "Contracts" SET
                "Kind" = COALESCE((SELECT p."Kind" FROM "Products" p WHERE p."Code" = "Contracts"."ProductCode"), ''),
                "Cores" = (SELECT p."Cores" FROM "Products" p WHERE p."Code" = "Contracts"."ProductCode"),
                "MemoryGiB" = (SELECT p."MemoryGiB" FROM "Products" p WHERE p."Code" = "Contracts"."ProductCode"),
                "DiskGiB" = (SELECT p."DiskGiB" FROM "Products" p WHERE p."Code" = "Contracts"."ProductCode"),
                "Provisioned" = TRUE,
                "Released" = TRUE
            """);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropColumn(
            name: "Cores",
            table: "Contracts");

        migrationBuilder.DropColumn(
            name: "DiskGiB",
            table: "Contracts");

        migrationBuilder.DropColumn(
            name: "Kind",
            table: "Contracts");

        migrationBuilder.DropColumn(
            name: "MemoryGiB",
            table: "Contracts");

        migrationBuilder.DropColumn(
            name: "Provisioned",
            table: "Contracts");

        migrationBuilder.DropColumn(
            name: "Released",
            table: "Contracts");

        migrationBuilder.DropColumn(
            name: "ReplacedById",
            table: "Contracts");

        migrationBuilder.DropColumn(
            name: "ReplacesId",
            table: "Contracts");

        migrationBuilder.DropColumn(
            name: "TermStartsOn",
            table: "Contracts");
    }
}
