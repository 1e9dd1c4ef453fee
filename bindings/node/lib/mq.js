'use strict';
// MessageQueue: a named bounded message queue shared with every process and
// language (c_api/include/ipc/mq.h, ipc_mq_*). Priorities 0..31, higher first,
// FIFO within one; each message goes to exactly one consumer.
//
//   const q = MessageQueue.openOrCreate('jobs', { capacity: 64, maxMessageSize: 4096 });
//   q.trySend('hi');                             // true, or false if full
//   await q.send(buf, { priority: 5 });          // waits for room (never blocks the loop)
//   const { data, priority } = await q.receive({ timeoutMs: 100 });
//   q.on('message', ({ data, priority }) => {}); // or: for await (const m of q) {}
//   q.close();
//
// RECEIVING never blocks the event loop: see waiting.js. When the notify
// fires, waiting receive()s and async iterators are served first (one message
// each, in order), then 'message' listeners, which take batches of up to
// `batchSize` messages under one lock (ipc_mq_receive_many) — at most
// TURN_BUDGET messages per event-loop turn, then the handle re-arms and yields.
// A received `data` is a Buffer that shares memory with the other messages of
// its batch (copy it with Buffer.from() to keep one without the batch).
//
// EXACTLY ONCE. Messages taken in a batch and not yet delivered (a listener
// threw, or removed itself) stay in this handle's inbox and go to its next
// receive(), tryReceive(), iterator or listener. If the handle is closed with
// messages in its inbox (a listener closed it mid-batch), they are put back
// into the queue at their priority (behind what was sent meanwhile); only if
// the queue is full by then are they lost, with a warning. Use batchSize: 1 to
// never hold more than the message being delivered.
//
// SENDING. trySend() never waits. send() first tries at once; if the queue is
// full it hands a copy to this handle's sender thread, which waits for room
// (ipc_mq_send with the timeout) off the event loop. send()s of one handle are
// sent in call order.
const EventEmitter = require('node:events');
const native = require('./native');
const { IpcError, invalidArgType } = require('./errors');
const W = require('./waiting');

const C = W.C;
const DEFAULT_CAPACITY = 256;
const DEFAULT_MAX_MESSAGE = 4096;
const DEFAULT_BATCH = 256;
const TURN_BUDGET = 4096;  // messages delivered per event-loop turn, at most
const RESOLVED = Promise.resolve();

function payload(data) {
  if (typeof data === 'string' || ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data;
  throw invalidArgType('data', 'a string, Buffer, TypedArray, DataView or ArrayBuffer', data);
}

function priorityArg(opts) {
  const p = typeof opts === 'number' ? opts : opts.priority;
  if (p === undefined) return 0;
  if (typeof p !== 'number') throw invalidArgType('options.priority', 'of type number', p);
  if (!Number.isInteger(p) || p < 0 || p > C.IPC_MQ_PRIO_MAX) {
    throw IpcError.from('IPC_EINVAL', `priority must be an integer 0..${C.IPC_MQ_PRIO_MAX}, got ${p}`);
  }
  return p;
}

// Appends the messages of a packed batch (uint32 length, uint32 priority, the
// bytes, padding to 8; ipc_mq_receive_many) to `out`.
function unpack(buf, out) {
  const end = buf.length;
  let off = 0;
  while (off + 8 <= end) {
    const len = buf.readUInt32LE(off);
    out.push({ data: buf.subarray(off + 8, off + 8 + len), priority: buf.readUInt32LE(off + 4) });
    off += 8 + ((len + 7) & ~7);
  }
}

class MessageQueue extends EventEmitter {
  // new MessageQueue(name, { mode, capacity, maxMessageSize, perm, batchSize, spinUs })
  //   mode: 'create' | 'open' | 'openOrCreate'; default 'open', or
  //         'openOrCreate' when capacity or maxMessageSize is given
  //   capacity (default 256), maxMessageSize (bytes, default 4096): used if
  //         this call creates the queue; an open reads them from the queue
  //   perm: permission bits if this call creates it (default 0o600)
  //   batchSize: messages taken per batch for 'message' listeners (default 256)
  //   spinUs: see waiting.js (default 50; 0: the notify thread alone)
  constructor(name, opts) {
    super();
    opts = W.options(opts);
    W.nameArg(name);
    const sized = opts.capacity !== undefined || opts.maxMessageSize !== undefined;
    const mode = W.modeCode(opts.mode === undefined ? (sized ? 'openOrCreate' : 'open') : opts.mode);
    const creating = mode !== C.IPC_OPEN_ONLY;
    const capacity = W.count(opts.capacity, 'capacity', creating ? DEFAULT_CAPACITY : 0);
    const maxMessageSize = W.count(opts.maxMessageSize, 'maxMessageSize', creating ? DEFAULT_MAX_MESSAGE : 0);
    const perm = W.count(opts.perm, 'perm', 0);
    const spinNs = W.spinArg(opts);
    this._batchSize = W.count(opts.batchSize, 'batchSize', DEFAULT_BATCH) || 1;
    W.hookExit();
    this._name = name;
    this._receivers = [];   // waiting receive()s and iterator next()s, FIFO
    this._inbox = [];       // taken in a batch, not yet delivered
    this._inHead = 0;
    this._sends = new Map();  // id -> { resolve, reject } of sends on the sender thread
    this._sendSeq = 0;
    this._armed = false;
    this._active = false;
    this._refed = true;
    this._immediate = null;
    this._h = native.openMq(name, mode, capacity, maxMessageSize, perm, W.dispatcher(new WeakRef(this)), spinNs);
    [this._capacity, this._maxMessageSize] = this._h.info();
    // A 'message' listener starts (and its removal may stop) the flow.
    this.on('newListener', (event) => {
      if (event === 'message') queueMicrotask(() => this._update());
    });
    this.on('removeListener', (event) => {
      if (event === 'message') this._update();
    });
  }

  static create(name, opts) {
    return new MessageQueue(name, { ...W.options(opts), mode: 'create' });
  }

  static open(name, opts) {
    return new MessageQueue(name, { ...W.options(opts), mode: 'open' });
  }

  static openOrCreate(name, opts) {
    return new MessageQueue(name, { ...W.options(opts), mode: 'openOrCreate' });
  }

  // Removes the named queue (closing never does); IPC_ENOENT if none. Handles
  // already open keep working with it.
  static remove(name) {
    native.removeMq(W.nameArg(name));
  }

  static exists(name) {
    return native.existsMq(W.nameArg(name));
  }

  get name() { return this._name; }
  get closed() { return this._h === null; }
  get capacity() { return this._capacity; }
  get maxMessageSize() { return this._maxMessageSize; }
  // Messages in the queue now (a snapshot; not counting this handle's inbox).
  get count() { return this._handle().count(); }
  // How often a process that died holding the queue's lock was recovered from.
  get recoveries() { return this._handle().recoveries(); }

  _handle() {
    if (this._h === null) throw IpcError.from('IPC_EBADHANDLE', `MessageQueue "${this._name}" is closed`);
    return this._h;
  }

  // Queues `data` (a string as UTF-8, or bytes) if there is room: true; false
  // if the queue is full. Never waits. options: { priority } or a number.
  trySend(data, opts) {
    const h = this._handle();
    return h.trySend(payload(data), priorityArg(typeof opts === 'number' ? opts : W.options(opts)));
  }

  // Resolves once `data` is queued. options.priority (0..31, default 0);
  // options.timeoutMs: absent/-1/Infinity waits for room forever, 0 tries once
  // (rejects IPC_EAGAIN if full), n > 0 rejects IPC_ETIMEDOUT after n ms.
  // IPC_EMSGSIZE if data is larger than maxMessageSize. After close() a
  // pending send has resolved (queued) or rejected with IPC_ECLOSED (not).
  send(data, opts) {
    try {
      const h = this._handle();
      const bytes = payload(data);
      opts = typeof opts === 'number' ? { priority: opts } : W.options(opts);
      const priority = priorityArg(opts);
      const timeoutMs = W.timeoutArg(opts);
      if (this._sends.size === 0 && h.trySend(bytes, priority)) return RESOLVED;
      if (timeoutMs === 0) throw IpcError.from('IPC_EAGAIN', `send on queue "${this._name}": would block`);
      const id = ++this._sendSeq;
      return new Promise((resolve, reject) => {
        h.sendAsync(bytes, priority, timeoutMs, id);
        this._sends.set(id, { resolve, reject });
        this._update();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // The next message, { data: Buffer, priority }, or null if there is none.
  // Never waits.
  tryReceive() {
    this._handle();
    return this._takeOne();
  }

  // Resolves with the next message { data: Buffer, priority }. options as
  // Semaphore#wait: timeoutMs (0: IPC_EAGAIN if empty; n: IPC_ETIMEDOUT),
  // signal. close() rejects pending receives with IPC_ECLOSED.
  receive(opts) {
    try {
      this._handle();
      opts = W.options(opts);
      const timeoutMs = W.timeoutArg(opts);
      const signal = W.signalArg(opts);
      if (signal !== null && signal.aborted) return Promise.reject(W.abortReason(signal));
      if (this._receivers.length === 0) {
        const m = this._takeOne();
        if (m !== null) return Promise.resolve(m);
      }
      if (timeoutMs === 0) throw IpcError.from('IPC_EAGAIN', `receive on queue "${this._name}": queue is empty`);
      return new Promise((resolve, reject) => {
        W.addWaiter(this._receivers, {
          resolve, reject, timeoutMs, signal, refed: this._refed,
          what: `receive on queue "${this._name}"`,
          onGone: () => this._update(),
          extra: { end: null, owner: null },
        });
        this._update();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // for await (const { data, priority } of queue) — ends when the queue is
  // closed or the loop breaks. Takes one message per step (nothing is held
  // back when the loop breaks); 'message' listeners take batches.
  [Symbol.asyncIterator]() {
    return this.messages();
  }

  // The same with options: { signal } (the pending next() rejects with its
  // reason when aborted).
  messages(opts) {
    opts = W.options(opts);
    const signal = W.signalArg(opts);
    const mq = this;
    let finished = false;
    const it = {
      next() {
        if (finished || mq._h === null) {
          finished = true;
          return Promise.resolve({ value: undefined, done: true });
        }
        if (signal !== null && signal.aborted) return Promise.reject(W.abortReason(signal));
        try {
          if (mq._receivers.length === 0) {
            const m = mq._takeOne();
            if (m !== null) return Promise.resolve({ value: m, done: false });
          }
        } catch (e) {
          return Promise.reject(e);
        }
        return new Promise((resolve, reject) => {
          W.addWaiter(mq._receivers, {
            resolve: (m) => resolve({ value: m, done: false }), reject, timeoutMs: -1, signal, refed: mq._refed,
            what: `iterate queue "${mq._name}"`,
            onGone: () => mq._update(),
            extra: { end: () => resolve({ value: undefined, done: true }), owner: it },
          });
          mq._update();
        });
      },
      return() {
        finished = true;
        const mine = mq._receivers.filter((w) => w.owner === it);
        for (const w of mine) {
          mq._receivers.splice(mq._receivers.indexOf(w), 1);
          W.release(w);
          w.end();
        }
        mq._update();
        return Promise.resolve({ value: undefined, done: true });
      },
      [Symbol.asyncIterator]() { return it; },
    };
    return it;
  }

  // Pending receives, sends and 'message' listeners keep the process alive
  // unless unref() was called (as net.Socket#unref).
  ref() {
    this._refed = true;
    if (this._h !== null && this._active) this._h.ref();
    W.setTimersRef(this._receivers, true);
    return this;
  }

  unref() {
    this._refed = false;
    if (this._h !== null) this._h.unref();
    W.setTimersRef(this._receivers, false);
    return this;
  }

  // Idempotent. Pending receive()s reject with IPC_ECLOSED, iterators end,
  // messages in the inbox go back into the queue; a pending send() resolves if its message
  // was queued before the close and rejects with IPC_ECLOSED if it was not.
  // Emits 'close'. Never removes the queue.
  close() {
    const h = this._h;
    if (h === null) return;
    this._h = null;
    W.ACTIVE.delete(this);
    this._active = false;
    if (this._immediate !== null) {
      clearImmediate(this._immediate);
      this._immediate = null;
    }
    this._putBack(h);
    h.close();  // stops the notify thread, interrupts and joins the sender thread
    const closed = () => IpcError.from('IPC_ECLOSED', `MessageQueue "${this._name}" closed while waiting`);
    for (const w of this._receivers.splice(0)) {
      W.release(w);
      if (w.end !== null) w.end();
      else w.reject(closed());
    }
    // The sender thread is joined: sends it finished are settled as they
    // went (sent, or not); those it never started were not sent.
    this._settleSends(h.takeSends());
    const sends = [...this._sends.values()];
    this._sends.clear();
    for (const s of sends) s.reject(closed());
    this.emit('close');
  }

  // ---- internals ----

  // Puts the inbox's messages back into the queue (closing with some left).
  _putBack(h) {
    const rest = this._inbox.slice(this._inHead);
    this._inbox = [];
    this._inHead = 0;
    let lost = 0;
    for (const m of rest) {
      try {
        if (!h.trySend(m.data, m.priority)) lost++;
      } catch {
        lost++;
      }
    }
    if (lost > 0) {
      process.emitWarning(`MessageQueue "${this._name}" closed with ${lost} received but undelivered ` +
        'message(s) that did not fit back into the queue', { code: 'LIBIPC_MQ_DROPPED' });
    }
  }

  _inboxShift() {
    if (this._inHead === this._inbox.length) return null;
    const m = this._inbox[this._inHead++];
    if (this._inHead === this._inbox.length) {
      this._inbox = [];
      this._inHead = 0;
    }
    return m;
  }

  // One message: the inbox first, then the queue (one message, no over-fetch).
  _takeOne() {
    const m = this._inboxShift();
    if (m !== null) return m;
    const buf = this._h.receive(1);
    if (buf === null) return null;
    return { data: buf.subarray(8, 8 + buf.readUInt32LE(0)), priority: buf.readUInt32LE(4) };
  }

  // One message, refilling the inbox with a batch when it is empty.
  _takeBatched(max = this._batchSize) {
    const m = this._inboxShift();
    if (m !== null) return m;
    const buf = this._h.receive(max);
    if (buf === null) return null;
    unpack(buf, this._inbox);
    return this._inboxShift();
  }

  _onNative(kind) {
    if (this._h === null) return;
    if (kind === 0) {
      this._armed = false;
      this._pump();
    } else {
      this._settleSends(this._h.takeSends());
      this._update();
    }
  }

  // [id, rc, detail, ...] from the addon: resolve or reject those sends.
  _settleSends(results) {
    for (let i = 0; i < results.length; i += 3) {
      const s = this._sends.get(results[i]);
      if (s === undefined) continue;
      this._sends.delete(results[i]);
      if (results[i + 1] === 0) s.resolve();
      else s.reject(IpcError.from(results[i + 1], results[i + 2]));
    }
  }

  // Delivers what the queue and the inbox hold to whoever waits. Runs when the
  // notify fired (or on an immediate while the inbox is not empty).
  _pump() {
    this._immediate = null;
    try {
      while (this._receivers.length > 0 && this._h !== null) {
        const w = this._receivers[0];
        let m;
        try {
          m = this._takeOne();
        } catch (e) {
          this._fail(e);
          return;
        }
        if (m === null) break;
        this._receivers.shift();
        W.release(w);
        w.resolve(m);
      }
      let budget = TURN_BUDGET;
      while (budget > 0 && this._h !== null && this._receivers.length === 0 && this.listenerCount('message') > 0) {
        let m;
        try {
          m = this._takeBatched(Math.min(this._batchSize, budget));
        } catch (e) {
          this._fail(e);
          return;
        }
        if (m === null) break;
        budget--;
        this.emit('message', m);  // a throwing listener: the rest stays in the inbox
      }
    } finally {
      this._after();
    }
  }

  _after() {
    if (this._h === null) return;
    if (this._inHead < this._inbox.length && this._immediate === null &&
        (this._receivers.length > 0 || this.listenerCount('message') > 0)) {
      this._immediate = setImmediate(() => this._pump());  // the queue's notify will not fire for these
    }
    this._update();
  }

  // A receive failed for a reason other than "empty" (IPC_ECORRUPT: the queue
  // is unusable): reject the receivers, emit 'error', close.
  _fail(err) {
    for (const w of this._receivers.splice(0)) {
      W.release(w);
      w.reject(err);
    }
    const listeners = this.listenerCount('error') > 0;
    this.close();
    if (listeners) this.emit('error', err);
    else process.nextTick(() => { throw err; });
  }

  _update() {
    const h = this._h;
    if (h === null) return;
    const receiving = this._receivers.length > 0 || this.listenerCount('message') > 0;
    if (receiving && !this._armed) {
      this._armed = true;
      h.arm();
    }
    W.setActive(this, receiving || this._sends.size > 0);
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    const state = this.closed ? 'closed' : `${this.count}/${this._capacity} messages of <= ${this._maxMessageSize} bytes`;
    return `MessageQueue { ${JSON.stringify(this._name)}, ${state} }`;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  MessageQueue.prototype[Symbol.dispose] = function dispose() { this.close(); };
}

module.exports = { MessageQueue, unpack };
