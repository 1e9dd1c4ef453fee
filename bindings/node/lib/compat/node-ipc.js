'use strict';
// require('libipc/compat/node-ipc'): node-ipc's API (the npm package
// `node-ipc`, README in /work/shared/seeds/004_*; behaviour of 9.2.1) over
// libipc's SocketServer and SocketClient. A node-ipc program runs with only
// its require() changed, and talks to unmodified node-ipc programs: same
// wire format, same defaults (socketRoot '/tmp/', appspace 'app.', retry
// 500 ms, maxRetries Infinity, networkHost 127.0.0.1, networkPort 8000).
//
//   const ipc = require('libipc/compat/node-ipc');
//   ipc.config.id = 'world';
//   ipc.serve(() => ipc.server.on('message', (data, socket) => ipc.server.emit(socket, 'message', data + ' world!')));
//   ipc.server.start();
//
//   ipc.connectTo('world', () => {
//     ipc.of.world.on('connect', () => ipc.of.world.emit('message', 'hello'));
//     ipc.of.world.on('message', (data) => ipc.log('got', data));
//   });
//
// What node-ipc does, this does: events are published to handlers
// registered with on(type, handler) (and a '*' handler gets (type, ...args),
// as node-ipc's ES6 event-pubsub does); server handlers get (data, socket),
// client handlers (data); 'connect', 'disconnect', 'destroy', 'error',
// 'socket.disconnected' (socket, destroyedSocketId), 'start', 'data' (raw
// mode: a Buffer). A message whose data has an `id` sets socket.id. An error
// with no handler is not thrown (node-ipc's emitter does not throw).
// Data that is falsy but not false or 0 is sent as {} (node-ipc's rule).
//
// DIFFERENCES (docs/node.md): server.stop() closes the connections too
// (node-ipc's stops only accepting); a server in TLS mode needs
// config.tls.public/private (node-ipc falls back to its bundled demo
// certificates); config.interface, readableAll/writableAll, logInColor are
// accepted and ignored; server.emit('type', data) without a socket
// broadcasts (node-ipc's README example does that; node-ipc itself would throw).
const os = require('node:os');
const util = require('node:util');
const { SocketServer, SocketClient } = require('../sock');

// ---- node-ipc's event emitter (event-pubsub 4) ----

class PubSub {
  constructor() {
    Object.defineProperty(this, '_events_', { value: {}, writable: true });
  }

  on(type, handler, once) {
    if (!handler) throw new ReferenceError('handler not defined.');
    if (!this._events_[type]) this._events_[type] = [];
    if (once) handler._once_ = once;
    this._events_[type].push(handler);
    return this;
  }

  once(type, handler) { return this.on(type, handler, true); }

  off(type, handler) {
    if (!this._events_[type]) return this;
    if (!handler) {
      throw new ReferenceError('handler not defined. if you wish to remove all handlers from the event please pass "*" as the handler');
    }
    if (handler === '*') {
      delete this._events_[type];
      return this;
    }
    const handlers = this._events_[type];
    while (handlers.includes(handler)) handlers.splice(handlers.indexOf(handler), 1);
    if (handlers.length < 1) delete this._events_[type];
    return this;
  }

  // Calls the handlers of `type` here (node-ipc's publish / trigger).
  publish(type, ...args) {
    const handlers = this._events_[type];
    if (handlers) {
      for (const handler of handlers.slice()) {
        if (handler._once_) this.off(type, handler);
        handler.apply(this, args);
      }
    }
    const all = this._events_['*'];
    if (all) for (const handler of all.slice()) handler.call(this, type, ...args);
    return this;
  }

  trigger(type, ...args) { return this.publish(type, ...args); }
  subscribe(type, handler) { return this.on(type, handler); }
  unSubscribe(type, handler) { return this.off(type, handler); }
}

// node-ipc's message formatting rule for data.
function wireData(data) {
  if (!data && data !== false && data !== 0) return {};
  if (data && typeof data === 'object' && data._maxListeners) return {};
  return data;
}

// ---- config (node-ipc's Defaults) ----

class Defaults {
  constructor() {
    this.appspace = 'app.';
    this.socketRoot = '/tmp/';
    this.id = os.hostname();
    this.encoding = 'utf8';
    this.rawBuffer = false;
    this.sync = false;
    this.unlink = true;
    this.delimiter = '\f';
    this.silent = false;
    this.logDepth = 5;
    this.logInColor = true;
    this.logger = console.log.bind(console);
    this.maxConnections = 100;
    this.retry = 500;
    this.maxRetries = Infinity;
    this.stopRetrying = false;
    this.IPType = '';
    this.tls = false;
    this.networkHost = '127.0.0.1';
    this.networkPort = 8000;
    this.readableAll = false;
    this.writableAll = false;
    this.interface = { localAddress: false, localPort: false, family: false, hints: false, lookup: false };
  }
}

// node-ipc's tls keys -> libipc's "tls" options.
function tlsOptions(tls, server) {
  const out = {};
  if (tls.public) out.cert = tls.public;
  if (tls.private) out.key = tls.private;
  if (tls.trustedConnections) out.ca = tls.trustedConnections;
  if (tls.rejectUnauthorized === false) out.verify = false;
  if (server && tls.requestCert) out.requireClientCert = tls.rejectUnauthorized !== false;
  if (!server && tls.servername) out.servername = tls.servername;
  return out;
}

// Options every endpoint takes from config.
function common(config) {
  const o = {};
  if (config.rawBuffer) o.raw = true;
  return o;
}

// ---- the server ----

// What a server handler gets as `socket`: one connection (or, for UDP, the
// sender's { address, port }). Pass it back to server.emit().
class CompatSocket {
  constructor(server, conn, address) {
    this._server = server;
    this.conn = conn;
    this.remoteAddress = address;
    this.destroyed = false;
    this.readable = true;
    this.writable = true;
    const m = /^\[?(.*?)\]?:(\d+)$/.exec(address || '');
    if (m) {
      this.address = m[1];
      this.port = Number(m[2]);
      this.remotePort = this.port;
      this.remoteAddress = m[1];
    }
  }

  // Writes frames (text formatted as node-ipc does) or, in raw mode, bytes.
  write(data) {
    const s = this._server._native;
    if (s === null || this.destroyed) return false;
    if (s._raw) return s.send(this.conn, data);
    s._queue(this.conn, typeof data === 'string' ? data : Buffer.from(data).toString());
    return true;
  }

  destroy() {
    const s = this._server._native;
    if (s !== null && !this.destroyed) {
      try {
        s.disconnect(this.conn);
      } catch {
        // already gone
      }
    }
  }

  end() { this.destroy(); }
}

class Server extends PubSub {
  constructor(path, config, log, port, udp) {
    super();
    this.config = config;
    this.path = path;
    this.port = port;
    this.udp4 = udp === 'udp4';
    this.udp6 = udp === 'udp6';
    this.log = log;
    this.server = false;
    this.sockets = [];
    // node-ipc < 9 had these; the README's UDP example still sets them.
    this.define = { listen: {}, broadcast: {} };
    Object.defineProperty(this, '_native', { value: null, writable: true });
    Object.defineProperty(this, '_byConn', { value: new Map(), writable: true });
  }

  start() {
    if (!this.path) {
      this.log('Socket Server Path not specified, refusing to start');
      return;
    }
    if (this._native !== null) return;
    const config = this.config;
    const opts = common(config);
    opts.maxConnections = config.maxConnections;
    if (this.port === undefined || this.port === false) {
      opts.transport = 'unix';
      opts.path = this.path;
      opts.unlink = config.unlink !== false;
    } else if (this.udp4 || this.udp6) {
      opts.transport = this.udp4 ? 'udp4' : 'udp6';
      opts.host = this.udp4 && this.path === '::1' ? '127.0.0.1' : this.path;
      opts.port = this.port;
    } else {
      opts.transport = config.tls ? 'tls' : 'tcp';
      opts.host = this.path;
      opts.port = this.port;
      if (config.tls) opts.tls = tlsOptions(config.tls, true);
    }
    this.log('starting server on ', this.path, this.port ? `:${this.port}` : '');
    let s;
    try {
      s = new SocketServer(opts);
    } catch (e) {
      this.log('server error', e);
      process.nextTick(() => this.publish('error', e));
      return;
    }
    this._native = s;
    this.server = s;
    s.on('start', () => this.publish('start', this.udp4 || this.udp6 ? { address: opts.host, port: s.port } : undefined));
    s.on('error', (err) => {
      this.log('server error', err);
      this.publish('error', err);
    });
    s.on('connect', (conn, address) => {
      const sock = this._socket(conn, address);
      this.log('## socket connection to server detected ##');
      this.publish('connect', sock);
    });
    s.on('disconnect', (conn) => {
      const sock = this._byConn.get(conn);
      if (sock === undefined) return;
      this._byConn.delete(conn);
      const i = this.sockets.indexOf(sock);
      if (i >= 0) this.sockets.splice(i, 1);
      sock.destroyed = true;
      sock.readable = false;
      sock.writable = false;
      this.log('socket disconnected', String(sock.id || false));
      this.publish('socket.disconnected', sock, sock.id || false);
    });
    s.on('message', (type, data, conn) => {
      const sock = this._byConn.get(conn) || this._socket(conn, s._conns.get(conn) || '');
      if (data && data.id) sock.id = data.id;
      this.log('received event of : ', type, data);
      this.publish(type, data, sock);
    });
    s.on('data', (buf, conn) => {
      const sock = this._byConn.get(conn) || this._socket(conn, s._conns.get(conn) || '');
      this.publish('data', buf, sock);
    });
  }

  stop() {
    const s = this._native;
    if (s === null) return;
    this._native = null;
    this.server = false;
    for (const sock of this.sockets.splice(0)) {
      sock.destroyed = true;
      this.publish('socket.disconnected', sock, sock.id || false);
    }
    this._byConn.clear();
    s.close();
  }

  // emit(socket, type, data). UDP: socket is { address, port }; without them
  // (or with a string first argument, as in node-ipc's README) a broadcast.
  emit(socket, type, data) {
    this.log('dispatching event to socket', ' : ', type, data);
    const s = this._native;
    if (s === null) return;
    if (typeof socket === 'string' || socket === undefined || socket === null) {
      this.broadcast(socket, type);
      return;
    }
    let conn;
    if (socket instanceof CompatSocket) {
      conn = socket.conn;
    } else if (this.udp4 || this.udp6) {
      if (!socket.address || !socket.port) {
        this.log('Attempting to emit to a single UDP socket without supplying socket address or port. Redispatching event as broadcast to all connected sockets');
        this.broadcast(type, data);
        return;
      }
      conn = s.peer(socket.address, socket.port);
    } else {
      return;
    }
    try {
      if (this.config.rawBuffer) s.send(conn, Buffer.from(type, this.config.encoding));
      else s.emit(conn, String(type), wireData(data));
    } catch (e) {
      this.log('error writing to socket', e);
      process.nextTick(() => this.publish('error', e));
    }
  }

  broadcast(type, data) {
    this.log('broadcasting event to all known sockets listening to ', this.path, ' : ', this.port || '', type, data);
    const s = this._native;
    if (s === null) return;
    try {
      if (this.config.rawBuffer) s.send(-1, Buffer.from(type, this.config.encoding));
      else s.broadcast(String(type), wireData(data));
    } catch (e) {
      process.nextTick(() => this.publish('error', e));
    }
  }

  _socket(conn, address) {
    const sock = new CompatSocket(this, conn, address);
    this._byConn.set(conn, sock);
    if (!this.udp4 && !this.udp6) this.sockets.push(sock);
    return sock;
  }
}

// ---- a client: ipc.of[id] ----

class Client extends PubSub {
  constructor(config, log) {
    super();
    this.config = config;
    this.log = log;
    this.id = undefined;
    this.path = undefined;
    this.port = undefined;
    this.socket = false;
    this.explicitlyDisconnected = false;
    Object.defineProperty(this, '_queue', { value: [], writable: true });
    Object.defineProperty(this, '_busy', { value: false, writable: true });
  }

  connect() {
    const config = this.config;
    this.log('requested connection to ', this.id, this.path);
    if (!this.path) {
      this.log('\n\n######\nerror: ', this.id, ' client has not specified socket path it wishes to connect to.');
      return;
    }
    const opts = common(config);
    opts.retry = config.retry;
    if (config.stopRetrying) opts.stopRetrying = true;
    if (config.maxRetries !== Infinity) opts.maxRetries = config.maxRetries > 0 ? Math.floor(config.maxRetries) : 0;
    if (this.port === undefined || this.port === false) {
      opts.transport = 'unix';
      opts.path = this.path;
    } else {
      opts.transport = config.tls ? 'tls' : 'tcp';
      opts.host = this.path;
      opts.port = this.port;
      if (config.tls) opts.tls = tlsOptions(config.tls, false);
    }
    const c = new SocketClient(opts);
    // node-ipc's client.socket: here the libipc client (destroyed once given up).
    this.socket = c;
    c.destroyed = false;
    c.on('connect', () => {
      this.log('retrying reset');
      this.publish('connect');
    });
    c.on('disconnect', () => {
      this.log('connection closed', this.id, this.path);
      this.publish('disconnect');
    });
    c.on('destroy', () => {
      c.destroyed = true;
      this.publish('destroy');
    });
    c.on('error', (err) => {
      this.log('\n\n######\nerror: ', err);
      this.publish('error', err);
    });
    c.on('message', (type, data) => {
      this.log('detected event', type, data);
      this.publish(type, data);
      this._next();
    });
    c.on('data', (buf) => {
      this.publish('data', buf);
      this._next();
    });
  }

  emit(type, data) {
    this.log('dispatching event to ', this.id, this.path, ' : ', type, ',', data);
    if (!this.config.sync) {
      this._send(type, data);
      return;
    }
    // sync: one event in flight; the next goes when something comes back.
    this._queue.push([type, data]);
    if (!this._busy) this._next();
  }

  _next() {
    if (!this.config.sync) return;
    const item = this._queue.shift();
    if (item === undefined) {
      this._busy = false;
      return;
    }
    this._busy = true;
    this._send(item[0], item[1]);
  }

  _send(type, data) {
    const c = this.socket;
    if (!c) return;
    try {
      if (this.config.rawBuffer) c.send(Buffer.isBuffer(type) ? type : Buffer.from(type, this.config.encoding));
      else c.emit(String(type), wireData(data));
    } catch (e) {
      // node-ipc writes to a destroyed socket, which reports an error event.
      process.nextTick(() => this.publish('error', e));
    }
  }
}

// ---- the IPC object ----

function emptyCallback() {}

class IPC {
  constructor() {
    Object.defineProperties(this, {
      config: { enumerable: true, writable: true, value: new Defaults() },
      connectTo: { enumerable: true, writable: false, value: connectTo },
      connectToNet: { enumerable: true, writable: false, value: connectToNet },
      disconnect: { enumerable: true, writable: false, value: disconnect },
      serve: { enumerable: true, writable: false, value: serve },
      serveNet: { enumerable: true, writable: false, value: serveNet },
      of: { enumerable: true, writable: true, value: {} },
      server: { enumerable: true, writable: true, configurable: true, value: false },
      log: { enumerable: true, writable: false, value: log },
    });
  }
}

function log(...args) {
  if (this.config.silent) return;
  for (let i = 0; i < args.length; i++) {
    if (typeof args[i] !== 'object') continue;
    args[i] = util.inspect(args[i], { depth: this.config.logDepth, colors: this.config.logInColor });
  }
  this.config.logger(args.join(' '));
}

function disconnect(id) {
  const c = this.of[id];
  if (!c) return;
  c.explicitlyDisconnected = true;
  c.off('*', '*');
  if (c.socket) c.socket.disconnect();
  delete this.of[id];
}

function serve(path, callback) {
  if (typeof path === 'function') {
    callback = path;
    path = false;
  }
  if (!path) {
    this.log('Server path not specified, so defaulting to', 'ipc.config.socketRoot + ipc.config.appspace + ipc.config.id',
      this.config.socketRoot + this.config.appspace + this.config.id);
    path = this.config.socketRoot + this.config.appspace + this.config.id;
  }
  if (!callback) callback = emptyCallback;
  this.server = new Server(path, this.config, this.log.bind(this));
  this.server.on('start', callback);
}

function serveNet(host, port, UDPType, callback) {
  if (typeof host === 'number') {
    callback = UDPType;
    UDPType = port;
    port = host;
    host = false;
  }
  if (typeof host === 'function') {
    callback = host;
    UDPType = false;
    host = false;
    port = false;
  }
  if (!host) {
    this.log('Server host not specified, so defaulting to', 'ipc.config.networkHost', this.config.networkHost);
    host = this.config.networkHost;
  }
  if (host.toLowerCase() === 'udp4' || host.toLowerCase() === 'udp6') {
    callback = port;
    UDPType = host.toLowerCase();
    port = false;
    host = this.config.networkHost;
  }
  if (typeof port === 'string') {
    callback = UDPType;
    UDPType = port;
    port = false;
  }
  if (typeof port === 'function') {
    callback = port;
    UDPType = false;
    port = false;
  }
  if (!port) {
    this.log('Server port not specified, so defaulting to', 'ipc.config.networkPort', this.config.networkPort);
    port = this.config.networkPort;
  }
  if (typeof UDPType === 'function') {
    callback = UDPType;
    UDPType = false;
  }
  if (!callback) callback = emptyCallback;
  this.server = new Server(host, this.config, this.log.bind(this), port, UDPType || undefined);
  this.server.on('start', callback);
}

function connectTo(id, path, callback) {
  if (typeof path === 'function') {
    callback = path;
    path = false;
  }
  if (!callback) callback = emptyCallback;
  if (!id) {
    this.log('Service id required', 'Requested service connection without specifying service id. Aborting connection attempt');
    return;
  }
  if (!path) {
    this.log('Service path not specified, so defaulting to', 'ipc.config.socketRoot + ipc.config.appspace + id',
      this.config.socketRoot + this.config.appspace + id);
    path = this.config.socketRoot + this.config.appspace + id;
  }
  openClient.call(this, id, path, undefined, callback);
}

// The end of connectTo and connectToNet (node-ipc's): reuse a live client of
// that id, else replace it with a new one connecting to path (host) and port.
function openClient(id, path, port, callback) {
  if (this.of[id]) {
    if (this.of[id].socket && !this.of[id].socket.destroyed) {
      this.log('Already Connected to', id, '- So executing success without connection');
      callback();
      return;
    }
    if (this.of[id].socket) this.of[id].socket.close();
  }
  const c = new Client(this.config, this.log.bind(this));
  c.id = id;
  c.path = path;
  if (port !== undefined) c.port = port;
  this.of[id] = c;
  c.connect();
  callback(this);
}

function connectToNet(id, host, port, callback) {
  if (!id) {
    this.log('Service id required', 'Requested service connection without specifying service id. Aborting connection attempt');
    return;
  }
  if (typeof host === 'number') {
    callback = port;
    port = host;
    host = false;
  }
  if (typeof host === 'function') {
    callback = host;
    host = false;
    port = false;
  }
  if (!host) {
    this.log('Server host not specified, so defaulting to', 'ipc.config.networkHost', this.config.networkHost);
    host = this.config.networkHost;
  }
  if (typeof port === 'function') {
    callback = port;
    port = false;
  }
  if (!port) {
    this.log('Server port not specified, so defaulting to', 'ipc.config.networkPort', this.config.networkPort);
    port = this.config.networkPort;
  }
  if (!callback) callback = emptyCallback;
  openClient.call(this, id, host, port, callback);
}

class IPCModule extends IPC {
  constructor() {
    super();
    Object.defineProperty(this, 'IPC', { enumerable: true, writable: false, value: IPC });
  }
}

module.exports = new IPCModule();
