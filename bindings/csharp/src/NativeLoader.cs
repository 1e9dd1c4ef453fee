using System;
using System.IO;
using System.Reflection;
using System.Runtime.InteropServices;

namespace LibIpc;

/// <summary>
/// Finds the native libraries without LD_LIBRARY_PATH. The build copies
/// <c>libipc_csharp_native.so</c> (the SWIG glue) and <c>libipc.so.0</c> (the
/// C ABI) next to LibIpc.dll; the glue has RUNPATH <c>$ORIGIN</c>, so once it
/// is found its dependency is found beside it. This resolver, registered by
/// the generated P/Invoke class's static constructor (before its first call),
/// looks beside the assembly, beside the application and in
/// <c>runtimes/&lt;rid&gt;/native</c> (the NuGet layout), preloading
/// <c>libipc.so.0</c> from the same folder, and otherwise leaves the search to
/// the runtime's default (which honours LD_LIBRARY_PATH and the system paths).
/// </summary>
internal static class NativeLoader
{
    internal const string GlueName = "libipc_csharp_native";

    private static int registered;

    internal static void Register()
    {
        if (System.Threading.Interlocked.Exchange(ref registered, 1) != 0)
            return;
        try
        {
            NativeLibrary.SetDllImportResolver(typeof(NativeLoader).Assembly, Resolve);
        }
        catch (InvalidOperationException)
        {
            // The application installed its own resolver for this assembly: it wins.
        }
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (name != GlueName)
            return IntPtr.Zero;
        string glueFile, coreFile;
        if (OperatingSystem.IsMacOS())
            (glueFile, coreFile) = (GlueName + ".dylib", "libipc.0.dylib");
        else if (OperatingSystem.IsWindows())
            (glueFile, coreFile) = (GlueName + ".dll", "ipc.dll");
        else
            (glueFile, coreFile) = (GlueName + ".so", "libipc.so.0");
        foreach (string dir in CandidateDirectories(assembly))
        {
            string glue = Path.Combine(dir, glueFile);
            if (!File.Exists(glue))
                continue;
            string core = Path.Combine(dir, coreFile);
            if (File.Exists(core))
                NativeLibrary.TryLoad(core, out _);
            // Load (not TryLoad): if the file is there but cannot be loaded,
            // the loader's own message (a missing dependency...) is the answer.
            return NativeLibrary.Load(glue);
        }
        return IntPtr.Zero;
    }

    private static System.Collections.Generic.IEnumerable<string> CandidateDirectories(Assembly assembly)
    {
        string rid = RuntimeInformation.RuntimeIdentifier;
        string? asmDir = string.IsNullOrEmpty(assembly.Location) ? null : Path.GetDirectoryName(assembly.Location);
        foreach (string? dir in new[] { asmDir, AppContext.BaseDirectory })
        {
            if (string.IsNullOrEmpty(dir))
                continue;
            yield return dir;
            yield return Path.Combine(dir, "runtimes", rid, "native");
        }
    }
}
