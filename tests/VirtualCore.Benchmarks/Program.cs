using BenchmarkDotNet.Running;

namespace VirtualCore.Benchmarks;

// Not a top-level program: that would declare a second global Program beside the portal's, which the benchmarks start.
internal static class BenchmarkProgram
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(BenchmarkProgram).Assembly).Run(args);
}
