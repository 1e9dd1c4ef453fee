// Type declarations for the `libipc` npm package (Node binding of libipc).
/// <reference types="node" />
import { EventEmitter } from 'node:events';

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
  | 'IPC_ECORRUPT' | 'IPC_ECLOSED' | 'IPC_EIO' | 'IPC_EINTERNAL'
  | 'IPC_ECONNREFUSED' | 'IPC_ECONNRESET' | 'IPC_EADDRINUSE' | 'IPC_ETLS';

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

/** Options of a wait: a timeout and/or an AbortSignal. */
export interface WaitOptions {
  /**
   * Absent, -1 or Infinity: wait forever. 0: try once (rejects IPC_EAGAIN).
   * n > 0: reject with IpcError IPC_ETIMEDOUT after n ms.
   */
  timeoutMs?: number;
  /** Rejects the wait with the signal's reason when aborted. */
  signal?: AbortSignal;
}

export interface SemaphoreOptions {
  /** Default 'open', or 'openOrCreate' when `initial` is given. */
  mode?: OpenMode;
  /** The count if this call creates the semaphore (default 0). */
  initial?: number;
  /** Permission bits if this call creates it (default 0o600). */
  perm?: number;
  /**
   * After arming, how long (µs) a native helper thread looks for a unit
   * itself before the C ABI's notify thread takes over (default 50; 0: the
   * notify alone). Never spent on the event loop.
   */
  spinUs?: number;
}

/**
 * A named counting semaphore shared with every process and language
 * (ipc_sem_*). Waits never block the event loop.
 */
export class Semaphore {
  constructor(name: string, options?: SemaphoreOptions);
  static create(name: string, initial?: number, options?: Omit<SemaphoreOptions, 'mode' | 'initial'>): Semaphore;
  static open(name: string, options?: Omit<SemaphoreOptions, 'mode' | 'initial'>): Semaphore;
  static openOrCreate(name: string, initial?: number, options?: Omit<SemaphoreOptions, 'mode' | 'initial'>): Semaphore;
  /** Removes the named semaphore (closing never does); IPC_ENOENT if none. */
  static remove(name: string): void;
  static exists(name: string): boolean;

  readonly name: string;
  readonly closed: boolean;
  /** The current count (a snapshot). */
  readonly value: number;
  /** Adds n (default 1), waking waiters in any process. */
  post(n?: number): void;
  /** Takes a unit if there is one: true; false otherwise. Never waits. */
  tryWait(): boolean;
  /**
   * Resolves true once a unit is taken; rejects IPC_ETIMEDOUT after
   * timeoutMs, IPC_EAGAIN for timeoutMs 0, IPC_ECLOSED if closed meanwhile,
   * the signal's reason if aborted.
   */
  wait(options?: WaitOptions): Promise<true>;
  /** Pending waits keep the process alive unless unref() was called. */
  ref(): this;
  unref(): this;
  /** Idempotent; rejects pending waits with IPC_ECLOSED; never removes. */
  close(): void;
  [Symbol.dispose](): void;
}

/** A received message. `data` may share memory with its batch's other messages. */
export interface Message {
  data: Buffer;
  /** 0..31; higher is delivered first. */
  priority: number;
}

export interface MessageQueueOptions {
  /** Default 'open', or 'openOrCreate' when capacity or maxMessageSize is given. */
  mode?: OpenMode;
  /** Messages the queue holds, if this call creates it (default 256). */
  capacity?: number;
  /** Largest message in bytes, if this call creates it (default 4096). */
  maxMessageSize?: number;
  /** Permission bits if this call creates it (default 0o600). */
  perm?: number;
  /** Messages 'message' listeners take per batch (default 256). */
  batchSize?: number;
  /** As SemaphoreOptions.spinUs (default 50). */
  spinUs?: number;
}

export interface SendOptions {
  /** 0..31 (default 0). */
  priority?: number;
  /** As WaitOptions.timeoutMs, for room in a full queue. */
  timeoutMs?: number;
}

export type Payload = string | ArrayBufferView | ArrayBuffer;

export interface MessageQueueEvents {
  message: [message: Message];
  close: [];
  error: [error: IpcError];
}

/**
 * A named bounded message queue shared with every process and language
 * (ipc_mq_*). Nothing blocks the event loop: receive() and waits are driven by
 * the C ABI's notify, send() on a full queue waits on a helper thread.
 * Emits 'message' (while listened to, in batches), 'close', 'error'.
 */
export class MessageQueue extends EventEmitter<MessageQueueEvents> implements AsyncIterable<Message> {
  constructor(name: string, options?: MessageQueueOptions);
  static create(name: string, options?: Omit<MessageQueueOptions, 'mode'>): MessageQueue;
  static open(name: string, options?: Omit<MessageQueueOptions, 'mode' | 'capacity' | 'maxMessageSize'>): MessageQueue;
  static openOrCreate(name: string, options?: Omit<MessageQueueOptions, 'mode'>): MessageQueue;
  /** Removes the named queue (closing never does); IPC_ENOENT if none. */
  static remove(name: string): void;
  static exists(name: string): boolean;

  readonly name: string;
  readonly closed: boolean;
  readonly capacity: number;
  readonly maxMessageSize: number;
  /** Messages in the queue now (a snapshot). */
  readonly count: number;
  /** Recoveries from processes that died holding the queue's lock. */
  readonly recoveries: number;

  /** Queues data if there is room: true; false if full. Never waits. */
  trySend(data: Payload, options?: { priority?: number } | number): boolean;
  /**
   * Resolves once queued (in call order per handle). Rejects IPC_EAGAIN
   * (timeoutMs 0, full), IPC_ETIMEDOUT, IPC_EMSGSIZE, IPC_ECLOSED (closed
   * before it could be queued).
   */
  send(data: Payload, options?: SendOptions | number): Promise<void>;
  /** The next message, or null if there is none. Never waits. */
  tryReceive(): Message | null;
  /** Resolves with the next message; options as Semaphore#wait. */
  receive(options?: WaitOptions): Promise<Message>;
  /** One message per step; ends when the queue is closed or the loop breaks. */
  [Symbol.asyncIterator](): AsyncIterableIterator<Message>;
  messages(options?: { signal?: AbortSignal }): AsyncIterableIterator<Message>;
  /** Pending receives, sends and 'message' listeners keep the process alive unless unref(). */
  ref(): this;
  unref(): this;
  /**
   * Idempotent. Pending receives reject IPC_ECLOSED, iterators end, pending
   * sends settle as they went, undelivered batch messages go back into the
   * queue; emits 'close'. Never removes the queue.
   */
  close(): void;
  [Symbol.dispose](): void;
}

/** { IPC_OK: 0, IPC_EINVAL: 1, ... } */
// ---- sockets (lib/sock.js; c_api/include/ipc/sock.h) ----

/** TLS options of a socket (libipc's, see docs/sock.md). */
export interface SocketTlsOptions {
  /** PEM files: our certificate and private key (a server needs them). */
  cert?: string;
  key?: string;
  /** PEM file(s) of trusted CAs (default: the system's trust store). */
  ca?: string | string[];
  /** Verify the peer (default true). */
  verify?: boolean;
  /** Server: mutual TLS. */
  requireClientCert?: boolean;
  /** Client: the name to check the certificate against (default: host). */
  servername?: string;
}

/**
 * libipc's socket options (sock.h, OPTIONS), sent to the C ABI as JSON:
 * an unknown key is IpcError IPC_EINVAL.
 */
export interface SocketOptions {
  transport?: 'unix' | 'tcp' | 'tls' | 'udp4' | 'udp6';
  /** Unix socket path; default socketRoot + appspace + id. */
  path?: string;
  id?: string;
  /** Default 'app.'. */
  appspace?: string;
  /** Default: the private root (defaultSocketRoot()), not node-ipc's '/tmp/'. */
  socketRoot?: string;
  /** Default '127.0.0.1'. */
  host?: string;
  /** 0: any free port (read it back from server.port). */
  port?: number;
  /** Server, Unix: replace a stale socket file (default true). */
  unlink?: boolean;
  /** node-ipc's rawBuffer: bytes without framing ('data' events, send()). */
  raw?: boolean;
  maxConnections?: number;
  maxFrame?: number;
  maxWriteQueue?: number;
  maxEventQueue?: number;
  /** Client: ms between reconnect attempts (default 500). */
  retry?: number;
  /** Client: attempts after a loss (default unlimited; 0: never). */
  maxRetries?: number;
  /** Client: never reconnect. */
  stopRetrying?: boolean;
  backoff?: number;
  retryMax?: number;
  tls?: SocketTlsOptions;
}

/** An 'error' event's IpcError carries the connection it concerns (0 if none). */
export interface SocketError extends IpcError {
  conn: number;
}

/** JSON values (what emit() sends and events carry). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/**
 * A server: listening when the constructor returns ('start' follows).
 * Events: 'start', 'connect' (conn, address), 'disconnect' (conn), 'error'
 * (SocketError), 'message' (type, data, conn), each user type (data, conn)
 * unless it is one of this class's own event names, 'data' (raw: Buffer,
 * conn), 'drain' (conn), 'close'.
 */
export class SocketServer extends EventEmitter {
  constructor(options?: SocketOptions);
  /** The Unix socket path, or "host:port". */
  readonly address: string;
  /** The bound TCP/TLS/UDP port; 0 for Unix sockets. */
  readonly port: number;
  /** Ids of the live connections. */
  readonly connections: number[];
  readonly connectionCount: number;
  readonly closed: boolean;
  /** Sends (type, data) to one connection; false: wait for 'drain'. IPC_ENOENT for an unknown id. */
  emit(conn: number, type: string, data?: unknown): boolean;
  /** EventEmitter#emit (a string first argument). */
  emit(event: string | symbol, ...args: unknown[]): boolean;
  /** Sends (type, data) to every connection. */
  broadcast(type: string, data?: unknown): boolean;
  /** Raw mode: bytes (a string as UTF-8) to conn, or to all with -1. */
  send(conn: number, data: string | ArrayBufferView | ArrayBuffer): boolean;
  /** Closes one connection ('disconnect' follows). */
  disconnect(conn: number): void;
  /** UDP: the connection id for a peer address. */
  peer(host: string, port: number): number;
  /** Bytes libipc has queued for conn. */
  pending(conn: number): number;
  /** Closes the server and its connections; 'close' follows. Idempotent. */
  close(): void;
  ref(): this;
  unref(): this;
  on(event: 'start' | 'close', listener: () => void): this;
  on(event: 'connect', listener: (conn: number, address: string) => void): this;
  on(event: 'disconnect' | 'drain', listener: (conn: number) => void): this;
  on(event: 'error', listener: (err: SocketError) => void): this;
  on(event: 'message', listener: (type: string, data: any, conn: number) => void): this;
  on(event: 'data', listener: (data: Buffer, conn: number) => void): this;
  on(event: string, listener: (data: any, conn: number) => void): this;
}

/**
 * A client: connects in the background and reconnects per its options.
 * Events: 'connect', 'disconnect', 'destroy' (no more reconnects; it closes
 * itself), 'error' (SocketError), 'message' (type, data, 0), each user type
 * (data), 'data' (raw: Buffer), 'drain', 'close'.
 */
export class SocketClient extends EventEmitter {
  constructor(options?: SocketOptions);
  readonly connected: boolean;
  readonly address: string;
  /** Bytes libipc has queued for writing. */
  readonly pending: number;
  readonly closed: boolean;
  /** Sends (type, data) to the server; false: wait for 'drain'. */
  emit(type: string, data?: unknown): boolean;
  /** Raw mode: sends bytes. */
  send(data: string | ArrayBufferView | ArrayBuffer): boolean;
  /** Disconnects for good: 'disconnect' (if connected), 'destroy', 'close' follow. */
  disconnect(): void;
  /** Closes at once (no more events but 'close'). */
  close(): void;
  ref(): this;
  unref(): this;
  on(event: 'connect' | 'disconnect' | 'destroy' | 'drain' | 'close', listener: () => void): this;
  on(event: 'error', listener: (err: SocketError) => void): this;
  on(event: 'message', listener: (type: string, data: any, conn: 0) => void): this;
  on(event: 'data', listener: (data: Buffer) => void): this;
  on(event: string, listener: (data: any) => void): this;
}

/** new SocketServer(options). */
export function listen(options?: SocketOptions): SocketServer;
/** new SocketClient(options). */
export function connect(options?: SocketOptions): SocketClient;
/** The default private socket root ($XDG_RUNTIME_DIR/libipc/ or /tmp/libipc-<uid>/), with a trailing '/'. */
export function defaultSocketRoot(): string;

export const errors: Readonly<Record<'IPC_OK' | IpcErrorCode, number>>;
/** Version of the loaded libipc.so, "MAJOR.MINOR.PATCH". */
export const version: string;
/** Version of the headers the addon was built with. */
export const headerVersion: string;
/** The C ABI's description of an error code. */
export function strerror(code: number): string;
