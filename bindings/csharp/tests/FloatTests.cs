using System;
using System.Runtime.InteropServices;
using Xunit;

namespace LibIpc.Tests;

public class FloatTests
{
    [Fact]
    public void Float32RoundTripsAtAnyOffset()
    {
        using var shm = SharedMemory.CreateAnonymous(64);
        float[] values = { 0.5f, -1.25f, float.NaN, float.PositiveInfinity, -0.0f, float.Epsilon, 65504f };
        shm.WriteFloat32(3, values); // unaligned
        float[] back = shm.ReadFloat32(3, values.Length);
        for (int i = 0; i < values.Length; ++i)
            Assert.Equal(BitConverter.SingleToInt32Bits(values[i]), BitConverter.SingleToInt32Bits(back[i]));
        var span = new float[2];
        shm.ReadFloat32(3, span);
        Assert.Equal(0.5f, span[0]);
        // Native byte order: the same bytes a cast of the view gives.
        shm.WriteFloat32(0, new[] { 1.5f, 2.5f });
        Assert.Equal(new[] { 1.5f, 2.5f }, MemoryMarshal.Cast<byte, float>(shm.AsReadOnlySpan(0, 8)).ToArray());
    }

    [Fact]
    public void Float64RoundTrips()
    {
        using var shm = SharedMemory.CreateAnonymous(128);
        double[] values = { 0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, double.NaN };
        shm.WriteFloat64(1, values);
        double[] back = shm.ReadFloat64(1, values.Length);
        for (int i = 0; i < values.Length; ++i)
            Assert.Equal(BitConverter.DoubleToInt64Bits(values[i]), BitConverter.DoubleToInt64Bits(back[i]));
        Assert.Empty(shm.ReadFloat64(0, 0));
        shm.WriteFloat64(0, ReadOnlySpan<double>.Empty);
    }

    [Fact]
    public void OutOfRangeArraysChangeNothing()
    {
        using var shm = SharedMemory.CreateAnonymous(64);
        Assert.Equal(IpcErrorCode.ERANGE, Assert.Throws<IpcOutOfRangeException>(() => shm.WriteFloat64(40, new double[4])).Code);
        Assert.Equal(IpcErrorCode.ERANGE, Assert.Throws<IpcOutOfRangeException>(() => shm.WriteFloat32(61, new float[1] { 1 })).Code);
        Assert.All(shm.ReadBytes(0, 64), b => Assert.Equal(0, b));
        Assert.Throws<IpcOutOfRangeException>(() => shm.ReadFloat64(57, 1));
        Assert.Throws<IpcOutOfRangeException>(() => shm.ReadFloat32(0, 17));
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.ReadFloat32(0, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.WriteFloat64(-8, new double[1]));
    }
}
