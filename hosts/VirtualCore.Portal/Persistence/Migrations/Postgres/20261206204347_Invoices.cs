using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class Invoices : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<long>(
            name: "WholesaleCents",
            table: "Contracts",
            type: "bigint",
            nullable: false,
            defaultValue: 0L);

        // Contracts ordered before wholesale prices were kept with them: today's wholesale price of their product.
        migrationBuilder.Sql("UPDATE \"Contracts\" c SET \"WholesaleCents\" = p.\"WholesaleCents\" FROM \"Products\" p WHERE p.\"Code\" = c.\"ProductCode\";");

        migrationBuilder.CreateTable(
            name: "BillingDetails",
            columns: table => new
            {
                PartyId = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                IsCustomer = table.Column<bool>(type: "boolean", nullable: false),
                LegalName = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                Street = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                PostalCode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                City = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                CountryCode = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                VatId = table.Column<string>(type: "character varying(15)", maxLength: 15, nullable: true),
                Email = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                SmallBusiness = table.Column<bool>(type: "boolean", nullable: false),
                TaxNumber = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                Phone = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                Iban = table.Column<string>(type: "character varying(34)", maxLength: 34, nullable: true),
                UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_BillingDetails", x => x.PartyId);
            });

        migrationBuilder.CreateTable(
            name: "Invoices",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "uuid", nullable: false),
                IssuerId = table.Column<Guid>(type: "uuid", nullable: false),
                ResellerId = table.Column<Guid>(type: "uuid", nullable: false),
                CustomerId = table.Column<Guid>(type: "uuid", nullable: false),
                RecipientId = table.Column<Guid>(type: "uuid", nullable: false),
                Kind = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                Status = table.Column<string>(type: "character varying(8)", maxLength: 8, nullable: false),
                PeriodStart = table.Column<DateOnly>(type: "date", nullable: false),
                PeriodEnd = table.Column<DateOnly>(type: "date", nullable: false),
                Revision = table.Column<int>(type: "integer", nullable: false),
                CancelsId = table.Column<Guid>(type: "uuid", nullable: true),
                Number = table.Column<string>(type: "character varying(24)", maxLength: 24, nullable: true),
                IssuedOn = table.Column<DateOnly>(type: "date", nullable: true),
                IssuerName = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                IssuerStreet = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                IssuerPostalCode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                IssuerCity = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                IssuerCountry = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                IssuerVatId = table.Column<string>(type: "character varying(15)", maxLength: 15, nullable: true),
                IssuerEmail = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                IssuerSmallBusiness = table.Column<bool>(type: "boolean", nullable: false),
                IssuerTaxNumber = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                IssuerPhone = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: true),
                IssuerIban = table.Column<string>(type: "character varying(34)", maxLength: 34, nullable: true),
                RecipientName = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                RecipientStreet = table.Column<string>(type: "character varying(120)", maxLength: 120, nullable: false),
                RecipientPostalCode = table.Column<string>(type: "character varying(16)", maxLength: 16, nullable: false),
                RecipientCity = table.Column<string>(type: "character varying(80)", maxLength: 80, nullable: false),
                RecipientCountry = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: false),
                RecipientVatId = table.Column<string>(type: "character varying(15)", maxLength: 15, nullable: true),
                RecipientEmail = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                VatTreatment = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                VatRateBasisPoints = table.Column<int>(type: "integer", nullable: false),
                Note = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                NetCents = table.Column<long>(type: "bigint", nullable: false),
                VatCents = table.Column<long>(type: "bigint", nullable: false),
                GrossCents = table.Column<long>(type: "bigint", nullable: false),
                CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                Version = table.Column<int>(type: "integer", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Invoices", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "InvoiceSeries",
            columns: table => new
            {
                IssuerId = table.Column<Guid>(type: "uuid", nullable: false),
                Year = table.Column<int>(type: "integer", nullable: false),
                Last = table.Column<long>(type: "bigint", nullable: false),
                Version = table.Column<int>(type: "integer", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_InvoiceSeries", x => new { x.IssuerId, x.Year });
            });

        migrationBuilder.CreateTable(
            name: "InvoiceLines",
            columns: table => new
            {
                InvoiceId = table.Column<Guid>(type: "uuid", nullable: false),
                Position = table.Column<int>(type: "integer", nullable: false),
                ContractId = table.Column<Guid>(type: "uuid", nullable: true),
                Description = table.Column<string>(type: "character varying(220)", maxLength: 220, nullable: false),
                From = table.Column<DateOnly>(type: "date", nullable: false),
                To = table.Column<DateOnly>(type: "date", nullable: false),
                Days = table.Column<int>(type: "integer", nullable: false),
                DaysInMonth = table.Column<int>(type: "integer", nullable: false),
                MonthlyCents = table.Column<long>(type: "bigint", nullable: false),
                NetCents = table.Column<long>(type: "bigint", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_InvoiceLines", x => new { x.InvoiceId, x.Position });
                table.ForeignKey(
                    name: "FK_InvoiceLines_Invoices_InvoiceId",
                    column: x => x.InvoiceId,
                    principalTable: "Invoices",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Restrict);
            });

        migrationBuilder.CreateIndex(
            name: "IX_BillingDetails_ResellerId",
            table: "BillingDetails",
            column: "ResellerId");

        migrationBuilder.CreateIndex(
            name: "IX_InvoiceLines_ContractId_From",
            table: "InvoiceLines",
            columns: new[] { "ContractId", "From" });

        migrationBuilder.CreateIndex(
            name: "IX_Invoices_CancelsId",
            table: "Invoices",
            column: "CancelsId",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_Invoices_IssuerId_Number",
            table: "Invoices",
            columns: new[] { "IssuerId", "Number" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_Invoices_IssuerId_RecipientId_PeriodStart_Kind_Revision",
            table: "Invoices",
            columns: new[] { "IssuerId", "RecipientId", "PeriodStart", "Kind", "Revision" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_Invoices_ResellerId_CustomerId",
            table: "Invoices",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_Invoices_Status_CreatedAt",
            table: "Invoices",
            columns: new[] { "Status", "CreatedAt" });
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "BillingDetails");

        migrationBuilder.DropTable(
            name: "InvoiceLines");

        migrationBuilder.DropTable(
            name: "InvoiceSeries");

        migrationBuilder.DropTable(
            name: "Invoices");

        migrationBuilder.DropColumn(
            name: "WholesaleCents",
            table: "Contracts");
    }
}
