using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class Payments : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<bool>(
            name: "StoppedBySuspension",
            table: "VirtualMachines",
            type: "INTEGER",
            nullable: false,
            defaultValue: false);

        migrationBuilder.AddColumn<DateOnly>(
            name: "DueOn",
            table: "Invoices",
            type: "TEXT",
            nullable: true);

        migrationBuilder.AddColumn<long>(
            name: "SuspendedAt",
            table: "Customers",
            type: "INTEGER",
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "SuspendedBy",
            table: "Customers",
            type: "TEXT",
            maxLength: 200,
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "SuspensionReason",
            table: "Customers",
            type: "TEXT",
            maxLength: 300,
            nullable: true);

        // Invoices issued before payments were tracked are due 14 days after their date, as the default payment term.
        migrationBuilder.Sql("""
            UPDATE "Invoices" SET "DueOn" = date("IssuedOn", '+14 days') WHERE "Kind" = 'invoice' AND "IssuedOn" IS NOT NULL;
            """);

        migrationBuilder.CreateTable(
            name: "DunningSteps",
            columns: table => new
            {
                InvoiceId = table.Column<Guid>(type: "TEXT", nullable: false),
                Level = table.Column<int>(type: "INTEGER", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                At = table.Column<long>(type: "INTEGER", nullable: false),
                OpenCents = table.Column<long>(type: "INTEGER", nullable: false),
                MailedAt = table.Column<long>(type: "INTEGER", nullable: true),
                MailError = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                MailAttempts = table.Column<int>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_DunningSteps", x => new { x.InvoiceId, x.Level });
            });

        migrationBuilder.CreateTable(
            name: "InvoicePayments",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                InvoiceId = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                AmountCents = table.Column<long>(type: "INTEGER", nullable: false),
                PaidOn = table.Column<DateOnly>(type: "TEXT", nullable: false),
                Method = table.Column<string>(type: "TEXT", maxLength: 16, nullable: false),
                Reference = table.Column<string>(type: "TEXT", maxLength: 140, nullable: true),
                RecordedBy = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                RecordedAt = table.Column<long>(type: "INTEGER", nullable: false)
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
