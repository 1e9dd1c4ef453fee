'use strict';
// require('libipc/compat/node-ipc'): node-ipc's API over libipc sockets.
// node-ipc's README examples run with only the require changed (fixtures in
// node_ipc_readme/, each line the test changed marked "test:"), with our layer
// on both sides and against the real node-ipc 9.2.1; the API's details
// (config, argument forms, events, socket objects, sync, raw, errors).
const test = require('node:test');
const assert = require('node:assert/strict');
const dgram = require('node:dgram');
const fs = require('node:fs');
const path = require('node:path');
const ipcModule = require('libipc/compat/node-ipc');
const { start, run } = require('./helpers');
const { uniqueRoot, within } = require('./sock_helpers');

const README = path.join(__dirname, 'fixtures', 'node_ipc_readme');
const PEER = path.join(__dirname, '..', '..', '..', 'tests', 'sock', 'node_ipc_peer.js');
const MODULES = process.env.LIBIPC_NODE_IPC_MODULES;
const noNodeIpc = MODULES ? false : 'LIBIPC_NODE_IPC_MODULES (node-ipc from the build tree) is not set';
const NODE_PATH = [process.env.NODE_PATH, MODULES].filter(Boolean).join(':');

const children = [];
test.afterEach(async () => {
  for (const c of children.splice(0)) {
    c.proc.stdin.end();
    if (c.proc.exitCode === null) {
      const t = setTimeout(() => c.proc.kill('SIGKILL'), 5000);
      await new Promise((r) => c.proc.once('exit', r));
      clearTimeout(t);
    }
  }
});

function spawnNode(file, env) {
  const c = start(process.execPath, [file], { env: { ...process.env, NODE_PATH, ...env } });
  children.push(c);
  return c;
}

function runNode(file, env) {
  return new Promise((resolve, reject) => {
    const { spawn } = require('node:child_process');
    const p = spawn(process.execPath, [file], { env: { ...process.env, NODE_PATH, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code, stdout, stderr }));
    p.stdin.end();
  });
}

async function lineMatching(child, re, what, ms = 10000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const l = await within(child.line(), Math.max(1, deadline - Date.now()), `${what}; stderr: ${child.stderr}`);
    if (re.test(l)) return l;
  }
}

function freeUdpPort() {
  return new Promise((resolve, reject) => {
    const s = dgram.createSocket('udp4');
    s.on('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// An IPC instance of our own (the module's export is node-ipc's singleton).
function fresh(root) {
  const ipc = new ipcModule.IPC();
  ipc.config.silent = true;
  if (root) ipc.config.socketRoot = root;
  return ipc;
}

// ---- node-ipc's README examples ----

for (const [serverModule, clientModule] of [['compat', 'compat'], ['compat', 'node-ipc']]) {
  test(`README server and client: ${serverModule} server, ${clientModule} client`, {
    skip: clientModule === 'node-ipc' ? noNodeIpc : false, timeout: 30000,
  }, async () => {
    const root = uniqueRoot();
    const mod = (m) => (m === 'compat' ? 'libipc/compat/node-ipc' : 'node-ipc');
    const server = spawnNode(path.join(README, 'server.js'), { SOCKET_ROOT: root, NODE_IPC_MODULE: mod(serverModule) });
    await lineMatching(server, /^test: ready$/, 'README server ready');
    assert.ok(fs.statSync(`${root}app.world`).isSocket());
    const client = await within(runNode(path.join(README, 'client.js'), { SOCKET_ROOT: root, NODE_IPC_MODULE: mod(clientModule) }),
      15000, 'README client');
    assert.equal(client.code, 0, client.stderr);
    // The client logged the server's answer (ipc.log; no colors module: the
    // README's '...'.debug styles are undefined).
    assert.match(client.stdout, /hello world!/);
    // The server logged the client's message.
    await lineMatching(server, / hello$/, 'the server logged the message');
    assert.equal(await within(server.exit(), 10000, 'README server exit'), 0);
    assert.equal(fs.existsSync(`${root}app.world`), false);
  });
}

test('README UDP servers "world" and "hello" (UDP, emit to a { address, port })', { timeout: 30000 }, async () => {
  const WORLD_PORT = String(await freeUdpPort());
  const HELLO_PORT = String(await freeUdpPort());
  const world = spawnNode(path.join(README, 'udp_world.js'), { WORLD_PORT });
  await lineMatching(world, /^123$/, 'world start');
  const hello = await within(runNode(path.join(README, 'udp_hello.js'), { WORLD_PORT, HELLO_PORT }), 15000, 'hello');
  assert.equal(hello.code, 0, hello.stderr);
  assert.match(hello.stdout, /test: hello got {"from":"world","message":"Hello world!"}/);
  await lineMatching(world, /^test: world got {"from":"hello","message":"Hello"}$/, 'world got the message');
  assert.equal(await within(world.exit(), 10000, 'world exit'), 0);
});

// ---- our compat layer with the real node-ipc ----

for (const transport of ['unix', 'tcp']) {
  test(`compat server <-> real node-ipc client (${transport})`, { skip: noNodeIpc, timeout: 30000 }, async () => {
    const root = uniqueRoot();
    const ipc = fresh(root);
    ipc.config.id = `srv${process.pid}`;
    const started = new Promise((resolve) => {
      if (transport === 'unix') ipc.serve(resolve);
      else ipc.serveNet('127.0.0.1', 1, resolve);  // the port is replaced below
    });
    if (transport === 'tcp') ipc.server.port = await freeTcpPort();
    const seen = [];
    ipc.server.on('connect', (socket) => seen.push(['connect', typeof socket.conn]));
    ipc.server.on('hello', (data, socket) => {
      ipc.server.emit(socket, 'welcome', { to: data.from });
      ipc.server.broadcast('news', { hellos: 1 });
    });
    ipc.server.on('ping', (data, socket) => ipc.server.emit(socket, 'pong', data));
    const gone = new Promise((resolve) => ipc.server.on('socket.disconnected', (socket, id) => resolve([socket.destroyed, id])));
    ipc.server.start();
    await within(started, 10000, 'compat server start');
    const args = transport === 'unix' ? ['unix', root, ipc.config.id] : ['tcp', ipc.server.port];
    const peer = start(process.execPath, [PEER, 'client', ...args.map(String)], { env: { ...process.env, NODE_PATH: MODULES } });
    children.push(peer);
    await lineMatching(peer, /^connect$/, 'node-ipc client connect');
    assert.deepEqual(JSON.parse((await lineMatching(peer, /^event welcome /, 'welcome')).slice(14)), { to: 'node-ipc' });
    assert.deepEqual(JSON.parse((await lineMatching(peer, /^event news /, 'news')).slice(11)), { hellos: 1 });
    peer.send('emit ping {"v":[1,"✓",null]}');
    assert.deepEqual(JSON.parse((await lineMatching(peer, /^event pong /, 'pong')).slice(11)), { v: [1, '✓', null] });
    assert.deepEqual(seen, [['connect', 'number']]);
    assert.equal(await within(peer.exit(), 10000, 'peer exit'), 0);
    assert.deepEqual(await within(gone, 10000, 'socket.disconnected'), [true, false]);
    ipc.server.stop();
  });

  test(`compat client <-> real node-ipc server (${transport}), reconnecting after stop/start`, { skip: noNodeIpc, timeout: 30000 }, async () => {
    const root = uniqueRoot();
    const id = `nis${process.pid}`;
    const args = transport === 'unix' ? ['unix', root, id] : ['tcp', 0];
    const srv = start(process.execPath, [PEER, 'server', ...args.map(String)], { env: { ...process.env, NODE_PATH: MODULES } });
    children.push(srv);
    const ready = await lineMatching(srv, /^ready /, 'node-ipc server ready');
    const ipc = fresh(root);
    ipc.config.retry = 50;
    const target = transport === 'unix' ? (cb) => ipc.connectTo(id, cb) : (cb) => ipc.connectToNet(id, Number(ready.slice(6)), cb);
    const events = [];
    let connects = 0;
    const connected = [];
    const waiters = { connect: [], welcome: [], news: [], pong: [], disconnect: [] };
    const wait = (name) => new Promise((resolve) => waiters[name].push(resolve));
    target(() => {
      const c = ipc.of[id];
      c.on('connect', () => {
        connects++;
        c.emit('hello', { from: `compat${connects}` });
        for (const w of waiters.connect.splice(0)) w();
      });
      c.on('disconnect', () => { for (const w of waiters.disconnect.splice(0)) w(); });
      c.on('error', () => {});  // refused attempts while the server is stopped
      for (const name of ['welcome', 'news', 'pong']) {
        c.on(name, (data) => {
          events.push([name, data]);
          for (const w of waiters[name].splice(0)) w(data);
        });
      }
      connected.push(true);
    });
    assert.deepEqual(connected, [true]);  // the callback ran at once, as in node-ipc
    assert.deepEqual(await within(wait('welcome'), 10000, 'welcome'), { to: 'compat1' });
    await lineMatching(srv, /^event hello {"from":"compat1"}$/, 'hello');
    const pong = wait('pong');
    ipc.of[id].emit('ping', 'x');
    assert.equal(await within(pong, 10000, 'pong'), 'x');
    const lost = wait('disconnect');
    srv.send('stop');
    await lineMatching(srv, /^stopped$/, 'stopped');
    await within(lost, 10000, 'disconnect');
    const again = wait('welcome');
    srv.send('start');
    await lineMatching(srv, /^ready /, 'ready again');
    assert.deepEqual(await within(again, 10000, 'welcome after restart'), { to: 'compat2' });
    ipc.disconnect(id);
    assert.equal(ipc.of[id], undefined);
    await lineMatching(srv, /^disconnect$/, 'server saw the disconnect');
  });
}

function freeTcpPort() {
  const net = require('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

// ---- the API ----

test('config defaults are node-ipc\'s; the module is a singleton with .IPC', () => {
  const c = ipcModule.config;
  assert.equal(c.appspace, 'app.');
  assert.equal(c.socketRoot, '/tmp/');
  assert.equal(c.id, require('node:os').hostname());
  assert.equal(c.retry, 500);
  assert.equal(c.maxRetries, Infinity);
  assert.equal(c.stopRetrying, false);
  assert.equal(c.maxConnections, 100);
  assert.equal(c.networkHost, '127.0.0.1');
  assert.equal(c.networkPort, 8000);
  assert.equal(c.encoding, 'utf8');
  assert.equal(c.rawBuffer, false);
  assert.equal(c.sync, false);
  assert.equal(c.unlink, true);
  assert.equal(c.silent, false);
  assert.equal(c.tls, false);
  assert.equal(require('libipc/compat/node-ipc'), ipcModule);
  assert.equal(typeof ipcModule.IPC, 'function');
  assert.deepEqual(ipcModule.of, {});
  assert.equal(ipcModule.server, false);
});

test('ipc.log: joined with spaces, objects inspected, silent stops it', () => {
  const ipc = new ipcModule.IPC();
  const lines = [];
  ipc.config.logger = (l) => lines.push(l);
  ipc.config.logInColor = false;
  ipc.log('a', 1, { b: [2] });
  ipc.config.silent = true;
  ipc.log('hidden');
  assert.deepEqual(lines, ['a 1 { b: [ 2 ] }']);
});

test('server: sockets, emit to one, broadcast, socket.id from data.id, *, once, off', { timeout: 20000 }, async () => {
  const root = uniqueRoot();
  const srv = fresh(root);
  srv.config.id = 'world';
  await new Promise((resolve) => { srv.serve(resolve); srv.server.start(); });
  const clients = ['a', 'b'].map(() => fresh(root));
  const got = { a: [], b: [] };
  const all = [];
  srv.server.on('*', (type) => all.push(type));
  let onceCount = 0;
  srv.server.once('iam', () => onceCount++);
  const sockets = new Map();
  const both = new Promise((resolve) => srv.server.on('iam', (data, socket) => {
    sockets.set(data.id, socket);
    if (sockets.size === 2) resolve();
  }));
  const done = ['a', 'b'].map((name, i) => new Promise((resolve) => {
    clients[i].connectTo('world', () => {
      const c = clients[i].of.world;
      c.on('connect', () => c.emit('iam', { id: name }));
      c.on('only', (d) => got[name].push(`only:${d}`));
      c.on('all', (d) => { got[name].push(`all:${d}`); resolve(); });
    });
  }));
  await within(both, 10000, 'both clients');
  assert.equal(srv.server.sockets.length, 2);
  assert.equal(sockets.get('a').id, 'a');  // node-ipc sets socket.id from data.id
  srv.server.emit(sockets.get('a'), 'only', 'for a');
  srv.server.broadcast('all', 'everyone');
  await within(Promise.all(done), 10000, 'broadcast');
  assert.deepEqual(got, { a: ['only:for a', 'all:everyone'], b: ['all:everyone'] });
  assert.equal(onceCount, 1);
  assert.ok(all.filter((t) => t === 'iam').length === 2 && all.includes('connect'), all.join());
  // socket.disconnected when a client leaves; off() removes handlers.
  const left = new Promise((resolve) => srv.server.on('socket.disconnected', (socket, id) => resolve([socket, id])));
  clients[1].disconnect('world');
  const [sock, id] = await within(left, 10000, 'socket.disconnected');
  assert.equal(id, 'b');
  assert.equal(sock.destroyed, true);
  assert.equal(srv.server.sockets.length, 1);
  const h = () => {};
  srv.server.on('x', h);
  srv.server.off('x', h);
  assert.equal(srv.server._events_.x, undefined);
  assert.throws(() => srv.server.off('iam'), ReferenceError);
  clients[0].disconnect('world');
  srv.server.stop();
});

test('node-ipc data rule: falsy data but false and 0 is sent as {}', { timeout: 20000 }, async () => {
  const root = uniqueRoot();
  const srv = fresh(root);
  srv.config.id = 'rule';
  const values = [];
  const n = 7;
  const all = new Promise((resolve) => {
    srv.serve(() => srv.server.on('v', (d) => { values.push(d); if (values.length === n) resolve(); }));
  });
  srv.server.start();
  const cl = fresh(root);
  cl.connectTo('rule', () => cl.of.rule.on('connect', () => {
    for (const v of [undefined, null, '', 0, false, 'text', { a: 1 }]) cl.of.rule.emit('v', v);
  }));
  await within(all, 10000, 'values');
  assert.deepEqual(values, [{}, {}, {}, 0, false, 'text', { a: 1 }]);
  cl.disconnect('rule');
  srv.server.stop();
});

test('serveNet and connectToNet argument forms; TCP', { timeout: 20000 }, async () => {
  const port = await freeTcpPort();
  const srv = fresh();
  srv.serveNet(port, () => {});  // (port, callback): host from config.networkHost
  assert.equal(srv.server.path, '127.0.0.1');
  assert.equal(srv.server.port, port);
  const started = new Promise((resolve) => srv.server.on('start', resolve));
  srv.server.on('ping', (d, socket) => srv.server.emit(socket, 'pong', d));
  srv.server.start();
  await within(started, 10000, 'tcp start');
  const cl = fresh();
  cl.config.networkPort = port;
  const pong = new Promise((resolve) => cl.connectToNet('tcp', () => {  // (id, callback): host and port from config
    cl.of.tcp.on('connect', () => cl.of.tcp.emit('ping', 42));
    cl.of.tcp.on('pong', resolve);
  }));
  assert.equal(await within(pong, 10000, 'pong'), 42);
  assert.equal(cl.of.tcp.path, '127.0.0.1');
  assert.equal(cl.of.tcp.port, port);
  // The other forms only move arguments around (node-ipc's rules).
  const x = fresh();
  x.serveNet('udp4', () => {});
  assert.equal(x.server.udp4, true);
  assert.equal(x.server.port, 8000);
  x.serveNet('example.org', 1234, 'udp6', () => {});
  assert.deepEqual([x.server.path, x.server.port, x.server.udp6], ['example.org', 1234, true]);
  x.serveNet(() => {});
  assert.deepEqual([x.server.path, x.server.port, x.server.udp4], ['127.0.0.1', 8000, false]);
  cl.disconnect('tcp');
  srv.server.stop();
});

test('sync: one event in flight, the next after something comes back', { timeout: 20000 }, async () => {
  const root = uniqueRoot();
  const srv = fresh(root);
  srv.config.id = 'sync';
  const arrivals = [];
  const arrived = [];  // resolvers, one per expected request
  let reply = null;
  srv.serve(() => srv.server.on('req', (d, socket) => {
    arrivals.push(d);
    reply = () => srv.server.emit(socket, 'res', d);
    arrived.shift()();
  }));
  const nextArrival = () => within(new Promise((r) => arrived.push(r)), 10000, 'a request');
  srv.server.start();
  const cl = fresh(root);
  cl.config.sync = true;
  const replies = [];
  const three = new Promise((resolve) => cl.connectTo('sync', () => {
    cl.of.sync.on('res', (d) => { replies.push(d); if (replies.length === 3) resolve(); });
  }));
  let first = nextArrival();
  cl.of.sync.emit('req', 1);
  cl.of.sync.emit('req', 2);
  cl.of.sync.emit('req', 3);
  assert.equal(cl.of.sync._queue.length, 2);  // held back until a reply
  for (let i = 1; i <= 3; i++) {
    await first;
    assert.deepEqual(arrivals, [1, 2, 3].slice(0, i));  // exactly one more each time
    first = i < 3 ? nextArrival() : null;
    reply();
  }
  await within(three, 10000, 'replies');
  assert.deepEqual(replies, [1, 2, 3]);
  cl.disconnect('sync');
  srv.server.stop();
});

test('rawBuffer: data events with Buffers, emit sends bytes in config.encoding', { timeout: 20000 }, async () => {
  const root = uniqueRoot();
  const srv = fresh(root);
  srv.config.id = 'raw';
  srv.config.rawBuffer = true;
  let received = Buffer.alloc(0);
  const gotAll = new Promise((resolve) => srv.serve(() => srv.server.on('data', (buf, socket) => {
    assert.ok(Buffer.isBuffer(buf));
    received = Buffer.concat([received, buf]);
    if (received.length === 6) {
      srv.server.emit(socket, 'cafe', 'ignored');  // raw: the "type" is the payload
      resolve();
    }
  })));
  srv.server.start();
  const cl = fresh(root);
  cl.config.rawBuffer = true;
  cl.config.encoding = 'hex';
  let back = Buffer.alloc(0);
  const reply = new Promise((resolve) => cl.connectTo('raw', () => {
    cl.of.raw.on('connect', () => cl.of.raw.emit('00ff0c7b2233'));  // hex
    cl.of.raw.on('data', (buf) => { back = Buffer.concat([back, buf]); if (back.length === 4) resolve(); });
  }));
  await within(gotAll, 10000, 'raw bytes');
  assert.deepEqual(received, Buffer.from([0x00, 0xff, 0x0c, 0x7b, 0x22, 0x33]));
  await within(reply, 10000, 'raw reply');
  assert.deepEqual(back, Buffer.from('cafe'));  // the server's encoding is utf8
  cl.disconnect('raw');
  srv.server.stop();
});

test('errors are published, never thrown; stopRetrying gives destroy', { timeout: 20000 }, async () => {
  const root = uniqueRoot();
  const cl = fresh(root);
  cl.config.stopRetrying = true;
  const events = [];
  const destroyed = new Promise((resolve) => cl.connectTo('nobody', () => {
    cl.of.nobody.on('error', (e) => events.push(`error:${e.code}`));
    cl.of.nobody.on('destroy', () => { events.push('destroy'); resolve(); });
  }));
  await within(destroyed, 10000, 'destroy');
  assert.deepEqual(events, ['error:IPC_ENOENT', 'destroy']);
  // An emit after the end is an error event too, not an exception.
  const err = new Promise((resolve) => cl.of.nobody.on('error', resolve));
  cl.of.nobody.emit('late', 1);
  assert.ok((await within(err, 10000, 'late error')).code);
  // A server whose path is in use by a live server publishes an error.
  const a = fresh(root);
  a.config.id = 'busy';
  await new Promise((resolve) => { a.serve(resolve); a.server.start(); });
  const b = fresh(root);
  b.config.id = 'busy';
  b.serve(() => assert.fail('started twice'));
  const e2 = new Promise((resolve) => b.server.on('error', resolve));
  b.server.start();
  assert.equal((await within(e2, 10000, 'EADDRINUSE')).code, 'IPC_EADDRINUSE');
  a.server.stop();
  // No handler at all: nothing is thrown.
  const c = fresh(root);
  c.config.stopRetrying = true;
  const gaveUp = new Promise((resolve) => c.connectTo('nobody2', () => c.of.nobody2.socket.once('destroy', resolve)));
  await within(gaveUp, 10000, 'a client with no handlers gives up quietly');
  c.disconnect('nobody2');
});
