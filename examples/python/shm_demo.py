"""Step 2 of the cross-language demo (examples/shm_demo.sh): a Python process
opens the segment Node created, reads Node's greeting, writes a reply, and
doubles the floats in place through a zero-copy numpy view."""
import os
import sys

import numpy as np
from libipc import SharedMemory

name = sys.argv[1]
with SharedMemory.open(name) as shm:
    n = int.from_bytes(shm.read(0, 4), "little")
    greeting = shm.read_string(4, n)
    reply = f"hello from Python {sys.version.split()[0]} 🐍, I read: {greeting!r}"
    m = shm.write_string(516, reply)
    shm.write(512, m.to_bytes(4, "little"))
    floats = np.frombuffer(shm.buf, dtype=np.float64, count=4, offset=1024)  # no copy
    floats *= 2
    print(f"python (pid {os.getpid()}): read {greeting!r}; doubled the floats in place")
    del floats  # release the view before the handle closes
