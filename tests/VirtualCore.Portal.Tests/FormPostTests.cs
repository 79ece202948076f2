using System.Net;

namespace VirtualCore.Portal.Tests;

/// <summary>Forms need the portal's anti-forgery token: a cross-site form post does nothing.</summary>
public sealed class FormPostTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new();

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _portal.DisposeAsync();

    [Fact]
    public async Task A_form_post_without_the_anti_forgery_token_is_refused_and_creates_nothing()
    {
        var client = _portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var login = await client.GetStringAsync("/login");
        var token = System.Text.RegularExpressions.Regex.Match(login, "name=\"__csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        var signedIn = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__csrf"] = token,
            ["userName"] = "demo",
            ["password"] = "demo-pass-1",
            ["returnUrl"] = "/vms",
        }));
        Assert.Equal(HttpStatusCode.Redirect, signedIn.StatusCode);

        var forged = await client.PostAsync("/vms", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["name"] = "forged",
            ["vcpus"] = "1",
            ["memoryGiB"] = "1",
            ["diskGiB"] = "20",
        }));

        Assert.Equal(HttpStatusCode.BadRequest, forged.StatusCode);
        Assert.Empty(await _portal.Demo().GetAsync<VirtualCore.Modules.Compute.Contracts.VmView[]>("/api/v1/vms"));
    }

    [Theory]
    [InlineData("//evil.example/x")]
    [InlineData("https://evil.example/")]
    [InlineData("/\\evil.example")]
    public async Task The_login_never_redirects_to_another_site(string returnUrl)
    {
        var client = _portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var login = await client.GetStringAsync("/login");
        var token = System.Text.RegularExpressions.Regex.Match(login, "name=\"__csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        var response = await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__csrf"] = token,
            ["userName"] = "demo",
            ["password"] = "demo-pass-1",
            ["returnUrl"] = returnUrl,
        }));
        Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
        Assert.Equal("/vms", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task A_browser_asking_for_another_customers_vm_gets_a_themed_not_found_page()
    {
        var created = await _portal.Demo().CreateVmAsync("private-1");
        var client = _portal.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        var login = await client.GetStringAsync("/login");
        var token = System.Text.RegularExpressions.Regex.Match(login, "name=\"__csrf\" value=\"([^\"]+)\"").Groups[1].Value;
        await client.PostAsync("/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__csrf"] = token,
            ["userName"] = "other",
            ["password"] = "other-pass-1",
        }));

        var request = new HttpRequestMessage(HttpMethod.Get, $"/vms/{created.VmId}");
        request.Headers.Accept.ParseAdd("text/html");
        var response = await client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("<h1>Not found</h1>", html);
        Assert.DoesNotContain("private-1", html);
    }
}
