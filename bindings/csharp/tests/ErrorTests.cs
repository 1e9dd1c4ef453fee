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

    [Theory]
    [InlineData(IpcErrorCode.ENOENT, typeof(IpcNotFoundException))]
    [InlineData(IpcErrorCode.EEXIST, typeof(IpcAlreadyExistsException))]
    [InlineData(IpcErrorCode.EACCES, typeof(IpcAccessDeniedException))]
    [InlineData(IpcErrorCode.EREADONLY, typeof(IpcReadOnlyException))]
    [InlineData(IpcErrorCode.ETIMEDOUT, typeof(IpcTimeoutException))]
    [InlineData(IpcErrorCode.EINVAL, typeof(IpcArgumentException))]
    [InlineData(IpcErrorCode.EBADNAME, typeof(IpcArgumentException))]
    [InlineData(IpcErrorCode.ENAMETOOLONG, typeof(IpcArgumentException))]
    [InlineData(IpcErrorCode.EILSEQ, typeof(IpcArgumentException))]
    [InlineData(IpcErrorCode.ERANGE, typeof(IpcOutOfRangeException))]
    [InlineData(IpcErrorCode.ENOTSUP, typeof(IpcNotSupportedException))]
    [InlineData(IpcErrorCode.EAGAIN, typeof(IpcWouldBlockException))]
    [InlineData(IpcErrorCode.EMSGSIZE, typeof(IpcMessageSizeException))]
    [InlineData(IpcErrorCode.ECLOSED, typeof(IpcClosedException))]
    [InlineData(IpcErrorCode.ECORRUPT, typeof(IpcException))]
    [InlineData(IpcErrorCode.EBADHANDLE, typeof(IpcException))]
    [InlineData(IpcErrorCode.EIO, typeof(IpcException))]
    public void EachCodeMapsToItsException(IpcErrorCode code, Type type)
    {
        IpcException e = IpcException.Create(code, "detail");
        Assert.IsType(type, e);
        Assert.Equal(code, e.Code);
        Assert.Equal("detail", e.Detail);
        Assert.Equal($"IPC_{code}: {IpcLibrary.Describe(code)}: detail", e.Message);
    }

    [Fact]
    public void WouldBlockIsATimeoutAndMessageSizeAnArgumentError()
    {
        // One catch (IpcTimeoutException) covers zero and non-zero timeouts;
        // an oversized message is a bad argument like an out-of-range offset.
        Assert.IsAssignableFrom<IpcTimeoutException>(IpcException.Create(IpcErrorCode.EAGAIN));
        Assert.IsAssignableFrom<IpcArgumentException>(IpcException.Create(IpcErrorCode.EMSGSIZE));
        Assert.Null(((IpcMessageSizeException)IpcException.Create(IpcErrorCode.EMSGSIZE)).RequiredSize);
    }

    [Fact]
    public void VersionsMatch()
    {
        Assert.Equal(IpcLibrary.BindingVersion, IpcLibrary.NativeVersion);
    }
}
