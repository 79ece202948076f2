using System.Text;
using System.Web;
using System.Xml.Linq;
using OtpNet;
using VirtualCore.Modules.Identity.Otp;

namespace VirtualCore.Modules.Identity.Tests.Otp;

public sealed class TotpServiceTests
{
    // Mid-step, so ±60 seconds lands clearly in the neighbouring steps.
    private static readonly DateTimeOffset Now = new(2026, 11, 26, 10, 0, 30, TimeSpan.Zero);

    // A fixed secret keeps the "wrong code" cases deterministic.
    private const string FixedSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    private readonly FakeTimeProvider _clock = new(Now);
    private readonly TotpService _service;

    public TotpServiceTests() => _service = new TotpService(_clock, new TotpOptions());

    private static string CodeAt(string secret, DateTimeOffset at) =>
        new Totp(Base32Encoding.ToBytes(secret), step: 60).ComputeTotp(at.UtcDateTime);

    [Theory]
    [InlineData(59L, "94287082")]
    [InlineData(1111111109L, "07081804")]
    [InlineData(1111111111L, "14050471")]
    [InlineData(1234567890L, "89005924")]
    [InlineData(2000000000L, "69279037")]
    [InlineData(20000000000L, "65353130")]
    public void Rfc6238_sha1_test_vectors_verify_through_the_service(long unixSeconds, string expected)
    {
        var secret = Base32Encoding.ToString(Encoding.ASCII.GetBytes("12345678901234567890"));
        var clock = new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(unixSeconds));
        var rfc = new TotpService(clock, new TotpOptions { PeriodSeconds = 30, Digits = 8, Window = 0 });

        var result = rfc.Verify(secret, expected, lastAcceptedStep: null);

        Assert.Equal(new TotpVerification(true, unixSeconds / 30, TotpVerificationReason.Accepted), result);
    }

    [Fact]
    public void Current_step_counts_whole_periods_since_the_epoch()
    {
        Assert.Equal(Now.ToUnixTimeSeconds() / 60, _service.CurrentStep);
        _clock.UtcNow = Now.AddSeconds(29);
        Assert.Equal(Now.ToUnixTimeSeconds() / 60, _service.CurrentStep);
        _clock.UtcNow = Now.AddSeconds(30);
        Assert.Equal((Now.ToUnixTimeSeconds() / 60) + 1, _service.CurrentStep);
    }

    [Fact]
    public void New_secret_is_160_random_bits_in_unpadded_base32()
    {
        var first = _service.NewSecret();
        var second = _service.NewSecret();

        Assert.Matches("^[A-Z2-7]{32}$", first);
        Assert.Equal(20, Base32Encoding.ToBytes(first).Length);
        Assert.NotEqual(first, second);
    }

    [Fact]
    public void Code_from_oathtool_is_accepted_for_the_current_step()
    {
        var secret = _service.NewSecret();
        var code = Oathtool.Totp(secret, Now);

        var result = _service.Verify(secret, code, lastAcceptedStep: null);

        Assert.Equal(new TotpVerification(true, _service.CurrentStep, TotpVerificationReason.Accepted), result);
    }

    [Theory]
    [InlineData(-60, -1)]
    [InlineData(60, 1)]
    public void Code_from_oathtool_for_a_neighbouring_step_is_accepted(int seconds, int stepOffset)
    {
        var secret = _service.NewSecret();
        var code = Oathtool.Totp(secret, Now.AddSeconds(seconds));

        var result = _service.Verify(secret, code, lastAcceptedStep: null);

        Assert.Equal(new TotpVerification(true, _service.CurrentStep + stepOffset, TotpVerificationReason.Accepted), result);
    }

    [Theory]
    [InlineData(-120)]
    [InlineData(120)]
    public void Code_from_oathtool_two_steps_away_is_wrong(int seconds)
    {
        var secret = FixedSecret;
        var code = Oathtool.Totp(secret, Now.AddSeconds(seconds));
        Assert.NotEqual(Oathtool.Totp(secret, Now), code);

        var result = _service.Verify(secret, code, lastAcceptedStep: null);

        Assert.Equal(TotpVerification.Wrong, result);
    }

    [Fact]
    public void Code_already_accepted_is_a_replay()
    {
        var code = CodeAt(FixedSecret, Now);
        var first = _service.Verify(FixedSecret, code, lastAcceptedStep: null);
        Assert.True(first.Accepted);

        var again = _service.Verify(FixedSecret, code, lastAcceptedStep: first.MatchedStep);

        Assert.Equal(new TotpVerification(false, first.MatchedStep, TotpVerificationReason.Replayed), again);
    }

    [Fact]
    public void Previous_window_code_after_a_current_one_was_used_is_a_replay()
    {
        var current = _service.Verify(FixedSecret, CodeAt(FixedSecret, Now), lastAcceptedStep: null);
        Assert.True(current.Accepted);

        var previous = _service.Verify(FixedSecret, CodeAt(FixedSecret, Now.AddSeconds(-60)), current.MatchedStep);

        Assert.Equal(TotpVerificationReason.Replayed, previous.Reason);
        Assert.False(previous.Accepted);
        Assert.Equal(current.MatchedStep - 1, previous.MatchedStep);
    }

    [Fact]
    public void Next_window_code_after_a_current_one_was_used_is_accepted()
    {
        var step = _service.CurrentStep;

        var next = _service.Verify(FixedSecret, CodeAt(FixedSecret, Now.AddSeconds(60)), lastAcceptedStep: step);

        Assert.Equal(new TotpVerification(true, step + 1, TotpVerificationReason.Accepted), next);
    }

    [Fact]
    public void Code_with_one_digit_changed_is_wrong()
    {
        var code = CodeAt(FixedSecret, Now);
        var altered = code[..5] + (char)('0' + ((code[5] - '0' + 1) % 10));

        Assert.Equal(TotpVerification.Wrong, _service.Verify(FixedSecret, altered, lastAcceptedStep: null));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("12345")]
    [InlineData("1234567")]
    [InlineData("12 3456")]
    [InlineData("abcdef")]
    [InlineData("１２３４５６")]
    [InlineData("٠١٢٣٤٥")]
    [InlineData(" 123456")]
    [InlineData("123456 ")]
    [InlineData("123456\n")]
    public void Malformed_codes_are_refused_without_throwing(string? code)
    {
        Assert.Equal(TotpVerification.Malformed, _service.Verify(FixedSecret, code, lastAcceptedStep: null));
    }

    [Fact]
    public void Valid_code_with_a_space_in_front_is_still_malformed()
    {
        // Guards against silently trimming: the same digits without the space are accepted.
        var code = CodeAt(FixedSecret, Now);
        Assert.True(_service.Verify(FixedSecret, code, lastAcceptedStep: null).Accepted);
        Assert.Equal(TotpVerification.Malformed, _service.Verify(FixedSecret, " " + code, lastAcceptedStep: null));
    }

    [Fact]
    public void Enrolment_uri_carries_period_digits_and_the_escaped_brand()
    {
        var secret = _service.NewSecret();

        var text = _service.EnrolmentUri(secret, "Acme Cloud & Co", "alice@example.com");

        Assert.StartsWith("otpauth://totp/Acme%20Cloud%20%26%20Co:alice%40example.com?", text, StringComparison.Ordinal);
        var uri = new Uri(text);
        Assert.Equal("otpauth", uri.Scheme);
        Assert.Equal("totp", uri.Host);
        var query = HttpUtility.ParseQueryString(uri.Query);
        Assert.Equal(new string?[] { "secret", "issuer", "algorithm", "digits", "period" }, query.AllKeys);
        Assert.Equal(secret, query["secret"]);
        Assert.Equal("Acme Cloud & Co", query["issuer"]);
        Assert.Equal("SHA1", query["algorithm"]);
        Assert.Equal("6", query["digits"]);
        Assert.Equal("60", query["period"]);
        Assert.Equal("/Acme Cloud & Co:alice@example.com", Uri.UnescapeDataString(uri.AbsolutePath));
    }

    [Fact]
    public void Enrolment_uri_falls_back_to_the_default_issuer_without_a_brand()
    {
        var uri = new Uri(_service.EnrolmentUri(FixedSecret, " ", "bob"));

        Assert.Equal("VirtualCore", HttpUtility.ParseQueryString(uri.Query)["issuer"]);
        Assert.Equal("/VirtualCore:bob", uri.AbsolutePath);
    }

    [Fact]
    public void Qr_code_is_a_well_formed_svg_without_the_secret_in_it()
    {
        var enrolment = _service.EnrolmentUri(FixedSecret, "Acme", "alice@example.com");

        var svg = _service.QrCodeSvg(enrolment);

        var root = XDocument.Parse(svg).Root!;
        XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.Equal(ns + "svg", root.Name);
        Assert.NotNull(root.Attribute("viewBox"));
        Assert.NotEmpty(root.Descendants());
        Assert.DoesNotContain("script", svg, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(FixedSecret, svg, StringComparison.Ordinal);
    }

    [Fact]
    public void Qr_code_data_uri_wraps_the_same_svg()
    {
        var enrolment = _service.EnrolmentUri(FixedSecret, "Acme", "alice@example.com");
        const string prefix = "data:image/svg+xml;base64,";

        var dataUri = _service.QrCodeDataUri(enrolment);

        Assert.StartsWith(prefix, dataUri, StringComparison.Ordinal);
        Assert.Equal(_service.QrCodeSvg(enrolment), Encoding.UTF8.GetString(Convert.FromBase64String(dataUri[prefix.Length..])));
    }

    [Fact]
    public void Different_uris_give_different_qr_codes()
    {
        Assert.NotEqual(
            _service.QrCodeSvg(_service.EnrolmentUri(FixedSecret, "Acme", "alice")),
            _service.QrCodeSvg(_service.EnrolmentUri(FixedSecret, "Acme", "bob")));
    }
}
