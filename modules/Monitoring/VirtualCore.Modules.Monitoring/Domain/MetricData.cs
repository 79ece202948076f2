using System.Buffers.Binary;
using VirtualCore.Modules.Monitoring.Contracts;

namespace VirtualCore.Modules.Monitoring.Domain;

/// <summary>A resolution of the history: bucket length and how many buckets the ring keeps.</summary>
internal sealed record MetricTier(int Number, int StepSeconds, int Length)
{
    public long Retention => (long)StepSeconds * Length;

    public int SlotOf(long bucketStart) => (int)(bucketStart / StepSeconds % Length);

    public long BucketOf(long unixSeconds) => unixSeconds - (((unixSeconds % StepSeconds) + StepSeconds) % StepSeconds);
}

/// <summary>
/// The tiers (10-second samples for 48 hours, minutes for two weeks, quarter hours for three months, two hours for two
/// years, days for ten years) and the figures' encoding: per series in <see cref="MetricNames.All"/> order, single-precision
/// floats, little-endian; NaN where nothing was measured. A raw sample holds one value per series, a rolled-up bucket
/// three (average, minimum, maximum).
/// </summary>
internal static class MetricData
{
    public static readonly MetricTier[] Tiers =
    [
        new(0, 10, 17_280),
        new(1, 60, 20_160),
        new(2, 900, 8_832),
        new(3, 7_200, 8_784),
        new(4, 86_400, 3_653),
    ];

    public static int Count => MetricNames.All.Count;

    public static int IndexOf(string name)
    {
        for (var i = 0; i < MetricNames.All.Count; i++)
        {
            if (MetricNames.All[i].Name == name)
            {
                return i;
            }
        }

        return -1;
    }

    public static byte[] EncodeRaw(ReadOnlySpan<double> values)
    {
        var data = new byte[Count * 4];
        for (var i = 0; i < Count; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(data.AsSpan(i * 4), i < values.Length ? (float)values[i] : float.NaN);
        }

        return data;
    }

    /// <summary>Average, minimum and maximum of series <paramref name="index"/>; a raw sample's three are its one value.</summary>
    public static (float Avg, float Min, float Max) Read(byte[] data, int index)
    {
        if (data.Length == Count * 4)
        {
            var value = BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(index * 4));
            return (value, value, value);
        }

        var offset = index * 12;
        return (
            BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(offset)),
            BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(offset + 4)),
            BinaryPrimitives.ReadSingleLittleEndian(data.AsSpan(offset + 8)));
    }

    /// <summary>
    /// Adds rolled-up buckets of several series figure by figure (average to average, minimum to minimum, maximum to
    /// maximum); series <paramref name="skip"/> (a share that does not add up) stays unmeasured, as does a figure none has.
    /// </summary>
    public static byte[] Sum(IReadOnlyList<byte[]> buckets, int skip)
    {
        var result = new byte[Count * 12];
        for (var i = 0; i < Count; i++)
        {
            var (avg, min, max, any) = (0.0, 0.0, 0.0, false);
            foreach (var data in buckets)
            {
                var (a, lo, hi) = Read(data, i);
                if (i != skip && !float.IsNaN(a))
                {
                    (avg, min, max, any) = (avg + a, min + lo, max + hi, true);
                }
            }

            var span = result.AsSpan(i * 12);
            BinaryPrimitives.WriteSingleLittleEndian(span, any ? (float)avg : float.NaN);
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], any ? (float)min : float.NaN);
            BinaryPrimitives.WriteSingleLittleEndian(span[8..], any ? (float)max : float.NaN);
        }

        return result;
    }

    /// <summary>Summarises buckets of the tier below (each weighted by its sample count) into one rolled-up bucket.</summary>
    public static (byte[] Data, int Count) Roll(IReadOnlyList<(byte[] Data, int Count)> sources)
    {
        var result = new byte[Count * 12];
        var total = 0;
        foreach (var (_, count) in sources)
        {
            total += count;
        }

        for (var i = 0; i < Count; i++)
        {
            double sum = 0;
            double weight = 0;
            var min = float.PositiveInfinity;
            var max = float.NegativeInfinity;
            foreach (var (data, count) in sources)
            {
                var (avg, lo, hi) = Read(data, i);
                if (float.IsNaN(avg))
                {
                    continue;
                }

                sum += (double)avg * count;
                weight += count;
                min = Math.Min(min, lo);
                max = Math.Max(max, hi);
            }

            var span = result.AsSpan(i * 12);
            var none = weight == 0;
            BinaryPrimitives.WriteSingleLittleEndian(span, none ? float.NaN : (float)(sum / weight));
            BinaryPrimitives.WriteSingleLittleEndian(span[4..], none ? float.NaN : min);
            BinaryPrimitives.WriteSingleLittleEndian(span[8..], none ? float.NaN : max);
        }

        return (result, total);
    }
}
