using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

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
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                AlertId = table.Column<Guid>(type: "TEXT", nullable: false),
                RuleId = table.Column<Guid>(type: "TEXT", nullable: false),
                Channel = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                Target = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                Event = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Payload = table.Column<string>(type: "TEXT", nullable: false),
                Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: false),
                DeliveredAt = table.Column<long>(type: "INTEGER", nullable: true),
                Abandoned = table.Column<bool>(type: "INTEGER", nullable: false),
                LastError = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AlertDeliveries", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "AlertRules",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                Scope = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                Subject = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                Condition = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Threshold = table.Column<double>(type: "REAL", nullable: true),
                ClearBelow = table.Column<double>(type: "REAL", nullable: true),
                DurationSeconds = table.Column<int>(type: "INTEGER", nullable: false),
                Emails = table.Column<string>(type: "TEXT", maxLength: 1300, nullable: false),
                WebhookUrl = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true),
                WebhookSecret = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AlertRules", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "Alerts",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                RuleId = table.Column<Guid>(type: "TEXT", nullable: false),
                RuleName = table.Column<string>(type: "TEXT", maxLength: 80, nullable: false),
                Condition = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Subject = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                SubjectName = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Threshold = table.Column<double>(type: "REAL", nullable: true),
                PendingSince = table.Column<long>(type: "INTEGER", nullable: false),
                FiredAt = table.Column<long>(type: "INTEGER", nullable: true),
                Value = table.Column<double>(type: "REAL", nullable: true),
                Peak = table.Column<double>(type: "REAL", nullable: true),
                LastSeenAt = table.Column<long>(type: "INTEGER", nullable: false),
                AcknowledgedAt = table.Column<long>(type: "INTEGER", nullable: true),
                AcknowledgedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                ResolvedAt = table.Column<long>(type: "INTEGER", nullable: true),
                Resolution = table.Column<string>(type: "TEXT", maxLength: 300, nullable: true)
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
