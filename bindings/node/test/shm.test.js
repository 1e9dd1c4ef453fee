'use strict';
// SharedMemory: kinds, modes, sizes, read-only, permissions, helpers, errors.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const { SharedMemory, IpcError, errors, version, headerVersion } = require('libipc');
const { uniqueName, uniqueFile, uniqueKey, assertIpcError } = require('./helpers');

test('version and error table come from the C ABI', () => {
  assert.match(version, /^\d+\.\d+\.\d+$/);
  assert.equal(version, headerVersion);
  assert.equal(errors.IPC_OK, 0);
  assert.equal(errors.IPC_ENOENT, 2);
  assert.equal(errors.IPC_EINTERNAL, 20);
  assert.ok(Object.isFrozen(errors));
});

test('POSIX: create, write through the view, open elsewhere, remove', () => {
  const name = uniqueName();
  assert.equal(SharedMemory.exists(name), false);
  const a = SharedMemory.create(name, 4096);
  assert.equal(a.name, name);
  assert.equal(a.kind, 'posix');
  assert.equal(a.size, 4096);
  assert.equal(a.readOnly, false);
  assert.equal(a.closed, false);
  assert.equal(a.zeroCopy, true);
  assert.ok(Buffer.isBuffer(a.buffer));
  assert.equal(a.buffer, a.buffer, 'one cached view per handle');
  assert.equal(a.buffer.length, 4096);
  assert.ok(a.buffer.every((b) => b === 0), 'a new segment is zero-filled');
  a.buffer.write('shared', 100);
  assert.equal(SharedMemory.exists(name), true);
  assert.ok(fs.existsSync(`/dev/shm/${name}`));

  const b = SharedMemory.open(name);
  assert.equal(b.size, 4096);
  assert.equal(b.buffer.toString('utf8', 100, 106), 'shared');
  b.buffer[0] = 0x5a;
  assert.equal(a.buffer[0], 0x5a, 'two mappings of one segment see each other');
  a.close();
  b.close();
  SharedMemory.remove(name);
  assert.equal(SharedMemory.exists(name), false);
  assertIpcError(() => SharedMemory.remove(name), 'IPC_ENOENT');
});

test('modes: create-only, open-only, open-or-create', () => {
  const name = uniqueName();
  assertIpcError(() => SharedMemory.open(name), 'IPC_ENOENT');
  const a = SharedMemory.openOrCreate(name, 1024);  // creates
  assertIpcError(() => SharedMemory.create(name, 1024), 'IPC_EEXIST');
  const b = SharedMemory.openOrCreate(name, 1024);  // opens
  a.buffer[5] = 9;
  assert.equal(b.buffer[5], 9);
  const c = new SharedMemory(name);  // default mode without a size: open
  assert.equal(c.size, 1024);
  const d = new SharedMemory(name, { size: 512 });  // with a size: openOrCreate, maps 512
  assert.equal(d.size, 512);
  assertIpcError(() => SharedMemory.open(name, { size: 4096 }), 'IPC_ERANGE');
  for (const s of [a, b, c, d]) s.close();
});

test('read-only handles: no writable view, copies instead', () => {
  const name = uniqueName();
  const w = SharedMemory.create(name, 256);
  w.writeString('read me', 0);
  const r = SharedMemory.open(name, { readOnly: true });
  assert.equal(r.readOnly, true);
  assert.equal(r.zeroCopy, false);
  assertIpcError(() => r.buffer, 'IPC_EREADONLY');
  assertIpcError(() => r.float64Array(0, 1), 'IPC_EREADONLY');
  assert.equal(r.readString(0, 7), 'read me');
  const copy = r.read(0, 7);
  copy[0] = 0;  // a copy: writing to it is harmless
  assert.equal(r.readString(0, 7), 'read me');
  assertIpcError(() => r.write(Buffer.from('x')), 'IPC_EREADONLY');
  assertIpcError(() => r.writeString('x'), 'IPC_EREADONLY');
  assertIpcError(() => r.writeFloat64([1]), 'IPC_EREADONLY');
  assertIpcError(() => SharedMemory.create(uniqueName(), 16, { readOnly: true }), 'IPC_EINVAL');
  r.close();
  w.close();
});

test('perm sets the permission bits of a created segment', () => {
  const name = uniqueName();
  const a = SharedMemory.create(name, 64, { perm: 0o640 });
  assert.equal(fs.statSync(`/dev/shm/${name}`).mode & 0o777, 0o640);
  a.close();
  const name2 = uniqueName();
  const b = SharedMemory.create(name2, 64);
  assert.equal(fs.statSync(`/dev/shm/${name2}`).mode & 0o777, 0o600, 'default 0600');
  b.close();
});

test('file kind: existing contents visible, changes reach the file', () => {
  const file = uniqueFile();
  fs.writeFileSync(file, Buffer.from('existing contents'));
  const shm = SharedMemory.openOrCreate(file, 4096, { kind: 'file' });
  assert.equal(shm.kind, 'file');
  assert.equal(shm.name, file);
  assert.equal(shm.buffer.toString('utf8', 0, 17), 'existing contents');
  shm.buffer.write('EXISTING');
  shm.flush();
  assert.equal(fs.readFileSync(file).toString('utf8', 0, 17), 'EXISTING contents');
  assert.equal(fs.statSync(file).size, 4096, 'a writable open grows the file');
  shm.close();
  assert.equal(SharedMemory.exists(file, 'file'), true);
  SharedMemory.remove(file, { kind: 'file' });
  assert.equal(fs.existsSync(file), false);
});

test('sysv kind: numeric key, same segment by decimal and 0x key', () => {
  const key = uniqueKey();
  const a = SharedMemory.create(key, 8192, { kind: 'sysv' });
  assert.equal(a.kind, 'sysv');
  assert.equal(a.name, String(key));
  a.buffer.writeUInt32LE(0xdeadbeef, 16);
  const b = SharedMemory.open(`0x${key.toString(16)}`, { kind: 'sysv' });
  assert.ok(b.size >= 8192);
  assert.equal(b.buffer.readUInt32LE(16), 0xdeadbeef);
  assert.equal(SharedMemory.exists(key, 'sysv'), true);
  a.close();
  b.close();
  SharedMemory.remove(key, 'sysv');
  assert.equal(SharedMemory.exists(key, 'sysv'), false);
  assertIpcError(() => SharedMemory.create(0, 16, { kind: 'sysv' }), 'IPC_EBADNAME');
  assertIpcError(() => SharedMemory.create('nokey', 16, { kind: 'sysv' }), 'IPC_EBADNAME');
});

test('anon kind: in-process segment with the same API', () => {
  const shm = SharedMemory.anonymous(100);
  assert.equal(shm.kind, 'anon');
  assert.equal(shm.name, null);
  assert.equal(shm.size, 100);
  shm.buffer.fill(1);
  assert.equal(shm.read(99, 1)[0], 1);
  assertIpcError(() => SharedMemory.remove(null, 'anon'), 'IPC_ENOTSUP');
  shm.close();
});

test('read / write / floats: checked ranges, any offset', () => {
  const shm = SharedMemory.anonymous(64);
  assert.equal(shm.write(Buffer.from([1, 2, 3]), 10), 3);
  assert.deepEqual([...shm.read(10, 3)], [1, 2, 3]);
  assert.equal(shm.read(60).length, 4, 'length defaults to the end');
  assert.equal(shm.write('héllo', 20), 6, 'strings are written as UTF-8');
  shm.write(new Uint16Array([0x0201]), 30);
  assert.deepEqual([...shm.read(30, 2)], [1, 2]);
  shm.write(new DataView(new ArrayBuffer(2)), 32);
  shm.write(new Uint8Array([7]).buffer, 34);
  assert.equal(shm.buffer[34], 7);
  // The source may be the segment itself (memmove semantics).
  shm.buffer.set([1, 2, 3, 4], 40);
  shm.write(shm.buffer.subarray(40, 44), 41);
  assert.deepEqual([...shm.read(40, 5)], [1, 1, 2, 3, 4]);
  assertIpcError(() => shm.write(Buffer.alloc(5), 60), 'IPC_ERANGE');
  assert.deepEqual([...shm.read(60, 4)], [0, 0, 0, 0], 'a failed write changes nothing');
  assertIpcError(() => shm.read(60, 5), 'IPC_ERANGE');
  assertIpcError(() => shm.read(-1, 1), 'IPC_ERANGE');
  assertIpcError(() => shm.read(1.5, 1), 'IPC_ERANGE');

  shm.writeFloat64([0.5, -1.25, 1e300], 3);  // unaligned is fine for the helpers
  assert.deepEqual([...shm.readFloat64(3, 3)], [0.5, -1.25, 1e300]);
  shm.writeFloat32(new Float32Array([1.5, -2]), 1);
  assert.deepEqual([...shm.readFloat32(1, 2)], [1.5, -2]);
  assertIpcError(() => shm.readFloat64(60, 1), 'IPC_ERANGE');

  const f64 = shm.float64Array(8, 2);
  f64[0] = Math.PI;
  assert.equal(shm.buffer.readDoubleLE(8), Math.PI, 'a Float64Array view is zero-copy');
  assert.equal(shm.float64Array().length, 8);
  const f32 = shm.float32Array(4);
  assert.equal(f32.length, 15);
  assertIpcError(() => shm.float64Array(4), 'IPC_EINVAL');
  assertIpcError(() => shm.float64Array(8, 8), 'IPC_ERANGE');
  shm.close();
});

test('close is idempotent; a closed handle reports IPC_EBADHANDLE', () => {
  const shm = SharedMemory.anonymous(16);
  shm.close();
  shm.close();
  assert.equal(shm.closed, true);
  assertIpcError(() => shm.buffer, 'IPC_EBADHANDLE');
  assertIpcError(() => shm.read(0, 1), 'IPC_EBADHANDLE');
  assertIpcError(() => shm.writeString('x'), 'IPC_EBADHANDLE');
  assertIpcError(() => shm.flush(), 'IPC_EBADHANDLE');
});

test('Symbol.dispose closes', { skip: typeof Symbol.dispose !== 'symbol' }, () => {
  const shm = SharedMemory.anonymous(16);
  shm[Symbol.dispose]();
  assert.equal(shm.closed, true);
});

test('bad input: an Error with the right code', () => {
  const name = uniqueName();
  assertIpcError(() => SharedMemory.create('', 16), 'IPC_EBADNAME');
  assertIpcError(() => SharedMemory.create('a/b', 16), 'IPC_EBADNAME');
  assertIpcError(() => SharedMemory.create('a\0b', 16), 'IPC_EBADNAME');
  assertIpcError(() => SharedMemory.create('x'.repeat(300), 16), 'IPC_ENAMETOOLONG');
  assertIpcError(() => SharedMemory.create(name, 0), 'IPC_EINVAL');
  assertIpcError(() => SharedMemory.create(name, -1), 'IPC_ERANGE');
  assertIpcError(() => SharedMemory.create(name, 16, { kind: 'bogus' }), 'IPC_EINVAL');
  assertIpcError(() => new SharedMemory(name, { mode: 'sideways', size: 16 }), 'IPC_EINVAL');
  assertIpcError(() => SharedMemory.open('ipcnode_surely_missing_segment'), 'IPC_ENOENT');
  assertIpcError(() => SharedMemory.anonymous(16).writeString('x', 0, 'klingon'), 'IPC_EINVAL');
  assert.throws(() => SharedMemory.create(name, '16'), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => SharedMemory.create(42, 16), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => SharedMemory.anonymous(16).write({}), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' });
  assert.equal(SharedMemory.exists(name), false, 'nothing was created by the failures');
});

test('IpcError carries the C detail message', () => {
  const name = uniqueName();
  try {
    SharedMemory.open(name);
    assert.fail('open should have failed');
  } catch (e) {
    assert.ok(e instanceof IpcError);
    assert.equal(e.name, 'IpcError');
    assert.equal(e.code, 'IPC_ENOENT');
    assert.equal(e.errno, 2);
    assert.ok(e.detail.includes(name), e.detail);
    assert.ok(e.message.includes(e.detail));
    assert.match(e.stack, /IpcError: IPC_ENOENT/);
  }
  const e = IpcError.from('IPC_ERANGE', 'custom');
  assert.equal(e.errno, errors.IPC_ERANGE);
  assert.equal(e.message, 'IPC_ERANGE: offset or length out of range: custom');
});
