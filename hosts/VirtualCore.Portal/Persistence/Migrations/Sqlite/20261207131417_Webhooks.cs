using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class Webhooks : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "WebhookSubscriptions",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                Audience = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                Url = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                Events = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                Description = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                Secret = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                PreviousSecret = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                PreviousSecretUntil = table.Column<long>(type: "INTEGER", nullable: true),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                CreatedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookSubscriptions", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "WebhookDeliveries",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                SubscriptionId = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                EventId = table.Column<Guid>(type: "TEXT", nullable: false),
                Event = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                Body = table.Column<string>(type: "TEXT", nullable: false),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                NextAttemptAt = table.Column<long>(type: "INTEGER", nullable: false),
                Attempts = table.Column<int>(type: "INTEGER", nullable: false),
                DeliveredAt = table.Column<long>(type: "INTEGER", nullable: true),
                Abandoned = table.Column<bool>(type: "INTEGER", nullable: false),
                LastStatusCode = table.Column<int>(type: "INTEGER", nullable: true),
                LastError = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                RedeliveryOf = table.Column<long>(type: "INTEGER", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookDeliveries", x => x.Id);
                table.ForeignKey(
                    name: "FK_WebhookDeliveries_WebhookSubscriptions_SubscriptionId",
                    column: x => x.SubscriptionId,
                    principalTable: "WebhookSubscriptions",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "WebhookAttempts",
            columns: table => new
            {
                Id = table.Column<long>(type: "INTEGER", nullable: false)
                    .Annotation("Sqlite:Autoincrement", true),
                DeliveryId = table.Column<long>(type: "INTEGER", nullable: false),
                At = table.Column<long>(type: "INTEGER", nullable: false),
                StatusCode = table.Column<int>(type: "INTEGER", nullable: true),
                Error = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                DurationMs = table.Column<int>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookAttempts", x => x.Id);
                table.ForeignKey(
                    name: "FK_WebhookAttempts_WebhookDeliveries_DeliveryId",
                    column: x => x.DeliveryId,
                    principalTable: "WebhookDeliveries",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_WebhookAttempts_DeliveryId",
            table: "WebhookAttempts",
            column: "DeliveryId");

        migrationBuilder.CreateIndex(
            name: "IX_WebhookDeliveries_DeliveredAt_Abandoned_Id",
            table: "WebhookDeliveries",
            columns: new[] { "DeliveredAt", "Abandoned", "Id" });

        migrationBuilder.CreateIndex(
            name: "IX_WebhookDeliveries_ResellerId_CustomerId",
            table: "WebhookDeliveries",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_WebhookDeliveries_SubscriptionId_Id",
            table: "WebhookDeliveries",
            columns: new[] { "SubscriptionId", "Id" });

        migrationBuilder.CreateIndex(
            name: "IX_WebhookSubscriptions_Audience_Enabled",
            table: "WebhookSubscriptions",
            columns: new[] { "Audience", "Enabled" });

        migrationBuilder.CreateIndex(
            name: "IX_WebhookSubscriptions_ResellerId_CustomerId",
            table: "WebhookSubscriptions",
            columns: new[] { "ResellerId", "CustomerId" });
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "WebhookAttempts");

        migrationBuilder.DropTable(
            name: "WebhookDeliveries");

        migrationBuilder.DropTable(
            name: "WebhookSubscriptions");
    }
}
