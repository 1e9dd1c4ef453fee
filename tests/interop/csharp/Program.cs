// The C# interop peer (see tests/interop/README.md): peer AREA create|open NAME OTHER_LANG.
// Uses the binding's own API: the span view, the string helper, the float64 helper.
using System;
using System.Buffers.Binary;
using System.Text;
using LibIpc;

internal static class Program
{
    private const int ShmSize = 4096;
    private const string Text = "libipc interop \u2713 h\u00e9llo w\u00f6rld \U0001F600";
    private static readonly double[] Floats = { 0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0 };

    private static int Main(string[] args)
    {
        if (args.Length < 4)
        {
            Console.Error.WriteLine("usage: peer AREA create|open NAME OTHER_LANG");
            return 2;
        }
        try
        {
            if (args[0] == "shm")
                return args[1] == "create" ? ShmCreate(args[2]) : ShmOpen(args[2], args[3]);
            Console.Error.WriteLine($"csharp peer: unknown area {args[0]}");
            return 2;
        }
        catch (IpcException e)
        {
            Console.Error.WriteLine($"csharp peer: {e.Message}");
            return 1;
        }
    }

    private static int ShmCreate(string name)
    {
        using (var shm = SharedMemory.Create(name, ShmSize))
        {
            Span<byte> view = shm.AsSpan();
            for (int i = 0; i < 256; ++i)
                view[i] = (byte)i;
            BinaryPrimitives.WriteUInt32LittleEndian(view.Slice(256, 4), (uint)Encoding.UTF8.GetByteCount(Text));
            shm.WriteString(260, Text);
            shm.WriteFloat64(1024, Floats);
            Span<byte> lang = view.Slice(2048, 32);
            lang.Clear();
            Encoding.ASCII.GetBytes("csharp", lang);
        }
        Console.WriteLine("ready");
        return 0;
    }

    private static int ShmOpen(string name, string creator)
    {
        using var shm = SharedMemory.Open(name, readOnly: true);
        if (shm.Size != ShmSize)
            return Fail($"size {shm.Size}");
        ReadOnlySpan<byte> view = shm.AsReadOnlySpan();
        for (int i = 0; i < 256; ++i)
            if (view[i] != i)
                return Fail($"byte {i} = {view[i]}");
        int n = (int)BinaryPrimitives.ReadUInt32LittleEndian(view.Slice(256, 4));
        string text = shm.ReadString(260, n);
        if (text != Text)
            return Fail($"text \"{text}\"");
        double[] floats = shm.ReadFloat64(1024, Floats.Length);
        for (int i = 0; i < Floats.Length; ++i)
            if (BitConverter.DoubleToInt64Bits(floats[i]) != BitConverter.DoubleToInt64Bits(Floats[i]))
                return Fail($"float {i} = {floats[i]:R}, expected {Floats[i]:R}");
        ReadOnlySpan<byte> lang = view.Slice(2048, 32);
        int end = lang.IndexOf((byte)0);
        string who = Encoding.ASCII.GetString(end < 0 ? lang : lang.Slice(0, end));
        if (who != creator)
            return Fail($"creator \"{who}\"");
        Console.WriteLine($"ok: read {who}'s segment");
        return 0;
    }

    private static int Fail(string what)
    {
        Console.Error.WriteLine($"csharp peer: {what}");
        return 1;
    }
}
