// Type declarations for the `libipc` npm package (Node binding of libipc).
/// <reference types="node" />

/** Segment kinds: POSIX shm_open, a mapped file, System V shmget, anonymous. */
export type ShmKind = 'posix' | 'file' | 'sysv' | 'anon';
/** How an open treats an existing or missing segment. */
export type OpenMode = 'create' | 'open' | 'openOrCreate';
/** Node Buffer encodings the string helpers support (the C ABI's ipc_encoding_t). */
export type Encoding =
  | 'utf8' | 'utf-8' | 'ascii' | 'latin1' | 'binary' | 'base64' | 'base64url' | 'hex'
  | 'utf16le' | 'utf-16le' | 'ucs2' | 'ucs-2';

/** The C ABI's error names (`ipc_err_name`). */
export type IpcErrorCode =
  | 'IPC_EINVAL' | 'IPC_ENOENT' | 'IPC_EEXIST' | 'IPC_EACCES' | 'IPC_EBADHANDLE' | 'IPC_EBADNAME'
  | 'IPC_ENAMETOOLONG' | 'IPC_ERANGE' | 'IPC_EREADONLY' | 'IPC_ENOMEM' | 'IPC_ENOSPC'
  | 'IPC_ETIMEDOUT' | 'IPC_EAGAIN' | 'IPC_EMSGSIZE' | 'IPC_EILSEQ' | 'IPC_ENOTSUP'
  | 'IPC_ECORRUPT' | 'IPC_ECLOSED' | 'IPC_EIO' | 'IPC_EINTERNAL';

/** Every failure libipc reports. */
export class IpcError extends Error {
  constructor(message: string, props?: { code?: string; errno?: number; detail?: string });
  /** 'IPC_ENOENT', ... */
  readonly code: IpcErrorCode;
  /** The numeric ipc_error_t value (IPC_ENOENT = 2). */
  readonly errno: number;
  /** The C layer's detail: operation, name and OS error (ipc_last_error_message()). */
  readonly detail: string;
  readonly name: 'IpcError';
  /** An IpcError for a code, as the JS layer raises them. */
  static from(code: IpcErrorCode | number, detail?: string): IpcError;
}

export interface SharedMemoryOptions {
  /** Default 'posix'. */
  kind?: ShmKind;
  /** Default: 'open' without a size, 'openOrCreate' with one. */
  mode?: OpenMode;
  /** Bytes. On create the segment size; on open 0/absent maps the whole segment. */
  size?: number;
  /** Map read-only (open only). Read-only handles have no `buffer`. */
  readOnly?: boolean;
  /** Permission bits for a segment this call creates; default 0o600. */
  perm?: number;
}

/**
 * A shared-memory segment mapped into this process.
 *
 * `buffer` is a zero-copy view that keeps the mapping alive after `close()`
 * while it is reachable. Named segments outlive handles: `SharedMemory.remove`
 * deletes them.
 */
export class SharedMemory {
  /**
   * @param name POSIX name (no '/'), file path, SysV key (number or "0x..."
   *   string), or null for 'anon'.
   */
  constructor(name: string | number | null, options?: SharedMemoryOptions);
  static create(name: string | number | null, size: number, options?: Omit<SharedMemoryOptions, 'size' | 'mode'>): SharedMemory;
  static open(name: string | number, options?: Omit<SharedMemoryOptions, 'mode'>): SharedMemory;
  static openOrCreate(name: string | number, size: number, options?: Omit<SharedMemoryOptions, 'size' | 'mode'>): SharedMemory;
  static anonymous(size: number): SharedMemory;
  /** Removes a named segment; IpcError IPC_ENOENT if there is none. */
  static remove(name: string | number, kind?: ShmKind | { kind?: ShmKind }): void;
  static exists(name: string | number, kind?: ShmKind | { kind?: ShmKind }): boolean;

  /** The name as opened (null for 'anon'). */
  readonly name: string | null;
  readonly kind: ShmKind;
  /** Mapped size in bytes. */
  readonly size: number;
  readonly readOnly: boolean;
  readonly closed: boolean;
  /**
   * The whole segment, zero-copy. Throws IPC_EREADONLY for read-only handles and
   * IPC_EBADHANDLE once closed (a view taken before close stays valid).
   * Under Electron (no external buffers) a fresh copy at each access.
   */
  readonly buffer: Buffer;
  /** Whether `buffer` is a view (true) or has to be a copy (Electron; read-only). */
  readonly zeroCopy: boolean;

  /** Zero-copy views; byteOffset must be a multiple of the element size. */
  float32Array(byteOffset?: number, length?: number): Float32Array;
  float64Array(byteOffset?: number, length?: number): Float64Array;

  /** A copy of `length` bytes at `offset` (default: to the end). */
  read(offset?: number, length?: number): Buffer;
  /** Copies bytes (or a string as UTF-8) in at `offset`; returns bytes written. */
  write(data: string | ArrayBufferView | ArrayBuffer, offset?: number): number;
  /** Encodes like ipc_shm_write_string; returns bytes written. */
  writeString(string: string, offset?: number, encoding?: Encoding): number;
  writeString(string: string, encoding: Encoding): number;
  /** Decodes like ipc_shm_read_string. */
  readString(offset?: number, length?: number, encoding?: Encoding): string;
  readString(offset: number, encoding: Encoding): string;
  readString(encoding: Encoding): string;
  /** Copies; any byte offset. `count` defaults to as many as fit. */
  readFloat32(offset?: number, count?: number): Float32Array;
  readFloat64(offset?: number, count?: number): Float64Array;
  writeFloat32(values: Float32Array | ArrayLike<number>, offset?: number): void;
  writeFloat64(values: Float64Array | ArrayLike<number>, offset?: number): void;
  /** msync a file mapping; no-op for other kinds. */
  flush(): void;
  /** Idempotent; never removes the segment; views stay valid. */
  close(): void;
  [Symbol.dispose](): void;
}

export type StreamValue =
  | { type: 'empty'; value: null; version: number }
  | { type: 'string'; value: string; version: number }
  | { type: 'float32'; value: Float32Array; version: number }
  | { type: 'float64'; value: Float64Array; version: number }
  | { type: 'bytes'; value: Buffer; version: number };

/** The torn-read-free stream layout (ipc_shm_stream_*) over a segment. */
export class ShmStream {
  constructor(shm: SharedMemory);
  readonly shm: SharedMemory;
  /** Largest value in bytes: segment size - 32. */
  readonly capacity: number;
  /** Completed writes so far. */
  readonly version: number;
  writeString(text: string): void;
  writeFloat32(values: Float32Array | ArrayLike<number>): void;
  writeFloat64(values: Float64Array | ArrayLike<number>): void;
  writeBytes(data: ArrayBufferView | ArrayBuffer): void;
  read(): StreamValue;
  readAs(type: 'string'): string;
  readAs(type: 'float32'): Float32Array;
  readAs(type: 'float64'): Float64Array;
  readAs(type: 'bytes'): Buffer;
}

/** { IPC_OK: 0, IPC_EINVAL: 1, ... } */
export const errors: Readonly<Record<'IPC_OK' | IpcErrorCode, number>>;
/** Version of the loaded libipc.so, "MAJOR.MINOR.PATCH". */
export const version: string;
/** Version of the headers the addon was built with. */
export const headerVersion: string;
/** The C ABI's description of an error code. */
export function strerror(code: number): string;
