using System;
using System.Linq;
using Xunit;

namespace LibIpc.Tests;

public class StreamTests
{
    [Fact]
    public void AZeroedSegmentIsAnEmptyStream()
    {
        using var shm = SharedMemory.CreateAnonymous(ShmStream.HeaderSize + 64);
        var stream = new ShmStream(shm);
        Assert.Same(shm, stream.Segment);
        Assert.Equal(64, stream.Capacity);
        Assert.Equal(0UL, stream.Version);
        ShmStreamValue v = stream.Read();
        Assert.Equal(StreamValueType.Empty, v.Type);
        Assert.Equal(0, v.Payload.Length);
        Assert.Equal(0UL, v.Version);
    }

    [Fact]
    public void EachTypeRoundTripsAndBumpsTheVersion()
    {
        using var shm = SharedMemory.CreateAnonymous(4096);
        var stream = new ShmStream(shm);

        stream.WriteString("héllo 😀");
        ShmStreamValue v = stream.Read();
        Assert.Equal(StreamValueType.String, v.Type);
        Assert.Equal("héllo 😀", v.AsString());
        Assert.Equal(1UL, v.Version);
        Assert.Throws<InvalidOperationException>(() => v.AsFloat32());

        stream.WriteFloat32(new[] { 1.5f, -2f });
        Assert.Equal(new[] { 1.5f, -2f }, stream.Read().AsFloat32());

        stream.WriteFloat64(new[] { 3.141592653589793, 1e300 });
        v = stream.Read();
        Assert.Equal(new[] { 3.141592653589793, 1e300 }, v.AsFloat64());
        Assert.Equal(3UL, v.Version);

        stream.WriteBytes(new byte[] { 1, 2, 3 });
        v = stream.Read();
        Assert.Equal(StreamValueType.Bytes, v.Type);
        Assert.Equal(new byte[] { 1, 2, 3 }, v.Payload.ToArray());
        Assert.Equal(4UL, stream.Version);

        // The layout is the documented one: magic, version, seq = 2 × writes.
        ReadOnlySpan<byte> header = shm.AsReadOnlySpan(0, ShmStream.HeaderSize);
        Assert.Equal(0x53435049u, BitConverter.ToUInt32(header.Slice(0, 4)));
        Assert.Equal(1u, BitConverter.ToUInt32(header.Slice(4, 4)));
        Assert.Equal(8UL, BitConverter.ToUInt64(header.Slice(8, 8)));
        Assert.Equal((uint)StreamValueType.Bytes, BitConverter.ToUInt32(header.Slice(16, 4)));
        Assert.Equal(3UL, BitConverter.ToUInt64(header.Slice(24, 8)));
    }

    [Fact]
    public void BadValuesAreRefusedAndLeaveTheValue()
    {
        using var shm = SharedMemory.CreateAnonymous(ShmStream.HeaderSize + 16);
        var stream = new ShmStream(shm);
        stream.WriteString("keep");
        Assert.Equal(IpcErrorCode.ERANGE, Assert.Throws<IpcOutOfRangeException>(() => stream.WriteBytes(new byte[17])).Code);
        Assert.Equal(IpcErrorCode.EINVAL,
                     Assert.Throws<IpcArgumentException>(() => stream.Write(StreamValueType.Float32, new byte[3])).Code);
        Assert.Equal(IpcErrorCode.EINVAL,
                     Assert.Throws<IpcArgumentException>(() => stream.Write((StreamValueType)99, new byte[1])).Code);
        Assert.Equal(IpcErrorCode.EILSEQ,
                     Assert.Throws<IpcArgumentException>(() => stream.Write(StreamValueType.String, new byte[] { 0xFF })).Code);
        Assert.Equal("keep", stream.Read().AsString());
        Assert.Equal(1UL, stream.Version);
        stream.WriteBytes(new byte[16]); // exactly the capacity fits
    }

    [Fact]
    public void ReadIntoABuffer()
    {
        using var shm = SharedMemory.CreateAnonymous(256);
        var stream = new ShmStream(shm);
        stream.WriteString("twelve bytes");
        var buf = new byte[64];
        int n = stream.Read(buf, out StreamValueType type, out ulong version);
        Assert.Equal(12, n);
        Assert.Equal(StreamValueType.String, type);
        Assert.Equal(1UL, version);
        var e = Assert.Throws<IpcMessageSizeException>(() => stream.Read(new byte[4], out _, out _));
        Assert.Equal(IpcErrorCode.EMSGSIZE, e.Code);
    }

    [Fact]
    public void LargeValuesAreReadWhole()
    {
        using var shm = SharedMemory.CreateAnonymous(ShmStream.HeaderSize + 300_000);
        var stream = new ShmStream(shm);
        byte[] big = Enumerable.Range(0, 200_000).Select(i => (byte)(i * 31)).ToArray();
        stream.WriteBytes(big);
        Assert.Equal(big, stream.Read().Payload.ToArray());
    }

    [Fact]
    public void ForeignDataIsReportedCorrupt()
    {
        using var shm = SharedMemory.CreateAnonymous(128);
        shm.Write(0, "not a stream header at all......"u8);
        var stream = new ShmStream(shm);
        Assert.Equal(IpcErrorCode.ECORRUPT, Assert.Throws<IpcException>(() => stream.Read()).Code);
        Assert.Equal(IpcErrorCode.ECORRUPT, Assert.Throws<IpcException>(() => stream.WriteString("x")).Code);
    }

    [Fact]
    public void TooSmallSegmentsAndReadOnlyHandles()
    {
        using (var tiny = SharedMemory.CreateAnonymous(16))
            Assert.Equal(IpcErrorCode.ERANGE, Assert.Throws<IpcOutOfRangeException>(() => new ShmStream(tiny).WriteString("x")).Code);

        using var s = new Scratch(what: "stream");
        using (var w = SharedMemory.Create(s.Name, 256))
            new ShmStream(w).WriteFloat64(new[] { 2.5 });
        using var r = SharedMemory.Open(s.Name, readOnly: true);
        var stream = new ShmStream(r);
        Assert.Equal(new[] { 2.5 }, stream.Read().AsFloat64());
        Assert.Equal(IpcErrorCode.EREADONLY, Assert.Throws<IpcReadOnlyException>(() => stream.WriteString("no")).Code);
    }
}
