'use strict';
// Semaphore: modes, errors, tryWait/post, Promise waits (timeouts, abort,
// close, order), the event loop kept free, processes that end by themselves.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { Semaphore, MessageQueue, IpcError } = require('libipc');
const { uniqueSem, track, assertIpcError, start, run, gc } = require('./helpers');

const CHILD = path.join(__dirname, 'fixtures', 'ipc_child.js');

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof IpcError, `expected an IpcError, got ${e && e.stack}`);
    assert.equal(e.code, code);
    return true;
  });
}

test('create, open, openOrCreate, exists, remove', () => {
  const name = uniqueSem();
  assert.equal(Semaphore.exists(name), false);
  assertIpcError(() => Semaphore.open(name), 'IPC_ENOENT');
  const a = Semaphore.create(name, 3);
  assert.equal(a.name, name);
  assert.equal(a.value, 3);
  assertIpcError(() => Semaphore.create(name, 1), 'IPC_EEXIST');
  const b = Semaphore.openOrCreate(name, 7);  // exists: initial is ignored
  assert.equal(b.value, 3);
  const c = new Semaphore(name);               // default mode: open
  assert.equal(c.value, 3);
  assert.equal(Semaphore.exists(name), true);
  Semaphore.remove(name);
  assert.equal(Semaphore.exists(name), false);
  // Handles open before the removal keep working with it.
  a.post();
  assert.equal(b.value, 4);
  assertIpcError(() => Semaphore.remove(name), 'IPC_ENOENT');
  for (const s of [a, b, c]) s.close();
});

test('post, tryWait, value; bad arguments', () => {
  const name = uniqueSem();
  const s = Semaphore.create(name);
  assert.equal(s.value, 0);
  assert.equal(s.tryWait(), false);
  s.post();
  s.post(2);
  assert.equal(s.value, 3);
  assert.equal(s.tryWait(), true);
  assert.equal(s.value, 2);
  assertIpcError(() => s.post(-1), 'IPC_ERANGE');
  assert.throws(() => s.post('1'), { code: 'ERR_INVALID_ARG_TYPE' });
  assertIpcError(() => Semaphore.create('a/b'), 'IPC_EBADNAME');
  assertIpcError(() => Semaphore.create(''), 'IPC_EBADNAME');
  assertIpcError(() => Semaphore.create('x'.repeat(241)), 'IPC_ENAMETOOLONG');
  assertIpcError(() => Semaphore.create('a\0b'), 'IPC_EBADNAME');
  assertIpcError(() => Semaphore.create(uniqueSem(), 0x80000000), 'IPC_ERANGE');
  assertIpcError(() => new Semaphore(name, { mode: 'sideways' }), 'IPC_EINVAL');
  assertIpcError(() => new Semaphore(name, { spinUs: -1 }), 'IPC_ERANGE');
  assert.throws(() => Semaphore.open(42), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => new Semaphore(name, 5), { code: 'ERR_INVALID_ARG_TYPE' });
  s.close();
});

test('wait() resolves true at once when a unit is there, later when one is posted', async () => {
  const s = Semaphore.create(uniqueSem(), 1);
  assert.equal(await s.wait(), true);
  assert.equal(s.value, 0);
  const p = s.wait();
  // The loop is free while it waits: immediates keep running.
  let ticks = 0;
  await new Promise((resolve) => {
    const tick = () => (++ticks < 50 ? setImmediate(tick) : resolve());
    setImmediate(tick);
  });
  assert.equal(ticks, 50);
  s.post();
  assert.equal(await p, true);
  assert.equal(s.value, 0);
  s.close();
});

test('waiters of one handle are served in order', async () => {
  const s = Semaphore.create(uniqueSem());
  const order = [];
  const waits = [1, 2, 3].map((i) => s.wait().then(() => order.push(i)));
  s.post(3);
  await Promise.all(waits);
  assert.deepEqual(order, [1, 2, 3]);
  s.close();
});

test('timeouts: 0 tries once (IPC_EAGAIN), n ms rejects IPC_ETIMEDOUT and takes nothing later', async () => {
  const s = Semaphore.create(uniqueSem());
  await rejectsWith(s.wait({ timeoutMs: 0 }), 'IPC_EAGAIN');
  await rejectsWith(s.wait({ timeoutMs: 20 }), 'IPC_ETIMEDOUT');
  s.post();
  assert.equal(s.value, 1, 'the timed-out wait took nothing');
  assert.equal(await s.wait({ timeoutMs: 1000 }), true);
  await rejectsWith(s.wait({ timeoutMs: -5 }), 'IPC_ERANGE');
  await assert.rejects(s.wait({ timeoutMs: 'soon' }), { code: 'ERR_INVALID_ARG_TYPE' });
  s.close();
});

test('an AbortSignal rejects a pending wait with its reason; nothing is taken', async () => {
  const s = Semaphore.create(uniqueSem());
  const ac = new AbortController();
  const p = s.wait({ signal: ac.signal });
  ac.abort();
  await assert.rejects(p, { name: 'AbortError' });
  await assert.rejects(s.wait({ signal: ac.signal }), { name: 'AbortError' });
  s.post();
  assert.equal(s.value, 1);
  s.close();
});

test('close(): pending waits reject IPC_ECLOSED; idempotent; later calls IPC_EBADHANDLE', async () => {
  const s = Semaphore.create(uniqueSem());
  const p = s.wait();
  const q = s.wait({ timeoutMs: 60000 });
  s.close();
  s.close();
  await rejectsWith(p, 'IPC_ECLOSED');
  await rejectsWith(q, 'IPC_ECLOSED');
  assert.equal(s.closed, true);
  assertIpcError(() => s.post(), 'IPC_EBADHANDLE');
  assertIpcError(() => s.tryWait(), 'IPC_EBADHANDLE');
  assertIpcError(() => s.value, 'IPC_EBADHANDLE');
  await rejectsWith(s.wait(), 'IPC_EBADHANDLE');
});

test('the notify path alone (spinUs: 0) and a wait on a handle nobody references', async () => {
  const name = uniqueSem();
  const s = new Semaphore(name, { mode: 'create', spinUs: 0 });
  const p = s.wait();
  setImmediate(() => s.post());
  assert.equal(await p, true);
  s.close();
  // Pending waits keep their handle alive (no reference but the Promise).
  const orphan = Semaphore.open(name).wait();
  const poster = Semaphore.open(name);
  gc();
  poster.post();
  assert.equal(await orphan, true);
  poster.close();
});

test('a unit posted by another process wakes a waiting wait()', async () => {
  const name = uniqueSem();
  const s = Semaphore.create(name);
  const child = start(process.execPath, [CHILD, 'wait-sem', name]);
  assert.equal(await child.line(), 'waiting');
  const mine = s.wait();
  s.post(2);
  assert.equal(await mine, true);
  assert.equal(await child.line(), 'got');
  assert.equal(await child.exit(), 0, child.stderr);  // ended by itself, no close()
  s.close();
});

test('processes end by themselves: idle handles, unref()ed waits', async () => {
  const name = uniqueSem();
  const s = Semaphore.create(name);
  // `idle` opens a semaphore and a queue of this name (separate namespaces).
  const q = MessageQueue.create(track('mq', name), { capacity: 4, maxMessageSize: 16 });
  const idle = await run(process.execPath, [CHILD, 'idle', name]);
  assert.equal(idle.code, 0, idle.stderr);
  assert.equal(idle.stdout, 'idle\n');
  const unref = await run(process.execPath, [CHILD, 'wait-sem-unref', name]);
  assert.equal(unref.code, 0, unref.stderr);
  assert.equal(unref.stdout, 'waiting\n');
  assert.equal(s.value, 0);
  q.close();
  s.close();
});
