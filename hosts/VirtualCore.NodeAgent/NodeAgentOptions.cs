namespace VirtualCore.NodeAgent;

/// <summary>One rack server an agent serves.</summary>
public sealed class NodeAgentOptions
{
    /// <summary>The rack server's name in the portal.</summary>
    public string NodeName { get; set; } = "";

    /// <summary>The adapter plugin, e.g. "libvirt".</summary>
    public string Adapter { get; set; } = "libvirt";

    /// <summary>Adapter address, e.g. "qemu:///system".</summary>
    public string Uri { get; set; } = "";

    public Dictionary<string, string> Settings { get; set; } = [];

    /// <summary>
    /// The address other nodes' hypervisors use to send a VM here (e.g. <c>qemu+tls://rack-2.example/system</c>);
    /// <see cref="Uri"/> when empty, which suits nodes on one machine.
    /// </summary>
    public string? MigrationUri { get; set; }

    /// <summary>How long a guest may take to shut down after the ACPI request before the job fails.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the state of a shutting-down guest is read.</summary>
    public TimeSpan ShutdownPollInterval { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// How long a guest is given after each press of the ACPI power button before it is pressed again: a guest that
    /// was still booting, or busy while the press came, misses it and never shuts down on one press alone. Each press
    /// is a progress report too, so the portal hears the job is alive while the guest takes its time.
    /// </summary>
    public TimeSpan ShutdownPressInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// How long a job's report may take to go out. A publish caught by a broker restart can wait for good; past this the
    /// report is given up (the job's outcome stays in memory and is sent again when the portal sends the command again),
    /// so the consumer and the VM's lock are free for the next command.
    /// </summary>
    public TimeSpan ReportTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the adapter may take over one job (and over reading the domain's state after it). An adapter that hangs
    /// — a hypervisor that never answers, a bug — fails the job with the reason once this has passed, and the VM's next
    /// command may run: its call is cancelled, and abandoned if it ignores the cancellation. Long enough for the
    /// longest real work (copying a large disk image, migrating a large VM), which reports progress meanwhile.
    /// </summary>
    public TimeSpan AdapterTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// A job still running after this long is reported as started; one that ends sooner is reported once, with its
    /// start time in the end report. Most actions take milliseconds, and a report each is a message and a database
    /// write in the portal. Zero reports every start at once.
    /// </summary>
    public TimeSpan StartedReportDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often a running guest's addresses are read again for the heartbeat (each read asks the hypervisor up to three
    /// times: lease, ARP, guest agent). A guest without addresses is asked at every beat during its first two minutes,
    /// the time its lease takes. Zero reads every guest at every beat.
    /// </summary>
    public TimeSpan AddressRefreshInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the agent reads what the node and its running VMs use and reports it (one message per interval with
    /// every VM), where the adapter can. Zero reports no usage.
    /// </summary>
    public TimeSpan UsageInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the agent reports the node's capacity and domains.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(15);
}
