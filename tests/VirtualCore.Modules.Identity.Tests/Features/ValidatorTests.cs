using VirtualCore.Modules.Identity.Features.Audit;
using VirtualCore.Modules.Identity.Features.Tokens;

namespace VirtualCore.Modules.Identity.Tests.Features;

public sealed class CreateApiTokenValidatorTests
{
    [Fact]
    public async Task A_name_of_60_characters_is_taken_61_or_none_are_refused()
    {
        Assert.Empty(await FieldsAsync(Valid() with { Name = new string('n', 60) }));
        Assert.Equal(["name"], await FieldsAsync(Valid() with { Name = new string('n', 61) }));
        Assert.Equal(["name"], await FieldsAsync(Valid() with { Name = " " }));
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(365, true)]
    [InlineData(366, false)]
    public async Task A_token_lives_1_to_365_days(int days, bool accepted) =>
        Assert.Equal(accepted, (await FieldsAsync(Valid() with { ExpiresInDays = days })).Length == 0);

    [Fact]
    public async Task Scopes_are_one_or_more_of_read_operate_manage()
    {
        Assert.Empty(await FieldsAsync(Valid() with { Scopes = ["read", "operate", "manage"] }));
        Assert.Equal(["scopes"], await FieldsAsync(Valid() with { Scopes = [] }));
        Assert.Equal(["scopes"], await FieldsAsync(Valid() with { Scopes = null }));
        Assert.Equal(["scopes"], await FieldsAsync(Valid() with { Scopes = ["read", "admin"] }));
    }

    private static CreateApiToken Valid() => new("backup script", ["read"], 90);

    private static async Task<string[]> FieldsAsync(CreateApiToken request) =>
        (await new CreateApiTokenValidator().ValidateAsync(request, CancellationToken.None)).Select(e => e.Field).ToArray();
}

public sealed class ListAuditEntriesValidatorTests
{
    [Theory]
    [InlineData(0, false)]
    [InlineData(1, true)]
    [InlineData(1000, true)]
    [InlineData(1001, false)]
    public async Task A_page_holds_1_to_1000_entries(int limit, bool accepted) =>
        Assert.Equal(accepted, (await FieldsAsync(new ListAuditEntries(Limit: limit))).Length == 0);

    [Fact]
    public async Task From_may_equal_to_but_not_come_after_it()
    {
        var day = new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero);
        Assert.Empty(await FieldsAsync(new ListAuditEntries(From: day, To: day)));
        Assert.Equal(["from"], await FieldsAsync(new ListAuditEntries(From: day.AddTicks(1), To: day)));
    }

    [Fact]
    public async Task Filter_texts_have_at_most_64_characters()
    {
        Assert.Empty(await FieldsAsync(new ListAuditEntries(Actor: new string('a', 64), Action: new string('b', 64))));
        Assert.Equal(["actor"], await FieldsAsync(new ListAuditEntries(Actor: new string('a', 65))));
        Assert.Equal(["actor"], await FieldsAsync(new ListAuditEntries(Action: new string('b', 65))));
    }

    private static async Task<string[]> FieldsAsync(ListAuditEntries request) =>
        (await new ListAuditEntriesValidator().ValidateAsync(request, CancellationToken.None)).Select(e => e.Field).ToArray();
}
