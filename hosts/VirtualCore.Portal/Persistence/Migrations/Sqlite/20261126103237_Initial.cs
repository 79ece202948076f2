using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace VirtualCore.Portal.Persistence.Migrations.Sqlite;

/// <inheritdoc />
public partial class Initial : Migration
{
    /// <inheritdoc />
    protected override void Up(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.CreateTable(
            name: "AccessGrants",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                VmId = table.Column<Guid>(type: "TEXT", nullable: false),
                Level = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                GrantedBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                GrantedAt = table.Column<long>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AccessGrants", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "ApiTokens",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                Prefix = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Hash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                Scopes = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                ExpiresAt = table.Column<long>(type: "INTEGER", nullable: false),
                RevokedAt = table.Column<long>(type: "INTEGER", nullable: true),
                LastUsedAt = table.Column<long>(type: "INTEGER", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ApiTokens", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "AuditLog",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                At = table.Column<long>(type: "INTEGER", nullable: false),
                Actor = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                Action = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                Target = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                Detail = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                IpAddress = table.Column<string>(type: "TEXT", maxLength: 45, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_AuditLog", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "Customers",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                OtpRequired = table.Column<bool>(type: "INTEGER", nullable: false),
                CoreLimit = table.Column<int>(type: "INTEGER", nullable: true),
                MemoryLimitGiB = table.Column<int>(type: "INTEGER", nullable: true),
                DiskLimitGiB = table.Column<int>(type: "INTEGER", nullable: true),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Customers", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "HardwareEdits",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                VmId = table.Column<Guid>(type: "TEXT", nullable: false),
                VCpus = table.Column<int>(type: "INTEGER", nullable: true),
                CoresAfter = table.Column<string>(type: "TEXT", maxLength: 400, nullable: true),
                CoresAdded = table.Column<string>(type: "TEXT", maxLength: 400, nullable: false),
                MemoryGiB = table.Column<int>(type: "INTEGER", nullable: true),
                DiskGiB = table.Column<int>(type: "INTEGER", nullable: true),
                ChangesIso = table.Column<bool>(type: "INTEGER", nullable: false),
                IsoName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                BootOrder = table.Column<string>(type: "TEXT", maxLength: 40, nullable: true),
                DiskBus = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                NicModel = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_HardwareEdits", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "IsoImages",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                Title = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                Path = table.Column<string>(type: "TEXT", maxLength: 500, nullable: false),
                SizeBytes = table.Column<long>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_IsoImages", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "Jobs",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                TargetType = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                TargetId = table.Column<Guid>(type: "TEXT", nullable: false),
                TargetName = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                Action = table.Column<string>(type: "TEXT", maxLength: 30, nullable: false),
                UserName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                NodeName = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Progress = table.Column<int>(type: "INTEGER", nullable: false),
                Info = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                QueuedAt = table.Column<long>(type: "INTEGER", nullable: false),
                StartedAt = table.Column<long>(type: "INTEGER", nullable: true),
                EndedAt = table.Column<long>(type: "INTEGER", nullable: true),
                CommandName = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                CommandJson = table.Column<string>(type: "TEXT", nullable: false),
                DispatchedAt = table.Column<long>(type: "INTEGER", nullable: true),
                DispatchAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                SubjectId = table.Column<Guid>(type: "TEXT", nullable: true),
                DowntimeMs = table.Column<long>(type: "INTEGER", nullable: true),
                LastSignalAt = table.Column<long>(type: "INTEGER", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Jobs", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "RackServers",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                Role = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Sockets = table.Column<int>(type: "INTEGER", nullable: false),
                CoresPerSocket = table.Column<int>(type: "INTEGER", nullable: false),
                ThreadsPerCore = table.Column<int>(type: "INTEGER", nullable: false),
                MemoryBytes = table.Column<long>(type: "INTEGER", nullable: false),
                ReservedHostCores = table.Column<int>(type: "INTEGER", nullable: false),
                ReservedMemoryBytes = table.Column<long>(type: "INTEGER", nullable: false),
                CpuModel = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                AgentVersion = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                LastHeartbeatAt = table.Column<long>(type: "INTEGER", nullable: true),
                Capabilities = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                MigrationUri = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                SharedStorage = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RackServers", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "RecoveryPoints",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                VmId = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                Note = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RecoveryPoints", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "Resellers",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                BrandName = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                ThemeName = table.Column<string>(type: "TEXT", maxLength: 60, nullable: false),
                IsProvider = table.Column<bool>(type: "INTEGER", nullable: false),
                OtpRequired = table.Column<bool>(type: "INTEGER", nullable: false),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Resellers", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "Users",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                UserName = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                DisplayName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                PasswordHash = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                Role = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                Disabled = table.Column<bool>(type: "INTEGER", nullable: false),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                LastLoginAt = table.Column<long>(type: "INTEGER", nullable: true),
                FailedAttempts = table.Column<int>(type: "INTEGER", nullable: false),
                LockedUntil = table.Column<long>(type: "INTEGER", nullable: true),
                OtpSecret = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                PendingOtpSecret = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                OtpLastStep = table.Column<long>(type: "INTEGER", nullable: true),
                OtpEnrolledAt = table.Column<long>(type: "INTEGER", nullable: true),
                OtpEnrolmentRequired = table.Column<bool>(type: "INTEGER", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_Users", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "VirtualMachines",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false),
                CustomerId = table.Column<Guid>(type: "TEXT", nullable: false),
                Name = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                VCpus = table.Column<int>(type: "INTEGER", nullable: false),
                MemoryGiB = table.Column<int>(type: "INTEGER", nullable: false),
                DiskGiB = table.Column<int>(type: "INTEGER", nullable: false),
                IsoName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                NodeName = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                MacAddress = table.Column<string>(type: "TEXT", maxLength: 17, nullable: false),
                Addresses = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false),
                State = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                BootOrder = table.Column<string>(type: "TEXT", maxLength: 40, nullable: false),
                DiskBus = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                NicModel = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                NextBootChanges = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                StateChangedAt = table.Column<long>(type: "INTEGER", nullable: false),
                CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                CreatedBy = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                RequestId = table.Column<Guid>(type: "TEXT", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_VirtualMachines", x => x.Id);
            });

        migrationBuilder.CreateTable(
            name: "ResellerHostNames",
            columns: table => new
            {
                HostName = table.Column<string>(type: "TEXT", maxLength: 253, nullable: false),
                ResellerId = table.Column<Guid>(type: "TEXT", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_ResellerHostNames", x => x.HostName);
                table.ForeignKey(
                    name: "FK_ResellerHostNames_Resellers_ResellerId",
                    column: x => x.ResellerId,
                    principalTable: "Resellers",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "RecoveryCodes",
            columns: table => new
            {
                Id = table.Column<Guid>(type: "TEXT", nullable: false),
                UserId = table.Column<Guid>(type: "TEXT", nullable: false),
                Hash = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                UsedAt = table.Column<long>(type: "INTEGER", nullable: true)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_RecoveryCodes", x => x.Id);
                table.ForeignKey(
                    name: "FK_RecoveryCodes_Users_UserId",
                    column: x => x.UserId,
                    principalTable: "Users",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateTable(
            name: "CoreAllocations",
            columns: table => new
            {
                NodeName = table.Column<string>(type: "TEXT", maxLength: 63, nullable: false),
                Core = table.Column<int>(type: "INTEGER", nullable: false),
                VmId = table.Column<Guid>(type: "TEXT", nullable: false)
            },
            constraints: table =>
            {
                table.PrimaryKey("PK_CoreAllocations", x => new { x.NodeName, x.Core });
                table.ForeignKey(
                    name: "FK_CoreAllocations_VirtualMachines_VmId",
                    column: x => x.VmId,
                    principalTable: "VirtualMachines",
                    principalColumn: "Id",
                    onDelete: ReferentialAction.Cascade);
            });

        migrationBuilder.CreateIndex(
            name: "IX_AccessGrants_ResellerId_CustomerId",
            table: "AccessGrants",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_AccessGrants_UserId_VmId",
            table: "AccessGrants",
            columns: new[] { "UserId", "VmId" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_ApiTokens_Hash",
            table: "ApiTokens",
            column: "Hash",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_ApiTokens_ResellerId_CustomerId",
            table: "ApiTokens",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_ApiTokens_UserId",
            table: "ApiTokens",
            column: "UserId");

        migrationBuilder.CreateIndex(
            name: "IX_AuditLog_At",
            table: "AuditLog",
            column: "At");

        migrationBuilder.CreateIndex(
            name: "IX_AuditLog_ResellerId_CustomerId",
            table: "AuditLog",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_CoreAllocations_VmId",
            table: "CoreAllocations",
            column: "VmId");

        migrationBuilder.CreateIndex(
            name: "IX_Customers_ResellerId",
            table: "Customers",
            column: "ResellerId");

        migrationBuilder.CreateIndex(
            name: "IX_HardwareEdits_ResellerId_CustomerId",
            table: "HardwareEdits",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_HardwareEdits_VmId",
            table: "HardwareEdits",
            column: "VmId");

        migrationBuilder.CreateIndex(
            name: "IX_IsoImages_Name",
            table: "IsoImages",
            column: "Name",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_Jobs_QueuedAt",
            table: "Jobs",
            column: "QueuedAt");

        migrationBuilder.CreateIndex(
            name: "IX_Jobs_ResellerId_CustomerId",
            table: "Jobs",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_Jobs_Status_DispatchedAt",
            table: "Jobs",
            columns: new[] { "Status", "DispatchedAt" });

        migrationBuilder.CreateIndex(
            name: "IX_Jobs_TargetId",
            table: "Jobs",
            column: "TargetId");

        migrationBuilder.CreateIndex(
            name: "IX_RackServers_Name",
            table: "RackServers",
            column: "Name",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_RecoveryCodes_UserId",
            table: "RecoveryCodes",
            column: "UserId");

        migrationBuilder.CreateIndex(
            name: "IX_RecoveryPoints_ResellerId_CustomerId",
            table: "RecoveryPoints",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_RecoveryPoints_VmId",
            table: "RecoveryPoints",
            column: "VmId");

        migrationBuilder.CreateIndex(
            name: "IX_ResellerHostNames_ResellerId",
            table: "ResellerHostNames",
            column: "ResellerId");

        migrationBuilder.CreateIndex(
            name: "IX_Users_ResellerId_CustomerId",
            table: "Users",
            columns: new[] { "ResellerId", "CustomerId" });

        migrationBuilder.CreateIndex(
            name: "IX_Users_ResellerId_UserName",
            table: "Users",
            columns: new[] { "ResellerId", "UserName" },
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_VirtualMachines_CustomerId_Name",
            table: "VirtualMachines",
            columns: new[] { "CustomerId", "Name" });

        migrationBuilder.CreateIndex(
            name: "IX_VirtualMachines_RequestId",
            table: "VirtualMachines",
            column: "RequestId",
            unique: true);

        migrationBuilder.CreateIndex(
            name: "IX_VirtualMachines_ResellerId_CustomerId",
            table: "VirtualMachines",
            columns: new[] { "ResellerId", "CustomerId" });
    }

    /// <inheritdoc />
    protected override void Down(MigrationBuilder migrationBuilder)
    {
        migrationBuilder.DropTable(
            name: "AccessGrants");

        migrationBuilder.DropTable(
            name: "ApiTokens");

        migrationBuilder.DropTable(
            name: "AuditLog");

        migrationBuilder.DropTable(
            name: "CoreAllocations");

        migrationBuilder.DropTable(
            name: "Customers");

        migrationBuilder.DropTable(
            name: "HardwareEdits");

        migrationBuilder.DropTable(
            name: "IsoImages");

        migrationBuilder.DropTable(
            name: "Jobs");

        migrationBuilder.DropTable(
            name: "RackServers");

        migrationBuilder.DropTable(
            name: "RecoveryCodes");

        migrationBuilder.DropTable(
            name: "RecoveryPoints");

        migrationBuilder.DropTable(
            name: "ResellerHostNames");

        migrationBuilder.DropTable(
            name: "VirtualMachines");

        migrationBuilder.DropTable(
            name: "Users");

        migrationBuilder.DropTable(
            name: "Resellers");
    }
}
