using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt;

/// <summary>
/// Made-up usage for a simulated rack server (libvirt's test driver counts nothing): each domain gets a profile from its
/// id — how busy its CPU is, how much it reads, writes, receives and sends — that swings over the day and over minutes,
/// the same on every run and in every process, so graphs of the embedded default look alive and tests can predict them.
/// Counts grow only while a domain runs (a paused one uses no CPU and does no I/O) and start at zero in a new process,
/// as a domain started again would.
/// </summary>
internal sealed class SimulatedUsage
{
    private static readonly DateTimeOffset Epoch = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly Dictionary<Guid, Counters> domains = [];
    private readonly Lock sync = new();
    private double nodeBusySeconds;
    private double nodeTotalSeconds;
    private double? lastNodeTime;

    internal UsageSample Sample(DateTimeOffset now, NodeCapacity capacity, IReadOnlyList<DomainInfo> active)
    {
        var t = (now - Epoch).TotalSeconds;
        var cores = Math.Max(1, capacity.Sockets * capacity.CoresPerSocket * Math.Max(1, capacity.ThreadsPerCore));
        lock (sync)
        {
            var usages = new List<DomainUsage>(active.Count);
            var busy = 0.0;
            var used = 0L;
            foreach (var domain in active)
            {
                var counters = domains.TryGetValue(domain.Id, out var known) ? known : domains[domain.Id] = new Counters(Profile.Of(domain.Id), t);
                busy += counters.Advance(t, domain.VCpus, running: domain.State != DomainState.Paused);
                var memoryUsed = (long)(domain.MemoryBytes * counters.Profile.MemoryShare(t));
                used += memoryUsed;
                usages.Add(counters.ToUsage(domain, memoryUsed));
            }

            foreach (var gone in domains.Keys.Where(id => active.All(d => d.Id != id)).ToList())
            {
                domains.Remove(gone);
            }

            // The node: what its domains used, and a little of its own.
            var elapsed = lastNodeTime is { } last ? Math.Max(0, t - last) : 0;
            lastNodeTime = t;
            nodeTotalSeconds += elapsed * cores;
            nodeBusySeconds += Math.Min(elapsed * cores, busy + elapsed * cores * 0.02);
            var load = elapsed > 0 ? Math.Round((busy / elapsed) + (cores * 0.02), 2) : 0;
            var free = Math.Max(0, capacity.MemoryBytes - used - (1L << 30));
            var node = new NodeUsage((long)(nodeBusySeconds * 1e9), (long)(nodeTotalSeconds * 1e9), capacity.MemoryBytes, free, load);
            return new UsageSample(now, node, usages);
        }
    }

    /// <summary>A domain's rates: each a base that swings by a daily, a slower and a faster wave (together less than the base).</summary>
    private sealed record Profile(double CpuShare, double ReadBps, double WriteBps, double ReadOpBytes, double WriteOpBytes, double ReceiveBps, double SendBps, double PacketBytes, double MemoryBase, double Phase, double SlowPeriod, double FastPeriod)
    {
        internal static Profile Of(Guid id)
        {
            var b = id.ToByteArray();
            double F(int i) => b[i] / 255.0;
            return new Profile(
                CpuShare: 0.05 + (0.40 * F(0)),
                ReadBps: 20e3 + (2e6 * F(1) * F(1)),
                WriteBps: 50e3 + (4e6 * F(2) * F(2)),
                ReadOpBytes: 4096 + (60e3 * F(3)),
                WriteOpBytes: 4096 + (60e3 * F(4)),
                ReceiveBps: 5e3 + (1.5e6 * F(5) * F(5)),
                SendBps: 20e3 + (4e6 * F(6) * F(6)),
                PacketBytes: 600 + (800 * F(7)),
                MemoryBase: 0.35 + (0.45 * F(8)),
                Phase: 2 * Math.PI * F(9),
                SlowPeriod: 600 + (1200 * F(10)),
                FastPeriod: 90 + (150 * F(11)));
        }

        /// <summary>The integral from <paramref name="t0"/> to <paramref name="t1"/> of base × (1 + ½ daily + ¼ slow + 0.15 fast wave).</summary>
        internal double Integral(double rate, double t0, double t1, double shift) =>
            rate * ((t1 - t0) + Wave(0.5, 86_400, t0, t1, Phase + shift) + Wave(0.25, SlowPeriod, t0, t1, Phase * 2 + shift) + Wave(0.15, FastPeriod, t0, t1, Phase * 3 + shift));

        internal double MemoryShare(double t) => MemoryBase * (1 + (0.1 * Math.Sin((2 * Math.PI * t / 86_400) + Phase)) + (0.03 * Math.Sin((2 * Math.PI * t / SlowPeriod) + Phase)));

        private static double Wave(double amplitude, double period, double t0, double t1, double phase)
        {
            var w = 2 * Math.PI / period;
            return -amplitude / w * (Math.Cos((w * t1) + phase) - Math.Cos((w * t0) + phase));
        }
    }

    private sealed class Counters(Profile profile, double t)
    {
        private double last = t;
        private double cpuSeconds;
        private double read;
        private double written;
        private double received;
        private double sent;

        internal Profile Profile => profile;

        /// <summary>Counts what the domain did since the last sample; returns the CPU seconds it used.</summary>
        internal double Advance(double now, int vcpus, bool running)
        {
            var from = last;
            last = Math.Max(last, now);
            if (!running || now <= from)
            {
                return 0;
            }

            var cpu = profile.Integral(profile.CpuShare * vcpus, from, now, 0);
            cpuSeconds += cpu;
            read += profile.Integral(profile.ReadBps, from, now, 1);
            written += profile.Integral(profile.WriteBps, from, now, 2);
            received += profile.Integral(profile.ReceiveBps, from, now, 3);
            sent += profile.Integral(profile.SendBps, from, now, 4);
            return cpu;
        }

        internal DomainUsage ToUsage(DomainInfo domain, long memoryUsed) =>
            new(
                domain.Id,
                domain.VCpus,
                (long)(cpuSeconds * 1e9),
                domain.MemoryBytes,
                memoryUsed,
                [new DiskUsage("vda", (long)read, (long)written, (long)(read / profile.ReadOpBytes), (long)(written / profile.WriteOpBytes))],
                [new InterfaceUsage("vnet0", (long)received, (long)sent, (long)(received / profile.PacketBytes), (long)(sent / profile.PacketBytes))]);
    }
}
