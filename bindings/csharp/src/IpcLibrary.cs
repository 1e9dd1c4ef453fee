using System;
using LibIpc.Native;

namespace LibIpc;

/// <summary>Facts about the loaded native library.</summary>
public static class IpcLibrary
{
    /// <summary>The version of the loaded libipc.so (<c>ipc_version_string()</c>).</summary>
    public static Version NativeVersion => Version.Parse(libipc_native.version_string());

    /// <summary>The version of libipc this assembly was built with.</summary>
    public static Version BindingVersion =>
        typeof(IpcLibrary).Assembly.GetName().Version is { } v ? new Version(v.Major, v.Minor, v.Build) : new Version(0, 0, 0);

    /// <summary>The English description of a code (<c>ipc_strerror</c>).</summary>
    public static string Describe(IpcErrorCode code) => libipc_native.strerror((int)code);

    /// <summary>The C name of a code, e.g. <c>IPC_ENOENT</c> (<c>ipc_err_name</c>).</summary>
    public static string NameOf(IpcErrorCode code) => libipc_native.err_name((int)code);

    /// <summary>Longest resource name in bytes (<c>IPC_NAME_MAX</c>).</summary>
    public const int NameMax = 250;
}
