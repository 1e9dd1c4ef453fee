'use strict';
// The 64 B round trip of the three pairs that matter for the read path, in
// alternating runs (so drift in the machine's load hits all three alike):
//   node-ipc server + node-ipc client
//   libipc server (bench/sock_echo_server) + libipc Node client, the I/O thread reading
//     (LIBIPC_SOCK_INLINE_READS=0 flips the "inlineReads" default for both processes)
//   the same pair with inline reads (the default)
// Prints each run and the medians with their ratio to node-ipc's. Uses
// sock_bench.js's server and client modes; same environment as sock_bench.js:
//   NODE_PATH=build/lib/nodejs:build/npm/node-ipc-9.2.1/node_modules LIBIPC_BUILD_DIR=build \
//     node bench/sock_read_paths.js [unix|tcp] [runs]
const { spawn } = require('node:child_process');
const path = require('node:path');

const bench = path.join(__dirname, 'sock_bench.js');
const build = process.env.LIBIPC_BUILD_DIR || path.join(__dirname, '..', 'build');
const echo = process.env.LIBIPC_SOCK_ECHO_SERVER || path.join(build, 'bin', 'sock_echo_server');

function start(cmd, argv, env) {
  const p = spawn(cmd, argv, { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  let buf = '';
  const waiters = [];
  p.stdout.on('data', (d) => {
    buf += d;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (waiters.length) waiters.shift()(line);
    }
  });
  return { p, line: () => new Promise((resolve) => waiters.push(resolve)) };
}

async function roundTrip(server, client, transport, env) {
  const srv = server === 'node-ipc'
    ? start(process.execPath, [bench, 'serve-node-ipc', '--transport', transport], env)
    : start(echo, ['--transport', transport], env);
  try {
    const at = (await srv.line()).split(' ')[1];
    const cli = start(process.execPath, [bench, 'client', '--impl', client, '--transport', transport,
      transport === 'unix' ? '--path' : '--port', at, '--size', '64', '--rtt-count', '5000', '--tp-count', '1000'], env);
    return JSON.parse(await cli.line()).rtt_us;
  } finally {
    srv.p.stdin.end();
    await new Promise((resolve) => srv.p.on('exit', resolve));
  }
}

(async () => {
  const transport = process.argv[2] || 'unix';
  const runs = Number(process.argv[3] || 5);
  const pairs = {
    'node-ipc + node-ipc': ['node-ipc', 'node-ipc', {}],
    'libipc + Node, I/O thread reads': ['libipc', 'libipc', { LIBIPC_SOCK_INLINE_READS: '0' }],
    'libipc + Node, inline reads': ['libipc', 'libipc', { LIBIPC_SOCK_INLINE_READS: '1' }],
  };
  const results = Object.fromEntries(Object.keys(pairs).map((k) => [k, []]));
  for (let i = 0; i < runs; i++) {
    for (const [name, [server, client, env]] of Object.entries(pairs)) {
      results[name].push(await roundTrip(server, client, transport, env));
    }
  }
  const median = (a) => a.slice().sort((x, y) => x - y)[a.length >> 1];
  const base = median(results['node-ipc + node-ipc']);
  console.log(`${transport}, 64 B round trip (µs), ${runs} runs:`);
  for (const [name, r] of Object.entries(results)) {
    console.log(`  ${name.padEnd(34)} ${r.map((x) => x.toFixed(1)).join(' ')}  median ${median(r).toFixed(1)}` +
      `  (${(median(r) / base).toFixed(2)}x node-ipc)`);
  }
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
