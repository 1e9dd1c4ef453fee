'use strict';
// The Node interop peer (tests/interop/README.md): peer <area> <role> <name> <other-lang>.
// Uses the binding's own API: for shm the zero-copy Buffer view, the string
// helper (ipc_shm_write_string / read_string) and a Float64Array view; for sem
// Semaphore (tryWait, and wait({ timeoutMs: 0 }) for the IPC_EAGAIN code); for
// mq MessageQueue (trySend, tryReceive, receive({ timeoutMs: 0 })); for sock
// SocketServer and SocketClient (events, emit to one, broadcast).
// The package is found through NODE_PATH (<build>/lib/nodejs), as CMake registers it.
const { isDeepStrictEqual } = require('node:util');
const { SharedMemory, ShmStream, Semaphore, MessageQueue, SocketServer, SocketClient } = require('libipc');

const SIZE = 4096;
const TEXT = 'libipc interop ✓ héllo wörld 😀';
const FLOATS = [0.5, -1.25, 3.141592653589793, 1e300, -0.0, 5e-324, 42.0, 65504.0];

function fail(msg) {
  process.stderr.write(`node peer: ${msg}\n`);
  process.exit(1);
}

function shmCreate(name) {
  const shm = SharedMemory.create(name, SIZE);
  const buf = shm.buffer;
  for (let i = 0; i < 256; i++) buf[i] = i;
  const n = shm.writeString(TEXT, 260, 'utf8');
  buf.writeUInt32LE(n, 256);
  shm.float64Array(1024, 8).set(FLOATS);
  buf.fill(0, 2048, 2048 + 32);
  buf.write('node', 2048, 'ascii');
  shm.close();
  process.stdout.write('ready\n');
}

function shmOpen(name, creator) {
  const shm = SharedMemory.open(name);
  if (shm.size !== SIZE) fail(`size ${shm.size}`);
  const buf = shm.buffer;
  for (let i = 0; i < 256; i++) if (buf[i] !== i) fail(`byte ${i} = ${buf[i]}`);
  const n = buf.readUInt32LE(256);
  const text = shm.readString(260, n, 'utf8');
  if (text !== TEXT) fail(`text ${JSON.stringify(text)}`);
  const f = shm.float64Array(1024, 8);
  for (let i = 0; i < 8; i++) {
    if (!Object.is(f[i], FLOATS[i])) fail(`float ${i} = ${f[i]}, expected ${FLOATS[i]}`);
  }
  const lang = buf.toString('ascii', 2048, 2048 + 32).replace(/\0+$/, '');
  if (lang !== creator) fail(`creator ${JSON.stringify(lang)}, expected ${JSON.stringify(creator)}`);
  shm.close();
  process.stdout.write(`ok: read ${lang}'s segment\n`);
}

// Resolves when stdin closes (the driver's signal that side b is done).
function stdinClosed() {
  return new Promise((resolve) => {
    process.stdin.on('data', () => {});
    process.stdin.on('end', resolve);
    process.stdin.on('close', resolve);
  });
}

async function expectEagain(promise, what) {
  try {
    await promise;
  } catch (e) {
    if (e.code === 'IPC_EAGAIN') return;
    fail(`${what}: ${e.code}: ${e.message}, expected IPC_EAGAIN`);
  }
  fail(`${what} did not fail with IPC_EAGAIN`);
}

// Takes n units with non-blocking waits, then checks one more fails.
async function take(sem, n) {
  if (sem.value !== n) fail(`value ${sem.value}, expected ${n}`);
  for (let i = 0; i < n; i++) if (sem.tryWait() !== true) fail(`tryWait ${i} failed`);
  if (sem.tryWait() !== false) fail('an extra tryWait succeeded');
  await expectEagain(sem.wait({ timeoutMs: 0 }), 'an extra wait({ timeoutMs: 0 })');
}

async function semCreate(name) {
  const sem = Semaphore.create(name, 3);
  process.stdout.write('ready\n');
  await stdinClosed();
  await take(sem, 5);
  sem.close();
  process.stdout.write('ok: took the 5 units the opener posted\n');
}

async function semOpen(name) {
  const sem = Semaphore.open(name);
  await take(sem, 3);
  sem.post(5);
  sem.close();
  process.stdout.write('ok: took 3, posted 5\n');
}

const UTF8_MSG = 'utf8 ✓ 😀';
const BIN_MSG = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const EXPECTED = [
  [Buffer.from('high'), 9],
  [Buffer.from(UTF8_MSG, 'utf8'), 5],
  [Buffer.from('low-1'), 1],
  [Buffer.from('low-2'), 1],
  [BIN_MSG, 0],
];

async function mqCreate(name) {
  const mq = MessageQueue.create(name, { capacity: 16, maxMessageSize: 256 });
  process.stdout.write('ready\n');
  await stdinClosed();
  EXPECTED.forEach(([data, priority], i) => {
    const m = mq.tryReceive();
    if (m === null) fail(`message ${i + 1}: the queue is empty`);
    if (!m.data.equals(data)) fail(`message ${i + 1}: ${m.data.toString('hex')}, expected ${data.toString('hex')}`);
    if (m.priority !== priority) fail(`message ${i + 1}: priority ${m.priority}, expected ${priority}`);
  });
  if (mq.tryReceive() !== null) fail('an extra message');
  await expectEagain(mq.receive({ timeoutMs: 0 }), 'an extra receive({ timeoutMs: 0 })');
  mq.close();
  process.stdout.write('ok: received the 5 messages in priority order\n');
}

async function mqOpen(name) {
  const mq = MessageQueue.open(name);
  if (mq.capacity !== 16) fail(`capacity ${mq.capacity}`);
  if (mq.maxMessageSize !== 256) fail(`maxMessageSize ${mq.maxMessageSize}`);
  const sends = [['low-1', 1], ['high', 9], ['low-2', 1], [UTF8_MSG, 5], [BIN_MSG, 0]];
  sends.forEach(([data, priority], i) => {
    if (mq.trySend(data, { priority }) !== true) fail(`send ${i + 1} would block`);
  });
  mq.close();
  process.stdout.write('ok: sent 5 messages\n');
}

// Area stream: the shm stream layout (the one behind compat/libsharedmemory).
const STREAM_FLOATS = [0.5, -1.25, 1e300];

async function streamCreate(name, other) {
  const shm = SharedMemory.create(name, SIZE);
  const stream = new ShmStream(shm);
  stream.writeString('first');
  stream.writeFloat64(STREAM_FLOATS);
  process.stdout.write('ready\n');
  await stdinClosed();
  const got = stream.read();
  const want = `reply ✓ from ${other}`;
  if (got.type !== 'string' || got.value !== want || got.version !== 3) {
    fail(`reply: ${JSON.stringify(got)}, expected ${JSON.stringify(want)} at version 3`);
  }
  shm.close();
  process.stdout.write('ok: read the reply\n');
}

function streamOpen(name) {
  const shm = SharedMemory.open(name);
  const stream = new ShmStream(shm);
  const got = stream.read();
  if (got.type !== 'float64' || got.version !== 2 || got.value.length !== 3 ||
      !STREAM_FLOATS.every((v, i) => Object.is(v, got.value[i]))) {
    fail(`floats: ${got.type} ${Array.from(got.value || [])} version ${got.version}`);
  }
  stream.writeString('reply ✓ from node');
  shm.close();
  process.stdout.write('ok: read the floats, wrote the reply\n');
}

// Area sock: a server in one language, a client in another, on {"id": name}
// (the default private socket root + 'app.' + name). Each side checks the
// exact sequence of events it gets; every wait is bounded by WAIT_MS.
const WAIT_MS = 60000;
const HELLO_TEXT = 'héllo ✓ 😀';

function helloData(lang) {
  return { lang, text: HELLO_TEXT, n: [1, 2.5, -3], nested: { ok: true, none: null } };
}

// Calls step(kind, ...args) for each event of `sock` in order until it
// returns true; fails on anything unexpected or after WAIT_MS.
function sequence(sock, what, step) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => fail(`timed out after ${WAIT_MS} ms: ${what}`), WAIT_MS);
    const finish = () => {
      clearTimeout(timer);
      sock.removeAllListeners();
      sock.on('error', (e) => fail(`${what}: late error ${e.code}: ${e.message}`));
      resolve();
    };
    const on = (kind) => (...args) => {
      try {
        if (step(kind, ...args)) finish();
      } catch (e) {
        fail(`${what}: ${e.message}`);
      }
    };
    for (const kind of ['start', 'connect', 'disconnect', 'destroy', 'message']) sock.on(kind, on(kind));
    sock.on('error', (e) => fail(`${what}: error ${e.code}: ${e.message}`));
  });
}

function expect(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function sockCreate(name, other) {
  const server = new SocketServer({ id: name });
  await sequence(server, 'server start', (kind) => {
    expect(kind === 'start', `got ${kind}, expected start`);
    return true;
  });
  process.stdout.write('ready\n');
  let conn = null;
  let next = 0;
  await sequence(server, 'the client\'s events', (kind, a, b, c) => {
    if (conn === null) {
      expect(kind === 'connect', `got ${kind}, expected connect`);
      conn = a;
      return false;
    }
    expect(kind === 'message', `got ${kind} (${a}), expected a message`);
    const [type, data, from] = [a, b, c];
    expect(from === conn, `message from connection ${from}, expected ${conn}`);
    if (next === 0) {
      expect(type === 'hello', `got ${type}, expected hello`);
      expect(isDeepStrictEqual(data, helloData(other)), `hello data ${JSON.stringify(data)}`);
      server.emit(conn, 'welcome', { lang: 'node', echo: data });
      server.broadcast('news', 'broadcast ✓');
      next = 1;
      return false;
    }
    if (next <= 100) {
      expect(type === 'seq' && data === next - 1, `got ${type} ${JSON.stringify(data)}, expected seq ${next - 1}`);
      next++;
      return false;
    }
    expect(type === 'bye' && isDeepStrictEqual(data, {}), `got ${type} ${JSON.stringify(data)}, expected bye {}`);
    server.emit(conn, 'done', 100);
    return true;
  });
  await sequence(server, 'the client\'s disconnect', (kind, a) => {
    expect(kind === 'disconnect' && a === conn, `got ${kind} ${a}, expected disconnect ${conn}`);
    return true;
  });
  await stdinClosed();
  server.close();
  process.stdout.write(`ok: served ${other}'s client\n`);
}

async function sockOpen(name, other) {
  const client = new SocketClient({ id: name, stopRetrying: true });
  const sent = helloData('node');
  let state = 'connect';
  await sequence(client, 'the server\'s events', (kind, type, data) => {
    if (state === 'connect') {
      expect(kind === 'connect', `got ${kind}, expected connect`);
      client.emit('hello', sent);
      state = 'welcome';
      return false;
    }
    expect(kind === 'message', `got ${kind}, expected a message (${state})`);
    if (state === 'welcome') {
      expect(type === 'welcome', `got ${type}, expected welcome`);
      expect(data.lang === other, `welcome from ${JSON.stringify(data.lang)}, expected ${other}`);
      expect(isDeepStrictEqual(data.echo, sent), `echo ${JSON.stringify(data.echo)}`);
      state = 'news';
      return false;
    }
    if (state === 'news') {
      expect(type === 'news' && data === 'broadcast ✓', `got ${type} ${JSON.stringify(data)}, expected news`);
      for (let i = 0; i < 100; i++) client.emit('seq', i);
      client.emit('bye', {});
      state = 'done';
      return false;
    }
    expect(type === 'done' && data === 100, `got ${type} ${JSON.stringify(data)}, expected done 100`);
    return true;
  });
  const closed = new Promise((resolve) => client.once('close', resolve));
  client.disconnect();
  await closed;
  process.stdout.write(`ok: talked to ${other}'s server\n`);
}

const AREAS = {
  shm: [shmCreate, shmOpen],
  stream: [streamCreate, streamOpen],
  sem: [semCreate, semOpen],
  mq: [mqCreate, mqOpen],
  sock: [sockCreate, sockOpen],
};

async function main() {
  const [area, role, name, other] = process.argv.slice(2);
  if (!other) {
    process.stderr.write('usage: peer AREA create|open NAME OTHER_LANG\n');
    process.exit(2);
  }
  const fns = AREAS[area];
  if (!fns) {
    process.stderr.write(`node peer: unknown area ${area}\n`);
    process.exit(2);
  }
  try {
    await (role === 'create' ? fns[0](name, other) : fns[1](name, other));
  } catch (e) {
    fail(`${e.code || e.name}: ${e.message}`);
  }
}

main();
