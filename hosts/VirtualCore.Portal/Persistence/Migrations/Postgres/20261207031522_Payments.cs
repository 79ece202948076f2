using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class Payments : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<bool>(
            name: "StoppedBySuspension",
            table: "VirtualMachines",
            type: "boolean",
            nullable: false,
            defaultValue: false);

        migrationBuilder.AddColumn<DateOnly>(
            name: "DueOn",
            table: "Invoices",
            type: "date",
            nullable: true);

        migrationBuilder.AddColumn<long>(
            name: "SuspendedAt",
            table: "Customers",
            type: "bigint",
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "SuspendedBy",
            table: "Customers",
            type: "character varying(200)",
            maxLength: 200,
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "SuspensionReason",
            table: "Customers",
            type: "character varying(300)",
            maxLength: 300,
            nullable: true);

        // Invoices issued before payments were tracked are due 14 days after their date, as the default payment term.
        migrationBuilder.Sql("""
            UPDATE "Invoices" SET "DueOn" = "IssuedOn" + 14 WHERE "Kind" = 'invoice' AND "IssuedOn" IS NOT NULL;
            """);

        migrationBuilder.CreateTable(
            name: "DunningSteps",
            columns: table => new
            {
                InvoiceId = table.Column<Guid>(type: "uuid", nullable: false),
                Level = table.Column<int>(type: "integer", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                At = table.Column<long>(type: "bigint", nullable: false),
                OpenCents = table.Column<long>(type: "bigint", nullable: false),
                MailedAt = table.Column<long>(type: "bigint", nullable: true),
                MailError = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                MailAttempts = table.Column<int>(type: "integer", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DunningSteps", x => new { x.InvoiceId, x.Level });
            });

        migrationBuilder.CreateTable(
            name: "InvoicePayments",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                InvoiceId = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                AmountCents = table.Column<long>(type: "bigint", nullable: false),
                PaidOn = table.Column<DateOnly>(type: "date", nullable: false),
                Method = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                Reference = table.Column<string>(type: "character varying(140)", maxLength: 140, nullable: true),
                RecordedBy = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                RecordedAt = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_InvoicePayments", x => x.Id);
            });

        migrationBuilder.CreateIndex(
            name: "IX_DunningSteps_ResellerId_CustomerId",
            table: "DunningSteps",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_InvoicePayments_InvoiceId_Reference",
            table: "InvoicePayments",
            columns: new[] { "InvoiceId", "Reference" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_InvoicePayments_ResellerId_CustomerId",
            table: "InvoicePayments",
            columns: new[] { "ResellerId", "CustomerId" });
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "DunningSteps");

        migrationBuilder.DropTable(
            name: "InvoicePayments");

        migrationBuilder.DropColumn(
            name: "StoppedBySuspension",
            table: "VirtualMachines");

        migrationBuilder.DropColumn(
            name: "DueOn",
            table: "Invoices");

        migrationBuilder.DropColumn(
            name: "SuspendedAt",
            table: "Customers");

        migrationBuilder.DropColumn(
            name: "SuspendedBy",
            table: "Customers");

        migrationBuilder.DropColumn(
            name: "SuspensionReason",
            table: "Customers");
    }
}
