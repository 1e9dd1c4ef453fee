#!/usr/bin/env python3
"""The Python interop peer (see tests/interop/README.md), over the libipc
package only: the byte view (SharedMemory.buf), the string helper and the
float64 helper.

    peer.py AREA create|open NAME OTHER_LANG
"""
import struct
import sys

from libipc import IpcError, SharedMemory

SHM_SIZE = 4096
TEXT = "libipc interop ✓ héllo wörld 😀"
FLOATS = [0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0]
LANG = "python"


def shm_create(name: str) -> int:
    with SharedMemory.create(name, SHM_SIZE) as shm:
        buf = shm.buf
        buf[0:256] = bytes(range(256))
        n = shm.write_string(260, TEXT)
        struct.pack_into("<I", buf, 256, n)
        shm.write_f64(1024, FLOATS)
        buf[2048:2080] = LANG.encode("ascii").ljust(32, b"\0")
        del buf
    print("ready", flush=True)
    return 0


def fail(what: str) -> int:
    print(f"python peer: {what}", file=sys.stderr)
    return 1


def shm_open_check(name: str, creator: str) -> int:
    with SharedMemory.open(name) as shm:
        buf = shm.buf
        if shm.size != SHM_SIZE:
            return fail(f"size {shm.size}")
        if bytes(buf[0:256]) != bytes(range(256)):
            first = next(i for i in range(256) if buf[i] != i)
            return fail(f"byte {first} = {buf[first]}")
        (n,) = struct.unpack_from("<I", buf, 256)
        text = shm.read_string(260, n)
        if text != TEXT:
            return fail(f"text {text!r}")
        floats = shm.read_f64(1024, 8)
        # Bit-exact, so -0.0 and the subnormal 5e-324 count.
        if struct.pack("<8d", *floats) != struct.pack("<8d", *FLOATS):
            return fail(f"floats {floats.tolist()}")
        lang = bytes(buf[2048:2080]).rstrip(b"\0").decode("ascii", "replace")
        if lang != creator:
            return fail(f"creator {lang!r}, expected {creator!r}")
        del buf
    print(f"ok: read {creator}'s segment")
    return 0


def main(argv: list) -> int:
    if len(argv) < 5:
        print("usage: peer.py AREA create|open NAME OTHER_LANG", file=sys.stderr)
        return 2
    area, role, name, other = argv[1:5]
    if area != "shm":
        return fail(f"unknown area {area}")
    try:
        return shm_create(name) if role == "create" else shm_open_check(name, other)
    except IpcError as e:
        return fail(f"{role}: {e}")


if __name__ == "__main__":
    sys.exit(main(sys.argv))
