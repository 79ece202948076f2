using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class ThemeVersions : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<Guid>(
            name: "ActiveThemeVersionId",
            table: "Resellers",
            type: "uuid",
            nullable: true);

        migrationBuilder.CreateTable(
            name: "ThemeActivations",
            columns: table => new
            {
                Id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                VersionId = table.Column<Guid>(type: "uuid", nullable: true),
                At = table.Column<long>(type: "bigint", nullable: false),
                By = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ThemeActivations", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "ThemeVersions",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                Number = table.Column<int>(type: "integer", nullable: true),
                Source = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                Name = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                Label = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                BaseTheme = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                Package = table.Column<byte[]>(type: "bytea", nullable: false),
                Sha256 = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                CreatedBy = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ThemeVersions", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_ThemeActivations_ResellerId_Id",
            table: "ThemeActivations",
            columns: new[] { "ResellerId", "Id" });

        migrationBuilder.CreateIndex(
            name: "IX_ThemeVersions_ResellerId_Number",
            table: "ThemeVersions",
            columns: new[] { "ResellerId", "Number" },
            unique: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "ThemeActivations");

        migrationBuilder.DropTable(
            name: "ThemeVersions");

        migrationBuilder.DropColumn(
            name: "ActiveThemeVersionId",
            table: "Resellers");
    }
}
