using VirtualCore.Framework.Mediation;
using VirtualCore.Modules.Compute.Contracts;
using VirtualCore.Modules.Compute.Features.CloudInit;
using VirtualCore.Modules.Infrastructure.Contracts;

namespace VirtualCore.Modules.Compute.Tests;

/// <summary>
/// A new VM's cloud-init seed: the password hash glibc reads (the specification's own examples), the limits of each
/// option with the field they name, and a seed whose customer-chosen values cannot add lines or keys of their own.
/// </summary>
public sealed class CloudInitSeedTests
{
    private const string Ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHWQSCHC9CVT6OvNaSncq2nd/7GfMbzEplmb3XnFAUCf ops@example.test";
    private const string Rsa = "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQCUeU/q9apAbZ363Vv5Wg2di4+1H1k2d57poQauj5XXE0vL4JoZK3Hq5pL+pXyfvoOCigw9lDTm30oOjmhGZ+Z7kKboS8c+lqesLZnUVxZlb8FXPVILPBvX6QEeKiXwSuRB0pff93XLtzU7bxP5Ey9fvmoN7AZ8sxrQBFeJNKp4s3D7a2FKDzLUGe4n5pZB4ZqI2nMvqpJLjDipxKazExAY6fCw8SKAv/13giBO32ODYU2NbibcR+BWDi2oTQ+BSyFcXLIhnsYvYbUCjXC3SrXmTeisG5uPL+HFXJPjdpv56RphzDCDgJXAY4GYNRjPjdOtFggnNTeOs3+EJiFRLWyL r@x";

    [Theory]
    [InlineData("Hello world!", "saltstring", 5000, "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJuesI68u4OTLiBFdcbYEdFCoEOfaS35inz1")]
    [InlineData("Hello world!", "saltstringsaltstring", 10000, "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sbHbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v.")]
    [InlineData("we have a short salt string but not a short password", "short", 77777, "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0gge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0")]
    public void Passwords_hash_as_the_sha_crypt_specification_says(string password, string salt, int rounds, string expected) =>
        Assert.Equal(expected, ShaCrypt.Hash(password, salt, rounds));

    [Fact]
    public void Each_hash_has_its_own_salt()
    {
        var first = ShaCrypt.Hash("correct horse battery");
        var second = ShaCrypt.Hash("correct horse battery");

        Assert.NotEqual(first, second);
        Assert.Matches("^\\$6\\$rounds=100000\\$[./0-9A-Za-z]{16}\\$[./0-9A-Za-z]{86}\\z", first);
    }

    [Fact]
    public void Real_keys_pass_and_every_option_outside_its_limits_is_refused_by_its_field()
    {
        Assert.Empty(Check(new CloudInitOptions("web-1.example.test", [Ed25519, Rsa, "  " + Ed25519 + "  "], "eight chr", "#cloud-config\npackages: [nginx]\n")));
        Assert.Empty(Check(new CloudInitOptions(null, null, null, "#!/bin/sh\necho hi\n")));

        var typeSwapped = Ed25519.Replace("ssh-ed25519", "ssh-rsa", StringComparison.Ordinal);
        var cut = Ed25519[..40];
        var withLineBreak = Ed25519 + "\nssh-rsa AAAA";
        var withOptions = "command=\"/bin/sh\" " + Ed25519;
        var unicodeComment = Ed25519 + "\u202e";
        Assert.Equal(
            ["cloudInit.sshAuthorizedKeys[0]", "cloudInit.sshAuthorizedKeys[1]", "cloudInit.sshAuthorizedKeys[2]", "cloudInit.sshAuthorizedKeys[3]",
             "cloudInit.sshAuthorizedKeys[4]", "cloudInit.sshAuthorizedKeys[5]", "cloudInit.sshAuthorizedKeys[6]"],
            Check(new CloudInitOptions(null, [typeSwapped, cut, withLineBreak, withOptions, unicodeComment, "", "ssh-dss AAAAB3NzaC1kc3M="], null, null)).Select(e => e.Field));
        Assert.Equal(["cloudInit.sshAuthorizedKeys"], Check(new CloudInitOptions(null, Enumerable.Repeat(Ed25519, CloudInitRules.MaxKeys + 1).ToArray(), null, null)).Select(e => e.Field));

        foreach (var hostname in new[] { "", "-web", "web_1", "web..example", "web.example.", new string('a', 64), string.Join('.', Enumerable.Repeat(new string('a', 60), 5)), "web\nfqdn: evil" })
        {
            Assert.Equal(["cloudInit.hostname"], Check(new CloudInitOptions(hostname, null, null, null)).Select(e => e.Field));
        }

        foreach (var password in new[] { "short", new string('p', 129), "tab\there!!" })
        {
            Assert.Equal(["cloudInit.password"], Check(new CloudInitOptions(null, null, password, null)).Select(e => e.Field));
        }

        foreach (var userData in new[] { "packages: [nginx]", "#cloud-config\n" + new string('x', CloudInitRules.MaxUserDataBytes), "#!/bin/sh\n\0" })
        {
            Assert.Equal(["cloudInit.userData"], Check(new CloudInitOptions(null, null, null, userData)).Select(e => e.Field));
        }
    }

    [Fact]
    public void The_seed_names_the_vm_quotes_every_chosen_value_and_configures_the_pool_addresses()
    {
        var vmId = Guid.Parse("0f8e5b52-3c1a-4e0b-9d51-6a2b8c3d4e5f");
        var hostileComment = Ed25519[..Ed25519.LastIndexOf(' ')] + " a\"b: c # \\ \"";
        Assert.Null(CloudInitRules.KeyProblem(hostileComment));
        IReadOnlyList<VmAddressView> addresses =
        [
            new("192.0.2.10", 24, "192.0.2.1", ["192.0.2.53"], null, "v4"),
            new("2001:db8::10", 64, "2001:db8::1", ["192.0.2.53", "2001:db8::53"], null, "v6"),
        ];

        var seed = CloudInitSeeds.Compose(vmId, "web-1", "52:54:00:AB:CD:EF", new CloudInitOptions("Web-1.Example.Test", [hostileComment], "correct horse", null), addresses);

        Assert.Equal("instance-id: \"0f8e5b52-3c1a-4e0b-9d51-6a2b8c3d4e5f\"\nlocal-hostname: \"web-1.example.test\"\n", seed.MetaData);
        var lines = seed.UserData.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("#cloud-config", lines[0]);
        Assert.Equal(
            ["hostname", "fqdn", "manage_etc_hosts", "ssh_authorized_keys", "  - ", "password", "chpasswd", "  expire", "ssh_pwauth"],
            lines[1..].Select(l => l.StartsWith("  - ", StringComparison.Ordinal) ? "  - " : l.Split(':')[0]));
        Assert.Contains("hostname: \"web-1\"\nfqdn: \"web-1.example.test\"\n", seed.UserData, StringComparison.Ordinal);
        Assert.Contains("a\\\"b: c # \\\\ \\\"\"\n", seed.UserData, StringComparison.Ordinal);
        Assert.DoesNotContain("correct horse", seed.UserData, StringComparison.Ordinal);
        Assert.Equal(
            "version: 2\nethernets:\n  primary:\n    match:\n      macaddress: \"52:54:00:ab:cd:ef\"\n    addresses:\n      - \"192.0.2.10/24\"\n      - \"2001:db8::10/64\"\n"
            + "    routes:\n      - to: \"0.0.0.0/0\"\n        via: \"192.0.2.1\"\n      - to: \"::/0\"\n        via: \"2001:db8::1\"\n"
            + "    nameservers:\n      addresses:\n        - \"192.0.2.53\"\n        - \"2001:db8::53\"\n",
            seed.NetworkConfig);
    }

    [Fact]
    public void Without_pool_addresses_the_guest_uses_dhcp_and_own_user_data_follows_the_portals_part()
    {
        var seed = CloudInitSeeds.Compose(Guid.NewGuid(), "web-1", "52:54:00:00:00:01", new CloudInitOptions(null, null, null, "#cloud-config\npackages: [nginx]"), []);

        Assert.Null(seed.NetworkConfig);
        Assert.Contains("local-hostname: \"web-1\"", seed.MetaData, StringComparison.Ordinal);
        Assert.StartsWith("Content-Type: multipart/mixed; boundary=\"", seed.UserData, StringComparison.Ordinal);
        var boundary = seed.UserData.Split('"')[1];
        var parts = seed.UserData.Split("--" + boundary);
        Assert.Equal(4, parts.Length);
        Assert.Contains("ssh_pwauth: false", parts[1], StringComparison.Ordinal);
        Assert.Contains("Content-Type: text/cloud-config", parts[2], StringComparison.Ordinal);
        Assert.EndsWith("\n\n#cloud-config\npackages: [nginx]\n", parts[2], StringComparison.Ordinal);
        Assert.Equal("--\n", parts[3]);
    }

    private static List<FieldError> Check(CloudInitOptions options)
    {
        var errors = new List<FieldError>();
        CloudInitRules.Check(errors, options);
        return errors;
    }
}
