using System.Diagnostics;
using System.Text.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Portal.Tests.Cli;

/// <summary>
/// The real <c>vcore</c> tool, run as its own process against a portal on a real port: signing in stores a token in a
/// file only its owner can read; a vServer's life runs through it with <c>--wait</c>; every refusal has the exit code
/// scripts rely on and the portal's reason on stderr; JSON for scripts, a table for people.
/// </summary>
public sealed class VcoreCommandLineTests : IAsyncLifetime
{
    private readonly PortalFixture _portal = new(realServer: true);
    private readonly string _home = Directory.CreateTempSubdirectory("vcore-cli-").FullName;
    private string _url = "";

    public Task InitializeAsync()
    {
        _portal.StartServer();
        _url = _portal.ClientOptions.BaseAddress.ToString().TrimEnd('/');
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _portal.DisposeAsync();
        Directory.Delete(_home, recursive: true);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task A_user_signs_in_and_runs_a_vservers_life_with_wait_json_for_scripts_and_a_table_for_people()
    {
        var config = Path.Combine(_home, "demo", "config.json");
        var login = await VcoreAsync(config, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin");
        Assert.Equal(0, login.Exit);
        Assert.Contains("as demo", login.Out, StringComparison.Ordinal);
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(Path.GetDirectoryName(config)!));
        var stored = JsonDocument.Parse(await File.ReadAllTextAsync(config)).RootElement;
        Assert.StartsWith("vct_", stored.GetProperty("token").GetString(), StringComparison.Ordinal);

        var created = await VcoreAsync(config, null, "vm", "create", "--name", "cli-web", "--vcpus", "2", "--memory", "2", "--disk", "20", "--wait", "-o", "json");
        Assert.True(created.Exit == 0, created.Err);
        Assert.Equal(("create", "completed"), Job(created.Out));

        var started = await VcoreAsync(config, null, "vm", "start", "cli-web", "--wait", "-o", "json");
        Assert.True(started.Exit == 0, started.Err);
        var shown = JsonDocument.Parse((await VcoreAsync(config, null, "vm", "show", "cli-web", "-o", "json")).Out).RootElement;
        Assert.Equal((VmStates.Running, 2, 2), (shown.GetProperty("state").GetString(), shown.GetProperty("vCpus").GetInt32(), shown.GetProperty("memoryGiB").GetInt32()));

        // People get a table with a header line and one row per vServer; the same list as JSON holds the API's objects.
        var table = await VcoreAsync(config, null, "vm", "list");
        var lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^\s*NAME\s+STATE\s+VCPUS", lines[0]);
        Assert.Contains(lines, l => l.Contains("cli-web", StringComparison.Ordinal) && l.Contains("running", StringComparison.Ordinal));
        var listed = JsonDocument.Parse((await VcoreAsync(config, null, "vm", "list", "--search", "cli-", "-o", "json")).Out).RootElement;
        Assert.Equal(["cli-web"], listed.EnumerateArray().Select(v => v.GetProperty("name").GetString()));

        // Recovery points: taken with a note and listed; going back needs --yes; deleted.
        Assert.Equal(0, (await VcoreAsync(config, null, "recovery-point", "take", "cli-web", "--note", "before the update", "--wait")).Exit);
        var points = JsonDocument.Parse((await VcoreAsync(config, null, "rp", "list", "cli-web", "-o", "json")).Out).RootElement;
        var point = Assert.Single(points.EnumerateArray());
        Assert.Equal("before the update", point.GetProperty("note").GetString());
        var pointId = point.GetProperty("id").GetString()!;
        Assert.Equal(2, (await VcoreAsync(config, null, "rp", "revert", "cli-web", pointId)).Exit);
        Assert.Equal(0, (await VcoreAsync(config, null, "rp", "delete", "cli-web", pointId, "--wait")).Exit);
        Assert.Empty(JsonDocument.Parse((await VcoreAsync(config, null, "rp", "list", "cli-web", "-o", "json")).Out).RootElement.EnumerateArray());

        // The images to boot from, and the invoices (none yet for a new month's customer is still a list).
        var images = JsonDocument.Parse((await VcoreAsync(config, null, "iso", "list", "-o", "json")).Out).RootElement;
        Assert.Contains(images.EnumerateArray(), i => i.GetProperty("name").GetString() == "debian-12.8.0-amd64-netinst");
        var invoices = await VcoreAsync(config, null, "invoice", "list", "-o", "json");
        Assert.True(invoices.Exit == 0, invoices.Err);
        Assert.Equal(JsonValueKind.Array, JsonDocument.Parse(invoices.Out).RootElement.ValueKind);

        // An action the vServer's state does not allow is refused by the portal, with its reason.
        var refused = await VcoreAsync(config, null, "vm", "start", "cli-web");
        Assert.Equal(6, refused.Exit);
        Assert.StartsWith("vcore: ", refused.Err, StringComparison.Ordinal);

        // Deleting needs --yes: there is no undo.
        Assert.Equal(2, (await VcoreAsync(config, null, "vm", "delete", "cli-web")).Exit);

        Assert.Equal(0, (await VcoreAsync(config, null, "vm", "power-off", "cli-web", "--wait")).Exit);
        var deleted = await VcoreAsync(config, null, "vm", "delete", "cli-web", "--yes", "--wait", "-o", "json");
        Assert.True(deleted.Exit == 0, deleted.Err);
        Assert.Equal(("delete", "completed"), Job(deleted.Out));
        var gone = await VcoreAsync(config, null, "vm", "show", "cli-web");
        Assert.Equal((5, "vcore: No vServer named 'cli-web' that you may see."), (gone.Exit, gone.Err.Trim()));

        var jobs = JsonDocument.Parse((await VcoreAsync(config, null, "job", "list", "--limit", "4", "-o", "json")).Out).RootElement;
        Assert.Equal(["delete", "power-off", "recovery-point-delete", "recovery-point"], jobs.EnumerateArray().Select(j => j.GetProperty("action").GetString()));
        Assert.Equal(0, (await VcoreAsync(config, null, "logout")).Exit);
        Assert.False(File.Exists(config));
    }

    [Fact]
    public async Task Hardware_is_edited_a_move_reaches_the_portals_checks_and_usage_is_read_as_a_table_json_or_yaml()
    {
        var config = Path.Combine(_home, "edit", "config.json");
        Assert.Equal(0, (await VcoreAsync(config, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin")).Exit);
        Assert.Equal(0, (await VcoreAsync(config, null, "vm", "create", "--name", "cli-edit", "--wait")).Exit);

        // Only what is given changes; nothing given is a usage error, an impossible value the portal's refusal.
        var edited = await VcoreAsync(config, null, "vm", "edit", "cli-edit", "--vcpus", "2", "--memory", "2", "--wait", "-o", "json");
        Assert.True(edited.Exit == 0, edited.Err);
        Assert.Equal(("hardware", "completed"), Job(edited.Out));
        var shown = JsonDocument.Parse((await VcoreAsync(config, null, "vm", "show", "cli-edit", "-o", "json")).Out).RootElement;
        Assert.Equal((2, 2, 10), (shown.GetProperty("vCpus").GetInt32(), shown.GetProperty("memoryGiB").GetInt32(), shown.GetProperty("diskGiB").GetInt32()));
        Assert.Equal(2, (await VcoreAsync(config, null, "vm", "edit", "cli-edit")).Exit);
        var tooMany = await VcoreAsync(config, null, "vm", "edit", "cli-edit", "--vcpus", "500");
        Assert.Equal(6, tooMany.Exit);
        Assert.Contains("vCpus", tooMany.Err, StringComparison.OrdinalIgnoreCase);

        // The same vServer as YAML says what the JSON says.
        var yaml = await VcoreAsync(config, null, "vm", "show", "cli-edit", "-o", "yaml");
        Assert.True(yaml.Exit == 0, yaml.Err);
        Assert.Contains("name: \"cli-edit\"\n", yaml.Out, StringComparison.Ordinal);
        Assert.Contains("vCpus: 2\n", yaml.Out, StringComparison.Ordinal);
        Assert.Equal(2, (await VcoreAsync(config, null, "vm", "list", "-o", "xml")).Exit);

        // Moving: the request reaches the portal's checks with the rack server named (libvirt's test driver cannot move
        // a VM, so the portal refuses with that reason; the move itself is proven on real QEMU in Portal.QemuTests).
        Assert.Equal(0, (await VcoreAsync(config, null, "vm", "start", "cli-edit", "--wait")).Exit);
        var target = shown.GetProperty("nodeName").GetString() == "rack-2" ? "rack-3" : "rack-2";
        var nowhere = await VcoreAsync(config, null, "vm", "migrate", "cli-edit", "--to", "rack-99");
        Assert.Equal(6, nowhere.Exit);
        Assert.Contains("targetNode: There is no rack server 'rack-99'", nowhere.Err, StringComparison.Ordinal);
        var refused = await VcoreAsync(config, null, "vm", "migrate", shown.GetProperty("id").GetString()!, "--to", target, "--wait");
        Assert.Equal(6, refused.Exit);
        Assert.Contains($"targetNode: {target} cannot take VMs live", refused.Err, StringComparison.Ordinal);

        // Usage: a row per series for people; the API's columns for scripts.
        var table = await VcoreAsync(config, null, "metrics", "--vm", "cli-edit", "--series", "cpu,memory");
        Assert.True(table.Exit == 0, table.Err);
        var rows = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^\s*SERIES\s+UNIT\s+LATEST\s+AVERAGE\s+MIN\s+MAX", rows[0]);
        Assert.Equal(["cpu", "memory"], rows.Skip(1).Select(r => r.Trim().Split(' ')[0]));
        var json = JsonDocument.Parse((await VcoreAsync(config, null, "metrics", "-o", "json", "--range", "day")).Out).RootElement;
        Assert.Equal("day", json.GetProperty("range").GetString());
        Assert.NotEmpty(json.GetProperty("series").EnumerateArray());
        Assert.Equal(2, (await VcoreAsync(config, null, "metrics", "--vm", "cli-edit", "--node", "rack-1")).Exit);
        Assert.Equal(2, (await VcoreAsync(config, null, "metrics", "--range", "century")).Exit);
        Assert.Equal(4, (await VcoreAsync(config, null, "metrics", "--node", "rack-1")).Exit);
        var provider = Path.Combine(_home, "provider", "config.json");
        // The provider reads a rack server's usage with a token of scope read (rack-server figures are read permissions).
        var operatorLogin = await VcoreAsync(provider, "operator-pass-1\n", "login", "--url", _url, "--user", "operator", "--password-stdin", "--scope", "read");
        Assert.True(operatorLogin.Exit == 0, operatorLogin.Err);
        var nodeUsage = await VcoreAsync(provider, null, "metrics", "--node", "rack-1");
        Assert.True(nodeUsage.Exit == 0, nodeUsage.Err);
    }

    [Fact]
    public async Task Job_follow_prints_each_change_live_from_the_portals_feed_and_only_the_callers_own()
    {
        var config = Path.Combine(_home, "follow", "config.json");
        Assert.Equal(0, (await VcoreAsync(config, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin")).Exit);
        var other = Path.Combine(_home, "follow-other", "config.json");
        Assert.Equal(0, (await VcoreAsync(other, "other-pass-1\n", "login", "--url", _url, "--user", "other", "--password-stdin")).Exit);

        // Both follow every job they may see; the demo customer's new vServer is heard by its own follower only.
        await using var mine = await Follower.StartAsync(config, "job", "follow", "-o", "json");
        await using var theirs = await Follower.StartAsync(other, "job", "follow", "-o", "json");
        var created = await VcoreAsync(config, null, "vm", "create", "--name", "cli-follow", "-o", "json");
        Assert.True(created.Exit == 0, created.Err);
        var jobId = JsonDocument.Parse(created.Out).RootElement.GetProperty("jobId").GetString();
        var seen = new List<JsonElement>();
        while (true)
        {
            var line = await mine.NextLineAsync();
            var change = JsonDocument.Parse(line).RootElement;
            if (change.GetProperty("id").GetString() == jobId)
            {
                seen.Add(change);
                if (change.GetProperty("status").GetString() == "completed")
                {
                    break;
                }
            }
        }

        Assert.All(seen, c => Assert.Equal(("create", "cli-follow"), (c.GetProperty("action").GetString(), c.GetProperty("name").GetString())));
        Assert.Equal("completed", seen[^1].GetProperty("status").GetString());
        Assert.DoesNotContain("cli-follow", await theirs.StopAsync(), StringComparison.Ordinal);

        // One job: a job that has ended is reported at once with its exit code; an unknown one is not found.
        var ended = await VcoreAsync(config, null, "job", "follow", jobId!);
        Assert.True(ended.Exit == 0, ended.Err);
        Assert.Contains("completed", ended.Out, StringComparison.Ordinal);
        Assert.Equal(5, (await VcoreAsync(config, null, "job", "follow", Guid.NewGuid().ToString())).Exit);
        Assert.Equal(5, (await VcoreAsync(other, null, "job", "follow", jobId!)).Exit);

        // A token the portal does not know does not open the feed.
        var refused = await VcoreAsync(config, null, "job", "follow", "--token", "vct_not-a-token");
        Assert.Equal(3, refused.Exit);
    }

    [Fact]
    public async Task An_iso_is_uploaded_in_pieces_checked_by_its_sha256_and_an_upload_cut_off_goes_on_with_resume()
    {
        var config = Path.Combine(_home, "upload", "config.json");
        Assert.Equal(0, (await VcoreAsync(config, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin")).Exit);

        // More than one piece: the portal confirms each offset, and keeps the image with the SHA-256 vcore computed.
        var image = TestIso.Build(VirtualCore.Cli.IsoUpload.PieceBytes + (300 * 1024));
        var file = Path.Combine(_home, "tools.iso");
        await File.WriteAllBytesAsync(file, image);
        var uploaded = await VcoreAsync(config, null, "iso", "upload", file, "--title", "Tools CD", "-o", "json");
        Assert.True(uploaded.Exit == 0, uploaded.Err);
        var result = JsonDocument.Parse(uploaded.Out).RootElement;
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image)), result.GetProperty("sha256").GetString());
        Assert.Equal(image.Length, result.GetProperty("bytes").GetInt64());
        var name = result.GetProperty("name").GetString();
        Assert.Contains("--resume", uploaded.Err, StringComparison.Ordinal);
        var images = JsonDocument.Parse((await VcoreAsync(config, null, "iso", "list", "-o", "json")).Out).RootElement;
        Assert.Contains(images.EnumerateArray(), i => i.GetProperty("name").GetString() == name && i.GetProperty("title").GetString() == "Tools CD");

        // Not an image: refused with the portal's reason, nothing kept.
        var notIso = Path.Combine(_home, "notes.iso");
        await File.WriteAllTextAsync(notIso, new string('x', 100_000));
        var refused = await VcoreAsync(config, null, "iso", "upload", notIso);
        Assert.Equal(6, refused.Exit);
        Assert.Contains("ISO", refused.Err, StringComparison.Ordinal);
        Assert.Equal(2, (await VcoreAsync(config, null, "iso", "upload", Path.Combine(_home, "missing.iso"))).Exit);

        // Cut off after 64 KiB (begun by another client): vcore goes on from where the portal says it is.
        var second = TestIso.Build(600 * 1024);
        var secondFile = Path.Combine(_home, "second.iso");
        await File.WriteAllBytesAsync(secondFile, second);
        using var api = _portal.Demo();
        using var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/isos/uploads");
        create.Headers.Add("Tus-Resumable", "1.0.0");
        create.Headers.Add("Upload-Length", second.Length.ToString(System.Globalization.CultureInfo.InvariantCulture));
        create.Headers.Add("Upload-Metadata", $"filename {Convert.ToBase64String("second.iso"u8)},sha256 {Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(second))))}");
        using var created = await api.SendAsync(create);
        Assert.Equal(System.Net.HttpStatusCode.Created, created.StatusCode);
        var uploadId = created.Headers.Location!.OriginalString.Split('/')[^1];
        using var piece = new HttpRequestMessage(HttpMethod.Patch, created.Headers.Location) { Content = new ByteArrayContent(second, 0, 64 * 1024) };
        piece.Headers.Add("Tus-Resumable", "1.0.0");
        piece.Headers.Add("Upload-Offset", "0");
        piece.Content.Headers.ContentType = new("application/offset+octet-stream");
        Assert.Equal(System.Net.HttpStatusCode.NoContent, (await api.SendAsync(piece)).StatusCode);

        // Another customer cannot go on with it; its owner can.
        var other = Path.Combine(_home, "upload-other", "config.json");
        Assert.Equal(0, (await VcoreAsync(other, "other-pass-1\n", "login", "--url", _url, "--user", "other", "--password-stdin")).Exit);
        Assert.Equal(5, (await VcoreAsync(other, null, "iso", "upload", secondFile, "--resume", uploadId)).Exit);
        var resumed = await VcoreAsync(config, null, "iso", "upload", secondFile, "--resume", uploadId, "-o", "json");
        Assert.True(resumed.Exit == 0, resumed.Err);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(second)), JsonDocument.Parse(resumed.Out).RootElement.GetProperty("sha256").GetString());
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task On_a_terminal_login_asks_without_showing_the_password_and_an_upload_shows_its_progress_bars()
    {
        // A pseudo-terminal (util-linux's script): vcore sees a terminal on stdin, stdout and stderr, as a person's shell.
        var config = Path.Combine(_home, "terminal", "config.json");
        await using (var login = Terminal.Start(config, "login", "--url", _url))
        {
            await login.WaitForAsync("User name: ");
            await login.TypeAsync("demo\r");
            await login.WaitForAsync("Password: ");
            await login.TypeAsync("demo-pass-1\r");
            var (exit, screen) = await login.EndAsync();
            Assert.True(exit == 0, screen);
            Assert.Contains("Signed in to", screen, StringComparison.Ordinal);
            Assert.Contains("User name: demo", screen, StringComparison.Ordinal);
            Assert.DoesNotContain("demo-pass-1", screen, StringComparison.Ordinal);
        }

        var file = Path.Combine(_home, "terminal.iso");
        await File.WriteAllBytesAsync(file, TestIso.Build(2 * 1024 * 1024));
        await using var upload = Terminal.Start(config, "iso", "upload", file);
        var (uploaded, shown) = await upload.EndAsync();
        Assert.True(uploaded == 0, shown);
        Assert.Matches(@"Checksum\s.*100%", shown);
        Assert.Matches(@"Upload\s.*100%", shown);
        Assert.Contains("Uploaded terminal-", shown, StringComparison.Ordinal);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_serial_console_answers_from_a_pipe_and_on_a_terminal_until_ctrl_bracket_only_for_its_own_customer()
    {
        var config = Path.Combine(_home, "console", "config.json");
        Assert.Equal(0, (await VcoreAsync(config, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin")).Exit);
        Assert.Equal(0, (await VcoreAsync(config, null, "vm", "create", "--name", "cli-serial", "--wait")).Exit);
        Assert.Equal(0, (await VcoreAsync(config, null, "vm", "start", "cli-serial", "--wait")).Exit);

        // From a pipe: stdin goes to the guest, its answer to stdout (the simulated serial port echoes the line back).
        var piped = await VcoreAsync(config, "hello\r", "vm", "console", "cli-serial");
        Assert.True(piped.Exit == 0, piped.Err);
        Assert.Contains("you typed: hello", piped.Out, StringComparison.Ordinal);
        Assert.Contains("Connected to the serial console of cli-serial", piped.Err, StringComparison.Ordinal);

        // On a terminal: keys go as typed, Ctrl-] ends the session.
        await using (var terminal = Terminal.Start(config, "vm", "console", "cli-serial"))
        {
            await terminal.WaitForAsync("Ctrl-] ends the session.");
            await terminal.TypeAsync("uptime\r");
            await terminal.WaitForAsync("you typed: uptime");
            await terminal.TypeAsync("\u001d");
            var (exit, screen) = await terminal.EndAsync();
            Assert.True(exit == 0, screen);
        }

        // Another customer does not find it; a token of scope read may not open a console.
        var other = Path.Combine(_home, "console-other", "config.json");
        Assert.Equal(0, (await VcoreAsync(other, "other-pass-1\n", "login", "--url", _url, "--user", "other", "--password-stdin")).Exit);
        var vmId = JsonDocument.Parse((await VcoreAsync(config, null, "vm", "show", "cli-serial", "-o", "json")).Out).RootElement.GetProperty("id").GetString()!;
        Assert.Equal(5, (await VcoreAsync(other, "hello\r", "vm", "console", vmId)).Exit);
        var reader = Path.Combine(_home, "console-reader", "config.json");
        Assert.Equal(0, (await VcoreAsync(reader, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin", "--scope", "read")).Exit);
        Assert.Equal(4, (await VcoreAsync(reader, "hello\r", "vm", "console", "cli-serial")).Exit);
    }

    [Fact]
    public void A_series_summary_takes_the_newest_measured_average_and_the_ranges_extremes()
    {
        using var metrics = JsonDocument.Parse("""{"series":[{"name":"cpu","unit":"%","avg":[10,20,null],"min":[5,null,null],"max":[30,25,null]},{"name":"net-in","unit":"B/s","avg":[null,null],"min":[null,null],"max":[null,null]}]}""");
        var rows = VirtualCore.Cli.VcoreCommands.SeriesSummary(metrics.RootElement).EnumerateArray().ToList();
        Assert.Equal(("cpu", "%", "20", "15", "5", "30"), (Text(rows[0], "name"), Text(rows[0], "unit"), Text(rows[0], "latest"), Text(rows[0], "average"), Text(rows[0], "min"), Text(rows[0], "max")));
        Assert.Equal(("net-in", "", "", ""), (Text(rows[1], "name"), Text(rows[1], "latest"), Text(rows[1], "min"), Text(rows[1], "max")));

        static string Text(JsonElement e, string property) => e.GetProperty(property).GetString()!;
    }

    [Fact]
    public async Task Webhooks_are_made_pinged_logged_and_deleted_from_the_command_line_within_the_accounts_rights()
    {
        var config = Path.Combine(_home, "hooks", "config.json");
        Assert.Equal(0, (await VcoreAsync(config, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin")).Exit);

        var refused = await VcoreAsync(config, null, "webhook", "create", "--url", "https://169.254.169.254/latest", "--event", "job.failed");
        Assert.Equal(6, refused.Exit);
        Assert.Contains("public addresses only", refused.Err, StringComparison.Ordinal);

        var created = await VcoreAsync(config, null, "webhook", "create", "--url", "https://hooks.example.com/cli", "--event", "job.failed", "--event", "vm.state-changed", "-o", "json");
        Assert.True(created.Exit == 0, created.Err);
        var made = JsonDocument.Parse(created.Out).RootElement;
        Assert.StartsWith("whsec_", made.GetProperty("secret").GetString(), StringComparison.Ordinal);
        var id = made.GetProperty("webhook").GetProperty("id").GetString()!;

        var table = await VcoreAsync(config, null, "webhook", "list");
        Assert.Contains(table.Out.Split('\n'), l => l.Contains(id, StringComparison.Ordinal) && l.Contains("https://hooks.example.com/cli", StringComparison.Ordinal) && l.Contains("job.failed, vm.state-changed", StringComparison.Ordinal));
        Assert.DoesNotContain("whsec_", table.Out, StringComparison.Ordinal);

        Assert.Equal(0, (await VcoreAsync(config, null, "webhook", "ping", id)).Exit);
        var log = JsonDocument.Parse((await VcoreAsync(config, null, "webhook", "deliveries", id, "-o", "json")).Out).RootElement;
        Assert.Equal(["ping"], log.EnumerateArray().Select(d => d.GetProperty("event").GetString()));

        // A new secret, shown once; the old one signs beside it for the hours asked.
        var rotated = await VcoreAsync(config, null, "webhook", "rotate-secret", id, "--keep-old-hours", "2", "-o", "json");
        Assert.True(rotated.Exit == 0, rotated.Err);
        var secret = JsonDocument.Parse(rotated.Out).RootElement;
        Assert.StartsWith("whsec_", secret.GetProperty("secret").GetString(), StringComparison.Ordinal);
        Assert.NotEqual(made.GetProperty("secret").GetString(), secret.GetProperty("secret").GetString());
        Assert.InRange(secret.GetProperty("previousSecretValidUntil").GetDateTimeOffset(), DateTimeOffset.UtcNow.AddHours(1.9), DateTimeOffset.UtcNow.AddHours(2.1));
        Assert.Equal(6, (await VcoreAsync(config, null, "webhook", "rotate-secret", id, "--keep-old-hours", "1000")).Exit);

        // Another customer's administrator does not find it; deleting needs --yes.
        var other = Path.Combine(_home, "other-hooks", "config.json");
        Assert.Equal(0, (await VcoreAsync(other, "other-pass-1\n", "login", "--url", _url, "--user", "other", "--password-stdin")).Exit);
        Assert.Equal(5, (await VcoreAsync(other, null, "webhook", "ping", id)).Exit);
        Assert.Equal(5, (await VcoreAsync(other, null, "webhook", "rotate-secret", id)).Exit);
        Assert.Equal(5, (await VcoreAsync(other, null, "webhook", "delete", id, "--yes")).Exit);
        Assert.Equal(2, (await VcoreAsync(config, null, "webhook", "delete", id)).Exit);
        Assert.Equal(0, (await VcoreAsync(config, null, "webhook", "delete", id, "--yes")).Exit);
        Assert.Empty(JsonDocument.Parse((await VcoreAsync(config, null, "webhook", "list", "-o", "json")).Out).RootElement.EnumerateArray());

        // A token of scope read may not even list them (webhooks are the account administrators' to manage).
        var reader = Path.Combine(_home, "hooks-reader", "config.json");
        Assert.Equal(0, (await VcoreAsync(reader, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin", "--scope", "read")).Exit);
        Assert.Equal(4, (await VcoreAsync(reader, null, "webhook", "list")).Exit);
    }

    [Fact]
    public async Task Each_refusal_has_its_exit_code_and_the_portals_reason_and_no_tenant_is_crossed()
    {
        var nobody = Path.Combine(_home, "nobody", "config.json");
        Assert.Equal(3, (await VcoreAsync(nobody, null, "vm", "list")).Exit);
        var forged = await VcoreAsync(nobody, null, "vm", "list", "--url", _url, "--token", "vct_" + new string('x', 40));
        Assert.Equal(3, forged.Exit);
        Assert.Contains("The API token is unknown, expired or revoked.", forged.Err, StringComparison.Ordinal);
        var wrongPassword = await VcoreAsync(nobody, "not-the-password\n", "login", "--url", _url, "--user", "demo", "--password-stdin");
        Assert.Equal(3, wrongPassword.Exit);
        Assert.False(File.Exists(nobody));
        Assert.Equal(2, (await VcoreAsync(nobody, null, "vm", "explode", "x")).Exit);
        Assert.Equal(2, (await VcoreAsync(nobody, null, "--output", "xml", "vm", "list")).Exit);
        Assert.Equal(9, (await VcoreAsync(nobody, null, "vm", "list", "--url", "http://127.0.0.1:1", "--token", "vct_x")).Exit);

        // A token of scope read lists but may not start anything.
        var reader = Path.Combine(_home, "reader", "config.json");
        Assert.Equal(0, (await VcoreAsync(reader, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin", "--scope", "read")).Exit);
        var demo = _portal.Demo();
        var mine = await demo.CompleteAsync(demo.CreateVmAsync("cli-mine"));
        Assert.Equal(0, (await VcoreAsync(reader, null, "vm", "show", "cli-mine")).Exit);
        var notAllowed = await VcoreAsync(reader, null, "vm", "start", "cli-mine");
        Assert.Equal(4, notAllowed.Exit);

        // Another customer's vServer does not exist for demo, by name or by id.
        var other = _portal.ApiClient("other", "other-pass-1");
        var theirs = await other.CompleteAsync(other.CreateVmAsync("cli-theirs"));
        Assert.Equal(5, (await VcoreAsync(reader, null, "vm", "show", "cli-theirs")).Exit);
        Assert.Equal(5, (await VcoreAsync(reader, null, "vm", "show", theirs.TargetId.ToString())).Exit);

        // A reseller's customer signs in on its reseller's host name (*.localhost is this machine, as for a browser); its
        // token is worth nothing on the provider's host, and demo's vServer does not exist for it.
        var kamp = Path.Combine(_home, "kamp", "config.json");
        var kampUrl = new UriBuilder(_url) { Host = "kamp.localhost" }.Uri.ToString().TrimEnd('/');
        var baecker = await VcoreAsync(kamp, "baecker-pass-1\n", "login", "--url", kampUrl, "--user", "baecker", "--password-stdin");
        Assert.True(baecker.Exit == 0, baecker.Err);
        Assert.DoesNotContain("warning", baecker.Err, StringComparison.Ordinal);
        Assert.Equal(0, (await VcoreAsync(kamp, null, "vm", "list")).Exit);
        Assert.Equal(5, (await VcoreAsync(kamp, null, "vm", "show", mine.TargetId.ToString())).Exit);
        var kampToken = JsonDocument.Parse(await File.ReadAllTextAsync(kamp)).RootElement.GetProperty("token").GetString()!;
        Assert.Equal(3, (await VcoreAsync(kamp, null, "vm", "list", "--url", _url, "--token", kampToken)).Exit);
        Assert.Equal(3, (await VcoreAsync(nobody, "baecker-pass-1\n", "login", "--url", _url, "--user", "baecker", "--password-stdin")).Exit);

        // Invalid input comes back with the field and its reason.
        var writer = Path.Combine(_home, "writer", "config.json");
        Assert.Equal(0, (await VcoreAsync(writer, "demo-pass-1\n", "login", "--url", _url, "--user", "demo", "--password-stdin")).Exit);
        var invalid = await VcoreAsync(writer, null, "vm", "create", "--name", "cli-huge", "--vcpus", "99");
        Assert.Equal(6, invalid.Exit);
        Assert.Contains("vCpus:", invalid.Err, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    public async Task The_shell_completion_asks_vcore_for_what_fits_at_the_cursor()
    {
        var config = Path.Combine(_home, "completion", "config.json");
        var suggested = await VcoreAsync(config, null, "[suggest:10]", "vcore vm s");
        Assert.Equal(0, suggested.Exit);
        Assert.Equal(["show", "shutdown", "start"], suggested.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Take(3));

        // Bash, given the script, completes "vcore vm s" with the three commands that begin with it, asking vcore (found
        // on the PATH as a shell wrapper of the built tool).
        var script = await VcoreAsync(config, null, "completion", "bash");
        Assert.Equal(0, script.Exit);
        var bin = Directory.CreateDirectory(Path.Combine(_home, "bin")).FullName;
        var wrapper = Path.Combine(bin, "vcore");
        await File.WriteAllTextAsync(wrapper, $"#!/bin/sh\nexec dotnet '{ToolPath()}' \"$@\"\n");
        File.SetUnixFileMode(wrapper, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        var file = Path.Combine(_home, "completion.bash");
        await File.WriteAllTextAsync(file, script.Out);
        var complete = $"source '{file}' && complete -p vcore && COMP_LINE='vcore vm s' COMP_POINT=10 COMP_WORDS=(vcore vm s) COMP_CWORD=2 && _vcore_complete && printf '%s\\n' \"${{COMPREPLY[@]}}\"";
        var bash = new ProcessStartInfo("bash", ["-c", complete]) { RedirectStandardOutput = true, RedirectStandardError = true };
        bash.Environment["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH");
        bash.Environment["VCORE_CONFIG"] = config;
        using var shell = Process.Start(bash)!;
        var completed = await shell.StandardOutput.ReadToEndAsync();
        var complaints = await shell.StandardError.ReadToEndAsync();
        await shell.WaitForExitAsync();
        Assert.True(shell.ExitCode == 0, complaints);
        Assert.Equal(["complete -o default -F _vcore_complete vcore", "show", "shutdown", "start"], completed.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(2, (await VcoreAsync(config, null, "completion", "fish")).Exit);
    }

    [Fact]
    public void Text_from_the_portal_reaches_a_terminal_without_its_control_characters()
    {
        // A job's text comes from a rack server and a name from a user: an escape sequence in either must not reach
        // the terminal as one (it could retitle the window or rewrite what is shown); JSON keeps the text as it is.
        using var rows = JsonDocument.Parse("""[{"name":"web\u001b]0;pwned\u0007", "state":"run\u001b[2Jning"}]""");
        var people = new StringWriter();
        new VirtualCore.Cli.Output(people, json: false).Rows(rows.RootElement, new("NAME", e => VirtualCore.Cli.Output.Text(e, "name")), new("STATE", e => VirtualCore.Cli.Output.Text(e, "state")));
        Assert.DoesNotContain(people.ToString(), c => c is '\u001b' or '\u0007');
        Assert.Contains("web?]0;pwned?", people.ToString(), StringComparison.Ordinal);
        var scripts = new StringWriter();
        new VirtualCore.Cli.Output(scripts, json: true).Rows(rows.RootElement);
        Assert.Equal("web\u001b]0;pwned\u0007", JsonDocument.Parse(scripts.ToString()).RootElement[0].GetProperty("name").GetString());
    }

    private static (string? Action, string? Status) Job(string json)
    {
        var job = JsonDocument.Parse(json).RootElement;
        return (job.GetProperty("action").GetString(), job.GetProperty("status").GetString());
    }

    private static async Task<(int Exit, string Out, string Err)> VcoreAsync(string config, string? input, params string[] args)
    {
        using var process = Process.Start(Vcore(config, args))!;
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input);
        }

        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"vcore {string.Join(' ', args)} did not end within 3 minutes: {await output} {await errors}");
        }

        return (process.ExitCode, await output, await errors);
    }

    /// <summary>vcore on a pseudo-terminal (script -qec), typed into and read as a person would.</summary>
    private sealed class Terminal : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _screen = new();
        private readonly Task _reader;

        private Terminal(Process process)
        {
            _process = process;
            _reader = Task.Run(async () =>
            {
                var buffer = new char[4096];
                int read;
                while ((read = await _process.StandardOutput.ReadAsync(buffer)) > 0)
                {
                    lock (_screen)
                    {
                        _screen.Append(buffer, 0, read);
                    }
                }
            });
        }

        public static Terminal Start(string config, params string[] args)
        {
            // The same command, given to script as one shell line (each word quoted).
            var vcore = Vcore(config, args);
            var command = "dotnet " + string.Join(' ', vcore.ArgumentList.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
            vcore.FileName = "script";
            vcore.ArgumentList.Clear();
            foreach (var argument in new[] { "-qec", command, "/dev/null" })
            {
                vcore.ArgumentList.Add(argument);
            }

            vcore.Environment["TERM"] = "xterm-256color";
            return new Terminal(Process.Start(vcore)!);
        }

        private string Screen()
        {
            lock (_screen)
            {
                return _screen.ToString();
            }
        }

        public async Task WaitForAsync(string text)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            while (!Screen().Contains(text, StringComparison.Ordinal))
            {
                Assert.False(_process.HasExited, Screen());
                await Task.Delay(50, timeout.Token);
            }
        }

        public async Task TypeAsync(string keys)
        {
            await _process.StandardInput.WriteAsync(keys);
            await _process.StandardInput.FlushAsync();
        }

        public async Task<(int Exit, string Screen)> EndAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
            await _process.WaitForExitAsync(timeout.Token);
            await _reader;
            return (_process.ExitCode, Screen());
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }

    /// <summary>A vcore that keeps running (job follow): its stdout read line by line, stopped by the test.</summary>
    private sealed class Follower : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly System.Text.StringBuilder _all = new();

        private Follower(Process process) => _process = process;

        public static async Task<Follower> StartAsync(string config, params string[] args)
        {
            var follower = new Follower(Process.Start(Vcore(config, args))!);

            // It says on stderr when the feed is open; only then can nothing it should hear be missed.
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var said = await follower._process.StandardError.ReadLineAsync(timeout.Token);
            Assert.True(said?.StartsWith("Following the jobs you may see", StringComparison.Ordinal) == true, said);
            return follower;
        }

        public async Task<string> NextLineAsync()
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            var line = await _process.StandardOutput.ReadLineAsync(timeout.Token) ?? throw new InvalidOperationException("vcore job follow ended: " + _all);
            _all.AppendLine(line);
            return line;
        }

        /// <summary>Ends it and returns everything it printed.</summary>
        public async Task<string> StopAsync()
        {
            _process.Kill(entireProcessTree: true);
            _all.Append(await _process.StandardOutput.ReadToEndAsync());
            await _process.WaitForExitAsync();
            return _all.ToString();
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }

            _process.Dispose();
        }
    }

    /// <summary>The built tool with <paramref name="args"/>, its config file, and nothing of this machine's own vcore set-up.</summary>
    private static ProcessStartInfo Vcore(string config, IEnumerable<string> args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(ToolPath());
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["VCORE_CONFIG"] = config;
        start.Environment.Remove("VCORE_URL");
        start.Environment.Remove("VCORE_TOKEN");
        return start;
    }

    private static string ToolPath()
    {
        // The tool's build beside this assembly's: tests/VirtualCore.Portal.Tests/bin/<configuration>/net10.0/.
        var here = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var path = RepositoryFolder.Of("hosts", "VirtualCore.Cli", "bin", here.Parent!.Name, here.Name, "vcore.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build the solution first: {path} is missing.");
    }
}
