'use strict';
// What Semaphore and MessageQueue share: argument checks, waiters (a Promise's
// resolve/reject with its timeout timer and AbortSignal), the set of handles
// with something pending, and the dispatcher the addon calls back.
//
// EVENT LOOP. Nothing here blocks. A wait that cannot be satisfied at once
// becomes a waiter; the handle arms the C ABI's notify (ipc_*_notify: a libipc
// thread that calls back once when a unit / a message may be there), the
// addon posts that to this thread through a ThreadSafeFunction, and the handle
// then takes what it can with non-blocking calls and re-arms if anyone still
// waits. Timeouts are timers on this loop; a waiter that timed out or was
// aborted is gone before anything is taken for it, so nothing is ever taken
// for a Promise that has already been settled.
//
// SPIN. Waking a sleeping thread on another core costs tens of µs on some
// machines (a futex ping-pong round trip is ~35 µs on a 2-vCPU VM), and the
// notify path has two such wake-ups per message (the notify thread, then the
// event loop). So after arming, a per-handle native thread first looks for
// readiness itself for `spinUs` (default 50 µs; a few CPU pauses, then a
// sched_yield per turn, as libipc's own blocking waits do) and posts it to
// the loop directly; only if nothing came does it arm the C ABI's notify,
// whose thread sleeps until something does. A reply that comes within the
// spin costs one wake-up of the loop, on its own core. `spinUs: 0` turns it
// off (the notify alone: no CPU spent waiting, slower replies).
//
// KEEPING THE PROCESS ALIVE. A handle with nothing pending is unref'd (its
// ThreadSafeFunction does not keep the loop alive) and may be garbage
// collected. While something is pending (a waiter, a send, a 'message'
// listener) it is ref'd — unless the user called unref() — and held in ACTIVE
// so that it is not collected with its Promises unsettled.
const native = require('./native');
const { IpcError, invalidArgType } = require('./errors');

const C = native.constants;
const MODES = { create: C.IPC_CREATE_ONLY, open: C.IPC_OPEN_ONLY, openOrCreate: C.IPC_OPEN_OR_CREATE };
const ACTIVE = new Set();
const MAX_TIMER = 0x7fffffff;  // setTimeout's limit; longer waits are infinite

let exitHooked = false;
// process.exit() runs no environment cleanup hooks: close every semaphore and
// queue (joining libipc's notify threads and our sender threads) on 'exit'.
function hookExit() {
  if (exitHooked) return;
  exitHooked = true;
  process.once('exit', () => native.closeAll());
}

function modeCode(mode) {
  const code = MODES[mode];
  if (code === undefined) {
    throw IpcError.from('IPC_EINVAL', `unknown mode ${JSON.stringify(mode)} (create, open or openOrCreate)`);
  }
  return code;
}

function options(value) {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object') throw invalidArgType('options', 'of type object', value);
  return value;
}

function nameArg(name) {
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  return name;
}

// A count or size: a non-negative safe integer.
function count(value, what, dflt) {
  if (value === undefined && dflt !== undefined) return dflt;
  if (typeof value !== 'number') throw invalidArgType(what, 'of type number', value);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw IpcError.from('IPC_ERANGE', `${what} must be a non-negative integer, got ${value}`);
  }
  return value;
}

// timeoutMs: absent, -1 or Infinity waits forever (-1 to the addon); 0 tries
// once; a positive number waits at most that long (rounded up to a ms).
function timeoutArg(opts) {
  const t = opts.timeoutMs;
  if (t === undefined || t === null || t === Infinity || t === -1) return -1;
  if (typeof t !== 'number') throw invalidArgType('options.timeoutMs', 'of type number', t);
  if (Number.isNaN(t) || t < 0) throw IpcError.from('IPC_ERANGE', `timeoutMs must be >= 0, -1 or Infinity, got ${t}`);
  const ms = Math.ceil(t);
  return ms > MAX_TIMER ? -1 : ms;
}

const DEFAULT_SPIN_US = 50;

// options.spinUs (µs, 0..1e6) -> ns for the addon.
function spinArg(opts) {
  const us = opts.spinUs === undefined ? DEFAULT_SPIN_US : opts.spinUs;
  if (typeof us !== 'number') throw invalidArgType('options.spinUs', 'of type number', us);
  if (!(us >= 0 && us <= 1e6)) throw IpcError.from('IPC_ERANGE', `spinUs must be 0..1000000, got ${us}`);
  return Math.round(us * 1000);
}

function signalArg(opts) {
  const s = opts.signal;
  if (s === undefined || s === null) return null;
  if (typeof s !== 'object' || typeof s.aborted !== 'boolean' || typeof s.addEventListener !== 'function') {
    throw invalidArgType('options.signal', 'an instance of AbortSignal', s);
  }
  return s;
}

function abortReason(signal) {
  if (signal.reason !== undefined) return signal.reason;
  const e = new Error('The operation was aborted');
  e.name = 'AbortError';
  e.code = 'ABORT_ERR';
  return e;
}

// Adds a waiter to `list`. `onGone` runs after a timeout or an abort removed it
// (the owner re-evaluates what it still needs).
function addWaiter(list, { resolve, reject, timeoutMs, signal, refed, what, onGone, extra }) {
  const w = { resolve, reject, timer: null, signal, onAbort: null, ...extra };
  const drop = (err) => {
    const i = list.indexOf(w);
    if (i < 0) return;
    list.splice(i, 1);
    release(w);
    reject(err);
    onGone();
  };
  if (timeoutMs > 0) {
    w.timer = setTimeout(() => drop(IpcError.from('IPC_ETIMEDOUT', `${what}: timed out after ${timeoutMs} ms`)), timeoutMs);
    if (!refed) w.timer.unref();
  }
  if (signal !== null) {
    w.onAbort = () => drop(abortReason(signal));
    signal.addEventListener('abort', w.onAbort, { once: true });
  }
  list.push(w);
  return w;
}

// Clears a waiter's timer and abort listener (before it is settled).
function release(w) {
  if (w.timer !== null) {
    clearTimeout(w.timer);
    w.timer = null;
  }
  if (w.onAbort !== null) {
    w.signal.removeEventListener('abort', w.onAbort);
    w.onAbort = null;
  }
}

function setTimersRef(list, on) {
  for (const w of list) if (w.timer !== null) (on ? w.timer.ref() : w.timer.unref());
}

// The addon's callback for one handle. It holds the JS object weakly, so that an
// idle handle can be collected (the ThreadSafeFunction keeps this function).
// Made here, outside any method, so the closure cannot capture `this`.
function dispatcher(ref) {
  return function dispatch(kind) {
    const self = ref.deref();
    if (self !== undefined) self._onNative(kind);
  };
}

// Keeps `obj` (with an addon handle `_h`) alive and ref'd while `busy`.
function setActive(obj, busy) {
  if (busy === obj._active) return;
  obj._active = busy;
  if (busy) {
    ACTIVE.add(obj);
    if (obj._refed) obj._h.ref();
  } else {
    ACTIVE.delete(obj);
    obj._h.unref();
  }
}

module.exports = {
  C, MODES, ACTIVE, hookExit, modeCode, options, nameArg, count, timeoutArg, spinArg, signalArg, abortReason,
  addWaiter, release, setTimersRef, dispatcher, setActive,
};
