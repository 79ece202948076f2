namespace VirtualCore.Modules.Identity.Contracts;

/// <summary>The permissions modules ask for. Identity decides who holds them.</summary>
public static class Permissions
{
    public const string NodeRead = "node.read";
    public const string VmRead = "vm.read";
    public const string VmCreate = "vm.create";
    public const string VmOperate = "vm.operate";
    public const string JobRead = "job.read";
}
