namespace VirtualCore.Modules.Identity.Tests.Otp;

/// <summary>A clock the test sets, so no result depends on when the test runs.</summary>
internal sealed class FakeTimeProvider(DateTimeOffset utcNow) : TimeProvider
{
    public DateTimeOffset UtcNow { get; set; } = utcNow;

    public override DateTimeOffset GetUtcNow() => UtcNow;
}
