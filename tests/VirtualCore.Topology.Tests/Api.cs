using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VirtualCore.Modules.Compute.Contracts;

namespace VirtualCore.Topology.Tests;

/// <summary>The portal's REST API as the tests call it.</summary>
public static class Api
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<T> GetAsync<T>(this HttpClient client, string path) =>
        (await client.GetFromJsonAsync<T>(path, Json))!;

    public static async Task<JobAccepted> CreateVmAsync(this HttpClient client, string name, string? isoName = "tiny-guest")
    {
        var response = await client.PostAsJsonAsync("/api/v1/vms", new { name, vCpus = 1, memoryGiB = 1, diskGiB = 10, isoName });
        return await AcceptedAsync(response, $"create {name}");
    }

    /// <summary>A VM action ("start", "shutdown", "power-off", …) or, with a body, a POST to the VM's sub-resource.</summary>
    public static async Task<JobAccepted> ActAsync(this HttpClient client, Guid vmId, string action, object? body = null)
    {
        var response = body is null
            ? await client.PostAsync($"/api/v1/vms/{vmId}/{action}", null)
            : await client.PostAsJsonAsync($"/api/v1/vms/{vmId}/{action}", body);
        return await AcceptedAsync(response, action);
    }

    public static async Task<JobAccepted> DeleteVmAsync(this HttpClient client, VmView vm) =>
        await AcceptedAsync(await client.DeleteAsync($"/api/v1/vms/{vm.Id}?confirm={vm.Name}"), $"delete {vm.Name}");

    /// <summary>Polls the job until it has ended; fails with <paramref name="context"/> (the processes' logs) when it does not.</summary>
    public static Task<JobView> EndedAsync(this HttpClient client, Guid jobId, TimeSpan timeout, Func<string> context) =>
        Tools.EventuallyAsync(
            () => client.GetAsync<JobView>($"/api/v1/jobs/{jobId}"),
            j => j.Status is JobStatuses.Completed or JobStatuses.Failed,
            timeout,
            j => $"job {jobId}: {j?.Action} {j?.Status} {j?.Progress}% {j?.Info}\n{context()}");

    /// <summary>Polls the job until it has ended and asserts it completed.</summary>
    public static async Task<JobView> CompletedAsync(this HttpClient client, Guid jobId, TimeSpan timeout, Func<string> context)
    {
        var job = await client.EndedAsync(jobId, timeout, context);
        Assert.True(job.Status == JobStatuses.Completed, $"{job.Action} {job.Name}: {job.Status} — {job.Info}\n{context()}");
        return job;
    }

    private static async Task<JobAccepted> AcceptedAsync(HttpResponseMessage response, string what)
    {
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{what}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (await response.Content.ReadFromJsonAsync<JobAccepted>(Json))!;
    }
}
