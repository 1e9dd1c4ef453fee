'use strict';
// SocketServer / SocketClient: events, emit to one, broadcast, values, raw
// mode, UDP, TCP, reconnects, bad input, an invalid frame from a raw peer,
// backpressure without loss, and what keeps the process alive.
const test = require('node:test');
const assert = require('node:assert/strict');
const net = require('node:net');
const path = require('node:path');
const { SocketServer, SocketClient, IpcError, listen, connect, defaultSocketRoot } = require('libipc');
const { assertIpcError, start, run } = require('./helpers');
const { uniqueId, track, next, collect, within } = require('./sock_helpers');

const CHILD = path.join(__dirname, 'fixtures', 'sock_child.js');

function server(opts) {
  return track(new SocketServer(opts));
}

function client(opts) {
  return track(new SocketClient({ stopRetrying: true, ...opts }));
}

async function pair(opts = {}) {
  const id = uniqueId();
  const s = server({ id, ...opts });
  await next(s, 'start');
  const c = client({ id, ...opts });
  const [[conn, address]] = await Promise.all([next(s, 'connect'), next(c, 'connect')]);
  return { id, s, c, conn, address };
}

test('start, connect, events both ways, disconnect, destroy, close', { timeout: 20000 }, async () => {
  const id = uniqueId();
  const s = server({ id });
  assert.equal(s.address, `${defaultSocketRoot()}app.${id}`);
  assert.equal(s.port, 0);
  await next(s, 'start');
  const c = client({ id });
  const [[conn, address]] = await Promise.all([next(s, 'connect'), next(c, 'connect')]);
  assert.equal(typeof conn, 'number');
  assert.ok(conn >= 1);
  assert.equal(typeof address, 'string');
  assert.deepEqual(s.connections, [conn]);
  assert.equal(c.connected, true);

  const got = next(s, 'hello');
  const all = next(s, 'message');
  assert.equal(c.emit('hello', { from: 'me' }), true);
  assert.deepEqual(await got, [{ from: 'me' }, conn]);
  assert.deepEqual(await all, ['hello', { from: 'me' }, conn]);

  const welcome = next(c, 'welcome');
  assert.equal(s.emit(conn, 'welcome', [1, 'two']), true);
  assert.deepEqual(await welcome, [[1, 'two']]);

  const events = [];
  for (const e of ['disconnect', 'destroy', 'close']) c.on(e, () => events.push(e));
  const gone = next(s, 'disconnect');
  const closed = next(c, 'close');
  c.disconnect();
  assert.deepEqual(await gone, [conn]);
  await closed;
  assert.deepEqual(events, ['disconnect', 'destroy', 'close']);
  assert.equal(c.closed, true);
  assert.deepEqual(s.connections, []);
  assertIpcError(() => c.emit('late', 1), 'IPC_EBADHANDLE');
  const sclosed = next(s, 'close');
  s.close();
  s.close();  // idempotent
  await sclosed;
  assertIpcError(() => s.broadcast('x', 1), 'IPC_EBADHANDLE');
});

test('values round-trip as JSON; undefined sends {}', { timeout: 20000 }, async () => {
  const { s, c, conn } = await pair();
  const values = [0, -1.5, 1e300, 'text', 'héllo ✓ 😀 \f\n\u0000 "q"', true, false, null, [], {},
    { nested: { a: [1, { b: null }] } }, 'x'.repeat(100000)];
  const got = collect(s, 'v', values.length);
  for (const v of values) c.emit('v', v);
  assert.deepEqual((await got).map((a) => a[0]), values);
  const u = next(s, 'u');
  const f = next(s, 'f');
  c.emit('u', undefined);
  c.emit('f', () => 1);
  assert.deepEqual(await u, [{}, conn]);
  assert.deepEqual(await f, [{}, conn]);
  // Reserved names arrive through 'message' only.
  const msg = next(s, 'message');
  let direct = 0;
  s.on('close', () => direct++);
  c.emit('close', 5);
  assert.deepEqual(await msg, ['close', 5, conn]);
  assert.equal(direct, 0);
  // A type with characters JSON escapes.
  const odd = 'type "with" \\ and ✓';
  const o = next(s, odd);
  c.emit(odd, 1);
  assert.deepEqual(await o, [1, conn]);
});

test('emit to one connection, broadcast to all, order kept across both', { timeout: 20000 }, async () => {
  const id = uniqueId();
  const s = server({ id });
  await next(s, 'start');
  const conns = collect(s, 'connect', 3);
  const clients = [0, 1, 2].map(() => client({ id }));
  await Promise.all(clients.map((c) => next(c, 'connect')));
  const ids = (await conns).map((a) => a[0]);
  assert.equal(new Set(ids).size, 3);
  // Each client says who it is; the server answers that one only, then tells everyone.
  const who = new Map();
  s.on('whoami', (name, conn) => {
    who.set(name, conn);
    s.emit(conn, 'you', name);
    s.broadcast('joined', name);
  });
  const seen = clients.map((c) => {
    const log = [];
    c.on('you', (d) => log.push(`you:${d}`));
    c.on('joined', (d) => log.push(`joined:${d}`));
    return log;
  });
  const joins = clients.map((c) => collect(c, 'joined', 3));
  clients.forEach((c, i) => c.emit('whoami', `c${i}`));
  await Promise.all(joins);
  clients.forEach((_, i) => {
    assert.equal(seen[i].filter((e) => e.startsWith('you:')).join(), `you:c${i}`);
    // 'you' came before the broadcast that followed it.
    assert.ok(seen[i].indexOf(`you:c${i}`) < seen[i].indexOf(`joined:c${i}`));
  });
  // Interleaved emits to one and broadcasts keep their order per connection.
  const target = who.get('c1');
  const c1 = clients[1];
  const order = collect(c1, 'message', 200);
  for (let i = 0; i < 100; i++) {
    s.emit(target, 'n', i);
    s.broadcast('n', -i - 1);
  }
  const got = (await order).map((a) => a[1]);
  const expect = [];
  for (let i = 0; i < 100; i++) expect.push(i, -i - 1);
  assert.deepEqual(got, expect);
});

test('many events in order, in batches', { timeout: 30000 }, async () => {
  const { s, c } = await pair();
  const N = 50000;
  const got = [];
  const done = new Promise((resolve) => s.on('seq', (n) => { got.push(n); if (got.length === N) resolve(); }));
  for (let i = 0; i < N; i++) c.emit('seq', i);
  await within(done, 20000, 'all seq events');
  for (let i = 0; i < N; i++) if (got[i] !== i) assert.fail(`event ${i} is ${got[i]}`);
});

test('listen() and connect() helpers; TCP on a free port; IPv6', { timeout: 20000 }, async () => {
  const s = track(listen({ transport: 'tcp', host: '127.0.0.1', port: 0 }));
  await next(s, 'start');
  assert.ok(s.port > 0);
  assert.equal(s.address, `127.0.0.1:${s.port}`);
  const c = track(connect({ transport: 'tcp', host: '127.0.0.1', port: s.port, stopRetrying: true }));
  const [[conn, address]] = await Promise.all([next(s, 'connect'), next(c, 'connect')]);
  assert.match(address, /^127\.0\.0\.1:\d+$/);
  const p = next(s, 'ping');
  c.emit('ping', 'tcp');
  assert.deepEqual(await p, ['tcp', conn]);

  let s6;
  try {
    s6 = track(new SocketServer({ transport: 'tcp', host: '::1', port: 0 }));
  } catch (e) {
    if (e.code === 'IPC_EINVAL' || e.code === 'IPC_EIO') return;  // no IPv6 here
    throw e;
  }
  await next(s6, 'start');
  const c6 = client({ transport: 'tcp', host: '::1', port: s6.port });
  const [[conn6, addr6]] = await Promise.all([next(s6, 'connect'), next(c6, 'connect')]);
  assert.match(addr6, /^\[::1\]:\d+$/);
  const q = next(c6, 'pong');
  s6.emit(conn6, 'pong', 6);
  assert.deepEqual(await q, [6]);
});

test('raw mode: data events with Buffers, send()', { timeout: 20000 }, async () => {
  const { s, c, conn } = await pair({ raw: true });
  assertIpcError(() => c.emit('x', 1), 'IPC_ENOTSUP');
  assertIpcError(() => s.emit(conn, 'x', 1), 'IPC_ENOTSUP');
  assertIpcError(() => s.broadcast('x', 1), 'IPC_ENOTSUP');
  const bytes = Buffer.from([0, 1, 2, 0xff, 0x0c, 0x7b]);
  const expect = Buffer.concat([bytes, Buffer.from('héllo ✓')]);
  let got = Buffer.alloc(0);
  const all = new Promise((resolve) => s.on('data', (buf, from) => {
    assert.ok(Buffer.isBuffer(buf));
    assert.equal(from, conn);
    got = Buffer.concat([got, buf]);
    if (got.length >= expect.length) resolve();
  }));
  assert.equal(c.send(bytes), true);
  assert.equal(c.send('héllo ✓'), true);  // a string goes as UTF-8
  await within(all, 10000, 'raw bytes');
  assert.deepEqual(got, expect);
  let back = Buffer.alloc(0);
  const reply = new Promise((resolve) => c.on('data', (buf) => {
    back = Buffer.concat([back, buf]);
    if (back.length === 7) resolve();
  }));
  s.send(conn, new Uint8Array([9, 8, 7]));
  s.send(-1, 'four');  // to every connection
  await within(reply, 10000, 'raw reply');
  assert.deepEqual(back, Buffer.from([9, 8, 7, 0x66, 0x6f, 0x75, 0x72]));
  assert.throws(() => c.send(42), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('UDP: one frame per datagram, peer(), replies to the sender', { timeout: 20000 }, async () => {
  const a = server({ transport: 'udp4', port: 0 });
  const b = server({ transport: 'udp4', port: 0 });
  await Promise.all([next(a, 'start'), next(b, 'start')]);
  assert.ok(a.port > 0 && b.port > 0);
  const toB = a.peer('127.0.0.1', b.port);
  assert.equal(typeof toB, 'number');
  const ping = next(b, 'ping');
  a.emit(toB, 'ping', { n: 1 });
  const [data, fromA] = await ping;
  assert.deepEqual(data, { n: 1 });
  assert.ok(b.connections.includes(fromA));
  const pong = next(a, 'pong');
  b.emit(fromA, 'pong', 'back');
  assert.deepEqual(await pong, ['back', toB]);
  assertIpcError(() => a.emit(123456, 'x', 1), 'IPC_ENOENT');
  assert.throws(() => a.peer(1, 2), { code: 'ERR_INVALID_ARG_TYPE' });
});

test('bad options and arguments: clear errors, nothing opened', { timeout: 20000 }, async () => {
  assert.throws(() => new SocketServer('world'), { code: 'ERR_INVALID_ARG_TYPE' });
  assertIpcError(() => new SocketServer({ id: uniqueId(), bogus: 1 }), 'IPC_EINVAL');
  assertIpcError(() => new SocketServer({ transport: 'carrier-pigeon', port: 0 }), 'IPC_EINVAL');
  assertIpcError(() => new SocketServer({ transport: 'tcp', port: 70000 }), 'IPC_EINVAL');
  assertIpcError(() => new SocketClient({ id: uniqueId(), retry: 'soon' }), 'IPC_EINVAL');
  assertIpcError(() => new SocketServer({ path: `/tmp/${'x'.repeat(200)}` }), 'IPC_ENAMETOOLONG');
  const { id, s, c, conn } = await pair();
  assertIpcError(() => new SocketServer({ id }), 'IPC_EADDRINUSE');
  assertIpcError(() => s.emit(conn + 1000, 'x', 1), 'IPC_ENOENT');
  assertIpcError(() => s.disconnect(conn + 1000), 'IPC_ENOENT');
  assert.throws(() => s.emit(conn, 5, 1), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => s.emit({}, 'x', 1), { code: 'ERR_INVALID_ARG_TYPE' });
  assert.throws(() => c.emit('big', 1n), TypeError);  // JSON.stringify refuses BigInt
  const cyclic = {};
  cyclic.self = cyclic;
  assert.throws(() => c.emit('cyc', cyclic), TypeError);
  assertIpcError(() => c.send('raw'), 'IPC_ENOTSUP');
  assertIpcError(() => s.send(conn, 'raw'), 'IPC_ENOTSUP');
  assertIpcError(() => s.peer('127.0.0.1', 1), 'IPC_ENOTSUP');
  // Still working after all that.
  const ok = next(s, 'still');
  c.emit('still', 'ok');
  assert.deepEqual(await ok, ['ok', conn]);
  // A string first argument is EventEmitter#emit (connection ids are numbers).
  let local = null;
  s.on('custom', (v) => { local = v; });
  assert.equal(s.emit('custom', 7), true);
  assert.equal(local, 7);
  c.disconnect();
  assertIpcError(() => c.emit('after', 1), 'IPC_ECLOSED');
});

test('large string data: the addon writes exactly JSON.stringify\'s frame; values round-trip', { timeout: 20000 }, async () => {
  const strings = [
    'a'.repeat(20000), `${'a'.repeat(20001)}"\\\b\f\n\r\t\u0001\u001f\u007f`, 'é'.repeat(17000), '✓😀'.repeat(9000),
    `${'x'.repeat(16383)}\ud83d\ude00${'y'.repeat(10)}`, `${'q'.repeat(17000)}\u2028\u2029`, 'ab\u0000'.repeat(7000),
    'z'.repeat(16384 + 7),
  ];
  // What goes on the wire, read by a plain Node socket.
  const dir = uniqueId('w');
  const p = path.join(require('node:os').tmpdir(), dir);
  const expect = strings.map((x) => `{"type":"t","data":${JSON.stringify(x)}}\f`).join('');
  let got = '';
  const all = new Promise((resolve) => {
    const srv = net.createServer((sock) => {
      sock.setEncoding('utf8');
      sock.on('data', (d) => { got += d; if (got.length >= expect.length) { srv.close(); sock.destroy(); resolve(); } });
    }).listen(p);
  });
  const c = client({ path: p });
  await next(c, 'connect');
  for (const x of strings) c.emit('t', x);
  await within(all, 10000, 'the frames');
  assert.equal(got, expect);
  // Through libipc both ways: the same values (long unescaped strings skip JSON.parse).
  const { s, c: c2, conn } = await pair();
  const back = collect(c2, 'echo', strings.length);
  s.on('t', (d, from) => s.emit(from, 'echo', d));
  for (const x of strings) c2.emit('t', x);
  assert.deepEqual((await back).map((a) => a[0]), strings);
  assert.ok(conn >= 1);
});

test('a lone surrogate (which libipc refuses): an error for that event, the rest of the batch goes', { timeout: 20000 }, async () => {
  const { s, c, conn } = await pair();
  const errs = [];
  c.on('error', (e) => errs.push(e));
  const got = collect(s, 'ok', 2);
  c.emit('ok', 1);
  c.emit('bad', 'x\ud800y');  // JSON.stringify writes "x\ud800y"
  c.emit('ok', 2);
  assert.deepEqual((await got).map((a) => a.slice(0, 2)), [[1, conn], [2, conn]]);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].code, 'IPC_EILSEQ');
  assert.match(errs[0].message, /"bad"/);
  // A large one is refused by emit() itself.
  assertIpcError(() => c.emit('big', `${'x'.repeat(20000)}\udc00`), 'IPC_EILSEQ');
});

test('invalid JSON from a raw peer: an error event for it, the others keep being served', { timeout: 20000 }, async () => {
  const { s, c, conn } = await pair();
  const raw = net.connect(s.address);
  const [[rawConn]] = await Promise.all([next(s, 'connect'), new Promise((r) => raw.once('connect', r))]);
  const errs = [];
  s.on('error', (e) => errs.push(e));
  const after = next(s, 'after');
  raw.write('this is not json\f{"type":5,"data":1}\f{"type":"after","data":[1]}\f');
  assert.deepEqual(await after, [[1], rawConn]);
  assert.equal(errs.length, 2);
  for (const e of errs) {
    assert.ok(e instanceof IpcError);
    assert.equal(e.code, 'IPC_EILSEQ');
    assert.equal(e.conn, rawConn);
  }
  // The well-behaved client is unaffected, and so is the raw one.
  const ok = next(s, 'fine');
  c.emit('fine', 1);
  assert.deepEqual(await ok, [1, conn]);
  let text = '';
  raw.setEncoding('utf8');
  raw.on('data', (d) => { text += d; });
  s.emit(rawConn, 'reply', 'to raw');
  while (!text.endsWith('\f')) await new Promise((r) => raw.once('data', r));
  assert.equal(text, '{"type":"reply","data":"to raw"}\f');
  raw.destroy();
  assert.deepEqual(await next(s, 'disconnect'), [rawConn]);
});

test('a frame over maxFrame: IPC_EMSGSIZE and that connection is closed', { timeout: 20000 }, async () => {
  const { s, c, conn } = await pair({ maxFrame: 1024 });
  const errs = [];
  s.on('error', (e) => errs.push(e));
  const gone = next(s, 'disconnect');
  c.emit('big', 'x'.repeat(4096));
  assert.deepEqual(await gone, [conn]);
  assert.equal(errs.length, 1);
  assert.equal(errs[0].code, 'IPC_EMSGSIZE');
  assert.equal(errs[0].conn, conn);
});

test('client retries: errors while the server is away, reconnects, queued emits delivered', { timeout: 20000 }, async () => {
  const id = uniqueId();
  const c = track(new SocketClient({ id, retry: 20 }));
  const [e] = await next(c, 'error');
  assert.ok(['IPC_ENOENT', 'IPC_ECONNREFUSED'].includes(e.code), e.code);
  c.on('error', () => {});  // further refused attempts
  c.emit('early', 1);       // queued until connected
  const s = server({ id });
  const early = next(s, 'early');
  await next(c, 'connect');
  assert.deepEqual((await early)[0], 1);
  // The server goes away: the client sees it and comes back to a new one.
  const lost = next(c, 'disconnect');
  s.close();
  await lost;
  assert.equal(c.connected, false);
  const s2 = server({ id });
  const back = next(c, 'connect');
  const conn2 = next(s2, 'connect');
  await back;
  const [cid] = await conn2;
  const hi = next(s2, 'again');
  c.emit('again', 2);
  assert.deepEqual(await hi, [2, cid]);
  const destroyed = next(c, 'destroy');
  c.disconnect();
  await destroyed;
});

test('maxRetries exhausted: destroy is the last event, then the client is closed', { timeout: 20000 }, async () => {
  const c = track(new SocketClient({ transport: 'tcp', host: '127.0.0.1', port: 1, retry: 10, maxRetries: 2 }));
  const errors = [];
  c.on('error', (e) => errors.push(e.code));
  const closed = next(c, 'close');
  await next(c, 'destroy');
  assert.ok(errors.length >= 1);
  assert.ok(errors.every((code) => code === 'IPC_ECONNREFUSED'), errors.join());
  await closed;
  assert.equal(c.closed, true);
});

for (const kind of ['small events', 'large strings (framed by the addon)', 'both mixed']) {
test(`backpressure with ${kind}: emit returns false, holds, throws past maxWriteQueue, drains without loss`, { timeout: 30000 }, async () => {
  const id = uniqueId();
  const max = 64 * 1024;
  const s = server({ id, maxWriteQueue: max });
  await next(s, 'start');
  // A reader that does not read (yet).
  const raw = net.connect(s.address);
  raw.pause();
  const [[conn]] = await Promise.all([next(s, 'connect'), new Promise((r) => raw.once('connect', r))]);
  const chunk = 'y'.repeat(1000);
  const big = 'b'.repeat(20000);
  const payload = (i) => {
    const large = kind.startsWith('large') || (kind === 'both mixed' && i % 3 === 0);
    return large ? `${i}:${big}` : { i, chunk };
  };
  const indexOf = (data) => (typeof data === 'string' ? Number(data.slice(0, data.indexOf(':'))) : data.i);
  let sent = 0;
  let refused = null;
  let sawFalse = false;
  // Emit until the connection is held back, then until holding would pass maxWriteQueue.
  for (let round = 0; round < 10000 && refused === null; round++) {
    try {
      if (!s.emit(conn, 'n', payload(sent))) sawFalse = true;
      sent++;
    } catch (e) {
      refused = e;
    }
    if (round % 16 === 15) await new Promise(setImmediate);  // let the batches go
  }
  assert.ok(sawFalse, 'emit never returned false');
  assert.ok(refused instanceof IpcError, `no refusal after ${sent} emits`);
  assert.equal(refused.code, 'IPC_EAGAIN');
  // Now read everything: every accepted emit arrives, in order, and 'drain' comes.
  const drained = next(s, 'drain');
  raw.setEncoding('utf8');
  let buf = '';
  let got = 0;
  const all = new Promise((resolve, reject) => raw.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\f')) >= 0) {
      const m = JSON.parse(buf.slice(0, i));
      buf = buf.slice(i + 1);
      if (indexOf(m.data) !== got) reject(new Error(`frame ${got} is ${indexOf(m.data)}`));
      if (typeof m.data === 'string' && m.data !== `${got}:${big}`) reject(new Error(`frame ${got}: wrong text`));
      got++;
      if (got === sent) resolve();
    }
  }));
  raw.resume();
  assert.deepEqual(await drained, [conn]);
  await within(all, 20000, `${sent} frames`);
  assert.equal(got, sent);
  raw.destroy();
});
}

test('a broadcast disconnects a reader that is held back past maxWriteQueue', { timeout: 30000 }, async () => {
  const id = uniqueId();
  const max = 256 * 1024;
  const s = server({ id, maxWriteQueue: max });
  await next(s, 'start');
  // A raw reader that says who it is, then stops reading; a client that reads.
  const raw = net.connect(s.address);
  const iam = next(s, 'iam');
  raw.write('{"type":"iam","data":"raw"}\f');
  raw.pause();
  const [, rawConn] = await iam;
  const c = client({ id });
  const [[goodConn]] = await Promise.all([next(s, 'connect'), next(c, 'connect')]);
  const errs = [];
  s.on('error', (e) => errs.push(e));
  const gone = next(s, 'disconnect');
  let got = 0;
  c.on('b', () => got++);
  const chunk = 'z'.repeat(2000);
  let n = 0;
  for (; n < 5000 && s.connections.includes(rawConn); n++) {
    // The policy looks at a reader's queue when a broadcast goes: keep the
    // reading client from ever being behind then (this machine may be busy).
    for (let spins = 0; s.pending(goodConn) > max / 4; spins++) {
      if (spins > 100000) assert.fail('the reading client never caught up');
      await new Promise(setImmediate);
    }
    s.broadcast('b', chunk);
    if (n % 8 === 7) await new Promise(setImmediate);
  }
  assert.deepEqual(await gone, [rawConn]);
  assert.ok(errs.some((e) => e.code === 'IPC_ENOSPC' && e.conn === rawConn), errs.map((e) => e.code).join());
  assert.ok(errs.every((e) => e.conn === rawConn));
  // The reading client got every broadcast.
  const last = next(c, 'end');
  s.broadcast('end', n);
  assert.deepEqual(await last, [n]);
  assert.equal(got, n);
  raw.destroy();
});

test('listener exceptions go to uncaughtException; the next events still come', { timeout: 20000 }, async () => {
  const { s, c } = await pair();
  const caught = [];
  const handler = (e) => caught.push(e.message);
  const previous = process.listeners('uncaughtException');
  process.removeAllListeners('uncaughtException');
  process.on('uncaughtException', handler);
  try {
    const got = collect(s, 'boom', 3);
    s.on('boom', (n) => { throw new Error(`boom ${n}`); });
    c.emit('boom', 1);
    c.emit('boom', 2);
    c.emit('boom', 3);
    await got;
    assert.deepEqual(caught, ['boom 1', 'boom 2', 'boom 3']);
  } finally {
    process.removeListener('uncaughtException', handler);
    for (const l of previous) process.on('uncaughtException', l);
  }
});

test('an open server keeps the process alive; close() or unref() lets it exit', { timeout: 30000 }, async () => {
  // The child's script ends with its server open; it still answers, and exits
  // when a client tells it to close.
  const id = uniqueId();
  const child = start(process.execPath, [CHILD, 'serve-until-quit', id]);
  assert.equal(await within(child.line(), 10000, 'child ready'), 'ready');
  const c = client({ id });
  await next(c, 'connect');
  const pong = next(c, 'pong');
  c.emit('ping', 1);
  assert.deepEqual(await pong, [1]);
  c.emit('quit', {});
  assert.equal(await within(child.exit(), 10000, 'child exit'), 0);

  // Closed, unref'd, and a client that gave up: each lets the process end.
  for (const mode of ['closed', 'unref', 'client-gives-up', 'client-disconnects']) {
    const r = await within(run(process.execPath, [CHILD, mode, uniqueId()]), 15000, mode);
    assert.equal(r.code, 0, `${mode}: ${r.stderr}`);
    assert.equal(r.stdout.trim(), 'done', mode);
  }
});
