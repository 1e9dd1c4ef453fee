namespace LibIpc;

/// <summary>The kind of a segment (<c>ipc_shm_kind_t</c>).</summary>
public enum ShmKind
{
    /// <summary>POSIX named shared memory (<c>/dev/shm/NAME</c> on Linux). The name has no '/'.</summary>
    Posix = 0,
    /// <summary>A mapping of an ordinary file; the name is a file path.</summary>
    File = 1,
    /// <summary>A System V segment; the name is its non-zero key, decimal or 0x-hex ("0x1234").</summary>
    SysV = 2,
    /// <summary>An anonymous in-process buffer; the name is ignored.</summary>
    Anonymous = 3,
}

/// <summary>How an open treats the named segment (<c>ipc_open_mode_t</c>).</summary>
public enum OpenMode
{
    /// <summary>Create it; <see cref="IpcAlreadyExistsException"/> if it exists.</summary>
    CreateOnly = 0,
    /// <summary>Open an existing one; <see cref="IpcNotFoundException"/> if there is none.</summary>
    OpenOnly = 1,
    /// <summary>Open it if it exists, else create it.</summary>
    OpenOrCreate = 2,
}

/// <summary>
/// Text encodings of the string helpers (<c>ipc_encoding_t</c>): the names and
/// meanings of Node's Buffer encodings, so a string written by one language reads
/// back the same in another. (Not called <c>Encoding</c>, which would clash with
/// <see cref="System.Text.Encoding"/> in any file that uses System.Text.)
/// </summary>
public enum TextEncoding
{
    /// <summary>UTF-8.</summary>
    Utf8 = 0,
    /// <summary>Write: each UTF-16 unit's low 8 bits (like Node); read: bytes &amp; 0x7f.</summary>
    Ascii = 1,
    /// <summary>One byte per code point U+0000..U+00FF (Node's "latin1"/"binary").</summary>
    Latin1 = 2,
    /// <summary>Write: decodes base64 text to bytes; read: encodes bytes as base64.</summary>
    Base64 = 3,
    /// <summary>Write: decodes hex text to bytes; read: encodes bytes as lowercase hex.</summary>
    Hex = 4,
    /// <summary>UTF-16 little-endian.</summary>
    Utf16Le = 5,
    /// <summary>As <see cref="Base64"/> with '-' and '_' and no padding on read; write accepts both alphabets.</summary>
    Base64Url = 6,
}

/// <summary>The type of a <see cref="ShmStream"/> value (<c>ipc_stream_type_t</c>).</summary>
public enum StreamValueType
{
    /// <summary>Nothing written yet.</summary>
    Empty = 0,
    /// <summary>UTF-8 text.</summary>
    String = 1,
    /// <summary>A float32 array.</summary>
    Float32 = 2,
    /// <summary>A float64 array.</summary>
    Float64 = 3,
    /// <summary>Opaque bytes.</summary>
    Bytes = 4,
}
