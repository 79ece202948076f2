using VirtualCore.Modules.Identity.Otp;

namespace VirtualCore.Modules.Identity.Tests.Otp;

public sealed class RecoveryCodesTests
{
    [Fact]
    public void Ten_distinct_codes_in_three_groups_of_four_unambiguous_characters()
    {
        var codes = RecoveryCodes.Generate();

        Assert.Equal(10, codes.Count);
        Assert.Equal(10, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, code => Assert.Matches("^[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}-[0-9a-hjkmnp-tv-z]{4}$", code));
    }

    [Fact]
    public void Count_is_honoured()
    {
        Assert.Equal(3, RecoveryCodes.Generate(3).Count);
    }

    [Fact]
    public void Hash_matches_its_code()
    {
        var code = RecoveryCodes.Generate(1)[0];

        var hash = RecoveryCodes.Hash(code);

        Assert.Matches(@"^pbkdf2\$100000\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$", hash);
        Assert.True(RecoveryCodes.Matches(code, hash));
    }

    [Theory]
    [InlineData("K7P3-9XQ2-M4TA")]
    [InlineData("k7p39xq2m4ta")]
    [InlineData("  k7p3 9xq2 m4ta ")]
    [InlineData("k7p3-9xq2-m4ta\n")]
    public void Typed_variants_match(string typed)
    {
        var hash = RecoveryCodes.Hash("k7p3-9xq2-m4ta");

        Assert.True(RecoveryCodes.Matches(typed, hash));
    }

    [Fact]
    public void Look_alike_letters_are_read_as_the_digits_they_resemble()
    {
        var hash = RecoveryCodes.Hash("k7p0-9xq1-m4ta");

        Assert.True(RecoveryCodes.Matches("K7PO-9XQl-m4ta", hash));
    }

    [Theory]
    [InlineData("k7p3-9xq2-m4tb")]
    [InlineData("k7p3-9xq2-m4t")]
    [InlineData("")]
    [InlineData(null)]
    public void Other_codes_do_not_match(string? typed)
    {
        var hash = RecoveryCodes.Hash("k7p3-9xq2-m4ta");

        Assert.False(RecoveryCodes.Matches(typed, hash));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("pbkdf2$100000$notbase64$!!")]
    [InlineData("bcrypt$100000$AAAA$AAAA")]
    [InlineData("pbkdf2$0$AAAAAAAAAAAAAAAAAAAAAA==$AAAA")]
    public void Unreadable_hashes_never_match_and_never_throw(string? hash)
    {
        Assert.False(RecoveryCodes.Matches("k7p3-9xq2-m4ta", hash));
    }

    [Fact]
    public void Same_code_hashes_differently_each_time()
    {
        var first = RecoveryCodes.Hash("k7p3-9xq2-m4ta");
        var second = RecoveryCodes.Hash("k7p3-9xq2-m4ta");

        Assert.NotEqual(first, second);
        Assert.True(RecoveryCodes.Matches("k7p3-9xq2-m4ta", first));
        Assert.True(RecoveryCodes.Matches("k7p3-9xq2-m4ta", second));
    }
}
