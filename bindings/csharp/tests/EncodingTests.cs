using System;
using System.Linq;
using System.Text;
using Xunit;

namespace LibIpc.Tests;

/// <summary>The string helpers follow Node's Buffer encodings.</summary>
public class EncodingTests
{
    private static SharedMemory Segment(int size = 256) => SharedMemory.CreateAnonymous(size);

    [Fact]
    public void Utf8RoundTrips()
    {
        using var shm = Segment();
        const string text = "héllo wörld ✓ 😀";
        int n = shm.WriteString(3, text);
        Assert.Equal(Encoding.UTF8.GetBytes(text), shm.ReadBytes(3, n));
        Assert.Equal(text, shm.ReadString(3, n));
        Assert.Equal(text, shm.ReadString(3, n, TextEncoding.Utf8));
        Assert.Equal("", shm.ReadString(0, 0));
        Assert.Equal(0, shm.WriteString(0, ""));
    }

    [Fact]
    public void InvalidUtf8DecodesToReplacementCharacters()
    {
        using var shm = Segment();
        shm.Write(0, new byte[] { 0x61, 0xFF, 0x62, 0xC3 });
        Assert.Equal("a\uFFFDb\uFFFD", shm.ReadString(0, 4));
        // One U+FFFD per maximal invalid subpart (WHATWG, as Node and .NET decode).
        byte[] bad = { 0xE2, 0x82, 0x41, 0xF0, 0x9F, 0x98, 0xED, 0xA0, 0x80 };
        shm.Write(0, bad);
        Assert.Equal(Encoding.UTF8.GetString(bad), shm.ReadString(0, bad.Length));
        // A lone surrogate is written as U+FFFD, as Node writes it.
        int n = shm.WriteString(10, "x\uD800y");
        Assert.Equal(new byte[] { 0x78, 0xEF, 0xBF, 0xBD, 0x79 }, shm.ReadBytes(10, n));
    }

    [Fact]
    public void AsciiAndLatin1()
    {
        using var shm = Segment();
        Assert.Equal(4, shm.WriteString(0, "abcé", TextEncoding.Ascii));
        Assert.Equal(new byte[] { 0x61, 0x62, 0x63, 0xE9 }, shm.ReadBytes(0, 4)); // low 8 bits, like Node
        Assert.Equal("abci", shm.ReadString(0, 4, TextEncoding.Ascii));            // & 0x7f on read
        Assert.Equal(2, shm.WriteString(30, "😀", TextEncoding.Latin1)); // one byte per UTF-16 unit
        Assert.Equal(new byte[] { 0x3D, 0x00 }, shm.ReadBytes(30, 2));
        Assert.Equal(2, shm.WriteString(10, "é€", TextEncoding.Latin1));
        Assert.Equal(new byte[] { 0xE9, 0xAC }, shm.ReadBytes(10, 2));
        Assert.Equal("é¬", shm.ReadString(10, 2, TextEncoding.Latin1));
    }

    [Fact]
    public void Base64AndHex()
    {
        using var shm = Segment();
        Assert.Equal(5, shm.WriteString(0, "aGVsbG8=", TextEncoding.Base64));
        Assert.Equal("hello"u8.ToArray(), shm.ReadBytes(0, 5));
        Assert.Equal("aGVsbG8=", shm.ReadString(0, 5, TextEncoding.Base64));
        Assert.Equal(4, shm.WriteString(20, "DEADbeef", TextEncoding.Hex));
        Assert.Equal(new byte[] { 0xDE, 0xAD, 0xBE, 0xEF }, shm.ReadBytes(20, 4));
        Assert.Equal("deadbeef", shm.ReadString(20, 4, TextEncoding.Hex));
    }

    [Fact]
    public void Base64Url()
    {
        using var shm = Segment();
        shm.Write(0, new byte[] { 0xFB, 0xFF });
        Assert.Equal("+/8=", shm.ReadString(0, 2, TextEncoding.Base64));
        Assert.Equal("-_8", shm.ReadString(0, 2, TextEncoding.Base64Url));
        Assert.Equal(5, shm.WriteString(10, "aGVsbG8", TextEncoding.Base64Url));
        Assert.Equal("hello"u8.ToArray(), shm.ReadBytes(10, 5));
        Assert.Equal(2, shm.WriteString(20, "+/8=", TextEncoding.Base64Url)); // either alphabet on write
        Assert.Equal(new byte[] { 0xFB, 0xFF }, shm.ReadBytes(20, 2));
    }

    [Fact]
    public void Utf16Le()
    {
        using var shm = Segment();
        const string text = "hi 😀 é";
        int n = shm.WriteString(1, text, TextEncoding.Utf16Le);
        Assert.Equal(Encoding.Unicode.GetBytes(text), shm.ReadBytes(1, n));
        Assert.Equal(text, shm.ReadString(1, n, TextEncoding.Utf16Le));
    }

    [Fact]
    public void InvalidEncodedInputIsRefused()
    {
        using var shm = Segment();
        shm.AsSpan().Fill(0x11);
        Assert.Equal(IpcErrorCode.EILSEQ, Assert.Throws<IpcArgumentException>(() => shm.WriteString(0, "zz", TextEncoding.Hex)).Code);
        Assert.Equal(IpcErrorCode.EILSEQ, Assert.Throws<IpcArgumentException>(() => shm.WriteString(0, "abc", TextEncoding.Hex)).Code);
        Assert.Equal(IpcErrorCode.EILSEQ, Assert.Throws<IpcArgumentException>(() => shm.WriteString(0, "@@@@", TextEncoding.Base64)).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => shm.WriteString(0, "a", (TextEncoding)42)).Code);
        Assert.Equal(IpcErrorCode.EINVAL, Assert.Throws<IpcArgumentException>(() => shm.ReadString(0, 1, (TextEncoding)42)).Code);
        Assert.All(shm.ReadBytes(0, 8), b => Assert.Equal(0x11, b));
    }

    [Fact]
    public void NothingIsTruncated()
    {
        using var shm = Segment(16);
        var e = Assert.Throws<IpcOutOfRangeException>(() => shm.WriteString(12, "hello"));
        Assert.Equal(IpcErrorCode.ERANGE, e.Code);
        Assert.All(shm.ReadBytes(0, 16), b => Assert.Equal(0, b));
        Assert.Throws<IpcOutOfRangeException>(() => shm.ReadString(10, 7));
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.ReadString(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => shm.ReadString(0, -1));
    }

    [Fact]
    public void LongStringsUsePooledBuffers()
    {
        using var shm = Segment(64 * 1024);
        string text = string.Concat(Enumerable.Repeat("ünïcødé ✓ 😀 ", 1500));
        int n = shm.WriteString(0, text);
        Assert.Equal(Encoding.UTF8.GetByteCount(text), n);
        Assert.Equal(text, shm.ReadString(0, n));
        // Invalid bytes at the worst-case expansion (3 output bytes each).
        shm.AsSpan(0, 20000).Fill(0xFF);
        Assert.Equal(new string('\uFFFD', 20000), shm.ReadString(0, 20000));
    }
}
