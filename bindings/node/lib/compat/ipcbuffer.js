'use strict';
// require('libipc/compat/ipcbuffer'): node-ipcbuffer's IPCBuffer constructor
// forms, returning a real Buffer. The shared forms return a zero-copy Buffer
// over the mapping (like node-ipcbuffer, which modified Buffer itself):
//
//   IPCBuffer(length)                    plain in-process Buffer (zero-filled)
//   IPCBuffer(length, encoding)          the same (Buffer(length) ignored it too)
//   IPCBuffer(length, '*name')           POSIX shared memory, memory only
//                                        (/dev/shm/name; no file)
//   IPCBuffer(length, filename)          a mapping of the file `filename`: its
//                                        contents are visible, writes reach it
//   IPCBuffer(length, key)               System V shared memory, numeric key
//   IPCBuffer(length, encoding, target)  any target above, with an encoding
//   IPCBuffer(length, target, encoding)  (either order)
//   IPCBuffer(parent, length[, offset])  an alias of parent[offset, offset+length)
//   IPCBuffer(parent, length, encoding, offset)
//
// A shared target is opened if it exists (at most `length` bytes of it are
// mapped) and created with `length` bytes (permissions 0600) otherwise. `new`
// is optional. A string that is a Buffer encoding name ('hex', 'utf8', ...) is
// taken as the encoding: write './hex' for a file of that name.
//
// The mapping lives as long as the Buffer: when it is garbage collected the
// segment is unmapped (a file mapping is flushed first). Nothing is ever
// removed: use IPCBuffer.remove(target) ('*name', key or filename).
//
// Electron forbids Buffers over foreign memory; there a shared target throws
// IPC_ENOTSUP rather than return a copy that would silently not be shared.
const { SharedMemory, index } = require('../shm');
const { IpcError, invalidArgType } = require('../errors');

function parseTarget(target) {
  if (typeof target === 'number') return { kind: 'sysv', name: target };
  if (typeof target !== 'string') throw invalidArgType('target', "a '*name' string, a filename or a numeric key", target);
  if (target.startsWith('*')) return { kind: 'posix', name: target.slice(1) };
  if (target === '') throw IpcError.from('IPC_EBADNAME', 'empty filename');
  return { kind: 'file', name: target };
}

function IPCBuffer(first, ...rest) {
  // Alias forms: (parent, length[, offset]) and (parent, length, encoding, offset).
  if (first instanceof Uint8Array) {
    const parent = Buffer.isBuffer(first) ? first : Buffer.from(first.buffer, first.byteOffset, first.byteLength);
    const length = index(rest[0], 'length', parent.length);
    let offset = rest.length >= 3 ? rest[2] : rest[1];
    if (typeof offset === 'string') offset = 0;
    offset = index(offset, 'offset', 0);
    if (offset + length > parent.length) {
      throw IpcError.from('IPC_ERANGE', `alias [${offset}, ${offset + length}) is outside the parent's ${parent.length} bytes`);
    }
    return parent.subarray(offset, offset + length);
  }
  const length = index(first, 'length');
  let target;
  const strings = [];
  for (const a of rest) {
    if (a === undefined) continue;
    if (typeof a === 'number') {
      if (target !== undefined) throw IpcError.from('IPC_EINVAL', 'more than one numeric key');
      target = a;
    } else if (typeof a === 'string') {
      strings.push(a);
    } else {
      throw invalidArgType('target', "a '*name' string, a filename, a numeric key or an encoding", a);
    }
  }
  // One string: an encoding name is the encoding, anything else the target.
  // Two: the one that is an encoding name (the first, if both are).
  let encoding;
  if (strings.length === 1) {
    if (Buffer.isEncoding(strings[0])) encoding = strings[0];
    else if (target === undefined) target = strings[0];
    else throw IpcError.from('IPC_EINVAL', `unexpected argument ${JSON.stringify(strings[0])}`);
  } else if (strings.length === 2 && target === undefined) {
    const i = Buffer.isEncoding(strings[0]) ? 0 : Buffer.isEncoding(strings[1]) ? 1 : -1;
    if (i < 0) throw IpcError.from('IPC_EINVAL', `neither ${JSON.stringify(strings[0])} nor ${JSON.stringify(strings[1])} is an encoding`);
    encoding = strings[i];
    target = strings[1 - i];
  } else if (strings.length > 0) {
    throw IpcError.from('IPC_EINVAL', 'too many arguments');
  }
  void encoding;  // accepted for compatibility; a new Buffer's contents do not depend on it
  if (target === undefined) return Buffer.alloc(length);
  if (length === 0) throw IpcError.from('IPC_EINVAL', 'a shared IPCBuffer needs a length > 0');
  const { kind, name } = parseTarget(target);
  const shm = new SharedMemory(name, { kind, size: length, mode: 'openOrCreate' });
  try {
    if (!shm.zeroCopy) {
      throw IpcError.from('IPC_ENOTSUP', 'this runtime forbids Buffers over shared memory (Electron): use SharedMemory.write/read');
    }
    const buf = shm.buffer;
    return buf.length === length ? buf : buf.subarray(0, length);
  } finally {
    shm.close();  // the Buffer keeps the mapping
  }
}

// Removes a shared target ('*name', numeric key or filename).
IPCBuffer.remove = function remove(target) {
  const { kind, name } = parseTarget(target);
  SharedMemory.remove(name, kind);
};

IPCBuffer.exists = function exists(target) {
  const { kind, name } = parseTarget(target);
  return SharedMemory.exists(name, kind);
};

module.exports = IPCBuffer;
module.exports.IPCBuffer = IPCBuffer;
