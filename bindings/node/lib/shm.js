'use strict';
// SharedMemory: a named (or anonymous) segment mapped into this process, over
// the C ABI's ipc_shm_* (c_api/include/ipc/shm.h).
//
//   const shm = SharedMemory.create('demo', 4096);   // POSIX, create-only
//   shm.buffer[0] = 42;                              // zero-copy Buffer view
//   shm.writeString('héllo', 16);                     // ipc_shm_write_string
//   const f = shm.float64Array(1024, 8);              // zero-copy Float64Array
//   shm.close();                                      // views stay valid
//   SharedMemory.remove('demo');
//
// LIFETIME. `shm.buffer` (and the typed-array views built on it) keep the
// mapping alive: after close() they stay valid until they are garbage
// collected; the segment is unmapped when the handle is closed AND no view is
// reachable. close() never removes the named segment; SharedMemory.remove does.
//
// READ-ONLY handles have no `.buffer`: a writable Buffer over PROT_READ memory
// would kill the process on the first write. Use read() / readString() /
// readFloat32() / readFloat64(), which copy.
//
// ELECTRON (>= 21) forbids external buffers. There `.buffer` is a *copy* taken
// at each access (`zeroCopy` is false): write through write()/writeString().
const native = require('./native');
const { IpcError, invalidArgType } = require('./errors');

const C = native.constants;
const KINDS = { posix: C.IPC_SHM_POSIX, file: C.IPC_SHM_FILE, sysv: C.IPC_SHM_SYSV, anon: C.IPC_SHM_ANON };
const KIND_NAMES = Object.fromEntries(Object.entries(KINDS).map(([k, v]) => [v, k]));
const MODES = { create: C.IPC_CREATE_ONLY, open: C.IPC_OPEN_ONLY, openOrCreate: C.IPC_OPEN_OR_CREATE };

// Node's Buffer encoding names -> ipc_encoding_t. 'base64url' is written as
// base64 (the C decoder accepts the URL alphabet) and read through Buffer.
const ENCODINGS = {
  utf8: C.IPC_ENC_UTF8, 'utf-8': C.IPC_ENC_UTF8,
  ascii: C.IPC_ENC_ASCII,
  latin1: C.IPC_ENC_LATIN1, binary: C.IPC_ENC_LATIN1,
  base64: C.IPC_ENC_BASE64, base64url: C.IPC_ENC_BASE64,
  hex: C.IPC_ENC_HEX,
  utf16le: C.IPC_ENC_UTF16LE, 'utf-16le': C.IPC_ENC_UTF16LE, ucs2: C.IPC_ENC_UTF16LE, 'ucs-2': C.IPC_ENC_UTF16LE,
};

function encodingCode(encoding) {
  if (encoding === undefined || encoding === null) return C.IPC_ENC_UTF8;
  if (typeof encoding !== 'string') throw invalidArgType('encoding', 'of type string', encoding);
  const code = ENCODINGS[encoding.toLowerCase()];
  if (code === undefined) throw IpcError.from('IPC_EINVAL', `unknown encoding ${JSON.stringify(encoding)}`);
  return code;
}

function kindCode(kind) {
  if (kind === undefined || kind === null) return C.IPC_SHM_POSIX;
  if (typeof kind === 'number' && KIND_NAMES[kind] !== undefined) return kind;
  if (typeof kind !== 'string' && typeof kind !== 'number') throw invalidArgType('kind', 'of type string', kind);
  const code = KINDS[kind];
  if (code === undefined) {
    throw IpcError.from('IPC_EINVAL', `unknown segment kind ${JSON.stringify(kind)} (posix, file, sysv or anon)`);
  }
  return code;
}

// A byte offset / length / size: a non-negative safe integer.
function index(value, what, dflt) {
  if (value === undefined && dflt !== undefined) return dflt;
  if (typeof value !== 'number') throw invalidArgType(what, 'of type number', value);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw IpcError.from('IPC_ERANGE', `${what} must be a non-negative integer, got ${value}`);
  }
  return value;
}

// The C name of a segment: POSIX names and file paths are strings, SysV keys may
// also be numbers (decimal in C), anonymous segments have none.
function nameArg(name, kind) {
  if (kind === C.IPC_SHM_ANON) return null;
  if (kind === C.IPC_SHM_SYSV && typeof name === 'number') {
    if (!Number.isSafeInteger(name)) throw IpcError.from('IPC_EBADNAME', `SysV key must be an integer, got ${name}`);
    return String(name);
  }
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  return name;
}

function toBytes(data, what) {
  if (typeof data === 'string') return Buffer.from(data, 'utf8');
  if (ArrayBuffer.isView(data) || data instanceof ArrayBuffer) return data;
  throw invalidArgType(what, 'a string, Buffer, TypedArray, DataView or ArrayBuffer', data);
}

let forceCopy = !!process.env.LIBIPC_NODE_FORCE_COPY;

class SharedMemory {
  // new SharedMemory(name, { kind, mode, size, readOnly, perm })
  //   kind: 'posix' (default) | 'file' | 'sysv' | 'anon'
  //   mode: 'create' | 'open' | 'openOrCreate'; default 'open' without a size,
  //         'openOrCreate' with one
  //   size: bytes; 0 / absent on open maps the whole segment
  //   readOnly: map read-only (open only)
  //   perm: permission bits for a segment this call creates (default 0o600)
  constructor(name, options = {}) {
    if (options === null || typeof options !== 'object') throw invalidArgType('options', 'of type object', options);
    const kind = kindCode(options.kind);
    const size = index(options.size, 'size', 0);
    let mode = options.mode;
    if (mode === undefined) mode = size > 0 && !options.readOnly ? 'openOrCreate' : 'open';
    if (kind === C.IPC_SHM_ANON && mode === 'open') mode = 'create';
    const modeCode = MODES[mode];
    if (modeCode === undefined) {
      throw IpcError.from('IPC_EINVAL', `unknown mode ${JSON.stringify(mode)} (create, open or openOrCreate)`);
    }
    const perm = options.perm === undefined ? 0 : index(options.perm, 'perm');
    const flags = options.readOnly ? C.IPC_SHM_READONLY : 0;
    this._h = native.openShm(kind, nameArg(name, kind), modeCode, size, flags, perm);
    const info = this._h.info();
    this._size = info.size;
    this._kind = KIND_NAMES[info.kind];
    this._readOnly = info.readOnly;
    this._name = kind === C.IPC_SHM_ANON ? null : info.name;
    this._view = null;
    this._zeroCopy = undefined;
  }

  static create(name, size, options = {}) {
    return new SharedMemory(name, { ...options, size, mode: 'create' });
  }

  static open(name, options = {}) {
    return new SharedMemory(name, { ...options, mode: 'open' });
  }

  static openOrCreate(name, size, options = {}) {
    return new SharedMemory(name, { ...options, size, mode: 'openOrCreate' });
  }

  // An anonymous in-process segment with the same API.
  static anonymous(size) {
    return new SharedMemory(null, { kind: 'anon', size, mode: 'create' });
  }

  // Removes a named segment (closing never does). IPC_ENOENT if there is none.
  static remove(name, kind = 'posix') {
    const k = kindCode(typeof kind === 'object' && kind !== null ? kind.kind : kind);
    native.remove(k, nameArg(name, k));
  }

  static exists(name, kind = 'posix') {
    const k = kindCode(typeof kind === 'object' && kind !== null ? kind.kind : kind);
    return native.exists(k, nameArg(name, k));
  }

  get name() { return this._name; }
  get kind() { return this._kind; }
  get size() { return this._size; }
  get readOnly() { return this._readOnly; }
  get closed() { return this._h === null; }

  _handle() {
    if (this._h === null) throw IpcError.from('IPC_EBADHANDLE', 'SharedMemory is closed');
    return this._h;
  }

  // The whole segment as a Buffer, without copying. Writes reach every process
  // that maps the segment. Stays valid after close() while reachable.
  get buffer() {
    const h = this._handle();
    if (this._view !== null) return this._view;
    const [buf, zeroCopy] = h.view(forceCopy);
    this._zeroCopy = zeroCopy;
    if (zeroCopy) this._view = buf;  // a copy is a snapshot: take a new one each time
    return buf;
  }

  // true if `.buffer` is a view of the mapping, false if it has to be a copy
  // (Electron), false for read-only handles (which have no view).
  get zeroCopy() {
    if (this._readOnly) return false;
    if (this._zeroCopy === undefined) void this.buffer;
    return this._zeroCopy;
  }

  _typedView(Type, byteOffset, length) {
    const size = Type.BYTES_PER_ELEMENT;
    byteOffset = index(byteOffset, 'byteOffset', 0);
    if (byteOffset % size !== 0) {
      throw IpcError.from('IPC_EINVAL', `byteOffset ${byteOffset} is not a multiple of ${size}: ` +
        `a ${Type.name} view must be aligned; use read${Type.name.replace('Array', '')}() for unaligned data`);
    }
    if (byteOffset > this._size) throw IpcError.from('IPC_ERANGE', `byteOffset ${byteOffset} is past the end (${this._size})`);
    length = index(length, 'length', Math.floor((this._size - byteOffset) / size));
    if (length > (this._size - byteOffset) / size) {
      throw IpcError.from('IPC_ERANGE', `${length} elements at ${byteOffset} do not fit in ${this._size} bytes`);
    }
    const buf = this.buffer;
    return new Type(buf.buffer, buf.byteOffset + byteOffset, length);
  }

  // Zero-copy Float32Array / Float64Array views (native byte order). byteOffset
  // must be a multiple of the element size.
  float32Array(byteOffset, length) { return this._typedView(Float32Array, byteOffset, length); }
  float64Array(byteOffset, length) { return this._typedView(Float64Array, byteOffset, length); }

  // A copy of `length` bytes at `offset` (default: to the end). Works on
  // read-only handles.
  read(offset, length) {
    const h = this._handle();
    offset = index(offset, 'offset', 0);
    if (length === undefined) length = offset <= this._size ? this._size - offset : 0;
    return h.read(offset, index(length, 'length'));
  }

  // Copies `data` (bytes, or a string as UTF-8) in at `offset`. Returns the
  // number of bytes written. IPC_ERANGE (nothing written) if it does not fit.
  write(data, offset) {
    const h = this._handle();
    const bytes = toBytes(data, 'data');
    offset = index(offset, 'offset', 0);
    const view = this._view;
    const src = bytes instanceof ArrayBuffer ? bytes : bytes.buffer;
    if (view !== null && src === view.buffer) {
      // Source inside this very mapping: memmove semantics via Buffer.copy.
      const from = bytes instanceof ArrayBuffer ? Buffer.from(bytes)
        : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      if (offset > this._size || from.length > this._size - offset) {
        throw IpcError.from('IPC_ERANGE', `${from.length} bytes at offset ${offset} do not fit in ${this._size}`);
      }
      return from.copy(view, offset);
    }
    h.write(offset, bytes);
    return bytes.byteLength;
  }

  // writeString(string, [offset = 0], [encoding = 'utf8']) -> bytes written.
  // Encodes exactly as the C ABI's ipc_shm_write_string (Node's rules for
  // ascii/latin1; invalid base64/hex text is an IPC_EILSEQ error, not dropped).
  writeString(string, offset, encoding) {
    const h = this._handle();
    if (typeof string !== 'string') throw invalidArgType('string', 'of type string', string);
    if (typeof offset === 'string') [offset, encoding] = [0, offset];
    return h.writeString(index(offset, 'offset', 0), string, encodingCode(encoding));
  }

  // readString([offset = 0], [length = to the end], [encoding = 'utf8']).
  // Decodes exactly as ipc_shm_read_string (invalid UTF-8/UTF-16 -> U+FFFD).
  readString(offset, length, encoding) {
    const h = this._handle();
    if (typeof offset === 'string') [offset, length, encoding] = [0, undefined, offset];
    else if (typeof length === 'string') [length, encoding] = [undefined, length];
    offset = index(offset, 'offset', 0);
    if (length === undefined) length = offset <= this._size ? this._size - offset : 0;
    length = index(length, 'length');
    const enc = encodingCode(encoding);
    if (typeof encoding === 'string' && encoding.toLowerCase() === 'base64url') {
      return h.read(offset, length).toString('base64url');
    }
    return h.readString(offset, length, enc);
  }

  // Copies of `count` floats at any byte offset (unaligned is fine).
  readFloat32(offset, count) {
    const h = this._handle();
    offset = index(offset, 'offset', 0);
    return h.readF32(offset, index(count, 'count', Math.floor(Math.max(0, this._size - offset) / 4)));
  }

  readFloat64(offset, count) {
    const h = this._handle();
    offset = index(offset, 'offset', 0);
    return h.readF64(offset, index(count, 'count', Math.floor(Math.max(0, this._size - offset) / 8)));
  }

  // values: a Float32Array / Float64Array, or an array of numbers.
  writeFloat32(values, offset) {
    const h = this._handle();
    h.writeF32(index(offset, 'offset', 0), floats(Float32Array, values));
  }

  writeFloat64(values, offset) {
    const h = this._handle();
    h.writeF64(index(offset, 'offset', 0), floats(Float64Array, values));
  }

  // Writes a file-backed mapping's changes to the file (msync). No-op otherwise.
  flush() {
    this._handle().flush();
  }

  // Closes the handle (flushing a file mapping). Idempotent. Views stay valid;
  // the segment itself is not removed.
  close() {
    const h = this._h;
    if (h === null) return;
    this._h = null;
    this._view = null;
    h.close();
  }

  [Symbol.for('nodejs.util.inspect.custom')]() {
    const state = this.closed ? 'closed' : `${this._size} bytes${this._readOnly ? ', read-only' : ''}`;
    return `SharedMemory { ${this._kind}${this._name !== null ? ` ${JSON.stringify(this._name)}` : ''}, ${state} }`;
  }
}

if (typeof Symbol.dispose === 'symbol') {
  SharedMemory.prototype[Symbol.dispose] = function dispose() { this.close(); };
}

function floats(Type, values) {
  if (values instanceof Type) return values;
  if (Array.isArray(values) || ArrayBuffer.isView(values)) return Type.from(values);
  throw invalidArgType('values', `a ${Type.name} or an array of numbers`, values);
}

// For tests: make `.buffer` take the copying path (as under Electron).
function _setForceCopy(on) {
  forceCopy = !!on;
}

module.exports = { SharedMemory, KINDS, ENCODINGS, encodingCode, kindCode, index, toBytes, _setForceCopy };
