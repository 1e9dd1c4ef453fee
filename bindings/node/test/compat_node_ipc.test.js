'use strict';
// require('libipc/compat/node_ipc'): @wooddeep/node_ipc's API. The README's
// cluster example (fixtures/node_ipc_cluster.js: master mqCreate("0") +
// mqListen, three cluster workers mqEstablish("0") + mqPublish every 2 s) runs
// with only its require changed; semaphores and segments across processes.
// Names get a unique prefix through LIBIPC_NODE_IPC_PREFIX.
const test = require('node:test');
const assert = require('node:assert/strict');
const path = require('node:path');
const readline = require('node:readline');
const { spawn } = require('node:child_process');
const { MessageQueue, Semaphore, SharedMemory } = require('libipc');
const { track, run, assertIpcError } = require('./helpers');

const CLUSTER = path.join(__dirname, 'fixtures', 'node_ipc_cluster.js');
const CHILD = path.join(__dirname, 'fixtures', 'node_ipc_child.js');

let n = 0;
// A prefix unique to this process; the compat layer's names get it in front.
function prefix() {
  return `ipcnode_nipc_${process.pid}_${n++}_`;
}

// Runs (async) fn with LIBIPC_NODE_IPC_PREFIX set to p for this process and
// its children.
async function withPrefix(p, fn) {
  const old = process.env.LIBIPC_NODE_IPC_PREFIX;
  process.env.LIBIPC_NODE_IPC_PREFIX = p;
  try {
    return await fn();
  } finally {
    if (old === undefined) delete process.env.LIBIPC_NODE_IPC_PREFIX;
    else process.env.LIBIPC_NODE_IPC_PREFIX = old;
  }
}

function runChild(p, ...args) {
  return withPrefix(p, () => run(process.execPath, [CHILD, ...args.map(String)]));
}

const backend = require('libipc/compat/node_ipc');

test('the README cluster example: 3 workers publish, the master receives every message', async () => {
  const p = prefix();
  const queue = track('mq', `${p}0`);
  const master = spawn(process.execPath, [CLUSTER], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, LIBIPC_NODE_IPC_PREFIX: p },
  });
  let stderr = '';
  master.stderr.on('data', (d) => { stderr += d; });
  // The workers inherit the master's stdout: it closes when all of them are gone.
  const outputClosed = new Promise((resolve) => master.stdout.on('close', resolve));
  const exited = new Promise((resolve) => master.on('exit', (code, signal) => resolve({ code, signal })));
  const perWorker = new Map();
  const lines = [];
  let interrupted = false;
  try {
    await new Promise((resolve, reject) => {
      readline.createInterface({ input: master.stdout }).on('line', (line) => {
        lines.push(line);
        const m = /^##\[master:(\d+)\] msg from other process; data\.length = (\d+), data = (.*), time = /.exec(line);
        if (m) {
          assert.equal(Number(m[1]), master.pid);
          const w = /^msg form worker\[(\d+)\]$/.exec(m[3]);
          assert.ok(w, `unexpected data: ${m[3]}`);
          // Ours delivers the string as published (the original: 1024, NUL-padded).
          assert.equal(Number(m[2]), m[3].length);
          perWorker.set(w[1], (perWorker.get(w[1]) || 0) + 1);
          // Two messages from each of the three workers: enough; stop the master
          // the README's way (its SIGINT handler: processExit(), process.exit()).
          if (!interrupted && perWorker.size === 3 && [...perWorker.values()].every((c) => c >= 2)) {
            interrupted = true;
            master.kill('SIGINT');
            resolve();
          }
        }
      }).on('close', () => reject(new Error(`the master's output ended early:\n${lines.join('\n')}\n${stderr}`)));
    });
    assert.equal(lines[0], 'mq create, index: 0');
    assert.ok(!perWorker.has(String(master.pid)));
    const { code, signal } = await exited;
    assert.equal(signal, null, stderr);
    assert.equal(code, 0, stderr);
    await outputClosed;  // the workers exited when the master went away
    // processExit() removed the queue the master created.
    assert.equal(MessageQueue.exists(queue), false);
  } finally {
    if (master.exitCode === null && master.signalCode === null) master.kill('SIGKILL');
  }
});

test('mqCreate / mqListen / mqEstablish / mqPublish across processes, in order, as strings', async () => {
  const p = prefix();
  track('mq', `${p}jobs`);
  const received = [];
  let done;
  const all = new Promise((resolve) => { done = resolve; });
  const texts = ['first', 'héllo ✓ 😀', '', 'x'.repeat(1024)];
  await withPrefix(p, async () => {
    const idx = await backend.mqCreate('jobs');
    assert.equal(typeof idx, 'number');
    backend.mqListen((data) => {
      received.push(data);
      if (received.length === texts.length) done();
    }, idx);
  });
  const r = await runChild(p, 'publish', 'jobs', ...texts);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'published\n');
  await all;
  assert.deepEqual(received, texts);
  await withPrefix(p, () => backend.processExit());
  assert.equal(MessageQueue.exists(`${p}jobs`), false, 'processExit removes the queue this process created');
});

test('mqPublish: too large, unknown index; a full queue waits for room', async () => {
  const p = prefix();
  track('mq', `${p}small`);
  await withPrefix(p, async () => {
    const listen = await backend.mqCreate('small', { capacity: 2, maxMessageSize: 1024 });
    const to = await backend.mqEstablish('small');
    assertIpcError(() => backend.mqPublish(to, 'x'.repeat(1025)), 'IPC_EMSGSIZE');
    assertIpcError(() => backend.mqPublish(99, 'x'), 'IPC_EBADHANDLE');
    await backend.mqPublish(to, 'a');
    await backend.mqPublish(to, 'b');
    const third = backend.mqPublish(to, 'c');  // full: waits without blocking the loop
    const got = [];
    let done;
    const all = new Promise((resolve) => { done = resolve; });
    backend.mqListen((d) => {
      got.push(d);
      if (got.length === 3) done();
    }, listen);
    await third;
    await all;
    assert.deepEqual(got, ['a', 'b', 'c']);
    backend.processExit();
  });
});

test('semCreate / semRequire / semRelease: a unit released by another process', async () => {
  const p = prefix();
  track('sem', `${p}lock`);
  await withPrefix(p, async () => {
    await backend.semCreate('lock');
    assert.equal(await backend.semRequire('lock'), 0);  // takes the one unit
    const second = backend.semRequire('lock');         // waits, the loop keeps running
    const r = await runChild(p, 'sem-release', 'lock');  // opens it lazily, posts
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '0\n');
    assert.equal(await second, 0);
    assert.equal(await backend.semRelease('lock'), 0);
    assert.equal(await backend.semRequire('missing'), 1);
    assert.equal(await backend.semRelease('missing'), 1);
    const s = Semaphore.open(`${p}lock`);
    assert.equal(s.value, 1);
    s.close();
    backend.processExit();
  });
  assert.equal(Semaphore.exists(`${p}lock`), false);
});

test('shmOpen / shmWriteStr / shmReadStr across processes', async () => {
  const p = prefix();
  track('posix', `${p}RustMapping`);
  await withPrefix(p, async () => {
    backend.shmOpen('RustMapping', 1024);
    const r = await runChild(p, 'shm-write', 'RustMapping', 1024, 'helloworld ✓');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(backend.shmReadStr('RustMapping', 0, 1024), 'helloworld ✓');
    backend.shmWriteStr('RustMapping', 0, 'HELLO');  // no terminator, as the original
    assert.equal(backend.shmReadStr('RustMapping', 0, 1024), 'HELLOworld ✓');
    assert.equal(backend.shmReadStr('RustMapping', 5, 5), 'world');
    assert.deepEqual([...backend.shmReadBuf('RustMapping', 0, 2)], [0x48, 0x45]);
    assert.equal(backend.shmReadStr('not-open', 0, 10), null);
    assert.equal(backend.shmWriteStr('not-open', 0, 'x'), undefined);
    backend.processExit();
  });
  assert.equal(SharedMemory.exists(`${p}RustMapping`), false, 'processExit removes the segment this process created');
});
