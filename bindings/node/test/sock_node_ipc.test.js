'use strict';
// The real node-ipc (npm 9.2.1) as a peer, in a child process driven by
// tests/sock/node_ipc_peer.js (its contract: tests/sock/README.md): node-ipc
// clients with our server, our clients with a node-ipc server, over Unix
// sockets and TCP — events, emit to one, broadcast, and reconnecting when the
// server restarts. Synchronised on the peer's output lines, never on timers.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const { SocketServer, SocketClient } = require('libipc');
const { start } = require('./helpers');
const { uniqueRoot, track, next, collect, within } = require('./sock_helpers');

const PEER = path.join(__dirname, '..', '..', '..', 'tests', 'sock', 'node_ipc_peer.js');
const MODULES = process.env.LIBIPC_NODE_IPC_MODULES;
const skip = MODULES ? false : 'LIBIPC_NODE_IPC_MODULES (node-ipc from the build tree) is not set';

let counter = 0;
const peers = [];

function peer(...args) {
  const p = start(process.execPath, [PEER, ...args.map(String)], {
    env: { ...process.env, NODE_PATH: MODULES },
  });
  peers.push(p);
  return p;
}

test.afterEach(async () => {
  for (const p of peers.splice(0)) {
    p.proc.stdin.end();
    if (p.proc.exitCode === null) {
      const t = setTimeout(() => p.proc.kill('SIGKILL'), 5000);
      await new Promise((r) => p.proc.once('exit', r));
      clearTimeout(t);
    }
  }
});

// The next line of `p` for which pred(line) holds (others are skipped), with a timeout.
async function line(p, pred, what, ms = 10000) {
  const test = typeof pred === 'string' ? (l) => l === pred || l.startsWith(`${pred} `) : pred;
  const deadline = Date.now() + ms;
  for (;;) {
    const l = await within(p.line(), Math.max(1, deadline - Date.now()), `node-ipc peer: ${what || pred}; stderr: ${p.stderr}`);
    if (test(l)) return l;
  }
}

// `event <type> <json>` -> the parsed data.
async function event(p, type) {
  const l = await line(p, `event ${type}`);
  return JSON.parse(l.slice(`event ${type} `.length));
}

function uniqueId() {
  return `ipcnode_ni_${process.pid}_${counter++}`;
}

// Our server for a node-ipc client: Unix (node-ipc's root + 'app.' + id) or TCP.
function ourServer(transport, root, id, port = 0) {
  return track(transport === 'unix'
    ? new SocketServer({ socketRoot: root, id })
    : new SocketServer({ transport: 'tcp', host: '127.0.0.1', port }));
}

function peerArgs(transport, root, id, port) {
  return transport === 'unix' ? [transport, root, id] : [transport, port];
}

for (const transport of ['unix', 'tcp']) {
  test(`node-ipc clients -> our server (${transport}): events, emit to one, broadcast, restart`, { skip, timeout: 30000 }, async () => {
    const root = uniqueRoot();
    const id = uniqueId();
    let s = ourServer(transport, root, id);
    await next(s, 'start');
    const port = s.port;
    let hellos = 0;
    const serve = (srv) => {
      srv.on('hello', (data, conn) => {
        hellos++;
        srv.emit(conn, 'welcome', { to: data.from, conn });
        srv.broadcast('news', { hellos });
      });
      srv.on('ping', (data, conn) => srv.emit(conn, 'pong', data));
    };
    serve(s);
    const a = peer('client', ...peerArgs(transport, root, id, port));
    await line(a, 'connect');
    // node-ipc's client says hello on connect: the welcome goes to it alone, the news to all.
    const welcomeA = await event(a, 'welcome');
    assert.equal(welcomeA.to, 'node-ipc');
    assert.deepEqual(await event(a, 'news'), { hellos: 1 });
    const b = peer('client', ...peerArgs(transport, root, id, port));
    await line(b, 'connect');
    const welcomeB = await event(b, 'welcome');
    assert.notEqual(welcomeB.conn, welcomeA.conn);
    assert.deepEqual(await event(b, 'news'), { hellos: 2 });
    assert.deepEqual(await event(a, 'news'), { hellos: 2 });
    // Values both ways.
    const value = { text: 'héllo ✓ 😀 \f', n: [1, 2.5, -3], nested: { ok: true, none: null } };
    const got = next(s, 'ping');
    a.send(`emit ping ${JSON.stringify(value)}`);
    const [data, conn] = await got;
    assert.deepEqual(data, value);
    assert.equal(conn, welcomeA.conn);
    assert.deepEqual(await event(a, 'pong'), value);
    // Many events in order from node-ipc.
    const seq = collect(s, 'seq', 200);
    for (let i = 0; i < 200; i++) b.send(`emit seq ${i}`);
    assert.deepEqual((await seq).map((x) => x[0]), [...Array(200).keys()]);
    // The server restarts: node-ipc's clients retry (50 ms) and come back.
    const closed = next(s, 'close');
    s.close();  // no events after close(): the peers report the loss
    await line(a, 'disconnect');
    await line(b, 'disconnect');
    await closed;
    s = ourServer(transport, root, id, port);
    serve(s);
    const back = collect(s, 'hello', 2);
    await line(a, 'connect');
    await line(b, 'connect');
    const froms = (await back).map((x) => x[0].from);
    assert.deepEqual(froms, ['node-ipc', 'node-ipc']);
    await event(a, 'welcome');
    await event(b, 'welcome');
    s.close();
  });

  test(`our clients -> node-ipc server (${transport}): events, emit to one, broadcast, restart`, { skip, timeout: 30000 }, async () => {
    const root = uniqueRoot();
    const id = uniqueId();
    const srv = peer('server', ...peerArgs(transport, root, id, 0));
    const ready = await line(srv, 'ready');
    const where = ready.slice('ready '.length);
    const opts = transport === 'unix'
      ? { socketRoot: root, id, retry: 50 }
      : { transport: 'tcp', host: '127.0.0.1', port: Number(where), retry: 50 };
    if (transport === 'unix') assert.equal(where, `${root}app.${id}`);
    const c1 = track(new SocketClient(opts));
    const c2 = track(new SocketClient(opts));
    for (const c of [c1, c2]) c.on('error', () => {});  // refused attempts during the restart
    await Promise.all([next(c1, 'connect'), next(c2, 'connect')]);
    await line(srv, 'connect');
    await line(srv, 'connect');
    // Emit to one: each hello gets its own welcome; the news goes to both.
    const w1 = next(c1, 'welcome');
    const n1 = collect(c1, 'news', 2);
    const n2 = collect(c2, 'news', 2);
    c1.emit('hello', { from: 'one' });
    assert.deepEqual(await w1, [{ to: 'one' }]);
    assert.deepEqual(await event(srv, 'hello'), { from: 'one' });
    const w2 = next(c2, 'welcome');
    c2.emit('hello', { from: 'two' });
    assert.deepEqual(await w2, [{ to: 'two' }]);
    assert.deepEqual((await n1).map((x) => x[0]), [{ hellos: 1 }, { hellos: 2 }]);
    assert.deepEqual((await n2).map((x) => x[0]), [{ hellos: 1 }, { hellos: 2 }]);
    // Ping/pong with values; a broadcast from node-ipc.
    const value = ['héllo ✓ 😀', 1e300, -0.5, null, { deep: [true] }];
    const pong = next(c1, 'pong');
    c1.emit('ping', value);
    assert.deepEqual(await pong, [value]);
    const bc = Promise.all([next(c1, 'bc'), next(c2, 'bc')]);
    srv.send('emit bc {"to":"all"}');
    assert.deepEqual(await bc, [[{ to: 'all' }], [{ to: 'all' }]]);
    // Many events in order to node-ipc.
    for (let i = 0; i < 100; i++) c2.emit('seq', i);
    for (let i = 0; i < 100; i++) assert.equal(await event(srv, 'seq'), i);
    // node-ipc's server stops and starts again: our clients reconnect.
    const lost = Promise.all([next(c1, 'disconnect'), next(c2, 'disconnect')]);
    srv.send('stop');
    await line(srv, 'stopped');
    await lost;
    assert.equal(c1.connected, false);
    const back = Promise.all([next(c1, 'connect'), next(c2, 'connect')]);
    srv.send('start');
    await line(srv, 'ready');
    await back;
    const again = next(c1, 'welcome');
    c1.emit('hello', { from: 'again' });
    assert.deepEqual(await again, [{ to: 'again' }]);
    const destroyed = Promise.all([next(c1, 'destroy'), next(c2, 'destroy')]);
    c1.disconnect();
    c2.disconnect();
    await destroyed;
    await line(srv, 'disconnect');
  });
}
