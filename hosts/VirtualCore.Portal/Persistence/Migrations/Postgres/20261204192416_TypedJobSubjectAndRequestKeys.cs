using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Postgres;

/// <inheritdoc />
public partial class TypedJobSubjectAndRequestKeys : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.AddColumn<Guid>(
            name: "RequestId",
            table: "Jobs",
            type: "uuid",
            nullable: true);

        migrationBuilder.AddColumn<string>(
            name: "SubjectKind",
            table: "Jobs",
            type: "character varying(20)",
            maxLength: 20,
            nullable: true);

        migrationBuilder.CreateIndex(
            name: "IX_Jobs_RequestId",
            table: "Jobs",
            column: "RequestId",
            unique: true);

        // What a job's subject id refers to was implied by its action; it is written down now.
        migrationBuilder.Sql(
            "UPDATE \"Jobs\" SET \"SubjectKind\" = 'recovery-point' " +
            "WHERE \"SubjectId\" IS NOT NULL AND \"Action\" IN ('recovery-point', 'revert', 'recovery-point-delete')");
        migrationBuilder.Sql(
            "UPDATE \"Jobs\" SET \"SubjectKind\" = 'hardware-edit' WHERE \"SubjectId\" IS NOT NULL AND \"Action\" = 'hardware'");
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropIndex(
            name: "IX_Jobs_RequestId",
            table: "Jobs");

        migrationBuilder.DropColumn(
            name: "RequestId",
            table: "Jobs");

        migrationBuilder.DropColumn(
            name: "SubjectKind",
            table: "Jobs");
    }
}
