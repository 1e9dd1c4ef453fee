'use strict';
// Shared by the socket tests: unique ids and paths (pid + counter) whose
// socket files are removed after the file whatever happened, events awaited
// with a timeout (a failure, never a hang), sockets closed after each file.
const { after } = require('node:test');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { defaultSocketRoot } = require('libipc');

let counter = 0;
const files = [];
const open = new Set();

// An id unique to this process; its socket file (in the default root) is
// removed after the test file.
function uniqueId(tag = 'k') {
  const id = `ipcnode_${tag}_${process.pid}_${counter++}`;
  files.push(path.join(defaultSocketRoot(), `app.${id}`));
  return id;
}

// A socket root of our own under the temp directory (for node-ipc, which
// composes root + 'app.' + id), removed afterwards.
function uniqueRoot(tag = 'r') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `ipcnode_${tag}_${process.pid}_`));
  files.push(dir);
  return dir + '/';
}

function track(sock) {
  open.add(sock);
  return sock;
}

function cleanup() {
  for (const s of open) {
    try { s.close(); } catch { /* closed */ }
  }
  open.clear();
  for (const f of files.splice(0)) fs.rmSync(f, { recursive: true, force: true });
}
after(cleanup);
process.on('exit', cleanup);

// Resolves with the arguments of the next `event` on `emitter`; rejects after
// `ms`, or on an 'error' event that nobody else listens to (a test that
// expects errors listens to them itself).
function next(emitter, event, ms = 10000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanupListeners();
      reject(new Error(`timed out after ${ms} ms waiting for '${event}'`));
    }, ms);
    const onEvent = (...args) => {
      cleanupListeners();
      resolve(args);
    };
    const onError = (e) => {
      if (emitter.listenerCount('error') > 1) return;
      cleanupListeners();
      reject(e);
    };
    function cleanupListeners() {
      clearTimeout(timer);
      emitter.removeListener(event, onEvent);
      if (event !== 'error') emitter.removeListener('error', onError);
    }
    emitter.on(event, onEvent);
    if (event !== 'error') emitter.on('error', onError);
  });
}

// Collects `n` calls of `event` (their argument lists), with a timeout.
function collect(emitter, event, n, ms = 10000) {
  return new Promise((resolve, reject) => {
    const got = [];
    const timer = setTimeout(() => {
      emitter.removeListener(event, on);
      reject(new Error(`timed out after ${ms} ms: ${got.length} of ${n} '${event}' events`));
    }, ms);
    function on(...args) {
      got.push(args);
      if (got.length === n) {
        clearTimeout(timer);
        emitter.removeListener(event, on);
        resolve(got);
      }
    }
    emitter.on(event, on);
  });
}

// A promise with a timeout.
function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise,
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms); }),
  ]).finally(() => clearTimeout(timer));
}

module.exports = { uniqueId, uniqueRoot, track, next, collect, within };
