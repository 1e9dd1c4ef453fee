'use strict';
// MessageQueue: modes, errors, priorities, payload types, Promise receive and
// send (timeouts, abort, close), 'message' events, async iteration, real
// processes, and processes that end (or exit) cleanly.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { once } = require('node:events');
const { MessageQueue, IpcError } = require('libipc');
const { uniqueMq, assertIpcError, start, run, gc } = require('./helpers');

const CHILD = path.join(__dirname, 'fixtures', 'ipc_child.js');

async function rejectsWith(promise, code) {
  await assert.rejects(promise, (e) => {
    assert.ok(e instanceof IpcError, `expected an IpcError, got ${e && e.stack}`);
    assert.equal(e.code, code);
    return true;
  });
}

const text = (m) => m.data.toString();

test('create, open, openOrCreate, sizes, exists, remove', () => {
  const name = uniqueMq();
  assert.equal(MessageQueue.exists(name), false);
  assertIpcError(() => MessageQueue.open(name), 'IPC_ENOENT');
  const a = MessageQueue.create(name, { capacity: 8, maxMessageSize: 100 });
  assert.equal(a.name, name);
  assert.equal(a.capacity, 8);
  assert.equal(a.maxMessageSize, 100);
  assert.equal(a.count, 0);
  assert.equal(a.recoveries, 0);
  assertIpcError(() => MessageQueue.create(name), 'IPC_EEXIST');
  const b = MessageQueue.open(name);  // sizes come from the queue
  assert.equal(b.capacity, 8);
  assert.equal(b.maxMessageSize, 100);
  const c = MessageQueue.openOrCreate(name, { capacity: 1, maxMessageSize: 1 });
  assert.equal(c.capacity, 8);
  const d = new MessageQueue(name);
  assert.equal(d.maxMessageSize, 100);
  MessageQueue.remove(name);
  assert.equal(MessageQueue.exists(name), false);
  assert.equal(a.trySend('still works'), true);
  assert.equal(text(b.tryReceive()), 'still works');
  assertIpcError(() => MessageQueue.remove(name), 'IPC_ENOENT');
  for (const q of [a, b, c, d]) q.close();
  // Defaults when creating.
  const e = MessageQueue.create(uniqueMq());
  assert.equal(e.capacity, 256);
  assert.equal(e.maxMessageSize, 4096);
  e.close();
});

test('bad arguments', () => {
  const q = MessageQueue.create(uniqueMq(), { capacity: 2, maxMessageSize: 8 });
  assertIpcError(() => q.trySend('123456789'), 'IPC_EMSGSIZE');
  assertIpcError(() => q.trySend('x', { priority: 32 }), 'IPC_EINVAL');
  assertIpcError(() => q.trySend('x', -1), 'IPC_EINVAL');
  assertIpcError(() => q.trySend('x', 1.5), 'IPC_EINVAL');
  assert.throws(() => q.trySend(42), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => q.trySend({}), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => q.trySend('x', { priority: '1' }), { code: 'ERR_INVALID_ARG_TYPE' });
  assertIpcError(() => MessageQueue.create(uniqueMq(), { capacity: 0 }), 'IPC_EINVAL');
  assertIpcError(() => MessageQueue.create(uniqueMq(), { maxMessageSize: 0 }), 'IPC_EINVAL');
  assertIpcError(() => MessageQueue.create(uniqueMq(), { capacity: -1 }), 'IPC_ERANGE');
  assertIpcError(() => MessageQueue.create('a/b'), 'IPC_EBADNAME');
  assertIpcError(() => MessageQueue.create('x'.repeat(241)), 'IPC_ENAMETOOLONG');
  assert.throws(() => MessageQueue.open(null), { code: 'ERR_INVALID_ARG_TYPE' });
  q.close();
});

test('priorities (higher first, FIFO within one) and payload types', () => {
  const q = MessageQueue.create(uniqueMq(), { capacity: 16, maxMessageSize: 64 });
  assert.equal(q.trySend('low-1', { priority: 1 }), true);
  assert.equal(q.trySend(Buffer.from('high'), 9), true);
  assert.equal(q.trySend(new Uint8Array([1, 2, 3]), { priority: 1 }), true);
  assert.equal(q.trySend(new Uint16Array([0x0201, 0x0403]).buffer), true);
  assert.equal(q.trySend(new DataView(new Uint8Array([7, 8, 9]).buffer, 1, 2), 5), true);
  assert.equal(q.trySend(new Float64Array([0.5])), true);
  assert.equal(q.trySend(''), true);
  assert.equal(q.trySend('héllo ✓ 😀', 31), true);
  assert.equal(q.count, 8);
  const got = [];
  for (let m = q.tryReceive(); m !== null; m = q.tryReceive()) got.push([m.data.toString('hex'), m.priority]);
  assert.deepEqual(got, [
    [Buffer.from('héllo ✓ 😀').toString('hex'), 31],
    [Buffer.from('high').toString('hex'), 9],
    ['0809', 5],
    [Buffer.from('low-1').toString('hex'), 1],
    ['010203', 1],
    ['01020304', 0],
    [Buffer.from(new Float64Array([0.5]).buffer).toString('hex'), 0],
    ['', 0],
  ]);
  assert.equal(q.tryReceive(), null);
  q.close();
});

test('full queue: trySend false; send() waits for room, in call order; timeouts', async () => {
  const q = MessageQueue.create(uniqueMq(), { capacity: 2, maxMessageSize: 16 });
  assert.equal(q.trySend('a'), true);
  await q.send('b');                      // room: resolves at once
  assert.equal(q.trySend('x'), false);    // full
  await rejectsWith(q.send('x', { timeoutMs: 0 }), 'IPC_EAGAIN');
  await rejectsWith(q.send('x', { timeoutMs: 20 }), 'IPC_ETIMEDOUT');
  assert.equal(q.count, 2, 'the timed-out send sent nothing');
  const sends = [q.send('c'), q.send('d', { priority: 0 }), q.send('e')];
  await rejectsWith(q.send('x', { timeoutMs: 0 }), 'IPC_EAGAIN');  // behind waiting sends
  const got = [];
  while (got.length < 5) {
    const m = await q.receive();
    got.push(text(m));
  }
  await Promise.all(sends);
  assert.deepEqual(got, ['a', 'b', 'c', 'd', 'e']);
  await rejectsWith(q.send('0123456789abcdefg'), 'IPC_EMSGSIZE');
  await rejectsWith(q.send('x', { priority: 99 }), 'IPC_EINVAL');
  q.close();
});

test('receive(): at once, later, timeouts, abort; nothing taken for a settled receive', async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 4, maxMessageSize: 16 });
  q.trySend('now', 3);
  assert.deepEqual(await q.receive(), { data: Buffer.from('now'), priority: 3 });
  const p = q.receive();
  const other = MessageQueue.open(name);
  setImmediate(() => other.trySend('later'));
  assert.equal(text(await p), 'later');
  await rejectsWith(q.receive({ timeoutMs: 0 }), 'IPC_EAGAIN');
  await rejectsWith(q.receive({ timeoutMs: 20 }), 'IPC_ETIMEDOUT');
  const ac = new AbortController();
  const aborted = q.receive({ signal: ac.signal });
  ac.abort();
  await assert.rejects(aborted, { name: 'AbortError' });
  other.trySend('kept');
  assert.equal(q.count, 1, 'neither the timed-out nor the aborted receive took it');
  assert.equal(text(await q.receive({ timeoutMs: 5000 })), 'kept');
  // Receives of one handle are served in order.
  const rs = [q.receive(), q.receive(), q.receive()];
  other.trySend('1');
  other.trySend('2');
  other.trySend('3');
  assert.deepEqual((await Promise.all(rs)).map(text), ['1', '2', '3']);
  other.close();
  q.close();
});

test("'message' events: every message in order, across batches; removing the listener stops the flow", async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 1024, maxMessageSize: 32, batchSize: 16 });
  const producer = MessageQueue.open(name);
  for (let i = 0; i < 100; i++) producer.trySend(`m${i}`);
  const got = [];
  await new Promise((resolve) => {
    const onMessage = (m) => {
      got.push(text(m));
      if (got.length === 100) {
        q.off('message', onMessage);
        resolve();
      }
    };
    q.on('message', onMessage);
  });
  assert.deepEqual(got, Array.from({ length: 100 }, (_, i) => `m${i}`));
  producer.trySend('after');
  assert.equal(text(q.tryReceive()), 'after', 'no listener: nothing more taken');
  // A listener removed mid-batch: the rest of the batch goes to the next consumer.
  for (let i = 0; i < 10; i++) producer.trySend(`n${i}`);
  const first = await new Promise((resolve) => {
    q.once('message', resolve);
  });
  assert.equal(text(first), 'n0');
  const rest = [];
  for (let m = q.tryReceive(); m !== null; m = q.tryReceive()) rest.push(text(m));
  assert.deepEqual(rest, Array.from({ length: 9 }, (_, i) => `n${i + 1}`));
  producer.close();
  q.close();
});

test('a listener that closes the queue mid-batch: the rest of the batch goes back into the queue', async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 16, maxMessageSize: 16, batchSize: 16 });
  const other = MessageQueue.open(name);
  for (const t of ['a', 'b', 'c', 'd']) other.trySend(t);
  other.trySend('first', 5);
  const got = [];
  await new Promise((resolve) => q.on('message', (m) => {
    got.push(text(m));
    q.close();  // after the first message of a batch of five
    resolve();
  }));
  assert.deepEqual(got, ['first']);
  const rest = [];
  for (let m = other.tryReceive(); m !== null; m = other.tryReceive()) rest.push(text(m));
  assert.deepEqual(rest, ['a', 'b', 'c', 'd']);
  other.close();
});

test('for await: messages in order; break leaves the rest; close ends the loop', async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 64, maxMessageSize: 16, batchSize: 4 });
  const producer = MessageQueue.open(name);
  for (let i = 0; i < 10; i++) producer.trySend(`i${i}`);
  const got = [];
  for await (const m of q) {
    got.push(text(m));
    if (got.length === 6) break;
  }
  assert.deepEqual(got, ['i0', 'i1', 'i2', 'i3', 'i4', 'i5']);
  const rest = [];
  for (let m = q.tryReceive(); m !== null; m = q.tryReceive()) rest.push(text(m));
  assert.deepEqual(rest, ['i6', 'i7', 'i8', 'i9']);
  // A loop waiting for messages, fed later, ended by close().
  const seen = [];
  const loop = (async () => {
    for await (const m of q) {
      seen.push(text(m));
      if (seen.length === 2) setImmediate(() => q.close());
    }
    return 'ended';
  })();
  producer.trySend('late-1');
  producer.trySend('late-2');
  assert.equal(await loop, 'ended');
  assert.deepEqual(seen, ['late-1', 'late-2']);
  producer.close();
});

test('close(): receives reject IPC_ECLOSED, sends settle as they went, iterators end, "close" is emitted', async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 1, maxMessageSize: 16 });
  const r = q.receive();
  const it = q[Symbol.asyncIterator]();
  const n = it.next();
  const closed = once(q, 'close');
  q.close();
  await closed;
  await rejectsWith(r, 'IPC_ECLOSED');
  assert.deepEqual(await n, { value: undefined, done: true });
  assertIpcError(() => q.trySend('x'), 'IPC_EBADHANDLE');
  assertIpcError(() => q.tryReceive(), 'IPC_EBADHANDLE');
  assertIpcError(() => q.count, 'IPC_EBADHANDLE');
  await rejectsWith(q.receive(), 'IPC_EBADHANDLE');
  await rejectsWith(q.send('x'), 'IPC_EBADHANDLE');
  q.close();  // idempotent
  // A send waiting for room: not sent before the close -> IPC_ECLOSED.
  const w = MessageQueue.open(name);
  w.trySend('fill');
  const waiting = w.send('never');
  w.close();
  await rejectsWith(waiting, 'IPC_ECLOSED');
  const check = MessageQueue.open(name);
  assert.equal(text(check.tryReceive()), 'fill');
  assert.equal(check.tryReceive(), null);
  check.close();
});

test('large messages (1 MiB) through receive(), events and the sender thread', async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 2, maxMessageSize: 1 << 20 });
  const big = Buffer.alloc(1 << 20, 0xab);
  big[12345] = 1;
  q.trySend(big);
  q.trySend(Buffer.from('small'));
  const blocked = q.send(big, 4);
  assert.ok((await q.receive()).data.equals(big));
  await blocked;
  const got = [];
  await new Promise((resolve) => q.on('message', (m) => {
    got.push(m);
    if (got.length === 2) resolve();
  }));
  assert.equal(got[0].priority, 4);
  assert.ok(got[0].data.equals(big));
  assert.equal(text(got[1]), 'small');
  q.close();
});

test('a message sent by another process: 500 messages with send(), in order', async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 8, maxMessageSize: 16 });
  const child = start(process.execPath, [CHILD, 'produce', name, 500]);
  const got = [];
  for await (const m of q) {
    got.push(text(m));
    if (got.length === 500) break;
  }
  assert.equal(await child.line(), 'done');
  assert.equal(await child.exit(), 0, child.stderr);
  assert.deepEqual(got, Array.from({ length: 500 }, (_, i) => `msg-${i}`));
  q.close();
});

test("a child's 'message' listener keeps it alive until it closes the queue", async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 8, maxMessageSize: 16 });
  const child = start(process.execPath, [CHILD, 'listen', name]);
  assert.equal(await child.line(), 'listening');
  q.trySend('one');
  assert.equal(await child.line(), 'one');
  q.trySend('quit');
  assert.equal(await child.line(), 'quit');
  assert.equal(await child.exit(), 0, child.stderr);
  q.close();
});

test('processes end by themselves: an unref()ed listener; a throwing listener loses nothing', async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 64, maxMessageSize: 16 });
  const r = await run(process.execPath, [CHILD, 'listen-unref', name]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'listening\n');
  for (const t of ['a', 'b', 'boom', 'c', 'd']) q.trySend(t);
  const t = await run(process.execPath, [CHILD, 'throwing-listener', name, 5]);
  assert.equal(t.code, 0, t.stderr);
  assert.equal(t.stdout, 'listening\na\nb\nboom\ncaught boom\nc\nd\n');
  q.close();
});

test('process.exit() with a send waiting for room and waits pending exits cleanly', async () => {
  const name = uniqueMq();
  const { track } = require('./helpers');
  const q = MessageQueue.create(name, { capacity: 4, maxMessageSize: 16 });
  const empty = MessageQueue.create(track('mq', `${name}_empty`), { capacity: 1, maxMessageSize: 1 });
  const { Semaphore } = require('libipc');
  const s = Semaphore.create(track('sem', name));
  for (let i = 0; i < 3; i++) {
    const r = await run(process.execPath, [CHILD, 'exit-blocked', name]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'blocked\n');
    while (q.tryReceive() !== null);
  }
  s.close();
  empty.close();
  q.close();
});

test('an idle handle nobody references is collected; pending work keeps one alive', async () => {
  const name = uniqueMq();
  const q = MessageQueue.create(name, { capacity: 4, maxMessageSize: 16 });
  let collected = false;
  const registry = new FinalizationRegistry(() => { collected = true; });
  (() => {
    const idle = MessageQueue.open(name);
    idle.tryReceive();
    registry.register(idle, 'idle');
  })();
  for (let i = 0; i < 50 && !collected; i++) {
    gc();
    await new Promise(setImmediate);
  }
  assert.ok(collected, 'an idle MessageQueue was not collected');
  const pending = MessageQueue.open(name).receive();  // only the Promise refers to it
  for (let i = 0; i < 5; i++) {
    gc();
    await new Promise(setImmediate);
  }
  q.trySend('still there');
  assert.equal(text(await pending), 'still there');
  q.close();
});
