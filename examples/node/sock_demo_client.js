'use strict';
// The socket demo's second client (examples/sock_demo.sh): libipc's own Node
// API, an EventEmitter.
// Usage: node sock_demo_client.js ID
const { SocketClient } = require('libipc');

const client = new SocketClient({ id: process.argv[2], stopRetrying: true });
client.on('error', (err) => { console.error(`node client: ${err.message}`); process.exitCode = 1; });
client.on('connect', () => client.emit('hello', { from: 'libipc Node' }));
client.on('news', (data) => console.log(`node client: news ${JSON.stringify(data)}`));
client.on('welcome', (data) => {
  console.log(`node client: welcome ${JSON.stringify(data)}`);
  client.emit('bye', {});
  setImmediate(() => client.disconnect());
});
