using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class UsageHistory : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "MetricRollupMarks",
            columns: table => new
            {
                Tier = table.Column<int>(type: "integer", nullable: false),
                DoneUntil = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_MetricRollupMarks", x => x.Tier);
            });

        migrationBuilder.CreateTable(
            name: "MetricSeries",
            columns: table => new
            {
                Id = table.Column<int>(type: "integer", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                Kind = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                Subject = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                Simulated = table.Column<bool>(type: "boolean", nullable: false),
                CreatedAt = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_MetricSeries", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "MetricPoints",
            columns: table => new
            {
                SeriesId = table.Column<int>(type: "integer", nullable: false),
                Tier = table.Column<int>(type: "integer", nullable: false),
                Slot = table.Column<int>(type: "integer", nullable: false),
                BucketStart = table.Column<long>(type: "bigint", nullable: false),
                Count = table.Column<int>(type: "integer", nullable: false),
                Data = table.Column<byte[]>(type: "bytea", maxLength: 144, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_MetricPoints", x => new { x.SeriesId, x.Tier, x.Slot });
                table.ForeignKey(
                    name: "FK_MetricPoints_MetricSeries_SeriesId",
                    column: x => x.SeriesId,
                    principalTable: "MetricSeries",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "TrafficMonths",
            columns: table => new
            {
                SeriesId = table.Column<int>(type: "integer", nullable: false),
                Month = table.Column<int>(type: "integer", nullable: false),
                InBytes = table.Column<long>(type: "bigint", nullable: false),
                OutBytes = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_TrafficMonths", x => new { x.SeriesId, x.Month });
                table.ForeignKey(
                    name: "FK_TrafficMonths_MetricSeries_SeriesId",
                    column: x => x.SeriesId,
                    principalTable: "MetricSeries",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_MetricPoints_Tier_BucketStart",
            table: "MetricPoints",
            columns: new[] { "Tier", "BucketStart" });

        migrationBuilder.CreateIndex(
            name: "IX_MetricSeries_ResellerId_CustomerId",
            table: "MetricSeries",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_MetricSeries_Subject_Kind",
            table: "MetricSeries",
            columns: new[] { "Subject", "Kind" },
            unique: true);
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "MetricPoints");

        migrationBuilder.DropTable(
            name: "MetricRollupMarks");

        migrationBuilder.DropTable(
            name: "TrafficMonths");

        migrationBuilder.DropTable(
            name: "MetricSeries");
    }
}
