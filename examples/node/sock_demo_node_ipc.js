'use strict';
// The socket demo's first client (examples/sock_demo.sh): a node-ipc program,
// written against node-ipc's own API (the seed's README), running on libipc
// with only the require() changed — and the socket root pointed at libipc's
// private one, where the Python server listens.
// Usage: node sock_demo_node_ipc.js ID
const ipc = require('libipc/compat/node-ipc');
const { defaultSocketRoot } = require('libipc');

const id = process.argv[2];
ipc.config.id = 'node-ipc-client';
ipc.config.socketRoot = defaultSocketRoot();
ipc.config.silent = true;
ipc.config.stopRetrying = true;

ipc.connectTo(id, () => {
  const server = ipc.of[id];
  server.on('connect', () => server.emit('hello', { from: 'node-ipc API' }));
  server.on('welcome', (data) => {
    console.log(`node-ipc client: welcome ${JSON.stringify(data)}`);
    server.emit('bye', {});
    setImmediate(() => ipc.disconnect(id));
  });
});
