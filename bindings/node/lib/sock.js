'use strict';
// SocketServer and SocketClient: event messaging over Unix sockets, TCP, TLS
// and UDP in node-ipc's wire format (c_api/include/ipc/sock.h, ipc_sock_*), so
// they talk to node-ipc programs and to libipc programs in every language.
//
//   const { SocketServer, SocketClient } = require('libipc');
//   const server = new SocketServer({ id: 'world' });      // listening on return
//   server.on('hello', (data, conn) => server.emit(conn, 'welcome', { to: data.from }));
//   const client = new SocketClient({ id: 'world' });      // connects in the background
//   client.on('connect', () => client.emit('hello', { from: 'me' }));
//   client.on('welcome', (data) => { client.disconnect(); server.close(); });
//
// OPTIONS are the C ABI's (sock.h, OPTIONS): transport, path, id, appspace,
// socketRoot, host, port, unlink, raw, maxConnections, maxFrame, maxWriteQueue,
// maxEventQueue, retry, maxRetries, stopRetrying, backoff, retryMax, tls. They
// go to libipc as JSON, so a typo is an IpcError IPC_EINVAL. The Unix socket
// root defaults to a private 0700 directory (defaultRoot()), not node-ipc's
// '/tmp/' (which libipc/compat/node-ipc keeps).
//
// EVENTS. 'start' (server listening), 'connect' (server: conn, address;
// client: no arguments), 'disconnect' (server: conn; client: none), 'destroy'
// (client: no more reconnects; the handle closes itself after it), 'error'
// (an IpcError with `code` and `conn`), 'message' (type, data, conn) for every
// user event and, node-ipc style, the user type itself as an event name
// (data, conn) — except the names this class uses itself (RESERVED below),
// which arrive through 'message' only. Raw mode ({ raw: true }): 'data'
// (Buffer, conn). 'drain' (conn) after an emit returned false. 'close' after
// close().
//
// DATA is any JSON value: emit() sends JSON.stringify(data) (undefined, a
// function or a symbol sends {} as node-ipc does for no data) and a received
// event's data is JSON.parse()d. A value JSON.stringify refuses (a BigInt, a
// cycle) throws from emit().
//
// SENDING IS BATCHED. emit() formats node-ipc's frame here and appends it to a
// pending batch; the batch goes to libipc in one call (ipc_sock_emit_frames)
// at the end of the current job (a microtask) or as soon as it passes 64 KiB.
// Emits to one connection keep their order, broadcasts included.
//
// BACKPRESSURE (never a silent loss). libipc refuses an emit to a connection
// whose write queue is over maxWriteQueue (IPC_EAGAIN). Then this class holds
// that connection's frames itself, in order, and emit() returns false until
// libipc has drained the queue below half (its DRAIN event), the held frames
// have gone out and 'drain' (conn) is emitted. What is held is bounded: an
// emit that would hold more than maxWriteQueue bytes for one connection
// throws IpcError IPC_EAGAIN and sends nothing. (So a producer that waits for
// 'drain' after a false keeps libipc's queue between half and full: the
// connection never runs dry while the producer sleeps.) A broadcast never
// blocks: as libipc does for its own broadcasts, a reader whose held frames
// would pass maxWriteQueue is disconnected (an 'error' with IPC_ENOSPC for
// it, then 'disconnect').
// Frames for a connection that has gone are dropped with it (its 'disconnect'
// event says so), as with any socket.
//
// THE EVENT LOOP. An open server or client keeps the process alive, as a
// net.Server or a net.Socket does; close() (and, for a client, disconnect(),
// once its 'destroy' has come) lets it exit. unref() / ref() as in net.
// Events come through libipc's notify (a libipc thread) and a
// ThreadSafeFunction; this thread then takes them in batches of up to
// BATCH_EVENTS without waiting, at most TURN_BUDGET per event-loop turn.
const EventEmitter = require('node:events');
const native = require('./native');
const { IpcError, invalidArgType } = require('./errors');
const W = require('./waiting');

const K = native.sockEvents;
const E = native.errors;
const ALL = -1;                    // IPC_SOCK_ALL
const BATCH_EVENTS = 1024;         // events taken per native call
const TURN_BUDGET = 16384;         // events delivered per event-loop turn, at most
const FLUSH_AT = 64 * 1024;        // pending frames (UTF-16 units) sent at once past this
const DEFAULT_MAX_WRITE = 16 * 1024 * 1024;
// String data this long goes out through the addon's emitString(), which
// writes the JSON string literal itself: JSON.stringify of a 1 MiB string
// costs 1.2-2.9 ms in Node 20-24, several times the addon's cost.
const BIG_STRING = 16 * 1024;
// Event names of the class itself; a user event with one of these types is
// delivered through 'message' only.
const RESERVED = new Set(['start', 'connect', 'disconnect', 'destroy', 'error', 'message', 'data', 'drain',
  'close', 'newListener', 'removeListener']);
const ACTIVE = new Set();          // open sockets: kept from the GC while open
const typeJson = new Map();        // JSON.stringify(type), for the frequent types
const emitLocal = EventEmitter.prototype.emit;

function typeText(type) {
  if (typeof type !== 'string') throw invalidArgType('type', 'of type string', type);
  let t = typeJson.get(type);
  if (t === undefined) {
    t = JSON.stringify(type);
    if (typeJson.size < 1024) typeJson.set(type, t);
  }
  return t;
}

function frameOf(type, data) {
  const t = typeText(type);
  let d = data === undefined ? undefined : JSON.stringify(data);
  if (d === undefined) d = '{}';
  return '{"type":' + t + ',"data":' + d + '}\f';
}

function bytesArg(data) {
  if (typeof data === 'string' || ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data;
  throw invalidArgType('data', 'a string, Buffer, TypedArray, DataView or ArrayBuffer', data);
}

function optionsJson(options) {
  if (options === undefined || options === null) return [{}, '{}'];
  if (typeof options !== 'object' || Array.isArray(options)) throw invalidArgType('options', 'of type object', options);
  return [options, JSON.stringify(options)];
}

// Frames libipc refused for one connection (IPC_EAGAIN), in order, until its
// DRAIN: frame texts, and large string data kept as { t, data } so that the
// addon frames it when it goes (not JSON.stringify).
class Held {
  constructor() {
    this.parts = [];
    this.size = 0;  // UTF-16 units
  }

  addText(text) {
    const n = this.parts.length;
    if (n > 0 && typeof this.parts[n - 1] === 'string') this.parts[n - 1] += text;
    else this.parts.push(text);
    this.size += text.length;
  }

  addBig(t, data) {
    this.parts.push({ t, data });
    this.size += data.length;
  }
}

// What SocketServer and SocketClient share: the native handle, the event
// pump, the batched writer.
class SocketBase extends EventEmitter {
  constructor(options, open, what) {
    super();
    const [opts, json] = optionsJson(options);
    W.hookExit();
    this._what = what;
    this._raw = opts.raw === true;
    this._udp = opts.transport === 'udp4' || opts.transport === 'udp6';
    this._maxWrite = typeof opts.maxWriteQueue === 'number' && opts.maxWriteQueue > 0 ? opts.maxWriteQueue : DEFAULT_MAX_WRITE;
    this._segs = [];           // [{ conn, text }] pending, in emit order
    this._pendingUnits = 0;
    this._flushQueued = false;
    this._held = new Map();    // conn -> Held: what libipc refused (IPC_EAGAIN), in order
    this._batch = null;        // events taken and not yet delivered
    this._bi = 0;
    this._armed = false;
    this._immediate = null;
    this._refed = true;
    this._flushBound = () => this._flush();
    this._h = open(json, W.dispatcher(new WeakRef(this)));
    ACTIVE.add(this);
    this._h.ref();
    this._armed = true;
    this._h.arm();
  }

  get closed() { return this._h === null; }

  // Keeps / stops keeping the process alive (as net.Server#ref/unref).
  ref() {
    this._refed = true;
    if (this._h !== null) this._h.ref();
    return this;
  }

  unref() {
    this._refed = false;
    if (this._h !== null) this._h.unref();
    return this;
  }

  _handle() {
    if (this._h === null) throw IpcError.from('IPC_EBADHANDLE', `${this._what} is closed`);
    return this._h;
  }

  // Hands what is pending to libipc; then closes. Events not yet delivered are
  // dropped; 'close' follows on the next tick. Idempotent.
  close() {
    const h = this._h;
    if (h === null) return;
    try {
      this._flush();
    } catch {
      // closing anyway
    }
    this._h = null;
    ACTIVE.delete(this);
    this._batch = null;
    this._held.clear();
    if (this._immediate !== null) clearImmediate(this._immediate);
    this._immediate = null;
    h.close();  // stops the notify thread, closes the socket(s)
    process.nextTick(() => emitLocal.call(this, 'close'));
  }

  // ---- writing ----

  // Appends one frame (or raw bytes as a string) for `conn` to the batch.
  _queue(conn, text) {
    this._checkHeld(conn, text.length);
    const segs = this._segs;
    const last = segs.length > 0 ? segs[segs.length - 1] : null;
    if (last !== null && last.conn === conn) last.text += text;
    else segs.push({ conn, text });
    this._pendingUnits += text.length;
    if (this._pendingUnits >= FLUSH_AT) this._flush();
    else if (!this._flushQueued) {
      this._flushQueued = true;
      queueMicrotask(this._flushBound);
    }
    return conn === ALL ? this._held.size === 0 : !this._held.has(conn);
  }

  // Throws IPC_EAGAIN if holding `units` more for conn would pass maxWriteQueue.
  _checkHeld(conn, units) {
    const held = this._held.get(conn);
    if (held !== undefined && held.size + units > this._maxWrite) {
      throw IpcError.from('IPC_EAGAIN', `${this._what}: ${held.size} characters already wait for connection ${conn} ` +
        `(maxWriteQueue ${this._maxWrite}); wait for 'drain'`);
    }
  }

  _hold(conn) {
    let held = this._held.get(conn);
    if (held === undefined) {
      held = new Held();
      this._held.set(conn, held);
    }
    return held;
  }

  // A large string as data: what is pending goes first, then the addon frames
  // this one; for a connection held back, it joins the held frames.
  _queueBig(conn, type, data) {
    const t = typeText(type);
    if (conn !== ALL) this._checkHeld(conn, data.length);
    this._flush();
    if (conn === ALL && this._held.size > 0) {
      for (const c of [...this._connIds()]) this._big(c, t, data, true);
      return this._held.size === 0;
    }
    return this._big(conn, t, data, false);
  }

  _big(conn, t, data, spread) {
    const held = this._held.get(conn);
    if (held !== undefined) {
      if (spread && held.size + data.length > this._maxWrite) this._slowReader(conn);
      else held.addBig(t, data);
      return false;
    }
    const rc = this._h.emitString(conn, t, data);
    if (rc === 0) return true;
    if (rc === E.IPC_EAGAIN) {
      if (spread) this._slowReader(conn);
      else this._hold(conn).addBig(t, data);
      return false;
    }
    if (rc === E.IPC_EILSEQ) {
      const err = IpcError.from('IPC_EILSEQ', `event ${t}: libipc refused its JSON (a lone UTF-16 surrogate in the string?)`);
      if (spread) {
        this._error(err, conn);
        return true;
      }
      throw err;
    }
    if (rc === E.IPC_ECLOSED) {
      this._error(IpcError.from('IPC_ECLOSED', `${this._what}: an event of ${data.length} characters not sent: ` +
        'the client is destroyed'), 0);
    }
    return true;  // IPC_ENOENT: the connection has gone; its 'disconnect' follows
  }

  _flush() {
    this._flushQueued = false;
    if (this._segs.length === 0 || this._h === null) return;
    const segs = this._segs;
    this._segs = [];
    this._pendingUnits = 0;
    for (let i = 0; i < segs.length; i++) this._write(segs[i].conn, segs[i].text);
  }

  // `spread`: part of a broadcast sent one connection at a time (someone is
  // held back), where libipc's broadcast policy applies: a reader held past
  // maxWriteQueue is disconnected rather than held further.
  _write(conn, text, spread = false) {
    const h = this._h;
    if (conn === ALL) {
      if (this._held.size === 0) {
        this._native(h, ALL, text);
        return;
      }
      // Someone is held: a native broadcast would overtake their held frames.
      for (const c of [...this._connIds()]) this._write(c, text, true);
      return;
    }
    const held = this._held.get(conn);
    if (held !== undefined) {
      // For emits to this connection the bound was checked by emit().
      if (spread && held.size + text.length > this._maxWrite) this._slowReader(conn);
      else held.addText(text);
      return;
    }
    const rc = this._native(h, conn, text);
    if (rc === E.IPC_EAGAIN) {
      if (spread) this._slowReader(conn);
      else this._hold(conn).addText(text);
    }
  }

  _native(h, conn, text) {
    let rc = this._raw ? h.send(conn, text) : h.emitFrames(conn, text);
    if (rc === E.IPC_EILSEQ) rc = this._oneByOne(h, conn, text);
    if (rc === E.IPC_ECLOSED) {
      // The client was destroyed (no more retries) before this batch went.
      this._error(IpcError.from('IPC_ECLOSED', `${this._what}: ${text.length} characters of events not sent: ` +
        'the client is destroyed'), 0);
    }
    // IPC_ENOENT: the connection has gone; its 'disconnect' event follows.
    return rc;
  }

  // libipc refused a batch (it validates every frame; JSON.stringify writes a
  // lone surrogate as \udxxx, which it refuses): send the frames one by one
  // and report each refused one as an 'error' (IPC_EILSEQ) naming its type.
  _oneByOne(h, conn, text) {
    let rc = 0;
    let start = 0;
    for (let end = text.indexOf('\f'); end >= 0; start = end + 1, end = text.indexOf('\f', start)) {
      const frame = text.slice(start, end + 1);
      const r = h.emitFrames(conn, frame);
      if (r === E.IPC_EILSEQ) {
        let type = '?';
        try { type = JSON.parse(frame.slice(0, -1)).type; } catch { /* reported as is */ }
        this._error(IpcError.from('IPC_EILSEQ', `event ${JSON.stringify(type)} not sent: libipc refused its JSON ` +
          '(a lone UTF-16 surrogate in a string?)'), conn === ALL ? 0 : conn);
      } else if (r !== 0) {
        rc = r;  // EAGAIN etc.: the rest is held or dropped by the caller as a whole
        return rc === E.IPC_EAGAIN ? this._holdRest(conn, text.slice(start)) : rc;
      }
    }
    return rc;
  }

  _holdRest(conn, rest) {
    if (conn !== ALL) this._hold(conn).addText(rest);
    return 0;
  }

  // Broadcast policy for a held reader: disconnect it rather than hold more.
  _slowReader(conn) {
    this._held.delete(conn);
    this._h.disconnect(conn);
    this._error(IpcError.from('IPC_ENOSPC', `connection ${conn} reads too slowly: over maxWriteQueue ` +
      `(${this._maxWrite}); disconnected`), conn);
  }

  // libipc's DRAIN for conn: send what was held for it, in order, until
  // libipc refuses again (then the next DRAIN goes on) or all of it is out.
  _onDrain(conn) {
    const held = this._held.get(conn);
    if (held === undefined) return;
    this._held.delete(conn);  // so that what is sent now goes straight out
    const parts = held.parts;
    for (let i = 0; i < parts.length; i++) {
      const part = parts[i];
      let rc;
      if (typeof part === 'string') {
        rc = this._native(this._h, conn, part);
        if (rc === 0 && this._held.has(conn)) rc = E.IPC_EAGAIN;  // _oneByOne held its rest
      } else {
        try {
          rc = this._big(conn, part.t, part.data, false) ? 0 : E.IPC_EAGAIN;
        } catch (e) {  // refused as invalid: reported, the rest goes on
          this._error(e, conn);
          rc = 0;
        }
      }
      if (this._h === null) return;
      if (rc === E.IPC_EAGAIN) {
        // Put back what did not go (the refused part is already in a new Held).
        const again = this._hold(conn);
        if (typeof part === 'string' && again.parts.length === 0) again.addText(part);
        for (let j = i + 1; j < parts.length; j++) {
          const p = parts[j];
          if (typeof p === 'string') again.addText(p);
          else again.addBig(p.t, p.data);
        }
        return;
      }
    }
    this._emitDrain(conn);
  }

  // ---- events ----

  _onNative() {
    if (this._h === null) return;
    this._armed = false;
    this._pump();
  }

  _pump() {
    this._immediate = null;
    let budget = TURN_BUDGET;
    try {
      while (this._h !== null && budget > 0) {
        if (this._batch === null) {
          const batch = this._h.next(BATCH_EVENTS, this._udp);
          if (batch === null) break;
          this._batch = batch;
          this._bi = 0;
        }
        const b = this._batch;
        while (this._bi < b.length && this._h !== null) {
          const i = this._bi;
          this._bi = i + 6;
          budget--;
          this._dispatch(b[i], b[i + 1], b[i + 2], b[i + 3], b[i + 4], b[i + 5]);
        }
        if (this._batch === b) this._batch = null;
        // A short batch took everything there was: arm now rather than ask
        // again (arming signals at once if more came meanwhile).
        if (b.length < BATCH_EVENTS * 6) break;
      }
    } finally {
      // A listener threw (the error goes on to 'uncaughtException'), or the
      // budget is used up: carry on in the next turn; else wait for the notify.
      if (this._h !== null) {
        if (this._batch !== null || budget <= 0) {
          if (this._immediate === null) this._immediate = setImmediate(() => this._pump());
        } else if (!this._armed) {
          this._armed = true;
          this._h.arm();
        }
      }
    }
  }

  _dispatch(kind, code, conn, type, data, address) {
    switch (kind) {
      case K.MESSAGE: {
        let value;
        try {
          value = JSON.parse(data);
        } catch (e) {
          this._error(IpcError.from('IPC_EILSEQ', `event ${JSON.stringify(type)}: ${e.message}`), conn);
          return;
        }
        this._onMessage(type, value, conn, address);
        return;
      }
      case K.MESSAGE_STRING:  // a long JSON string without escapes, decoded by the addon
        this._onMessage(type, data, conn, address);
        return;
      case K.DATA:
        this._onData(data, conn, address);
        return;
      case K.ERROR:
        this._error(IpcError.from(code, data), conn);
        return;
      case K.DRAIN:
        this._onDrain(conn);
        return;
      default:
        this._onLifecycle(kind, conn, address);
    }
  }

  _error(err, conn) {
    err.conn = conn;
    emitLocal.call(this, 'error', err);
  }
}

class SocketServer extends SocketBase {
  // new SocketServer(options): binds and listens before returning (an address
  // in use throws IpcError IPC_EADDRINUSE here); 'start' follows.
  constructor(options) {
    super(options, native.sockListen, 'SocketServer');
    this._conns = new Map();   // conn -> address, from 'connect' (UDP: from datagrams)
  }

  // The Unix socket path, or "host:port".
  get address() { return this._handle().address(); }
  // The bound TCP/TLS/UDP port (after port: 0); 0 for Unix sockets.
  get port() { return this._handle().localPort(); }
  // Ids of the live connections, as this thread has seen them.
  get connections() { return [...this._conns.keys()]; }
  get connectionCount() { return this._handle().connections(); }

  // Bytes libipc has queued for writing to conn (not counting what this
  // object holds back after a refusal).
  pending(conn) {
    const n = this._handle().pending(this._connArg(conn));
    return n < 0 ? 0 : n;
  }

  // Sends event (type, data) to one connection. false: wait for 'drain'
  // before sending much more to it (see BACKPRESSURE).
  // (With a string first argument it is EventEmitter#emit: connection ids are
  // numbers.)
  emit(conn, type, data) {
    if (typeof conn === 'string' || typeof conn === 'symbol') return emitLocal.apply(this, arguments);
    this._handle();
    if (this._raw) throw IpcError.from('IPC_ENOTSUP', 'raw mode: use send()');
    conn = this._connArg(conn);
    if (typeof data === 'string' && data.length >= BIG_STRING) return this._queueBig(conn, type, data);
    return this._queue(conn, frameOf(type, data));
  }

  // Sends event (type, data) to every connection. Returns true unless some
  // connection is held back.
  broadcast(type, data) {
    this._handle();
    if (this._raw) throw IpcError.from('IPC_ENOTSUP', 'raw mode: use send()');
    if (typeof data === 'string' && data.length >= BIG_STRING) return this._queueBig(ALL, type, data);
    return this._queue(ALL, frameOf(type, data));
  }

  // Raw mode: sends bytes (a string as UTF-8) unframed to conn, or to every
  // connection with conn -1.
  send(conn, data) {
    this._handle();
    if (!this._raw) throw IpcError.from('IPC_ENOTSUP', 'not in raw mode: use emit()');
    conn = conn === ALL ? ALL : this._connArg(conn);
    data = bytesArg(data);
    if (typeof data === 'string') return this._queue(conn, data);
    this._flush();  // keep the order with strings already pending
    const rc = this._handle().send(conn, data);
    if (rc === E.IPC_EAGAIN) {
      throw IpcError.from('IPC_EAGAIN', `connection ${conn}: write queue over maxWriteQueue; wait for 'drain'`);
    }
    return true;
  }

  // Closes one connection ('disconnect' follows). IpcError IPC_ENOENT if none.
  disconnect(conn) {
    conn = this._connArg(conn);
    this._flush();
    if (this._handle().disconnect(conn) === E.IPC_ENOENT) {
      throw IpcError.from('IPC_ENOENT', `no connection ${conn}`);
    }
  }

  // UDP: the connection id for a peer address, to emit to it.
  peer(host, port) {
    if (typeof host !== 'string') throw invalidArgType('host', 'of type string', host);
    if (typeof port !== 'number') throw invalidArgType('port', 'of type number', port);
    const conn = this._handle().peer(host, port);
    if (!this._conns.has(conn)) this._conns.set(conn, `${host}:${port}`);
    return conn;
  }

  _connArg(conn) {
    if (typeof conn !== 'number') throw invalidArgType('conn', 'of type number', conn);
    if (!this._conns.has(conn)) throw IpcError.from('IPC_ENOENT', `no connection ${conn}`);
    return conn;
  }

  _connIds() { return this._conns.keys(); }

  _onMessage(type, value, conn, address) {
    if (this._udp && !this._conns.has(conn)) this._conns.set(conn, address);
    if (!RESERVED.has(type)) emitLocal.call(this, type, value, conn);
    emitLocal.call(this, 'message', type, value, conn);
  }

  _onData(buf, conn, address) {
    if (this._udp && !this._conns.has(conn)) this._conns.set(conn, address);
    emitLocal.call(this, 'data', buf, conn);
  }

  _emitDrain(conn) { emitLocal.call(this, 'drain', conn); }

  _onLifecycle(kind, conn, address) {
    if (kind === K.START) {
      emitLocal.call(this, 'start');
    } else if (kind === K.CONNECT) {
      this._conns.set(conn, address === undefined ? '' : address);
      emitLocal.call(this, 'connect', conn, address === undefined ? '' : address);
    } else if (kind === K.DISCONNECT) {
      this._conns.delete(conn);
      this._held.delete(conn);
      emitLocal.call(this, 'disconnect', conn);
    }
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.closed ? 'SocketServer { closed }' : `SocketServer { ${this.address}, ${this._conns.size} connections }`;
  }
}

class SocketClient extends SocketBase {
  // new SocketClient(options): connects in the background ('connect' or
  // 'error' follow) and reconnects per retry/maxRetries/stopRetrying. Emits
  // made before the connection are queued and sent on connect.
  constructor(options) {
    super(options, native.sockConnect, 'SocketClient');
    this._connected = false;
    this._ending = false;      // disconnect() called: 'destroy' will follow
  }

  get connected() { return this._connected; }
  get address() { return this._handle().address(); }
  // Bytes libipc has queued for writing (see SocketServer#pending).
  get pending() { return this._handle().pending(0); }

  // Sends event (type, data) to the server. false: wait for 'drain'.
  // After disconnect() or 'destroy': IpcError IPC_ECLOSED. (EventEmitter's own
  // uses — 'newListener', 'removeListener', emit('error', anError) — stay
  // local; every other type is sent.)
  emit(type, data) {
    if (type === 'newListener' || type === 'removeListener' || typeof type === 'symbol' ||
        (type === 'error' && data instanceof Error)) {
      return emitLocal.apply(this, arguments);
    }
    this._handle();
    if (this._ending) throw IpcError.from('IPC_ECLOSED', 'SocketClient is disconnected');
    if (this._raw) throw IpcError.from('IPC_ENOTSUP', 'raw mode: use send()');
    if (typeof data === 'string' && data.length >= BIG_STRING) return this._queueBig(0, type, data);
    return this._queue(0, frameOf(type, data));
  }

  // Raw mode: sends bytes (a string as UTF-8) unframed.
  send(data) {
    this._handle();
    if (this._ending) throw IpcError.from('IPC_ECLOSED', 'SocketClient is disconnected');
    if (!this._raw) throw IpcError.from('IPC_ENOTSUP', 'not in raw mode: use emit()');
    data = bytesArg(data);
    if (typeof data === 'string') return this._queue(0, data);
    this._flush();
    const rc = this._handle().send(0, data);
    if (rc === E.IPC_EAGAIN) throw IpcError.from('IPC_EAGAIN', "write queue over maxWriteQueue; wait for 'drain'");
    if (rc === E.IPC_ECLOSED) throw IpcError.from('IPC_ECLOSED', 'SocketClient is destroyed');
    return true;
  }

  // Disconnects for good (no reconnect): what is pending is handed to libipc
  // first; 'disconnect' (if connected) and 'destroy' follow, then the client
  // closes itself. Idempotent.
  disconnect() {
    if (this._h === null || this._ending) return;
    this._flush();
    this._ending = true;
    this._h.disconnect(0);
  }

  _connIds() { return [0]; }

  _onMessage(type, value) {
    if (!RESERVED.has(type)) emitLocal.call(this, type, value);
    emitLocal.call(this, 'message', type, value, 0);
  }

  _onData(buf) { emitLocal.call(this, 'data', buf, 0); }

  _emitDrain() { emitLocal.call(this, 'drain'); }

  _onLifecycle(kind) {
    if (kind === K.CONNECT) {
      this._connected = true;
      emitLocal.call(this, 'connect');
    } else if (kind === K.DISCONNECT) {
      this._connected = false;
      emitLocal.call(this, 'disconnect');
    } else if (kind === K.DESTROY) {
      this._connected = false;
      this._ending = true;
      emitLocal.call(this, 'destroy');
      this.close();
    }
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return this.closed ? 'SocketClient { closed }'
      : `SocketClient { ${this.address}, ${this._connected ? 'connected' : 'not connected'} }`;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  SocketBase.prototype[Symbol.dispose] = function dispose() { this.close(); };
}

// The default private socket root ($XDG_RUNTIME_DIR/libipc/ or
// /tmp/libipc-<uid>/, created 0700), with a trailing '/'.
function defaultRoot() {
  return native.sockDefaultRoot();
}

function listen(options) { return new SocketServer(options); }
function connect(options) { return new SocketClient(options); }

module.exports = { SocketServer, SocketClient, listen, connect, defaultRoot, ALL, frameOf };
