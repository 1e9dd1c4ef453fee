'use strict';
// Step 1 of the cross-language demo (examples/shm_demo.sh): a Node process
// creates a named segment and writes a greeting and four float64s into it.
// Layout: [0] u32 length, [4] UTF-8 text from Node; [512] u32 length, [516]
// reply from Python; [1024] 4 x float64.
const { SharedMemory } = require('libipc');

const name = process.argv[2];
const shm = SharedMemory.create(name, 4096);             // /dev/shm/<name>, mode 0600
const n = shm.writeString(`hello from Node ${process.version} 👋`, 4, 'utf8');
shm.buffer.writeUInt32LE(n, 0);                          // zero-copy Buffer view
shm.float64Array(1024, 4).set([1.5, -2.25, 3.0e10, 0.125]);
console.log(`node   (pid ${process.pid}): created "${name}", wrote a greeting and [1.5, -2.25, 3e10, 0.125]`);
shm.close();                                             // the segment stays
