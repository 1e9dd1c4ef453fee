'use strict';
// worker_threads and semaphores/queues: per-environment handles, notify
// threads and ThreadSafeFunctions. The main thread and two workers use one
// queue and one semaphore at once; workers that are terminated, exit or end
// with pending waits, listeners and blocked sends tear down cleanly.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { once } = require('node:events');
const { Worker } = require('node:worker_threads');
const { Semaphore, MessageQueue } = require('libipc');
const { uniqueMq, track } = require('./helpers');

const WORKER = path.join(__dirname, 'fixtures', 'ipc_worker.js');

function exitOf(w) {
  return new Promise((resolve, reject) => {
    w.once('error', reject);
    w.once('exit', resolve);
  });
}

// The first `n` messages of worker `w`, through one listener added now. Not
// once(w, 'message').then(() => once(w, 'message')): when the main thread
// hears of a worker's exit before it has read the worker's messages, Worker
// emits them all synchronously (drainMessagePort in its exit handler), then
// removes every 'message' listener — a second once() added by a .then() (one
// microtask later) never fires, and the test ends with a Promise pending.
function messagesOf(w, n) {
  return new Promise((resolve, reject) => {
    const got = [];
    w.on('message', (m) => {
      got.push(m);
      if (got.length === n) resolve(got);
    });
    w.once('error', reject);
    // Messages posted before the exit have all been emitted by now.
    w.once('exit', (code) => reject(new Error(`worker exited (code ${code}) after ${got.length} of ${n} messages`)));
  });
}

test('main thread and two workers: one queue, one semaphore, at once', async () => {
  const name = uniqueMq();
  track('sem', name);
  const q = MessageQueue.create(name, { capacity: 16, maxMessageSize: 16 });
  const s = Semaphore.create(name);
  const workers = [1, 2].map((id) => new Worker(WORKER, { workerData: { mode: 'consume', name, id } }));
  const exits = workers.map(exitOf);
  const results = workers.map((w) => messagesOf(w, 2).then(([ready, m]) => {
    assert.equal(ready, 'ready');
    return m;
  }));
  const N = 300;
  // The main thread sends (waiting for room) while it waits on the semaphore
  // the workers post once per message.
  const sending = (async () => {
    for (let i = 0; i < N; i++) await q.send(`m${i}`, 1);
    await q.send('stop', 0);  // priority 0: after every message
    await q.send('stop', 0);
  })();
  for (let i = 0; i < N; i++) assert.equal(await s.wait(), true);
  await sending;
  const all = (await Promise.all(results)).flatMap((r) => r.got);
  assert.equal(all.length, N);
  assert.deepEqual(new Set(all), new Set(Array.from({ length: N }, (_, i) => `m${i}`)));
  assert.deepEqual(await Promise.all(exits), [0, 0]);
  assert.equal(s.value, 0);
  q.close();
  s.close();
});

test('terminating a worker with a pending receive, listener, wait and blocked send', async () => {
  const name = uniqueMq();
  const full = track('mq', `${name}_full`);
  track('sem', name);
  const q = MessageQueue.create(name, { capacity: 4, maxMessageSize: 16 });
  const s = Semaphore.create(name);
  const f = MessageQueue.create(full, { capacity: 1, maxMessageSize: 16 });
  f.trySend('fill');
  for (let round = 0; round < 3; round++) {
    const w = new Worker(WORKER, { workerData: { mode: 'hold', name, full } });
    const exited = exitOf(w);
    assert.equal((await once(w, 'message'))[0], 'holding');
    await w.terminate();
    await exited;
  }
  // Nothing of the workers' is left waiting: what we send now is ours.
  q.trySend('mine');
  assert.equal(q.tryReceive().data.toString(), 'mine');
  s.post();
  assert.equal(await s.wait({ timeoutMs: 5000 }), true);
  assert.equal(f.tryReceive().data.toString(), 'fill');
  assert.equal(f.tryReceive(), null, 'the terminated workers\' blocked sends were not sent');
  for (const h of [q, s, f]) h.close();
});

test('a worker that calls process.exit() while holding, and one that ends with open handles', async () => {
  const name = uniqueMq();
  const full = track('mq', `${name}_full`);
  track('sem', name);
  const q = MessageQueue.create(name, { capacity: 4, maxMessageSize: 16 });
  const s = Semaphore.create(name);
  const f = MessageQueue.create(full, { capacity: 1, maxMessageSize: 16 });
  f.trySend('fill');
  const w = new Worker(WORKER, { workerData: { mode: 'exit', name, full } });
  const exited = exitOf(w);
  assert.equal((await once(w, 'message'))[0], 'holding');
  assert.equal(await exited, 0);
  const l = new Worker(WORKER, { workerData: { mode: 'leave', name } });
  const left = exitOf(l);
  assert.equal((await once(l, 'message'))[0], 'left');
  assert.equal(await left, 0);  // open handles, nothing pending: it ends by itself
  assert.equal(q.tryReceive().data.toString(), 'from a worker');
  assert.equal(s.tryWait(), true);
  for (const h of [q, s, f]) h.close();
});
