'use strict';
// Semaphore: a named counting semaphore shared with every process and language
// (c_api/include/ipc/sem.h, ipc_sem_*).
//
//   const sem = Semaphore.openOrCreate('jobs', 0);
//   sem.post();                       // +1, wakes a waiter anywhere
//   sem.tryWait();                    // true if it took one, false if the count is 0
//   await sem.wait();                 // resolves true once it has taken one
//   await sem.wait({ timeoutMs: 50 }) // or rejects: IpcError code IPC_ETIMEDOUT
//   sem.close();                      // the semaphore stays until Semaphore.remove
//
// wait() never blocks the event loop: see waiting.js. Waiters of one handle
// are served in order; across handles and processes whoever takes a unit first
// has it.
const native = require('./native');
const { IpcError } = require('./errors');
const W = require('./waiting');

class Semaphore {
  // new Semaphore(name, { mode, initial, perm, spinUs })
  //   mode: 'create' | 'open' | 'openOrCreate'; default 'open', or
  //         'openOrCreate' when `initial` is given
  //   initial: the count if this call creates it (default 0)
  //   perm: permission bits if this call creates it (default 0o600)
  //   spinUs: see waiting.js (default 50; 0: the notify thread alone)
  constructor(name, opts) {
    opts = W.options(opts);
    W.nameArg(name);
    const initial = W.count(opts.initial, 'initial', 0);
    const mode = W.modeCode(opts.mode === undefined ? (opts.initial === undefined ? 'open' : 'openOrCreate') : opts.mode);
    const perm = W.count(opts.perm, 'perm', 0);
    const spinNs = W.spinArg(opts);
    W.hookExit();
    this._name = name;
    this._waiters = [];
    this._armed = false;
    this._active = false;
    this._refed = true;
    this._h = native.openSem(name, mode, initial, perm, W.dispatcher(new WeakRef(this)), spinNs);
  }

  static create(name, initial = 0, opts) {
    return new Semaphore(name, { ...W.options(opts), initial, mode: 'create' });
  }

  static open(name, opts) {
    return new Semaphore(name, { ...W.options(opts), mode: 'open' });
  }

  static openOrCreate(name, initial = 0, opts) {
    return new Semaphore(name, { ...W.options(opts), initial, mode: 'openOrCreate' });
  }

  // Removes the named semaphore (closing never does); IPC_ENOENT if none.
  // Handles already open keep working with it.
  static remove(name) {
    native.removeSem(W.nameArg(name));
  }

  static exists(name) {
    return native.existsSem(W.nameArg(name));
  }

  get name() { return this._name; }
  get closed() { return this._h === null; }
  // The current count (a snapshot).
  get value() { return this._handle().value(); }

  _handle() {
    if (this._h === null) throw IpcError.from('IPC_EBADHANDLE', `Semaphore "${this._name}" is closed`);
    return this._h;
  }

  // Adds `n` (default 1), waking waiters in any process. IPC_ERANGE past
  // 2^31-1 (the units posted before that stay posted).
  post(n = 1) {
    const h = this._handle();
    W.count(n, 'n');
    for (let i = 0; i < n; i++) h.post();
  }

  // Takes one unit if the count is > 0: true; false otherwise. Never waits.
  tryWait() {
    return this._handle().tryWait();
  }

  // Resolves true once a unit is taken. options.timeoutMs: absent/-1/Infinity
  // waits forever, 0 tries once (rejects IPC_EAGAIN), n > 0 rejects with an
  // IpcError IPC_ETIMEDOUT after n ms. options.signal: an AbortSignal (rejects
  // with its reason). close() rejects pending waits with IPC_ECLOSED.
  wait(opts) {
    try {
      const h = this._handle();
      opts = W.options(opts);
      const timeoutMs = W.timeoutArg(opts);
      const signal = W.signalArg(opts);
      if (signal !== null && signal.aborted) return Promise.reject(W.abortReason(signal));
      if (this._waiters.length === 0 && h.tryWait()) return Promise.resolve(true);
      if (timeoutMs === 0) throw IpcError.from('IPC_EAGAIN', `wait on semaphore "${this._name}": count is 0`);
      return new Promise((resolve, reject) => {
        W.addWaiter(this._waiters, {
          resolve, reject, timeoutMs, signal, refed: this._refed,
          what: `wait on semaphore "${this._name}"`,
          onGone: () => this._update(),
        });
        this._update();
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  // Pending waits keep the process alive unless unref() was called.
  ref() {
    this._refed = true;
    if (this._h !== null && this._active) this._h.ref();
    W.setTimersRef(this._waiters, true);
    return this;
  }

  unref() {
    this._refed = false;
    if (this._h !== null) this._h.unref();
    W.setTimersRef(this._waiters, false);
    return this;
  }

  // Idempotent. Pending waits reject with IPC_ECLOSED. Never removes the
  // semaphore.
  close() {
    const h = this._h;
    if (h === null) return;
    this._h = null;
    W.ACTIVE.delete(this);
    this._active = false;
    h.close();  // stops the notify thread
    for (const w of this._waiters.splice(0)) {
      W.release(w);
      w.reject(IpcError.from('IPC_ECLOSED', `Semaphore "${this._name}" closed while waiting`));
    }
  }

  _onNative(kind) {
    if (kind !== 0 || this._h === null) return;
    this._armed = false;
    const h = this._h;
    while (this._waiters.length > 0 && h.tryWait()) {
      const w = this._waiters.shift();
      W.release(w);
      w.resolve(true);
    }
    this._update();
  }

  _update() {
    const h = this._h;
    if (h === null) return;
    const waiting = this._waiters.length > 0;
    if (waiting && !this._armed) {
      this._armed = true;
      h.arm();
    }
    W.setActive(this, waiting);
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    return `Semaphore { ${JSON.stringify(this._name)}, ${this.closed ? 'closed' : `value ${this.value}`} }`;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  Semaphore.prototype[Symbol.dispose] = function dispose() { this.close(); };
}

module.exports = { Semaphore };
