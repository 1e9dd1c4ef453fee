'use strict';
// ShmStream: the torn-read-free stream layout of c_api/include/ipc/shm_stream.h
// over a SharedMemory segment (ipc_shm_stream_*). One current value — a
// string, a Float32Array, a Float64Array or bytes — that readers in any
// language and process fetch whole or not at all (a seqlock). The same bytes
// as C, C++, Python and C# write and read.
//
//   const s = new ShmStream(SharedMemory.openOrCreate('telemetry', 65536));
//   s.writeFloat64([1, 2, 3]);
//   s.read();   // { type: 'float64', value: Float64Array [1, 2, 3], version: 1 }
const native = require('./native');
const { IpcError, invalidArgType } = require('./errors');
const { SharedMemory } = require('./shm');

const C = native.constants;
const TYPE_NAMES = {
  [C.IPC_STREAM_EMPTY]: 'empty',
  [C.IPC_STREAM_STRING]: 'string',
  [C.IPC_STREAM_F32]: 'float32',
  [C.IPC_STREAM_F64]: 'float64',
  [C.IPC_STREAM_BYTES]: 'bytes',
};

class ShmStream {
  constructor(shm) {
    if (!(shm instanceof SharedMemory)) throw invalidArgType('shm', 'an instance of SharedMemory', shm);
    this.shm = shm;
  }

  // Size of the largest value: segment size - 32 (the header).
  get capacity() { return this.shm._handle().streamCapacity(); }
  // Number of completed writes so far: compare with a read's version to see a
  // new value without copying.
  get version() { return this.shm._handle().streamVersion(); }

  writeString(text) {
    if (typeof text !== 'string') throw invalidArgType('text', 'of type string', text);
    this.shm._handle().streamWrite(C.IPC_STREAM_STRING, Buffer.from(text, 'utf8'));
  }

  writeFloat32(values) { this.shm._handle().streamWrite(C.IPC_STREAM_F32, floats(Float32Array, values)); }
  writeFloat64(values) { this.shm._handle().streamWrite(C.IPC_STREAM_F64, floats(Float64Array, values)); }

  writeBytes(data) {
    if (!ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer)) {
      throw invalidArgType('data', 'a Buffer, TypedArray, DataView or ArrayBuffer', data);
    }
    this.shm._handle().streamWrite(C.IPC_STREAM_BYTES, data);
  }

  // -> { type: 'empty'|'string'|'float32'|'float64'|'bytes', value, version }
  // value: '' / string / Float32Array / Float64Array / Buffer (copies).
  read() {
    const [type, ab, version] = this.shm._handle().streamRead();
    const name = TYPE_NAMES[type];
    let value;
    switch (type) {
      case C.IPC_STREAM_EMPTY: value = null; break;
      case C.IPC_STREAM_STRING: value = Buffer.from(ab).toString('utf8'); break;
      case C.IPC_STREAM_F32: value = new Float32Array(ab); break;
      case C.IPC_STREAM_F64: value = new Float64Array(ab); break;
      case C.IPC_STREAM_BYTES: value = Buffer.from(ab); break;
      default: throw IpcError.from('IPC_ECORRUPT', `unknown stream value type ${type}`);
    }
    return { type: name === undefined ? 'unknown' : name, value, version };
  }

  // The current value if it has `type` ('' / an empty array for an empty
  // stream); an IPC_EINVAL IpcError if the stream holds another type.
  readAs(type) {
    const r = this.read();
    if (r.type === 'empty') {
      return type === 'string' ? '' : type === 'float32' ? new Float32Array(0)
        : type === 'float64' ? new Float64Array(0) : Buffer.alloc(0);
    }
    if (r.type !== type) throw IpcError.from('IPC_EINVAL', `the stream holds ${r.type} data, not ${type}`);
    return r.value;
  }
}

function floats(Type, values) {
  if (values instanceof Type) return values;
  if (Array.isArray(values) || ArrayBuffer.isView(values)) return Type.from(values);
  throw invalidArgType('values', `a ${Type.name} or an array of numbers`, values);
}

module.exports = { ShmStream };
