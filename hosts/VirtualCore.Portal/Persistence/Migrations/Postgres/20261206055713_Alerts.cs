using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class Alerts : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "AlertDeliveries",
            columns: table => new
            {
                Id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                AlertId = table.Column<Guid>(type: "uuid", nullable: false),
                RuleId = table.Column<Guid>(type: "uuid", nullable: false),
                Channel = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                Target = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                Event = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Payload = table.Column<string>(type: "text", nullable: false),
                Attempts = table.Column<int>(type: "integer", nullable: false),
                CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                NextAttemptAt = table.Column<long>(type: "bigint", nullable: false),
                DeliveredAt = table.Column<long>(type: "bigint", nullable: true),
                Abandoned = table.Column<bool>(type: "boolean", nullable: false),
                LastError = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AlertDeliveries", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "AlertRules",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                Name = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                Scope = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                Subject = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                Condition = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Threshold = table.Column<double>(type: "double precision", nullable: true),
                ClearBelow = table.Column<double>(type: "double precision", nullable: true),
                DurationSeconds = table.Column<int>(type: "integer", nullable: false),
                Emails = table.Column<string>(type: "character varying(1300)", maxLength: 1300, nullable: false),
                WebhookUrl = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                WebhookSecret = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                Enabled = table.Column<bool>(type: "boolean", nullable: false),
                CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AlertRules", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "Alerts",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                RuleId = table.Column<Guid>(type: "uuid", nullable: false),
                RuleName = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                Condition = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Subject = table.Column<string>(type: "character varying(63)", maxLength: 63, nullable: false),
                SubjectName = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                State = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                Threshold = table.Column<double>(type: "double precision", nullable: true),
                PendingSince = table.Column<long>(type: "bigint", nullable: false),
                FiredAt = table.Column<long>(type: "bigint", nullable: true),
                Value = table.Column<double>(type: "double precision", nullable: true),
                Peak = table.Column<double>(type: "double precision", nullable: true),
                LastSeenAt = table.Column<long>(type: "bigint", nullable: false),
                AcknowledgedAt = table.Column<long>(type: "bigint", nullable: true),
                AcknowledgedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                ResolvedAt = table.Column<long>(type: "bigint", nullable: true),
                Resolution = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Alerts", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_AlertDeliveries_DeliveredAt_Abandoned",
            table: "AlertDeliveries",
            columns: new[] { "DeliveredAt", "Abandoned" });

        migrationBuilder.CreateIndex(
            name: "IX_AlertRules_ResellerId_CustomerId",
            table: "AlertRules",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_Alerts_ResellerId_CustomerId",
            table: "Alerts",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_Alerts_RuleId_Subject",
            table: "Alerts",
            columns: new[] { "RuleId", "Subject" });

        migrationBuilder.CreateIndex(
            name: "IX_Alerts_State_FiredAt",
            table: "Alerts",
            columns: new[] { "State", "FiredAt" });
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "AlertDeliveries");

        migrationBuilder.DropTable(
            name: "AlertRules");

        migrationBuilder.DropTable(
            name: "Alerts");
    }
}
