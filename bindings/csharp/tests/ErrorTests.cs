using System;
using Xunit;

namespace LibIpc.Tests;

public class ErrorTests
{
    [Fact]
    public void EveryCodeHasTheCName()
    {
        foreach (IpcErrorCode code in Enum.GetValues<IpcErrorCode>())
            Assert.Equal("IPC_" + code, IpcLibrary.NameOf(code));
        // Append-only list: the value after our last is unknown to the library,
        // so the enum is complete.
        int next = (int)Enum.GetValues<IpcErrorCode>()[^1] + 1;
        Assert.Equal("IPC_EUNKNOWN", IpcLibrary.NameOf((IpcErrorCode)next));
    }

    [Fact]
    public void NotFoundCarriesCodeAndDetail()
    {
        string name = TestNames.Posix("missing");
        var e = Assert.Throws<IpcNotFoundException>(() => SharedMemory.Open(name));
        Assert.Equal(IpcErrorCode.ENOENT, e.Code);
        Assert.Equal("IPC_ENOENT", e.CodeName);
        Assert.Contains(name, e.Detail);
        Assert.Contains(name, e.Message);
        Assert.StartsWith("IPC_ENOENT: no such named resource", e.Message);
    }

    [Fact]
    public void VersionsMatch()
    {
        Assert.Equal(IpcLibrary.BindingVersion, IpcLibrary.NativeVersion);
    }
}
