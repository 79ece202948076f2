using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class UniqueLiveVmNames : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_VirtualMachines_CustomerId_Name",
                table: "VirtualMachines");

            migrationBuilder.CreateIndex(
                name: "IX_VirtualMachines_CustomerId_Name",
                table: "VirtualMachines",
                columns: new[] { "CustomerId", "Name" },
                unique: true,
                filter: "\"State\" <> 'failed'");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_VirtualMachines_CustomerId_Name",
                table: "VirtualMachines");

            migrationBuilder.CreateIndex(
                name: "IX_VirtualMachines_CustomerId_Name",
                table: "VirtualMachines",
                columns: new[] { "CustomerId", "Name" });
        }
    }
}
