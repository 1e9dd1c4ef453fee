// Step 3 of the cross-language demo (examples/shm_demo.sh): a C# process opens
// the segment, prints what Node and Python wrote, and removes it.
using System;
using System.Buffers.Binary;
using LibIpc;

string name = args[0];
using (var shm = SharedMemory.Open(name))
{
    ReadOnlySpan<byte> view = shm.AsSpan();                       // zero-copy
    int n1 = (int)BinaryPrimitives.ReadUInt32LittleEndian(view.Slice(0, 4));
    int n2 = (int)BinaryPrimitives.ReadUInt32LittleEndian(view.Slice(512, 4));
    string fromNode = shm.ReadString(4, n1);
    string fromPython = shm.ReadString(516, n2);
    double[] floats = shm.ReadFloat64(1024, 4);
    Console.WriteLine($"csharp (pid {Environment.ProcessId}): node said {fromNode}");
    Console.WriteLine($"csharp (pid {Environment.ProcessId}): python said {fromPython}");
    Console.WriteLine($"csharp (pid {Environment.ProcessId}): floats are now [{string.Join(", ", floats)}]");
}
SharedMemory.Remove(name);
Console.WriteLine($"csharp: removed \"{name}\"");
