using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Web;

namespace VirtualCore.Modules.Identity;

/// <summary>Accounts, password login, roles and the permissions they carry.</summary>
public sealed class IdentityModule : IModule
{
    public ModuleManifest Manifest { get; } = new(
        "Identity",
        "Identity and access",
        new Version(1, 0),
        [],
        ["Identity/Login.sbn-html"]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton<IPasswordHasher<UserAccount>, PasswordHasher<UserAccount>>();
        services.AddScoped<IPermissionChecker, RolePermissionChecker>();
        services.AddScoped<IThemeSelector, ResellerThemeSelector>();
        services.AddScoped<IValidator<Login.Command>, Login.Validator>();
        services.AddScoped<ISeedData, IdentityDemoData>();
        services.AddSingleton(RequestPermission.Anonymous(typeof(Login.Command)));
    }

    public void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<Reseller>(e =>
        {
            e.ToTable("Resellers");
            e.Property(x => x.Name).HasMaxLength(100);
            e.Property(x => x.BrandName).HasMaxLength(60);
            e.Property(x => x.ThemeName).HasMaxLength(60);
        });
        modelBuilder.Entity<Customer>(e =>
        {
            e.ToTable("Customers");
            e.Property(x => x.Name).HasMaxLength(100);
            e.HasIndex(x => x.ResellerId);
        });
        modelBuilder.Entity<UserAccount>(e =>
        {
            e.ToTable("Users");
            e.Property(x => x.UserName).HasMaxLength(64);
            e.Property(x => x.DisplayName).HasMaxLength(100);
            e.Property(x => x.PasswordHash).HasMaxLength(200);
            e.Property(x => x.Role).HasConversion<string>().HasMaxLength(20);
            e.HasIndex(x => new { x.ResellerId, x.UserName }).IsUnique();
        });
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints) => LoginEndpoints.Map(endpoints);
}
