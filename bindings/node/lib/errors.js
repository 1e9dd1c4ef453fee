'use strict';
// IpcError: every failure libipc reports. Like Node's own system errors it has a
// string `code` ('IPC_ENOENT'), a numeric `errno` (the C ABI's ipc_error_t
// value, 2 for IPC_ENOENT) and the C layer's detail message
// (ipc_last_error_message(): the operation, the name and the OS error).
//
// Wrong argument *types* are TypeErrors with code 'ERR_INVALID_ARG_TYPE', as in
// Node's own APIs; wrong values (a negative size, an unknown kind, a bad name)
// are IpcErrors with the code the C ABI gives them.

let native = null;

class IpcError extends Error {
  constructor(message, props = {}) {
    super(message);
    this.code = props.code;
    this.errno = props.errno;
    this.detail = props.detail === undefined ? '' : props.detail;
  }

  get name() {
    return 'IpcError';
  }

  // An IpcError for `code` ('IPC_EINVAL' or its number) raised by the JS layer.
  static from(code, detail = '') {
    const errno = typeof code === 'number' ? code : native.errors[code];
    const name = native.errName(errno);
    let message = `${name}: ${native.strerror(errno)}`;
    if (detail) message += `: ${detail}`;
    return new IpcError(message, { code: name, errno, detail });
  }

  static _bind(n) {
    native = n;
  }
}

function invalidArgType(what, expected, value) {
  const err = new TypeError(`The "${what}" argument must be ${expected}. Received ${describe(value)}`);
  err.code = 'ERR_INVALID_ARG_TYPE';
  return err;
}

function describe(value) {
  if (value === null) return 'null';
  if (typeof value === 'object') return `an instance of ${value.constructor ? value.constructor.name : 'Object'}`;
  if (typeof value === 'string') return `type string (${JSON.stringify(value.length > 28 ? value.slice(0, 25) + '...' : value)})`;
  return `type ${typeof value} (${String(value)})`;
}

module.exports = { IpcError, invalidArgType };
