using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using static VirtualCore.LoadHarness.SeedSql;

namespace VirtualCore.LoadHarness;

/// <summary>
/// The monthly invoice run at a provider's scale, on the embedded default: the portal starts once to create its
/// database, then customers of the provider and of both demo resellers (each with billing details) and their contracts
/// are written straight into it, and the portal starts again on them. Measured: the operator's run for next month as the
/// API answers it (every invoice created and numbered), the same run again (nothing to do), and the numbers checked
/// gap-free per issuer in the database afterwards.
/// </summary>
internal sealed class InvoiceRunBench(string portalDll, string workDirectory, int port, int customers, int contracts, TextWriter console)
{
    private static readonly Guid[] Resellers =
    [
        new("7c0e1a5e-0000-4000-8000-000000000001"),
        new("7c0e1a5e-0000-4000-8000-000000000002"),
        new("7c0e1a5e-0000-4000-8000-000000000003"),
    ];

    public sealed record Result(string Month, int Invoices, double FirstSeconds, double AgainSeconds, int Created, int Issued, int Already, bool GapFree, double PeakMiB);

    public async Task<Result> RunAsync()
    {
        var address = new Uri($"http://127.0.0.1:{port}");
        var data = Path.Combine(workDirectory, "portal");
        var settings = new Dictionary<string, string> { ["environment"] = "Embedded", ["DemoVms"] = "false", ["Billing:MonthlyRun"] = "false", ["Logging:LogLevel:Default"] = "Warning" };
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var month = new DateOnly(today.Year, today.Month, 1).AddMonths(1);
        using var portal = await PortalProcess.StartSeededAsync(portalDll, address, data, settings, () =>
        {
            var watch = Stopwatch.StartNew();
            Seed(data, month);
            console.WriteLine($"seeded {customers} customers with {contracts} contracts in {watch.Elapsed.TotalSeconds:F0} s");
        });
        try
        {
            using var client = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromMinutes(10) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:operator-pass-1")));
            var period = month.ToString("yyyy-MM", CultureInfo.InvariantCulture);
            portal.ResetPeak();
            var (first, firstSeconds) = await RunOnceAsync(client, period);
            var (again, againSeconds) = await RunOnceAsync(client, period);
            var peak = portal.Memory().Peak;
            portal.Dispose();
            var (invoices, gapFree) = Check(data, period);
            return new Result(period, invoices, firstSeconds, againSeconds, first.GetProperty("created").GetInt32(), first.GetProperty("issued").GetInt32(), again.GetProperty("alreadyInvoiced").GetInt32(), gapFree, peak);
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{e.Message}\n--- portal log ---\n{portal.Tail()}", e);
        }
    }

    private static async Task<(JsonElement Result, double Seconds)> RunOnceAsync(HttpClient client, string period)
    {
        var watch = Stopwatch.StartNew();
        using var response = await client.PostAsJsonAsync("/api/v1/invoices/run", new { period });
        var body = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"run: {(int)response.StatusCode} {body}");
        }

        return (JsonDocument.Parse(body).RootElement.Clone(), watch.Elapsed.TotalSeconds);
    }

    private void Seed(string data, DateOnly month)
    {
        var random = new Random(20261206);
        var now = DateTimeOffset.UtcNow.UtcTicks;
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "virtualcore.db")};Pooling=false");
        connection.Open();
        using var transaction = connection.BeginTransaction();
        using var customer = Command(connection, transaction, "INSERT INTO Customers (Id, ResellerId, Name, OtpRequired, CreatedAt) VALUES ($id, $reseller, $name, 0, $at)");
        using var details = Command(connection, transaction, """
            INSERT INTO BillingDetails (PartyId, ResellerId, IsCustomer, LegalName, Street, PostalCode, City, CountryCode, VatId, Email, SmallBusiness, UpdatedAt)
            VALUES ($id, $reseller, 1, $name, 'Hauptstraße 1', '10115', 'Berlin', $country, $vat, NULL, 0, $at)
            """);
        using var contract = Command(connection, transaction, """
            INSERT INTO Contracts (Id, ResellerId, CustomerId, ProductCode, ProductName, MonthlyNetCents, WholesaleCents, Consumer, StartsOn, MinimumTermMonths, NoticeMonths, CancelledOn, EndsOn, CreatedAt, CreatedBy)
            VALUES ($id, $reseller, $customer, 'vserver-s', 'vServer S', 7500, 5250, 0, $starts, 12, 3, NULL, $ends, $at, 'load')
            """);
        var owners = new List<(Guid Id, Guid Reseller)>();
        for (var i = 0; i < customers; i++)
        {
            var id = Guid.NewGuid();
            var reseller = Resellers[i % Resellers.Length];
            owners.Add((id, reseller));
            var name = $"Load customer {i:D5}";
            Run(customer, ("$id", Text(id)), ("$reseller", Text(reseller)), ("$name", name), ("$at", now));

            // One in ten is an Austrian business with a VAT ID (reverse charge).
            var austrian = i % 10 == 9;
            Run(details, ("$id", Text(id)), ("$reseller", Text(reseller)), ("$name", name + " GmbH"), ("$country", austrian ? "AT" : "DE"), ("$vat", austrian ? (object)$"ATU{10000000 + i}" : DBNull.Value), ("$at", now));
        }

        for (var i = 0; i < contracts; i++)
        {
            var (owner, reseller) = owners[i % owners.Count];

            // Most run the whole month; some start or end in it.
            var starts = random.Next(10) == 0 ? month.AddDays(random.Next(28)) : month.AddMonths(-random.Next(1, 24));
            var ends = random.Next(20) == 0 ? month.AddDays(random.Next(28)) : (DateOnly?)null;
            if (ends < starts)
            {
                ends = null;
            }

            Run(contract, ("$id", Text(Guid.NewGuid())), ("$reseller", Text(reseller)), ("$customer", Text(owner)), ("$starts", Day(starts)),
                ("$ends", ends is { } e ? (object)Day(e) : DBNull.Value), ("$at", now));
        }

        transaction.Commit();
    }

    /// <summary>How many invoices the month has, and whether every issuer's numbers of the year are 1…n.</summary>
    private static (int Invoices, bool GapFree) Check(string data, string period)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(data, "virtualcore.db")};Mode=ReadOnly;Pooling=false");
        connection.Open();
        using var count = connection.CreateCommand();
        count.CommandText = "SELECT COUNT(*) FROM Invoices WHERE PeriodStart = $start";
        count.Parameters.AddWithValue("$start", period + "-01");
        var invoices = Convert.ToInt32(count.ExecuteScalar(), CultureInfo.InvariantCulture);
        using var numbers = connection.CreateCommand();
        numbers.CommandText = "SELECT IssuerId, Number FROM Invoices WHERE Status = 'final'";
        var byIssuer = new Dictionary<string, List<int>>();
        using (var reader = numbers.ExecuteReader())
        {
            while (reader.Read())
            {
                var number = reader.GetString(1);
                var key = reader.GetString(0) + number[..4];
                (byIssuer.TryGetValue(key, out var list) ? list : byIssuer[key] = []).Add(int.Parse(number[5..], CultureInfo.InvariantCulture));
            }
        }

        return (invoices, byIssuer.Values.All(list => list.Order().SequenceEqual(Enumerable.Range(1, list.Count))));
    }

    public static string Table(Result r, int customers, int contracts) => new StringBuilder()
        .AppendLine(CultureInfo.InvariantCulture, $"{DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC, {Environment.ProcessorCount} cores, embedded default (SQLite): the monthly invoice run for {r.Month} over {contracts} contracts of {customers} customers of the provider and two resellers, started by the operator's API call.")
        .AppendLine()
        .AppendLine("| run | seconds | invoices created | invoices numbered | recipients already invoiced |")
        .AppendLine("| --- | ---: | ---: | ---: | ---: |")
        .AppendLine(CultureInfo.InvariantCulture, $"| first | {r.FirstSeconds:F1} | {r.Created} | {r.Issued} | 0 |")
        .AppendLine(CultureInfo.InvariantCulture, $"| again | {r.AgainSeconds:F1} | 0 | 0 | {r.Already} |")
        .AppendLine()
        .AppendLine(CultureInfo.InvariantCulture, $"{r.Invoices} invoices for the month in the database; numbers gap-free per issuer: {(r.GapFree ? "yes" : "NO")}. Portal resident memory at most {r.PeakMiB:F0} MiB during the runs.")
        .ToString();

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
