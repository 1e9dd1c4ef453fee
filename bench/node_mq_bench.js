'use strict';
// bench/node_mq_bench.js: message round trip and one-way throughput between
// two Node processes, libipc's MessageQueue (its Promise and EventEmitter API)
// against Node's child_process IPC (process.send) and node-ipc over a Unix
// socket, with the two processes pinned (taskset) to different cores and then
// to the same core. Prints a table, ratios, and CPU time per message (both
// processes' user + system time / messages). Speed is reported, never asserted.
//
//   NODE_PATH=<build>/lib/nodejs:<build>/npm/node-ipc-9.2.1/node_modules \
//     node bench/node_mq_bench.js [--quick]
//
// What each peer does, per message size S (64 B and 4 KiB):
//   round trip   A sends S bytes, B sends them back, A waits for them; n times.
//                libipc: A `await ping.send(buf); await pong.receive()`,
//                B `ping.on('message', m => pong.trySend(m.data))`; also with
//                spinUs: 0 (the C ABI's notify alone, no spin; see docs/node.md).
//                child_process: `child.send(str)` / `process.send(m)` (JSON).
//                node-ipc: server.emit(socket, 'ping', str) / client.emit('pong', m).
//   throughput   B sends n messages as fast as it can, A (timed) counts them.
//                libipc: B `trySend`, or `await send()` when the queue (1024
//                slots) is full; A `on('message')` (drained in batches).
//                child_process and node-ipc: a 4096-message window (A acks every
//                1024) so neither side buffers without bound.
// child_process and node-ipc carry a string of S ASCII characters (their
// framing is JSON); libipc carries a Buffer of S bytes.
//
// Roles (internal): --role a|b --peer libipc|cp|nodeipc --test rt|tp --size S --n N
//   --warm W --cpu-b C [--name NAME]. The orchestrator (no --role) starts each A
// under `taskset -c cpuA`; A starts B under `taskset -c cpuB` and prints one
// JSON line with its result.
const { spawn, fork } = require('node:child_process');
const path = require('node:path');
const os = require('node:os');
const fs = require('node:fs');
const readline = require('node:readline');

const args = parseArgs(process.argv.slice(2));

function parseArgs(argv) {
  const out = { quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.quick = true;
    else if (a.startsWith('--')) out[a.slice(2)] = argv[++i];
  }
  return out;
}

function cpuSeconds(u) {
  return (u.user + u.system) / 1e6;
}

function lines(stream) {
  const queue = [];
  const waiters = [];
  readline.createInterface({ input: stream }).on('line', (l) => {
    if (waiters.length) waiters.shift()(l);
    else queue.push(l);
  });
  return () => (queue.length ? Promise.resolve(queue.shift()) : new Promise((r) => waiters.push(r)));
}

function requireNodeIpc() {
  try {
    return require('node-ipc');
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------
// Side A (timed). Starts B pinned to --cpu-b and prints one JSON result line.

function startB(extra, opts = {}) {
  const bArgs = [__filename, '--role', 'b', '--peer', args.peer, '--test', args.test, '--size', args.size,
    '--n', args.n, '--warm', args.warm, ...extra];
  if (opts.ipc) {
    // child_process IPC: fork through taskset (it execs node with the channel fd).
    return fork(__filename, bArgs.slice(1), {
      execPath: 'taskset', execArgv: ['-c', String(args['cpu-b']), process.execPath],
      stdio: ['pipe', 'pipe', 'inherit', 'ipc'],
    });
  }
  return spawn('taskset', ['-c', String(args['cpu-b']), process.execPath, ...bArgs],
    { stdio: ['pipe', 'pipe', 'inherit'] });
}

async function sideA() {
  const size = Number(args.size);
  const n = Number(args.n);
  const warm = Number(args.warm);
  const run = { libipc: aLibipc, libipc0: aLibipc, cp: aChildProcess, nodeipc: aNodeIpc }[args.peer];
  const r = await run(size, n, warm);
  process.stdout.write(`${JSON.stringify(r)}\n`);
  process.exit(0);
}

// 'libipc0': the same with spinUs: 0 (the C ABI's notify alone, no spin).
function spinOpts() {
  return args.peer === 'libipc0' ? { spinUs: 0 } : {};
}

async function aLibipc(size, n, warm) {
  const { MessageQueue } = require('libipc');
  const tag = `nodebench_${process.pid}`;
  const buf = Buffer.alloc(size, 0x61);
  if (args.test === 'rt') {
    const ping = MessageQueue.create(`${tag}_ping`, { capacity: 64, maxMessageSize: size, ...spinOpts() });
    const pong = MessageQueue.create(`${tag}_pong`, { capacity: 64, maxMessageSize: size, ...spinOpts() });
    try {
      const b = startB(['--name', tag]);
      const line = lines(b.stdout);
      if (await line() !== 'ready') throw new Error('B did not start');
      for (let i = 0; i < warm; i++) {
        await ping.send(buf);
        await pong.receive();
      }
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        await ping.send(buf);
        const m = await pong.receive();
        if (m.data.length !== size) throw new Error('short reply');
      }
      const t1 = process.hrtime.bigint();
      const cpuA = cpuSeconds(process.cpuUsage(c0));
      const cpuB = JSON.parse(await line()).cpu;
      return { us: Number(t1 - t0) / 1e3 / n, cpuUsPerMsg: (cpuA + cpuB) * 1e6 / n };
    } finally {
      ping.close();
      pong.close();
      MessageQueue.remove(`${tag}_ping`);
      MessageQueue.remove(`${tag}_pong`);
    }
  }
  const q = MessageQueue.create(`${tag}_tput`, { capacity: 1024, maxMessageSize: size, ...spinOpts() });
  try {
    const b = startB(['--name', tag]);
    const line = lines(b.stdout);
    if (await line() !== 'ready') throw new Error('B did not start');
    const total = warm + n;
    let got = 0;
    let t0 = 0n;
    let c0 = null;
    const done = new Promise((resolve) => {
      q.on('message', (m) => {
        if (m.data.length !== size) throw new Error('bad message');
        got++;
        if (got === warm) {
          c0 = process.cpuUsage();
          t0 = process.hrtime.bigint();
        }
        if (got === total) resolve();
      });
    });
    b.stdin.write('go\n');
    await done;
    const t1 = process.hrtime.bigint();
    const cpuA = cpuSeconds(process.cpuUsage(c0));
    const cpuB = JSON.parse(await line()).cpu;
    return { us: Number(t1 - t0) / 1e3 / n, cpuUsPerMsg: (cpuA + cpuB) * 1e6 / n };
  } finally {
    q.close();
    MessageQueue.remove(`${tag}_tput`);
  }
}

async function aChildProcess(size, n, warm) {
  const payload = 'a'.repeat(size);
  const b = startB([], { ipc: true });
  const line = lines(b.stdout);
  if (await line() !== 'ready') throw new Error('B did not start');
  let next = null;
  if (args.test === 'rt') {
    b.on('message', (m) => next(m));
    const rt = () => new Promise((resolve) => {
      next = resolve;
      b.send(payload);
    });
    for (let i = 0; i < warm; i++) await rt();
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) {
      const m = await rt();
      if (m.length !== size) throw new Error('short reply');
    }
    const t1 = process.hrtime.bigint();
    const cpuA = cpuSeconds(process.cpuUsage(c0));
    const cpuB = JSON.parse(await line()).cpu;
    b.disconnect();
    return { us: Number(t1 - t0) / 1e3 / n, cpuUsPerMsg: (cpuA + cpuB) * 1e6 / n };
  }
  const total = warm + n;
  let got = 0;
  let t0 = 0n;
  let c0 = null;
  const done = new Promise((resolve) => {
    b.on('message', (m) => {
      if (m.length !== size) throw new Error('bad message');
      got++;
      if (got % 1024 === 0) b.send(got);  // window ack
      if (got === warm) {
        c0 = process.cpuUsage();
        t0 = process.hrtime.bigint();
      }
      if (got === total) resolve();
    });
  });
  b.send('go');
  await done;
  const t1 = process.hrtime.bigint();
  const cpuA = cpuSeconds(process.cpuUsage(c0));
  const cpuB = JSON.parse(await line()).cpu;
  b.disconnect();
  return { us: Number(t1 - t0) / 1e3 / n, cpuUsPerMsg: (cpuA + cpuB) * 1e6 / n };
}

function nodeIpcSetup(ipc, id) {
  ipc.config.id = id;
  ipc.config.silent = true;
  ipc.config.retry = 50;
  ipc.config.maxRetries = 100;
  ipc.config.socketRoot = path.join(os.tmpdir(), path.sep);
  ipc.config.appspace = 'libipc-bench.';
}

async function aNodeIpc(size, n, warm) {
  const ipc = requireNodeIpc();
  const id = `nb${process.pid}`;
  nodeIpcSetup(ipc, id);
  const payload = 'a'.repeat(size);
  const sockPath = path.join(os.tmpdir(), `libipc-bench.${id}`);
  const connected = new Promise((resolve) => {
    ipc.serve(() => ipc.server.on('hello', (data, socket) => resolve(socket)));
  });
  ipc.server.start();
  try {
    const b = startB(['--name', id]);
    const line = lines(b.stdout);
    const socket = await connected;
    let next = null;
    if (args.test === 'rt') {
      ipc.server.on('pong', (m) => next(m));
      const rt = () => new Promise((resolve) => {
        next = resolve;
        ipc.server.emit(socket, 'ping', payload);
      });
      for (let i = 0; i < warm; i++) await rt();
      const c0 = process.cpuUsage();
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < n; i++) {
        const m = await rt();
        if (m.length !== size) throw new Error('short reply');
      }
      const t1 = process.hrtime.bigint();
      const cpuA = cpuSeconds(process.cpuUsage(c0));
      const cpuB = JSON.parse(await line()).cpu;
      return { us: Number(t1 - t0) / 1e3 / n, cpuUsPerMsg: (cpuA + cpuB) * 1e6 / n };
    }
    const total = warm + n;
    let got = 0;
    let t0 = 0n;
    let c0 = null;
    const done = new Promise((resolve) => {
      ipc.server.on('msg', (m) => {
        if (m.length !== size) throw new Error('bad message');
        got++;
        if (got % 1024 === 0) ipc.server.emit(socket, 'ack', got);
        if (got === warm) {
          c0 = process.cpuUsage();
          t0 = process.hrtime.bigint();
        }
        if (got === total) resolve();
      });
    });
    ipc.server.emit(socket, 'go', 0);
    await done;
    const t1 = process.hrtime.bigint();
    const cpuA = cpuSeconds(process.cpuUsage(c0));
    const cpuB = JSON.parse(await line()).cpu;
    return { us: Number(t1 - t0) / 1e3 / n, cpuUsPerMsg: (cpuA + cpuB) * 1e6 / n };
  } finally {
    ipc.server.stop();
    try {
      fs.unlinkSync(sockPath);
    } catch {
      // already gone
    }
  }
}

// ---------------------------------------------------------------------------
// Side B. Prints 'ready' once set up, and when done one JSON line with its CPU
// seconds over the timed part.

async function sideB() {
  const size = Number(args.size);
  const n = Number(args.n);
  const warm = Number(args.warm);
  const run = { libipc: bLibipc, libipc0: bLibipc, cp: bChildProcess, nodeipc: bNodeIpc }[args.peer];
  await run(size, n, warm);
}

function report(c0) {
  process.stdout.write(`${JSON.stringify({ cpu: cpuSeconds(process.cpuUsage(c0)) })}\n`);
}

async function bLibipc(size, n, warm) {
  const { MessageQueue } = require('libipc');
  const tag = args.name;
  if (args.test === 'rt') {
    const ping = MessageQueue.open(`${tag}_ping`, spinOpts());
    const pong = MessageQueue.open(`${tag}_pong`, spinOpts());
    let k = 0;
    let c0 = process.cpuUsage();
    ping.on('message', (m) => {
      if (!pong.trySend(m.data)) throw new Error('pong queue full');
      k++;
      if (k === warm) c0 = process.cpuUsage();
      if (k === warm + n) {
        report(c0);
        ping.close();
        pong.close();
      }
    });
    process.stdout.write('ready\n');
    return;
  }
  const q = MessageQueue.open(`${tag}_tput`, spinOpts());
  const buf = Buffer.alloc(size, 0x62);
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.pause();
  const total = warm + n;
  let c0 = process.cpuUsage();
  for (let i = 0; i < total; i++) {
    if (i === warm) c0 = process.cpuUsage();
    if (!q.trySend(buf)) await q.send(buf);
  }
  report(c0);
  q.close();
}

async function bChildProcess(size, n, warm) {
  let c0 = process.cpuUsage();
  if (args.test === 'rt') {
    let k = 0;
    process.on('message', (m) => {
      process.send(m);
      k++;
      if (k === warm) c0 = process.cpuUsage();
      if (k === warm + n) report(c0);
    });
    process.on('disconnect', () => process.exit(0));
    process.stdout.write('ready\n');
    return;
  }
  const payload = 'b'.repeat(size);
  const total = warm + n;
  let acked = 0;
  let wake = null;
  process.on('message', (m) => {
    if (m === 'go') {
      run();
    } else {
      acked = m;
      if (wake) wake();
    }
  });
  process.on('disconnect', () => process.exit(0));
  process.stdout.write('ready\n');
  async function run() {
    for (let i = 0; i < total; i++) {
      if (i === warm) c0 = process.cpuUsage();
      while (i - acked >= 4096) await new Promise((r) => { wake = r; });
      process.send(payload);
    }
    report(c0);
  }
}

async function bNodeIpc(size, n, warm) {
  const ipc = requireNodeIpc();
  nodeIpcSetup(ipc, `${args.name}_b`);
  // No reconnecting: B ends when A closes the socket. (ipc.disconnect()
  // destroys the socket and may drop writes not yet flushed.)
  ipc.config.stopRetrying = true;
  const id = args.name;
  const total = warm + n;
  let c0 = process.cpuUsage();
  ipc.connectTo(id, () => {
    const client = ipc.of[id];
    client.on('connect', () => client.emit('hello', 0));
    if (args.test === 'rt') {
      let k = 0;
      client.on('ping', (m) => {
        client.emit('pong', m);
        k++;
        if (k === warm) c0 = process.cpuUsage();
        if (k === warm + n) report(c0);
      });
      return;
    }
    const payload = 'b'.repeat(size);
    let acked = 0;
    let wake = null;
    client.on('ack', (m) => {
      acked = m;
      if (wake) wake();
    });
    client.on('go', async () => {
      for (let i = 0; i < total; i++) {
        if (i === warm) c0 = process.cpuUsage();
        while (i - acked >= 4096) await new Promise((r) => { wake = r; });
        client.emit('msg', payload);
      }
      report(c0);
    });
  });
}

// ---------------------------------------------------------------------------
// Orchestrator.

function runA(peer, test, size, n, warm, cpuA, cpuB) {
  return new Promise((resolve, reject) => {
    const p = spawn('taskset', ['-c', String(cpuA), process.execPath, __filename, '--role', 'a', '--peer', peer,
      '--test', test, '--size', String(size), '--n', String(n), '--warm', String(warm), '--cpu-b', String(cpuB)],
    { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d) => { out += d; });
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) reject(new Error(`${peer} ${test} ${size} B exited with ${code}: ${out}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()));
    });
  });
}

const PEER_NAMES = {
  libipc: 'libipc MessageQueue',
  libipc0: 'libipc, spinUs: 0 (notify only)',
  cp: 'child_process (process.send)',
  nodeipc: 'node-ipc 9.2.1 (Unix socket)',
};

async function orchestrate() {
  const quick = args.quick;
  const rtN = quick ? 300 : 20000;
  const tpN = quick ? 20000 : 1000000;
  const ncpu = os.cpus().length;
  const nodeIpc = requireNodeIpc();
  const peers = ['libipc', 'cp'];
  if (nodeIpc) peers.push('nodeipc');
  const loadBefore = os.loadavg()[0];
  console.log(`Node ${process.version}; ${ncpu} CPUs; ${quick ? 'quick' : 'full'} run; load average ${os.loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  if (!nodeIpc) console.log('node-ipc not found on NODE_PATH: its rows are skipped');
  const places = ncpu > 1 ? [['different cores (0,1)', 0, 1], ['same core (0,0)', 0, 0]] : [['same core (0,0)', 0, 0]];
  const summary = [];
  for (const [place, a, b] of places) {
    console.log(`\n== round trip, ${place}; lower is better`);
    for (const size of [64, 4096]) {
      const res = {};
      for (const peer of ['libipc0', ...peers]) {
        res[peer] = await runA(peer, 'rt', size, rtN, Math.max(50, rtN / 10), a, b);
        console.log(`  ${`${PEER_NAMES[peer]} ${size} B`.padEnd(40)} ${res[peer].us.toFixed(2).padStart(9)} µs ${res[peer].cpuUsPerMsg.toFixed(2).padStart(9)} µs CPU/msg`);
      }
      for (const peer of peers.slice(1)) {
        const ratio = res.libipc.us / res[peer].us;
        console.log(`  ${`  libipc / ${peer === 'cp' ? 'child_process' : 'node-ipc'}`.padEnd(40)} ${ratio.toFixed(2).padStart(9)}x   (target <= ${peer === 'cp' ? '0.50' : '0.33'})`);
        summary.push(`round trip ${size} B, ${place}: libipc/${peer === 'cp' ? 'child_process' : 'node-ipc'} = ${ratio.toFixed(2)}`);
      }
    }
    console.log(`\n== one-way throughput, ${place}; higher is better`);
    for (const size of [64, 4096]) {
      const res = {};
      const n = size === 64 ? tpN : tpN / 4;
      for (const peer of peers) {
        res[peer] = await runA(peer, 'tp', size, n, Math.max(1000, n / 20), a, b);
        console.log(`  ${`${PEER_NAMES[peer]} ${size} B`.padEnd(40)} ${(1 / res[peer].us).toFixed(3).padStart(9)} M msg/s ${res[peer].cpuUsPerMsg.toFixed(2).padStart(7)} µs CPU/msg`);
      }
      for (const peer of peers.slice(1)) {
        console.log(`  ${`  libipc / ${peer === 'cp' ? 'child_process' : 'node-ipc'}`.padEnd(40)} ${(res[peer].us / res.libipc.us).toFixed(2).padStart(9)}x`);
      }
      if (size === 64) summary.push(`throughput 64 B, ${place}: libipc ${(1 / res.libipc.us).toFixed(2)} M msg/s (target >= 1)`);
    }
  }
  console.log('\n== summary');
  for (const s of summary) console.log(`  ${s}`);
  const loadAfter = os.loadavg()[0];
  console.log(`  load average before ${loadBefore.toFixed(2)}, after ${loadAfter.toFixed(2)} (other work on the 2 cores distorts these numbers)`);
}

if (args.role === 'a') sideA().catch((e) => { console.error(e); process.exit(1); });
else if (args.role === 'b') sideB().catch((e) => { console.error(e); process.exit(1); });
else orchestrate().catch((e) => { console.error(e); process.exit(1); });
