'use strict';
// worker_threads: the addon is context-aware. The main thread and two workers
// use it at the same moment; a worker that ends (or is terminated) with live
// views and handles tears down cleanly.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { once } = require('node:events');
const { Worker } = require('node:worker_threads');
const { SharedMemory, IpcError } = require('libipc');
const { uniqueName, collectUntil } = require('./helpers');
const { race } = require('./fixtures/worker');

const WORKER = path.join(__dirname, 'fixtures', 'worker.js');
const native = require(process.env.LIBIPC_NODE_ADDON);

function exitOf(w) {
  return new Promise((resolve, reject) => {
    w.once('error', reject);
    w.once('exit', resolve);
  });
}

test('main thread and two workers use the addon at once', async () => {
  const name = uniqueName();
  const shm = SharedMemory.create(name, 3 * 1024);
  const go = new SharedArrayBuffer(4);
  const iterations = 300;
  const workers = [1, 2].map((id) => new Worker(WORKER, { workerData: { mode: 'race', name, id, go, iterations, region: id } }));
  const exits = workers.map(exitOf);
  // Both workers have loaded the addon in their own environment.
  assert.deepEqual(await Promise.all(workers.map((w) => once(w, 'message').then(([m]) => m))), ['ready', 'ready']);
  const results = workers.map((w) => once(w, 'message').then(([m]) => m));
  Atomics.store(new Int32Array(go), 0, 1);
  Atomics.notify(new Int32Array(go), 0);
  const mine = race(name, 3, 0, iterations, SharedMemory, IpcError);  // concurrently with the workers
  assert.deepEqual(mine, { id: 3, ok: true, errors: iterations });
  for (const r of await Promise.all(results)) assert.deepEqual(r, { id: r.id, ok: true, errors: iterations });
  assert.deepEqual(await Promise.all(exits), [0, 0]);
  // Every region holds its thread's last state.
  for (const [region, id] of [[0, 3], [1, 1], [2, 2]]) {
    assert.ok(shm.read(region * 1024, 256).every((b) => b === id));
    assert.deepEqual([...shm.readFloat64(region * 1024 + 512, 4)], [id, iterations - 1, id * (iterations - 1), -id]);
  }
  shm.close();
});

test('a worker that exits with a live view and an unclosed handle', async () => {
  const name = uniqueName();
  const shm = SharedMemory.create(name, 4096);
  const w = new Worker(WORKER, { workerData: { mode: 'hold', name } });
  const exited = exitOf(w);
  assert.equal((await once(w, 'message'))[0], 'held');
  assert.equal(await exited, 0);
  assert.equal(shm.readString(0, 13), 'from a worker');
  shm.buffer.write('main still fine');
  assert.equal(shm.readString(0, 15), 'main still fine');
  shm.close();
  // The worker's mapping went with its environment.
  assert.ok(await collectUntil(() => native.liveMappings() === 0), `live mappings: ${native.liveMappings()}`);
});

test('terminating a worker in the middle of using the addon', async () => {
  const name = uniqueName();
  const shm = SharedMemory.create(name, 64);
  const w = new Worker(WORKER, { workerData: { mode: 'spin', name } });
  const exited = exitOf(w);
  assert.equal((await once(w, 'message'))[0], 'spinning');
  await w.terminate();
  await exited;
  const before = shm.float64Array(8, 1)[0];
  assert.ok(before >= 0);
  shm.buffer[1] = 1;
  assert.equal(SharedMemory.open(name).read(1, 1)[0], 1);
  shm.close();
});
