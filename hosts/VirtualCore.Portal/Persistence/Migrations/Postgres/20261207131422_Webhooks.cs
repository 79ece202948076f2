using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

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
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                Audience = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                Url = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                Events = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                Description = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                Enabled = table.Column<bool>(type: "boolean", nullable: false),
                Secret = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                PreviousSecret = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                PreviousSecretUntil = table.Column<long>(type: "bigint", nullable: true),
                CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                CreatedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_WebhookSubscriptions", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "WebhookDeliveries",
            columns: table => new
            {
                Id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                SubscriptionId = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                EventId = table.Column<Guid>(type: "uuid", nullable: false),
                Event = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                Body = table.Column<string>(type: "text", nullable: false),
                CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                NextAttemptAt = table.Column<long>(type: "bigint", nullable: false),
                Attempts = table.Column<int>(type: "integer", nullable: false),
                DeliveredAt = table.Column<long>(type: "bigint", nullable: true),
                Abandoned = table.Column<bool>(type: "boolean", nullable: false),
                LastStatusCode = table.Column<int>(type: "integer", nullable: true),
                LastError = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                RedeliveryOf = table.Column<long>(type: "bigint", nullable: true)
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
                Id = table.Column<long>(type: "bigint", nullable: false)
                    .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                DeliveryId = table.Column<long>(type: "bigint", nullable: false),
                At = table.Column<long>(type: "bigint", nullable: false),
                StatusCode = table.Column<int>(type: "integer", nullable: true),
                Error = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                DurationMs = table.Column<int>(type: "integer", nullable: false)
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
