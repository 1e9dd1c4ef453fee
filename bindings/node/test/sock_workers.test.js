'use strict';
// Sockets and worker_threads: the addon keeps its state per environment, so
// the main thread and workers run servers and clients at once; a worker that
// is terminated with open sockets and traffic in flight tears down cleanly.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { once } = require('node:events');
const { Worker } = require('node:worker_threads');
const { SocketServer, SocketClient } = require('libipc');
const { uniqueId, track, next, collect, within } = require('./sock_helpers');

const WORKER = path.join(__dirname, 'fixtures', 'sock_worker.js');

function exitOf(w) {
  return new Promise((resolve, reject) => {
    w.once('error', reject);
    w.once('exit', resolve);
  });
}

test('a server in a worker, a client on the main thread', { timeout: 20000 }, async () => {
  const id = uniqueId();
  const w = new Worker(WORKER, { workerData: { mode: 'server', id } });
  const exited = exitOf(w);
  assert.equal((await within(once(w, 'message'), 10000, 'worker ready'))[0], 'ready');
  const c = track(new SocketClient({ id, stopRetrying: true }));
  await next(c, 'connect');
  const pong = next(c, 'pong');
  c.emit('ping', 'main');
  const [d] = await pong;
  assert.equal(d.d, 'main');
  assert.equal(d.threadId, w.threadId);
  const lost = next(c, 'disconnect');
  c.emit('quit', {});
  await lost;  // the worker closed its server...
  assert.equal(await within(exited, 10000, 'worker exit'), 0);  // ...and ended by itself
});

test('a server on the main thread, clients in two workers at once', { timeout: 20000 }, async () => {
  const id = uniqueId();
  const s = track(new SocketServer({ id }));
  await next(s, 'start');
  s.on('ping', (d, conn) => s.emit(conn, 'pong', { d, threadId: 0 }));
  const conns = collect(s, 'disconnect', 2);
  const workers = [1, 2].map(() => new Worker(WORKER, { workerData: { mode: 'client', id, n: 500 } }));
  const exits = workers.map(exitOf);
  const done = await within(Promise.all(workers.map((w) => once(w, 'message'))), 15000, 'workers done');
  assert.deepEqual(done.map((m) => m[0]), ['done', 'done']);
  assert.deepEqual(await within(Promise.all(exits), 10000, 'worker exits'), [0, 0]);
  await conns;
  assert.deepEqual(s.connections, []);
});

test('terminating a worker with open sockets and traffic in flight', { timeout: 30000 }, async () => {
  const id = uniqueId();
  const s = track(new SocketServer({ id }));
  await next(s, 'start');
  let spam = 0;
  s.on('spam', () => { spam++; });
  for (let round = 0; round < 3; round++) {
    const w = new Worker(WORKER, { workerData: { mode: 'busy', id, own: uniqueId() } });
    const exited = exitOf(w);
    await within(once(w, 'message'), 10000, 'worker busy');
    const gone = next(s, 'disconnect');
    const before = spam;
    while (spam === before) await new Promise(setImmediate);  // its events are arriving
    await w.terminate();
    await within(exited, 10000, 'terminated worker exit');
    await gone;  // its connection to us closed with it
  }
  // The main thread's sockets are unaffected.
  const c = track(new SocketClient({ id, stopRetrying: true }));
  await next(c, 'connect');
  const back = next(s, 'after');
  c.emit('after', 1);
  assert.equal((await back)[0], 1);
});

test('process.exit() in a worker with open sockets', { timeout: 30000 }, async () => {
  for (let round = 0; round < 5; round++) {
    const w = new Worker(WORKER, { workerData: { mode: 'exit', id: uniqueId() } });
    const exited = exitOf(w);
    assert.equal((await within(once(w, 'message'), 10000, 'exchanged'))[0], 'exchanged');
    assert.equal(await within(exited, 10000, 'worker exit'), 7);
  }
});
