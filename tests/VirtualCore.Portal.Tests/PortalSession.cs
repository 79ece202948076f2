using System.Net;
using System.Text.RegularExpressions;

namespace VirtualCore.Portal.Tests;

/// <summary>Signs in and posts forms the way a browser does: cookies, the anti-forgery field, redirects read by hand.</summary>
public sealed partial class PortalSession(HttpClient client) : IDisposable
{
    public HttpClient Client { get; } = client;

    public async Task<string> CsrfTokenAsync(string page = "/login")
    {
        var html = await Client.GetStringAsync(page);
        var match = CsrfField().Match(html);
        Assert.True(match.Success, $"no anti-forgery field on {page}");
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    public async Task<HttpResponseMessage> PostFormAsync(string path, IDictionary<string, string> fields, string tokenPage = "/login")
    {
        var form = new Dictionary<string, string>(fields) { ["__csrf"] = await CsrfTokenAsync(tokenPage) };
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Accept.ParseAdd("text/html");
        return await Client.SendAsync(request);
    }

    /// <summary>Password step; answers with where the portal sends the browser next ("/vms", "/login/code", "/login/enrol") or null when refused.</summary>
    public async Task<string?> SignInAsync(string userName, string password)
    {
        var response = await PostFormAsync("/login", new Dictionary<string, string> { ["userName"] = userName, ["password"] = password });
        return response.StatusCode == HttpStatusCode.Redirect ? response.Headers.Location?.OriginalString : null;
    }

    public async Task<HttpResponseMessage> SendCodeAsync(string code) =>
        await PostFormAsync("/login/code", new Dictionary<string, string> { ["code"] = code }, "/login/code");

    public async Task<string?> WhoAmIAsync()
    {
        var response = await Client.GetAsync("/api/v1/session");
        return response.IsSuccessStatusCode ? (await response.ProblemAsync()).GetProperty("userName").GetString() : null;
    }

    public void Dispose() => Client.Dispose();

    [GeneratedRegex("name=\"__csrf\" value=\"([^\"]+)\"")]
    private static partial Regex CsrfField();
}

/// <summary>Debian's oathtool: an implementation of RFC 6238 that is not ours, as an authenticator app would be.</summary>
public static class OathTool
{
    public static string Totp(string secretBase32, DateTimeOffset at)
    {
        EnsureInstalled();
        var start = new System.Diagnostics.ProcessStartInfo("oathtool")
        {
            ArgumentList = { "--totp", "-s", "60", "-d", "6", "-b", "--now", at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", System.Globalization.CultureInfo.InvariantCulture) + " UTC", secretBase32 },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, process.StandardError.ReadToEnd());
        return output;
    }

    private static void EnsureInstalled()
    {
        if (File.Exists("/usr/bin/oathtool"))
        {
            return;
        }

        using var install = System.Diagnostics.Process.Start("apt-get", "install -y -qq oathtool")!;
        install.WaitForExit();
        Assert.True(File.Exists("/usr/bin/oathtool"), "oathtool is needed: apt-get install oathtool");
    }
}
