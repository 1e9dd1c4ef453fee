'use strict';
// bench/sock_bench.js: event messaging over a Unix socket and TCP, libipc
// against node-ipc 9.2.1 (the wire format both speak). One run prints a table
// and the ratios the targets are about. Speed is reported, never asserted.
//
//   NODE_PATH=<build>/lib/nodejs:<build>/npm/node-ipc-9.2.1/node_modules \
//   LIBIPC_BUILD_DIR=<build> node bench/sock_bench.js [--quick]
//   ... node bench/sock_bench.js read-paths [unix|tcp] [runs]   (see readPaths)
//
// Per transport (unix, tcp) and data size S (64 B, 4 KiB, 1 MiB; data = a
// JSON string of S 'x'), each row is one server process and one client
// process:
//   round trip   the client emits `ping` and waits for `pong` (same data),
//                in sequence, after a warm-up: mean µs.
//   throughput   the client emits N `tp` events as fast as it may, then
//                `tp_end`; the server counts and answers `tp_done` with the
//                count (checked): N / time until `tp_done`.
// Rows (server + client):
//   node-ipc + node-ipc      both node-ipc (this script: serve-node-ipc, client --impl node-ipc)
//   libipc + node-ipc        bench/sock_echo_server.c + the node-ipc client
//   libipc + Node            bench/sock_echo_server.c + libipc's SocketClient
//   libipc + Python          ... + bench/python_sock_bench.py (skipped if absent)
//   libipc + C#              ... + bench/csharp `sock` (skipped if absent)
// Every client prints ONE JSON line {"client","transport","size","rtt_us","events_per_s"}.
//
// Placement: first as the scheduler places them; then (node-ipc + node-ipc
// and libipc + Node only) with the server and the client pinned to one CPU
// (`taskset -c 0`). On small VMs waking a thread on an idle CPU costs
// 10-20 µs, so placement moves the round trip a lot; both are reported. A
// libipc round trip wakes two threads, as node-ipc's does (each side's taking
// thread reads its socket itself: "inlineReads", docs/sock.md); with
// "inlineReads": false it wakes four (each side's I/O thread, then its taker).
//
// Where things are: LIBIPC_SOCK_ECHO_SERVER (else <build>/bin/sock_echo_server),
// LIBIPC_PYTHONPATH (else <build>/bindings/python), LIBIPC_CSHARP_BENCH_DLL
// (else <build>/bindings/csharp/dotnet/artifacts/bin/LibIpc.MqBench/release/LibIpc.MqBench.dll).
//
// Roles (internal):
//   serve-node-ipc --transport unix|tcp          prints `ready <path|port>`, serves until stdin ends
//   client --impl libipc|node-ipc --transport T --path P --port N --size S --rtt-count N --tp-count N
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');

const WAIT_MS = 120000;  // any single wait: a failure, never a hang

function parseArgs(argv) {
  const out = { _: [], quick: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') out.quick = true;
    else if (a.startsWith('--')) out[a.slice(2)] = argv[++i];
    else out._.push(a);
  }
  return out;
}

function fail(msg) {
  process.stderr.write(`sock_bench: ${msg}\n`);
  process.exit(1);
}

function watchdog(what) {
  const t = setTimeout(() => fail(`timed out: ${what}`), WAIT_MS);
  t.unref();
  return t;
}

// ---- role: a node-ipc server with the echo server's behaviour ----

function serveNodeIpc(args) {
  const ipc = require('node-ipc');
  ipc.config.silent = true;
  ipc.config.maxConnections = 16;
  const counts = new Map();
  const serve = () => {
    ipc.server.on('ping', (data, socket) => ipc.server.emit(socket, 'pong', data));
    ipc.server.on('tp', (data, socket) => counts.set(socket, (counts.get(socket) || 0) + 1));
    ipc.server.on('tp_end', (data, socket) => {
      ipc.server.emit(socket, 'tp_done', counts.get(socket) || 0);
      counts.set(socket, 0);
    });
  };
  if (args.transport === 'unix') {
    const p = path.join(os.tmpdir(), `sock_bench_nipc_${process.pid}`);
    ipc.serve(p, () => process.stdout.write(`ready ${p}\n`));
  } else {
    // node-ipc reads port 0 as "none" (its 8000): pick a free one first.
    const net = require('node:net');
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => {
        ipc.serveNet('127.0.0.1', port, () => process.stdout.write(`ready ${port}\n`));
        serve();
        ipc.server.start();
      });
    });
  }
  if (args.transport === 'unix') {
    serve();
    ipc.server.start();
  }
  process.stdin.on('end', () => {
    for (const s of (ipc.server.sockets || [])) s.destroy();
    ipc.server.stop();
    process.exit(0);
  });
  process.stdin.resume();
}

// ---- role: a Node client (libipc or node-ipc) ----

async function runClient(args) {
  const size = Number(args.size);
  const rttCount = Number(args['rtt-count']);
  const tpCount = Number(args['tp-count']);
  const data = 'x'.repeat(size);
  const c = args.impl === 'node-ipc' ? nodeIpcClient(args) : libipcClient(args);
  const guard = watchdog(`${args.impl} client`);
  await c.connected;
  const rtt = async (n) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await c.ping(data);
    return Number(process.hrtime.bigint() - t0) / n / 1000;
  };
  await rtt(Math.min(1000, Math.max(3, Math.floor(rttCount / 10))));  // warm-up
  const rttUs = await rtt(rttCount);
  const t0 = process.hrtime.bigint();
  const counted = await c.throughput(data, tpCount);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (counted !== tpCount) fail(`the server counted ${counted} tp events, expected ${tpCount}`);
  clearTimeout(guard);
  process.stdout.write(`${JSON.stringify({
    client: args.impl === 'node-ipc' ? 'node-ipc' : 'node', transport: args.transport, size,
    rtt_us: Math.round(rttUs * 100) / 100, events_per_s: Math.round(tpCount / seconds * 10) / 10,
  })}\n`);
  c.close();
}

function libipcClient(args) {
  const { SocketClient } = require('libipc');
  const opts = args.transport === 'unix'
    ? { path: args.path, stopRetrying: true }
    : { transport: 'tcp', host: '127.0.0.1', port: Number(args.port), stopRetrying: true };
  const c = new SocketClient(opts);
  c.on('error', (e) => fail(`libipc client: ${e.message}`));
  let pong = null;
  let done = null;
  c.on('pong', () => pong());
  c.on('tp_done', (n) => done(n));
  return {
    connected: new Promise((resolve) => c.once('connect', resolve)),
    ping(d) {
      return new Promise((resolve) => {
        pong = resolve;
        c.emit('ping', d);
      });
    },
    async throughput(d, n) {
      const finished = new Promise((resolve) => { done = resolve; });
      for (let i = 0; i < n; i++) {
        // false: libipc's write queue is more than half full; wait for 'drain'.
        if (!c.emit('tp', d)) await new Promise((resolve) => c.once('drain', resolve));
      }
      c.emit('tp_end', {});
      return finished;
    },
    close() { c.close(); },
  };
}

function nodeIpcClient(args) {
  const ipc = require('node-ipc');
  ipc.config.silent = true;
  ipc.config.stopRetrying = true;
  const id = 'bench';
  if (args.transport === 'unix') ipc.connectTo(id, args.path);
  else ipc.connectToNet(id, '127.0.0.1', Number(args.port));
  const c = ipc.of[id];
  let pong = null;
  let done = null;
  c.on('pong', () => pong());
  c.on('tp_done', (n) => done(n));
  c.on('error', (e) => fail(`node-ipc client: ${e.message}`));
  return {
    connected: new Promise((resolve) => c.on('connect', resolve)),
    ping(d) {
      return new Promise((resolve) => {
        pong = resolve;
        c.emit('ping', d);
      });
    },
    async throughput(d, n) {
      const finished = new Promise((resolve) => { done = resolve; });
      // node-ipc has no backpressure: its socket buffers what the kernel
      // does not take. Keep that bounded (as a careful user would) by waiting
      // for the socket's 'drain' when it reports a full buffer.
      for (let i = 0; i < n; i++) {
        c.emit('tp', d);
        if (c.socket.writableNeedDrain) await new Promise((resolve) => c.socket.once('drain', resolve));
      }
      c.emit('tp_end', {});
      return finished;
    },
    close() { ipc.disconnect(id); },
  };
}

// ---- the orchestrator ----

function lineReader(stream) {
  const queue = [];
  const waiters = [];
  let ended = false;
  readline.createInterface({ input: stream }).on('line', (l) => {
    if (waiters.length) waiters.shift().resolve(l);
    else queue.push(l);
  }).on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w.reject(new Error('output ended'));
  });
  return () => {
    if (queue.length) return Promise.resolve(queue.shift());
    if (ended) return Promise.reject(new Error('output ended'));
    return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
  };
}

function startProcess(cmd, argv, env, cpus) {
  if (cpus) {
    argv = ['-c', cpus, cmd, ...argv];
    cmd = 'taskset';
  }
  const p = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stderr = '';
  p.stderr.on('data', (d) => { stderr += d; });
  p.stdin.on('error', () => {});
  const exited = new Promise((resolve) => p.on('exit', (code) => resolve(code)));
  return { p, line: lineReader(p.stdout), get stderr() { return stderr; }, exited };
}

async function withTimeout(promise, what) {
  let t;
  try {
    return await Promise.race([promise, new Promise((_, reject) => {
      t = setTimeout(() => reject(new Error(`timed out: ${what}`)), WAIT_MS);
    })]);
  } finally {
    clearTimeout(t);
  }
}

function locate() {
  const build = process.env.LIBIPC_BUILD_DIR || path.join(__dirname, '..', 'build');
  const echo = process.env.LIBIPC_SOCK_ECHO_SERVER || path.join(build, 'bin', 'sock_echo_server');
  const pyPath = process.env.LIBIPC_PYTHONPATH || path.join(build, 'bindings', 'python');
  const pyScript = path.join(__dirname, 'python_sock_bench.py');
  const dll = process.env.LIBIPC_CSHARP_BENCH_DLL ||
    path.join(build, 'bindings', 'csharp', 'dotnet', 'artifacts', 'bin', 'LibIpc.MqBench', 'release', 'LibIpc.MqBench.dll');
  const python = fs.existsSync(path.join(pyPath, 'libipc')) && fs.existsSync(pyScript)
    ? null : `no Python binding at ${pyPath} (set LIBIPC_PYTHONPATH) or no ${pyScript}`;
  const csharp = fs.existsSync(dll) ? null : `no ${dll} (set LIBIPC_CSHARP_BENCH_DLL)`;
  if (!fs.existsSync(echo)) fail(`no echo server at ${echo} (set LIBIPC_SOCK_ECHO_SERVER)`);
  return { echo, pyPath, pyScript, dll, skip: { python, csharp } };
}

// Runs one row: a server, then a client; returns the client's JSON result.
// `env` is added to both processes' environment.
async function row(where, server, client, transport, size, counts, cpus, env = {}) {
  const srv = server === 'node-ipc'
    ? startProcess(process.execPath, [__filename, 'serve-node-ipc', '--transport', transport], env, cpus)
    : startProcess(where.echo, ['--transport', transport], env, cpus);
  try {
    const ready = await withTimeout(srv.line(), `${server} server ready`).catch((e) => fail(`${e.message}: ${srv.stderr}`));
    const at = ready.split(' ')[1];
    const common = ['--transport', transport, transport === 'unix' ? '--path' : '--port', at,
      '--size', String(size), '--rtt-count', String(counts.rtt), '--tp-count', String(counts.tp)];
    let cli;
    if (client === 'node' || client === 'node-ipc') {
      cli = startProcess(process.execPath, [__filename, 'client', '--impl', client === 'node' ? 'libipc' : 'node-ipc', ...common],
        env, cpus);
    } else if (client === 'python') {
      cli = startProcess('/usr/bin/python3', [where.pyScript, ...common],
        { ...env, PYTHONPATH: [where.pyPath, process.env.PYTHONPATH].filter(Boolean).join(':') }, cpus);
    } else {
      cli = startProcess('dotnet', [where.dll, 'sock', ...common], env, cpus);
    }
    const out = await withTimeout(cli.line(), `${client} client`).catch((e) => fail(`${client} client: ${e.message}: ${cli.stderr}`));
    const code = await withTimeout(cli.exited, `${client} exit`);
    if (code !== 0) fail(`${client} client exited ${code}: ${cli.stderr}`);
    return JSON.parse(out);
  } finally {
    srv.p.stdin.end();
    await withTimeout(srv.exited, `${server} server exit`).catch(() => srv.p.kill('SIGKILL'));
  }
}

function counts(quick, size, client) {
  const nodeIpc = client === 'node-ipc';
  if (quick) {
    if (size >= 1 << 20) return nodeIpc ? { rtt: 2, tp: 3 } : { rtt: 5, tp: 10 };
    return { rtt: 50, tp: 500 };
  }
  // node-ipc's reader is quadratic in what piles up (10-100 events at 1 MiB gave 6-90/s here).
  if (size >= 1 << 20) return nodeIpc ? { rtt: 5, tp: 40 } : { rtt: 50, tp: 500 };
  if (size >= 4096) return nodeIpc ? { rtt: 2000, tp: 20000 } : { rtt: 5000, tp: 100000 };
  return nodeIpc ? { rtt: 5000, tp: 100000 } : { rtt: 10000, tp: 1000000 };
}

function hasTaskset() {
  try {
    require('node:child_process').execFileSync('taskset', ['-c', '0', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function fmtRate(r) {
  if (r >= 1e6) return `${(r / 1e6).toFixed(2)} M/s`;
  if (r >= 1e3) return `${(r / 1e3).toFixed(1)} k/s`;
  return `${r.toFixed(1)} /s`;
}

async function orchestrate(args) {
  const where = locate();
  const sizes = [64, 4096, 1 << 20];
  const rows = [
    ['node-ipc', 'node-ipc'],
    ['libipc', 'node-ipc'],
    ['libipc', 'node'],
    ['libipc', 'python'],
    ['libipc', 'csharp'],
  ];
  const results = {};
  const notes = [];
  for (const [, client] of rows) {
    if (where.skip[client]) notes.push(`${client} rows skipped: ${where.skip[client]}`);
  }
  for (const transport of ['unix', 'tcp']) {
    for (const size of sizes) {
      for (const [server, client] of rows) {
        if (where.skip[client]) continue;
        const r = await row(where, server, client, transport, size, counts(args.quick, size, client));
        results[`${server}|${client}|${transport}|${size}`] = r;
        process.stderr.write(`  ${transport} ${size} B ${server} server + ${client} client: ` +
          `${r.rtt_us} µs, ${fmtRate(r.events_per_s)}\n`);
      }
    }
  }
  const pinned = hasTaskset() ? ['0'] : [];
  if (!hasTaskset()) notes.push('same-CPU rows skipped: no taskset');
  for (const cpus of pinned) {
    for (const transport of ['unix', 'tcp']) {
      for (const size of sizes) {
        for (const [server, client] of [['node-ipc', 'node-ipc'], ['libipc', 'node']]) {
          const r = await row(where, server, client, transport, size, counts(args.quick, size, client), cpus);
          results[`${server}|${client}|${transport}|${size}|cpu${cpus}`] = r;
          process.stderr.write(`  [cpu ${cpus}] ${transport} ${size} B ${server} server + ${client} client: ` +
            `${r.rtt_us} µs, ${fmtRate(r.events_per_s)}\n`);
        }
      }
    }
  }
  const sizeName = (s) => (s >= 1 << 20 ? '1 MiB' : s >= 1024 ? `${s / 1024} KiB` : `${s} B`);
  const out = [];
  out.push(`libipc sockets vs node-ipc ${require('node-ipc/package.json').version}` +
    ` (Node ${process.versions.node}, ${os.cpus().length} CPUs${args.quick ? ', --quick: small counts, numbers are not meaningful' : ''})`);
  out.push('');
  out.push('| transport | size | server + client | round trip | events/s |');
  out.push('|---|---|---|---|---|');
  for (const transport of ['unix', 'tcp']) {
    for (const size of sizes) {
      for (const [server, client] of rows) {
        const r = results[`${server}|${client}|${transport}|${size}`];
        if (!r) continue;
        out.push(`| ${transport} | ${sizeName(size)} | ${server} + ${client} | ${r.rtt_us.toFixed(1)} µs | ${fmtRate(r.events_per_s)} |`);
      }
    }
  }
  const ratios = (suffix, title) => {
    if (!results[`node-ipc|node-ipc|unix|64${suffix}`]) return;
    out.push('');
    out.push(title);
    out.push('');
    out.push('| transport | size | events/s ratio | round-trip ratio |');
    out.push('|---|---|---|---|');
    for (const transport of ['unix', 'tcp']) {
      for (const size of sizes) {
        const base = results[`node-ipc|node-ipc|${transport}|${size}${suffix}`];
        const ours = results[`libipc|node|${transport}|${size}${suffix}`];
        out.push(`| ${transport} | ${sizeName(size)} | ${(ours.events_per_s / base.events_per_s).toFixed(1)}x | ` +
          `${(ours.rtt_us / base.rtt_us).toFixed(2)}x |`);
      }
    }
  };
  ratios('', 'Our Node client + our server against node-ipc + node-ipc, placed by the scheduler (targets:\n' +
    'events/s >= 5x at 64 B, >= 100x at 1 MiB; round trip <= 0.5x):');
  if (pinned.length) {
    out.push('');
    out.push('Both processes on one CPU (taskset -c 0):');
    out.push('');
    out.push('| transport | size | server + client | round trip | events/s |');
    out.push('|---|---|---|---|---|');
    for (const transport of ['unix', 'tcp']) {
      for (const size of sizes) {
        for (const [server, client] of [['node-ipc', 'node-ipc'], ['libipc', 'node']]) {
          const r = results[`${server}|${client}|${transport}|${size}|cpu0`];
          out.push(`| ${transport} | ${sizeName(size)} | ${server} + ${client} | ${r.rtt_us.toFixed(1)} µs | ${fmtRate(r.events_per_s)} |`);
        }
      }
    }
    ratios('|cpu0', 'The same ratios, both processes on one CPU:');
  }
  for (const n of notes) out.push(`\n(${n})`);
  process.stdout.write(`${out.join('\n')}\n`);
}

// `read-paths [unix|tcp] [runs]`: the 64 B round trip of node-ipc's pair and
// of libipc + Node with each read path — the I/O thread reading
// (LIBIPC_SOCK_INLINE_READS=0 flips the "inlineReads" default in both
// processes) and inline reads (the default) — in alternating runs, so drift in
// the machine's load hits all three alike; prints each run and the medians.
async function readPaths(args) {
  const where = locate();
  const transport = args._[1] || 'unix';
  const runs = Number(args._[2] || 5);
  const pairs = [
    ['node-ipc + node-ipc', 'node-ipc', 'node-ipc', {}],
    ['libipc + Node, I/O thread reads', 'libipc', 'node', { LIBIPC_SOCK_INLINE_READS: '0' }],
    ['libipc + Node, inline reads', 'libipc', 'node', { LIBIPC_SOCK_INLINE_READS: '1' }],
  ];
  const rtts = pairs.map(() => []);
  for (let i = 0; i < runs; i++) {
    for (const [k, [, server, client, env]] of pairs.entries()) {
      const r = await row(where, server, client, transport, 64, { rtt: 5000, tp: 1000 }, undefined, env);
      rtts[k].push(r.rtt_us);
    }
  }
  const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  const base = median(rtts[0]);
  const out = [`${transport}, 64 B round trip (µs), ${runs} runs:`];
  for (const [k, [name]] of pairs.entries()) {
    out.push(`  ${name.padEnd(34)} ${rtts[k].map((x) => x.toFixed(1)).join(' ')}  median ` +
      `${median(rtts[k]).toFixed(1)}  (${(median(rtts[k]) / base).toFixed(2)}x node-ipc)`);
  }
  process.stdout.write(`${out.join('\n')}\n`);
}

const args = parseArgs(process.argv.slice(2));
if (args._[0] === 'serve-node-ipc') serveNodeIpc(args);
else if (args._[0] === 'read-paths') readPaths(args).catch((e) => fail(e.stack));
else if (args._[0] === 'client') runClient(args).catch((e) => fail(e.stack));
else orchestrate(args).catch((e) => fail(e.stack));
