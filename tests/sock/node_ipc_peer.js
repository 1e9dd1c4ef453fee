#!/usr/bin/env node
// The real node-ipc (npm, 9.2.1) as a test peer, driven by lines on stdin and
// reporting by lines on stdout. The contract is tests/sock/README.md; tests in
// every language synchronise on these lines (never on sleeps), so keep it.
//
//   node node_ipc_peer.js server unix <socketRoot> <id>
//   node node_ipc_peer.js server tcp  <port>          # 0 = any free port
//   node node_ipc_peer.js client unix <socketRoot> <id>
//   node node_ipc_peer.js client tcp  <port>
//
// node-ipc comes from NODE_PATH (<build>/npm/node-ipc-9.2.1/node_modules).
'use strict';

const readline = require('readline');
const ipc = require('node-ipc');

const [role, transport, ...rest] = process.argv.slice(2);
function usage(msg) {
  process.stderr.write(`node_ipc_peer: ${msg}\n` +
    'usage: node_ipc_peer.js server|client unix <socketRoot> <id> | server|client tcp <port>\n');
  process.exit(2);
}
if (role !== 'server' && role !== 'client') usage(`bad role ${role}`);
if (transport !== 'unix' && transport !== 'tcp') usage(`bad transport ${transport}`);
if (transport === 'unix' && rest.length !== 2) usage('unix needs <socketRoot> <id>');
if (transport === 'tcp' && (rest.length !== 1 || !/^\d+$/.test(rest[0]))) usage('tcp needs <port>');

// Lines go out at once: on Linux, writes to a pipe or file are synchronous.
function out(line) { process.stdout.write(line + '\n'); }
// The driving test went away: nothing left to report to.
process.stdout.on('error', () => process.exit(0));

ipc.config.silent = true;
ipc.config.retry = 50;
ipc.config.maxRetries = Infinity;
ipc.config.networkHost = '127.0.0.1';
if (transport === 'unix') {
  ipc.config.socketRoot = rest[0];
  ipc.config.id = rest[1];
}

// node-ipc publishes its own lifecycle events through the same emitter as user
// events. Every event is seen by wrapping the emitter's publish(): its
// catch-all '*' handler cannot be used, because event-pubsub picks its broken
// ES5 build on Node >= 10 (it tests process.version[1] > 5).
const LIFECYCLE = new Set(['connect', 'disconnect', 'destroy', 'error', 'data', 'start',
                           'close', 'socket.disconnected']);
function printUserEvents(emitter) {
  const publish = emitter.publish;
  emitter.publish = function (type, data, ...rest) {
    if (!LIFECYCLE.has(type)) out(`event ${type} ${JSON.stringify(data === undefined ? null : data)}`);
    return publish.call(this, type, data, ...rest);
  };
}

// "emit <type> <json>": the JSON may contain spaces, so split at the first two.
function parseEmit(line) {
  const m = /^emit (\S+) (.*)$/.exec(line);
  if (!m) throw new Error(`bad command: ${line}`);
  return [m[1], JSON.parse(m[2])];
}

let shuttingDown = false;
function finish(code) {
  shuttingDown = true;
  process.exit(code);
}

function runServer() {
  let hellos = 0;
  let listening = false;
  const announce = () => {
    listening = true;
    if (transport === 'unix') {
      out(`ready ${ipc.server.path}`);
    } else {
      const port = ipc.server.server.address().port;
      // A restart (stop/start) must come back on the same port so that clients
      // reconnect to it.
      ipc.server.port = port;
      out(`ready ${port}`);
    }
  };
  if (transport === 'unix') {
    ipc.serve(announce);
  } else {
    const port = Number(rest[0]);
    // node-ipc treats port 0 as "not given" (its default 8000) and a string
    // port as the UDP type, so set the port after construction: the string
    // '0' is truthy and net.Server.listen('0', host) binds any free port.
    ipc.serveNet('127.0.0.1', port || 8000, announce);
    if (port === 0) ipc.server.port = '0';
  }
  ipc.server.on('connect', () => out('connect'));
  ipc.server.on('socket.disconnected', () => out('disconnect'));
  ipc.server.on('error', (err) => process.stderr.write(`node_ipc_peer server error: ${err}\n`));
  ipc.server.on('hello', (data, socket) => {
    hellos++;
    ipc.server.emit(socket, 'welcome', { to: data && data.from });
    ipc.server.broadcast('news', { hellos });
  });
  ipc.server.on('ping', (data, socket) => ipc.server.emit(socket, 'pong', data));
  printUserEvents(ipc.server);
  ipc.server.start();

  // node-ipc's stop() only closes the listener; connected sockets would stay.
  // A stopped server here also drops its connections so that clients see the
  // loss and reconnect when it starts again. "stopped" is printed once the
  // listener is closed and every connection's "disconnect" line is out (our
  // 'close' listeners run after node-ipc's, which prints it).
  const stop = (then) => {
    if (!listening) { then(); return; }
    listening = false;
    const waits = [new Promise((resolve) => ipc.server.server.once('close', resolve))];
    ipc.server.stop();
    for (const s of ipc.server.sockets.slice()) {
      waits.push(new Promise((resolve) => s.once('close', resolve)));
      s.destroy();
    }
    Promise.all(waits).then(then);
  };

  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    line = line.trim();
    if (!line) return;
    try {
      if (line === 'stop') stop(() => out('stopped'));
      else if (line === 'start') ipc.server.start();
      else { const [type, data] = parseEmit(line); ipc.server.broadcast(type, data); }
    } catch (e) {
      process.stderr.write(`node_ipc_peer: ${e.message}\n`);
    }
  });
  rl.on('close', () => stop(() => finish(0)));
}

function runClient() {
  const id = transport === 'unix' ? rest[1] : 'server';
  const onConnected = () => {
    const c = ipc.of[id];
    // node-ipc publishes 'disconnect' after every failed attempt too; the
    // contract's line means "lost the server", once per connection.
    let connected = false;
    c.on('connect', () => {
      connected = true;
      out('connect');
      c.emit('hello', { from: 'node-ipc' });
    });
    c.on('disconnect', () => {
      if (connected && !shuttingDown) out('disconnect');
      connected = false;
    });
    // Refused attempts while the server is away are expected (it retries).
    c.on('error', (err) => {
      if (err.code !== 'ENOENT' && err.code !== 'ECONNREFUSED') {
        process.stderr.write(`node_ipc_peer client error: ${err}\n`);
      }
    });
    printUserEvents(c);
  };
  if (transport === 'unix') ipc.connectTo(id, onConnected);
  else ipc.connectToNet(id, '127.0.0.1', Number(rest[0]), onConnected);

  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    line = line.trim();
    if (!line) return;
    try {
      const [type, data] = parseEmit(line);
      ipc.of[id].emit(type, data);
    } catch (e) {
      process.stderr.write(`node_ipc_peer: ${e.message}\n`);
    }
  });
  // Emits still in the socket's buffer go out before the disconnect (bounded
  // by a timer so a dead server cannot keep us alive).
  rl.on('close', () => {
    shuttingDown = true;
    const go = () => { ipc.disconnect(id); finish(0); };
    const s = ipc.of[id] && ipc.of[id].socket;
    if (s && !s.destroyed && s.writableLength > 0) {
      s.once('drain', go);
      s.once('close', go);
      setTimeout(go, 2000);
    } else {
      go();
    }
  });
}

if (role === 'server') runServer(); else runClient();
