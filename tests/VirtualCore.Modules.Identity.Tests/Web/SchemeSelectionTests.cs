using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Http;
using VirtualCore.Modules.Identity.Web;

namespace VirtualCore.Modules.Identity.Tests.Web;

public sealed class SchemeSelectionTests
{
    [Theory]
    [InlineData("/api/v1/vms", "Bearer vct_x", "Bearer")]
    [InlineData("/hubs/live", "Bearer vct_x", "Bearer")]
    [InlineData("/profile", "Bearer vct_x", CookieAuthenticationDefaults.AuthenticationScheme)]
    [InlineData("/api/v1/vms", "Basic ZGVtbzpkZW1v", "Basic")]
    [InlineData("/hubs/live", "Basic ZGVtbzpkZW1v", CookieAuthenticationDefaults.AuthenticationScheme)]
    [InlineData("/admin/users", "Basic ZGVtbzpkZW1v", CookieAuthenticationDefaults.AuthenticationScheme)]
    [InlineData("/api/v1/vms", "", CookieAuthenticationDefaults.AuthenticationScheme)]
    [InlineData("/apiary", "Bearer vct_x", CookieAuthenticationDefaults.AuthenticationScheme)]
    public void Tokens_serve_the_api_and_the_live_feed_basic_the_api_and_pages_only_the_cookie(string path, string authorization, string scheme)
    {
        var http = new DefaultHttpContext();
        http.Request.Path = path;
        http.Request.Headers.Authorization = authorization;
        Assert.Equal(scheme, IdentityAuthentication.SchemeFor(http));
    }
}
