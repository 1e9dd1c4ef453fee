'use strict';
// TLS: libipc's own options (cert/key/ca/verify/requireClientCert), a
// certificate nobody trusts, mutual TLS; and node-ipc's TLS keys through
// compat/node-ipc, with the real node-ipc as the client. Certificates: the
// throwaway ones tests/sock/make_certs.sh makes in the build tree.
const test = require('node:test');
const assert = require('node:assert/strict');
const fs = require('node:fs');
const path = require('node:path');
const { SocketServer, SocketClient } = require('libipc');
const ipcModule = require('libipc/compat/node-ipc');
const { start } = require('./helpers');
const { track, next, within } = require('./sock_helpers');

const DIR = process.env.LIBIPC_TEST_CERT_DIR;
const skip = DIR && fs.existsSync(path.join(DIR, 'server.pem')) ? false : 'no test certificates (LIBIPC_TEST_CERT_DIR)';
const cert = (name) => path.join(DIR || '', name);
const MODULES = process.env.LIBIPC_NODE_IPC_MODULES;

function tlsServer(tls) {
  return track(new SocketServer({ transport: 'tls', host: '127.0.0.1', port: 0,
    tls: { cert: cert('server.pem'), key: cert('server.key'), ...tls } }));
}

function tlsClient(port, tls) {
  return track(new SocketClient({ transport: 'tls', host: '127.0.0.1', port, stopRetrying: true, tls }));
}

test('TLS: events both ways with a trusted server certificate', { skip, timeout: 20000 }, async () => {
  const s = tlsServer();
  await next(s, 'start');
  const c = tlsClient(s.port, { ca: cert('ca.pem') });
  const [[conn]] = await Promise.all([next(s, 'connect'), next(c, 'connect')]);
  const hi = next(s, 'hello');
  c.emit('hello', { secret: '✓' });
  assert.deepEqual(await hi, [{ secret: '✓' }, conn]);
  const big = next(c, 'big');
  s.emit(conn, 'big', 'x'.repeat(100000));
  assert.equal((await big)[0].length, 100000);
});

test('TLS: an untrusted certificate fails the handshake (IPC_ETLS); verify: false accepts it', { skip, timeout: 20000 }, async () => {
  const s = tlsServer({ cert: cert('rogue.pem'), key: cert('rogue.key') });
  await next(s, 'start');
  s.on('error', () => {});  // the server sees the failed handshake too
  const c = tlsClient(s.port, { ca: cert('ca.pem') });
  const errors = [];
  c.on('error', (e) => errors.push(e.code));
  await next(c, 'destroy');
  assert.deepEqual(errors, ['IPC_ETLS']);
  const ok = tlsClient(s.port, { verify: false });
  await next(ok, 'connect');
});

test('mutual TLS: a client without a certificate is refused, one with it is served', { skip, timeout: 20000 }, async () => {
  const s = tlsServer({ ca: cert('ca.pem'), requireClientCert: true });
  await next(s, 'start');
  s.on('error', () => {});
  const anon = tlsClient(s.port, { ca: cert('ca.pem') });
  const seen = [];
  anon.on('error', (e) => seen.push(e.code));
  anon.on('message', (type) => seen.push(`message ${type}`));
  s.on('message', (type) => assert.fail(`the server got ${type} from a client without a certificate`));
  await next(anon, 'destroy');  // refused: stopRetrying, so it gives up
  assert.ok(!seen.some((x) => x.startsWith('message')), seen.join());
  s.removeAllListeners('message');
  const c = tlsClient(s.port, { ca: cert('ca.pem'), cert: cert('client.pem'), key: cert('client.key') });
  await next(c, 'connect');
  const hi = next(s, 'hi');
  c.emit('hi', 1);
  assert.equal((await hi)[0], 1);
});

test('compat/node-ipc TLS (public/private/trustedConnections): our server, the real node-ipc client', {
  skip: skip || (MODULES ? false : 'no node-ipc (LIBIPC_NODE_IPC_MODULES)'), timeout: 20000,
}, async () => {
  const ipc = new ipcModule.IPC();
  ipc.config.silent = true;
  ipc.config.tls = { public: cert('server.pem'), private: cert('server.key') };
  const started = new Promise((resolve) => ipc.serveNet('127.0.0.1', 1, resolve));
  ipc.server.port = await freePort();
  ipc.server.on('hello', (data, socket) => ipc.server.emit(socket, 'welcome', { to: data.from }));
  ipc.server.start();
  await within(started, 10000, 'compat TLS server');
  // The real node-ipc as a TLS client, with its own config keys.
  const script = `
    const ipc = require('node-ipc');
    ipc.config.silent = true; ipc.config.stopRetrying = true;
    ipc.config.tls = { trustedConnections: [${JSON.stringify(cert('ca.pem'))}], rejectUnauthorized: true };
    ipc.connectToNet('srv', '127.0.0.1', ${ipc.server.port}, () => {
      ipc.of.srv.on('connect', () => ipc.of.srv.emit('hello', { from: 'node-ipc over tls' }));
      ipc.of.srv.on('welcome', (d) => { console.log(JSON.stringify(d)); ipc.disconnect('srv'); });
      ipc.of.srv.on('error', (e) => { console.error(String(e)); process.exit(1); });
    });`;
  const child = start(process.execPath, ['-e', script], { env: { ...process.env, NODE_PATH: MODULES } });
  assert.equal(await within(child.line(), 10000, `node-ipc TLS client; stderr: ${child.stderr}`),
    '{"to":"node-ipc over tls"}');
  assert.equal(await within(child.exit(), 10000, 'node-ipc exit'), 0);
  ipc.server.stop();
});

function freePort() {
  const net = require('node:net');
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
