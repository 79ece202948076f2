using System.CommandLine;
using System.Net;
using System.Net.WebSockets;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR.Client;
using Spectre.Console;

namespace VirtualCore.Cli;

/// <summary>The entry point of <c>vcore</c>.</summary>
public static class Program
{
    public static Task<int> Main(string[] args) => new VcoreCommands(Console.Out, Console.Error, Console.In).RunAsync(args);
}

/// <summary>
/// vcore's commands: <c>login</c>/<c>logout</c>, <c>vm</c> (list, show, create, the lifecycle actions, delete),
/// <c>job</c> (list, show, wait), <c>node list</c>, recovery points, images, invoices, webhooks and <c>metrics</c>, each on
/// the portal's REST API with an API token.
/// </summary>
public sealed class VcoreCommands(TextWriter stdout, TextWriter stderr, TextReader stdin)
{
    /// <summary>The actions <c>vcore vm &lt;action&gt; &lt;vm&gt;</c> takes, by the API's names.</summary>
    public static readonly string[] VmActions = ["start", "shutdown", "power-off", "restart", "reset", "pause", "resume", "park", "unpark"];

    private static readonly Dictionary<string, string> ActionHelp = new(StringComparer.Ordinal)
    {
        ["start"] = "Starts the vServer.",
        ["shutdown"] = "Asks the guest to shut down (ACPI power button).",
        ["power-off"] = "Powers the vServer off at once, like pulling the plug.",
        ["restart"] = "Asks the guest to restart (ACPI).",
        ["reset"] = "Resets the vServer at once, like the reset button.",
        ["pause"] = "Stops the vCPUs and keeps the memory.",
        ["resume"] = "Runs a paused vServer again.",
        ["park"] = "Saves the memory to disk and frees the rack server's cores and RAM.",
        ["unpark"] = "Restores a parked vServer where it was.",
    };

    private readonly Option<string?> _url = new("--url") { Description = "The portal's address (else $VCORE_URL, else the one vcore login stored).", Recursive = true };
    private readonly Option<string?> _token = new("--token") { Description = "An API token (else $VCORE_TOKEN, else the one vcore login stored).", Recursive = true };
    private readonly Option<string> _output = new("--output", "-o") { Description = "table for people, json or yaml for scripts.", DefaultValueFactory = _ => "table", Recursive = true };

    public async Task<int> RunAsync(string[] args)
    {
        _output.AcceptOnlyFromAmong("table", "json", "yaml");
        var root = new RootCommand("vcore: the VirtualCore Platform portal from the command line — vServers, jobs, rack servers.\n" + ExitCodes.Help);
        root.Options.Add(_url);
        root.Options.Add(_token);
        root.Options.Add(_output);
        root.Subcommands.Add(Login());
        root.Subcommands.Add(Logout());
        root.Subcommands.Add(Vm());
        root.Subcommands.Add(Job());
        root.Subcommands.Add(Node());
        root.Subcommands.Add(RecoveryPoint());
        root.Subcommands.Add(Iso());
        root.Subcommands.Add(Invoice());
        root.Subcommands.Add(Metrics());
        root.Subcommands.Add(Webhook());
        root.Subcommands.Add(Completion());

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
            {
                await stderr.WriteLineAsync($"vcore: {error.Message}");
            }

            await stderr.WriteLineAsync("Try 'vcore --help'.");
            return ExitCodes.Usage;
        }

        return await parsed.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr });
    }

    private Command Login()
    {
        var user = new Option<string?>("--user", "-u") { Description = "Your user name (asked when not given and a terminal is there)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = "Read the password from the first line of stdin (for scripts)." };
        var code = new Option<string?>("--code") { Description = "The current one-time password, where your account has one (asked when needed on a terminal)." };
        var token = new Option<string?>("--with-token") { Description = "Store this API token instead of signing in with a password; it is checked first." };
        var scope = new Option<string>("--scope") { Description = "What the new token may do: read, operate or manage (bounded by your own rights).", DefaultValueFactory = _ => "manage" };
        scope.AcceptOnlyFromAmong("read", "operate", "manage");
        var days = new Option<int>("--days") { Description = "How long the new token lives (1–365 days).", DefaultValueFactory = _ => 90 };
        var command = new Command("login", "Signs in to a portal and stores an API token for the next commands (in a file only you can read).") { user, passwordStdin, code, token, scope, days };
        command.SetAction((p, ct) => GuardAsync(async () =>
        {
            var url = p.GetValue(_url) ?? Environment.GetEnvironmentVariable("VCORE_URL")
                ?? throw new CliException(ExitCodes.Usage, "Name the portal: vcore login --url https://cloud.example.com");
            var baseUrl = PortalClient.ParseUrl(url);
            var output = OutputOf(p);
            if (baseUrl.Scheme == Uri.UriSchemeHttp && !PortalClient.IsThisMachine(baseUrl))
            {
                await stderr.WriteLineAsync($"vcore: warning: {baseUrl.Host} is reached over plain http — the password and the token cross the network unencrypted; use https.");
            }

            string stored;
            string who;
            if (p.GetValue(token) is { Length: > 0 } given)
            {
                using var client = PortalClient.WithToken(baseUrl.ToString(), given);
                who = Output.Text(await client.GetAsync("api/v1/session", ct), "userName");
                stored = given;
            }
            else
            {
                (stored, who) = await CreateTokenAsync(baseUrl, p.GetValue(user), p.GetValue(passwordStdin), p.GetValue(code), p.GetValue(scope)!, p.GetValue(days), ct);
            }

            CliConfig.Save(new StoredLogin(baseUrl.ToString().TrimEnd('/'), stored, who));
            output.Line($"Signed in to {baseUrl.ToString().TrimEnd('/')} as {who}; the token is in {CliConfig.FilePath()}.");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private async Task<(string Token, string User)> CreateTokenAsync(Uri baseUrl, string? user, bool passwordFromStdin, string? code, string scope, int days, CancellationToken ct)
    {
        user ??= Console.IsInputRedirected ? null : Ask("User name: ", secret: false);
        if (string.IsNullOrWhiteSpace(user))
        {
            throw new CliException(ExitCodes.Usage, "Give your user name with --user.");
        }

        var password = passwordFromStdin ? await stdin.ReadLineAsync(ct)
            : Console.IsInputRedirected ? throw new CliException(ExitCodes.Usage, "Give the password on stdin with --password-stdin, or use --with-token.")
            : Ask("Password: ", secret: true);

        // A session of its own (cookie and anti-forgery token) creates the token, then ends.
        using var session = new PortalClient(baseUrl, null, new CookieContainer());
        JsonElement signedIn;
        try
        {
            signedIn = await session.PostAsync("api/v1/session", new { userName = user, password, code }, ct);
        }
        catch (CliException ex) when (ex.ExitCode == ExitCodes.NotSignedIn && code is null && ex.Message.StartsWith("One-time password required.", StringComparison.Ordinal) && !Console.IsInputRedirected)
        {
            code = Ask("One-time password: ", secret: false);
            signedIn = await session.PostAsync("api/v1/session", new { userName = user, password, code }, ct);
        }

        session.Headers.Add("X-CSRF-Token", Output.Text(signedIn, "csrfToken"));
        var name = $"vcore on {Environment.MachineName}".Trim();
        var created = await session.PostAsync("api/v1/tokens", new { name = name.Length > 60 ? name[..60] : name, scopes = new[] { scope }, expiresInDays = days }, ct);
        try
        {
            await session.DeleteAsync("api/v1/session", ct);
        }
        catch (CliException)
        {
            // The token is made; a session that could not be ended expires by itself.
        }

        return (created.GetProperty("token").GetString()!, Output.Text(signedIn, "userName"));
    }

    private Command Logout()
    {
        var command = new Command("logout", "Forgets the stored token (revoke it in the portal under Profile → API tokens).");
        command.SetAction((p, _) => GuardAsync(() =>
        {
            OutputOf(p).Line(CliConfig.Delete() ? $"Removed {CliConfig.FilePath()}." : "Nothing stored.");
            return Task.FromResult(ExitCodes.Ok);
        }));
        return command;
    }

    private Command Vm()
    {
        var vm = new Command("vm", "vServers: list, show, create, operate, edit, migrate, delete.");

        var search = new Option<string?>("--search") { Description = "Only vServers whose name contains this." };
        var state = new Option<string?>("--state") { Description = "Only vServers in this state (running, shut-off, paused, …)." };
        var list = new Command("list", "The vServers you may see, by name.") { search, state };
        list.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var vms = await client.GetAsync("api/v1/vms" + Query(("search", p.GetValue(search)), ("state", p.GetValue(state))), ct);
            output.Rows(vms, VmColumns);
            return ExitCodes.Ok;
        }));
        vm.Subcommands.Add(list);

        var target = new Argument<string>("vm") { Description = "The vServer's name or id." };
        var show = new Command("show", "One vServer.") { target };
        show.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            output.One(await ResolveVmAsync(client, p.GetValue(target)!, ct), [.. VmColumns, new Column("ID", e => Output.Text(e, "id")), new Column("CREATED", e => Output.Time(e, "createdAt")), new Column("ISO", e => Output.Text(e, "isoName")), new Column("OPEN JOB", e => Output.Text(e, "openJobId"))]);
            return ExitCodes.Ok;
        }));
        vm.Subcommands.Add(show);

        var name = new Option<string>("--name") { Description = "The new vServer's name.", Required = true };
        var vcpus = new Option<int>("--vcpus") { Description = "vCPUs (1–8).", DefaultValueFactory = _ => 1 };
        var memory = new Option<int>("--memory") { Description = "RAM in GiB (1–16).", DefaultValueFactory = _ => 1 };
        var disk = new Option<int>("--disk") { Description = "Disk in GiB.", DefaultValueFactory = _ => 10 };
        var iso = new Option<string?>("--iso") { Description = "An ISO image to boot from (vcore's image names, as the portal lists them)." };
        var image = new Option<string?>("--image") { Description = "A disk image to start from." };
        var (wait, timeout) = WaitOptions();
        var create = new Command("create", "Creates a vServer within your vDataCenter.") { name, vcpus, memory, disk, iso, image, wait, timeout };
        create.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var accepted = await client.PostAsync("api/v1/vms", new { name = p.GetValue(name), vCpus = p.GetValue(vcpus), memoryGiB = p.GetValue(memory), diskGiB = p.GetValue(disk), isoName = p.GetValue(iso), imageName = p.GetValue(image) }, ct);
            return await AcceptedAsync(client, output, accepted, p.GetValue(wait), p.GetValue(timeout), ct);
        }));
        vm.Subcommands.Add(create);

        foreach (var action in VmActions)
        {
            var which = new Argument<string>("vm") { Description = "The vServer's name or id." };
            var (waitAction, timeoutAction) = WaitOptions();
            var command = new Command(action, ActionHelp[action]) { which, waitAction, timeoutAction };
            command.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
            {
                var id = Output.Text(await ResolveVmAsync(client, p.GetValue(which)!, ct), "id");
                var accepted = await client.PostAsync($"api/v1/vms/{id}/{action}", null, ct);
                return await AcceptedAsync(client, output, accepted, p.GetValue(waitAction), p.GetValue(timeoutAction), ct);
            }));
            vm.Subcommands.Add(command);
        }

        var edited = new Argument<string>("vm") { Description = "The vServer's name or id." };
        var newVcpus = new Option<int?>("--vcpus") { Description = "vCPUs." };
        var newMemory = new Option<int?>("--memory") { Description = "RAM in GiB." };
        var newDisk = new Option<int?>("--disk") { Description = "Disk in GiB (grows only)." };
        var newIso = new Option<string?>("--iso") { Description = "Inserts this ISO image into the vServer's drive." };
        var eject = new Option<bool>("--eject") { Description = "Takes the ISO image out of the drive." };
        var boot = new Option<string[]>("--boot") { Description = "The boot order: disk, cdrom, network (repeat it, first first).", AllowMultipleArgumentsPerToken = true };
        var diskBus = new Option<string?>("--disk-bus") { Description = "virtio, scsi, sata or ide." };
        var nicModel = new Option<string?>("--nic-model") { Description = "virtio, e1000 or rtl8139." };
        var (waitEdit, timeoutEdit) = WaitOptions();
        var edit = new Command("edit", "Changes the vServer's hardware; only what is given changes. What a running guest cannot take at once applies at its next boot.")
        {
            edited, newVcpus, newMemory, newDisk, newIso, eject, boot, diskBus, nicModel, waitEdit, timeoutEdit,
        };
        edit.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var bootOrder = p.GetValue(boot) is { Length: > 0 } order ? order : null;
            if (p.GetValue(newVcpus) is null && p.GetValue(newMemory) is null && p.GetValue(newDisk) is null && p.GetValue(newIso) is null
                && !p.GetValue(eject) && bootOrder is null && p.GetValue(diskBus) is null && p.GetValue(nicModel) is null)
            {
                throw new CliException(ExitCodes.Usage, "Say what to change: --vcpus, --memory, --disk, --iso, --eject, --boot, --disk-bus or --nic-model.");
            }

            var id = Output.Text(await ResolveVmAsync(client, p.GetValue(edited)!, ct), "id");
            var accepted = await client.SendAsync(HttpMethod.Patch, $"api/v1/vms/{id}/hardware", new
            {
                vCpus = p.GetValue(newVcpus),
                memoryGiB = p.GetValue(newMemory),
                diskGiB = p.GetValue(newDisk),
                isoName = p.GetValue(newIso),
                detachIso = p.GetValue(eject) ? true : (bool?)null,
                bootOrder,
                diskBus = p.GetValue(diskBus),
                nicModel = p.GetValue(nicModel),
            }, ct);
            return await AcceptedAsync(client, output, accepted, p.GetValue(waitEdit), p.GetValue(timeoutEdit), ct);
        }));
        vm.Subcommands.Add(edit);

        var moved = new Argument<string>("vm") { Description = "The vServer's name or id." };
        var to = new Option<string>("--to") { Description = "The rack server to move to (one of the vServer's migration targets: GET /api/v1/vms/<id>/migration-targets).", Required = true };
        var (waitMove, timeoutMove) = WaitOptions();
        var migrate = new Command("migrate", "Moves a running vServer live to another rack server.") { moved, to, waitMove, timeoutMove };
        migrate.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var id = Output.Text(await ResolveVmAsync(client, p.GetValue(moved)!, ct), "id");
            var accepted = await client.PostAsync($"api/v1/vms/{id}/migrate", new { targetNode = p.GetValue(to) }, ct);
            return await AcceptedAsync(client, output, accepted, p.GetValue(waitMove), p.GetValue(timeoutMove), ct);
        }));
        vm.Subcommands.Add(migrate);

        var consoled = new Argument<string>("vm") { Description = "The vServer's name or id." };
        var console = new Command("console", "The vServer's serial console in this terminal (Ctrl-] ends it); from a pipe, sends stdin and prints the answer.") { consoled };
        console.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var found = await ResolveVmAsync(client, p.GetValue(consoled)!, ct);
            var terminal = !Console.IsInputRedirected && !Console.IsOutputRedirected;
            // stdin as the file it is, unbuffered and never disposed: a read still waiting when the session ends must
            // not hold up the end of the command (disposing a stream waits for its pending read, until the next key).
#pragma warning disable CA2000 // stdin is not ours to close
            var input = new FileStream(new Microsoft.Win32.SafeHandles.SafeFileHandle(0, ownsHandle: false), FileAccess.Read, 0);
#pragma warning restore CA2000
            await using var screen = Console.OpenStandardOutput();
            return await new SerialConsole(client, input, screen, stderr, terminal).RunAsync(Output.Text(found, "id"), Output.Text(found, "name"), ct);
        }));
        vm.Subcommands.Add(console);

        var doomed = new Argument<string>("vm") { Description = "The vServer's name or id." };
        var yes = new Option<bool>("--yes") { Description = "Confirms that the vServer and its disks are deleted (required: there is no undo)." };
        var (waitDelete, timeoutDelete) = WaitOptions();
        var delete = new Command("delete", "Deletes a shut-off vServer with its disks.") { doomed, yes, waitDelete, timeoutDelete };
        delete.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            if (!p.GetValue(yes))
            {
                throw new CliException(ExitCodes.Usage, "Deleting removes the vServer and its disks for good: add --yes to confirm.");
            }

            var found = await ResolveVmAsync(client, p.GetValue(doomed)!, ct);
            var accepted = await client.DeleteAsync($"api/v1/vms/{Output.Text(found, "id")}?confirm={Uri.EscapeDataString(Output.Text(found, "name"))}", ct);
            return await AcceptedAsync(client, output, accepted, p.GetValue(waitDelete), p.GetValue(timeoutDelete), ct);
        }));
        vm.Subcommands.Add(delete);
        return vm;
    }

    private Command Job()
    {
        var job = new Command("job", "The job log: list, show, wait, follow.");
        var status = new Option<string?>("--status") { Description = "Only jobs with this status (queued, running, completed, failed)." };
        var vm = new Option<string?>("--vm") { Description = "Only the jobs of this vServer (name or id)." };
        var limit = new Option<int>("--limit") { Description = "How many, newest first (1–1000).", DefaultValueFactory = _ => 20 };
        var list = new Command("list", "The newest jobs you may see.") { status, vm, limit };
        list.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var vmId = p.GetValue(vm) is { Length: > 0 } v ? Output.Text(await ResolveVmAsync(client, v, ct), "id") : null;
            var query = Query(("limit", p.GetValue(limit).ToString(System.Globalization.CultureInfo.InvariantCulture)), ("status", p.GetValue(status)), ("vmId", vmId));
            output.Rows(await client.GetAsync("api/v1/jobs" + query, ct), JobColumns);
            return ExitCodes.Ok;
        }));
        job.Subcommands.Add(list);

        var id = new Argument<Guid>("job") { Description = "The job's id." };
        var show = new Command("show", "One job.") { id };
        show.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            output.One(await client.GetAsync($"api/v1/jobs/{p.GetValue(id)}", ct), JobColumns);
            return ExitCodes.Ok;
        }));
        job.Subcommands.Add(show);

        var waited = new Argument<Guid>("job") { Description = "The job's id." };
        var timeout = new Option<int>("--timeout") { Description = "Seconds to wait at most.", DefaultValueFactory = _ => 600 };
        var wait = new Command("wait", "Waits until the job has completed (exit 0) or failed (exit 7).") { waited, timeout };
        wait.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
            await FinishedAsync(client, output, p.GetValue(waited), p.GetValue(timeout), ct)));
        job.Subcommands.Add(wait);

        var followed = new Argument<Guid?>("job") { Description = "The job's id; every job you may see when left out.", Arity = ArgumentArity.ZeroOrOne };
        var followFor = new Option<int>("--timeout") { Description = "Seconds to follow at most (exit 8 after, for one job; 0 for all jobs: until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var follow = new Command("follow", "Follows jobs live, as the portal's pages do (its live feed): one line per change; with a job, until it has completed (exit 0) or failed (exit 7). -o json prints one JSON object per line.") { followed, followFor };
        follow.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
            await FollowAsync(client, output, p.GetValue(followed), p.GetValue(followFor), ct)));
        job.Subcommands.Add(follow);
        return job;
    }

    private Command Node()
    {
        var node = new Command("node", "Rack servers.");
        var list = new Command("list", "The rack servers with their cores and RAM in use (the operator's).");
        list.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            output.Rows(
                await client.GetAsync("api/v1/nodes", ct),
                new Column("NAME", e => Output.Text(e, "name")),
                new Column("ROLE", e => Output.Text(e, "role")),
                new Column("ONLINE", e => Output.Text(e, "online") == "true" ? "yes" : "no"),
                new Column("CORES USED", e => $"{Output.Text(e, "usedCores")}/{Output.Text(e, "coresForVms")}"),
                new Column("RAM USED GiB", e => $"{Gib(e, "usedMemoryBytes")}/{Gib(e, "memoryForVmsBytes")}"),
                new Column("LAST HEARTBEAT", e => Output.Time(e, "lastHeartbeatAt")));
            return ExitCodes.Ok;
        }));
        node.Subcommands.Add(list);
        return node;
    }

    private Command RecoveryPoint()
    {
        var points = new Command("recovery-point", "A vServer's recovery points: list, take, revert, delete.");
        points.Aliases.Add("rp");

        var listed = new Argument<string>("vm") { Description = "The vServer's name or id." };
        var list = new Command("list", "The vServer's recovery points, newest first.") { listed };
        list.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var id = Output.Text(await ResolveVmAsync(client, p.GetValue(listed)!, ct), "id");
            output.Rows(
                await client.GetAsync($"api/v1/vms/{id}/recovery-points", ct),
                new Column("ID", e => Output.Text(e, "id")),
                new Column("NAME", e => Output.Text(e, "name")),
                new Column("NOTE", e => Output.Text(e, "note")),
                new Column("CREATED", e => Output.Time(e, "createdAt")),
                new Column("STATUS", e => Output.Text(e, "status")));
            return ExitCodes.Ok;
        }));
        points.Subcommands.Add(list);

        var taken = new Argument<string>("vm") { Description = "The vServer's name or id." };
        var note = new Option<string?>("--note") { Description = "What the recovery point is for." };
        var (waitTake, timeoutTake) = WaitOptions();
        var take = new Command("take", "Takes a recovery point of the vServer's disks (and memory, while it runs).") { taken, note, waitTake, timeoutTake };
        take.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var id = Output.Text(await ResolveVmAsync(client, p.GetValue(taken)!, ct), "id");
            var accepted = await client.PostAsync($"api/v1/vms/{id}/recovery-points", new { note = p.GetValue(note) }, ct);
            return await AcceptedAsync(client, output, accepted, p.GetValue(waitTake), p.GetValue(timeoutTake), ct);
        }));
        points.Subcommands.Add(take);

        foreach (var (name, help) in new[] { ("revert", "Takes the vServer back to the recovery point; what changed since is lost (needs --yes)."), ("delete", "Deletes the recovery point.") })
        {
            var vm = new Argument<string>("vm") { Description = "The vServer's name or id." };
            var point = new Argument<Guid>("recovery-point") { Description = "The recovery point's id (vcore recovery-point list)." };
            var yes = new Option<bool>("--yes") { Description = "Confirms that what changed since the recovery point is lost." };
            var (wait, timeout) = WaitOptions();
            var command = new Command(name, help) { vm, point, wait, timeout };
            if (name == "revert")
            {
                command.Options.Add(yes);
            }

            command.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
            {
                if (name == "revert" && !p.GetValue(yes))
                {
                    throw new CliException(ExitCodes.Usage, "Going back loses what changed since the recovery point: add --yes to confirm.");
                }

                var id = Output.Text(await ResolveVmAsync(client, p.GetValue(vm)!, ct), "id");
                var path = $"api/v1/vms/{id}/recovery-points/{p.GetValue(point)}";
                var accepted = name == "revert" ? await client.PostAsync(path + "/revert?confirm=true", null, ct) : await client.DeleteAsync(path, ct);
                return await AcceptedAsync(client, output, accepted, p.GetValue(wait), p.GetValue(timeout), ct);
            }));
            points.Subcommands.Add(command);
        }

        return points;
    }

    private Command Iso()
    {
        var iso = new Command("iso", "ISO and disk images.");
        var list = new Command("list", "The images you may boot or start a vServer from: the provider's library and your own.");
        list.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            output.Rows(
                await client.GetAsync("api/v1/isos", ct),
                new Column("NAME", e => Output.Text(e, "name")),
                new Column("TITLE", e => Output.Text(e, "title")),
                new Column("FORMAT", e => Output.Text(e, "format")),
                new Column("SIZE MiB", e => e.TryGetProperty("sizeBytes", out var v) && v.TryGetInt64(out var bytes) ? (bytes / (1024 * 1024)).ToString(System.Globalization.CultureInfo.InvariantCulture) : ""),
                new Column("OWNER", e => Output.Text(e, "owner")),
                new Column("SHA-256", e => Output.Text(e, "sha256")));
            return ExitCodes.Ok;
        }));
        iso.Subcommands.Add(list);

        var file = new Argument<FileInfo>("file") { Description = "The ISO 9660 or UDF image to upload." };
        var title = new Option<string?>("--title") { Description = "What the image is called in lists (its file name when left out)." };
        var resume = new Option<string?>("--resume") { Description = "Goes on with an upload that was cut off: its id or address, as vcore printed it." };
        var upload = new Command("upload", "Uploads an ISO image to your images (the provider's: to the library), resumably, with a progress bar on a terminal; the portal keeps it only with the file's SHA-256.") { file, title, resume };
        upload.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var path = p.GetValue(file)!;
            if (!path.Exists)
            {
                throw new CliException(ExitCodes.Usage, $"There is no file {path.FullName}.");
            }

            var result = await UploadWithProgressAsync(client, path, p.GetValue(title), p.GetValue(resume), ct);
            if (output.IsJson)
            {
                output.Json(JsonSerializer.SerializeToElement(result, PortalClient.Json));
            }
            else
            {
                output.Line($"Uploaded {result.Name} ({result.Bytes:N0} bytes, SHA-256 {result.Sha256}). Boot a vServer from it: vcore vm create --iso {result.Name} …");
            }

            return ExitCodes.Ok;
        }));
        iso.Subcommands.Add(upload);
        return iso;
    }

    private Command Webhook()
    {
        var webhook = new Command("webhook", "Webhooks of your account: list, create, ping, deliveries, rotate-secret, delete.");
        Column[] columns =
        [
            new("ID", e => Output.Text(e, "id")),
            new("URL", e => Output.Text(e, "url")),
            new("EVENTS", e => Output.Text(e, "events")),
            new("ON", e => e.TryGetProperty("enabled", out var on) && on.ValueKind == JsonValueKind.True ? "yes" : "no"),
            new("WAITING", e => Output.Text(e, "waiting")),
            new("LAST ERROR", e => Output.Text(e, "lastError")),
        ];

        var list = new Command("list", "Your account's webhook subscriptions.");
        list.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            output.Rows(await client.GetAsync("api/v1/webhooks", ct), columns);
            return ExitCodes.Ok;
        }));
        webhook.Subcommands.Add(list);

        var url = new Option<string>("--url") { Description = "Where events go: an https URL on a public address.", Required = true };
        var events = new Option<string[]>("--event") { Description = "An event type (repeat it; * for all): job.completed, job.failed, vm.state-changed, invoice.issued, alert.fired, alert.resolved.", Required = true, AllowMultipleArgumentsPerToken = true };
        var description = new Option<string?>("--description") { Description = "What it is for." };
        var create = new Command("create", "Subscribes a URL to events; prints the signing secret, this once.") { url, events, description };
        create.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var created = await client.PostAsync("api/v1/webhooks", new { url = p.GetValue(url), events = p.GetValue(events), description = p.GetValue(description) }, ct);
            output.One(created, new Column("ID", e => Output.Text(e.GetProperty("webhook"), "id")), new Column("URL", e => Output.Text(e.GetProperty("webhook"), "url")), new Column("SECRET", e => Output.Text(e, "secret")));
            return ExitCodes.Ok;
        }));
        webhook.Subcommands.Add(create);

        var pinged = new Argument<Guid>("webhook") { Description = "The webhook's id (vcore webhook list)." };
        var ping = new Command("ping", "Queues a ping event to the webhook, to try its receiver.") { pinged };
        ping.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            output.One(await client.PostAsync($"api/v1/webhooks/{p.GetValue(pinged)}/ping", null, ct), DeliveryColumns);
            return ExitCodes.Ok;
        }));
        webhook.Subcommands.Add(ping);

        var logged = new Argument<Guid>("webhook") { Description = "The webhook's id." };
        var limit = new Option<int>("--limit") { Description = "How many (1–200), newest first.", DefaultValueFactory = _ => 50 };
        var deliveries = new Command("deliveries", "The webhook's delivery log: status, attempts, the receiver's last answer.") { logged, limit };
        deliveries.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var log = await client.GetAsync($"api/v1/webhooks/{p.GetValue(logged)}/deliveries?limit={p.GetValue(limit)}", ct);
            output.Rows(log.GetProperty("deliveries"), DeliveryColumns);
            return ExitCodes.Ok;
        }));
        webhook.Subcommands.Add(deliveries);

        var rotated = new Argument<Guid>("webhook") { Description = "The webhook's id." };
        var overlap = new Option<int?>("--keep-old-hours") { Description = "How long the old secret still signs beside the new one (0–168 hours; 24 when left out)." };
        var rotate = new Command("rotate-secret", "Makes a new signing secret and prints it, this once; the old one signs too for a while.") { rotated, overlap };
        rotate.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            var made = await client.PostAsync($"api/v1/webhooks/{p.GetValue(rotated)}/rotate-secret", new { keepOldHours = p.GetValue(overlap) }, ct);
            output.One(made, new Column("SECRET", e => Output.Text(e, "secret")), new Column("OLD SECRET SIGNS UNTIL", e => Output.Time(e, "previousSecretValidUntil")));
            return ExitCodes.Ok;
        }));
        webhook.Subcommands.Add(rotate);

        var doomed = new Argument<Guid>("webhook") { Description = "The webhook's id." };
        var yes = new Option<bool>("--yes") { Description = "Confirms: its log goes with it and nothing waiting is sent." };
        var delete = new Command("delete", "Deletes the webhook and its delivery log (needs --yes).") { doomed, yes };
        delete.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            if (!p.GetValue(yes))
            {
                throw new CliException(ExitCodes.Usage, "Deleting the webhook drops its log and what waits: add --yes to confirm.");
            }

            await client.DeleteAsync($"api/v1/webhooks/{p.GetValue(doomed)}", ct);
            return ExitCodes.Ok;
        }));
        webhook.Subcommands.Add(delete);
        return webhook;
    }

    private static readonly Column[] DeliveryColumns =
    [
        new("NO", e => Output.Text(e, "id")),
        new("EVENT", e => Output.Text(e, "event")),
        new("QUEUED", e => Output.Time(e, "createdAt")),
        new("STATUS", e => Output.Text(e, "status")),
        new("ATTEMPTS", e => Output.Text(e, "attempts")),
        new("ANSWER", e => $"{Output.Text(e, "lastStatusCode")} {Output.Text(e, "lastError")}".Trim()),
    ];

    private Command Invoice()
    {
        var invoice = new Command("invoice", "Invoices.");
        var list = new Command("list", "The invoices you may see, newest first (the first 200).");
        list.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            output.Rows(
                await client.GetAsync("api/v1/invoices", ct),
                new Column("NUMBER", e => Output.Text(e, "number")),
                new Column("PERIOD", e => $"{Output.Text(e, "periodStart")} – {Output.Text(e, "periodEnd")}"),
                new Column("ISSUER", e => e.TryGetProperty("issuer", out var who) ? Output.Text(who, "legalName") : ""),
                new Column("RECIPIENT", e => e.TryGetProperty("recipient", out var who) ? Output.Text(who, "legalName") : ""),
                new Column("GROSS EUR", e => Output.Text(e, "gross")),
                new Column("OPEN EUR", e => Output.Text(e, "open")),
                new Column("STATUS", e => Output.Text(e, "payment") is { Length: > 0 } payment ? payment : Output.Text(e, "status")));
            return ExitCodes.Ok;
        }));
        invoice.Subcommands.Add(list);
        return invoice;
    }

    private Command Metrics()
    {
        var vm = new Option<string?>("--vm") { Description = "A vServer's usage (name or id)." };
        var node = new Option<string?>("--node") { Description = "A rack server's usage (the provider's)." };
        var range = new Option<string>("--range") { Description = "hour, day, week, month, year or decade.", DefaultValueFactory = _ => "hour" };
        range.AcceptOnlyFromAmong("hour", "day", "week", "month", "year", "decade");
        var series = new Option<string?>("--series") { Description = "Only these series, separated by commas (cpu, memory, disk-read, net-in, …)." };
        var command = new Command("metrics", "Usage over a range — of a vServer, a rack server, or your whole vDataCenter when neither is named: each series' latest value, average, minimum and maximum.") { vm, node, range, series };
        command.SetAction((p, ct) => WithPortalAsync(p, async (client, output) =>
        {
            if (p.GetValue(vm) is { Length: > 0 } && p.GetValue(node) is { Length: > 0 })
            {
                throw new CliException(ExitCodes.Usage, "Name a vServer or a rack server, not both.");
            }

            var query = Query(("range", p.GetValue(range)), ("series", p.GetValue(series)));
            var path = p.GetValue(vm) is { Length: > 0 } v ? $"api/v1/vms/{Output.Text(await ResolveVmAsync(client, v, ct), "id")}/metrics"
                : p.GetValue(node) is { Length: > 0 } n ? $"api/v1/nodes/{Uri.EscapeDataString(n)}/metrics"
                : "api/v1/capacity/metrics";
            var metrics = await client.GetAsync(path + query, ct);
            if (output.IsJson)
            {
                output.Json(metrics);
                return ExitCodes.Ok;
            }

            if (metrics.TryGetProperty("simulated", out var simulated) && simulated.ValueKind == JsonValueKind.True)
            {
                await stderr.WriteLineAsync("vcore: these figures come from a simulated rack server.");
            }

            output.Rows(SeriesSummary(metrics), new Column("SERIES", e => Output.Text(e, "name")), new Column("UNIT", e => Output.Text(e, "unit")),
                new Column("LATEST", e => Output.Text(e, "latest")), new Column("AVERAGE", e => Output.Text(e, "average")),
                new Column("MIN", e => Output.Text(e, "min")), new Column("MAX", e => Output.Text(e, "max")));
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>One row per series: its newest measured average, and the range's average, minimum and maximum.</summary>
    public static JsonElement SeriesSummary(JsonElement metrics)
    {
        static double[] Values(JsonElement series, string property) =>
            series.TryGetProperty(property, out var values) && values.ValueKind == JsonValueKind.Array
                ? [.. values.EnumerateArray().Where(v => v.ValueKind == JsonValueKind.Number).Select(v => v.GetDouble())]
                : [];
        static string Figure(double? value) => value is { } v ? Math.Round(v, 2).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture) : "";

        var rows = new List<Dictionary<string, string>>();
        foreach (var series in metrics.GetProperty("series").EnumerateArray())
        {
            var averages = Values(series, "avg");
            var minimums = Values(series, "min");
            var maximums = Values(series, "max");
            rows.Add(new Dictionary<string, string>
            {
                ["name"] = Output.Text(series, "name"),
                ["unit"] = Output.Text(series, "unit"),
                ["latest"] = Figure(averages.Length > 0 ? averages[^1] : null),
                ["average"] = Figure(averages.Length > 0 ? averages.Average() : null),
                ["min"] = Figure(minimums.Length > 0 ? minimums.Min() : null),
                ["max"] = Figure(maximums.Length > 0 ? maximums.Max() : null),
            });
        }

        return JsonSerializer.SerializeToElement(rows);
    }

    private Command Completion()
    {
        var shell = new Argument<string>("shell") { Description = "bash or zsh." };
        shell.AcceptOnlyFromAmong("bash", "zsh");
        var command = new Command("completion", "Prints the shell's completion for vcore: eval \"$(vcore completion bash)\" in ~/.bashrc (zsh: in ~/.zshrc).") { shell };
        command.SetAction(async (p, _) =>
        {
            // Both ask vcore itself ([suggest:N] directive): the completions are always those of the installed version.
            await stdout.WriteAsync(p.GetValue(shell) == "zsh" ? ZshCompletion : BashCompletion);
            return ExitCodes.Ok;
        });
        return command;
    }

    private const string BashCompletion = """
        _vcore_complete() {
          local IFS=$'\n'
          COMPREPLY=( $(compgen -W "$(vcore "[suggest:${COMP_POINT}]" "${COMP_LINE}" 2>/dev/null)" -- "${COMP_WORDS[COMP_CWORD]}") )
        }
        complete -o default -F _vcore_complete vcore

        """;

    private const string ZshCompletion = """
        _vcore_complete() {
          local -a completions
          completions=( ${(f)"$(vcore "[suggest:${#BUFFER}]" "$BUFFER" 2>/dev/null)"} )
          compadd -a completions
        }
        compdef _vcore_complete vcore

        """;

    private static readonly Column[] VmColumns =
    [
        new("NAME", e => Output.Text(e, "name")),
        new("STATE", e => Output.Text(e, "state")),
        new("VCPUS", e => Output.Text(e, "vCpus")),
        new("RAM GiB", e => Output.Text(e, "memoryGiB")),
        new("DISK GiB", e => Output.Text(e, "diskGiB")),
        new("RACK SERVER", e => Output.Text(e, "nodeName")),
        new("ADDRESSES", e => Output.Text(e, "addresses")),
    ];

    private static readonly Column[] JobColumns =
    [
        new("ID", e => Output.Text(e, "id")),
        new("ACTION", e => Output.Text(e, "action")),
        new("NAME", e => Output.Text(e, "name")),
        new("USER", e => Output.Text(e, "userName")),
        new("STATUS", e => Output.Text(e, "status")),
        new("PROGRESS", e => Output.Text(e, "progress") + " %"),
        new("QUEUED", e => Output.Time(e, "queuedAt")),
        new("ENDED", e => Output.Time(e, "endedAt")),
        new("INFO", e => Output.Text(e, "info")),
    ];

    /// <summary>A query string of the parameters that have a value ("" when none has).</summary>
    private static string Query(params (string Name, string? Value)[] parameters)
    {
        var given = parameters.Where(q => !string.IsNullOrEmpty(q.Value)).Select(q => $"{q.Name}={Uri.EscapeDataString(q.Value!)}").ToList();
        return given.Count == 0 ? "" : "?" + string.Join('&', given);
    }

    private static string Gib(JsonElement e, string property) =>
        e.TryGetProperty(property, out var v) && v.TryGetInt64(out var bytes) ? (bytes / (1024L * 1024 * 1024)).ToString(System.Globalization.CultureInfo.InvariantCulture) : "";

    private static (Option<bool> Wait, Option<int> Timeout) WaitOptions() =>
        (new Option<bool>("--wait") { Description = "Wait until the job has completed (exit 0) or failed (exit 7)." },
         new Option<int>("--timeout") { Description = "Seconds to wait at most with --wait (exit 8 after).", DefaultValueFactory = _ => 600 });

    /// <summary>A vServer by id, or by its exact name among those the caller may see.</summary>
    public static async Task<JsonElement> ResolveVmAsync(PortalClient client, string nameOrId, CancellationToken ct)
    {
        if (Guid.TryParse(nameOrId, out var id))
        {
            return await client.GetAsync($"api/v1/vms/{id}", ct);
        }

        var matches = (await client.GetAsync("api/v1/vms?search=" + Uri.EscapeDataString(nameOrId), ct)).EnumerateArray()
            .Where(v => string.Equals(Output.Text(v, "name"), nameOrId, StringComparison.Ordinal)).ToList();
        return matches.Count switch
        {
            1 => matches[0],
            0 => throw new CliException(ExitCodes.NotFound, $"No vServer named '{nameOrId}' that you may see."),
            _ => throw new CliException(ExitCodes.Refused, $"{matches.Count} vServers are named '{nameOrId}': give the id ({string.Join(", ", matches.Select(m => Output.Text(m, "id")))})."),
        };
    }

    private async Task<int> AcceptedAsync(PortalClient client, Output output, JsonElement accepted, bool wait, int timeoutSeconds, CancellationToken ct)
    {
        var jobId = Guid.Parse(Output.Text(accepted, "jobId"));
        if (!wait)
        {
            if (output.IsJson)
            {
                output.Json(accepted);
            }
            else
            {
                output.Line($"Job {jobId} {Output.Text(accepted, "status")} (vServer {Output.Text(accepted, "vmId")}); follow it with: vcore job wait {jobId}");
            }

            return ExitCodes.Ok;
        }

        return await FinishedAsync(client, output, jobId, timeoutSeconds, ct);
    }

    /// <summary>Polls the job until it ends: quickly at first (most jobs take milliseconds), then once a second.</summary>
    private async Task<int> FinishedAsync(PortalClient client, Output output, Guid jobId, int timeoutSeconds, CancellationToken ct)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(Math.Max(1, timeoutSeconds));
        var pause = TimeSpan.FromMilliseconds(100);
        var said = "";
        while (true)
        {
            var job = await client.GetAsync($"api/v1/jobs/{jobId}", ct);
            var status = Output.Text(job, "status");
            if (status is "completed" or "failed")
            {
                output.One(job, JobColumns);
                if (status == "failed")
                {
                    throw new CliException(ExitCodes.JobFailed, $"Job {jobId} ({Output.Text(job, "action")} {Output.Text(job, "name")}) failed: {Output.Text(job, "info")}");
                }

                return ExitCodes.Ok;
            }

            var now = $"{status} {Output.Text(job, "progress")} % {Output.Text(job, "info")}".Trim();
            if (now != said && !Console.IsErrorRedirected)
            {
                await stderr.WriteLineAsync($"  {now}");
                said = now;
            }

            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new CliException(ExitCodes.TimedOut, $"Job {jobId} is still {status} after {timeoutSeconds} s: {Output.Text(job, "info")}");
            }

            await Task.Delay(pause, ct);
            pause = TimeSpan.FromMilliseconds(Math.Min(1000, pause.TotalMilliseconds * 2));
        }
    }

    /// <summary>
    /// Prints each change of the job (or of every job the caller may see) as the live feed brings it. The job is read
    /// once after the feed is open, so a job that ended before is reported at once and none ends unseen in between.
    /// </summary>
    private async Task<int> FollowAsync(PortalClient client, Output output, Guid? jobId, int timeoutSeconds, CancellationToken ct)
    {
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (timeoutSeconds > 0)
        {
            window.CancelAfter(TimeSpan.FromSeconds(timeoutSeconds));
        }

        var changes = System.Threading.Channels.Channel.CreateUnbounded<JsonElement>();
        await using var live = client.LiveConnection();
        live.On<JsonElement>("job", change =>
        {
            if (jobId is null || Output.Text(change, "id") == jobId.Value.ToString())
            {
                changes.Writer.TryWrite(change);
            }
        });
        live.Closed += error =>
        {
            changes.Writer.TryComplete(error ?? new InvalidOperationException("The portal closed the live feed."));
            return Task.CompletedTask;
        };

        try
        {
            await live.StartAsync(window.Token);
        }
        catch (HttpRequestException ex) when (ex.StatusCode is System.Net.HttpStatusCode.Unauthorized or System.Net.HttpStatusCode.Forbidden)
        {
            throw new CliException(ex.StatusCode == System.Net.HttpStatusCode.Unauthorized ? ExitCodes.NotSignedIn : ExitCodes.NotAllowed, $"The portal refused the live feed ({(int)ex.StatusCode!}).");
        }
        catch (Exception ex) when (ex is HttpRequestException or WebSocketException or InvalidOperationException && !ct.IsCancellationRequested)
        {
            throw new CliException(ExitCodes.Unreachable, $"Cannot open the portal's live feed: {ex.Message}");
        }

        if (jobId is { } id)
        {
            changes.Writer.TryWrite(await client.GetAsync($"api/v1/jobs/{id}", ct));
        }
        else
        {
            await stderr.WriteLineAsync($"Following the jobs you may see at {client.BaseAddress.ToString().TrimEnd('/')} (Ctrl-C ends).");
        }

        try
        {
            await foreach (var job in changes.Reader.ReadAllAsync(window.Token))
            {
                var status = Output.Text(job, "status");
                if (output.IsJson)
                {
                    await stdout.WriteLineAsync(JsonSerializer.Serialize(job));
                }
                else
                {
                    await stdout.WriteLineAsync(Output.Printable(
                        $"{DateTimeOffset.Now:HH:mm:ss}  {Output.Text(job, "id")}  {Output.Text(job, "action"),-14} {Output.Text(job, "name"),-20} {status,-9} {Output.Text(job, "progress"),3} %  {Output.Text(job, "info")}".TrimEnd()));
                }

                await stdout.FlushAsync(ct);
                if (jobId is not null && status is "completed" or "failed")
                {
                    return status == "failed"
                        ? throw new CliException(ExitCodes.JobFailed, $"Job {jobId} ({Output.Text(job, "action")} {Output.Text(job, "name")}) failed: {Output.Text(job, "info")}")
                        : ExitCodes.Ok;
                }
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            if (jobId is not null)
            {
                throw new CliException(ExitCodes.TimedOut, $"Job {jobId} did not end within {timeoutSeconds} s.");
            }

            return ExitCodes.Ok;
        }
        catch (Exception ex) when (ex is not CliException and not OperationCanceledException)
        {
            throw new CliException(ExitCodes.Unreachable, $"The live feed ended: {ex.Message}");
        }

        return ExitCodes.Ok;
    }

    /// <summary>
    /// Runs the upload with a progress bar (checksum, then bytes) on stderr when it is a terminal; scripts get no bar.
    /// The upload's id is said first, so an upload cut off can be resumed.
    /// </summary>
    private async Task<IsoUpload.Result> UploadWithProgressAsync(PortalClient client, FileInfo path, string? title, string? resume, CancellationToken ct)
    {
        void Started(string location) => stderr.WriteLine($"Upload {location.TrimEnd('/').Split('/')[^1]} — if it is cut off, go on with: vcore iso upload {path.Name} --resume {location.TrimEnd('/').Split('/')[^1]}");
        if (Console.IsErrorRedirected)
        {
            return await new IsoUpload(client, path.FullName, new SynchronousProgress(_ => { })).RunAsync(title, resume, Started, ct);
        }

        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        IsoUpload.Result? result = null;
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn(), new RemainingTimeColumn())
            .StartAsync(async context =>
            {
                var checksum = context.AddTask("Checksum", autoStart: resume is null, maxValue: path.Length);
                var bytes = context.AddTask("Upload", autoStart: false, maxValue: path.Length);
                var progress = new SynchronousProgress(report =>
                {
                    var task = report.Stage == "Checksum" ? checksum : bytes;
                    if (!task.IsStarted)
                    {
                        task.StartTask();
                    }

                    task.Value = report.Done;
                });
                result = await new IsoUpload(client, path.FullName, progress).RunAsync(title, resume, Started, ct);
                checksum.Value = checksum.MaxValue;
                bytes.Value = bytes.MaxValue;
            });
        return result!;
    }

    private Output OutputOf(ParseResult p) => new(stdout, p.GetValue(_output) == "json", p.GetValue(_output) == "yaml");

    private Task<int> WithPortalAsync(ParseResult p, Func<PortalClient, Output, Task<int>> work) => GuardAsync(async () =>
    {
        var stored = CliConfig.Load();
        var url = p.GetValue(_url) ?? Environment.GetEnvironmentVariable("VCORE_URL") ?? stored?.Url
            ?? throw new CliException(ExitCodes.NotSignedIn, "No portal: run 'vcore login --url https://…' or set VCORE_URL.");
        var baseUrl = PortalClient.ParseUrl(url);
        var token = p.GetValue(_token) ?? Environment.GetEnvironmentVariable("VCORE_TOKEN")
            ?? (stored is not null && PortalClient.ParseUrl(stored.Url) == baseUrl ? stored.Token : null)
            ?? throw new CliException(ExitCodes.NotSignedIn, $"Not signed in to {baseUrl.ToString().TrimEnd('/')}: run 'vcore login' or set VCORE_TOKEN.");
        using var client = PortalClient.WithToken(baseUrl.ToString(), token);
        return await work(client, OutputOf(p));
    });

    private async Task<int> GuardAsync(Func<Task<int>> work)
    {
        try
        {
            return await work();
        }
        catch (CliException ex)
        {
            await stderr.WriteLineAsync($"vcore: {ex.Message}");
            return ex.ExitCode;
        }
        catch (OperationCanceledException)
        {
            await stderr.WriteLineAsync("vcore: cancelled.");
            return ExitCodes.Failed;
        }
    }

    /// <summary>
    /// Asks on the terminal, key by key for every answer (a line reader would take what was typed ahead, the password
    /// too, into its buffer); a secret is not shown.
    /// </summary>
    private string Ask(string prompt, bool secret)
    {
        stderr.Write(prompt);
        var typed = new System.Text.StringBuilder();
        while (true)
        {
            var key = Console.ReadKey(intercept: true);
            if (key.Key == ConsoleKey.Enter)
            {
                stderr.WriteLine();
                return typed.ToString();
            }

            if (key.Key == ConsoleKey.Backspace)
            {
                if (typed.Length > 0)
                {
                    typed.Length--;
                    if (!secret)
                    {
                        stderr.Write("\b \b");
                    }
                }
            }
            else if (!char.IsControl(key.KeyChar))
            {
                typed.Append(key.KeyChar);
                if (!secret)
                {
                    stderr.Write(key.KeyChar);
                }
            }
        }
    }
}

/// <summary>Progress reported on the reporting thread, at once (the bar shows what was done, not what was queued).</summary>
internal sealed class SynchronousProgress(Action<(string Stage, long Done, long Total)> report) : IProgress<(string Stage, long Done, long Total)>
{
    public void Report((string Stage, long Done, long Total) value) => report(value);
}
