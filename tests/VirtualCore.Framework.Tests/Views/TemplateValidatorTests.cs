using VirtualCore.Framework.Views;

namespace VirtualCore.Framework.Tests.Views;

public sealed class TemplateValidatorTests
{
    [Fact]
    public void A_valid_template_has_no_errors()
    {
        Assert.Empty(TemplateValidator.Validate("<ul>{{ for vm in model.vms }}<li>{{ vm.name }}</li>{{ end }}</ul>"));
    }

    [Fact]
    public void A_syntax_error_is_reported_with_its_line_and_column()
    {
        var errors = TemplateValidator.Validate("<h1>Title</h1>\n<p>\n{{ if model.ready }}ready{{ 1 + }}\n");

        var first = errors[0];
        Assert.Equal(3, first.Line);
        Assert.True(first.Column > 1);
        Assert.Contains("expression", first.Message);
    }

    [Fact]
    public void Deep_nesting_is_rejected_at_upload()
    {
        var errors = TemplateValidator.Validate("{{ " + new string('[', 20_000) + new string(']', 20_000) + " }}");

        Assert.Contains(errors, e => e.Message.Contains("depth limit", StringComparison.Ordinal));
    }

    [Fact]
    public void An_oversized_template_is_rejected_at_upload()
    {
        var errors = TemplateValidator.Validate(new string('x', TemplateValidator.MaxTemplateLength + 1));

        Assert.Single(errors);
    }
}
