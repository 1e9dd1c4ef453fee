'use strict';
// The mapping's lifetime: a view keeps it alive after close(); it is unmapped
// once the handle is closed AND no view is reachable; the copying fallback
// (Electron) takes no reference.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { SharedMemory } = require('libipc');
const { uniqueName, collectUntil, isMapped, assertIpcError, run } = require('./helpers');

// The addon as the JS layer loaded it (liveMappings counts Mapping objects).
const native = require(process.env.LIBIPC_NODE_ADDON);
const shmModule = require(path.join(path.dirname(require.resolve('libipc/package.json')), 'lib', 'shm.js'));

// The live-mapping count once garbage from earlier tests is collected.
async function settledCount() {
  let last = -1;
  await collectUntil(() => {
    const n = native.liveMappings();
    const same = n === last;
    last = n;
    return same;
  });
  return last;
}

test('a view outlives close() and the segment\'s removal', async () => {
  const name = uniqueName();
  const base = await settledCount();
  let shm = SharedMemory.create(name, 4096);
  let view = shm.buffer;
  let f64 = shm.float64Array(64, 2);
  view.write('still here');
  f64[0] = 2.5;
  shm.close();
  SharedMemory.remove(name);
  shm = null;
  // Handle closed, segment removed: the views still work, the memory is mapped.
  await collectUntil(() => false, 3);
  assert.equal(view.toString('utf8', 0, 10), 'still here');
  assert.equal(f64[0], 2.5);
  view[100] = 1;
  assert.ok(isMapped(name), 'still mapped while a view is reachable');
  assert.equal(native.liveMappings(), base + 1);
  // Drop the views: the GC finalizes them and the last one unmaps.
  view = null;
  f64 = null;
  assert.ok(await collectUntil(() => native.liveMappings() === base), 'unmapped after the views are collected');
  assert.equal(isMapped(name), false);
});

test('the open handle alone keeps the mapping; close() then unmaps', async () => {
  const name = uniqueName();
  const base = await settledCount();
  const shm = SharedMemory.create(name, 4096);
  await collectUntil(() => false, 5);
  assert.ok(isMapped(name), 'the open handle alone keeps the mapping');
  assert.equal(native.liveMappings(), base + 1);
  shm.buffer[0] = 1;  // the handle's cached view is alive too
  shm.close();
  assert.ok(await collectUntil(() => native.liveMappings() === base));
  assert.equal(isMapped(name), false);
});

test('a handle garbage-collected without close() releases the mapping', async () => {
  const name = uniqueName();
  const base = await settledCount();
  (() => {
    const shm = SharedMemory.create(name, 4096);
    shm.buffer[0] = 1;
  })();
  assert.ok(await collectUntil(() => native.liveMappings() === base));
  assert.equal(isMapped(name), false);
  assert.equal(SharedMemory.exists(name), true, 'collecting a handle never removes the segment');
});

test('copying fallback (as under Electron): .buffer is a snapshot, no reference kept', async () => {
  const name = uniqueName();
  shmModule._setForceCopy(true);
  try {
    const base = await settledCount();
    const shm = SharedMemory.create(name, 64);
    assert.equal(shm.zeroCopy, false);
    shm.writeString('abc');
    const snap = shm.buffer;
    assert.equal(snap.toString('utf8', 0, 3), 'abc');
    assert.notEqual(shm.buffer, snap, 'a fresh copy at each access');
    snap[0] = 0x7a;
    assert.equal(shm.readString(0, 3), 'abc', 'writing a copy does not reach the segment');
    shm.close();
    assert.ok(await collectUntil(() => native.liveMappings() === base), 'close alone unmaps');
    assert.equal(snap.toString('utf8', 0, 3), 'zbc', 'the copy stays usable');
  } finally {
    shmModule._setForceCopy(false);
  }
});

test('the staged package loads on its own (RPATH, no LD_LIBRARY_PATH, no override)', async () => {
  const env = { ...process.env };
  delete env.LIBIPC_NODE_ADDON;
  delete env.LD_LIBRARY_PATH;
  const { spawn } = require('node:child_process');
  const r = await new Promise((resolve) => {
    const p = spawn(process.execPath, ['-e', `
      const { SharedMemory, version } = require('libipc');
      const s = SharedMemory.anonymous(8); s.buffer[0] = 1; s.close();
      process.stdout.write(require.resolve('libipc') + ' ' + version);`], { env, cwd: require('node:os').tmpdir() });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    p.on('close', (code) => resolve({ code, out, err }));
  });
  assert.equal(r.code, 0, r.err);
  assert.ok(r.out.startsWith(path.join(process.env.NODE_PATH, 'libipc')), r.out);
  void run;
});

test('views taken before close() work; after close() .buffer is refused', () => {
  const shm = SharedMemory.anonymous(32);
  const v = shm.buffer;
  shm.close();
  v[0] = 5;
  assert.equal(v[0], 5);
  assertIpcError(() => shm.buffer, 'IPC_EBADHANDLE');
});
