'use strict';
// require('libipc/compat/libsharedmemory'): node-libsharedmemory's
// NodeSharedMemoryWriteStream / NodeSharedMemoryReadStream over libipc's stream
// layout (c_api/include/ipc/shm_stream.h), so that C, C++, Python and C#
// programs using ipc_shm_stream_* read what Node writes and the other way round.
//
//   const w = new NodeSharedMemoryWriteStream('telemetry', 65535, true);
//   w.writeString('ab😃');      w.writeDoubleArray([1.5, 2.5]);
//   const r = new NodeSharedMemoryReadStream('telemetry', 65535, true);
//   r.readDoubleArray();        // Float64Array [1.5, 2.5]
//
// Constructor arguments are libsharedmemory's (name, bufferSize, isPersistent):
//   name        POSIX shared-memory name (default 'libsharedmemory'); the same
//               object as libsharedmemory's and Python's SharedMemory(name)
//   size        total segment size in bytes, header included (default 65535):
//               the largest value is size - 32 bytes; a larger one is an
//               IPC_ERANGE error, never a truncation
//   persistent  (default true) false: the writer's close() removes the segment
// The writer opens or creates the segment at construction. The reader opens it
// (open-only) at its first read, so it may be constructed before any writer;
// reading a segment that does not exist yet is an IPC_ENOENT error.
//
// Differences from node-libsharedmemory: values are never torn (a seqlock), a
// read of the wrong type is an IPC_EINVAL error instead of garbage, an empty
// stream reads as '' or an empty array, and both classes have close().
// The 0.x per-call forms write(data, name, size, persistent) and
// read(name, size, persistent) are kept.
const { SharedMemory, index } = require('../shm');
const { ShmStream } = require('../stream');
const { invalidArgType } = require('../errors');

const DEFAULT_NAME = 'libsharedmemory';
const DEFAULT_SIZE = 65535;

function args(name, size, persistent) {
  if (name === undefined) name = DEFAULT_NAME;
  if (typeof name !== 'string') throw invalidArgType('name', 'of type string', name);
  size = index(size, 'size', DEFAULT_SIZE);
  if (persistent === undefined) persistent = true;
  if (typeof persistent !== 'boolean') throw invalidArgType('persistent', 'of type boolean', persistent);
  return { name, size, persistent };
}

class NodeSharedMemoryWriteStream {
  constructor(name, size, persistent) {
    Object.assign(this, args(name, size, persistent));
    this._shm = SharedMemory.openOrCreate(this.name, this.size);
    this._stream = new ShmStream(this._shm);
  }

  writeString(text) { this._stream.writeString(text); }
  // Float32Array or an array of numbers.
  writeFloatArray(values) { this._stream.writeFloat32(values); }
  // Float64Array or an array of numbers.
  writeDoubleArray(values) { this._stream.writeFloat64(values); }

  // 0.x form: write(string[, name, size, persistent]).
  write(data, name, size, persistent) {
    if (name === undefined) return this.writeString(data);
    const w = new NodeSharedMemoryWriteStream(name, size, persistent);
    try {
      w.writeString(data);
    } finally {
      w._shm.close();  // a one-shot write never removes the segment
    }
    return undefined;
  }

  // Completed writes so far.
  get version() { return this._stream.version; }

  close() {
    if (this._shm.closed) return;
    this._shm.close();
    if (!this.persistent) {
      try {
        SharedMemory.remove(this.name);
      } catch (e) {
        if (e.code !== 'IPC_ENOENT') throw e;
      }
    }
  }
}

class NodeSharedMemoryReadStream {
  constructor(name, size, persistent) {
    Object.assign(this, args(name, size, persistent));
    this._shm = null;
    this._stream = null;
  }

  _open() {
    if (this._stream === null) {
      this._shm = SharedMemory.open(this.name, { readOnly: true });
      this._stream = new ShmStream(this._shm);
    }
    return this._stream;
  }

  readString() { return this._open().readAs('string'); }
  readFloatArray() { return this._open().readAs('float32'); }
  readDoubleArray() { return this._open().readAs('float64'); }

  // 0.x form: read([name, size, persistent]) -> string.
  read(name, size, persistent) {
    if (name === undefined) return this.readString();
    const r = new NodeSharedMemoryReadStream(name, size, persistent);
    try {
      return r.readString();
    } finally {
      r.close();
    }
  }

  // Completed writes so far: a cheap change check.
  get version() { return this._open().version; }

  close() {
    if (this._shm !== null) this._shm.close();
    this._shm = null;
    this._stream = null;
  }
}

module.exports = { NodeSharedMemoryWriteStream, NodeSharedMemoryReadStream };
