'use strict';
// Shared by the Node tests: unique names (pid + counter) removed before use and
// after the test file whatever happened; child processes synchronised on their
// output lines and exit, never on timers; a deterministic way to run the GC.
const { after } = require('node:test');
const assert = require('node:assert/strict');
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const v8 = require('node:v8');
const vm = require('node:vm');
const { SharedMemory, Semaphore, MessageQueue } = require('libipc');

const CHILD = path.join(__dirname, 'fixtures', 'child.js');
const C_HELPER = process.env.LIBIPC_TEST_C_HELPER;
const SHM_CHILD = process.env.LIBIPC_TEST_SHM_CHILD;

let counter = 0;
const created = [];  // [kind, name] of everything this file may have created

// kind: a segment kind ('posix', 'file', 'sysv'), 'sem' or 'mq'.
function removeAny(kind, name) {
  if (kind === 'sem') Semaphore.remove(name);
  else if (kind === 'mq') MessageQueue.remove(name);
  else SharedMemory.remove(name, kind);
}

function track(kind, name) {
  created.push([kind, name]);
  try {
    removeAny(kind, name);  // a leftover of an earlier crashed run
  } catch (e) {
    if (e.code !== 'IPC_ENOENT') throw e;
  }
  return name;
}

// A POSIX name unique to this process: ipcnode_<pid>_<n>.
function uniqueName(tag = 't') {
  return track('posix', `ipcnode_${tag}_${process.pid}_${counter++}`);
}

// A semaphore / queue name unique to this process.
function uniqueSem(tag = 's') {
  return track('sem', `ipcnode_${tag}_${process.pid}_${counter++}`);
}

function uniqueMq(tag = 'q') {
  return track('mq', `ipcnode_${tag}_${process.pid}_${counter++}`);
}

// A file path in the temp directory.
function uniqueFile(tag = 'f') {
  return track('file', path.join(os.tmpdir(), `ipcnode_${tag}_${process.pid}_${counter++}.bin`));
}

// A SysV key unique to this process: bit 30 set, pid (< 2^22) and a counter.
function uniqueKey() {
  return track('sysv', 0x40000000 | ((process.pid & 0x3fffff) << 8) | (counter++ & 0xff));
}

function cleanup() {
  for (const [kind, name] of created.splice(0)) {
    try {
      removeAny(kind, name);
    } catch (e) {
      if (e.code !== 'IPC_ENOENT') process.stderr.write(`cleanup ${kind} ${name}: ${e.message}\n`);
    }
  }
}
after(cleanup);
process.on('exit', cleanup);

// Asserts fn throws an IpcError with `code` (and a numeric errno, a detail).
function assertIpcError(fn, code) {
  const { IpcError, errors } = require('libipc');
  assert.throws(fn, (e) => {
    assert.ok(e instanceof IpcError, `expected an IpcError, got ${e && e.stack}`);
    assert.ok(e instanceof Error);
    assert.equal(e.code, code);
    assert.equal(e.errno, errors[code]);
    assert.equal(typeof e.detail, 'string');
    assert.ok(e.message.startsWith(`${code}: `), e.message);
    return true;
  });
}

// A child process with line-oriented stdout: await child.line() for the next
// line, child.send(text) to write a line, await child.exit() for the code.
function start(cmd, args, options = {}) {
  const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...options });
  proc.stdin.on('error', () => {});  // EPIPE: the child may be gone already
  const lines = [];
  const waiters = [];
  let stderr = '';
  let ended = false;
  proc.stderr.on('data', (d) => { stderr += d; });
  readline.createInterface({ input: proc.stdout }).on('line', (l) => {
    if (waiters.length) waiters.shift().resolve(l);
    else lines.push(l);
  }).on('close', () => {
    ended = true;
    for (const w of waiters.splice(0)) w.reject(new Error(`${path.basename(String(args[0] || cmd))} closed its output; stderr: ${stderr}`));
  });
  const exited = new Promise((resolve) => proc.on('exit', (code, signal) => resolve(code === null ? signal : code)));
  return {
    proc,
    get stderr() { return stderr; },
    line() {
      if (lines.length) return Promise.resolve(lines.shift());
      if (ended) return Promise.reject(new Error(`no more output; stderr: ${stderr}`));
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    send(text) { proc.stdin.write(`${text}\n`); },
    async exit() {
      proc.stdin.end();
      return exited;
    },
  };
}

// Runs a child to completion: { code, stdout, stderr }.
function run(cmd, args, input) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    proc.stdin.on('error', () => {});  // EPIPE: a child that does not read its input
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    proc.on('error', reject);
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
    proc.stdin.end(input === undefined ? '' : input);
  });
}

// A Node child running fixtures/child.js with the same Node binary.
function nodeChild(...args) {
  return start(process.execPath, [CHILD, ...args.map(String)]);
}

function runNodeChild(...args) {
  return run(process.execPath, [CHILD, ...args.map(String)]);
}

// Runs the GC (and the immediates where finalizers are delivered) until
// pred() is true, at most `rounds` times. Returns pred().
v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc');
async function collectUntil(pred, rounds = 50) {
  for (let i = 0; i < rounds && !pred(); i++) {
    gc();
    await new Promise(setImmediate);
  }
  return pred();
}

// Is a POSIX segment mapped in this process? (/proc/self/maps names its file.)
function isMapped(name) {
  return fs.readFileSync('/proc/self/maps', 'utf8').split('\n').some((l) => l.includes(`/dev/shm/${name}`));
}

// The pattern tests/c/shm_child.c fills and checks.
function pattern(i) {
  return (i * 7 + 3) % 251;
}

module.exports = {
  uniqueName, uniqueSem, uniqueMq, uniqueFile, uniqueKey, track, assertIpcError, start, run, nodeChild, runNodeChild,
  collectUntil, isMapped, pattern, C_HELPER, SHM_CHILD, gc,
};
