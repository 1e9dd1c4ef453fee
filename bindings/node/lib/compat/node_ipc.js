'use strict';
// require('libipc/compat/node_ipc'): the API of @wooddeep/node_ipc ("ipc for
// nodejs base on share memory and semaphore"), over libipc's Semaphore,
// SharedMemory and MessageQueue. A program written for it runs with only its
// require() changed. See docs/node.md for what differs.
//
//   const backend = require('libipc/compat/node_ipc');
//   const idx = await backend.mqCreate('0');            // master: a queue to listen on
//   backend.mqListen((data) => console.log(data), idx);
//   const to = await backend.mqEstablish('0');          // worker: a queue to publish to
//   backend.mqPublish(to, `msg from worker[${process.pid}]`);
//   await backend.semCreate('lock'); await backend.semRequire('lock'); await backend.semRelease('lock');
//   backend.shmOpen('shared', 1024); backend.shmWriteStr('shared', 0, 'hello'); backend.shmReadStr('shared', 0, 1024);
//   backend.processExit();                              // close everything; remove what we created
//
// NAMES are libipc names (a queue "0" is /dev/shm/ipc-mq.0, a semaphore "lock"
// /dev/shm/ipc-sem.lock, a segment "shared" /dev/shm/shared), so C, C++,
// Python and C# programs can open them too. LIBIPC_NODE_IPC_PREFIX, if set, is
// put in front of every name (the tests use it for unique names).
//
// Every handle is per process, as in the original: each process calls
// mqCreate / mqEstablish / semCreate / shmOpen itself.
const { Semaphore } = require('../sem');
const { MessageQueue } = require('../mq');
const { SharedMemory } = require('../shm');
const { IpcError, invalidArgType } = require('../errors');

// The original's limits: SysV messages of at most 1024 bytes.
const MQ_DEFAULTS = { capacity: 256, maxMessageSize: 1024 };

const sems = new Map();   // name -> Semaphore
const shms = new Map();   // name -> SharedMemory
const listenQueues = [];  // mqCreate's indexes
const sendQueues = [];    // mqEstablish's indexes
const created = [];       // [remove, name] of what this process created

function prefixed(name) {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  return (process.env.LIBIPC_NODE_IPC_PREFIX || '') + name;
}

// Creates (remembering to remove it at processExit) or opens.
function createOrOpen(create, open, remove, name) {
  try {
    const h = create();
    created.push([remove, name]);
    return h;
  } catch (e) {
    if (e.code !== 'IPC_EEXIST') throw e;
    return open();
  }
}

// ---- semaphores: a unit count starting at 1 (a lock) ----

// Creates the semaphore with one unit (or opens an existing one as it is).
async function semCreate(name) {
  const n = prefixed(name);
  if (!sems.has(n)) {
    sems.set(n, createOrOpen(() => Semaphore.create(n, 1), () => Semaphore.open(n), Semaphore.remove, n));
  }
}

// Opens an existing semaphore.
function semOpen(name) {
  const n = prefixed(name);
  if (!sems.has(n)) sems.set(n, Semaphore.open(n));
}

function semClose(name) {
  const n = prefixed(name);
  const s = sems.get(n);
  if (s) {
    sems.delete(n);
    s.close();
  }
}

// A semaphore this process has, or opens now; null if there is none.
function semLookup(name) {
  const n = prefixed(name);
  let s = sems.get(n);
  if (s === undefined) {
    try {
      s = Semaphore.open(n);
    } catch (e) {
      if (e.code === 'IPC_ENOENT') return null;
      throw e;
    }
    sems.set(n, s);
  }
  return s;
}

// Takes a unit, waiting (without blocking the event loop) until there is one.
// 0; 1 if there is no such semaphore.
async function semRequire(name) {
  const s = semLookup(name);
  if (s === null) return 1;
  await s.wait();
  return 0;
}

// Gives a unit back. 0; 1 if there is no such semaphore.
async function semRelease(name) {
  const s = semLookup(name);
  if (s === null) return 1;
  s.post();
  return 0;
}

// ---- shared memory ----

function shmCreate(name, size) {
  const n = prefixed(name);
  if (!shms.has(n)) {
    shms.set(n, createOrOpen(() => SharedMemory.create(n, size), () => SharedMemory.open(n), SharedMemory.remove, n));
  }
}

// Opens the segment, creating it with `size` bytes if there is none.
function shmOpen(name, size) {
  shmCreate(name, size);
}

function shmClose(name) {
  const n = prefixed(name);
  const s = shms.get(n);
  if (s) {
    shms.delete(n);
    s.close();
  }
}

// Writes the string's UTF-8 bytes at `offset` (no terminator, as the
// original). Nothing if the segment is not open in this process.
function shmWriteStr(name, offset, data) {
  const s = shms.get(prefixed(name));
  if (s === undefined) return;
  s.write(typeof data === 'string' ? data : String(data), offset);
}

// The bytes at offset..offset+size up to the first NUL, as UTF-8 text; null if
// the segment is not open in this process.
function shmReadStr(name, offset, size) {
  const buf = shmReadBuf(name, offset, size);
  if (buf === null) return null;
  const end = buf.indexOf(0);
  return buf.toString('utf8', 0, end < 0 ? buf.length : end);
}

// A copy of the bytes at offset..offset+size; null if not open here.
function shmReadBuf(name, offset, size) {
  const s = shms.get(prefixed(name));
  if (s === undefined) return null;
  return s.read(offset, size);
}

// ---- message queues ----

// The queue `topic` to listen on (created if missing): its index for mqListen.
// options (an extension): { capacity, maxMessageSize } if this call creates it.
async function mqCreate(topic, options) {
  const n = prefixed(topic);
  const o = { ...MQ_DEFAULTS, ...options };
  const q = createOrOpen(() => MessageQueue.create(n, o), () => MessageQueue.open(n), MessageQueue.remove, n);
  listenQueues.push(q);
  return listenQueues.length - 1;
}

// Calls callback(data) for every message of queue `index` (from mqCreate), with
// the message as a string exactly as published (the original handed out the
// whole 1024-byte buffer: data.length was always 1024).
function mqListen(callback, index) {
  if (typeof callback !== 'function') throw invalidArgType('callback', 'of type function', callback);
  const q = listenQueues[index];
  if (q === undefined || q.closed) throw IpcError.from('IPC_EBADHANDLE', `no queue with index ${index} (see mqCreate)`);
  q.on('message', (m) => callback(m.data.toString('utf8')));
}

// The queue `topic` to publish to (created if missing): its index for mqPublish.
async function mqEstablish(topic, options) {
  const n = prefixed(topic);
  const q = createOrOpen(() => MessageQueue.create(n, { ...MQ_DEFAULTS, ...options }), () => MessageQueue.open(n),
    MessageQueue.remove, n);
  sendQueues.push(q);
  return sendQueues.length - 1;
}

// Sends `content` (a string, as UTF-8, or bytes) to queue `index` (from
// mqEstablish). Queued at once if there is room; if the queue is full it waits
// for room without blocking the event loop — the returned Promise resolves
// once it is queued (the original's msgsnd blocked the whole process).
function mqPublish(index, content) {
  const q = sendQueues[index];
  if (q === undefined || q.closed) throw IpcError.from('IPC_EBADHANDLE', `no queue with index ${index} (see mqEstablish)`);
  if (typeof content !== 'string' && !ArrayBuffer.isView(content)) content = String(content);
  if (q.trySend(content)) return Promise.resolve();
  const p = q.send(content);
  p.catch(() => {});  // awaited or not: a failure must not become an unhandled rejection
  return p;
}

// Closes every handle of this process (listeners stop, so the process can
// exit) and removes the semaphores, segments and queues this process created.
// Idempotent.
function processExit() {
  for (const q of [...listenQueues, ...sendQueues]) q.close();
  for (const s of sems.values()) s.close();
  for (const s of shms.values()) s.close();
  sems.clear();
  shms.clear();
  for (const [remove, name] of created.splice(0)) {
    try {
      remove(name);
    } catch (e) {
      if (e.code !== 'IPC_ENOENT') throw e;
    }
  }
}

module.exports = {
  semCreate, semOpen, semClose, semRequire, semRelease,
  shmCreate, shmOpen, shmClose, shmWriteStr, shmReadStr, shmReadBuf,
  mqCreate, mqListen, mqEstablish, mqPublish,
  processExit,
};
