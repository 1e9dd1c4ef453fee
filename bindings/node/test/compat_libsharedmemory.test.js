'use strict';
// require('libipc/compat/libsharedmemory'): node-libsharedmemory's streams over
// the ipc_shm_stream_* layout, across processes and against C.
const test = require('node:test');
const assert = require('node:assert/strict');
const { NodeSharedMemoryWriteStream, NodeSharedMemoryReadStream } = require('libipc/compat/libsharedmemory');
const { SharedMemory, ShmStream } = require('libipc');
const { uniqueName, runNodeChild, run, C_HELPER, assertIpcError } = require('./helpers');

const TEXT = `{ remoteApp: { is: 'sending', data: 'ab😃ab😃ab😃' } }`;

test('write and read strings, float and double arrays in one process', () => {
  const name = uniqueName('lsm');
  const w = new NodeSharedMemoryWriteStream(name, 65535, true);
  const r = new NodeSharedMemoryReadStream(name, 65535, true);
  assert.equal(r.readString(), '', 'an empty stream reads as an empty string');
  w.writeString(TEXT);
  assert.equal(r.readString(), TEXT);
  assert.equal(r.version, 1);
  w.writeFloatArray([1.5, -2.25, 3]);
  assert.deepEqual(r.readFloatArray(), new Float32Array([1.5, -2.25, 3]));
  w.writeDoubleArray(new Float64Array([Math.PI, -0, 1e300]));
  assert.deepEqual([...r.readDoubleArray()], [Math.PI, -0, 1e300]);
  assert.equal(w.version, 3);
  assertIpcError(() => r.readString(), 'IPC_EINVAL');  // holds doubles, not a string
  // The 0.x per-call forms.
  w.write('legacy', name, 65535, true);
  assert.equal(r.read(name, 65535, true), 'legacy');
  assert.equal(r.read(), 'legacy');
  w.close();
  r.close();
  assert.equal(SharedMemory.exists(name), true, 'persistent: close keeps the segment');
});

test('a value larger than size - 32 is IPC_ERANGE, never truncated', () => {
  const name = uniqueName('lsm');
  const w = new NodeSharedMemoryWriteStream(name, 64);
  w.writeString('x'.repeat(32));
  assertIpcError(() => w.writeString('x'.repeat(33)), 'IPC_ERANGE');
  assert.equal(new NodeSharedMemoryReadStream(name).readString(), 'x'.repeat(32));
  w.close();
});

test('persistent = false: the writer\'s close() removes the segment', () => {
  const name = uniqueName('lsm');
  const w = new NodeSharedMemoryWriteStream(name, 1024, false);
  w.writeString('gone soon');
  assert.equal(SharedMemory.exists(name), true);
  w.close();
  w.close();
  assert.equal(SharedMemory.exists(name), false);
});

test('a reader before any writer: IPC_ENOENT until the segment exists', () => {
  const name = uniqueName('lsm');
  const r = new NodeSharedMemoryReadStream(name);
  assertIpcError(() => r.readString(), 'IPC_ENOENT');
  const w = new NodeSharedMemoryWriteStream(name);
  w.writeString('now');
  assert.equal(r.readString(), 'now');
  w.close();
  r.close();
});

test('round trip across processes: Node child writes, Node reads, and back', async () => {
  const name = uniqueName('lsm');
  let r = await runNodeChild('lsm-write', name, 4096, 'string', 'ab😃', 'from', 'a', 'child');
  assert.equal(r.code, 0, r.stderr);
  const reader = new NodeSharedMemoryReadStream(name, 4096, true);
  assert.equal(reader.readString(), 'ab😃 from a child');
  r = await runNodeChild('lsm-write', name, 4096, 'double', '0.5', '-1.25', '1e300');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...reader.readDoubleArray()], [0.5, -1.25, 1e300]);
  r = await runNodeChild('lsm-write', name, 4096, 'float', '1.5', '2.5');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual([...reader.readFloatArray()], [1.5, 2.5]);
  reader.close();

  const w = new NodeSharedMemoryWriteStream(name, 4096, true);
  w.writeString(TEXT);
  r = await runNodeChild('lsm-read', name, 'string');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout), TEXT);
  w.writeDoubleArray([42, -0.5]);
  r = await runNodeChild('lsm-read', name, 'double');
  assert.deepEqual(JSON.parse(r.stdout), [42, -0.5]);
  w.close();
});

test('C reads what Node writes, and Node reads what C writes (ipc_shm_stream_*)', async () => {
  const name = uniqueName('lsm');
  const w = new NodeSharedMemoryWriteStream(name, 4096);
  w.writeString(TEXT);
  let r = await run(C_HELPER, ['stream-read', name]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), `1 1 ${Buffer.from(TEXT).toString('hex')}`);
  w.writeDoubleArray([0.5, 1e300]);
  r = await run(C_HELPER, ['stream-read', name]);
  assert.equal(r.stdout.trim(), `3 2 ${Buffer.from(new Float64Array([0.5, 1e300]).buffer).toString('hex')}`);
  w.writeFloatArray([1.5]);
  r = await run(C_HELPER, ['stream-read', name]);
  assert.equal(r.stdout.trim(), `2 3 ${Buffer.from(new Float32Array([1.5]).buffer).toString('hex')}`);
  w.close();

  const f = new Float64Array([-1, 2.5, 65504]);
  r = await run(C_HELPER, ['stream-write', name, '4096', '3', Buffer.from(f.buffer).toString('hex')]);
  assert.equal(r.code, 0, r.stderr);
  const reader = new NodeSharedMemoryReadStream(name);
  assert.deepEqual([...reader.readDoubleArray()], [-1, 2.5, 65504]);
  r = await run(C_HELPER, ['stream-write', name, '4096', '1', Buffer.from('C says ✓').toString('hex')]);
  assert.equal(reader.readString(), 'C says ✓');
  assert.equal(reader.version, 5);
  reader.close();
});

test('values larger than the first read buffer', () => {
  const shm = SharedMemory.anonymous(1 << 20);
  const s = new ShmStream(shm);
  const big = Float64Array.from({ length: 100000 }, (_, i) => i / 3);
  s.writeFloat64(big);
  assert.deepEqual(s.readAs('float64'), big);
  const text = 'ab😃'.repeat(50000);
  s.writeString(text);
  assert.equal(s.readAs('string'), text);
  shm.close();
});

test('ShmStream: bytes, empty, version, capacity', () => {
  const shm = SharedMemory.anonymous(128);
  const s = new ShmStream(shm);
  assert.equal(s.capacity, 96);
  assert.deepEqual(s.read(), { type: 'empty', value: null, version: 0 });
  s.writeBytes(Buffer.from([1, 2, 3]));
  const v = s.read();
  assert.equal(v.type, 'bytes');
  assert.deepEqual([...v.value], [1, 2, 3]);
  assert.equal(v.version, 1);
  assert.equal(s.version, 1);
  assert.equal(s.readAs('bytes').length, 3);
  // The header is the documented layout: magic "IPCS", version 1.
  assert.equal(shm.buffer.readUInt32LE(0), 0x53435049);
  assert.equal(shm.buffer.readUInt32LE(4), 1);
  shm.close();
});
