using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VirtualCore.Framework.Localisation;
using VirtualCore.Framework.Mediation;
using VirtualCore.Framework.Modules;
using VirtualCore.Framework.Security;
using VirtualCore.Framework.Tenancy;
using VirtualCore.Framework.Views;
using VirtualCore.Framework.Web;
using VirtualCore.Modules.Identity.Contracts;
using VirtualCore.Modules.Identity.Domain;
using VirtualCore.Modules.Identity.Features.Audit;
using VirtualCore.Modules.Identity.Features.Login;
using VirtualCore.Modules.Identity.Features.Otp;
using VirtualCore.Modules.Identity.Features.Setup;
using VirtualCore.Modules.Identity.Features.Tokens;
using VirtualCore.Modules.Identity.Features.Users;
using VirtualCore.Modules.Identity.Otp;
using VirtualCore.Modules.Identity.Web;
using VirtualCore.Modules.Identity.Web.Pages;

namespace VirtualCore.Modules.Identity;

/// <summary>Accounts, sign-in with password and one-time password, API tokens, grants, and the security audit log.</summary>
public sealed class IdentityModule : IModule
{
    public ModuleManifest Manifest { get; } = new(
        "Identity",
        "Identity and access",
        new Version(1, 0),
        ["Tenancy"],
        [
            "Identity/Login.sbn-html", "Identity/LoginCode.sbn-html", "Identity/Enrol.sbn-html", "Identity/RecoveryCodes.sbn-html",
            "Identity/Profile.sbn-html", "Identity/Users.sbn-html", "Identity/User.sbn-html", "Identity/Audit.sbn-html", "Identity/Confirm.sbn-html",
            "Identity/Setup.sbn-html",
        ]);

    public void ConfigureServices(IServiceCollection services, IConfiguration configuration)
    {
        services.AddPageModel<SetupPage>("Identity/Setup.sbn-html");
        services.AddPageModel<LoginPage>("Identity/Login.sbn-html");
        services.AddPageModel<CodePage>("Identity/LoginCode.sbn-html");
        services.AddPageModel<RecoveryPage>("Identity/RecoveryCodes.sbn-html");
        services.AddPageModel<EnrolPage>("Identity/Enrol.sbn-html");
        services.AddPageModel<ProfilePageModel>("Identity/Profile.sbn-html");
        services.AddPageModel<AuditPageModel>("Identity/Audit.sbn-html");
        services.AddPageModel<UserPageModel>("Identity/User.sbn-html");
        services.AddPageModel<UsersPageModel>("Identity/Users.sbn-html");
        services.AddPageModel<ConfirmPageModel>("Identity/Confirm.sbn-html");
        services.Configure<Features.Login.LockoutOptions>(configuration.GetSection("Lockout"));
        services.Configure<SessionPolicy>(configuration.GetSection("Sessions"));
        services.AddSingleton<SignInGuard>();
        services.AddSingleton<SessionValidator>();
        services.AddSingleton<ISessionValidator>(sp => sp.GetRequiredService<SessionValidator>());
        services.AddSingleton<IUserLanguages>(sp => sp.GetRequiredService<SessionValidator>());
        services.AddSingleton<BasicCredentialCache>();
        services.AddScoped<UserSessions>();
        services.AddScoped<IFreshProof, FreshProof>();

        // The sign-in forms and the API's sign-in, per client address, before any password is looked at.
        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            o.AddPolicy(SignInRateLimit.Policy, http => RateLimitPartition.GetFixedWindowLimiter(
                http.Connection.RemoteIpAddress?.ToString() ?? "unknown",
                _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = http.RequestServices.GetRequiredService<IOptions<Features.Login.LockoutOptions>>().Value.AttemptsPerAddressPerMinute,
                    Window = TimeSpan.FromMinutes(1),
                    QueueLimit = 0,
                }));
            o.OnRejected = async (context, cancellationToken) =>
            {
                context.HttpContext.Response.Headers.RetryAfter = "60";
                await Results.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many attempts.", detail: LoginOutcome.ThrottledMessage)
                    .ExecuteAsync(context.HttpContext);
            };
        });

        services.AddIdentityAuthentication();
        services.AddSingleton<IPasswordHasher<UserAccount>, PasswordHasher<UserAccount>>();
        services.AddSingleton(sp => new TotpService(sp.GetRequiredService<TimeProvider>(), new TotpOptions()));
        services.AddScoped<IPermissionChecker, RolePermissionChecker>();
        services.AddScoped<IResourceAccess, GrantResourceAccess>();
        services.AddScoped<ISecurityAudit, SecurityAudit>();
        services.AddScoped<ISeedData, IdentityDemoData>();
        services.AddScoped<IDemoDataProbe, DemoLoginProbe>();
        services.AddSingleton<SetupToken>();
        services.AddHostedService<SetupTokenAnnouncer>();
        services.AddScoped<IValidator<Login.Command>, Login.Validator>();
        services.AddScoped<IValidator<CreateUser>, CreateUserValidator>();
        services.AddScoped<IValidator<CreateApiToken>, CreateApiTokenValidator>();
        services.AddScoped<IValidator<SetMyLanguage>, SetMyLanguageValidator>();
        services.AddScoped<IValidator<ListAuditEntries>, ListAuditEntriesValidator>();

        // Signing in happens before anyone is signed in; the endpoints pass only the pending user's own id.
        services.AddAnonymousRequests(typeof(Login.Command), typeof(Login.SecondFactor), typeof(BeginOtpEnrolment), typeof(ConfirmOtpEnrolment));

        // The first operator: the setup token is the credential; the endpoint passes the provider of the host name.
        services.AddAnonymousRequests(typeof(CreateFirstOperator));
        services.AddRequestPermission(Permissions.Profile, typeof(ChangePassword), typeof(GetMyAccount), typeof(ListApiTokens), typeof(CreateApiToken), typeof(RevokeApiToken),
            typeof(BeginMyOtpEnrolment), typeof(ConfirmMyOtpEnrolment), typeof(ConfirmIdentity), typeof(SetMyLanguage));
        services.AddScoped<ProofVerifier>();
        services.AddRequestPermission(Permissions.UserManage, typeof(ResetOtpEnrolment), typeof(ListUsers), typeof(GetUser), typeof(CreateUser), typeof(SetUserDisabled), typeof(ListGrants), typeof(GrantAccess), typeof(RevokeGrant));
        services.AddRequestPermission(Permissions.AuditRead, typeof(ListAuditEntries));
        services.AddRequestPermission(Permissions.VmRead, typeof(ListVmViewers));

        services.AddSingleton(new NavigationItem("Users", "/admin/users", 50, Permissions.UserManage));
        services.AddSingleton(new NavigationItem("Audit log", "/admin/audit", 70, Permissions.AuditRead));
        services.AddSingleton(new NavigationItem("Profile", "/profile", 90, Permissions.Profile));
    }

    public void ConfigureModel(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<UserAccount>(e =>
        {
            e.ToTable("Users");
            e.Property(x => x.UserName).HasMaxLength(64);
            e.Property(x => x.DisplayName).HasMaxLength(100);
            e.Property(x => x.PasswordHash).HasMaxLength(200);
            e.Property(x => x.OtpSecret).HasMaxLength(500);
            e.Property(x => x.PendingOtpSecret).HasMaxLength(500);
            e.Property(x => x.Role).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.SecurityStamp).HasMaxLength(32);
            e.Property(x => x.Language).HasMaxLength(8);
            e.Ignore(x => x.RoleName);
            e.HasIndex(x => new { x.ResellerId, x.UserName }).IsUnique();
            e.HasMany(x => x.RecoveryCodes).WithOne().HasForeignKey(c => c.UserId).OnDelete(DeleteBehavior.Cascade);
        });
        modelBuilder.Entity<UserSession>(e =>
        {
            e.ToTable("UserSessions");
            e.Property(x => x.IpAddress).HasMaxLength(45);
            e.HasIndex(x => x.UserId);
        });
        modelBuilder.Entity<SignInThrottle>(e =>
        {
            e.ToTable("SignInThrottles");
            e.HasKey(x => new { x.UserId, x.IpAddress });
            e.Property(x => x.IpAddress).HasMaxLength(45);
        });
        modelBuilder.Entity<RecoveryCode>(e =>
        {
            e.ToTable("RecoveryCodes");
            e.Property(x => x.Hash).HasMaxLength(200);
        });
        modelBuilder.Entity<AccessGrant>(e =>
        {
            e.ToTable("AccessGrants");
            e.Property(x => x.Level).HasConversion<string>().HasMaxLength(20);
            e.Property(x => x.GrantedBy).HasMaxLength(64);
            e.HasIndex(x => new { x.UserId, x.VmId }).IsUnique();
        });
        modelBuilder.Entity<ApiToken>(e =>
        {
            e.ToTable("ApiTokens");
            e.Property(x => x.Name).HasMaxLength(60);
            e.Property(x => x.Prefix).HasMaxLength(20);
            e.Property(x => x.Hash).HasMaxLength(64);
            e.Property(x => x.Scopes).HasMaxLength(40);
            e.HasIndex(x => x.Hash).IsUnique();
            e.HasIndex(x => x.UserId);
        });
        modelBuilder.Entity<AuditEntry>(e =>
        {
            e.ToTable("AuditLog");
            e.Property(x => x.Actor).HasMaxLength(64);
            e.Property(x => x.Action).HasMaxLength(64);
            e.Property(x => x.Target).HasMaxLength(100);
            e.Property(x => x.Detail).HasMaxLength(500);
            e.Property(x => x.IpAddress).HasMaxLength(45);
            e.HasIndex(x => x.At);
        });
    }

    public void MapEndpoints(IEndpointRouteBuilder endpoints)
    {
        LoginEndpoints.Map(endpoints);
        SetupEndpoints.Map(endpoints);
        IdentityApi.Map(endpoints);
        IdentityPages.Map(endpoints);
    }
}

/// <summary>The rate limit on the sign-in endpoints, per client address (<see cref="Features.Login.LockoutOptions.AttemptsPerAddressPerMinute"/>).</summary>
internal static class SignInRateLimit
{
    public const string Policy = "sign-in";
}
