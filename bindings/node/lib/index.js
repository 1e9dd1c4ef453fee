'use strict';
// libipc for Node.js: shared memory, semaphores and message queues (and, as
// the C ABI grows, sockets) shared by name with C, C++, Python and C# programs
// on the same machine. See docs/node.md.
const native = require('./native');
const { IpcError } = require('./errors');
const { SharedMemory } = require('./shm');
const { ShmStream } = require('./stream');
const { Semaphore } = require('./sem');
const { MessageQueue } = require('./mq');

module.exports = {
  SharedMemory,
  ShmStream,
  Semaphore,
  MessageQueue,
  IpcError,
  // { IPC_OK: 0, IPC_EINVAL: 1, ... } from the C ABI's error list.
  errors: Object.freeze({ ...native.errors }),
  // The loaded libipc.so's version ("0.1.0") and the headers the addon was built with.
  version: native.version,
  headerVersion: native.headerVersion,
  strerror: native.strerror,
};
