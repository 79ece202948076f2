using System.Runtime.InteropServices;
using VirtualCore.Plugins.Sdk;

namespace VirtualCore.Adapters.Libvirt.Interop;

/// <summary>A copy of libvirt's thread-local error, taken right after the call that failed.</summary>
/// <param name="Code">The virErrorNumber.</param>
/// <param name="Domain">The virErrorDomain (the part of libvirt that raised it).</param>
/// <param name="Message">libvirt's message, or null when libvirt recorded none.</param>
internal readonly record struct LibvirtError(int Code, int Domain, string? Message)
{
    internal const int NoConnect = 5;
    internal const int InvalidConnection = 6;
    internal const int XmlError = 27;
    internal const int DomainExists = 28;
    internal const int NoDomain = 42;
    internal const int NoStoragePool = 49;
    internal const int NoStorageVolume = 50;
    internal const int OperationInvalid = 55;
    internal const int NoDomainSnapshot = 72;
    internal const int OperationAborted = 78;
    internal const int NoDomainMetadata = 80;

    /// <summary>The domain's disks would not survive the migration (local storage without copying, or an unsafe cache mode).</summary>
    internal const int MigrateUnsafe = 81;
    internal const int CpuIncompatible = 91;

    // virErrorNumber in declaration order; the list is append-only in libvirt.
    private static readonly string[] Names =
    [
        "VIR_ERR_OK", "VIR_ERR_INTERNAL_ERROR", "VIR_ERR_NO_MEMORY", "VIR_ERR_NO_SUPPORT", "VIR_ERR_UNKNOWN_HOST",
        "VIR_ERR_NO_CONNECT", "VIR_ERR_INVALID_CONN", "VIR_ERR_INVALID_DOMAIN", "VIR_ERR_INVALID_ARG", "VIR_ERR_OPERATION_FAILED",
        "VIR_ERR_GET_FAILED", "VIR_ERR_POST_FAILED", "VIR_ERR_HTTP_ERROR", "VIR_ERR_SEXPR_SERIAL", "VIR_ERR_NO_XEN",
        "VIR_ERR_XEN_CALL", "VIR_ERR_OS_TYPE", "VIR_ERR_NO_KERNEL", "VIR_ERR_NO_ROOT", "VIR_ERR_NO_SOURCE",
        "VIR_ERR_NO_TARGET", "VIR_ERR_NO_NAME", "VIR_ERR_NO_OS", "VIR_ERR_NO_DEVICE", "VIR_ERR_NO_XENSTORE",
        "VIR_ERR_DRIVER_FULL", "VIR_ERR_CALL_FAILED", "VIR_ERR_XML_ERROR", "VIR_ERR_DOM_EXIST", "VIR_ERR_OPERATION_DENIED",
        "VIR_ERR_OPEN_FAILED", "VIR_ERR_READ_FAILED", "VIR_ERR_PARSE_FAILED", "VIR_ERR_CONF_SYNTAX", "VIR_ERR_WRITE_FAILED",
        "VIR_ERR_XML_DETAIL", "VIR_ERR_INVALID_NETWORK", "VIR_ERR_NETWORK_EXIST", "VIR_ERR_SYSTEM_ERROR", "VIR_ERR_RPC",
        "VIR_ERR_GNUTLS_ERROR", "VIR_WAR_NO_NETWORK", "VIR_ERR_NO_DOMAIN", "VIR_ERR_NO_NETWORK", "VIR_ERR_INVALID_MAC",
        "VIR_ERR_AUTH_FAILED", "VIR_ERR_INVALID_STORAGE_POOL", "VIR_ERR_INVALID_STORAGE_VOL", "VIR_WAR_NO_STORAGE", "VIR_ERR_NO_STORAGE_POOL",
        "VIR_ERR_NO_STORAGE_VOL", "VIR_WAR_NO_NODE", "VIR_ERR_INVALID_NODE_DEVICE", "VIR_ERR_NO_NODE_DEVICE", "VIR_ERR_NO_SECURITY_MODEL",
        "VIR_ERR_OPERATION_INVALID", "VIR_WAR_NO_INTERFACE", "VIR_ERR_NO_INTERFACE", "VIR_ERR_INVALID_INTERFACE", "VIR_ERR_MULTIPLE_INTERFACES",
        "VIR_WAR_NO_NWFILTER", "VIR_ERR_INVALID_NWFILTER", "VIR_ERR_NO_NWFILTER", "VIR_ERR_BUILD_FIREWALL", "VIR_WAR_NO_SECRET",
        "VIR_ERR_INVALID_SECRET", "VIR_ERR_NO_SECRET", "VIR_ERR_CONFIG_UNSUPPORTED", "VIR_ERR_OPERATION_TIMEOUT", "VIR_ERR_MIGRATE_PERSIST_FAILED",
        "VIR_ERR_HOOK_SCRIPT_FAILED", "VIR_ERR_INVALID_DOMAIN_SNAPSHOT", "VIR_ERR_NO_DOMAIN_SNAPSHOT", "VIR_ERR_INVALID_STREAM", "VIR_ERR_ARGUMENT_UNSUPPORTED",
        "VIR_ERR_STORAGE_PROBE_FAILED", "VIR_ERR_STORAGE_POOL_BUILT", "VIR_ERR_SNAPSHOT_REVERT_RISKY", "VIR_ERR_OPERATION_ABORTED", "VIR_ERR_AUTH_CANCELLED",
        "VIR_ERR_NO_DOMAIN_METADATA", "VIR_ERR_MIGRATE_UNSAFE", "VIR_ERR_OVERFLOW", "VIR_ERR_BLOCK_COPY_ACTIVE", "VIR_ERR_OPERATION_UNSUPPORTED",
        "VIR_ERR_SSH", "VIR_ERR_AGENT_UNRESPONSIVE", "VIR_ERR_RESOURCE_BUSY", "VIR_ERR_ACCESS_DENIED", "VIR_ERR_DBUS_SERVICE",
        "VIR_ERR_STORAGE_VOL_EXIST", "VIR_ERR_CPU_INCOMPATIBLE", "VIR_ERR_XML_INVALID_SCHEMA", "VIR_ERR_MIGRATE_FINISH_OK", "VIR_ERR_AUTH_UNAVAILABLE",
        "VIR_ERR_NO_SERVER", "VIR_ERR_NO_CLIENT", "VIR_ERR_AGENT_UNSYNCED", "VIR_ERR_LIBSSH", "VIR_ERR_DEVICE_MISSING",
        "VIR_ERR_INVALID_NWFILTER_BINDING", "VIR_ERR_NO_NWFILTER_BINDING", "VIR_ERR_INVALID_DOMAIN_CHECKPOINT", "VIR_ERR_NO_DOMAIN_CHECKPOINT", "VIR_ERR_NO_DOMAIN_BACKUP",
        "VIR_ERR_INVALID_NETWORK_PORT", "VIR_ERR_NETWORK_PORT_EXIST", "VIR_ERR_NO_NETWORK_PORT", "VIR_ERR_NO_HOSTNAME", "VIR_ERR_CHECKPOINT_INCONSISTENT",
        "VIR_ERR_MULTIPLE_DOMAINS",
    ];

    /// <summary>libvirt's own identification, e.g. "VIR_ERR_NO_DOMAIN (42)".</summary>
    internal string NativeCode => Code >= 0 && Code < Names.Length ? $"{Names[Code]} ({Code})" : $"virErrorNumber ({Code})";

    /// <summary>Copies the calling thread's last libvirt error. Call it on the thread of the failed call, before any other libvirt call.</summary>
    internal static LibvirtError CaptureLast()
    {
        _ = LibvirtNative.virCopyLastError(out var copy);
        try
        {
            return new LibvirtError(copy.Code, copy.Domain, Marshal.PtrToStringUTF8(copy.Message));
        }
        finally
        {
            LibvirtNative.virResetError(ref copy);
        }
    }

    /// <summary>The portal's view of a libvirt error number.</summary>
    internal static AdapterErrorCode Map(int code) => code switch
    {
        NoDomain => AdapterErrorCode.DomainNotFound,
        NoDomainSnapshot => AdapterErrorCode.RecoveryPointNotFound,
        DomainExists => AdapterErrorCode.DomainConflict,
        OperationInvalid => AdapterErrorCode.InvalidState,
        NoConnect or InvalidConnection or 39 /* RPC */ or 45 /* AUTH_FAILED */ or 79 /* AUTH_CANCELLED */ or 94 /* AUTH_UNAVAILABLE */
            => AdapterErrorCode.ConnectionFailed,
        3 /* NO_SUPPORT */ or 74 /* ARGUMENT_UNSUPPORTED */ or 84 /* OPERATION_UNSUPPORTED */
            => AdapterErrorCode.NotSupported,
        XmlError or 35 /* XML_DETAIL */ or 92 /* XML_INVALID_SCHEMA */ or 67 /* CONFIG_UNSUPPORTED */ or 44 /* INVALID_MAC */
            or 16 /* OS_TYPE */ or 21 /* NO_NAME */ or 22 /* NO_OS */ or 43 /* NO_NETWORK */
            => AdapterErrorCode.InvalidSpec,
        _ => AdapterErrorCode.OperationFailed,
    };

    /// <summary>Builds the exception for a failed <paramref name="operation"/>.</summary>
    /// <param name="operation">What was attempted, e.g. "start domain 3f…".</param>
    /// <param name="code">Overrides the mapped code where the context decides (every failure to open is a connection failure).</param>
    internal HypervisorAdapterException ToException(string operation, AdapterErrorCode? code = null)
    {
        var detail = string.IsNullOrEmpty(Message) ? "libvirt gave no reason" : Message;
        return new HypervisorAdapterException(code ?? Map(Code), $"Could not {operation}: {detail}", NativeCode);
    }
}
