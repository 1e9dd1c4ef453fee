'use strict';
// libipc for Node.js: shared memory, semaphores and message queues shared by
// name with C, C++, Python and C# programs on the same machine, and socket
// messaging (Unix, TCP, TLS, UDP) in node-ipc's wire format. See docs/node.md.
const native = require('./native');
const { IpcError } = require('./errors');
const { SharedMemory } = require('./shm');
const { ShmStream } = require('./stream');
const { Semaphore } = require('./sem');
const { MessageQueue } = require('./mq');
const sock = require('./sock');

module.exports = {
  SharedMemory,
  ShmStream,
  Semaphore,
  MessageQueue,
  SocketServer: sock.SocketServer,
  SocketClient: sock.SocketClient,
  // listen(options) = new SocketServer(options); connect(options) = new SocketClient(options).
  listen: sock.listen,
  connect: sock.connect,
  // The default private Unix socket root, with a trailing '/'.
  defaultSocketRoot: sock.defaultRoot,
  IpcError,
  // { IPC_OK: 0, IPC_EINVAL: 1, ... } from the C ABI's error list.
  errors: Object.freeze({ ...native.errors }),
  // The loaded libipc.so's version ("0.1.0") and the headers the addon was built with.
  version: native.version,
  headerVersion: native.headerVersion,
  strerror: native.strerror,
};
