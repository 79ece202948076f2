using System.Globalization;
using System.Text;
using VirtualCore.LoadHarness;

// The load harness: runs a portal of its own on loopback and measures the job pipeline end to end (see README).
// Options: --scenario jobs|scale|upload|download|invoices  --contracts N (invoices)  --customers N  --jobs N  --customer-vms N  --usage SECONDS (scale)  --size-mib N (upload, download)
// --topology embedded|rabbitmq|both  --vms N  --clients 8,64  --rounds N  --nodes N  --heartbeat SECONDS  --out FILE  --port P
var arguments = Arguments.Parse(args);
var topologies = arguments.Get("topology", "embedded") switch
{
    "both" => new[] { "embedded", "rabbitmq" },
    "embedded" => ["embedded"],
    "rabbitmq" => ["rabbitmq"],
    var other => throw new ArgumentException($"--topology must be embedded, rabbitmq or both, not {other}."),
};
var vms = arguments.Number("vms", 500);
var clients = arguments.Get("clients", "8,64").Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
var rounds = arguments.Number("rounds", 2);
var nodes = arguments.Number("nodes", 4);
var heartbeat = arguments.Number("heartbeat", 2);
var port = arguments.Number("port", 5191);
var output = arguments.Get("out", Path.Combine(Repository.Root, "artifacts", "benchmarks", "load.md"));
var portalDll = Path.GetFullPath(arguments.Get("portal", Path.Combine(Repository.Root, "hosts", "VirtualCore.Portal", "bin", "Release", "net10.0", "VirtualCore.Portal.dll")));

var transfer = arguments.Get("scenario", "jobs");
if (transfer is "upload" or "download")
{
    var uploadWork = Path.Combine(Path.GetTempPath(), "vcore-load", Guid.NewGuid().ToString("N"));
    try
    {
        var sizeMiB = arguments.Number("size-mib", 2048);
        var uploads = transfer == "upload"
            ? await new UploadRun(portalDll, uploadWork, port, sizeMiB, Console.Out).RunAsync()
            : await new DownloadRun(portalDll, uploadWork, port, sizeMiB, Console.Out).RunAsync();
        var what = transfer == "upload"
            ? $"an ISO image of {sizeMiB} MiB uploaded by tus"
            : $"a simulated rack server's raw disk export of {sizeMiB} MiB downloaded";
        var uploadTable = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, embedded default: {what} over loopback with an API token (client and portal on the same cores).")
            .AppendLine()
            .AppendLine(UploadRun.Header);
        foreach (var upload in uploads)
        {
            uploadTable.AppendLine(UploadRun.Row(upload));
        }

        var uploadOutput = arguments.Get("out", Path.Combine(Repository.Root, "artifacts", "benchmarks", transfer + ".md"));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(uploadOutput))!);
        await File.WriteAllTextAsync(uploadOutput, uploadTable.ToString());
        Console.WriteLine();
        Console.WriteLine(uploadTable);
        Console.WriteLine($"written to {uploadOutput}");
        Environment.ExitCode = uploads.All(u => u.Verified) ? 0 : 1;
        return;
    }
    finally
    {
        if (Directory.Exists(uploadWork))
        {
            Directory.Delete(uploadWork, recursive: true);
        }
    }
}

if (transfer == "invoices")
{
    var invoiceWork = Path.Combine(Path.GetTempPath(), "vcore-load", Guid.NewGuid().ToString("N"));
    try
    {
        var (customerCount, contractCount) = (arguments.Number("customers", 10_000), arguments.Number("contracts", 100_000));
        var result = await new InvoiceRunBench(portalDll, invoiceWork, port, customerCount, contractCount, Console.Out).RunAsync();
        var invoiceTable = InvoiceRunBench.Table(result, customerCount, contractCount);
        var invoiceOutput = arguments.Get("out", Path.Combine(Repository.Root, "artifacts", "benchmarks", "invoices.md"));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(invoiceOutput))!);
        await File.WriteAllTextAsync(invoiceOutput, invoiceTable);
        Console.WriteLine();
        Console.WriteLine(invoiceTable);
        Console.WriteLine($"written to {invoiceOutput}");
        Environment.ExitCode = result.GapFree && result.Created == result.Issued && result.Already == result.Invoices ? 0 : 1;
        return;
    }
    finally
    {
        if (Directory.Exists(invoiceWork))
        {
            Directory.Delete(invoiceWork, recursive: true);
        }
    }
}

if (arguments.Get("scenario", "jobs") == "scale")
{
    var scaleWork = Path.Combine(Path.GetTempPath(), "vcore-load", Guid.NewGuid().ToString("N"));
    var customers = arguments.Number("customers", 1000);
    var jobCount = arguments.Number("jobs", 1_000_000);
    var bigCustomer = arguments.Number("customer-vms", 1000);
    var usageSeconds = arguments.Number("usage", 10);
    try
    {
        var scale = new ScaleRun(
            new LoadOptions("embedded", arguments.Number("vms", 10_000), [], 0, arguments.Number("nodes", 500), heartbeat, portalDll, scaleWork, port),
            customers, jobCount, bigCustomer, usageSeconds, Console.Out);
        var reads = await scale.RunAsync();
        var scaleTable = new StringBuilder()
            .AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, embedded default (SQLite): {arguments.Number("vms", 10_000)} VMs of {customers} customers on {arguments.Number("nodes", 500)} simulated rack servers reporting every {heartbeat} s and their usage every {usageSeconds} s, {jobCount} jobs; latency at a client on loopback, sequential requests.")
            .AppendLine()
            .AppendLine(ScaleRun.Header);
        foreach (var read in reads)
        {
            scaleTable.AppendLine(ScaleRun.Row(read));
        }

        scaleTable.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Portal resident memory: {scale.IdleMiB:F0} MiB after the start on this data, {scale.PeakMiB:F0} MiB at most while serving the reads. Portal CPU with only the heartbeats and usage reports: {scale.BackgroundCores:F2} cores.")
            .AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Usage ingest while the reads ran: {scale.SamplesPerSecond:F0} samples per second stored (a sample: one VM or rack server at one instant); the newest was {scale.NewestSampleAgeSeconds:F0} s old when they ended. One VM's usage history takes {scale.StorageMiBPerVm.Year:F1} MiB after a year and {scale.StorageMiBPerVm.Full:F1} MiB with every ring full (ten years), on SQLite.");
        scaleTable.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Alerts: {scale.Alerts.Rules} rules (CPU and stopped over every customer's VMs, CPU and offline over every rack server) evaluated every 10 s on the leader: {scale.Alerts.Rounds:F0} rounds while the reads ran, {scale.Alerts.MeanMs:F0} ms each on average; {scale.Alerts.Open} alerts open at the end.");
        var scaleOutput = arguments.Get("out", Path.Combine(Repository.Root, "artifacts", "benchmarks", "scale.md"));
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(scaleOutput))!);
        await File.WriteAllTextAsync(scaleOutput, scaleTable.ToString());
        Console.WriteLine();
        Console.WriteLine(scaleTable);
        Console.WriteLine($"written to {scaleOutput}");
        return;
    }
    finally
    {
        if (Directory.Exists(scaleWork))
        {
            Directory.Delete(scaleWork, recursive: true);
        }
    }
}

var table = new StringBuilder()
    .AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores; {vms} VMs on {nodes} simulated rack servers, each reporting every {heartbeat} s; {rounds} pause + resume rounds.")
    .AppendLine()
    .AppendLine(LoadRun.Header);
var idle = new List<string>();
foreach (var topology in topologies)
{
    var work = Path.Combine(Path.GetTempPath(), "vcore-load", Guid.NewGuid().ToString("N"));
    try
    {
        var run = new LoadRun(new LoadOptions(topology, vms, clients, rounds, nodes, heartbeat, portalDll, work, port), Console.Out);
        foreach (var row in await run.RunAsync())
        {
            table.AppendLine(LoadRun.Row(row));
        }

        idle.Add(string.Create(CultureInfo.InvariantCulture, $"{topology}: {run.IdleMiB:F0} MiB"));
    }
    finally
    {
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
    }
}

table.AppendLine().AppendLine(CultureInfo.InvariantCulture, $"Portal resident memory when idle (started, before the first request): {string.Join("; ", idle)}.");
Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(output))!);
await File.WriteAllTextAsync(output, table.ToString());
Console.WriteLine();
Console.WriteLine(table);
Console.WriteLine($"written to {output}");

/// <summary>The harness's <c>--name value</c> options.</summary>
internal sealed class Arguments(Dictionary<string, string> values)
{
    public static Arguments Parse(string[] args)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < args.Length; i++)
        {
            if (!args[i].StartsWith("--", StringComparison.Ordinal) || i + 1 >= args.Length)
            {
                throw new ArgumentException($"Expected --name value pairs, got '{args[i]}'.");
            }

            values[args[i][2..]] = args[++i];
        }

        return new Arguments(values);
    }

    public string Get(string name, string fallback) => values.GetValueOrDefault(name, fallback);

    public int Number(string name, int fallback) =>
        values.TryGetValue(name, out var value)
            ? int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw new ArgumentException($"--{name} must be a positive whole number.")
            : fallback;
}
