'use strict';
// require('libipc/compat/ipcbuffer'): node-ipcbuffer's constructor forms.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const IPCBuffer = require('libipc/compat/ipcbuffer');
const { SharedMemory } = require('libipc');
const { uniqueName, uniqueFile, uniqueKey, runNodeChild, collectUntil, isMapped, assertIpcError } = require('./helpers');

test('IPCBuffer(length) and (length, encoding): plain in-process Buffers', () => {
  const a = IPCBuffer(16);
  assert.ok(Buffer.isBuffer(a));
  assert.equal(a.length, 16);
  assert.ok(a.every((b) => b === 0));
  const b = new IPCBuffer(8, 'hex');
  assert.ok(Buffer.isBuffer(b));
  assert.equal(b.length, 8);
});

test('IPCBuffer(length, "*name"): POSIX memory only, shared with another process', async () => {
  const name = uniqueName('ib');
  const buf = IPCBuffer(4096, `*${name}`);
  assert.ok(Buffer.isBuffer(buf));
  assert.equal(buf.length, 4096);
  assert.ok(fs.existsSync(`/dev/shm/${name}`));
  buf.write('posix shared', 0);
  const again = new IPCBuffer(4096, 'utf8', `*${name}`);  // (length, encoding, target)
  assert.equal(again.toString('utf8', 0, 12), 'posix shared');
  const r = await runNodeChild('ipcbuffer', `*${name}`, 4096);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), Buffer.from('posix shared\0\0\0\0').toString('hex'));
  assert.equal(buf[1], 0xab, 'the child\'s write reached our Buffer');
  assert.equal(IPCBuffer.exists(`*${name}`), true);
  IPCBuffer.remove(`*${name}`);
  assert.equal(IPCBuffer.exists(`*${name}`), false);
});

test('IPCBuffer(length, filename): file-backed, contents visible, writes reach the file', async () => {
  const file = uniqueFile('ib');
  fs.writeFileSync(file, 'previous data');
  let buf = IPCBuffer(64, file);
  assert.equal(buf.toString('utf8', 0, 13), 'previous data');
  buf.write('PREVIOUS');
  const r = await runNodeChild('ipcbuffer', file, 64);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), Buffer.from('PREVIOUS data\0\0\0').toString('hex'));
  // Drop the Buffer: the mapping is flushed and unmapped when it is collected.
  buf = null;
  assert.ok(await collectUntil(() => !fs.readFileSync('/proc/self/maps', 'utf8').includes(file)));
  const data = fs.readFileSync(file);
  assert.equal(data.length, 64);
  assert.equal(data.toString('latin1', 0, 13), 'P\xabEVIOUS data', 'our write and the child\'s reached the file');
  const withEnc = IPCBuffer(64, file, 'latin1');  // (length, target, encoding)
  assert.equal(withEnc[1], 0xab);
  IPCBuffer.remove(file);
  assert.equal(fs.existsSync(file), false);
});

test('IPCBuffer(length, key): System V, shared with another process', async () => {
  const key = uniqueKey();
  const buf = IPCBuffer(4096, key);
  assert.equal(buf.length, 4096);
  buf.write('sysv!');
  const r = await runNodeChild('ipcbuffer', key, 4096);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().slice(0, 10), Buffer.from('sysv!').toString('hex'));
  assert.equal(buf[1], 0xab);
  const withEnc = IPCBuffer(4096, 'ascii', key);
  assert.equal(withEnc.toString('latin1', 0, 5), 's\xabsv!');
  assert.equal(IPCBuffer.exists(key), true);
  IPCBuffer.remove(key);
  assert.equal(SharedMemory.exists(key, 'sysv'), false);
});

test('IPCBuffer(parent, length[, offset]) aliases', () => {
  const parent = Buffer.from('0123456789');
  const a = IPCBuffer(parent, 4);
  assert.equal(a.toString(), '0123');
  const b = IPCBuffer(parent, 3, 5);
  assert.equal(b.toString(), '567');
  const c = IPCBuffer(parent, 2, 'utf8', 8);
  assert.equal(c.toString(), '89');
  c[0] = 0x41;
  assert.equal(parent.toString(), '01234567A9', 'an alias, not a copy');
  assertIpcError(() => IPCBuffer(parent, 4, 8), 'IPC_ERANGE');
});

test('the mapping lives as long as the Buffer', async () => {
  const name = uniqueName('ib');
  let buf = IPCBuffer(4096, `*${name}`);
  buf[0] = 1;
  assert.ok(isMapped(name));
  buf = null;
  assert.ok(await collectUntil(() => !isMapped(name)));
  assert.equal(IPCBuffer.exists(`*${name}`), true, 'collecting never removes');
});

test('IPCBuffer: bad input', () => {
  assertIpcError(() => IPCBuffer(-1), 'IPC_ERANGE');
  assertIpcError(() => IPCBuffer(0, '*x'), 'IPC_EINVAL');
  assertIpcError(() => IPCBuffer(16, '*a/b'), 'IPC_EBADNAME');
  assertIpcError(() => IPCBuffer(16, 'a.bin', 'b.bin'), 'IPC_EINVAL');
  assertIpcError(() => IPCBuffer(16, 1, 2), 'IPC_EINVAL');
  assert.throws(() => IPCBuffer('16'), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => IPCBuffer(16, {}), { code: 'ERR_INVALID_ARG_TYPE' });
});
